"""Traversal geometry: named cases, the article's facts, a brute-force reference and bad-input fuzz."""

from __future__ import annotations

import itertools
import math
import tracemalloc
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import convkit
from convkit.core.axis import pool_axis
from convkit.core.traversal import MAX_CELLS, MAX_READS, Step, Steps, Tap, Traversal, traversal_from_axes, traverse

# id: (input_size, kernel_size, strides, padding, dilation_rate, output_size, padding (before, after) per axis)
NAMED = {
    "no_padding_no_strides": ((4, 4), 3, 1, "valid", 1, (2, 2), ((0, 0), (0, 0))),
    "arbitrary_padding_no_strides": ((5, 5), 4, 1, 2, 1, (6, 6), ((2, 2), (2, 2))),
    "same_padding": ((5, 5), 3, 1, "same", 1, (5, 5), ((1, 1), (1, 1))),
    "full_padding": ((5, 5), 3, 1, 2, 1, (7, 7), ((2, 2), (2, 2))),
    "no_padding_strides": ((5, 5), 3, 2, "valid", 1, (2, 2), ((0, 0), (0, 0))),
    "padding_strides": ((5, 5), 3, 2, 1, 1, (3, 3), ((1, 1), (1, 1))),
    "padding_strides_odd": ((6, 6), 3, 2, 1, 1, (3, 3), ((1, 1), (1, 1))),
    "same_asymmetric": ((28, 28), 3, 2, "same", 1, (14, 14), ((0, 1), (0, 1))),
    "same_even_kernel": ((5,), 4, 1, "same", 1, (5,), ((1, 2),)),
    "same_even_kernel_strides": ((7, 8), 2, 2, "same", 1, (4, 4), ((0, 1), (0, 0))),
    "even_kernel_valid": ((6, 6), 2, 2, "valid", 1, (3, 3), ((0, 0), (0, 0))),
    "dilation": ((7, 7), 3, 1, "valid", 2, (3, 3), ((0, 0), (0, 0))),
    "dilation_same": ((7, 7), 3, 1, "same", 2, (7, 7), ((2, 2), (2, 2))),
    "causal": (10, 3, 1, "causal", 2, (10,), ((4, 0),)),
    "causal_strides": (10, 3, 3, "causal", 1, (4,), ((2, 0),)),
    "explicit": ((6, 5), (3, 2), 1, ((1, 2), (0, 3)), 1, (7, 7), ((1, 2), (0, 3))),
    "explicit_1d_flat_pair": (6, 3, 2, (0, 2), 1, (3,), ((0, 2),)),
    "volume": ((4, 5, 6), (2, 3, 3), (1, 2, 3), "same", 1, (4, 3, 2), ((0, 1), (1, 1), (0, 0))),
    "example_1": ((28, 28), 3, 2, "valid", 1, (13, 13), ((0, 0), (0, 0))),
    "example_2": ((64, 64), 5, 1, "same", 1, (64, 64), ((2, 2), (2, 2))),
    "example_3": ((128, 128), 3, 4, "valid", 1, (32, 32), ((0, 0), (0, 0))),
}


@pytest.mark.parametrize("case", NAMED.values(), ids=NAMED.keys())
def test_named_case(case):
    size, kernel, strides, padding, dilation, output, pads = case
    t = traverse(size, kernel, strides, padding, dilation)
    assert t.output_size == output
    assert t.padding == pads
    assert t.padded_size == tuple(n + b + a for n, (b, a) in zip(t.input_size, pads))
    assert len(t.steps) == t.num_steps == math.prod(output)
    expected_mode = padding if isinstance(padding, str) else "explicit"
    assert t.padding_mode == expected_mode
    assert t.num_taps == math.prod(t.kernel_size)


def test_rank_inference():
    assert traverse(28, 3).rank == 1
    t = traverse(28, (3, 3))
    assert (t.rank, t.input_size) == (2, (28, 28))
    assert traverse(9, 3, strides=(1, 2, 1)).input_size == (9, 9, 9)
    assert traverse(9, 3, padding=((1, 1), (0, 0))).padding == ((1, 1), (0, 0))
    assert traverse((9, 9), 3, padding=(1, 2)).padding == ((1, 1), (2, 2))  # ZeroPadding2D-style ints


def test_article_facts():
    same = traverse((28, 28), 3, strides=2, padding="same")
    assert same.output_size == (14, 14) and same.padding == ((0, 1), (0, 1))
    ex1 = traverse((28, 28), 3, strides=2)
    assert ex1.coverage[27].sum() == 0 and ex1.coverage[:, 27].sum() == 0
    assert ex1.coverage[:27, :27].min() > 0
    assert int(ex1.unread_mask.sum()) == 55
    assert ex1.unread_fraction == pytest.approx(55 / 784) and round(100 * ex1.unread_fraction, 1) == 7.0
    read_indices = {tap.input_index[0] for step in ex1.steps for tap in step.taps}
    assert 27 not in read_indices and read_indices == set(range(27))
    ex3 = traverse((128, 128), 3, strides=4)
    assert ex3.unread_fraction == 0.4375
    assert ex3.unread_mask[3::4].all() and ex3.unread_mask[:, 3::4].all()
    assert traverse((64, 64), 5, padding="same").unread_fraction == 0.0


def test_step_fields_and_tap_order():
    t = traverse((4, 5), (2, 3), strides=(2, 1), padding="same")  # padding ((0, 0), (1, 1))
    step = t.steps[1]
    assert isinstance(step, Step) and step.index == 1 and step.output_index == (0, 1) and step.origin == (0, 0)
    assert [tap.kernel_index for tap in step.taps] == list(itertools.product(range(2), range(3)))
    first = t.steps[0]
    assert first.origin == (0, -1)
    assert first.taps[0] == Tap((0, 0), (0, -1), True)
    assert first.taps[1] == Tap((0, 1), (0, 0), False)
    assert first.input_indices == ((0, 0), (0, 1), (1, 0), (1, 1))
    last = t.steps[-1]
    assert last.index == t.num_steps - 1 and last.output_index == (1, 4) and last.taps[-1].is_padding
    with pytest.raises(AttributeError):
        last.index = 3  # frozen


def test_steps_sequence_is_lazy_and_sliceable():
    t = traverse((4096, 4096), 2, padding="same")  # 2**24 steps × 4 taps: exactly at the limit
    assert len(t.steps) == 4096**2
    tracemalloc.start()
    step = t.steps[-1]
    tail = t.steps[-3:]
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 1_000_000  # 2**24 steps exist, but only the ones asked for were built
    assert step.output_index == (4095, 4095)
    assert isinstance(tail, Steps) and len(tail) == 3 and tail[-1] == step
    assert [s.index for s in t.steps[10:20:5]] == [10, 15]
    assert t.steps[5] == t.step_for_output((0, 5))
    with pytest.raises(IndexError, match="Received: index=16777216"):
        t.steps[4096**2]
    with pytest.raises(TypeError):
        t.steps[1.0]


def _brute_force_reads(size, kernel, strides, pads, dilation):
    """Per output cell, the (kernel index, padded-input index) pairs, by explicit loops."""
    padded = [n + b + a for n, (b, a) in zip(size, pads)]
    k_eff = [(k - 1) * d + 1 for k, d in zip(kernel, dilation)]
    starts = [range(0, p - ke + 1, s) for p, ke, s in zip(padded, k_eff, strides)]
    result = []
    for start in itertools.product(*starts):
        taps = []
        for k_index in itertools.product(*(range(k) for k in kernel)):
            index = tuple(st + j * d - b for st, j, d, (b, _) in zip(start, k_index, dilation, pads))
            taps.append((k_index, index))
        result.append(taps)
    return result


@st.composite
def configs(draw, max_rank=3):
    rank = draw(st.integers(1, max_rank))
    kernel = tuple(draw(st.integers(1, 4)) for _ in range(rank))
    dilated = draw(st.booleans())
    strides = (1,) * rank if dilated else tuple(draw(st.integers(1, 3)) for _ in range(rank))
    dilation = tuple(draw(st.integers(1, 3)) for _ in range(rank)) if dilated else (1,) * rank
    modes = ["valid", "same", "explicit"] + (["causal"] if rank == 1 else [])
    mode = draw(st.sampled_from(modes))
    pairs = tuple((draw(st.integers(0, 3)), draw(st.integers(0, 3))) for _ in range(rank))
    padding = pairs if mode == "explicit" else mode
    k_eff = [(k - 1) * d + 1 for k, d in zip(kernel, dilation)]
    size = tuple(draw(st.integers(k if mode == "valid" else 1, k + 6)) for k in k_eff)
    if mode == "explicit":
        size = tuple(max(n, k - b - a) for n, k, (b, a) in zip(size, k_eff, padding))
    return size, kernel, strides, padding, dilation


@settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(configs())
def test_steps_match_brute_force_and_arrays(config):
    size, kernel, strides, padding, dilation = config
    t = traverse(size, kernel, strides, padding, dilation)
    reference = _brute_force_reads(size, kernel, strides, t.padding, dilation)
    assert len(reference) == t.num_steps
    steps = list(t.steps)
    for step, ref in zip(steps, reference):
        assert [(tap.kernel_index, tap.input_index) for tap in step.taps] == ref
        for tap in step.taps:
            outside = any(i < 0 or i >= n for i, n in zip(tap.input_index, size))
            assert tap.is_padding == outside
    assert [s.index for s in steps] == list(range(t.num_steps))
    np.testing.assert_array_equal(t.output_indices(), [s.output_index for s in steps])
    np.testing.assert_array_equal(t.origins(), [s.origin for s in steps])
    np.testing.assert_array_equal(t.tap_offsets(), np.array([tap.kernel_index for tap in steps[0].taps]) * dilation)
    np.testing.assert_array_equal(t.tap_input_indices(), [[tap.input_index for tap in s.taps] for s in steps])
    np.testing.assert_array_equal(t.tap_is_padding(), [[tap.is_padding for tap in s.taps] for s in steps])
    assert t.tap_input_indices().dtype == np.int32 and t.tap_is_padding().dtype == bool
    # coverage = how many times each cell is read, counted tap by tap
    coverage = np.zeros(size, np.int64)
    for step in steps:
        for tap in step.taps:
            if not tap.is_padding:
                coverage[tap.input_index] += 1
    np.testing.assert_array_equal(t.coverage, coverage)
    np.testing.assert_array_equal(t.unread_mask, coverage == 0)
    assert t.unread_fraction == pytest.approx(np.mean(coverage == 0))
    for i in (0, t.num_steps // 2, -1):
        mask = np.zeros(size, bool)
        for index in steps[i].input_indices:
            mask[index] = True
        np.testing.assert_array_equal(t.reads(i), mask)
        assert t.step_for_output(steps[i].output_index) == steps[i]


def test_traversal_is_frozen_and_hashable():
    t = traverse((5, 5), 3)
    assert isinstance(t, Traversal) and t == traverse(5, (3, 3)) and hash(t) == hash(traverse(5, (3, 3)))
    with pytest.raises(AttributeError):
        t.axes = ()
    assert "output_size=(3, 3)" in repr(t)


def test_public_api_names():
    assert convkit.traverse is traverse and convkit.Traversal is Traversal


def test_pool_traversal_from_axes():
    t = traversal_from_axes([pool_axis(13, 2), pool_axis(13, 2)])
    assert t.output_size == (6, 6) and t.strides == (2, 2) and t.unread_mask[12].all()


def test_huge_input_refuses_before_allocating():
    tracemalloc.start()
    with pytest.raises(ValueError, match=r"2\*\*24.*Received: input_size=\(1000000, 1000000\)"):
        traverse((10**6, 10**6), 3)
    with pytest.raises(ValueError, match=r"2\*\*26"):
        traverse((4096, 4096), 5, padding="same")  # 2**24 steps × 25 taps
    with pytest.raises(ValueError, match="larger than 1,000,000,000|too large"):
        traverse(10**10, 3)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 10_000_000  # refused from the sizes alone, nothing the size of the input was built
    assert MAX_CELLS == 2**24 and MAX_READS == 2**26
    assert traverse((4096, 4096), 2).num_steps == 4095**2  # at the limit: fine, and cheap


@pytest.mark.parametrize(
    "kwargs, exc, fragment",
    [
        (
            dict(input_size=(28, 28), kernel_size=3, strides=2, dilation_rate=2),
            ValueError,
            "strides=2, dilation_rate=2",
        ),
        (dict(input_size=(28, 28), kernel_size=3, padding="causal"), ValueError, "padding='causal'"),
        (dict(input_size=(2, 2), kernel_size=3), ValueError, "input_size=2"),
        (dict(input_size=(28, 28), kernel_size=(3, 3, 3)), ValueError, "kernel_size=(3, 3, 3)"),
        (dict(input_size=(1, 2, 3, 4), kernel_size=1), ValueError, "input_size=(1, 2, 3, 4)"),
        (dict(input_size=(), kernel_size=1), ValueError, "input_size=()"),
        (dict(input_size=28, kernel_size=3.0), TypeError, "kernel_size=3.0"),
        (dict(input_size=28, kernel_size=3, padding="full"), ValueError, "padding='full'"),
        (dict(input_size=28, kernel_size=3, padding=-1), ValueError, "padding=-1"),
        (dict(input_size=(8, 8), kernel_size=3, padding=(1, 2, 3)), ValueError, "padding=(1, 2, 3)"),
        (dict(input_size=28, kernel_size=3, strides=0), ValueError, "strides=0"),
        (dict(input_size="28", kernel_size=3), TypeError, "input_size='28'"),
    ],
)
def test_bad_arguments(kwargs, exc, fragment):
    with pytest.raises(exc) as info:
        traverse(**kwargs)
    assert fragment in str(info.value) and "Received:" in str(info.value)


junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True),
    st.text(max_size=6),
    st.sampled_from(["valid", "same", "causal", "SAME", "full"]),
    st.lists(st.integers(-3, 10**7), max_size=4).map(tuple),
    st.lists(st.tuples(st.integers(-2, 4), st.integers(-2, 4)), max_size=4).map(tuple),
)


@settings(deadline=None, max_examples=200)
@given(junk, junk, junk, junk, junk)
def test_fuzz_only_clear_errors(size, kernel, strides, padding, dilation):
    try:
        t = traverse(size, kernel, strides, padding, dilation)
    except (ValueError, TypeError) as error:
        assert "Received:" in str(error)
    else:
        assert all(o > 0 for o in t.output_size) and t.coverage.shape == t.input_size


# ------------------------------------------------------------------ learners' odd arguments and huge inputs (issue 11)
@pytest.mark.parametrize(
    ("kwargs", "same_as"),
    [
        (dict(input_size=np.array(5), kernel_size=3), dict(input_size=5, kernel_size=3)),
        (dict(input_size=np.array([6, 6]), kernel_size=np.int64(3)), dict(input_size=(6, 6), kernel_size=3)),
        (
            dict(input_size=5, kernel_size=3, padding=np.array([1, 1])),
            dict(input_size=5, kernel_size=3, padding=(1, 1)),
        ),
        (
            dict(input_size=(5, 5), kernel_size=3, padding=np.array([[1, 0], [0, 2]])),
            dict(input_size=(5, 5), kernel_size=3, padding=((1, 0), (0, 2))),
        ),
        (dict(input_size=5, kernel_size=3, padding=np.array(1)), dict(input_size=5, kernel_size=3, padding=1)),
    ],
)
def test_numpy_arguments_mean_the_numbers_they_hold(kwargs, same_as):
    assert traverse(**kwargs) == traverse(**same_as)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        (dict(input_size={5, 7}, kernel_size=3), "a set has no order; use a tuple"),
        (dict(input_size=(5, 7), kernel_size={3: 1, 2: 1}), "a dict has no order; use a tuple"),
        (dict(input_size=5, kernel_size=3, padding={1, 2}), "a set has no order"),
        (dict(input_size=(5, 5), kernel_size=3, padding=({1, 2}, (0, 0))), "a set has no order"),
        (dict(input_size=Fraction(10**400), kernel_size=3), "Received: input_size=Fraction(1000"),
        (dict(input_size=10**5000, kernel_size=3), "Received: input_size=a whole number of about"),
        (dict(input_size=7, kernel_size=Fraction(6, 2)), "Write it as a whole number, e.g. kernel_size=3."),
        (dict(input_size=7, kernel_size=float("inf")), "Received: kernel_size=inf"),
        (dict(input_size=5, kernel_size=3, padding=(2**25, 2**25)), "padded input is too large"),
    ],
)
def test_odd_arguments_are_refused_with_a_short_message(kwargs, fragment):
    with pytest.raises((ValueError, TypeError)) as info:
        traverse(**kwargs)
    message = str(info.value)
    assert fragment in message and "Received:" in message and len(message) < 600, message


def test_coverage_of_a_16_million_cell_axis_needs_no_index_arrays():
    t = traverse((2**24,), 4)
    tracemalloc.start()
    coverage = t.coverage
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert coverage.dtype == np.int32 and int(coverage.sum()) == 4 * (2**24 - 3)
    assert coverage[:4].tolist() == [1, 2, 3, 4] and coverage[-1] == 1
    assert peak <= coverage.nbytes * 1.05  # the result alone (the int64 index arrays took 1.2 GB)


def test_unread_fraction_of_a_strided_4096_image_is_counted_per_axis():
    t = traverse((4096, 4096), 3, strides=64)
    tracemalloc.start()
    fraction = t.unread_fraction
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert fraction == 1 - (64 * 3 / 4096) ** 2 and peak < 100_000
