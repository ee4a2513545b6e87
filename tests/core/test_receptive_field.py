"""Receptive fields: named cases against a plain numpy reference (all-ones windows pushed through one-hot inputs).

The reference never reads convkit's dependency tables: it runs every layer forward on one-hot inputs (sums of
all-ones windows, zero padding, scatter for transposed convolutions, Keras' half-pixel bilinear weights) and
marks the input cells whose one-hot reaches the chosen output cell. Padding counts are brute-forced per tap.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import convkit
from convkit import layers as L
from convkit.core.axis import conv_axis
from convkit.core.merge import Add, Concatenate
from convkit.core.receptive_field import (
    AxisDependency,
    LayerDependency,
    ReceptiveField,
    cached_dependencies,
    stack_dependencies,
)
from convkit.core.words import receptive_field_sentence

# --- numpy reference ----------------------------------------------------------------------------------


def _conv_1d(x: np.ndarray, axis: int, k: int, s: int, d: int, before: int, after: int) -> np.ndarray:
    x = np.moveaxis(x, axis, -1)
    pad = [(0, 0)] * (x.ndim - 1) + [(before, after)]
    xp = np.pad(x, pad)
    k_eff = (k - 1) * d + 1
    out = (xp.shape[-1] - k_eff) // s + 1
    y = sum(xp[..., t * d : t * d + (out - 1) * s + 1 : s] for t in range(k))
    return np.moveaxis(y, -1, axis)


def _transpose_1d(x: np.ndarray, axis: int, k: int, s: int, d: int, out: int) -> np.ndarray:
    x = np.moveaxis(x, axis, -1)
    n = x.shape[-1]
    k_eff = (k - 1) * d + 1
    full = (n - 1) * s + k_eff
    u = np.zeros((*x.shape[:-1], max(full, out)))
    for i in range(n):
        for t in range(k):
            u[..., i * s + t * d] += x[..., i]
    crop = max(full - out, 0) // 2
    return np.moveaxis(u[..., crop : crop + out], -1, axis)


def _shift_1d(x: np.ndarray, axis: int, before: int, out: int) -> np.ndarray:
    x = np.moveaxis(x, axis, -1)
    n = x.shape[-1]
    y = np.zeros((*x.shape[:-1], out))
    for o in range(out):
        if 0 <= o - before < n:
            y[..., o] = x[..., o - before]
    return np.moveaxis(y, -1, axis)


def _upsample_1d(x: np.ndarray, axis: int, u: int, bilinear: bool) -> np.ndarray:
    x = np.moveaxis(x, axis, -1)
    n = x.shape[-1]
    if not bilinear:
        y = np.repeat(x, u, axis=-1)
    else:  # tf.image.resize, half-pixel centres, float64
        y = np.zeros((*x.shape[:-1], n * u))
        for o in range(n * u):
            src = (o + 0.5) / u - 0.5
            lo = math.floor(src)
            lerp = src - lo
            lo_c, hi_c = min(max(lo, 0), n - 1), min(max(lo + 1, 0), n - 1)
            y[..., o] = x[..., lo_c] * (1 - lerp) + x[..., hi_c] * lerp
    return np.moveaxis(y, -1, axis)


def _apply(layer, x: np.ndarray, in_spatial: tuple[int, ...], out_spatial: tuple[int, ...]) -> np.ndarray:
    """One layer on a batch of spatial maps ``x`` of shape (batch, *spatial)."""
    name = type(layer).__name__
    rank = len(in_spatial)
    if name in ("Flatten", "Dense") and (name == "Flatten" or len(out_spatial) != rank) or name.startswith("Global"):
        return x.reshape(x.shape[0], -1).sum(axis=1)
    for a in range(rank):
        ax = a + 1
        n = x.shape[ax]
        if name.startswith(("Conv", "Depthwise", "Separable", "MaxPool", "AveragePool")) and "Transpose" not in name:
            k = (layer.kernel_size if hasattr(layer, "kernel_size") else layer.pool_size)[a]
            s = layer.strides[a]
            d = layer.dilation_rate[a] if hasattr(layer, "dilation_rate") else 1
            pad = layer.padding
            c = conv_axis(n, k, s, pad if isinstance(pad, str) else pad[a], d)
            x = _conv_1d(x, ax, k, s, d, c.pad_before, c.pad_after)
        elif "Transpose" in name:
            x = _transpose_1d(x, ax, layer.kernel_size[a], layer.strides[a], layer.dilation_rate[a], out_spatial[a])
        elif name.startswith("ZeroPadding"):
            before = layer.padding[0] if rank == 1 else layer.padding[a][0]
            x = _shift_1d(x, ax, before, out_spatial[a])
        elif name.startswith("Cropping"):
            before = layer.cropping[0] if rank == 1 else layer.cropping[a][0]
            x = _shift_1d(x, ax, -before, out_spatial[a])
        elif name.startswith("UpSampling"):
            u = layer.size if isinstance(layer.size, int) else layer.size[a]
            x = _upsample_1d(x, ax, u, getattr(layer, "interpolation", "nearest") == "bilinear")
    return x


def _merge(layer, xs: list[np.ndarray], out_spatial: tuple[int, ...]) -> np.ndarray:
    if isinstance(layer, Concatenate) and layer.axis not in (-1, len(out_spatial) + 1):
        return np.concatenate(xs, axis=layer.axis)  # a spatial axis (batch-first arrays, no channel axis)
    full = (xs[0].shape[0], *out_spatial)
    return sum(np.broadcast_to(x, full) for x in xs)


def _forward(stack, x0: np.ndarray, start: int = -1) -> list[np.ndarray | None]:
    """Every entry's output from ``x0`` placed at entry ``start``'s output (-1: the stack input); others zero."""
    deps = stack_dependencies(stack)
    outs: list[np.ndarray | None] = []
    batch = x0.shape[0]
    for d, e in zip(deps, stack.trace.entries):
        if d.index == start:
            outs.append(x0)
            continue
        srcs = [x0 if s == -1 and start == -1 else None if s == -1 else outs[s] for s in d.sources]
        srcs = [np.zeros((batch, *shape)) if v is None else v for v, shape in zip(srcs, d.in_shapes)]
        if e.is_merge:
            outs.append(_merge(e.layer, srcs, d.out_shape))
        else:
            outs.append(_apply(e.layer, srcs[0], d.in_shapes[0], d.out_shape))
    return outs


def _one_hots(shape: tuple[int, ...]) -> np.ndarray:
    size = math.prod(shape)
    return np.eye(size).reshape(size, *shape)


def reference_mask(stack, index: tuple[int, ...], layer: int, start: int = -1) -> np.ndarray:
    """Cells of entry ``start``'s output (-1: input) whose one-hot reaches output ``index`` of ``layer``."""
    deps = stack_dependencies(stack)
    shape = deps[0].in_shapes[deps[0].sources.index(-1)] if start == -1 else deps[start].out_shape
    if start > layer:
        return np.zeros(shape, dtype=bool)
    outs = _forward(stack, _one_hots(shape), start)
    y = outs[layer]
    return (y[(slice(None), *index)] > 1e-9).reshape(shape)


def reference_padding(stack, rf: ReceptiveField) -> list[int]:
    """Per entry, brute force: each chosen cell's taps (along every axis) that land in zero padding."""
    out = []
    for d, m in zip(stack_dependencies(stack), rf.masks):
        if not d.axes:
            out.append(0)
            continue
        total = 0
        for cell in zip(*np.nonzero(m)):
            inside = math.prod(int(ax.taps - ax.pad_reads[c]) for ax, c in zip(d.axes, cell))
            total += math.prod(ax.taps for ax in d.axes) - inside
        out.append(total)
    return out


# --- named cases --------------------------------------------------------------------------------------

S = convkit.LayerStack
CASES = {
    "no_padding_no_strides": S((None, 7, 7, 1), [L.Conv2D(1, 3), L.Conv2D(1, 3)]),
    "no_padding_strides": S((None, 9, 9, 1), [L.Conv2D(1, 3, strides=2), L.Conv2D(1, 3, strides=2)]),
    "padding_strides_odd": S(
        (None, 6, 6, 1), [L.Conv2D(1, 3, strides=2, padding="same"), L.Conv2D(1, 3, padding="same")]
    ),
    "same_even_kernel": S((None, 6, 5, 1), [L.Conv2D(1, 4, padding="same"), L.Conv2D(1, 2, strides=2, padding="same")]),
    "dilation": S((None, 12, 12, 1), [L.Conv2D(1, 3, dilation_rate=2), L.Conv2D(1, 2, dilation_rate=3)]),
    "explicit_and_causal_1d": S(
        (None, 10, 1), [L.Conv1D(1, 3, padding="causal", dilation_rate=2), L.Conv1D(1, 3, strides=2)]
    ),
    "large_stride_example3": S(
        (None, 11, 11, 1), [L.Conv2D(1, 3, strides=4, name="conv_a"), L.Conv2D(1, 3, name="conv_b")]
    ),
    "depthwise_separable": S(
        (None, 8, 8, 2), [L.DepthwiseConv2D(3, padding="same"), L.SeparableConv2D(2, 3, strides=2)]
    ),
    "no_padding_strides_transposed": S((None, 3, 3, 1), [L.Conv2DTranspose(1, 3, strides=2), L.Conv2D(1, 3)]),
    "padding_strides_transposed": S(
        (None, 4, 3, 1), [L.Conv2DTranspose(1, 3, strides=2, padding="same"), L.Conv2D(1, 2)]
    ),
    "output_padding_transposed": S(
        (None, 3, 3, 1), [L.Conv2DTranspose(1, 4, strides=3, padding="same", output_padding=1)]
    ),
    "dilated_transposed": S(
        (None, 4, 4, 1),
        [L.Conv2DTranspose(1, 2, dilation_rate=2), L.Conv2DTranspose(1, 3, strides=2, output_padding=1)],
    ),
    "average_pool_same": S((None, 7, 7, 1), [L.AveragePooling2D(3, strides=2, padding="same"), L.Conv2D(1, 2)]),
    "max_pool_window": S((None, 8, 8, 1), [L.Conv2D(1, 3, padding="same"), L.MaxPooling2D(2)]),
    "zero_padding_cropping": S(
        (None, 5, 5, 1), [L.ZeroPadding2D(((1, 2), (0, 1))), L.Conv2D(1, 3), L.Cropping2D(((1, 0), (0, 1)))]
    ),
    "upsampling_nearest": S((None, 4, 4, 1), [L.UpSampling2D(2), L.Conv2D(1, 3, padding="same")]),
    "upsampling_bilinear": S((None, 4, 5, 1), [L.UpSampling2D((3, 2), interpolation="bilinear"), L.Conv2D(1, 2)]),
    "shape_preserving": S(
        (None, 6, 6, 3), [L.Conv2D(4, 3), L.ReLU(), L.BatchNormalization(), L.Dropout(0.5), L.Dense(2)]
    ),
    "residual_add": S(
        (None, 8, 8, 2),
        [L.Conv2D(2, 3, padding="same"), L.Conv2D(2, 3, strides=2, padding="same"), L.Conv2D(2, 1, strides=2), Add()],
        inputs=[(), (0,), (), (1, 2)],
    ),
    "concatenate_channels": S(
        (None, 9, 9, 1),
        [L.Conv2D(1, 3, dilation_rate=3), L.Conv2D(1, 7), Concatenate(), L.Conv2D(1, 3)],
        inputs=[(), (), (0, 1), (2,)],
    ),
    "concatenate_spatial": S(
        (None, 8, 6, 1),
        [L.Conv2D(1, (3, 1)), L.Conv2D(1, 5, padding="same"), Concatenate(axis=1)],
        inputs=[(), (), (0, 1)],
    ),
    "flatten_dense": S((None, 6, 6, 1), [L.Conv2D(1, 3), L.Flatten(), L.Dense(3)]),
    "global_pool": S((None, 6, 6, 1), [L.Conv2D(1, 3, strides=2), L.GlobalAveragePooling2D()]),
    "conv3d": S((None, 5, 6, 4, 1), [L.Conv3D(1, 3, strides=(1, 2, 1), padding="same"), L.MaxPooling3D(2)]),
}


def _cells(shape: tuple[int, ...]) -> list[tuple[int, ...]]:
    return [tuple(int(v) for v in c) for c in np.ndindex(*shape)] if shape else [()]


@pytest.mark.parametrize("name", list(CASES))
def test_masks_match_numpy_reference(name: str) -> None:
    stack = CASES[name]
    deps = stack_dependencies(stack)
    for layer in range(len(deps)):
        for index in _cells(deps[layer].out_shape)[:: max(1, math.prod(deps[layer].out_shape) // 12)]:
            rf = stack.receptive_field(index, layer=layer)
            np.testing.assert_array_equal(rf.mask, reference_mask(stack, index, layer), err_msg=f"{layer} {index}")
            for e, m in enumerate(rf.masks):
                np.testing.assert_array_equal(m, reference_mask(stack, index, layer, e), err_msg=f"masks[{e}]")
            assert list(rf.padding_reads) == reference_padding(stack, rf)


@pytest.mark.parametrize("name", list(CASES))
def test_size_jump_start_consistent_with_trace(name: str) -> None:
    stack = CASES[name]
    for layer, entry in enumerate(stack.trace.entries):
        rf = stack.receptive_field(tuple(0 for _ in stack_dependencies(stack)[layer].out_shape), layer=layer)
        assert rf.size == entry.receptive_field
        assert rf.jump == entry.jump
        if rf.mixes_every_cell:
            assert rf.start is None
            continue
        # every seen input cell lies inside the field [start, start + size)
        for a, (start, size) in enumerate(zip(rf.start, rf.size)):
            hit = np.flatnonzero(rf.mask.any(axis=tuple(b for b in range(rf.mask.ndim) if b != a)))
            assert hit.size == 0 or (start - 1 < hit[0] and hit[-1] < start + size), (a, start, size, hit)


def test_sequential_interior_cell_spans_the_field_and_steps_by_the_jump() -> None:
    stack = S((None, 40, 40, 1), [L.Conv2D(1, 3, strides=2), L.Conv2D(1, 3, dilation_rate=2), L.MaxPooling2D(2)])
    a = stack.receptive_field((3, 3))
    b = stack.receptive_field((4, 3))
    assert a.size == (13, 13) and a.jump == (4, 4)
    rows = np.flatnonzero(a.mask.any(axis=1))
    assert (rows[0], rows[-1] - rows[0] + 1) == (a.start[0], a.size[0])
    assert b.start[0] - a.start[0] == a.jump[0] and b.start[1] == a.start[1]


def test_example3_words() -> None:
    stack = CASES["large_stride_example3"]
    a = stack.receptive_field((1, 1), layer=0)
    b = stack.receptive_field((0, 0), layer="conv_b" and 1)
    assert (a.size, a.jump, b.size) == ((3, 3), (4, 4), (11, 11))
    assert str(a) == "output (1, 1) of conv_a sees 3×3 input pixels; none of its reads are padding"
    assert str(b) == "output (0, 0) of conv_b sees 81 input pixels within 11×11; none of its reads are padding"


def test_padding_counts_in_words() -> None:
    stack = S((None, 8, 8, 1), [L.Conv2D(1, 3, padding="same"), L.Conv2D(1, 3, padding="same")])
    rf = stack.receptive_field((0, 0))
    # the corner output: 9 taps of layer 1, 5 of them padding; its 2×2 real inputs of layer 0 read 9 taps each,
    # of which (2 + 3)·(2 + 3) = 25 are inside: 36 - 25 = 11 are padding
    assert rf.padding_reads == tuple(reference_padding(stack, rf))
    assert str(rf) == receptive_field_sentence(
        (0, 0), rf.layer_name, pixels=9, extent=(3, 3), field=(5, 5), padding_reads=rf.total_padding_reads
    )
    assert "of its reads are padding" in str(rf) and rf.padding_reads == (11, 5)


def test_mixing_layers_say_so() -> None:
    rf = CASES["flatten_dense"].receptive_field(())
    assert rf.mask.all() and rf.mixing_layers[0].startswith("flatten") and rf.size is None
    assert "mixes every cell" in str(rf) and "sees all 36 input pixels" in str(rf)
    g = CASES["global_pool"].receptive_field(())
    # global pooling reads every cell of its input; the strided "valid" conv before it never reads the last row
    assert g.mask[:5, :5].all() and not g.mask[5].any() and g.size == (5, 5) and g.jump is None
    name = CASES["global_pool"].layers[1].name  # numbered like Keras' names, by how many were made before
    assert f"{name} mixes every cell" in str(g)


def test_contract_types() -> None:
    deps = stack_dependencies(CASES["residual_add"])
    assert all(isinstance(d, LayerDependency) for d in deps)
    assert deps[3].sources == (1, 2) and deps[0].sources == (-1,)
    ax = deps[1].axes[0]
    assert isinstance(ax, AxisDependency) and ax.indptr.dtype == np.int32 and ax.indices.dtype == np.int32
    assert ax.indptr.shape == (ax.out_size + 1,) and ax.pad_reads.shape == (ax.out_size,) and ax.taps == 3
    for o in range(ax.out_size):
        r = ax.reads(o)
        assert np.all(np.diff(r) > 0)
    with pytest.raises(ValueError):
        ax.indices[0] = 5  # read-only
    assert cached_dependencies(CASES["residual_add"]) is cached_dependencies(CASES["residual_add"])
    flat = stack_dependencies(CASES["flatten_dense"])
    assert flat[1].axes is None and flat[1].mixes_every_cell and flat[2].out_shape == ()
    assert isinstance(convkit.ReceptiveField, type)


def test_frozen() -> None:
    rf = CASES["dilation"].receptive_field((0, 0))
    with pytest.raises(AttributeError):
        rf.layer = 3  # type: ignore[misc]
    with pytest.raises(ValueError):
        rf.mask[0, 0] = False
    with pytest.raises(ValueError):
        rf.masks[0][0, 0] = False


@pytest.mark.parametrize(
    ("index", "layer", "needle"),
    [
        ((14, 2), -1, "Received: output_index=(14, 2)"),
        ((1,), -1, "Received: output_index=(1,)"),
        ((1, 2, 3), -1, "Received: output_index=(1, 2, 3)"),
        ((-1, 0), -1, "Received: output_index=(-1, 0)"),
        ("ab", -1, "Received: output_index='ab'"),
        ((0.5, 1), -1, "Received: output_index=(0.5, 1)"),
        ((0, 0), 2, "Received: layer=2"),
        ((0, 0), -3, "Received: layer=-3"),
        ((0, 0), "x", "Received: layer='x'"),
    ],
)
def test_bad_input(index, layer, needle) -> None:
    stack = CASES["no_padding_no_strides"]
    with pytest.raises(ValueError) as err:
        stack.receptive_field(index, layer=layer)
    assert str(err.value).endswith(needle)
    if "output_index" in needle:
        assert "0..2" in str(err.value)


def test_invalid_or_unknown_stack_refused() -> None:
    bad = S((None, 4, 4, 1), [L.Conv2D(1, 3), L.Conv2D(1, 3)])
    with pytest.raises(ValueError, match="refuses its input"):
        bad.receptive_field((0, 0))
    unknown = S((None, None, 8, 1), [L.Conv2D(1, 3)])
    with pytest.raises(ValueError, match="unknown"):
        unknown.receptive_field((0, 0))


def test_huge_stack_refused_up_front() -> None:
    stack = S((None, 1000, 1000, 1), [L.Conv2D(1, 7, padding="same")] * 4000)
    with pytest.raises(ValueError, match="reads"):
        stack_dependencies(stack)
    with pytest.raises(ValueError, match="cells"):
        stack_dependencies(S((None, 100_000, 100_000, 1), [L.Conv2D(1, 3)]))


def test_long_stack_walks_without_recursion() -> None:
    stack = S((None, 16, 16, 1), [L.Conv2D(1, 3, padding="same")] * 1500)
    rf = stack.receptive_field((3, 12))
    assert rf.mask.all() and rf.start == (3 - 1500, 12 - 1500) and rf.size == (3001, 3001)


def test_channels_first_matches_channels_last() -> None:
    def build(fmt: str) -> convkit.LayerStack:
        shape = (None, 2, 9, 7) if fmt == "channels_first" else (None, 9, 7, 2)
        return S(
            shape,
            [
                L.Conv2D(2, 3, strides=2, padding="same", data_format=fmt),
                L.ReLU(),
                L.MaxPooling2D(2, padding="same", data_format=fmt),
                L.UpSampling2D(2, data_format=fmt),
            ],
        )

    first, last = build("channels_first"), build("channels_last")
    for index in [(0, 0), (3, 2), (5, 3)]:
        a, b = first.receptive_field(index), last.receptive_field(index)
        np.testing.assert_array_equal(a.mask, b.mask)
        assert a.padding_reads == b.padding_reads and a.start == b.start


# --- properties: random 1-D stacks against the reference ------------------------------------------------


@st.composite
def stacks_1d(draw):
    n = draw(st.integers(4, 12))
    layers = []
    size = n
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["conv", "pool", "transpose", "pad", "crop", "up"]))
        k = draw(st.integers(1, 4))
        s = draw(st.integers(1, 3))
        d = draw(st.integers(1, 2)) if s == 1 else 1
        pad = draw(st.sampled_from(["valid", "same", "causal"]))
        if kind == "conv":
            layer = L.Conv1D(1, k, strides=s, padding=pad, dilation_rate=d)
        elif kind == "pool":
            layer = L.AveragePooling1D(k, strides=s, padding="same" if pad == "causal" else pad)
        elif kind == "transpose":
            op = draw(st.one_of(st.none(), st.integers(0, s - 1)))
            layer = L.Conv1DTranspose(1, k, strides=s, padding="valid" if pad == "causal" else pad, output_padding=op)
        elif kind == "pad":
            layer = L.ZeroPadding1D((draw(st.integers(0, 2)), draw(st.integers(0, 2))))
        elif kind == "crop":
            layer = L.Cropping1D((draw(st.integers(0, 1)), draw(st.integers(0, 1))))
        else:
            layer = L.UpSampling1D(draw(st.integers(1, 3)))
        try:
            out = layer.compute_output_shape((None, size, 1))
        except ValueError:
            continue
        if out[1] > 40:
            continue
        layers.append(layer)
        size = out[1]
    if not layers:
        layers = [L.Conv1D(1, 1)]
    return S((None, n, 1), layers)


@settings(max_examples=120, deadline=None)
@given(stack=stacks_1d(), data=st.data())
def test_random_1d_stacks_match_reference(stack, data) -> None:
    deps = stack_dependencies(stack)
    layer = data.draw(st.integers(0, len(deps) - 1))
    o = data.draw(st.integers(0, deps[layer].out_shape[0] - 1))
    rf = stack.receptive_field((o,), layer=layer)
    np.testing.assert_array_equal(rf.mask, reference_mask(stack, (o,), layer))
    for e, m in enumerate(rf.masks):
        np.testing.assert_array_equal(m, reference_mask(stack, (o,), layer, e))
    assert list(rf.padding_reads) == reference_padding(stack, rf)
    assert rf.size == stack.trace.entries[layer].receptive_field
    start, size = rf.start[0], rf.size[0]
    hit = np.flatnonzero(rf.mask)
    assert isinstance(start, (int, Fraction))
    assert hit.size == 0 or (start - 1 < hit[0] and hit[-1] < start + size)
