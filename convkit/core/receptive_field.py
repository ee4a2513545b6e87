"""Receptive fields through a whole stack: which input cells (and which cells of every map) one output sees.

:func:`receptive_field` walks a stack's :func:`~convkit.core.receptive_field_axis.stack_dependencies` backwards
from one output cell. Every supported layer is separable per axis, so the cells a region depends on are kept as
a few boxes (one boolean vector per axis); merges add the boxes of their sources (a box inside another is
dropped), and only a graph with many different branches falls back to a dense boolean array.

The tables are built once per stack and cached: a small module-level cache keyed by ``id(stack)`` that keeps the
stack alive while its entry is cached (so the id cannot be reused), holding the last :data:`CACHE_SIZE` stacks.
Specs and stacks stay immutable: nothing is stored on them.

>>> from convkit.core.layers import Conv2D
>>> from convkit.core.stack import LayerStack
>>> s = LayerStack((None, 11, 11, 1), [Conv2D(1, 3, strides=4, name="conv_a"), Conv2D(1, 3, name="conv_b")])
>>> rf = receptive_field(s, (0, 0))
>>> rf.size, rf.jump, rf.start, int(rf.mask.sum())
((11, 11), (4, 4), (0, 0), 81)
>>> print(rf)
output (0, 0) of conv_b sees 81 input pixels within 11×11; none of its reads are padding
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from .receptive_field_axis import AxisDependency, LayerDependency, stack_dependencies
from .trace import MODEL_INPUT
from .words import receptive_field_sentence, short_repr

__all__ = [
    "AxisDependency",
    "LayerDependency",
    "ReceptiveField",
    "cached_dependencies",
    "receptive_field",
    "stack_dependencies",
    "CACHE_SIZE",
]

#: How many stacks' dependency tables the module keeps.
CACHE_SIZE = 32
#: Most boxes one map's region is kept as before it becomes a dense boolean array.
MAX_BOXES = 8

Mask = npt.NDArray[np.bool_]

_cache: OrderedDict[int, tuple[Any, tuple[LayerDependency, ...]]] = OrderedDict()
_lock = threading.Lock()


def cached_dependencies(stack: Any) -> tuple[LayerDependency, ...]:
    """:func:`stack_dependencies` of ``stack``, built on the first call and reused for the same stack object.

    >>> from convkit.core.layers import Conv1D
    >>> from convkit.core.stack import LayerStack
    >>> s = LayerStack((None, 8, 1), [Conv1D(1, 3)])
    >>> cached_dependencies(s) is cached_dependencies(s)
    True
    """
    key = id(stack)
    with _lock:
        hit = _cache.get(key)
        if hit is not None and hit[0] is stack:
            _cache.move_to_end(key)
            return hit[1]
    deps = stack_dependencies(stack)
    with _lock:
        _cache[key] = (stack, deps)  # the strong reference keeps ``key`` from naming another stack
        _cache.move_to_end(key)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return deps


# --- regions: a union of boxes, or a dense mask -----------------------------------------------------------


#: One axis of a box: an inclusive interval ``(lo, hi)`` of cells, or a boolean vector (a set with holes).
Cells = tuple[int, int] | Mask


class _Region:
    """The cells of one map a chosen output depends on: boxes (one cell set per axis) or one dense array."""

    __slots__ = ("shape", "boxes", "dense")

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape
        self.boxes: list[tuple[Cells, ...]] = []
        self.dense: Mask | None = None

    def add_box(self, box: tuple[Cells, ...]) -> None:
        if self.dense is not None:
            self.dense |= _outer(box, self.shape)
            return
        if any(_inside(box, other, self.shape) for other in self.boxes):
            return  # inside a box already there
        self.boxes = [other for other in self.boxes if not _inside(other, box, self.shape)]
        self.boxes.append(box)
        if len(self.boxes) > MAX_BOXES:
            self.to_dense()

    def add_dense(self, mask: Mask) -> None:
        self.to_dense()
        assert self.dense is not None
        self.dense |= mask

    def to_dense(self) -> Mask:
        if self.dense is None:
            dense = np.zeros(self.shape, dtype=bool)
            for box in self.boxes:
                dense |= _outer(box, self.shape)
            self.dense, self.boxes = dense, []
        return self.dense

    def mask(self) -> Mask:
        if len(self.boxes) == 1 and self.dense is None:
            return _outer(self.boxes[0], self.shape)
        dense: Mask = self.to_dense()
        return np.array(dense, dtype=bool)

    def empty(self) -> bool:
        return self.dense is None and not self.boxes


def _vec(cells: Cells, n: int) -> Mask:
    if isinstance(cells, tuple):
        v = np.zeros(n, dtype=bool)
        v[cells[0] : cells[1] + 1] = True
        return v
    return cells


def _compact(v: Mask) -> Cells | None:
    """A vector as an interval when it is one; ``None`` when empty."""
    nz = np.flatnonzero(v)
    if not nz.size:
        return None
    lo, hi = int(nz[0]), int(nz[-1])
    return (lo, hi) if hi - lo + 1 == nz.size else v


def _inside(small: tuple[Cells, ...], big: tuple[Cells, ...], shape: tuple[int, ...]) -> bool:
    for s, b, n in zip(small, big, shape):
        if isinstance(s, tuple) and isinstance(b, tuple):
            if s[0] < b[0] or s[1] > b[1]:
                return False
        elif (_vec(s, n) & ~_vec(b, n)).any():
            return False
    return True


def _outer(box: tuple[Cells, ...], shape: tuple[int, ...]) -> Mask:
    if not box:
        return np.ones((), dtype=bool)
    vecs = [_vec(c, n) for c, n in zip(box, shape)]
    out = vecs[0]
    for vec in vecs[1:]:
        out = np.logical_and.outer(out, vec)
    return np.asarray(out, dtype=bool)


def _back(ax: AxisDependency, cells: Cells) -> Cells | None:
    """The source cells that output cells ``cells`` read along one axis (``None``: none)."""
    walk = ax._walk
    if isinstance(cells, tuple) and walk.intervals:
        return walk.interval(cells[0], cells[1])
    return _compact(ax.inputs_of(_vec(cells, ax.out_size)))


def _count(cells: Cells) -> int:
    return cells[1] - cells[0] + 1 if isinstance(cells, tuple) else int(cells.sum())


def _inside_sum(ax: AxisDependency, cells: Cells) -> int:
    walk = ax._walk
    if isinstance(cells, tuple):
        return walk.cum_inside[cells[1] + 1] - walk.cum_inside[cells[0]]
    return int(walk.inside[cells].sum())


def _dense_back(mask: Mask, axes: tuple[AxisDependency, ...]) -> Mask:
    """The source cells a dense region of outputs reads, one axis at a time."""
    for a, ax in enumerate(axes):
        moved = np.moveaxis(mask, a, 0)
        hit = np.zeros((ax.in_size, *moved.shape[1:]), dtype=np.int32)
        np.add.at(hit, ax.indices, moved[ax.rows].astype(np.int32))
        mask = np.moveaxis(hit > 0, 0, a)
    return mask


def _padding_reads(region: _Region, axes: tuple[AxisDependency, ...] | None) -> int:
    """Reads in zero padding by the region's cells: per cell ``prod(taps) - prod(taps - pad)``."""
    if not axes or region.empty() or not any(ax._walk.has_padding for ax in axes):
        return 0
    taps = math.prod(ax.taps for ax in axes)
    if len(region.boxes) == 1:
        box = region.boxes[0]
        cells = math.prod(_count(c) for c in box)
        inside = math.prod(_inside_sum(ax, c) for ax, c in zip(axes, box))
        return taps * cells - inside
    mask = region.to_dense()
    inside_grid = _outer_ints([ax.inside_reads for ax in axes])
    return int(taps * mask.sum() - inside_grid[mask].sum())


def _outer_ints(vectors: list[npt.NDArray[np.int32]]) -> npt.NDArray[np.int64]:
    out = np.asarray(vectors[0], dtype=np.int64)
    for v in vectors[1:]:
        out = np.multiply.outer(out, v.astype(np.int64))
    return out


# --- the result -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReceptiveField:
    """What one output cell of one layer depends on. Build it with ``LayerStack.receptive_field``.

    ``mask`` is a boolean array over the stack input's spatial shape; ``masks`` (computed on first use) one per
    entry, over that entry's output (only the chosen cell for the chosen layer; all False for entries it does not
    read). ``padding_reads[i]`` counts the reads of entry ``i``'s chosen cells that fall in zero padding (taps,
    not channels). ``size``/``jump`` are the trace's (``None``: the field is all of the input, or no axis is left);
    ``start`` is where the field starts along each axis, in input pixels (negative: in the padding).
    ``mixing_layers`` names the layers that mix every cell on the way (then every input cell is a dependency).
    """

    layer: int
    layer_name: str
    output_index: tuple[int, ...]
    input_shape: tuple[int, ...]
    mask: Mask
    padding_reads: tuple[int, ...]
    size: tuple[int | Fraction, ...] | None
    jump: tuple[int | Fraction, ...] | None
    mixing_layers: tuple[str, ...]
    _regions: tuple[_Region | None, ...] = field(repr=False, compare=False)
    _deps: tuple[LayerDependency, ...] = field(repr=False, compare=False)
    _masks: list[tuple[Mask, ...]] = field(default_factory=list, repr=False, compare=False)
    _start: list[tuple[int | Fraction, ...] | None] = field(default_factory=list, repr=False, compare=False)

    @property
    def start(self) -> tuple[int | Fraction, ...] | None:
        """Per axis, where the field starts in input pixels (negative: in the padding); ``None`` when a layer on
        the way mixes every cell. Computed on first use."""
        if not self._start:
            self._start.append(None if self.mixing_layers else _start(self._deps, self.layer, self.output_index))
        return self._start[0]

    @property
    def masks(self) -> tuple[Mask, ...]:
        """Per entry, the cells of its output map the chosen cell depends on."""
        if not self._masks:
            out = []
            for region, shape in zip(self._regions, (d.out_shape for d in self._deps)):
                m = np.zeros(shape, dtype=bool) if region is None or region.empty() else region.mask()
                m.setflags(write=False)
                out.append(m)
            self._masks.append(tuple(out))
        return self._masks[0]

    @property
    def pixels(self) -> int:
        """How many input cells the chosen cell depends on."""
        return int(self.mask.sum())

    @property
    def mixes_every_cell(self) -> bool:
        return bool(self.mixing_layers)

    @property
    def total_padding_reads(self) -> int:
        return sum(self.padding_reads)

    def __str__(self) -> str:
        extent = _extent(self.mask)
        return receptive_field_sentence(
            self.output_index,
            self.layer_name,
            pixels=self.pixels,
            extent=extent,
            field=self.size,
            padding_reads=self.total_padding_reads,
            mixing=self.mixing_layers,
        )


def _extent(mask: Mask) -> tuple[int, ...]:
    """The bounding box of the True cells, per axis."""
    out = []
    for a in range(mask.ndim):
        hit = np.flatnonzero(mask.any(axis=tuple(b for b in range(mask.ndim) if b != a)))
        out.append(int(hit[-1] - hit[0] + 1) if hit.size else 0)
    return tuple(out)


# --- the query --------------------------------------------------------------------------------------------


def _check_index(value: Any, shape: tuple[int, ...], name: str) -> tuple[int, ...]:
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and len(shape) == 1:
        value = (value,)
    valid = ", ".join(f"0..{n - 1}" for n in shape)
    if (
        not isinstance(value, (tuple, list))
        or len(value) != len(shape)
        or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) for v in value)
    ):
        raise ValueError(
            f"`output_index` must be a tuple of {len(shape)} integers, one per spatial axis of {name}'s output "
            f"({valid}), e.g. output_index={tuple(n // 2 for n in shape)}. Received: output_index={short_repr(value)}"
        )
    idx = tuple(int(v) for v in value)
    if any(not 0 <= i < n for i, n in zip(idx, shape)):
        raise ValueError(
            f"`output_index` is outside {name}'s output: each index must lie in {valid} (the output is "
            f"{'×'.join(map(str, shape))}). Received: output_index={idx}"
        )
    return idx


def _check_layer(layer: Any, n: int) -> int:
    if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)):
        raise ValueError(
            f"`layer` must be an integer layer index from {-n} to {n - 1}. Received: layer={short_repr(layer)}"
        )
    j = int(layer) + n if layer < 0 else int(layer)
    if not 0 <= j < n:
        raise ValueError(
            f"`layer` must be a layer index from {-n} to {n - 1} (the stack has {n} layers). Received: layer={layer}"
        )
    return j


Pos = int | Fraction


def _start(deps: tuple[LayerDependency, ...], layer: int, index: tuple[int, ...]) -> tuple[Pos, ...] | None:
    """Per axis, where the field of ``index`` starts in input pixels: composed ``offset + o·step`` per layer.

    Through a merge, the smallest start of its sources (a spatial concatenation's source counts only for the cells
    it holds). Walked without recursion: the positions each entry is asked at, backwards, then their starts, forwards.
    """
    out = []
    for axis, o in enumerate(index):
        asked: dict[int, set[Pos]] = {layer: {o}}
        edges: dict[tuple[int, Pos], list[tuple[int, Pos]]] = {}
        for e in range(layer, -1, -1):
            d = deps[e]
            for x in asked.get(e, ()):
                links: list[tuple[int, Pos]] = []
                for src, axes in zip(d.sources, d.source_axes):
                    if axes is None:
                        return None
                    ax = axes[axis]
                    cell = x if isinstance(x, int) else -1
                    if ax.step == 0 or (d.kind == "merge" and 0 <= cell < ax.out_size and ax._walk.first[cell] < 0):
                        continue  # a broadcast axis, or a spatial concatenation's source that does not hold this cell
                    pos: Pos = ax.offset + x * ax.step
                    if ax.snap:  # upsampling: the first cell read (nearest: floor(o / u); bilinear: the lower one)
                        pos = min(max(math.floor(pos), 0), ax.in_size - 1)
                    elif isinstance(pos, Fraction) and pos.denominator == 1:
                        pos = int(pos)
                    links.append((src, pos))
                    if src != MODEL_INPUT:
                        asked.setdefault(src, set()).add(pos)
                edges[(e, x)] = links
        value: dict[tuple[int, Pos], Pos | None] = {}
        for e in range(layer + 1):
            for x in asked.get(e, ()):
                got = [p if src == MODEL_INPUT else value[(src, p)] for src, p in edges[(e, x)]]
                value[(e, x)] = None if not got or any(g is None for g in got) else min(got)  # type: ignore[type-var]
        start = value[(layer, o)]
        if start is None:
            return None
        out.append(int(start) if isinstance(start, Fraction) and start.denominator == 1 else start)
    return tuple(out)


def receptive_field(stack: Any, output_index: Any, layer: int = -1) -> ReceptiveField:
    """The cells of the stack input (and of every map) that output ``output_index`` of ``layer`` depends on.

    Parameters
    ----------
    stack : LayerStack
        A valid stack with known spatial sizes.
    output_index : tuple of int
        One index per spatial axis of the layer's output (an int for 1-D).
    layer : int, default -1
        Entry index (negative counts from the end).

    Returns
    -------
    ReceptiveField

    Examples
    --------
    >>> from convkit.core.layers import Conv2D
    >>> from convkit.core.stack import LayerStack
    >>> s = LayerStack((None, 8, 8, 1), [Conv2D(1, 3, padding="same"), Conv2D(1, 3, strides=2, padding="same")])
    >>> rf = receptive_field(s, (0, 0))
    >>> rf.mask[:5, :5].astype(int)
    array([[1, 1, 1, 1, 0],
           [1, 1, 1, 1, 0],
           [1, 1, 1, 1, 0],
           [1, 1, 1, 1, 0],
           [0, 0, 0, 0, 0]])
    >>> rf.padding_reads, rf.start
    ((17, 0), (-1, -1))
    """
    deps = cached_dependencies(stack)
    t = stack.trace if hasattr(stack, "trace") else stack
    if not deps:
        raise ValueError("The stack has no layers, so no output to follow. Add a layer first. Received: layer=-1")
    j = _check_layer(layer, len(deps))
    chosen = deps[j]
    index = _check_index(output_index, chosen.out_shape, chosen.name)
    input_shape = _input_shape(deps)
    regions: list[_Region | None] = [None] * len(deps)
    input_region = _Region(input_shape)
    first = _Region(chosen.out_shape)
    first.add_box(tuple((i, i) for i in index))
    regions[j] = first
    padding = [0] * len(deps)
    mixing: list[str] = []
    for e in range(j, -1, -1):
        region = regions[e]
        if region is None or region.empty():
            continue
        d = deps[e]
        padding[e] = _padding_reads(region, d.axes)
        if d.axes is None and d.name not in mixing:
            mixing.append(d.name)
        for src, axes, src_shape in zip(d.sources, d.source_axes, d.in_shapes):
            target = input_region if src == MODEL_INPUT else regions[src]
            if target is None:
                target = regions[src] = _Region(src_shape)
            if axes is None:
                if all(src_shape):
                    target.add_box(tuple((0, n - 1) for n in src_shape))
            elif region.dense is not None:
                target.add_dense(_dense_back(region.dense, axes))
            else:
                for box in region.boxes:
                    back = [_back(ax, c) for ax, c in zip(axes, box)]
                    if all(c is not None for c in back):
                        target.add_box(tuple(back))  # type: ignore[arg-type]
    mask = np.zeros(input_shape, dtype=bool) if input_region.empty() else input_region.mask()
    mask.setflags(write=False)
    entry = t.entries[j]
    size = entry.receptive_field
    return ReceptiveField(
        layer=j,
        layer_name=chosen.name,
        output_index=index,
        input_shape=input_shape,
        mask=mask,
        padding_reads=tuple(padding),
        size=size,
        jump=entry.jump,
        mixing_layers=tuple(reversed(mixing)),
        _regions=tuple(regions),
        _deps=deps,
    )


def _input_shape(deps: tuple[LayerDependency, ...]) -> tuple[int, ...]:
    for d in deps:
        for src, shape in zip(d.sources, d.in_shapes):
            if src == MODEL_INPUT:
                return shape
    return ()
