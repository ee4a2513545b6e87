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
Box = tuple[Mask, ...]

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


class _Region:
    """The cells of one map a chosen output depends on: boxes (per-axis vectors) or one dense array."""

    __slots__ = ("shape", "boxes", "dense")

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape
        self.boxes: list[Box] = []
        self.dense: Mask | None = None

    def add_box(self, box: Box) -> None:
        if self.dense is not None:
            self.dense |= _outer(box)
            return
        if any(_inside(box, other) for other in self.boxes):
            return  # inside a box already there
        self.boxes = [other for other in self.boxes if not _inside(other, box)]
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
                dense |= _outer(box)
            self.dense, self.boxes = dense, []
        return self.dense

    def mask(self) -> Mask:
        if len(self.boxes) == 1 and self.dense is None:
            return _outer(self.boxes[0])
        dense: Mask = self.to_dense()
        return np.array(dense, dtype=bool)

    def empty(self) -> bool:
        return self.dense is None and not self.boxes


def _inside(small: Box, big: Box) -> bool:
    return all(not (s & ~b).any() for s, b in zip(small, big))


def _outer(box: Box) -> Mask:
    if not box:
        return np.ones((), dtype=bool)
    out = box[0]
    for vec in box[1:]:
        out = np.logical_and.outer(out, vec)
    return np.asarray(out, dtype=bool)


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
    if axes is None or region.empty() or not any(ax.pad_reads.any() for ax in axes):
        return 0
    taps = math.prod(ax.taps for ax in axes)
    if len(region.boxes) == 1:
        box = region.boxes[0]
        cells = math.prod(int(v.sum()) for v in box)
        inside = math.prod(int(ax.inside_reads[v].sum()) for ax, v in zip(axes, box))
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
    start: tuple[int | Fraction, ...] | None
    mixing_layers: tuple[str, ...]
    _regions: tuple[_Region | None, ...] = field(repr=False, compare=False)
    _shapes: tuple[tuple[int, ...], ...] = field(repr=False, compare=False)
    _masks: list[tuple[Mask, ...]] = field(default_factory=list, repr=False, compare=False)

    @property
    def masks(self) -> tuple[Mask, ...]:
        """Per entry, the cells of its output map the chosen cell depends on."""
        if not self._masks:
            out = []
            for region, shape in zip(self._regions, self._shapes):
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


def _start(deps: tuple[LayerDependency, ...], layer: int, index: tuple[int, ...]) -> tuple[int | Fraction, ...] | None:
    """Per axis, where the field of ``index`` starts in input pixels: composed ``offset + o·step`` per layer."""
    memo: dict[tuple[int, int, Fraction], Fraction | None] = {}

    def at(entry: int, axis: int, x: Fraction) -> Fraction | None:
        if entry == MODEL_INPUT:
            return x
        key = (entry, axis, x)
        if key not in memo:
            d = deps[entry]
            found: list[Fraction] = []
            for src, axes in zip(d.sources, d.source_axes):
                if axes is None:
                    memo[key] = None
                    return None
                ax = axes[axis]
                o = int(x) if x.denominator == 1 else -1
                if ax.step == 0 or (d.kind == "merge" and 0 <= o < ax.out_size and ax.indptr[o] == ax.indptr[o + 1]):
                    continue  # a broadcast axis, or a spatial concatenation's source that does not hold this cell
                pos = ax.offset + x * ax.step
                if ax.snap:  # upsampling: the first cell read (nearest: floor(o / u); bilinear: the lower one)
                    pos = Fraction(min(max(math.floor(pos), 0), ax.in_size - 1))
                got = at(src, axis, pos)
                if got is None:
                    memo[key] = None
                    return None
                found.append(got)
            memo[key] = min(found) if found else None
        return memo[key]

    out = []
    for a, o in enumerate(index):
        s = at(layer, a, Fraction(o))
        if s is None:
            return None
        out.append(int(s) if s.denominator == 1 else s)
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
    first.add_box(tuple(_onehot(n, i) for n, i in zip(chosen.out_shape, index)))
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
                target.add_box(tuple(np.ones(n, dtype=bool) for n in src_shape))
            elif region.dense is not None:
                target.add_dense(_dense_back(region.dense, axes))
            else:
                for box in region.boxes:
                    target.add_box(tuple(ax.inputs_of(v) for ax, v in zip(axes, box)))
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
        start=None if mixing else _start(deps, j, index),
        mixing_layers=tuple(reversed(mixing)),
        _regions=tuple(regions),
        _shapes=tuple(d.out_shape for d in deps),
    )


def _onehot(n: int, i: int) -> Mask:
    v = np.zeros(n, dtype=bool)
    v[i] = True
    return v


def _input_shape(deps: tuple[LayerDependency, ...]) -> tuple[int, ...]:
    for d in deps:
        for src, shape in zip(d.sources, d.in_shapes):
            if src == MODEL_INPUT:
                return shape
    return ()
