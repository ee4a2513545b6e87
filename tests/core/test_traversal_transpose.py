"""Transposed-convolution geometry: named cases, a brute-force reference, both views cell by cell, bad input,
and (marked ``tf``) the gradient support of every output cell in real TensorFlow."""

from __future__ import annotations

import dataclasses
import itertools
import math
import os
from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import convkit
import convkit.layers as ck
from convkit.core.axis import transposed_axis
from convkit.core.traversal import Steps
from convkit.core.traversal_transpose import (
    Scatter,
    ScatterTap,
    TransposedTraversal,
    traversal_transpose_from_axes,
    traverse_transpose,
)

SETTINGS = settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])


def keras_crop(n: int, k: int, s: int, d: int, padding: str, op: int | None) -> tuple[int, int]:
    """Keras' own rule for the crop, restated from ``_convert_conv_transpose_padding_args_from_keras_to_jax``.

    Keras' JAX/NumPy backends run a stride-1 convolution over the stuffed input padded by (left, right);
    the crop of the uncropped scatter is ``k_eff - 1`` minus that padding (negative after: cells added).
    ``test_keras_crop_restates_keras`` checks this copy against Keras' function.
    """
    k_eff = (k - 1) * d + 1
    if padding == "valid":
        op = max(k_eff, s) - k_eff if op is None else op
        left, right = k_eff - 1, k_eff - 1 + op
    else:
        pad_len = s + k_eff - 2 if op is None else k_eff + k_eff % 2 - 2 + op
        left = min(pad_len // 2 + pad_len % 2, k_eff - 1)
        right = pad_len - left
    return k_eff - 1 - left, k_eff - 1 - right


# id: (input_size, kernel_size, strides, padding, output_padding, dilation, output_size, crop, added, direct_padding)
# conv_arithmetic's transposed animations, in TensorFlow's rules (its "arbitrary"/"full" padding has no Keras
# spelling), and the article's Example 1 mirrored back.
NAMED = {
    # the transpose of a 4→2 convolution: the direct view pads the 2×2 input fully (k - 1 = 2 on each side)
    "no_padding_no_strides_transposed": ((2, 2), 3, 1, "valid", None, 1, (4, 4), ((0, 0),) * 2, (0, 0), ((2, 2),) * 2),
    # 2×2 stuffed to 3×3 (one zero between cells), padded 2 on each side
    "no_padding_strides_transposed": ((2, 2), 3, 2, "valid", None, 1, (5, 5), ((0, 0),) * 2, (0, 0), ((2, 2),) * 2),
    "same_padding_no_strides_transposed": ((5, 5), 3, 1, "same", None, 1, (5, 5), ((1, 1),) * 2, (0, 0), ((1, 1),) * 2),
    # the transpose of 5→3 (k3, s2, pad 1): stuffed 5×5, padded 1 on each side
    "padding_strides_transposed": ((3, 3), 3, 2, "same", 0, 1, (5, 5), ((1, 1),) * 2, (0, 0), ((1, 1),) * 2),
    # the transpose of 6→3: TensorFlow's "same" pads (0, 1) going forward, so its transpose crops (0, 1) and the
    # direct view pads (2, 1); conv_arithmetic's picture pads (1, 2), the mirror image of TensorFlow's
    "padding_strides_odd_transposed": ((3, 3), 3, 2, "same", None, 1, (6, 6), ((0, 1),) * 2, (0, 0), ((2, 1),) * 2),
    "dilation_transposed": ((3, 3), 3, 1, "valid", None, 2, (7, 7), ((0, 0),) * 2, (0, 0), ((4, 4),) * 2),
    # stride 3 > kernel 2: "valid" with output_padding=None still gives (n - 1)·s + s, one added cell
    "stride_larger_than_kernel": ((4,), 2, 3, "valid", None, 1, (12,), ((0, 0),), (1,), ((1, 2),)),
    "example_1_mirrored": ((13, 13), 3, 2, "valid", 1, 1, (28, 28), ((0, 0),) * 2, (1, 1), ((2, 3),) * 2),
    "example_1_mirrored_op_none": ((13, 13), 3, 2, "valid", None, 1, (27, 27), ((0, 0),) * 2, (0, 0), ((2, 2),) * 2),
    "same_even_kernel_op_0": ((3,), 4, 2, "same", 0, 1, (4,), ((2, 2),), (0,), ((1, 1),)),
    "volume": (
        (2, 3, 4),
        (2, 3, 1),
        (1, 2, 3),
        "same",
        None,
        1,
        (2, 6, 12),
        ((0, 1), (0, 1), (0, 0)),
        (0, 0, 2),
        ((1, 0), (2, 1), (0, 2)),
    ),
}


@pytest.mark.parametrize("case", NAMED.values(), ids=NAMED.keys())
def test_named_case(case):
    size, kernel, strides, padding, op, dilation, output, crop, added, direct = case
    t = traverse_transpose(size, kernel, strides, padding, op, dilation)
    assert t.output_size == output
    assert t.crop == crop
    assert t.added == added
    assert t.direct_padding == direct
    assert t.stuffed_size == tuple((n - 1) * s + 1 for n, s in zip(t.input_size, t.strides))
    assert t.direct_traversal().output_size == output
    assert len(t.steps) == t.num_steps == math.prod(t.input_size)
    layer = getattr(ck, f"Conv{t.rank}DTranspose")(
        2, kernel, strides, padding, output_padding=op, dilation_rate=dilation
    )
    assert layer.compute_output_shape((None, *t.input_size, 3)) == (None, *output, 2)


def test_example_1_mirror_needs_output_padding_1():
    """28 → 13 going down (k3, s2, "valid"); back up, output_padding=None gives 27 and 1 gives 28."""
    down = convkit.traverse((28, 28), 3, strides=2)
    assert down.output_size == (13, 13)
    assert traverse_transpose(down.output_size, 3, strides=2).output_size == (27, 27)
    up = traverse_transpose(down.output_size, 3, strides=2, output_padding=1)
    assert up.output_size == (28, 28)
    # the added row and column are the ones the encoder never read (row 27 and column 27): no tap lands there
    assert not up.overlap[27].any() and not up.overlap[:, 27].any()
    np.testing.assert_array_equal(up.overlap == 0, down.unread_mask)


def test_checkerboard_of_kernel_3_stride_2():
    t = traverse_transpose((5, 5), 3, strides=2)
    row = np.array([1, 1, 2, 1, 2, 1, 2, 1, 2, 1, 1])  # patches [0..2], [2..4], ... overlap on even cells
    np.testing.assert_array_equal(t.overlap, np.outer(row, row))
    assert t.overlap.dtype == np.int32 and t.overlap.shape == t.output_size
    assert set(np.unique(t.overlap)) == {1, 2, 4}


def test_kernel_divisible_by_stride_overlaps_evenly():
    """Kernel 4, stride 2: away from the borders every output cell gets exactly 2 taps per axis (no checkerboard)."""
    t = traverse_transpose((6, 6), 4, strides=2, padding="same")
    assert t.crop == ((1, 1), (1, 1))
    assert (t.overlap[1:-1, 1:-1] == 4).all()


def test_stride_larger_than_kernel_leaves_gaps():
    t = traverse_transpose(4, 2, strides=3)
    np.testing.assert_array_equal(t.overlap, [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0])


def test_scatter_fields_and_windows():
    t = traverse_transpose((4, 4), 3, strides=2, padding="same")  # crop (0, 1) on each axis
    s = t.steps[-1]
    assert isinstance(s, Scatter) and s.index == 15 and s.input_index == (3, 3)
    assert s.window_uncropped == ((6, 9), (6, 9)) and s.window == ((6, 8), (6, 8))
    assert s.taps[0] == ScatterTap((0, 0), (6, 6), False)
    assert s.taps[-1] == ScatterTap((2, 2), (8, 8), True)
    assert len(s.output_indices) == 4
    assert t.scatter_for_input((3, 3)) == s
    assert t.scatter_for_input((np.int64(0), 0)) == t.steps[0]


def test_steps_sequence():
    t = traverse_transpose((3, 4), 2, strides=2)
    assert isinstance(t.steps, Steps) and len(t.steps) == 12
    assert t.steps[-1] == t.steps[11]
    assert [s.index for s in t.steps[2:6:2]] == [2, 4]
    with pytest.raises(IndexError, match=r"12 steps.*Received: index=12"):
        t.steps[12]


def test_frozen_and_hashable():
    t = traverse_transpose((7, 7), 3, strides=2, padding="same")
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.axes = ()  # type: ignore[misc]
    assert t == traverse_transpose((7, 7), 3, 2, "same") and hash(t) == hash(traverse_transpose((7, 7), 3, 2, "same"))
    assert "output_size=(14, 14)" in repr(t) and "crop=((0, 1), (0, 1))" in repr(t)


def test_public_api_names():
    assert convkit.traverse_transpose is traverse_transpose
    assert convkit.TransposedTraversal is TransposedTraversal


def test_from_axes():
    axes = [transposed_axis(5, 3, 2, "valid", 1), transposed_axis(4, 2, 1, "valid")]
    t = traversal_transpose_from_axes(axes)
    assert t.output_size == (12, 5) and t.output_padding == (1, None)
    with pytest.raises(TypeError, match="TransposedAxis"):
        traversal_transpose_from_axes([convkit.traverse(5, 3).axes[0]])
    with pytest.raises(ValueError, match="known size"):
        traversal_transpose_from_axes([transposed_axis(None, 3, 2)])


# -- brute force ---------------------------------------------------------------------------------------------
@st.composite
def geometry(draw):
    rank = draw(st.integers(1, 3))
    kernel = tuple(draw(st.integers(1, 4 if rank < 3 else 3)) for _ in range(rank))
    dilated = draw(st.booleans())
    strides = (1,) * rank if dilated else tuple(draw(st.integers(1, 3)) for _ in range(rank))
    dilation = tuple(draw(st.integers(1, 3)) for _ in range(rank)) if dilated else (1,) * rank
    padding = draw(st.sampled_from(["valid", "same"]))
    op = None
    if draw(st.booleans()):
        op = tuple(draw(st.integers(0, s - 1)) for s in strides)
    size = tuple(draw(st.integers(1, 6 if rank < 3 else 3)) for _ in range(rank))
    if padding == "same" and op is not None:  # Keras' output would be empty: (n - 1)·s + k_eff % 2 + op = 0
        k_eff = [(k - 1) * d + 1 for k, d in zip(kernel, dilation)]
        assume(all((n - 1) * s + ke % 2 + o > 0 for n, s, ke, o in zip(size, strides, k_eff, op)))
    return size, kernel, strides, padding, op, dilation


def brute_force(size, kernel, strides, padding, op, dilation):
    """Every (input cell, kernel tap) -> output cell, by the definition and Keras' crop, in plain Python."""
    ops = op or (None,) * len(size)
    crops = [keras_crop(n, k, s, d, padding, o) for n, k, s, d, o in zip(size, kernel, strides, dilation, ops)]
    outputs = tuple(
        (n - 1) * s + (k - 1) * d + 1 - b - a for n, k, s, d, (b, a) in zip(size, kernel, strides, dilation, crops)
    )
    links = {}
    for cell in itertools.product(*map(range, size)):
        for tap in itertools.product(*map(range, kernel)):
            links[cell, tap] = tuple(
                i * s + j * d - b for i, j, s, d, (b, _) in zip(cell, tap, strides, dilation, crops)
            )
    return outputs, crops, links


@SETTINGS
@given(geometry())
def test_matches_brute_force(config):
    size, kernel, strides, padding, op, dilation = config
    t = traverse_transpose(size, kernel, strides, padding, op, dilation)
    outputs, crops, links = brute_force(*config)
    assert t.output_size == outputs
    assert [b for b, _ in t.crop] == [b for b, _ in crops]
    assert [a - add for (_, a), add in zip(t.crop, t.added)] == [a for _, a in crops]  # Keras: negative = added
    inside = lambda o: all(0 <= v < n for v, n in zip(o, outputs))  # noqa: E731
    overlap = Counter(o for o in links.values() if inside(o))
    expected = np.zeros(outputs, np.int32)
    for o, count in overlap.items():
        expected[o] = count
    np.testing.assert_array_equal(t.overlap, expected)
    # steps, one per input cell, and the vectorised arrays
    got = {(s.input_index, tap.kernel_index): tap.output_index for s in t.steps for tap in s.taps}
    assert got == links
    assert all(tap.is_cropped == (not inside(tap.output_index)) for s in t.steps for tap in s.taps)
    outs, cropped = t.tap_output_indices(), t.tap_is_cropped()
    for s in t.steps:
        assert [tuple(o) for o in outs[s.index]] == [tap.output_index for tap in s.taps]
        assert cropped[s.index].tolist() == [tap.is_cropped for tap in s.taps]
        for ax, ((lo, hi), (ulo, uhi)) in enumerate(zip(s.window, s.window_uncropped)):
            kept = [v for v in (tap.output_index[ax] for tap in s.taps) if 0 <= v < outputs[ax]]  # along ax
            assert all(lo <= v < hi for v in kept)
            if t.dilation_rate[ax] == 1:  # undilated, the window is exactly the span of the kept taps
                assert (min(kept), max(kept) + 1) == (lo, hi)
            assert uhi - ulo == t.effective_kernel[ax] and (lo, hi) == (
                max(ulo - crops[ax][0], 0),
                min(uhi - crops[ax][0], outputs[ax]),
            )
    # sources: the input cells whose scatter reaches an output cell
    for o in itertools.islice(np.ndindex(*outputs), 50):
        expected = np.zeros(size, bool)
        for (cell, _), out in links.items():
            if out == o:
                expected[cell] = True
        np.testing.assert_array_equal(t.sources(o), expected, err_msg=f"output cell {o}")


@SETTINGS
@given(geometry())
def test_scatter_and_direct_views_agree_cell_by_cell(config):
    """For every output cell, the (input cell, kernel tap) pairs adding to it are the same in both views.

    Direct view: tap ``t`` of step ``o`` reads stuffed cell ``p``; it carries input cell ``p / s`` when ``p`` is a
    multiple of ``s`` (otherwise a stuffed zero), with kernel tap ``k - 1 - t`` (the kernel is flipped).
    """
    t = traverse_transpose(*config)
    direct = t.direct_traversal()
    assert direct.output_size == t.output_size and direct.strides == (1,) * t.rank
    strides, kernel = np.array(t.strides), np.array(t.kernel_size)
    reads, padding = direct.tap_input_indices(), direct.tap_is_padding()
    kernel_taps = np.indices(t.kernel_size).reshape(t.rank, -1).T
    from_direct: dict[tuple, Counter] = {}
    mask = t.stuffed_mask()
    for step in range(direct.num_steps):
        o = tuple(direct.output_indices()[step])
        pairs = Counter()
        for tap in range(direct.num_taps):
            p = reads[step, tap]
            if padding[step, tap]:
                continue
            assert mask[tuple(p)] == (p % strides == 0).all()
            if mask[tuple(p)]:
                pairs[tuple(p // strides), tuple(kernel - 1 - kernel_taps[tap])] += 1
        from_direct[o] = pairs
    from_scatter: dict[tuple, Counter] = {o: Counter() for o in np.ndindex(*t.output_size)}
    for s in t.steps:
        for tap in s.taps:
            if not tap.is_cropped:
                from_scatter[tap.output_index][s.input_index, tap.kernel_index] += 1
    assert from_direct == from_scatter
    for o, pairs in from_direct.items():
        assert t.overlap[o] == sum(pairs.values())


def test_keras_crop_restates_keras():
    backend_utils = pytest.importorskip("keras.src.backend.common.backend_utils")
    for k, s, d, padding, op in itertools.product(
        (1, 2, 3, 4, 5), (1, 2, 3), (1, 2), ("valid", "same"), (None, 0, 1, 2)
    ):
        if op is not None and op >= s:
            continue
        k_eff = (k - 1) * d + 1
        left, right = backend_utils._convert_conv_transpose_padding_args_from_keras_to_jax(k, s, d, padding, op)
        assert keras_crop(7, k, s, d, padding, op) == (k_eff - 1 - left, k_eff - 1 - right)


# -- bad input -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, exc, fragment",
    [
        ({"output_padding": 2, "strides": 2}, ValueError, r"smaller than the stride.*Received: output_padding=2"),
        ({"output_padding": 1}, ValueError, r"smaller than the stride.*strides=1"),
        (
            {"strides": 2, "dilation_rate": 2},
            ValueError,
            r"one Conv\*Transpose layer: Keras and TensorFlow refuse it.*Received: strides=2",
        ),
        ({"padding": "causal"}, ValueError, r'"valid" or "same". Received: padding=\'causal\''),
        ({"padding": 1}, ValueError, r"Received: padding=1"),
        ({"output_padding": (1, 1, 1), "strides": 2}, ValueError, r"tuple of 2 integers.*output_padding=\(1, 1, 1\)"),
        ({"output_padding": -1, "strides": 2}, ValueError, r"non-negative.*output_padding=-1"),
        ({"output_padding": 0.5, "strides": 2}, TypeError, r"Received: output_padding=0.5"),
        ({"kernel_size": 0}, ValueError, r"kernel_size"),
        ({"input_size": (1, 2, 3, 4)}, ValueError, r"1 to 3 spatial sizes.*Received: input_size=\(1, 2, 3, 4\)"),
        (
            {"input_size": (1,), "kernel_size": 2, "padding": "same", "output_padding": 0},
            ValueError,
            r"zero or negative",
        ),
    ],
)
def test_bad_arguments(kwargs, exc, fragment):
    args = {"input_size": (5, 5), "kernel_size": 3, **kwargs}
    with pytest.raises(exc, match=fragment):
        traverse_transpose(**args)


@pytest.mark.parametrize(
    "args, fragment",
    [
        (((5000, 5000), 1), r"input is too large.*25,000,000 cells"),
        (((3000, 3000), 1, 2), r"output is too large.*36,000,000 cells"),
        (((2048, 2048), 5), r"too large: 104,857,600 kernel taps"),
    ],
)
def test_limits_refuse_before_building_anything(args, fragment):
    with pytest.raises(ValueError, match=fragment):
        traverse_transpose(*args)


def test_index_errors():
    t = traverse_transpose((3, 3), 2, strides=2)
    with pytest.raises(IndexError, match=r"0 <= index < \(6, 6\).*Received: output_index=\(6, 0\)"):
        t.sources((6, 0))
    with pytest.raises(TypeError, match=r"2 integers. Received: input_index=\(0.5, 1\)"):
        t.scatter_for_input((0.5, 1))
    with pytest.raises(IndexError, match="input_index=5"):
        traverse_transpose(3, 2).scatter_for_input(5)


@settings(deadline=None, max_examples=80)
@given(
    st.one_of(st.integers(-2, 6), st.tuples(st.integers(-1, 5), st.integers(0, 5)), st.just("x")),
    st.one_of(st.integers(-1, 4), st.tuples(st.integers(0, 3), st.integers(0, 3)), st.none()),
    st.one_of(st.integers(-1, 3), st.tuples(st.integers(0, 3), st.integers(1, 3))),
    st.sampled_from(["valid", "same", "SAME", "causal", "full", None]),
    st.one_of(st.none(), st.integers(-1, 3), st.tuples(st.integers(0, 2), st.integers(0, 2))),
    st.one_of(st.integers(0, 3), st.tuples(st.integers(1, 2), st.integers(1, 2))),
)
def test_fuzz_only_clear_errors(size, kernel, strides, padding, op, dilation):
    try:
        t = traverse_transpose(size, kernel, strides, padding, op, dilation)
    except (ValueError, TypeError) as err:
        assert "Received:" in str(err), str(err)
        return
    assert all(n > 0 for n in t.output_size)
    assert t.overlap.shape == t.output_size


# -- against TensorFlow --------------------------------------------------------------------------------------
def _tf():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return pytest.importorskip("tensorflow")


#: TensorFlow refusals of legal Keras configurations (its CPU kernels), not convkit's business
TF_LIMITS = ("not yet support dilation rates larger than 1", "Size of out_backprop doesn't match computed")


def _gradient_support(t, output_cells):
    """Per checked output cell, TensorFlow's gradient w.r.t. the input of that cell under an all-ones kernel.

    One batch item per cell. The transposed convolution is ``keras.ops.conv_transpose`` (float64: TensorFlow's
    reference kernels); where TensorFlow cannot run it on this CPU, its adjoint, ``tf.nn.convolution`` of the
    one-hot cotangents with the same padding, is the same gradient (TensorFlow defines the transposed
    convolution as the gradient of that convolution).
    """
    tf = _tf()
    keras = pytest.importorskip("keras")
    kernel = tf.ones((*t.kernel_size, 1, 1), tf.float64)
    batch = len(output_cells)
    picks = [[b, *o, 0] for b, o in enumerate(output_cells)]
    x = tf.zeros((batch, *t.input_size, 1), tf.float64)
    op = t.output_padding

    @tf.function
    def transposed(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = keras.ops.conv_transpose(x, kernel, t.strides, t.padding_mode, op, dilation_rate=t.dilation_rate)
            loss = tf.reduce_sum(tf.gather_nd(y, picks))
        return y.shape, tape.gradient(loss, x)

    # Dilated: TensorFlow's CPU kernels cannot run a dilated transposed convolution in float64, and the gradient
    # graph of a dilated 3-D one fails to build (its Conv3D gets the dilations of the wrong axes), so the adjoint.
    if max(t.dilation_rate) == 1:
        try:
            shape, grad = transposed(x)
            assert tuple(shape[1:-1]) == t.output_size
            return grad.numpy()[..., 0]
        except (tf.errors.AbortedError, tf.errors.InvalidArgumentError) as err:
            if isinstance(err, tf.errors.InvalidArgumentError) and not any(m in str(err) for m in TF_LIMITS):
                raise
    cotangent = tf.scatter_nd(picks, tf.ones(batch, tf.float64), (batch, *t.output_size, 1))
    adjoint = tf.nn.convolution(cotangent, kernel, t.strides, t.padding_mode.upper(), dilations=t.dilation_rate)
    assert tuple(adjoint.shape[1:-1]) == t.input_size  # the forward convolution maps the output back to the input
    return adjoint.numpy()[..., 0]


def _tf_has_no_meaning(t):
    """ "same" with output_padding giving (n - 1)·s + 0: TensorFlow maps that size back to n - 1 inputs, so it has no
    transposed convolution for it (Keras' other backends do; the numbers are checked against Keras' formula)."""
    return t.padding_mode == "same" and any(-(-o // s) != n for o, s, n in zip(t.output_size, t.strides, t.input_size))


def _tf_cpu_3d_quirk(t):
    """The gradient of a 3-D transposed convolution is TensorFlow's forward Conv3D, whose CPU kernel leaves the
    documented "same" rule where the total padding would be negative (see tests/core/test_traversal_vs_tf.py):
    its gradient then depends on the processor. (The transposed convolution's own numbers do not: they are
    compared in test_numeric_transpose.py.)"""
    if t.rank != 3 or t.padding_mode != "same":
        return False
    return any((n - 1) * s + k < o for n, s, k, o in zip(t.input_size, t.strides, t.effective_kernel, t.output_size))


@pytest.mark.tf
@settings(deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(geometry())
def test_gradient_support_matches_tensorflow(config):
    t = traverse_transpose(*config)
    assume(not _tf_has_no_meaning(t) and not _tf_cpu_3d_quirk(t))
    cells = list(np.ndindex(*t.output_size))
    if len(cells) > 24:  # the corners plus a sample
        rng = np.random.default_rng(len(cells))
        cells = sorted({cells[0], cells[-1], *map(tuple, np.array(cells)[rng.choice(len(cells), 22, replace=False)])})
    grads = _gradient_support(t, cells)
    for b, o in enumerate(cells):
        np.testing.assert_array_equal(grads[b] != 0, t.sources(o), err_msg=f"output cell {o}")
        assert grads[b].sum() == t.overlap[o]  # each tap that lands there contributes 1


@pytest.mark.tf
@pytest.mark.parametrize(
    "name", ["padding_strides_odd_transposed", "example_1_mirrored", "same_padding_no_strides_transposed"]
)
def test_named_gradient_support(name):
    size, kernel, strides, padding, op, dilation, *_ = NAMED[name]
    t = traverse_transpose(size, kernel, strides, padding, op, dilation)
    cells = list(np.ndindex(*t.output_size))[:: max(1, t.num_steps // 20)]
    grads = _gradient_support(t, cells)
    for b, o in enumerate(cells):
        np.testing.assert_array_equal(grads[b] != 0, t.sources(o), err_msg=f"output cell {o}")
