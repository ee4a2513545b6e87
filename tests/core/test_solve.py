"""convkit.solve: named cases, brute force over real Keras' compute_output_shape and over convkit's own layers
(hypothesis), the documented order, and bad input."""

from __future__ import annotations

import itertools
import math
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import convkit
from convkit import layers as L
from convkit.core.solve import MAX_RESULTS, MAX_SEARCH, solve

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

pytestmark = [
    pytest.mark.filterwarnings("ignore::UserWarning:keras.*"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]


def settings_of(layer):
    """(kernel, strides, dilation, padding, output_padding) of a spec, per-axis tuples."""
    return (
        layer.kernel_size,
        layer.strides,
        layer.dilation_rate,
        layer.padding,
        getattr(layer, "output_padding", None),
    )


def square(layer):
    (k, s, d, p, op) = settings_of(layer)
    return (k[0], s[0], d[0], p, None if op is None else op[0])


# ---------------------------------------------------------------------------------------------------------------
# named cases

CASES = {
    "28_to_14": (
        28,
        14,
        {},
        [(1, 2, 1, "valid", None), (1, 2, 1, "same", None), (2, 2, 1, "valid", None), (2, 2, 1, "same", None)],
    ),
    "28_to_13": (28, 13, {}, [(3, 2, 1, "valid", None), (4, 2, 1, "valid", None)]),
    "28_to_28_same_only": (
        28,
        28,
        {"paddings": "same", "strides": [1]},
        [(k, 1, 1, "same", None) for k in range(1, 8)],
    ),
    "224_to_7_needs_several_layers": (224, 7, {}, []),
    "dilation_no_padding": (
        7,
        3,
        {"kernel_sizes": [3], "strides": [1], "dilation_rates": [1, 2]},
        [(3, 1, 2, "valid", None)],
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_named_cases(case):
    n, m, kwargs, expected_start = CASES[case]
    got = [square(layer) for layer in solve(n, m, **kwargs)]
    assert got[: len(expected_start)] == expected_start
    if not expected_start:
        assert got == []


def test_224_to_7_with_a_big_kernel():
    """One layer does it only with a stride of 32 (or a huge kernel): widen the ranges and it is found."""
    got = [square(layer) for layer in solve(224, 7, kernel_sizes=[32], strides=[32])]
    assert got == [(32, 32, 1, "valid", None), (32, 32, 1, "same", None)]


TRANSPOSED = {
    "14_to_28": (14, 28, {"kernel_sizes": [3], "strides": [2]}, [(3, 2, 1, "same", None), (3, 2, 1, "same", 1)]),
    "7_to_15_valid": (7, 15, {"kernel_sizes": [3], "strides": [2]}, [(3, 2, 1, "valid", None), (3, 2, 1, "valid", 0)]),
    "7_to_16_output_padding": (7, 16, {"kernel_sizes": [3], "strides": [2]}, [(3, 2, 1, "valid", 1)]),
    "7_to_13_same_output_padding_0": (7, 13, {"kernel_sizes": [3], "strides": [2]}, [(3, 2, 1, "same", 0)]),
    "stride_1_output_padding_0": (
        5,
        7,
        {"kernel_sizes": [3], "strides": [1]},
        [(3, 1, 1, "valid", None), (3, 1, 1, "valid", 0)],
    ),
}


@pytest.mark.parametrize("case", TRANSPOSED, ids=list(TRANSPOSED))
def test_transposed_named_cases(case):
    n, m, kwargs, expected = TRANSPOSED[case]
    layers = solve(n, m, transpose=True, **kwargs)
    assert all(isinstance(layer, L.Conv2DTranspose) for layer in layers)
    assert [square(layer) for layer in layers] == expected


def test_public_name_and_filters():
    layer = convkit.solve(28, 14, filters=32)[0]
    assert isinstance(layer, L.Conv2D) and layer.filters == 32
    assert layer.compute_output_shape((None, 28, 28, 3)) == (None, 14, 14, 32)


def test_tuples_give_layers_of_their_rank():
    one = solve((10,), (5,), kernel_sizes=[2], strides=[2])
    assert [type(x) for x in one] == [L.Conv1D, L.Conv1D]
    assert "causal" in {x.padding for x in solve((10,), (5,), paddings=["causal"], kernel_sizes=[2], strides=[2])}
    three = solve((8, 8, 4), (4, 4, 4), kernel_sizes=[1], strides=[1, 2], paddings="valid")
    assert [settings_of(x)[:2] for x in three] == [((1, 1, 1), (2, 2, 1))]
    assert isinstance(three[0], L.Conv3D)
    up = solve((4, 4), (8, 9), transpose=True, kernel_sizes=[2, 3], strides=[2])
    assert up and all(x.compute_output_shape((None, 4, 4, 1))[1:3] == (8, 9) for x in up)
    assert all(x.output_padding is None or len(x.output_padding) == 2 for x in up)


def test_tuple_output_padding_is_none_on_every_axis_or_on_none():
    for layer in solve((5, 5), (11, 10), transpose=True, kernel_sizes=[1, 2, 3], strides=[2]):
        assert layer.output_padding is None or all(isinstance(v, int) for v in layer.output_padding)
        assert layer.compute_output_shape((None, 5, 5, 1))[1:3] == (11, 10)


def test_never_strides_with_dilation():
    for layer in solve(20, 8, kernel_sizes=range(1, 8), strides=range(1, 4), dilation_rates=range(1, 4)):
        assert not (max(layer.strides) > 1 and max(layer.dilation_rate) > 1)
    for layer in solve((20, 20), (16, 10), kernel_sizes=[3, 5], strides=[1, 2], dilation_rates=[1, 2]):
        assert not (max(layer.strides) > 1 and max(layer.dilation_rate) > 1)


def test_order_is_documented_simplest_first():
    layers = solve(30, 10, kernel_sizes=range(1, 10), strides=range(1, 5), dilation_rates=[1, 2, 3])
    keys = []
    for layer in layers:
        k, s, d, p, op = settings_of(layer)
        keys.append((math.prod(k), sum(s), sum(d), ("valid", "same").index(p)))
    assert keys == sorted(keys) and len(layers) > 3
    reversed_order = [square(x) for x in solve(28, 14, paddings=("same", "valid"))]
    assert reversed_order[:2] == [(1, 2, 1, "same", None), (1, 2, 1, "valid", None)]


# ---------------------------------------------------------------------------------------------------------------
# brute force over real Keras


def keras_settings(n, m, kernels, strides, dilations, paddings, transpose, rank=2):
    """Every combination (square) that Keras builds and maps n to m, found by asking Keras for each."""
    keras = pytest.importorskip("keras")
    cls = getattr(keras.layers, f"Conv{rank}D{'Transpose' if transpose else ''}")
    found = set()
    for k, s, d, p in itertools.product(kernels, strides, dilations, paddings):
        for op in (None, *range(s + 1)) if transpose else (None,):  # op == s: Keras must refuse it
            try:
                kwargs = {"output_padding": op} if transpose else {}
                layer = cls(1, k, strides=s, padding=p, dilation_rate=d, **kwargs)
                out = layer.compute_output_shape((None, *(n,) * rank, 1))
            except ValueError:
                continue
            if tuple(out[1:-1]) == (m,) * rank:
                found.add((k, s, d, p, op))
    return found


def sizes(top):
    """(n, m) pairs: half drawn freely, half an output some layer gives (so the sets are mostly not empty)."""
    free = st.tuples(st.integers(1, top), st.integers(1, top))
    made = st.tuples(st.integers(1, top), st.integers(1, 5), st.integers(1, 4), st.sampled_from(["valid", "same"]))

    def made_pair(t):
        n, k, s, p = t
        m = (n - k) // s + 1 if p == "valid" else -(-n // s)
        return (n, m if m > 0 else 1)

    return st.one_of(free, made.map(made_pair))


@settings(max_examples=60, deadline=None)
@given(pair=sizes(40))
def test_conv2d_equals_brute_force_over_keras(pair):
    n, m = pair
    kernels, strides, dilations = range(1, 6), range(1, 4), (1, 2)
    got = [square(x) for x in solve(n, m, kernel_sizes=kernels, strides=strides, dilation_rates=dilations)]
    assert len(got) == len(set(got))
    assert set(got) == keras_settings(n, m, kernels, strides, dilations, ("valid", "same"), False)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 12), m=st.integers(1, 40))
def test_conv2d_transpose_equals_brute_force_over_keras(n, m):
    kernels, strides, dilations = range(1, 5), range(1, 4), (1, 2)
    got = [
        square(x) for x in solve(n, m, transpose=True, kernel_sizes=kernels, strides=strides, dilation_rates=dilations)
    ]
    assert len(got) == len(set(got))
    assert set(got) == keras_settings(n, m, kernels, strides, dilations, ("valid", "same"), True)


@settings(max_examples=40, deadline=None)
@given(pair=sizes(40))
def test_conv1d_tuple_equals_brute_force_over_keras(pair):
    n, m = pair
    kernels, strides, dilations = range(1, 6), range(1, 4), (1, 2)
    pads = ("valid", "same", "causal")
    got = [
        tuple(v[0] if isinstance(v, tuple) else v for v in settings_of(x))
        for x in solve((n,), (m,), kernel_sizes=kernels, strides=strides, dilation_rates=dilations, paddings=pads)
    ]
    got = [(k, s, d, p, op) for k, s, d, p, op in got]
    assert set(got) == keras_settings(n, m, kernels, strides, dilations, pads, False, rank=1)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 12), m=st.integers(1, 40))
def test_conv1d_transpose_tuple_equals_brute_force_over_keras(n, m):
    kernels, strides, dilations = range(1, 5), range(1, 4), (1, 2)
    got = {
        tuple(None if v is None else v[0] if isinstance(v, tuple) else v for v in settings_of(x))
        for x in solve((n,), (m,), transpose=True, kernel_sizes=kernels, strides=strides, dilation_rates=dilations)
    }
    assert got == keras_settings(n, m, kernels, strides, dilations, ("valid", "same"), True, rank=1)


@settings(max_examples=15, deadline=None)
@given(n=st.tuples(st.integers(1, 12), st.integers(1, 12)), m=st.tuples(st.integers(1, 12), st.integers(1, 12)))
def test_conv2d_tuples_equal_brute_force_over_keras(n, m):
    keras = pytest.importorskip("keras")
    kernels, strides, dilations = (1, 2, 3), (1, 2), (1, 2)
    got = {settings_of(x)[:4] for x in solve(n, m, kernel_sizes=kernels, strides=strides, dilation_rates=dilations)}
    want = set()
    axis = list(itertools.product(kernels, strides, dilations))
    for (k0, s0, d0), (k1, s1, d1), p in itertools.product(axis, axis, ("valid", "same")):
        try:
            layer = keras.layers.Conv2D(1, (k0, k1), strides=(s0, s1), padding=p, dilation_rate=(d0, d1))
            out = layer.compute_output_shape((None, *n, 1))
        except ValueError:
            continue
        if tuple(out[1:3]) == m:
            want.add(((k0, k1), (s0, s1), (d0, d1), p))
    assert got == want


# ---------------------------------------------------------------------------------------------------------------
# brute force over convkit's own layers (fast: bigger ranges, more examples)


def convkit_settings(n, m, kernels, strides, dilations, transpose):
    cls = L.Conv2DTranspose if transpose else L.Conv2D
    found = set()
    for k, s, d, p in itertools.product(kernels, strides, dilations, ("valid", "same")):
        for op in (None, *range(s)) if transpose else (None,):
            try:
                layer = cls(
                    1, k, strides=s, padding=p, dilation_rate=d, **({"output_padding": op} if transpose else {})
                )
                out = layer.compute_output_shape((None, n, n, 1))
            except ValueError:
                continue
            if out[1:3] == (m, m):
                found.add((k, s, d, p, op))
    return found


@settings(max_examples=150, deadline=None)
@given(pair=sizes(100), transpose=st.booleans())
def test_equals_brute_force_over_convkit_layers(pair, transpose):
    n, m = pair
    if transpose:
        n, m = max(1, n // 8), n
    kernels, strides, dilations = range(1, 9), range(1, 5), (1, 2, 3)
    got = solve(n, m, kernel_sizes=kernels, strides=strides, dilation_rates=dilations, transpose=transpose)
    assert {square(x) for x in got} == convkit_settings(n, m, kernels, strides, dilations, transpose)
    for layer in got:
        assert layer.compute_output_shape((None, n, n, 3))[1:3] == (m, m)


# ---------------------------------------------------------------------------------------------------------------
# bad input: a clear error naming the value

BAD = {
    "empty_kernels": (dict(kernel_sizes=[]), ValueError, "kernel_sizes"),
    "empty_strides": (dict(strides=range(3, 1)), ValueError, "strides"),
    "empty_paddings": (dict(paddings=()), ValueError, "paddings"),
    "unknown_padding": (dict(paddings=["full"]), ValueError, "paddings"),
    "causal_in_2d": (dict(paddings=["causal"]), ValueError, "causal"),
    "zero_kernel": (dict(kernel_sizes=[0, 3]), ValueError, "kernel_sizes"),
    "float_stride": (dict(strides=[1.5]), TypeError, "strides"),
    "string_kernels": (dict(kernel_sizes="3"), TypeError, "kernel_sizes"),
    "bad_filters": (dict(filters=0), ValueError, "filters"),
    "bad_transpose": (dict(transpose="yes"), TypeError, "transpose"),
    "too_many_combinations": (dict(kernel_sizes=range(1, 10**6)), ValueError, "kernel_sizes"),
    "too_many_per_axis": (dict(kernel_sizes=range(1, 2000), strides=range(1, 100)), ValueError, str(f"{MAX_SEARCH:,}")),
    "infinite_generator": (dict(kernel_sizes=itertools.count(1)), ValueError, "kernel_sizes"),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_ranges(case):
    kwargs, error, word = BAD[case]
    with pytest.raises(error, match="Received") as info:
        solve(28, 14, **kwargs)
    assert word in str(info.value)


BAD_SIZES = {
    "negative_input": (-28, 14, ValueError, "input_size=-28"),
    "zero_output": (28, 0, ValueError, "output_size=0"),
    "bool_size": (True, 14, TypeError, "input_size"),
    "int_and_tuple": (28, (14, 14), TypeError, "output_size=(14, 14)"),
    "different_lengths": ((28, 28), (14,), ValueError, "input_size=(28, 28)"),
    "four_axes": ((2, 2, 2, 2), (1, 1, 1, 1), ValueError, "input_size=(2, 2, 2, 2)"),
    "empty_tuple": ((), (), ValueError, "input_size=()"),
    "negative_in_tuple": ((28, -1), (14, 14), ValueError, "input_size=-1"),
    "string_size": ("28", 14, TypeError, "input_size='28'"),
}


@pytest.mark.parametrize("case", BAD_SIZES, ids=list(BAD_SIZES))
def test_bad_sizes(case):
    n, m, error, text = BAD_SIZES[case]
    with pytest.raises(error, match="Received") as info:
        solve(n, m)
    assert text in str(info.value)


def test_too_many_results_is_refused():
    """Three axes of many settings each multiply: the result count is bounded before any spec is built."""
    with pytest.raises(ValueError, match=f"at most {MAX_RESULTS:,}"):
        solve((64, 64, 64), (64, 64, 64), kernel_sizes=range(1, 40), strides=[1], paddings="same")


anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 40),
    st.floats(allow_nan=True),
    st.text(max_size=6),
    st.sampled_from(["valid", "same", "causal", "full", range(0), range(1, 4), (), [3, "x"], {1: 2}]),
    st.lists(st.integers(-2, 9), max_size=4),
    st.tuples(st.integers(-2, 30), st.integers(-2, 30)),
)


@settings(max_examples=300, deadline=None)
@given(
    n=anything,
    m=anything,
    kernels=anything,
    strides=anything,
    pads=anything,
    dilations=anything,
    transpose=anything,
    filters=anything,
)
def test_fuzz_only_clear_errors_escape(n, m, kernels, strides, pads, dilations, transpose, filters):
    try:
        result = solve(
            n,
            m,
            kernel_sizes=kernels,
            strides=strides,
            paddings=pads,
            dilation_rates=dilations,
            transpose=transpose,
            filters=filters,
        )
    except (ValueError, TypeError) as err:
        assert "Received" in str(err), str(err)
        return
    assert isinstance(result, list)
