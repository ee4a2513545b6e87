"""Geometry and layout of the layer-stack diagram, in inches at the natural scale (no drawing here).

Every tensor becomes a :class:`Node` (box size from its shape, log-scaled by default); :func:`plan` measures every
label with matplotlib's text metrics before placing anything, puts columns and arrow gaps left to right, wraps
them into balanced rows no wider than :data:`MAX_ROW_WIDTH`, and reserves lanes above the rows for branches.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath

from .stack_labels import error_reason, layer_label, shape_text, source_nodes, tensor_dims

__all__ = ["FONT_SIZE", "MAX_ROW_WIDTH", "BRANCH_INSET", "Node", "Layout", "Plan", "plan", "measure", "right_edge"]

FONT_SIZE = 9.0          # points, at the natural scale (1 data unit = 1 inch)
MAX_ROW_WIDTH = 13.0     # inches before the layout wraps into another row
BRANCH_INSET = 0.3       # inches kept free at the start of a merge layer's arrow for the branch coming in
_MEASURE = TextToPath()


@functools.lru_cache(maxsize=4096)
def measure(text: str, size: float) -> tuple[float, float]:
    """Width and height (inches) of a possibly multi-line string at ``size`` points (cached: layouts re-measure)."""
    prop = FontProperties(size=size)
    lines = text.split("\n")
    width = max(_MEASURE.get_text_width_height_descent(line or " ", prop, ismath=False)[0] for line in lines)
    return width / 72.0, len(lines) * size * 1.25 / 72.0


def _scale(n: int | None, log_scale: bool, largest: int, *, base: float = 0.25, top: float = 2.4) -> float:
    """Box extent (inches) for a dimension of ``n`` cells; unknown sizes get a middle value."""
    if n is None:
        return (base + top) / 2
    if log_scale:
        return min(top, base + 0.2 * math.log2(max(n, 1)))
    return base + (top - base) * n / max(largest, 1)


def _depth(channels: int | None, log_scale: bool, largest: int) -> float:
    if channels is None:
        return 0.3
    if log_scale:
        return min(1.0, 0.06 + 0.08 * math.log2(max(channels, 1)))
    return 0.06 + 0.94 * channels / max(largest, 1)


@dataclass(frozen=True, slots=True)
class Node:
    """One tensor box: its shape (``None`` when not computed), state, producing layer kind and size in inches."""

    shape: tuple[int | None, ...] | None
    state: str
    kind: str
    width: float
    height: float
    depth: float
    label: str
    reason: str | None

    @property
    def dx(self) -> float:
        return 0.75 * self.depth

    @property
    def dy(self) -> float:
        return 0.55 * self.depth


def _nodes(stack: Any, log_scale: bool) -> list[Node]:
    entries = list(stack.trace.entries)
    shapes = [tuple(stack.input_shape)] + [e.output_shape for e in entries]
    formats = [_data_format(entries[0].layer) if entries else "channels_last"]
    formats += [_data_format(e.layer) or formats[-1] for e in entries]
    dims = [tensor_dims(s, f) if s is not None else None for s, f in zip(shapes, formats)]
    largest = max((n for d in dims if d for n in d[0] if n), default=1)
    largest_c = max((d[1] for d in dims if d and d[1]), default=1)
    nodes: list[Node] = []
    for i, (shape, dim) in enumerate(zip(shapes, dims)):
        entry = entries[i - 1] if i else None
        kind = "input" if entry is None else getattr(entry.layer, "window", "elementwise")
        if entry is not None and entry.output_shape is None:
            failed = entry.error is not None
            state = "error" if failed else "not_computed"
            label = "✗ cannot compute" if failed else "not computed"
            nodes.append(Node(None, state, kind, 0.55, 0.8, 0.25, label, error_reason(entry.error) or None))
            continue
        spatial, channels = dim if dim else ((), None)
        if len(spatial) >= 2:      # 2-D and 3-D maps: width × height front face (3-D depth is in the label)
            width = _scale(spatial[-1], log_scale, largest)
            height = _scale(spatial[-2], log_scale, largest)
            depth = _depth(channels, log_scale, largest_c)
        elif len(spatial) == 1:    # 1-D sequences: thin bars, channels as depth
            width, height = 0.14, _scale(spatial[0], log_scale, largest)
            depth = _depth(channels, log_scale, largest_c)
        else:                      # vectors: tall thin bars
            width, height, depth = 0.12, _scale(channels, log_scale, max(largest, largest_c)), 0.0
        nodes.append(Node(shape, "ok", kind, width, height, depth, shape_text(shape), None))
    return nodes


def _data_format(layer: Any) -> str | None:
    try:
        return layer.get_config().get("data_format")
    except (AttributeError, TypeError):
        return None


# ------------------------------------------------------------------------------------------------ layout


@dataclass(frozen=True, slots=True)
class Layout:
    """Where every column, arrow gap and row sits (inches; y grows upwards from 0 at the top edge)."""

    cols: list[tuple[float, float]]      # per node: (x_left, column width)
    gaps: list[tuple[float, float]]      # per node: (x_left, gap width) of the arrow into it (node 0: unused)
    row_of: list[int]
    row_y: list[float]                   # arrow line (box centre) per row
    row_top: list[float]                 # top of the box/label region per row (lanes go above)
    row_bottom: list[float]
    width: float
    height: float


def _rows(colw: list[float], gapw: list[float], x0: float, limit: float) -> list[list[int]]:
    """Fill rows left to right; a new row starts when the next gap + column would pass ``limit``."""
    rows, x = [[0]], x0 + colw[0]
    for i in range(1, len(colw)):
        if x + gapw[i] + colw[i] > limit:
            rows.append([])
            x = x0
        rows[-1].append(i)
        x += gapw[i] + colw[i]
    return rows


def _layout(nodes: list[Node], labels: list[str], merges: set[int], lanes_per_row: list[int] | None,
            fs: float) -> Layout:
    pad = 0.12
    colw = []
    for node in nodes:
        w = max(node.width + node.dx, measure(node.label, fs)[0])
        if node.reason:
            w = max(w, measure(node.reason, fs * 0.9)[0])
        colw.append(w + pad)
    gapw = [0.0] + [max(0.55, measure(lab, fs)[0] + 2 * pad) + (BRANCH_INSET if t in merges else 0.0)
                    for t, lab in enumerate(labels, start=1)]
    x0 = 0.35
    rows = _rows(colw, gapw, x0, MAX_ROW_WIDTH)
    if len(rows) > 1:  # balance the rows: the narrowest width that needs no more rows than the greedy fill
        total = sum(colw) + sum(gapw)
        limit = min(MAX_ROW_WIDTH, x0 + total / len(rows))
        while len(_rows(colw, gapw, x0, limit)) > len(rows):
            limit += 0.25
        rows = _rows(colw, gapw, x0, limit)
    cols: list[tuple[float, float]] = [(0.0, 0.0)] * len(nodes)
    gaps: list[tuple[float, float]] = [(0.0, 0.0)] * len(nodes)
    row_of = [0] * len(nodes)
    right = 0.0
    for r, row in enumerate(rows):
        x = x0
        for i in row:
            if i:
                gaps[i] = (x, gapw[i])
                x += gapw[i]
            cols[i] = (x, colw[i])
            x += colw[i]
            row_of[i] = r
        right = max(right, x)
    lanes = lanes_per_row or [0] * len(rows)
    row_y, row_top, row_bottom = [], [], []
    y = 0.0
    for r, row in enumerate(rows):
        above = max(max(nodes[i].height / 2 + nodes[i].dy for i in row),
                    max((measure(labels[i - 1], fs)[1] + 0.1 for i in row if i), default=0.0))
        below = max(nodes[i].height / 2 + 0.08 + measure(nodes[i].label, fs)[1]
                    + (measure(nodes[i].reason, fs * 0.9)[1] + 0.05 if nodes[i].reason else 0.0) for i in row)
        top = y - 0.25 - lanes[r] * 0.2
        yc = top - above - 0.05
        row_top.append(yc + above)
        row_y.append(yc)
        row_bottom.append(yc - below)
        y = yc - below - 0.2
    return Layout(cols, gaps, row_of, row_y, row_top, row_bottom, right + 0.5, -y + 0.1)


def _lanes(nodes: list[Node], sources: list[tuple[int, ...]], row_of: list[int]) -> tuple[list[int], dict]:
    """Assign each extra branch (source node -> target node) a lane above the rows it crosses."""
    count = [0] * (max(row_of) + 1)
    lanes: dict[tuple[int, int], tuple[int, int]] = {}
    for target, srcs in enumerate(sources, start=1):
        for s in srcs:
            if s == target - 1:
                continue
            r0, r1 = row_of[s], row_of[target]
            lanes[(s, target)] = (count[r0], count[r1] if r1 != r0 else count[r0])
            count[r0] += 1
            if r1 != r0:
                count[r1] += 1
    return count, lanes


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything the drawing needs: nodes, arrow labels, each layer's source nodes, merges, branch lanes, layout."""

    nodes: list[Node]
    labels: list[str]
    sources: list[tuple[int, ...]]
    merges: set[int]
    lanes: dict[tuple[int, int], tuple[int, int]]
    layout: Layout


def plan(stack: Any, log_scale: bool) -> Plan:
    nodes = _nodes(stack, log_scale)
    entries = list(stack.trace.entries)
    labels = [layer_label(e.layer) for e in entries]
    sources = [source_nodes(stack.trace, e) for e in entries]
    merges = {t for t, srcs in enumerate(sources, start=1) if any(s != t - 1 for s in srcs)}
    lay = _layout(nodes, labels, merges, None, FONT_SIZE)
    counts, lanes = _lanes(nodes, sources, lay.row_of)
    return Plan(nodes, labels, sources, merges, lanes, _layout(nodes, labels, merges, counts, FONT_SIZE))


def right_edge(lay: Layout, nodes: list[Node], i: int) -> float:
    cx, cw = lay.cols[i]
    return cx + (cw + nodes[i].width + nodes[i].dx) / 2
