"""Bad input fuzzing: every layer constructor and ``compute_output_shape`` fed junk.

Whatever a learner types, convkit answers with ``ValueError``/``TypeError`` whose message shows the value it
received, or accepts the value and then keeps working (shapes, params, explanations, code, repr).
"""

from __future__ import annotations

import math
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convkit import layers as L
from convkit.core.layers import LAYERS
from convkit.core.words import short_repr

FUZZ = settings(
    max_examples=int(os.environ.get("CONVKIT_FUZZ_EXAMPLES", "50")),
    deadline=None,
    database=None,
    derandomize=os.environ.get("CONVKIT_FUZZ_RANDOM") is None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

#: (valid required arguments, a valid input shape) per layer
BASE: dict[str, tuple[dict, tuple]] = {}
for _name, _cls in LAYERS.items():
    _required = {"filters": 4, "kernel_size": 3, "pool_size": 2, "units": 3, "target_shape": (-1,),
                 "activation": "relu", "rate": 0.5}  # fmt: skip
    _args = {p.name: _required[p.name] for p in _cls._params() if p.default is p.empty}
    _shape = {1: (2, 9, 4), 2: (2, 9, 9, 4), 3: (1, 6, 6, 6, 4)}.get(_cls.rank, (2, 5, 4))
    BASE[_name] = (_args, _shape)

atoms = st.one_of(
    st.integers(-3, 0),
    st.integers(1, 5),
    st.sampled_from([10**30, -(10**30), 10**9 + 1]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1.5, 2.0, -0.5]),
    st.text(max_size=6),
    st.sampled_from(["same", "SAME", "valid", "causal", "full", "channels_first", "relu", ""]),
    st.none(),
    st.booleans(),
    st.just(object()),
    st.just({}),
)
junk = st.recursive(
    atoms,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.lists(inner, max_size=5).map(tuple)),
    max_leaves=8,
)


def _mentions(message: str, value: Any) -> bool:
    candidates = {repr(value), str(value), short_repr(value)}  # long values are shown cut short (issue 11)
    if isinstance(value, (list, tuple)):
        candidates.add(repr(tuple(value)))
        candidates.update(repr(v) for v in value)
    return any(c in message for c in candidates)


def _exercise(layer: L.Layer, shape: tuple) -> None:
    """A layer that was accepted must keep answering, refusing only with ValueError/TypeError."""
    repr(layer)
    layer.get_config()
    try:
        compile(layer.to_keras_code(), "<keras code>", "eval")
        out = layer.compute_output_shape(shape)
        assert isinstance(out, tuple) and all(d is None or (isinstance(d, int) and d > 0) for d in out), out
        assert isinstance(layer.count_params(shape), int)
        explanation = layer.explain(shape)
        str(explanation)
        explanation._repr_html_()
        layer.spatial_axes(shape)
    except (ValueError, TypeError) as err:
        assert str(err)


@pytest.mark.parametrize("name", list(LAYERS))
def test_constructor_junk(name: str) -> None:
    cls = LAYERS[name]
    base, shape = BASE[name]
    params = [p.name for p in cls._params()] + ["name"]

    @FUZZ
    @given(param=st.sampled_from(params), value=junk)
    def run(param: str, value: Any) -> None:
        try:
            layer = cls(**{**base, param: value})
        except (ValueError, TypeError) as err:
            assert _mentions(str(err), value), f"{name}({param}={value!r}): message hides the value: {err}"
            return
        _exercise(layer, shape)

    run()


@pytest.mark.parametrize("name", list(LAYERS))
def test_unknown_keyword_is_refused(name: str) -> None:
    args, _ = BASE[name]
    with pytest.raises(ValueError, match=r"Unrecognized keyword arguments passed to .*kernel_sise=3"):
        LAYERS[name](**args, kernel_sise=3)


def _mutated_shapes(valid: tuple) -> st.SearchStrategy:
    def replace(parts: tuple) -> tuple:
        index, value = parts
        shape = list(valid)
        shape[index % len(shape)] = value
        return tuple(shape)

    return st.one_of(
        st.tuples(st.integers(0, 10), atoms).map(replace),  # one bad (or tiny) dimension
        st.lists(st.one_of(st.integers(1, 4), st.none()), max_size=6).map(tuple),  # any rank, small sizes
        st.lists(st.one_of(st.integers(1, 4), st.none()), max_size=6),  # lists too
        junk,  # not a shape at all
        st.integers(-5, 5),
    )


@pytest.mark.parametrize("name", list(LAYERS))
def test_compute_output_shape_junk(name: str) -> None:
    args, valid = BASE[name]
    layer = LAYERS[name](**args)

    @FUZZ
    @given(shape=_mutated_shapes(valid))
    def run(shape: Any) -> None:
        try:
            out = layer.compute_output_shape(shape)
        except (ValueError, TypeError) as err:
            assert _mentions(str(err), shape), f"{name}: message hides the shape {shape!r}: {err}"
            assert layer.name in str(err), f"{name}: message does not name the layer: {err}"
            return
        assert all(d is None or (isinstance(d, int) and d > 0) for d in out), out
        for method in (layer.count_params, layer.explain, layer.spatial_axes):
            try:
                method(shape)
            except (ValueError, TypeError) as err:
                assert _mentions(str(err), shape) and layer.name in str(err), err

    run()


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [("Conv2D", {"filters": 10**30, "kernel_size": 3}), ("Conv2D", {"filters": 4, "kernel_size": 10**30}),
     ("Dense", {"units": 10**30}), ("UpSampling2D", {"size": 10**30}), ("Reshape", {"target_shape": (10**30,)}),
     ("ZeroPadding2D", {"padding": 10**30}), ("MaxPooling2D", {"pool_size": 10**30})],
)  # fmt: skip
def test_huge_values_are_refused_quickly(name: str, kwargs: dict) -> None:
    with pytest.raises(ValueError) as info:
        LAYERS[name](**kwargs)
    assert str(10**30) in str(info.value)


def test_huge_but_legal_sizes_stay_cheap() -> None:
    big = 10**9
    layer = L.Conv2D(4, 3, strides=2)
    assert layer.compute_output_shape((1, big, big, 3)) == (1, (big - 3) // 2 + 1, (big - 3) // 2 + 1, 4)
    # counted by arithmetic on the stride pattern, not by building the 10**9-cell axis (issue 11)
    assert "pixels never read: row 999999999" in str(layer.explain((1, big, big, 3)))
    assert L.Flatten().compute_output_shape((1, big, big, big)) == (1, math.prod((big, big, big)))


@pytest.mark.parametrize(
    ("shape", "hint"),
    [
        pytest.param(
            (None, 28, 28),
            "the channel axis is missing: write it last, e.g. (None, 28, 28, 1)",
            id="batch_present_channels_missing",
        ),
        pytest.param(
            (28, 28, 3),
            "leave out the batch dimension? Write it first, e.g. (None, 28, 28, 3)",
            id="channels_present_batch_missing",
        ),
        pytest.param(
            (5, 28, 28),
            "the batch axis first, e.g. (None, 5, 28, 28), or the channel axis last",
            id="ambiguous_names_both",
        ),
    ],
)
def test_rank_hint_names_the_axis_that_is_missing(shape, hint):
    from convkit import layers as L

    with pytest.raises(ValueError) as info:
        L.Conv2D(8, 3).compute_output_shape(shape)
    assert hint in str(info.value) and f"Received: input_shape={shape!r}" in str(info.value)


def test_channel_words_agree_with_one():
    from convkit import layers as L

    with pytest.raises(ValueError) as info:
        L.Conv2D(4, 3, groups=2).compute_output_shape((None, 8, 8, 1))
    assert "1 channel cannot" in str(info.value) and "1 channels" not in str(info.value)
