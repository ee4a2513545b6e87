"""Numeric convolution/pooling against a brute-force pure-numpy reference (explicit Python loops)."""

from __future__ import annotations

import itertools
import math
import tracemalloc
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import convkit
from convkit.core.numeric import (
    MAX_ELEMENTS,
    MAX_MULTIPLY_ADDS,
    StepTerms,
    Term,
    convolve,
    pad_spatial,
    pool,
    step_terms,
)
from convkit.core.traversal import traverse


def _tf_padding(n, k_eff, s, padding):
    """(out, before, after) from TensorFlow's documented rule, written independently of convkit.core.axis."""
    if padding == "valid":
        return (n - k_eff) // s + 1, 0, 0
    if padding == "causal":
        return -(-n // s), k_eff - 1, 0
    if padding == "same":
        total = max(k_eff - s, 0) if n % s == 0 else max(k_eff - n % s, 0)
        return -(-n // s), total // 2, total - total // 2
    before, after = padding
    return (n + before + after - k_eff) // s + 1, before, after


def reference_convolve(x, kernel, strides, padding, dilation):
    """Explicit loops over batch, output cells, filters and taps."""
    rank = x.ndim - 2
    geometry = [
        _tf_padding(n, (k - 1) * d + 1, s, padding if isinstance(padding, str) else padding[i])
        for i, (n, k, s, d) in enumerate(zip(x.shape[1:-1], kernel.shape[:-2], strides, dilation))
    ]
    out_size = [g[0] for g in geometry]
    out = np.zeros((x.shape[0], *out_size, kernel.shape[-1]))
    for b in range(x.shape[0]):
        for o in itertools.product(*(range(n) for n in out_size)):
            for f in range(kernel.shape[-1]):
                total = 0.0
                for k in itertools.product(*(range(k) for k in kernel.shape[:-2])):
                    i = [o[a] * strides[a] + k[a] * dilation[a] - geometry[a][1] for a in range(rank)]
                    if all(0 <= i[a] < x.shape[1 + a] for a in range(rank)):
                        for c in range(x.shape[-1]):
                            total += x[(b, *i, c)] * kernel[(*k, c, f)]
                out[(b, *o, f)] = total
    return out


def reference_pool(x, size, strides, padding, mode):
    rank = x.ndim - 2
    geometry = [_tf_padding(n, p, s, padding) for n, p, s in zip(x.shape[1:-1], size, strides)]
    out_size = [g[0] for g in geometry]
    out = np.zeros((x.shape[0], *out_size, x.shape[-1]))
    for b in range(x.shape[0]):
        for o in itertools.product(*(range(n) for n in out_size)):
            for c in range(x.shape[-1]):
                values = []
                for k in itertools.product(*(range(p) for p in size)):
                    i = [o[a] * strides[a] + k[a] - geometry[a][1] for a in range(rank)]
                    if all(0 <= i[a] < x.shape[1 + a] for a in range(rank)):
                        values.append(x[(b, *i, c)])
                out[(b, *o, c)] = max(values) if mode == "max" else sum(values) / len(values)
    return out


@st.composite
def conv_cases(draw):
    rank = draw(st.integers(1, 3))
    kernel = tuple(draw(st.integers(1, 3 if rank == 3 else 4)) for _ in range(rank))
    dilated = draw(st.booleans())
    strides = (1,) * rank if dilated else tuple(draw(st.integers(1, 3)) for _ in range(rank))
    dilation = tuple(draw(st.integers(1, 3)) for _ in range(rank)) if dilated else (1,) * rank
    mode = draw(st.sampled_from(["valid", "same", "explicit"] + (["causal"] if rank == 1 else [])))
    pairs = tuple((draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in range(rank))
    padding = pairs if mode == "explicit" else mode
    k_eff = [(k - 1) * d + 1 for k, d in zip(kernel, dilation)]
    top = 9 if rank < 3 else 6
    size = tuple(draw(st.integers(k if mode == "valid" else 1, max(k, top))) for k in k_eff)
    if mode == "explicit":
        size = tuple(max(n, k - b - a) for n, k, (b, a) in zip(size, k_eff, padding))
    c_in, c_out, batch = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 2))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.normal(size=(batch, *size, c_in))
    w = rng.normal(size=(*kernel, c_in, c_out))
    return x, w, strides, padding, dilation


@settings(deadline=None, max_examples=120, suppress_health_check=[HealthCheck.too_slow])
@given(conv_cases())
def test_convolve_matches_brute_force(case):
    x, w, strides, padding, dilation = case
    got = convolve(x, w, strides, padding, dilation)
    np.testing.assert_allclose(got, reference_convolve(x, w, strides, padding, dilation), rtol=1e-12, atol=1e-12)
    assert got.dtype == np.float64


@st.composite
def pool_cases(draw):
    rank = draw(st.integers(1, 3))
    size = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    strides = draw(st.one_of(st.none(), st.tuples(*(st.integers(1, 3) for _ in range(rank)))))
    padding = draw(st.sampled_from(["valid", "same"]))
    shape = tuple(draw(st.integers(p if padding == "valid" else 1, 7)) for p in size)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.normal(size=(draw(st.integers(1, 2)), *shape, draw(st.integers(1, 3))))
    return x, size, strides, padding, draw(st.sampled_from(["max", "average"]))


@settings(deadline=None, max_examples=120, suppress_health_check=[HealthCheck.too_slow])
@given(pool_cases())
def test_pool_matches_brute_force(case):
    x, size, strides, padding, mode = case
    got = pool(x, size, strides, padding, mode)
    expected = reference_pool(x, size, size if strides is None else strides, padding, mode)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_article_examples_shapes():
    x = np.ones((3, 28, 28, 3))
    y = convolve(x, np.ones((3, 3, 3, 32)), strides=2)
    assert y.shape == (3, 13, 13, 32) and np.all(y == 27)
    assert convolve(y, np.ones((3, 3, 32, 64)), padding="same").shape == (3, 13, 13, 64)
    assert convolve(np.ones((2, 128, 128, 3)), np.ones((3, 3, 3, 8)), strides=4).shape == (2, 32, 32, 8)


def test_known_values_same_asymmetric():
    # 1-D, n=4, k=2, s=2... and "same" with even kernel pads (0, 1): the last window reads x[3] and a zero
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0]).reshape(1, 5, 1)
    y = convolve(x, np.array([1.0, 10.0]).reshape(2, 1, 1), strides=2, padding="same")
    np.testing.assert_array_equal(y[0, :, 0], [21.0, 43.0, 5.0])
    np.testing.assert_array_equal(pool(x, 2, padding="same", mode="average")[0, :, 0], [1.5, 3.5, 5.0])
    np.testing.assert_array_equal(pool(-x, 2, padding="same")[0, :, 0], [-1.0, -3.0, -5.0])


def test_dtypes():
    x32 = np.ones((1, 5, 5, 2), np.float32)
    assert convolve(x32, np.ones((3, 3, 2, 1)), padding="same").dtype == np.float32
    assert convolve(np.ones((1, 5, 5, 2), int), np.ones((3, 3, 2, 1), int)).dtype == np.float64
    assert pool(np.arange(16).reshape(1, 4, 4, 1), 2).dtype == np.float64
    assert pool(x32, 2, mode="average").dtype == np.float32
    assert convolve([[[1], [2], [3]]], [[[1]], [[1]]]).tolist() == [[[3.0], [5.0]]]


def test_step_terms_sum_is_the_output_cell():
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(7, 6)), rng.normal(size=(2, 3))
    t = traverse((7, 6), (2, 3), strides=2, padding="same")
    full = convolve(x[None, ..., None], w[..., None, None], strides=2, padding="same")[0, ..., 0]
    for i in range(t.num_steps):
        terms = step_terms(x, w, t, i)
        assert isinstance(terms, StepTerms) and all(isinstance(term, Term) for term in terms.terms)
        assert terms.total == pytest.approx(full[terms.output_index], rel=1e-12, abs=1e-12)
        assert len(terms.terms) == 6
        for term in terms.terms:
            assert term.product == term.value * term.weight
            if term.is_padding:
                assert term.value == 0.0 and term.product == 0.0
            else:
                assert term.value == x[term.input_index]
    last = step_terms(x[None, ..., None], w[..., None, None], t, t.steps[-1])
    assert last.output_index == (3, 2) and any(term.is_padding for term in last.terms)
    assert str(last).endswith(f"= {last.total:.4g}")
    with pytest.raises(ValueError, match=r"Received: x.shape=\(6, 7\)"):
        step_terms(x.T, w, t, 0)


def test_pad_spatial():
    x = np.arange(6.0).reshape(1, 2, 3, 1)
    padded = pad_spatial(x, ((1, 0), (0, 2)), value=-1.0)
    assert padded.shape == (1, 3, 5, 1)
    assert padded[0, 0, :, 0].tolist() == [-1.0] * 5 and padded[0, 1, 3:, 0].tolist() == [-1.0, -1.0]
    assert pad_spatial(x, ((0, 0), (0, 0))) is x


def test_channel_mismatch_message():
    with pytest.raises(ValueError) as info:
        convolve(np.ones((1, 5, 5, 1)), np.ones((3, 3, 3, 8)))
    message = str(info.value)
    assert "the kernel's depth 3 must equal the input's channels 1" in message.lower()
    assert "Received: kernel.shape=(3, 3, 3, 8), x.shape=(1, 5, 5, 1)" in message


@pytest.mark.parametrize(
    "call, exc, fragment",
    [
        (lambda: convolve(np.ones((5, 5)), np.ones((3, 3, 1, 1))), ValueError, "x.shape=(5, 5)"),
        (lambda: convolve(np.ones((1, 5, 5, 1)), np.ones((3, 3))), ValueError, "kernel.shape=(3, 3)"),
        (lambda: convolve(np.ones((1, 5, 5, 1)), np.ones((3, 3, 1, 0))), ValueError, "kernel.shape=(3, 3, 1, 0)"),
        (lambda: convolve(np.ones((1, 2, 2, 1)), np.ones((3, 3, 1, 1))), ValueError, "input_size=2"),
        (lambda: convolve(np.ones((1, 5, 5, 1)), np.ones((3, 3, 1, 1)), padding="causal"), ValueError, "causal"),
        (lambda: convolve(np.ones((1, 5, 1)), np.ones((3, 1, 1)), 2, "valid", 2), ValueError, "dilation_rate=2"),
        (lambda: convolve(np.array([["a"]]), np.ones((1, 1, 1))), TypeError, "dtype <U1"),
        (lambda: convolve(np.ones((1, 3, 1), bool), np.ones((1, 1, 1))), TypeError, "dtype bool"),
        (lambda: pool(np.ones((1, 5, 5, 1)), 2, mode="min"), ValueError, "mode='min'"),
        (lambda: pool(np.ones((1, 5, 5, 1)), 2, padding="causal"), ValueError, "padding='causal'"),
        (lambda: pool(np.ones((1, 5, 5, 1)), 6), ValueError, "input_size=5"),
        (lambda: pool(np.ones((1, 5, 5, 1)), (2, 2, 2)), ValueError, "pool_size=(2, 2, 2)"),
        (lambda: pool(np.ones((1, 0, 5, 1)), 2), ValueError, "x.shape=(1, 0, 5, 1)"),
        (lambda: convolve([[[1], [2, 3]]], np.ones((1, 1, 1))), ValueError, "x=[[[1], [2, 3]]]"),
    ],
)
def test_bad_inputs(call, exc, fragment):
    with pytest.raises(exc) as info:
        call()
    assert fragment in str(info.value) and "Received:" in str(info.value)


def test_enormous_work_refuses_before_allocating():
    tracemalloc.start()
    x = np.broadcast_to(np.float64(1.0), (64, 256, 256, 64))  # no memory: a broadcast view
    with pytest.raises(ValueError, match=f"at most {MAX_MULTIPLY_ADDS:,}"):
        convolve(x, np.ones((3, 3, 64, 64)), padding="same")
    with pytest.raises(ValueError, match=r"2\*\*24"):
        pool(np.broadcast_to(np.float64(0.0), (1, 5000, 5000, 1)), 2)
    with pytest.raises(ValueError, match=r"2\*\*31.*Received: x.shape=\(4096, 512, 512, 64\), pool_size=\(3, 3\)"):
        pool(np.broadcast_to(np.float64(0.0), (4096, 512, 512, 64)), 3, 1)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 10_000_000  # refused from the shapes: nothing of the work's size was allocated


def test_moderate_convolution_is_computed():
    x = np.random.default_rng(1).normal(size=(4, 64, 64, 8))
    y = convolve(x, np.ones((3, 3, 8, 16)), padding="same")
    assert y.shape == (4, 64, 64, 16)
    assert math.isclose(y[0, 10, 10, 0], x[0, 9:12, 9:12].sum())


junk = st.one_of(
    st.none(),
    st.integers(-5, 10**7),
    st.floats(allow_nan=True),
    st.text(max_size=4),
    st.sampled_from(["valid", "same", "causal", "max", "average"]),
    st.lists(st.integers(-1, 4), max_size=4).map(tuple),
)


@settings(deadline=None, max_examples=200)
@given(st.sampled_from([(1, 6, 1), (2, 5, 5, 2), (1, 3, 4, 3, 1)]), junk, junk, junk, junk)
def test_fuzz_only_clear_errors(shape, a, b, c, d):
    x = np.ones(shape)
    for call in (
        lambda: convolve(x, np.ones((*((2,) * (len(shape) - 2)), shape[-1], 1)), a, b, c),
        lambda: pool(x, a, b, c, d),
    ):
        try:
            call()
        except (ValueError, TypeError) as error:
            assert "Received:" in str(error)


def test_public_api_names():
    assert convkit.convolve is convolve and convkit.pool is pool


# ------------------------------------------------------------------ bounds, NaN and float16 (issue 11)
def test_padded_sizes_count_against_the_limits():
    with pytest.raises(ValueError, match=r"padded input would hold 536,870,824 numbers.*at most 33,554,432") as info:
        convolve(np.ones((1, 5, 8)), np.ones((1, 8, 1)), padding=(2**25 - 8, 2**25 - 8))
    assert "Received: x.shape=(1, 5, 8), padding=((33554424, 33554424),)" in str(info.value)
    with pytest.raises(ValueError, match="padded input is too large"):  # the traversal's own limit
        pool(np.ones((1, 5, 1)), 10**8, strides=1, padding="same")
    with pytest.raises(ValueError, match=r"output would hold .* numbers"):
        convolve(np.broadcast_to(np.float64(1.0), (256, 256, 256, 1)), np.ones((1, 1, 1, 64)))
    with pytest.raises(ValueError, match=r"`x` is too large.*Received: x=range\(0, 1000000000000\)"):
        convolve(range(10**12), np.ones((1, 1, 1)))
    assert MAX_ELEMENTS == 2**25


def test_float16_overflow_is_inf_without_a_warning_from_convkit():
    x = np.full((1, 4, 1), 60000, np.float16)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any RuntimeWarning ("overflow encountered in cast") fails
        y = convolve(x, np.ones((2, 1, 1)))
        mean = pool(x, 2, mode="average")
        z = convolve(np.array([np.inf, -np.inf, 1.0]).reshape(1, 3, 1), np.ones((2, 1, 1)))  # inf + -inf = nan
    assert y.dtype == np.float16 and np.isinf(y).all() and mean.tolist() == [[[60000.0], [60000.0]]]
    assert np.isnan(z[0, 0, 0]) and np.isinf(z[0, 1, 0])


def test_max_pooling_skips_nan_and_starts_at_the_lowest_number():
    nan, inf = np.nan, np.inf
    x = np.array([nan, 1, nan, nan, nan, -inf, -inf, -inf, 2, nan], np.float32).reshape(1, 10, 1)
    lowest = float(np.finfo(np.float32).min)
    assert pool(x, 2)[0, :, 0].tolist() == [1.0, lowest, lowest, lowest, 2.0]
    assert pool(np.array([1.0, 2.0, nan]).reshape(1, 3, 1), 2, padding="same")[0, :, 0].tolist() == [
        2.0,
        float(np.finfo(np.float64).min),
    ]  # the padded cell never wins, NaN never wins
    assert np.isnan(pool(x, 2, mode="average")[0, 0, 0])  # averages propagate NaN, as in TensorFlow


def _nan_cases():
    rng = np.random.default_rng(11)
    for rank, size, pool_size, strides in [
        (1, (9,), 2, 2),
        (1, (8,), 3, 1),
        (2, (5, 6), 2, 2),
        (2, (4, 4), 3, 1),
        (3, (4, 4, 4), 2, 2),
        (3, (3, 4, 5), 2, 1),
    ]:
        for padding in ("valid", "same"):
            x = rng.normal(size=(2, *size, 3)).astype(np.float32)
            pick = rng.random(x.shape)
            x[pick < 0.35] = np.nan
            x[(pick > 0.85) & (pick < 0.93)] = -np.inf
            x[pick > 0.97] = np.inf
            yield rank, x, pool_size, strides, padding


@pytest.mark.tf
def test_max_pooling_equals_tensorflow_with_nan_and_infinities():
    tf = pytest.importorskip("tensorflow")
    lowest = float(np.finfo(np.float32).min)
    for rank, x, pool_size, strides, padding in _nan_cases():
        ours = pool(x, pool_size, strides, padding)
        theirs = tf.nn.max_pool(x, pool_size, strides, padding.upper()).numpy()
        if rank == 3:
            # TensorFlow's own 3-D kernels differ where no number beats the lowest one: oneDNN (on by default for
            # x86 CPUs) gives the lowest float, the Eigen kernel (TF_ENABLE_ONEDNN_OPTS=0) NaN or -inf.
            empty = ours == lowest
            assert np.all(np.isnan(theirs[empty]) | (theirs[empty] == lowest) | (theirs[empty] == -np.inf))
            ours, theirs = ours[~empty], theirs[~empty]
        np.testing.assert_array_equal(ours, theirs, err_msg=f"rank {rank}, {padding}")
        assert not np.isnan(ours).any()
