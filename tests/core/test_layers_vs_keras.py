"""Random layer configurations, checked against real Keras 3 (``keras.layers.<Name>``).

For every example: if Keras refuses it (constructor, ``compute_output_shape``, ``build`` or execution), convkit
must refuse it too with ``ValueError``/``TypeError``; otherwise the output shapes must be equal, and so must
``count_params``. ``to_keras_code()`` must rebuild an equivalent Keras layer, and a Keras layer's ``get_config()``
must construct the same convkit layer (what the Keras adapter relies on).

Where convkit is deliberately stricter than Keras' ``compute_output_shape`` (documented, see the report):

* an output with a zero or negative size. Keras' ``compute_output_shape`` returns it for transposed
  convolutions (e.g. ``padding="same", output_padding=0``, kernel 2, input 1 → 0) and negative ``ZeroPadding2D``
  ints; executing such a layer fails (or kills the process with SIGFPE), so convkit refuses;
* pooling ``strides=0`` (Keras: ``OverflowError`` in ``compute_output_shape``), upper-case pooling padding
  (Keras' ``compute_output_shape`` refuses it, eager execution accepts it);
* non-integer ``filters``/``groups``/``axis`` and booleans as sizes, which Keras sometimes lets through.

The Keras reference is therefore: constructor + ``compute_output_shape`` + a symbolic call on a KerasTensor
(input_spec and ``build``: channels vs ``groups``, weights that need a known channel/feature size) + a real
call where TensorFlow can run it. ``compute_output_shape`` alone accepts e.g. ``Conv2D`` with
``channels=None`` or channels not divisible by ``groups``; every real use of such a layer fails.

Channels-first convolutions and pooling are compared through Keras' ``compute_output_shape`` + ``build`` only:
TensorFlow on CPU cannot execute them. Transposed convolutions with ``dilation_rate > 1`` cannot run on CPU
either, TensorFlow's depthwise kernel refuses unequal height/width strides (Keras accepts them; convkit
follows Keras and warns in ``explain``), and oneDNN aborts on some legal "same" transposed convolutions:
those fall back to the symbolic result (see ``_execute``).
"""

from __future__ import annotations

import math
import os
from collections import Counter
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

import convkit.layers as ck  # noqa: E402

pytestmark = [
    pytest.mark.tf,
    # Keras' own remarks on random configurations (softmax over a size-1 axis, strides=0 in numpy)
    pytest.mark.filterwarnings("ignore::UserWarning:keras.*"),
    pytest.mark.filterwarnings("ignore::RuntimeWarning:keras.*"),
]

#: one profile for every family; CONVKIT_KERAS_EXAMPLES raises it for a long soak
KERAS = settings(
    max_examples=int(os.environ.get("CONVKIT_KERAS_EXAMPLES", "150")),
    deadline=None,
    database=None,
    derandomize=os.environ.get("CONVKIT_KERAS_RANDOM") is None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)

#: largest tensor (elements) executed for real; larger ones are compared through compute_output_shape
_MAX_ELEMENTS = 20_000

Case = tuple[str, tuple, dict, tuple]  # (Keras class name, positional args, keyword args, input shape)


# --------------------------------------------------------------------------- the comparison
def _tuple(shape: Any) -> tuple:
    return tuple(None if d is None else int(d) for d in shape)


def _execute(layer: Any, shape: tuple, expected: tuple) -> tuple | BaseException:
    """Run the Keras layer on a real tensor; the real output shape, or the exception Keras raised."""
    x = np.random.default_rng(0).random(shape, dtype=np.float32)
    try:
        return _tuple(layer(x).shape)
    except tf.errors.AbortedError:  # oneDNN: some legal "same" transposed convolutions (a TF trap, not a refusal)
        return expected
    except tf.errors.InvalidArgumentError as err:
        if any(limit in str(err) for limit in TF_LIMITS):
            return expected
        if TF_SAME_TRANSPOSE in str(err) and getattr(layer, "output_padding", None) is not None:
            return expected
        return err
    except (ValueError, TypeError) as err:
        return err


#: TensorFlow kernel limitations, not Keras refusals (Keras' other backends run these; convkit follows Keras
#: and warns in ``explain`` for the last two)
TF_LIMITS = (
    "do not yet support dilation rates larger than 1",  # Conv*Transpose with dilation on CPU
    "only supports equal length strides in the row and column dimensions",  # depthwise kernel, strides (1, 2)
)
#: Conv*Transpose(padding="same", output_padding=0) with an even kernel: Keras' size (n - 1)·s is one that
#: TensorFlow's "same" maps back to n - 1 inputs, so its kernel refuses it
TF_SAME_TRANSPOSE = "Size of out_backprop doesn't match computed"


def _keras_outcome(case: Case, execute: bool) -> tuple[Any, tuple | None, Any]:
    """``(layer, output_shape, None)`` when Keras accepts the case, ``(None, None, why)`` when it refuses.

    Keras accepts a case when the constructor, ``compute_output_shape`` and a symbolic call on a KerasTensor of
    that shape (input_spec, ``build``: channels vs groups, weights needing known sizes) all succeed, the output
    is not empty, and (where TF can run it) executing it on a real tensor succeeds.
    """
    name, args, kwargs, shape = case
    try:
        layer = getattr(keras.layers, name)(*args, **kwargs)
        out = _tuple(layer.compute_output_shape(shape))
    except Exception as err:  # noqa: BLE001 - any Keras refusal counts (ValueError, TypeError, OverflowError...)
        return None, None, err
    if any(d is not None and d <= 0 for d in out):
        return None, None, f"empty output {out}: Keras' compute_output_shape accepts it, execution cannot"
    try:
        symbolic = _tuple(layer(keras.KerasTensor(shape)).shape)
    except Exception as err:  # noqa: BLE001 - same: a refusal when Keras builds/calls the layer
        return None, None, err
    assert symbolic == out, f"Keras disagrees with itself: symbolic call {symbolic}, compute_output_shape {out}"
    if execute:
        # unknown sizes run with a stand-in size, when Keras accepts that size
        concrete = tuple(_STAND_IN if d is None else d for d in shape)
        try:
            expected = _tuple(layer.compute_output_shape(concrete))
        except Exception:  # noqa: BLE001 - the stand-in does not fit this layer: nothing to run
            return layer, out, None
        if math.prod(concrete) <= _MAX_ELEMENTS and all(d > 0 for d in expected):
            real = _execute(layer, concrete, expected)
            if isinstance(real, BaseException):
                return None, None, real
            assert real == expected, f"Keras disagrees with itself: executed {real}, compute_output_shape {expected}"
    return layer, out, None


#: the size an unknown (None) dimension gets when a case is executed for real
_STAND_IN = 3


def _executable(case: Case) -> bool:
    """TF on CPU cannot execute channels_first convolutions or pooling; everything else runs."""
    name, args, kwargs, _ = case
    if not any(w in name for w in ("Conv", "Pooling")) or name.startswith("Global"):
        return True
    return kwargs.get("data_format") != "channels_first" and "channels_first" not in args


def check(case: Case) -> str:
    """Compare one case; returns "match" or "refused" (both sides refused)."""
    name, args, kwargs, shape = case
    k_layer, k_out, k_why = _keras_outcome(case, _executable(case))
    try:
        layer = getattr(ck, name)(*args, **kwargs)
        out = layer.compute_output_shape(shape)
    except (ValueError, TypeError) as err:
        if os.environ.get("CONVKIT_KERAS_DEBUG"):
            print("REFUSED", case, "|", str(err)[:120])
        assert k_layer is None, f"convkit refused what Keras accepts ({k_out}): {case}\n{err}"
        assert str(err), "empty error message"
        return "refused"
    assert k_layer is not None, f"convkit accepted {out} but Keras refuses: {case}\n{k_why!r}"
    assert out == k_out, f"{case}: convkit {out} != Keras {k_out}"
    assert type(layer).__name__ == name
    assert layer.count_params(shape) == k_layer.count_params(), f"{case}: params {layer.count_params(shape)}"

    # the code convkit writes rebuilds the same layer in Keras
    rebuilt = eval(layer.to_keras_code(), {"keras": keras})  # noqa: S307 - our own generated source
    assert _tuple(rebuilt.compute_output_shape(shape)) == out, layer.to_keras_code()
    # and a Keras config builds the same convkit layer (what the Keras adapter does)
    from_config = getattr(ck, name)(**k_layer.get_config())
    assert from_config.compute_output_shape(shape) == out
    assert from_config.count_params(shape) == k_layer.count_params()
    assert from_config.name == k_layer.name
    str(layer.explain(shape))
    axes = layer.spatial_axes(shape)
    assert len(axes) == (layer.rank if layer.window in ("conv", "depthwise", "separable", "transpose", "pool") else 0)
    return "match"


def run_family(strategy: st.SearchStrategy, *, min_match: float = 0.3) -> Counter:
    stats: Counter = Counter()

    @KERAS
    @given(case=strategy)
    def examples(case: Case) -> None:
        stats[check(case)] += 1

    examples()
    total = sum(stats.values())
    assert stats["match"] >= min_match * total, f"too few accepted cases to mean much: {stats}"
    assert stats["refused"] > 0 or min_match >= 1, f"no refusals exercised: {stats}"
    return stats


# --------------------------------------------------------------------------- strategies
def ints_for(rank: int, lo: int, hi: int, *, rare: tuple = ()) -> st.SearchStrategy:
    """An int, or a tuple/list of ``rank`` ints; now and then one of ``rare`` (0, wrong lengths...)."""
    one = st.integers(lo, hi)
    common = st.one_of(one, st.tuples(*[one] * rank), st.lists(one, min_size=rank, max_size=rank))
    if not rare:
        return common
    return st.integers(1, 12).flatmap(lambda roll: st.sampled_from(rare) if roll == 12 else common)


def mostly(value: Any, other: st.SearchStrategy, weight: int = 2) -> st.SearchStrategy:
    """``value`` about ``weight`` times out of ``weight + 1``, else ``other``."""
    return st.integers(0, weight).flatmap(lambda roll: other if roll == weight else st.just(value))


def input_shape(draw: Any, rank: int, channels: st.SearchStrategy, data_format: str | None, hi: int) -> tuple:
    spatial = draw(
        st.lists(
            st.one_of(st.integers(1, hi), st.integers(1, hi), st.integers(1, hi), st.none()),
            min_size=rank,
            max_size=rank,
        )
    )
    batch = draw(st.sampled_from([1, 2, None]))
    c = draw(channels)
    if data_format == "channels_first":
        return (batch, c, *spatial)
    return (batch, *spatial, c)


SPATIAL_MAX = {1: 12, 2: 9, 3: 6}
FORMATS = st.sampled_from([None, "channels_last", "channels_last", "channels_first"])


def split(draw: Any, args: list, kwargs: dict) -> tuple[tuple, dict]:
    """Pass the first few arguments positionally (tests Keras' positional order), the rest by keyword."""
    n = draw(st.integers(0, len(args)))
    positional = tuple(v for _, v in args[:n])
    kw = {k: v for k, v in args[n:]}
    kw.update(kwargs)
    return positional, kw


def _dilation(draw: Any, rank: int) -> Any:
    return draw(mostly(1, ints_for(rank, 1, 3)))


def _strides(draw: Any, rank: int, rare: tuple = ()) -> Any:
    return draw(mostly(1, ints_for(rank, 1, 3, rare=rare), weight=1))


@st.composite
def conv_cases(draw: Any) -> Case:
    rank = draw(st.sampled_from([1, 2, 3]))
    fmt = draw(FORMATS)
    groups = draw(mostly(1, st.integers(2, 3), weight=3))
    filters = draw(mostly(None, st.integers(0, 6), weight=3)) or draw(st.integers(1, 3)) * groups
    paddings = ["valid", "same", "valid", "same", "SAME", "Valid", "causal" if rank == 1 else "same"]
    args = [
        ("filters", filters),
        ("kernel_size", draw(ints_for(rank, 1, 4, rare=(0, (2,) * (rank + 1))))),
        ("strides", _strides(draw, rank, rare=(0,))),
        ("padding", draw(st.sampled_from(paddings + ["causal"]))),
        ("data_format", fmt),
        ("dilation_rate", _dilation(draw, rank)),
        ("groups", groups),
        ("activation", draw(st.sampled_from([None, "relu", "linear"]))),
        ("use_bias", draw(st.booleans())),
    ]
    positional, kwargs = split(draw, args, {})
    channels = st.one_of(st.integers(1, 2).map(lambda c: c * groups), st.integers(1, 6))
    shape = input_shape(draw, rank, channels, fmt, SPATIAL_MAX[rank])
    return f"Conv{rank}D", positional, kwargs, shape


@st.composite
def transpose_cases(draw: Any) -> Case:
    rank = draw(st.sampled_from([1, 2, 3]))
    fmt = draw(FORMATS)
    strides = draw(ints_for(rank, 1, 3, rare=(0,)))
    kwargs = {
        "filters": draw(mostly(2, st.integers(0, 5))),
        "kernel_size": draw(ints_for(rank, 1, 4)),
        "strides": strides,
        "padding": draw(st.sampled_from(["valid", "same", "valid", "same", "Same", "causal"])),
        "output_padding": draw(mostly(None, ints_for(rank, 0, 2), weight=1)),
        "data_format": fmt,
        "dilation_rate": _dilation(draw, rank),
        "use_bias": draw(st.booleans()),
    }
    shape = input_shape(draw, rank, st.integers(1, 4), fmt, {1: 8, 2: 6, 3: 4}[rank])
    return f"Conv{rank}DTranspose", (), kwargs, shape


@st.composite
def depthwise_cases(draw: Any) -> Case:
    rank = draw(st.sampled_from([1, 2]))
    fmt = draw(FORMATS)
    args = [
        ("kernel_size", draw(ints_for(rank, 1, 4, rare=(0,)))),
        ("strides", _strides(draw, rank)),
        ("padding", draw(st.sampled_from(["valid", "same", "valid", "Same", "causal"]))),
        ("depth_multiplier", draw(mostly(1, st.integers(0, 3)))),
        ("data_format", fmt),
        ("dilation_rate", _dilation(draw, rank)),
        ("use_bias", draw(st.booleans())),
    ]
    positional, kwargs = split(draw, args, {})
    shape = input_shape(draw, rank, st.integers(1, 4), fmt, SPATIAL_MAX[rank])
    return f"DepthwiseConv{rank}D", positional, kwargs, shape


@st.composite
def separable_cases(draw: Any) -> Case:
    rank = draw(st.sampled_from([1, 2]))
    fmt = draw(FORMATS)
    args = [
        ("filters", draw(mostly(3, st.integers(0, 5)))),
        ("kernel_size", draw(ints_for(rank, 1, 4))),
        ("strides", _strides(draw, rank)),
        ("padding", draw(st.sampled_from(["valid", "same", "valid", "same", "causal"]))),
        ("data_format", fmt),
        ("dilation_rate", _dilation(draw, rank)),
        ("depth_multiplier", draw(st.integers(1, 3))),
        ("use_bias", draw(st.booleans())),
    ]
    positional, kwargs = split(draw, args, {})
    shape = input_shape(draw, rank, st.integers(1, 4), fmt, SPATIAL_MAX[rank])
    return f"SeparableConv{rank}D", positional, kwargs, shape


@st.composite
def pooling_cases(draw: Any) -> Case:
    rank = draw(st.sampled_from([1, 2, 3]))
    kind = draw(st.sampled_from(["Max", "Average"]))
    fmt = draw(FORMATS)
    args = [
        ("pool_size", draw(ints_for(rank, 1, 4))),
        ("strides", draw(st.one_of(st.none(), st.none(), ints_for(rank, 1, 4, rare=(0,))))),
        ("padding", draw(st.sampled_from(["valid", "same", "valid", "same", "SAME"]))),
        ("data_format", fmt),
    ]
    if kind == "Max" and draw(st.booleans()):
        args = args[1:]  # MaxPooling has a default pool_size
    positional, kwargs = split(draw, args, {}) if args[0][0] == "pool_size" else ((), dict(args))
    shape = input_shape(draw, rank, st.integers(1, 4), fmt, SPATIAL_MAX[rank])
    return f"{kind}Pooling{rank}D", positional, kwargs, shape


@st.composite
def global_pooling_cases(draw: Any) -> Case:
    rank = draw(st.sampled_from([1, 2, 3]))
    fmt = draw(FORMATS)
    kwargs = {"data_format": fmt, "keepdims": draw(st.booleans())}
    shape = input_shape(draw, rank, st.one_of(st.integers(1, 5), st.none()), fmt, 5)
    if draw(st.integers(0, 9)) == 0:  # wrong rank: Keras' input_spec refuses on execution
        shape = shape + (2,)
    return f"Global{draw(st.sampled_from(['Max', 'Average']))}Pooling{rank}D", (), kwargs, shape


def _pairs_value(draw: Any, rank: int, hi: int) -> Any:
    one = st.integers(0, hi)
    entry = st.one_of(one, st.tuples(one, one))
    if rank == 1:
        return draw(st.one_of(one, st.tuples(one, one), st.lists(one, min_size=2, max_size=2)))
    return draw(st.one_of(one, st.tuples(*[entry] * rank), st.lists(entry, min_size=rank, max_size=rank)))


@st.composite
def padding_cropping_cases(draw: Any) -> Case:
    rank = draw(st.sampled_from([1, 2, 3]))
    kind = draw(st.sampled_from(["ZeroPadding", "Cropping"]))
    name = f"{kind}{rank}D"
    fmt = None if name == "Cropping1D" else draw(FORMATS)
    key = "padding" if kind == "ZeroPadding" else "cropping"
    kwargs = {key: _pairs_value(draw, rank, 3)}
    if fmt is not None:
        kwargs["data_format"] = fmt
    shape = input_shape(draw, rank, st.integers(1, 3), fmt, 6)
    return name, (), kwargs, shape


@st.composite
def upsampling_cases(draw: Any) -> Case:
    rank = draw(st.sampled_from([1, 2, 3]))
    name = f"UpSampling{rank}D"
    if rank == 1:
        kwargs: dict = {"size": draw(st.one_of(st.integers(1, 3), st.just(0)))}
        fmt = None
    else:
        fmt = draw(FORMATS)
        kwargs = {"size": draw(ints_for(rank, 1, 3, rare=(0,))), "data_format": fmt}
        if rank == 2:
            kwargs["interpolation"] = draw(st.sampled_from(["nearest", "bilinear", "BICUBIC", "area"]))
    shape = input_shape(draw, rank, st.integers(1, 3), fmt, 5)
    return name, (), kwargs, shape


@st.composite
def flatten_reshape_cases(draw: Any) -> Case:
    dims = draw(st.lists(st.integers(1, 6), min_size=0, max_size=4))
    batch = draw(st.sampled_from([1, 3, None]))
    if draw(st.booleans()):
        with_none = list(dims)
        if with_none and draw(st.booleans()):
            with_none[draw(st.integers(0, len(with_none) - 1))] = None
        return "Flatten", (), {"data_format": draw(FORMATS)}, (batch, *with_none)
    size = math.prod(dims)
    target = []
    while size > 1 and len(target) < 3:
        factor = draw(st.sampled_from([d for d in range(1, size + 1) if size % d == 0]))
        target.append(factor)
        size //= factor
    target.append(size)
    if draw(st.booleans()):
        target[draw(st.integers(0, len(target) - 1))] = -1
    if draw(st.integers(0, 5)) == 0:
        target.append(draw(st.sampled_from([2, 3, -1])))  # usually a size mismatch, or a second -1
    if dims and draw(st.integers(0, 5)) == 0:
        dims[draw(st.integers(0, len(dims) - 1))] = None
    return "Reshape", (tuple(target),), {}, (batch, *dims)


@st.composite
def dense_cases(draw: Any) -> Case:
    rank = draw(st.integers(1, 4))
    dims = draw(st.lists(st.one_of(st.integers(1, 6), st.integers(1, 6), st.none()), min_size=rank, max_size=rank))
    kwargs = {"use_bias": draw(st.booleans()), "activation": draw(st.sampled_from([None, "relu", "softmax"]))}
    if draw(st.integers(0, 3)) == 0:
        kwargs["lora_rank"] = draw(st.integers(1, 3))
    units = draw(st.one_of(st.integers(1, 8), st.integers(1, 8), st.just(0)))
    return "Dense", (units,), kwargs, (draw(st.sampled_from([2, None])), *dims)


@st.composite
def elementwise_cases(draw: Any) -> Case:
    rank = draw(st.integers(1, 4))
    shape = (draw(st.sampled_from([2, None])), *draw(st.lists(st.integers(1, 5), min_size=rank, max_size=rank)))
    axes = st.integers(-rank - 2, rank + 1)
    name = draw(st.sampled_from(["Activation", "ReLU", "Dropout", "BatchNormalization", "LayerNormalization"]))
    if name == "Activation":
        return name, (draw(st.sampled_from([None, "relu", "tanh", "softmax", "gelu"])),), {}, shape
    if name == "ReLU":
        kwargs = {
            "max_value": draw(st.one_of(st.none(), st.floats(0, 6), st.just(-1.0))),
            "negative_slope": draw(st.floats(0, 1)),
            "threshold": draw(st.floats(0, 1)),
        }
        return name, (), kwargs, shape
    if name == "Dropout":
        return name, (draw(st.floats(0, 1)),), {"seed": draw(st.one_of(st.none(), st.integers(0, 9)))}, shape
    if name == "BatchNormalization":
        kwargs = {
            "axis": draw(axes),
            "center": draw(st.booleans()),
            "scale": draw(st.booleans()),
            "renorm": draw(st.booleans()),
        }
        return name, (), kwargs, shape
    axis = draw(st.one_of(axes, st.lists(st.integers(-rank - 1, rank), min_size=1, max_size=2, unique=True)))
    kwargs = {"axis": axis, "center": draw(st.booleans()), "scale": draw(st.booleans())}
    return name, (), kwargs, shape


# --------------------------------------------------------------------------- the tests
def test_conv_family_matches_keras() -> None:
    run_family(conv_cases())


def test_transposed_family_matches_keras() -> None:
    run_family(transpose_cases())


def test_depthwise_family_matches_keras() -> None:
    run_family(depthwise_cases())


def test_separable_family_matches_keras() -> None:
    run_family(separable_cases())


def test_pooling_family_matches_keras() -> None:
    run_family(pooling_cases())


def test_global_pooling_family_matches_keras() -> None:
    run_family(global_pooling_cases())


def test_padding_and_cropping_match_keras() -> None:
    run_family(padding_cropping_cases())


def test_upsampling_matches_keras() -> None:
    run_family(upsampling_cases())


def test_flatten_and_reshape_match_keras() -> None:
    run_family(flatten_reshape_cases())


def test_dense_matches_keras() -> None:
    run_family(dense_cases())


def test_shape_preserving_layers_match_keras() -> None:
    run_family(elementwise_cases())


NAMED = [
    ("example_1", ("Conv2D", (32, 3), {"strides": 2, "padding": "valid"}, (3, 28, 28, 3)), "match"),
    ("example_2", ("Conv2D", (16, 5), {"padding": "same"}, (5, 64, 64, 1)), "match"),
    ("example_3", ("Conv2D", (8, 3), {"strides": 4, "padding": "valid"}, (2, 128, 128, 3)), "match"),
    ("same_asymmetric", ("Conv2D", (4, 3), {"strides": 2, "padding": "same"}, (1, 28, 28, 3)), "match"),
    ("causal_dilation", ("Conv1D", (2, 3), {"padding": "causal", "dilation_rate": 2}, (1, 10, 3)), "match"),
    ("same_transposed_op_none", ("Conv2DTranspose", (2, 3, 2, "same"), {}, (1, 7, 7, 3)), "match"),
    ("same_transposed_op_0", ("Conv2DTranspose", (2, 3, 2, "same", 0), {}, (1, 7, 7, 3)), "match"),
    ("same_transposed_even_op_0", ("Conv2DTranspose", (2, 2, 1, "same", 0), {}, (1, 3, 3, 1)), "match"),
    ("dilation_transposed", ("Conv2DTranspose", (2, 3), {"dilation_rate": 2}, (1, 4, 4, 1)), "match"),
    ("depthwise_unequal_strides", ("DepthwiseConv2D", (3,), {"strides": (1, 2)}, (1, 8, 8, 2)), "match"),
    ("channels_first", ("Conv2D", (8, 3), {"data_format": "channels_first"}, (2, 3, 9, 9)), "match"),
    ("empty_transposed", ("Conv1DTranspose", (1, 2, 1, "same", 0), {}, (1, 1, 1)), "refused"),
    ("groups_channels_first", ("Conv2D", (4, 3), {"groups": 2, "data_format": "channels_first"}, (1, 3, 8, 8)),
     "refused"),
    ("unknown_channels", ("Conv2D", (8, 3), {}, (1, 8, 8, None)), "refused"),
    ("layer_norm_repeated_axis", ("LayerNormalization", (), {"axis": [0, -3]}, (2, 1, 1)), "refused"),
    ("negative_zero_padding", ("ZeroPadding2D", (-1,), {}, (1, 4, 4, 1)), "refused"),
    ("pool_upper_case", ("MaxPooling2D", (2,), {"padding": "SAME"}, (1, 4, 4, 1)), "refused"),
    ("pool_zero_strides", ("MaxPooling2D", (2,), {"strides": 0}, (1, 4, 4, 1)), "refused"),
    ("dense_unknown_features", ("Dense", (3,), {}, (2, None)), "refused"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "outcome"), [n[1:] for n in NAMED], ids=[n[0] for n in NAMED])
def test_named_cases_against_keras(case: Case, outcome: str) -> None:
    assert check(case) == outcome


@pytest.mark.parametrize("name", ck.LAYERS)
def test_signature_matches_keras(name: str) -> None:
    """Same parameter names, positional order and defaults as keras.layers.<Name> (values compared normalised)."""
    import inspect

    ours = [p for p in inspect.signature(getattr(ck, name)).parameters.values() if p.kind is p.POSITIONAL_OR_KEYWORD]
    theirs = [
        p
        for p in inspect.signature(getattr(keras.layers, name)).parameters.values()
        if p.kind is p.POSITIONAL_OR_KEYWORD
    ]
    assert [p.name for p in ours] == [p.name for p in theirs]
    for a, b in zip(ours, theirs):
        if isinstance(b.default, tuple) and isinstance(a.default, int):
            assert set(b.default) == {a.default}, (name, a.name)
        else:
            assert a.default == b.default, (name, a.name, a.default, b.default)
