"""Geometry and layout of the layer-stack diagram, in inches at the natural scale (no drawing here).

Every tensor becomes a :class:`Node` (box size from its shape, log-scaled by default, with the name of the layer
that made it); :func:`plan` measures every label with matplotlib's text metrics before placing anything, puts
columns and arrow gaps left to right, and wraps them into rows:

* a plain stack (or a graph with short branches) fills balanced rows no wider than :data:`MAX_ROW_WIDTH`;
* an encoder–decoder (a branch that leaves a resolution, goes deeper and joins again at the same resolution, as
  in a U-Net) gets one row per stretch at one resolution, indented by how deep it is: the encoder steps right on
  the way down, the decoder steps back on the way up, and every skip connection keeps its own lane and channel.

Branch routes (lanes above the rows, channels beside them) are planned in :mod:`.stack_routes`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from . import stack_routes as R
from .stack_labels import error_reason, layer_label, measure, shape_text, source_nodes, tensor_dims, volume_text

__all__ = ["FONT_SIZE", "MAX_ROW_WIDTH", "Node", "Layout", "Plan", "plan", "measure", "right_edge", "box_left"]

FONT_SIZE = 9.0  # points, at the natural scale (1 data unit = 1 inch)
MAX_ROW_WIDTH = 13.0  # inches before the layout wraps into another row
LEFT_PAD = 0.35  # inches left of the first row (channels of skip connections add to it)
LEVEL_INDENT = 0.9  # inches an encoder–decoder row is indented per halving of the resolution
HEAD_WRAP = 1.5  # inches: a wider first line of an arrow label is split after the layer's class name
_PAD = 0.12


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
    """One tensor box: shape (``None`` when not computed), state, producing layer kind and name, size in inches.

    ``cells`` is the geometric mean of the spatial sizes (``None`` for vectors and unknown sizes); ``volume`` the
    size without the batch, e.g. ``32×32×16``.
    """

    shape: tuple[int | None, ...] | None
    state: str
    kind: str
    width: float
    height: float
    depth: float
    label: str
    reason: str | None
    name: str
    volume: str
    cells: float | None

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
    for i, (shape, dim, fmt) in enumerate(zip(shapes, dims, formats)):
        entry = entries[i - 1] if i else None
        kind = "input" if entry is None else getattr(entry.layer, "window", "elementwise")
        name = "input" if entry is None else entry.name
        if entry is not None and entry.output_shape is None:
            failed = entry.error is not None
            state = "error" if failed else "not_computed"
            label = "✗ cannot compute" if failed else "not computed"
            reason = error_reason(entry.error) or None
            nodes.append(Node(None, state, kind, 0.55, 0.8, 0.25, label, reason, name, "—", None))
            continue
        spatial, channels = dim if dim else ((), None)
        if len(spatial) >= 2:  # 2-D and 3-D maps: width × height front face (3-D depth is in the label)
            width = _scale(spatial[-1], log_scale, largest)
            height = _scale(spatial[-2], log_scale, largest)
            depth = _depth(channels, log_scale, largest_c)
        elif len(spatial) == 1:  # 1-D sequences: thin bars, channels as depth
            width, height = 0.14, _scale(spatial[0], log_scale, largest)
            depth = _depth(channels, log_scale, largest_c)
        else:  # vectors: tall thin bars
            width, height, depth = 0.12, _scale(channels, log_scale, max(largest, largest_c)), 0.0
        known = [d for d in spatial if d]
        cells = math.prod(known) ** (1 / len(known)) if known and len(known) == len(spatial) else None
        nodes.append(
            Node(shape, "ok", kind, width, height, depth, shape_text(shape), None, name, volume_text(shape, fmt), cells)
        )
    return nodes


def _data_format(layer: Any) -> str | None:
    try:
        data_format: str | None = layer.get_config().get("data_format")
        return data_format
    except (AttributeError, TypeError):
        return None


def levels(nodes: list[Node]) -> list[int]:
    """How many times each tensor's resolution was halved from the largest (vectors keep the level before)."""
    top = max((n.cells for n in nodes if n.cells), default=None)
    out: list[int] = []
    for n in nodes:
        out.append(max(0, round(math.log2(top / n.cells))) if n.cells and top else (out[-1] if out else 0))
    return out


# ------------------------------------------------------------------------------------------------ layout


@dataclass(frozen=True, slots=True)
class Layout:
    """Where every column, arrow gap and row sits (inches; y grows upwards from 0 at the top edge)."""

    cols: list[tuple[float, float]]  # per node: (x_left, column width)
    gaps: list[tuple[float, float]]  # per node: (x_left, gap width) of the arrow into it (node 0: unused)
    row_of: list[int]
    rows: list[list[int]]
    row_y: list[float]  # arrow line (box centre) per row
    row_top: list[float]  # top of the box/label region per row (lanes go above)
    row_bottom: list[float]
    row_start: list[float]  # x where each row's first gap (or column) begins
    row_end: list[float]
    width: float
    height: float


def _fill(indices: list[int], widths: list[float], start: float, limit: float) -> list[list[int]]:
    """Fill rows left to right from ``start``; a new row starts when the next gap + column would pass ``limit``."""
    rows: list[list[int]] = [[]]
    x = start
    for i in indices:
        if rows[-1] and x + widths[i] > limit:
            rows.append([])
            x = start
        rows[-1].append(i)
        x += widths[i]
    return rows


def _balanced(indices: list[int], widths: list[float], start: float, limit: float) -> list[list[int]]:
    """The narrowest rows that need no more rows than the greedy fill up to ``limit``."""
    rows = _fill(indices, widths, start, limit)
    if len(rows) > 1:
        even = min(limit, start + sum(widths[i] for i in indices) / len(rows))
        while len(_fill(indices, widths, start, even)) > len(rows):
            even += 0.25
        rows = _fill(indices, widths, start, even)
    return rows


def _stage_rows(depth: list[int], widths: list[float], gapw: list[float]) -> tuple[list[list[int]], list[float]]:
    """Encoder–decoder rows: one per run of tensors at the same level (wrapped if too wide), and their indents.

    The first box of every row sits :data:`LEVEL_INDENT` further right per level, whatever the width of the arrow
    label before it, so the way down and the way back up show as a "<".
    """
    runs: list[list[int]] = []
    for i, lvl in enumerate(depth):
        if runs and depth[runs[-1][0]] == lvl:
            runs[-1].append(i)
        else:
            runs.append([i])
    widest_gap = max(gapw[run[0]] for run in runs)
    rows: list[list[int]] = []
    indents: list[float] = []
    for run in runs:
        box_x = widest_gap + depth[run[0]] * LEVEL_INDENT
        for row in _fill(run, widths, LEFT_PAD + box_x - gapw[run[0]], MAX_ROW_WIDTH + 1.0):
            rows.append(row)
            indents.append(box_x - gapw[row[0]])
    return rows, indents


def _place(
    nodes: list[Node],
    colw: list[float],
    gapw: list[float],
    labels: list[str],
    rows: list[list[int]],
    indent: list[float],
    x0: float,
    lanes: list[int],
    right_extra: float,
    fs: float,
) -> Layout:
    cols: list[tuple[float, float]] = [(0.0, 0.0)] * len(nodes)
    gaps: list[tuple[float, float]] = [(0.0, 0.0)] * len(nodes)
    row_of = [0] * len(nodes)
    starts, ends = [], []
    for r, row in enumerate(rows):
        x = x0 + indent[r]
        starts.append(x)
        for i in row:
            if i:
                gaps[i] = (x, gapw[i])
                x += gapw[i]
            cols[i] = (x, colw[i])
            x += colw[i]
            row_of[i] = r
        ends.append(x)
    row_y, row_top, row_bottom = [], [], []
    y = 0.0
    for r, row in enumerate(rows):
        above = max(
            max(nodes[i].height / 2 + nodes[i].dy for i in row),
            max((measure(labels[i - 1], fs)[1] + 0.1 for i in row if i), default=0.0),
        )
        below = max(nodes[i].height / 2 + 0.08 + _below_height(nodes[i], fs) for i in row)
        top = y - 0.25 - (R.LANE_GAP + lanes[r] * R.LANE_PITCH if lanes[r] else 0.0)
        yc = top - above - 0.05
        row_top.append(yc + above)
        row_y.append(yc)
        row_bottom.append(yc - below)
        y = yc - below - 0.2
    width = max(ends, default=x0) + 0.5 + right_extra
    return Layout(cols, gaps, row_of, rows, row_y, row_top, row_bottom, starts, ends, width, -y + 0.1)


def _below_height(node: Node, fs: float) -> float:
    """Height of the name, shape and (for a failed layer) reason lines under a box."""
    height = measure(node.name, fs, "bold")[1] + measure(node.label, fs)[1]
    return height + (measure(node.reason, fs * 0.9)[1] + 0.05 if node.reason else 0.0)


def _arrow_label(layer: Any, fs: float) -> str:
    """The layer's arrow label, its first line split after the class name when wider than :data:`HEAD_WRAP`."""
    head, *rest = layer_label(layer).split("\n")
    if " " in head and measure(head, fs)[0] > HEAD_WRAP:
        head = head.replace(" ", "\n", 1)
    return "\n".join([head, *rest])


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything the drawing needs: nodes, arrow labels, each layer's source nodes, branches and their routes."""

    nodes: list[Node]
    labels: list[str]
    sources: list[tuple[int, ...]]
    branches: list[R.Branch]
    encoder_decoder: bool
    layout: Layout
    routes: list[R.Route]

    @property
    def merges(self) -> set[int]:
        return {b.target for b in self.branches}


def plan(stack: Any, log_scale: bool) -> Plan:
    """Measure, place and route the whole diagram of ``stack``."""
    fs = FONT_SIZE
    nodes = _nodes(stack, log_scale)
    entries = list(stack.trace.entries)
    labels = [_arrow_label(e.layer, fs) for e in entries]
    sources = [source_nodes(stack.trace, e) for e in entries]
    merge_kinds = [getattr(e.layer, "window", None) == "merge" for e in entries]
    branches = R.branches(nodes, sources, merge_kinds)
    incoming = R.incoming_counts(branches, len(nodes))
    colw = []
    for node in nodes:
        w = max(node.width + node.dx, measure(node.label, fs)[0], measure(node.name, fs, "bold")[0])
        if node.reason:
            w = max(w, measure(node.reason, fs * 0.9)[0])
        colw.append(w + _PAD)
    gapw = [0.0] + [
        max(0.55, measure(lab, fs)[0] + 2 * _PAD) + R.inset(incoming[t]) for t, lab in enumerate(labels, start=1)
    ]
    widths = [c + g for c, g in zip(colw, gapw)]
    depth = levels(nodes)
    encoder_decoder = R.is_encoder_decoder(branches, depth)
    if encoder_decoder:
        rows, indent = _stage_rows(depth, widths, gapw)
    else:
        rows = _balanced(list(range(len(nodes))), widths, LEFT_PAD, MAX_ROW_WIDTH)
        indent = [0.0] * len(rows)
    no_lanes = [0] * len(rows)
    rel = _place(nodes, colw, gapw, labels, rows, indent, 0.0, no_lanes, 0.0, fs)
    routing = R.plan_routes(branches, nodes, rel)
    x0 = LEFT_PAD + (max(0.0, 0.2 - LEFT_PAD - routing.leftmost) if routing.leftmost is not None else 0.0)
    right = max(0.0, routing.rightmost + 0.3 - (max(rel.row_end) + 0.5)) if routing.rightmost is not None else 0.0
    lay = _place(nodes, colw, gapw, labels, rows, indent, x0, routing.lane_counts, right, fs)
    routes = R.routes(routing.branches, nodes, lay, routing, x0)
    return Plan(nodes, labels, sources, routing.branches, encoder_decoder, lay, routes)


def box_left(lay: Layout, nodes: list[Node], i: int) -> float:
    """x of the front face's left edge of tensor ``i`` (boxes are centred in their columns)."""
    cx, cw = lay.cols[i]
    return cx + (cw - nodes[i].width - nodes[i].dx) / 2


def right_edge(lay: Layout, nodes: list[Node], i: int) -> float:
    cx, cw = lay.cols[i]
    return cx + (cw + nodes[i].width + nodes[i].dx) / 2
