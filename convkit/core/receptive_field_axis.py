"""Which input cells each output cell of a layer reads, one spatial axis at a time (pure core).

Every layer convkit models is separable per spatial axis: output cell ``(o_1, ..., o_n)`` reads exactly the
input cells ``(i_1, ..., i_n)`` with each ``i_a`` read by ``o_a`` along axis ``a``. So one
:class:`AxisDependency` per axis (a compressed sparse row table) describes a layer, and the 2-D (or 3-D)
dependency is their outer product. :func:`stack_dependencies` builds them once per stack; merges list one
table per source (channel concatenation keeps the spatial cells; a size-1 axis broadcasts).

>>> from convkit.core.layers import Conv2D
>>> from convkit.core.stack import LayerStack
>>> deps = stack_dependencies(LayerStack((None, 5, 5, 1), [Conv2D(1, 3, strides=2, padding="same")]))
>>> h = deps[0].axes[0]
>>> [h.reads(o).tolist() for o in range(h.out_size)], h.pad_reads.tolist()
([[0, 1], [1, 2, 3], [3, 4]], [1, 0, 1])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from .axis import ConvAxis, TransposedAxis
from .spec import LayerKind
from .trace import MODEL_INPUT, Trace
from .words import short_repr

__all__ = ["AxisDependency", "LayerDependency", "stack_dependencies", "MAX_READS", "MAX_CELLS"]

#: Most (output cell, input cell) pairs, summed over every layer and axis, a stack's tables may hold.
MAX_READS = 20_000_000
#: Most cells of one map (a receptive-field mask is a boolean array of that size), e.g. 2000×2000.
MAX_CELLS = 4_000_000

Ints = npt.NDArray[np.int32]


@dataclass(frozen=True, slots=True)
class AxisDependency:
    """One layer, one spatial axis: output cell ``o`` reads input cells ``indices[indptr[o]:indptr[o + 1]]``.

    ``pad_reads[o]`` counts the taps of ``o`` (along this axis) that fall in zero padding; ``taps`` is the
    number of taps per output cell (kernel or pool size, 2 for bilinear upsampling, 1 for pointwise).
    ``step`` and ``offset`` place the field: output ``o``'s window starts at input coordinate
    ``offset + o·step`` (padding included; a fraction for transposed convolutions); with ``snap`` (upsampling)
    it starts where the input cell ``floor(offset + o·step)``, clamped to the input, starts.
    """

    in_size: int
    out_size: int
    indptr: Ints
    indices: Ints
    pad_reads: Ints
    taps: int
    step: int | Fraction = 1
    offset: int | Fraction = 0
    snap: bool = False
    rows: Ints = field(init=False, repr=False, compare=False)
    _walk: _Walk = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("indptr", "indices", "pad_reads"):
            arr = np.ascontiguousarray(getattr(self, name), dtype=np.int32)
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        rows = np.repeat(np.arange(self.out_size, dtype=np.int32), np.diff(self.indptr)).astype(np.int32)
        rows.setflags(write=False)
        object.__setattr__(self, "rows", rows)
        object.__setattr__(self, "_walk", _Walk(self))

    def reads(self, output: int) -> Ints:
        """The input cells output cell ``output`` reads (sorted)."""
        return self.indices[self.indptr[output] : self.indptr[output + 1]]

    def inputs_of(self, selected: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
        """The input cells any of the ``selected`` output cells (a boolean vector) reads."""
        found = np.zeros(self.in_size, dtype=bool)
        found[self.indices[selected[self.rows]]] = True
        return found

    @property
    def inside_reads(self) -> Ints:
        """Per output cell, the taps that do not fall in zero padding (``taps - pad_reads``)."""
        return self._walk.inside


class _Walk:
    """Derived numbers for walking a table fast: per row the first/last cell read, and whether every interval of
    output cells reads an interval of input cells (then a query maps ``(lo, hi)`` to ``(lo', hi')`` in O(1))."""

    __slots__ = ("first", "last", "next", "prev", "intervals", "cum_inside", "inside", "has_padding")

    def __init__(self, ax: AxisDependency) -> None:
        counts = np.diff(ax.indptr)
        nonempty = counts > 0
        if len(ax.indices):
            first = np.where(nonempty, ax.indices[np.minimum(ax.indptr[:-1], len(ax.indices) - 1)], -1)
            last = np.where(nonempty, ax.indices[np.maximum(ax.indptr[1:] - 1, 0)], -1)
        else:
            first = last = np.full(ax.out_size, -1, dtype=np.int32)
        rows = np.flatnonzero(nonempty)
        f, la = first[rows], last[rows]
        self.intervals = bool(
            np.all(la - f + 1 == counts[rows])
            and np.all(np.diff(f) >= 0)
            and np.all(np.diff(la) >= 0)
            and np.all(f[1:] <= la[:-1] + 1)
        )
        self.first: list[int] = first.tolist()
        self.last: list[int] = last.tolist()
        n = ax.out_size
        nxt = np.full(n + 1, n, dtype=np.int64)
        prv = np.full(n, -1, dtype=np.int64)
        if rows.size:
            pos = np.searchsorted(rows, np.arange(n), side="left")
            nxt[:n] = np.where(pos < rows.size, rows[np.minimum(pos, rows.size - 1)], n)
            pos = np.searchsorted(rows, np.arange(n), side="right") - 1
            prv[:] = np.where(pos >= 0, rows[np.maximum(pos, 0)], -1)
        self.next: list[int] = nxt.tolist()
        self.prev: list[int] = prv.tolist()
        inside = (ax.taps - ax.pad_reads).astype(np.int32)
        inside.setflags(write=False)
        self.inside = inside
        self.cum_inside: list[int] = [0, *np.cumsum(inside, dtype=np.int64).tolist()]
        self.has_padding = bool(ax.pad_reads.any())

    def interval(self, lo: int, hi: int) -> tuple[int, int] | None:
        """The input cells outputs ``lo..hi`` read, as ``(first, last)``, or ``None`` when they read none."""
        r0, r1 = self.next[lo], self.prev[hi]
        if r0 > hi:
            return None
        return self.first[r0], self.last[r1]


@dataclass(frozen=True, slots=True)
class LayerDependency:
    """One stack entry: what each of its output cells reads from each of its sources.

    ``sources`` holds the entries feeding it (``-1``: the stack input). ``axes`` is ``None`` when the layer
    mixes every cell (Flatten, Dense on a vector, global pooling, a layer convkit does not model);
    otherwise one :class:`AxisDependency` per spatial axis from ``sources[0]``. ``source_axes`` has one such
    tuple per source (merges: the identity, a broadcast size-1 axis, or a spatial concatenation's slice).
    ``in_shapes`` are the sources' spatial sizes, ``out_shape`` this entry's.
    """

    index: int
    name: str
    kind: str
    sources: tuple[int, ...]
    axes: tuple[AxisDependency, ...] | None
    source_axes: tuple[tuple[AxisDependency, ...] | None, ...]
    in_shapes: tuple[tuple[int, ...], ...]
    out_shape: tuple[int, ...]

    @property
    def mixes_every_cell(self) -> bool:
        return self.axes is None

    @property
    def taps(self) -> tuple[int, ...]:
        """Taps per output cell along each axis (``()`` when the layer mixes every cell)."""
        return () if self.axes is None else tuple(a.taps for a in self.axes)


# --- per-axis tables --------------------------------------------------------------------------------------


def _table(
    in_size: int,
    positions: Ints,
    valid: npt.NDArray[np.bool_],
    pad: Ints,
    taps: int,
    step: Any,
    offset: Any,
    *,
    snap: bool = False,
) -> AxisDependency:
    """An axis table from a (out_size, taps) grid of input positions and which of them are real cells."""
    out_size = positions.shape[0]
    counts = valid.sum(axis=1)
    indptr = np.zeros(out_size + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    indices = positions[valid]
    return AxisDependency(
        in_size, out_size, indptr.astype(np.int32), indices, pad, taps, _simplify(step), _simplify(offset), snap
    )


def _simplify(value: Any) -> int | Fraction:
    value = Fraction(value)
    return int(value) if value.denominator == 1 else value


def window_axis(ax: ConvAxis) -> AxisDependency:
    """A convolution's or pooling window's axis: output ``o`` reads ``o·s + t·d - pad_before``, ``t < k``."""
    n, k, s, d, before, out = ax.size, ax.kernel_size, ax.strides, ax.dilation_rate, ax.pad_before, ax.output
    assert n is not None and out is not None and before is not None
    pos = (np.arange(out)[:, None] * s + np.arange(k)[None, :] * d - before).astype(np.int32)
    inside = (pos >= 0) & (pos < n)
    pad = (~inside).sum(axis=1).astype(np.int32)
    return _table(n, pos, inside, pad, k, s, -before)


def transposed_window_axis(ax: TransposedAxis) -> AxisDependency:
    """A transposed convolution's axis, read in its direct (zero-stuffed) form.

    Output ``o`` slides a stride-1 window over the input with ``s - 1`` zeros stuffed between cells and
    ``k_eff - 1 - crop_before`` zeros before: a tap on a stuffed cell ``q = i·s`` reads input ``i``; a tap
    between cells reads an inserted zero (neither an input cell nor padding); a tap beyond the stuffed
    input reads padding.
    """
    n, k, s, d, out = ax.size, ax.kernel_size, ax.strides, ax.dilation_rate, ax.output
    assert n is not None and out is not None
    k_eff = ax.effective_kernel
    crop_before = max((n - 1) * s + k_eff - out, 0) // 2
    lead = k_eff - 1 - crop_before
    q = (np.arange(out)[:, None] + np.arange(k)[None, :] * d - lead).astype(np.int32)
    stuffed = (n - 1) * s + 1
    inside = (q >= 0) & (q < stuffed)
    real = inside & (q % s == 0)
    pad = (~inside).sum(axis=1).astype(np.int32)
    return _table(n, q // s, real, pad, k, Fraction(1, s), Fraction(-lead, s))


def shift_axis(in_size: int, out_size: int, before: int) -> AxisDependency:
    """ZeroPadding (``before > 0``: the first cells are padding) or Cropping (``before < 0``): one tap each."""
    pos = (np.arange(out_size) - before).astype(np.int32)[:, None]
    inside = (pos >= 0) & (pos < in_size)
    return _table(in_size, pos, inside, (~inside).sum(axis=1).astype(np.int32), 1, 1, -before)


def identity_axis(size: int) -> AxisDependency:
    return shift_axis(size, size, 0)


def broadcast_axis(out_size: int) -> AxisDependency:
    """A size-1 source axis broadcast by an element-wise merge: every output cell reads cell 0."""
    pos = np.zeros((out_size, 1), dtype=np.int32)
    return _table(1, pos, np.ones_like(pos, dtype=bool), np.zeros(out_size, np.int32), 1, 0, 0)


def upsampling_axis(in_size: int, factor: int, interpolation: str) -> AxisDependency:
    """UpSampling: nearest reads cell ``o // u``; bilinear (half-pixel centres, as Keras/TF resize) reads
    ``floor(x)`` and ``ceil(x)`` clamped to the input, ``x = (o + 1/2)/u - 1/2``, a single cell when ``x`` is whole.
    """
    out = in_size * factor
    o = np.arange(out)
    if interpolation == "nearest":
        pos = (o // factor).astype(np.int32)[:, None]
        ones = np.ones_like(pos, dtype=bool)
        return _table(in_size, pos, ones, np.zeros(out, np.int32), 1, Fraction(1, factor), 0, snap=True)
    num = 2 * o + 1 - factor  # x = num / (2u), exactly
    low = np.clip(np.floor_divide(num, 2 * factor), 0, in_size - 1)
    high = np.clip(-np.floor_divide(-num, 2 * factor), 0, in_size - 1)
    pos = np.stack([low, high], axis=1).astype(np.int32)
    valid = np.stack([np.ones(out, bool), high != low], axis=1)
    return _table(
        in_size,
        pos,
        valid,
        np.zeros(out, np.int32),
        2,
        Fraction(1, factor),
        Fraction(1 - factor, 2 * factor),
        snap=True,
    )


def concat_axis(in_size: int, out_size: int, start: int) -> AxisDependency:
    """One source of a Concatenate along a spatial axis: output cells ``start .. start + in_size - 1``."""
    pos = (np.arange(out_size) - start).astype(np.int32)[:, None]
    inside = (pos >= 0) & (pos < in_size)
    return _table(in_size, pos, inside, np.zeros(out_size, np.int32), 1, 1, -start)


# --- layers -----------------------------------------------------------------------------------------------


def _channels_first(layer: Any, inherited: bool) -> bool:
    fmt = getattr(layer, "data_format", None)
    return inherited if fmt is None else fmt == "channels_first"


def _spatial(shape: Sequence[int | None], channels_first: bool) -> tuple[int | None, ...]:
    return tuple(shape[2:]) if channels_first else tuple(shape[1:-1])


def _pair_per_axis(value: Any, rank: int) -> tuple[tuple[int, int], ...]:
    if rank == 1:
        return (tuple(value),)
    return tuple(tuple(p) for p in value)


def _layer_axes(
    layer: Any, in_shape: Any, ins: tuple[int, ...], outs: tuple[int, ...], cf: bool
) -> tuple[str, tuple[AxisDependency, ...] | None]:
    """(kind, per-axis tables) of a single-input layer; tables ``None`` when it mixes every cell."""
    kind = LayerKind.of(layer)
    cls = type(layer).__name__
    rank = len(ins)
    if rank == 0 and outs == ():
        return "pointwise", ()  # no spatial axis left (a vector): nothing to mix
    if kind in (LayerKind.CONV, LayerKind.DEPTHWISE, LayerKind.SEPARABLE, LayerKind.POOL):
        return "window", tuple(window_axis(a) for a in layer.spatial_axes(in_shape))
    if kind is LayerKind.TRANSPOSE:
        return "window", tuple(transposed_window_axis(a) for a in layer.spatial_axes(in_shape))
    if cls.startswith("ZeroPadding"):
        pads = _pair_per_axis(layer.padding, rank)
        return "shift", tuple(shift_axis(n, m, p[0]) for n, m, p in zip(ins, outs, pads))
    if cls.startswith("Cropping"):
        crops = _pair_per_axis(layer.cropping, rank)
        return "shift", tuple(shift_axis(n, m, -c[0]) for n, m, c in zip(ins, outs, crops))
    if cls.startswith("UpSampling"):
        size = layer.size
        factors = (size,) * rank if isinstance(size, int) else tuple(size)
        interp = getattr(layer, "interpolation", "nearest")
        if interp not in ("nearest", "bilinear"):
            return "mixes", None
        return "upsampling", tuple(upsampling_axis(n, u, interp) for n, u in zip(ins, factors))
    if kind is LayerKind.DENSE and rank > 0 and not cf and ins == outs:
        return "pointwise", tuple(identity_axis(n) for n in ins)
    if kind in (LayerKind.GLOBAL_POOL, LayerKind.DENSE, LayerKind.RESHAPE) or getattr(layer, "modelled", True) is False:
        if kind is LayerKind.UNKNOWN and ins == outs and not getattr(layer, "params", 0):
            return "pointwise", tuple(identity_axis(n) for n in ins)
        return "mixes", None
    if cls == "LayerNormalization":
        ndim = len(in_shape)
        axes = layer.axis if isinstance(layer.axis, list) else [layer.axis]
        spatial = set(range(2, ndim)) if cf else set(range(1, ndim - 1))
        if any(a % ndim in spatial for a in axes):
            return "mixes", None
    if ins != outs:
        return "mixes", None
    return "pointwise", tuple(identity_axis(n) for n in ins)


def _merge_axes(
    layer: Any, in_shapes: tuple[tuple[int, ...], ...], outs: tuple[int, ...], full: Any, cf: bool
) -> tuple[tuple[AxisDependency, ...], ...]:
    """Per source, the tables of a merge: identity, broadcast size-1 axes, or a spatial concatenation's slice."""
    rank = len(outs)
    concat_at = None
    axis = getattr(layer, "axis", None)
    if type(layer).__name__ == "Concatenate" and isinstance(axis, int):
        ndim = len(full[0])
        a = axis % ndim
        spatial = list(range(2, ndim)) if cf else list(range(1, ndim - 1))
        concat_at = spatial.index(a) if a in spatial else None
    per_source: list[tuple[AxisDependency, ...]] = []
    start = 0
    for ins in in_shapes:
        tables = []
        for a in range(rank):
            if a == concat_at:
                tables.append(concat_axis(ins[a], outs[a], start))
            elif ins[a] == outs[a]:
                tables.append(identity_axis(outs[a]))
            else:
                tables.append(broadcast_axis(outs[a]))
        if concat_at is not None:
            start += ins[concat_at]
        per_source.append(tuple(tables))
    return tuple(per_source)


def _known(sizes: tuple[int | None, ...], what: str, name: str) -> tuple[int, ...]:
    if any(s is None for s in sizes):
        raise ValueError(
            f"Receptive fields need every spatial size, but {what} of layer {name} has an unknown one "
            f"({short_repr(sizes)}). Give the input shape its spatial sizes, e.g. (None, 28, 28, 1). "
            f"Received: spatial_shape={short_repr(sizes)}"
        )
    known = tuple(int(s) for s in sizes)  # type: ignore[arg-type]
    if math.prod(known) > MAX_CELLS:
        raise ValueError(
            f"Receptive fields are drawn as masks over every map, but {what} of layer {name} has "
            f"{math.prod(known):,} cells (at most {MAX_CELLS:,}). Use a smaller input. "
            f"Received: spatial_shape={short_repr(known)}"
        )
    return known


def stack_input_channels_first(t: Trace) -> bool:
    """The stack input's layout: that of the first layer declaring a ``data_format`` (channels last if none)."""
    for e in t.entries:
        fmt = getattr(e.layer, "data_format", None)
        if fmt is not None:
            return bool(fmt == "channels_first")
    return False


def stack_dependencies(stack: Any) -> tuple[LayerDependency, ...]:
    """Per stack entry, which cells of its sources each of its output cells reads (built once per stack).

    Parameters
    ----------
    stack : LayerStack
        A valid stack with known spatial sizes (its trace has no error).

    Returns
    -------
    tuple of LayerDependency

    Raises
    ------
    ValueError
        When a layer refuses its input, a spatial size is unknown, or the tables would exceed ``MAX_READS``.

    Examples
    --------
    >>> from convkit.core.layers import Conv1D
    >>> from convkit.core.stack import LayerStack
    >>> d = stack_dependencies(LayerStack((None, 6, 1), [Conv1D(1, 3, dilation_rate=2)]))[0]
    >>> d.out_shape, d.axes[0].reads(0).tolist()
    ((2,), [0, 2, 4])
    """
    t: Trace = stack.trace if hasattr(stack, "trace") else stack
    bad = t.first_error
    if bad is not None:
        raise ValueError(
            f"Receptive fields need a valid stack, but layer {bad.index} ({bad.name}) refuses its input; fix that "
            f"layer first. {bad.error}"
        )
    input_cf = stack_input_channels_first(t)
    input_spatial = _known(_spatial(t.input_shape, input_cf), "the input", "input")
    spatial: dict[int, tuple[int, ...]] = {MODEL_INPUT: input_spatial}
    layouts: dict[int, bool] = {MODEL_INPUT: input_cf}
    # first the sizes and the bound on the work, before any table is built
    layout: list[tuple[bool, tuple[int, ...]]] = []
    total = 0
    for e in t.entries:
        srcs = e.inputs or (MODEL_INPUT,)
        cf = _channels_first(e.layer, layouts[srcs[0]])
        assert e.output_shape is not None
        outs = _known(_spatial(e.output_shape, cf), "the output", e.name)
        layouts[e.index] = cf
        layout.append((cf, outs))
        window = getattr(e.layer, "kernel_size", None) or getattr(e.layer, "pool_size", None)
        taps = tuple(window) if isinstance(window, tuple) and len(window) == len(outs) else (2,) * len(outs)
        total += sum(m * max(k, 2) for m, k in zip(outs, taps)) * len(srcs)  # a table holds ≤ out_size·taps pairs
        if total > MAX_READS:
            raise ValueError(
                f"This stack's receptive-field tables would hold more than {MAX_READS:,} reads (at layer {e.index}, "
                f"{e.name}): use smaller inputs or fewer layers. Received: layers={len(t.entries)}"
            )
    deps: list[LayerDependency] = []
    for e, (cf, outs) in zip(t.entries, layout):
        srcs = e.inputs or (MODEL_INPUT,)
        ins_all = tuple(spatial[s] for s in srcs)
        if e.is_merge:
            kind = "merge"
            full = e.input_shape
            per_source: tuple[tuple[AxisDependency, ...] | None, ...]
            if any(len(ins) != len(outs) for ins in ins_all):
                per_source = tuple(None for _ in srcs)
            else:
                per_source = _merge_axes(e.layer, ins_all, outs, full, cf)
            axes = per_source[0]
        else:
            ins = ins_all[0]
            if len(ins) != len(outs) and LayerKind.of(e.layer) not in (
                LayerKind.GLOBAL_POOL,
                LayerKind.DENSE,
                LayerKind.RESHAPE,
            ):
                kind, axes = "mixes", None
            else:
                kind, axes = _layer_axes(e.layer, e.input_shape, ins, outs, cf)
            per_source = (axes,)
        spatial[e.index] = outs
        layouts[e.index] = cf
        deps.append(LayerDependency(e.index, e.name, kind, tuple(srcs), axes, per_source, ins_all, outs))
    return tuple(deps)
