"""Per-axis arithmetic (convkit.core.axis): named cases, a brute-force numpy reference, and Keras' own functions."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convkit.core.axis import (
    ConvAxis,
    TransposedAxis,
    conv_axis,
    effective_kernel_size,
    pool_axis,
    same_padding,
    transposed_axis,
)

# ---------------------------------------------------------------------------------------------------------------
# brute-force references, written without convkit.core.axis


def reference_same_padding(n, k_eff, s):
    """TensorFlow's documented rule (tf.nn.convolution docs), phrased with n % s."""
    total = max(k_eff - s, 0) if n % s == 0 else max(k_eff - n % s, 0)
    return total // 2, total - total // 2


def reference_conv(n, k, s, padding, d=1):
    """(output, before, after) by sliding a window over a padded numpy array and counting the stops."""
    k_eff = (k - 1) * d + 1
    if padding == "valid":
        before, after = 0, 0
    elif padding == "same":
        before, after = reference_same_padding(n, k_eff, s)
    elif padding == "causal":
        before, after = k_eff - 1, 0
    else:
        before, after = padding
    padded = np.pad(np.ones(n), (before, after))
    stops = 0
    start = 0
    while start + k_eff <= padded.size:
        stops += 1
        start += s
    return stops, before, after


def forward_inverses(m_max, n, k_eff, s, padding):
    """All input sizes m (1..m_max) that a forward convolution maps to n: what a transposed conv may return."""
    return [
        m
        for m in range(1, m_max + 1)
        if m >= (1 if padding == "same" else k_eff) and (-(-m // s) if padding == "same" else (m - k_eff) // s + 1) == n
    ]


# ---------------------------------------------------------------------------------------------------------------
# named cases (conv_arithmetic names and the article's examples)

CONV = {
    # id: (n, k, s, padding, d) -> (output, before, after)
    "no_padding_no_strides": ((4, 3, 1, "valid", 1), (2, 0, 0)),
    "arbitrary_padding_no_strides": ((5, 4, 1, (2, 2), 1), (6, 2, 2)),
    "same_padding": ((5, 3, 1, "same", 1), (5, 1, 1)),
    "full_padding": ((5, 3, 1, (2, 2), 1), (7, 2, 2)),
    "no_padding_strides": ((5, 3, 2, "valid", 1), (2, 0, 0)),
    "padding_strides": ((5, 3, 2, (1, 1), 1), (3, 1, 1)),
    "padding_strides_odd": ((6, 3, 2, (1, 1), 1), (3, 1, 1)),
    "same_asymmetric": ((28, 3, 2, "same", 1), (14, 0, 1)),
    "same_even_kernel": ((5, 4, 1, "same", 1), (5, 1, 2)),
    "same_even_kernel_divisible": ((6, 2, 2, "same", 1), (3, 0, 0)),
    "same_kernel_smaller_than_stride": ((7, 1, 4, "same", 1), (2, 0, 0)),
    "dilation": ((7, 3, 1, "valid", 2), (3, 0, 0)),
    "dilation_same": ((7, 3, 1, "same", 2), (7, 2, 2)),
    "causal": ((10, 3, 1, "causal", 2), (10, 4, 0)),
    "causal_strides": ((10, 3, 3, "causal", 1), (4, 2, 0)),
    "example_1": ((28, 3, 2, "valid", 1), (13, 0, 0)),
    "example_1_second_layer": ((13, 3, 1, "same", 1), (13, 1, 1)),
    "example_2": ((64, 5, 1, "same", 1), (64, 2, 2)),
    "example_3": ((128, 3, 4, "valid", 1), (32, 0, 0)),
    "example_3_second_layer": ((32, 3, 1, "same", 1), (32, 1, 1)),
}


@pytest.mark.parametrize("args, expected", CONV.values(), ids=CONV.keys())
def test_conv_axis_named(args, expected):
    n, k, s, padding, d = args
    a = conv_axis(n, k, s, padding, d)
    assert isinstance(a, ConvAxis)
    assert (a.output, a.pad_before, a.pad_after) == expected
    assert (a.output, a.pad_before, a.pad_after) == reference_conv(n, k, s, padding, d)
    assert a.padding == (padding if isinstance(padding, str) else "explicit")
    assert a.padded_size == n + a.total_padding and a.effective_kernel == (k - 1) * d + 1


POOL = {
    # id: (n, pool, strides, padding) -> output
    "pool_default_strides": ((13, 2, None, "valid"), 6),
    "pool_same_odd": ((13, 2, None, "same"), 7),
    "pool_overlapping": ((13, 3, 2, "valid"), 6),
    "pool_example_1": ((28, 2, None, "valid"), 14),
}


@pytest.mark.parametrize("args, expected", POOL.values(), ids=POOL.keys())
def test_pool_axis_named(args, expected):
    n, p, s, padding = args
    a = pool_axis(n, p, s, padding)
    assert a.output == expected and a.strides == (p if s is None else s) and a.dilation_rate == 1
    assert a.output == reference_conv(n, p, a.strides, padding)[0]


TRANSPOSED = {
    # id: (n, k, s, padding, output_padding, d) -> output
    "no_padding_no_strides_transposed": ((2, 3, 1, "valid", None, 1), 4),
    "no_padding_strides_transposed": ((2, 3, 2, "valid", None, 1), 5),
    "same_padding_transposed": ((5, 3, 1, "same", None, 1), 5),
    "same_strides_transposed": ((7, 3, 2, "same", None, 1), 14),
    "same_output_padding_transposed": ((7, 3, 2, "same", 0, 1), 13),
    "kernel_smaller_than_stride_transposed": ((3, 2, 3, "valid", None, 1), 9),
    "valid_output_padding_transposed": ((3, 3, 2, "valid", 1, 1), 8),
    "dilation_transposed": ((3, 3, 1, "valid", None, 2), 7),
}


@pytest.mark.parametrize("args, expected", TRANSPOSED.values(), ids=TRANSPOSED.keys())
def test_transposed_axis_named(args, expected):
    n, k, s, padding, op, d = args
    a = transposed_axis(n, k, s, padding, op, d)
    assert isinstance(a, TransposedAxis) and a.output == expected
    # a transposed convolution's output is an input size its forward convolution maps back to n
    assert conv_axis(a.output, k, s, padding, d).output == n


def test_helpers():
    assert effective_kernel_size(3, 2) == 5 and effective_kernel_size(1, 7) == 1
    assert same_padding(28, 3, 2) == (0, 1) and same_padding(5, 4) == (1, 2) and same_padding(7, 1, 4) == (0, 0)
    assert transposed_axis(4, 3, 2, "valid").used_output_padding == 0
    assert transposed_axis(4, 1, 3, "valid").used_output_padding == 2
    unknown = conv_axis(None, 3, 2, "same")
    assert unknown.output is None and unknown.total_padding is None and unknown.padded_size is None
    assert conv_axis(None, 3, 1, "causal").pad_before == 2 and transposed_axis(None, 3, 2).output is None


@pytest.mark.parametrize(
    "call, exc, fragment",
    [
        (lambda: conv_axis(2, 3), ValueError, "input_size=2"),
        (lambda: conv_axis(4, 3, 1, "valid", 2), ValueError, "dilated by 2 spans 5"),
        (lambda: conv_axis(4, 3, 1, "full"), ValueError, "padding='full'"),
        (lambda: conv_axis(4, 3, 1, 3), TypeError, "padding=3"),
        (lambda: conv_axis(4, 3, 1, (1, -1)), ValueError, "padding=-1"),
        (lambda: conv_axis(0, 3), ValueError, "input_size=0"),
        (lambda: conv_axis(4, 3, 0), ValueError, "strides=0"),
        (lambda: conv_axis(4, 2.5), TypeError, "kernel_size=2.5"),
        (lambda: pool_axis(4, 2, padding="causal"), ValueError, "padding='causal'"),
        (lambda: transposed_axis(4, 3, 2, output_padding=2), ValueError, "output_padding=2"),
        (lambda: transposed_axis(1, 2, 1, "same", output_padding=0), ValueError, "output_padding=0"),
        (lambda: transposed_axis(4, 3, 2, "causal"), ValueError, "padding='causal'"),
    ],
)
def test_errors(call, exc, fragment):
    with pytest.raises(exc) as info:
        call()
    assert fragment in str(info.value) and "Received:" in str(info.value)


# ---------------------------------------------------------------------------------------------------------------
# hypothesis: brute force


@settings(deadline=None, max_examples=400)
@given(
    st.integers(1, 40),
    st.integers(1, 7),
    st.integers(1, 6),
    st.integers(1, 4),
    st.one_of(st.sampled_from(["valid", "same", "causal"]), st.tuples(st.integers(0, 4), st.integers(0, 4))),
)
def test_conv_axis_matches_brute_force(n, k, s, d, padding):
    expected = reference_conv(n, k, s, padding, d)
    if expected[0] <= 0:
        with pytest.raises(ValueError, match="zero or negative"):
            conv_axis(n, k, s, padding, d)
        return
    a = conv_axis(n, k, s, padding, d)
    assert (a.output, a.pad_before, a.pad_after) == expected
    if padding == "same":
        assert a.output == -(-n // s)


@settings(deadline=None, max_examples=300)
@given(
    st.integers(1, 30),
    st.integers(1, 6),
    st.integers(1, 5),
    st.integers(1, 3),
    st.sampled_from(["valid", "same"]),
    st.data(),
)
def test_transposed_axis_inverts_the_forward_conv(n, k, s, d, padding, data):
    op = data.draw(st.one_of(st.none(), st.integers(0, s - 1)))
    k_eff = (k - 1) * d + 1
    try:
        a = transposed_axis(n, k, s, padding, op, d)
    except ValueError:
        assert padding == "same" and op is not None and (n - 1) * s + k_eff % 2 + op <= 0
        return
    candidates = forward_inverses(n * s + k_eff + s, n, k_eff, padding=padding, s=s)
    if padding == "valid":
        assert a.output == min(candidates) + (max(k_eff, s) - k_eff if op is None else op)
        assert a.output in candidates
    elif op is None:
        assert a.output == max(candidates) == n * s
    elif k_eff % 2 + op > 0:  # Keras' "same" + output_padding rule: (n - 1)·s + (k_eff mod 2) + op
        assert a.output in candidates
    else:
        assert a.output == (n - 1) * s  # even kernel, op=0: one short of any forward inverse (Keras' rule)


# ---------------------------------------------------------------------------------------------------------------
# hypothesis: Keras 3's own shape functions


@pytest.fixture(scope="module")
def keras_shapes():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    pytest.importorskip("tensorflow")
    pytest.importorskip("keras")
    from keras.src.backend.common.backend_utils import compute_conv_transpose_output_shape
    from keras.src.ops.operation_utils import compute_conv_output_shape, compute_pooling_output_shape

    return compute_conv_output_shape, compute_pooling_output_shape, compute_conv_transpose_output_shape


spatial = st.lists(st.integers(1, 40), min_size=1, max_size=3)


@pytest.mark.tf
@settings(deadline=None, max_examples=300)
@given(spatial, st.data())
def test_conv_axis_matches_keras(keras_shapes, sizes, data):
    compute_conv, _, _ = keras_shapes
    rank = len(sizes)
    kernel = tuple(data.draw(st.integers(1, 7)) for _ in range(rank))
    strides = tuple(data.draw(st.integers(1, 5)) for _ in range(rank))
    dilation = tuple(data.draw(st.integers(1, 4)) for _ in range(rank))
    padding = data.draw(st.sampled_from(["valid", "same"] + (["causal"] if rank == 1 else [])))
    shape = (2, *sizes, 3)
    try:
        expected = compute_conv(shape, 8, kernel, strides, padding, "channels_last", dilation)
    except ValueError:
        with pytest.raises(ValueError, match="zero or negative"):
            for n, k, s, d in zip(sizes, kernel, strides, dilation):
                conv_axis(n, k, s, padding, d)
        return
    got = tuple(conv_axis(n, k, s, padding, d).output for n, k, s, d in zip(sizes, kernel, strides, dilation))
    assert (2, *got, 8) == tuple(expected)


@pytest.mark.tf
@settings(deadline=None, max_examples=200)
@given(spatial, st.data())
def test_pool_axis_matches_keras(keras_shapes, sizes, data):
    _, compute_pool, _ = keras_shapes
    rank = len(sizes)
    pool = tuple(data.draw(st.integers(1, 6)) for _ in range(rank))
    strides = data.draw(st.one_of(st.none(), st.tuples(*(st.integers(1, 5) for _ in range(rank)))))
    padding = data.draw(st.sampled_from(["valid", "same"]))
    shape = (2, *sizes, 3)
    try:
        expected = compute_pool(shape, pool, strides, padding, "channels_last")
    except ValueError:
        with pytest.raises(ValueError, match="zero or negative"):
            for i in range(rank):
                pool_axis(sizes[i], pool[i], None if strides is None else strides[i], padding)
        return
    got = tuple(
        pool_axis(sizes[i], pool[i], None if strides is None else strides[i], padding).output for i in range(rank)
    )
    assert (2, *got, 3) == tuple(expected)


@pytest.mark.tf
@settings(deadline=None, max_examples=300)
@given(spatial, st.data())
def test_transposed_axis_matches_keras(keras_shapes, sizes, data):
    _, _, compute_transpose = keras_shapes
    rank = len(sizes)
    kernel = tuple(data.draw(st.integers(1, 7)) for _ in range(rank))
    strides = tuple(data.draw(st.integers(1, 5)) for _ in range(rank))
    dilation = tuple(data.draw(st.integers(1, 3)) for _ in range(rank))
    padding = data.draw(st.sampled_from(["valid", "same"]))
    op = data.draw(st.one_of(st.none(), st.tuples(*(st.integers(0, s - 1) for s in strides))))
    expected = compute_transpose((2, *sizes, 3), kernel, 8, strides, padding, op, "channels_last", dilation)
    got = []
    for i in range(rank):
        op_i = None if op is None else op[i]
        if expected[1 + i] <= 0:  # Keras returns an empty size; convkit refuses it
            with pytest.raises(ValueError, match="zero or negative"):
                transposed_axis(sizes[i], kernel[i], strides[i], padding, op_i, dilation[i])
            return
        got.append(transposed_axis(sizes[i], kernel[i], strides[i], padding, op_i, dilation[i]).output)
    assert [2, *got, 8] == list(expected)


# ------------------------------------------------------------------ odd arguments (issue 11)
def test_odd_arguments_are_refused_with_a_short_message():
    from fractions import Fraction

    with pytest.raises(TypeError, match=r"a set has no order; use a tuple.*Received: padding=\{1, 2\}"):
        conv_axis(5, 3, 1, {1, 2})
    with pytest.raises(TypeError, match=r"a dict has no order"):
        conv_axis(5, 3, 1, {1: 0, 2: 0})
    with pytest.raises(TypeError) as info:
        conv_axis(Fraction(10**400), 3)
    assert "Received: input_size=Fraction(1000" in str(info.value) and len(str(info.value)) < 300
    with pytest.raises(ValueError, match=r"Received: kernel_size=-a whole number of about 5,000 digits"):
        conv_axis(5, -(10**5000))
    assert conv_axis(np.array(28), np.array(3), np.int64(2)).output == 13  # 0-d arrays mean their number
    assert conv_axis(5, 3, 1, (np.int64(1), np.array(1))).output == 5
