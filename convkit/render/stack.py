"""The layer-stack diagram: every tensor of a :class:`~convkit.stack.LayerStack` as a pseudo-3-D box.

Each tensor (the input and every layer's output) is a box whose front face follows its spatial size (width ×
height, log-scaled so 128 and 4 both stay visible) and whose oblique depth follows its channels. Arrows between
boxes carry the layer (``Conv2D 3×3 /2 valid``); the first invalid layer is drawn in the error colour with its
reason, and the tensors after it are dashed "not computed". The layout runs left to right and wraps into rows;
sizes are in inches at the natural scale, so text is measured before anything is placed and never overlaps.

>>> import convkit
>>> from convkit.render.stack import draw_stack_figure
>>> stack = convkit.LayerStack((3, 28, 28, 3), [convkit.layers.Conv2D(32, 3, strides=2)])
>>> fig = draw_stack_figure(stack)
>>> [t.get_text() for t in fig.convkit_artists.shape_labels]
['(3, 28, 28, 3)', '(3, 13, 13, 32)']
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matplotlib import colors as mcolors
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import FancyArrowPatch, Polygon
from matplotlib.path import Path as MplPath
from matplotlib.text import Text
from matplotlib.textpath import TextToPath

from .stack_labels import error_reason, layer_label, shape_text, source_nodes, tensor_dims
from .style import Palette, palette

__all__ = ["TensorArtists", "LayerArtists", "StackArtists", "draw_stack", "draw_stack_figure", "save_stack"]

FONT_SIZE = 9.0          # points, at the natural scale (1 data unit = 1 inch)
MAX_ROW_WIDTH = 13.0     # inches before the layout wraps into another row
BRANCH_INSET = 0.3       # inches kept free at the start of a merge layer's arrow for the branch coming in
_MEASURE = TextToPath()


@dataclass(frozen=True, slots=True)
class TensorArtists:
    """One tensor's box. ``node`` 0 is the stack's input, ``node`` i + 1 the output of layer i.

    ``state`` is ``"ok"``, ``"error"`` (the layer producing it failed) or ``"not_computed"``.
    ``size`` is the front face ``(width, height)`` and ``depth`` the oblique channel depth, in data units.
    """

    node: int
    shape: tuple[int | None, ...] | None
    state: str
    size: tuple[float, float]
    depth: float
    faces: tuple[Polygon, ...]
    label: Text
    reason: Text | None


@dataclass(frozen=True, slots=True)
class LayerArtists:
    """One layer's arrow (into its output tensor), its label, and any extra branch paths into it."""

    index: int
    arrow: FancyArrowPatch
    label: Text
    branches: tuple[FancyArrowPatch, ...]


@dataclass(frozen=True, slots=True)
class StackArtists:
    """Everything :func:`draw_stack` drew, for tests and for restyling."""

    tensors: tuple[TensorArtists, ...]
    layers: tuple[LayerArtists, ...]
    connectors: tuple[FancyArrowPatch, ...]

    @property
    def shape_labels(self) -> tuple[Text, ...]:
        return tuple(t.label for t in self.tensors)

    @property
    def texts(self) -> tuple[Text, ...]:
        reasons = tuple(t.reason for t in self.tensors if t.reason is not None)
        return self.shape_labels + tuple(lay.label for lay in self.layers) + reasons


# ------------------------------------------------------------------------------------------------ geometry


def _measure(text: str, size: float) -> tuple[float, float]:
    """Width and height (inches) of a possibly multi-line string at ``size`` points."""
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
class _Node:
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


def _nodes(stack: Any, log_scale: bool) -> list[_Node]:
    entries = list(stack.trace.entries)
    shapes = [tuple(stack.input_shape)] + [e.output_shape for e in entries]
    formats = [_data_format(entries[0].layer) if entries else "channels_last"]
    formats += [_data_format(e.layer) or formats[-1] for e in entries]
    dims = [tensor_dims(s, f) if s is not None else None for s, f in zip(shapes, formats)]
    largest = max((n for d in dims if d for n in d[0] if n), default=1)
    largest_c = max((d[1] for d in dims if d and d[1]), default=1)
    nodes: list[_Node] = []
    for i, (shape, dim) in enumerate(zip(shapes, dims)):
        entry = entries[i - 1] if i else None
        kind = "input" if entry is None else getattr(entry.layer, "window", "elementwise")
        if entry is not None and entry.output_shape is None:
            failed = entry.error is not None
            state = "error" if failed else "not_computed"
            label = "✗ cannot compute" if failed else "not computed"
            nodes.append(_Node(None, state, kind, 0.55, 0.8, 0.25, label, error_reason(entry.error) or None))
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
        nodes.append(_Node(shape, "ok", kind, width, height, depth, shape_text(shape), None))
    return nodes


def _data_format(layer: Any) -> str | None:
    try:
        return layer.get_config().get("data_format")
    except (AttributeError, TypeError):
        return None


# ------------------------------------------------------------------------------------------------ layout


@dataclass(frozen=True, slots=True)
class _Layout:
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


def _layout(nodes: list[_Node], labels: list[str], merges: set[int], lanes_per_row: list[int] | None,
            fs: float) -> _Layout:
    pad = 0.12
    colw = []
    for node in nodes:
        w = max(node.width + node.dx, _measure(node.label, fs)[0])
        if node.reason:
            w = max(w, _measure(node.reason, fs * 0.9)[0])
        colw.append(w + pad)
    gapw = [0.0] + [max(0.55, _measure(lab, fs)[0] + 2 * pad) + (BRANCH_INSET if t in merges else 0.0)
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
                    max((_measure(labels[i - 1], fs)[1] + 0.1 for i in row if i), default=0.0))
        below = max(nodes[i].height / 2 + 0.08 + _measure(nodes[i].label, fs)[1]
                    + (_measure(nodes[i].reason, fs * 0.9)[1] + 0.05 if nodes[i].reason else 0.0) for i in row)
        top = y - 0.25 - lanes[r] * 0.2
        yc = top - above - 0.05
        row_top.append(yc + above)
        row_y.append(yc)
        row_bottom.append(yc - below)
        y = yc - below - 0.2
    return _Layout(cols, gaps, row_of, row_y, row_top, row_bottom, right + 0.5, -y + 0.1)


# ------------------------------------------------------------------------------------------------ drawing


def _face_colour(pal: Palette, node: _Node) -> str:
    if node.state == "error":
        return pal.error
    if node.state == "not_computed":
        return pal.background
    return {
        "input": pal.tap, "conv": pal.output_done, "depthwise": pal.output_done, "separable": pal.output_done,
        "transpose": pal.output_current, "pool": pal.window, "global_pool": pal.window,
        "dense": pal.padding_cell, "reshape": pal.input_cell,
    }.get(node.kind, pal.input_cell)


def _shade(colour: str, towards: str, amount: float) -> tuple[float, float, float]:
    a, b = mcolors.to_rgb(colour), mcolors.to_rgb(towards)
    return tuple(x + (y - x) * amount for x, y in zip(a, b))  # type: ignore[return-value]


def _box(ax: Axes, node: _Node, x: float, yc: float, pal: Palette, scale: float) -> tuple[Polygon, ...]:
    w, h, dx, dy = node.width, node.height, node.dx, node.dy
    y0, y1 = yc - h / 2, yc + h / 2
    face = _face_colour(pal, node)
    dashed = node.state != "ok"
    edge = pal.error if node.state == "error" else (pal.grid_line if dashed else pal.text)
    style = dict(edgecolor=edge, linewidth=0.9 * scale, linestyle="--" if dashed else "-", joinstyle="round")
    alpha = 0.35 if node.state == "error" else 1.0
    faces = [Polygon([(x, y0), (x + w, y0), (x + w, y1), (x, y1)], closed=True, facecolor=face, alpha=alpha,
                     **style)]
    if dx > 0:
        lighter = 0.35 if mcolors.to_rgb(pal.background)[0] > 0.5 else 0.15
        faces.append(Polygon([(x, y1), (x + w, y1), (x + w + dx, y1 + dy), (x + dx, y1 + dy)], closed=True,
                             facecolor=_shade(face, "#FFFFFF", lighter), alpha=alpha, **style))
        faces.append(Polygon([(x + w, y0), (x + w + dx, y0 + dy), (x + w + dx, y1 + dy), (x + w, y1)],
                             closed=True, facecolor=_shade(face, "#000000", 0.18), alpha=alpha, **style))
    for f in faces:
        ax.add_patch(f)
    return tuple(faces)


def _arrow(ax: Axes, points: list[tuple[float, float]], colour: str, scale: float, *, head: bool = True,
           dashed: bool = False) -> FancyArrowPatch:
    path = MplPath(points, [MplPath.MOVETO] + [MplPath.LINETO] * (len(points) - 1))
    patch = FancyArrowPatch(path=path, arrowstyle="-|>" if head else "-", mutation_scale=10 * scale,
                            color=colour, linewidth=1.1 * scale, linestyle="--" if dashed else "-",
                            shrinkA=0, shrinkB=0, joinstyle="miter")
    ax.add_patch(patch)
    return patch


def _lanes(nodes: list[_Node], sources: list[tuple[int, ...]], row_of: list[int]) -> tuple[list[int], dict]:
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
class _Plan:
    nodes: list[_Node]
    labels: list[str]
    sources: list[tuple[int, ...]]
    merges: set[int]
    lanes: dict[tuple[int, int], tuple[int, int]]
    layout: _Layout


def _plan(stack: Any, log_scale: bool) -> _Plan:
    nodes = _nodes(stack, log_scale)
    entries = list(stack.trace.entries)
    labels = [layer_label(e.layer) for e in entries]
    sources = [source_nodes(stack.trace, e) for e in entries]
    merges = {t for t, srcs in enumerate(sources, start=1) if any(s != t - 1 for s in srcs)}
    lay = _layout(nodes, labels, merges, None, FONT_SIZE)
    counts, lanes = _lanes(nodes, sources, lay.row_of)
    return _Plan(nodes, labels, sources, merges, lanes, _layout(nodes, labels, merges, counts, FONT_SIZE))


def draw_stack(ax: Axes, stack: Any, *, theme: str = "light", log_scale: bool = True) -> StackArtists:
    """Draw ``stack`` into ``ax`` (axis turned off, equal aspect) and return the artists.

    Text is sized to the axes: the layout is made at the natural scale (one data unit = one inch) and the fonts
    shrink with the axes when it is smaller than the natural size, so labels keep their places.

    Examples
    --------
    >>> import convkit
    >>> from matplotlib.figure import Figure
    >>> stack = convkit.LayerStack((None, 28, 28, 1), [convkit.layers.Conv2D(8, 3)])
    >>> ax = Figure(figsize=(6, 3)).add_subplot()
    >>> artists = draw_stack(ax, stack, theme="dark")
    >>> artists.layers[0].label.get_text()
    'Conv2D 3×3 valid\\n8 filters'
    """
    pal = palette(theme)
    plan = _plan(stack, log_scale)
    nodes, labels, sources, lay = plan.nodes, plan.labels, plan.sources, plan.layout
    entries = list(stack.trace.entries)
    fig = ax.figure
    bbox = ax.get_position()
    fs = FONT_SIZE
    fig_w, fig_h = fig.get_size_inches()
    scale = min(1.0, bbox.width * fig_w / lay.width, bbox.height * fig_h / lay.height)
    fs_draw = fs * scale
    ax.set_xlim(0, lay.width)
    ax.set_ylim(-lay.height, 0)
    ax.set_aspect("equal", adjustable="datalim" if scale == 1.0 else "box", anchor="NW")
    ax.set_axis_off()
    ax.set_facecolor(pal.background)
    text_kw = dict(parse_math=False, color=pal.text, fontsize=fs_draw)

    tensors: list[TensorArtists] = []
    for i, node in enumerate(nodes):
        cx, cw = lay.cols[i]
        yc = lay.row_y[lay.row_of[i]]
        x = cx + (cw - node.width - node.dx) / 2
        faces = _box(ax, node, x, yc, pal, scale)
        colour = pal.error if node.state == "error" else (pal.grid_line if node.state == "not_computed" else pal.text)
        ty = yc - node.height / 2 - 0.08
        label = ax.text(cx + cw / 2, ty, node.label, ha="center", va="top", **{**text_kw, "color": colour})
        reason = None
        if node.reason:
            ry = ty - _measure(node.label, fs)[1] - 0.05
            reason = ax.text(cx + cw / 2, ry, node.reason, ha="center", va="top", linespacing=1.15,
                             **{**text_kw, "color": pal.error, "fontsize": fs_draw * 0.9})
        tensors.append(TensorArtists(i, node.shape, node.state, (node.width, node.height), node.depth,
                                     faces, label, reason))

    layer_artists: list[LayerArtists] = []
    connectors: list[FancyArrowPatch] = []
    for j, entry in enumerate(entries):
        t = j + 1
        gx, gw = lay.gaps[t]
        yc = lay.row_y[lay.row_of[t]]
        target_x = lay.cols[t][0] + (lay.cols[t][1] - nodes[t].width - nodes[t].dx) / 2
        bad = nodes[t].state != "ok"
        colour = pal.error if nodes[t].state == "error" else (pal.grid_line if bad else pal.text)
        arrow = _arrow(ax, [(gx, yc), (target_x - 0.03, yc)], colour, scale,
                       dashed=nodes[t].state == "not_computed")
        inset = BRANCH_INSET if t in plan.merges else 0.0
        label = ax.text(gx + inset + (gw - inset) / 2, yc + 0.07, labels[j], ha="center", va="bottom",
                        linespacing=1.15, **{**text_kw, "color": colour})
        if t - 1 in sources[j]:
            connectors.append(_link_previous(ax, lay, nodes, t, colour, scale, nodes[t].state == "not_computed"))
        branches = tuple(_branch(ax, lay, nodes, s, t, plan.lanes[(s, t)], colour, scale)
                         for s in sources[j] if s != t - 1)
        if branches:
            ax.plot([gx + BRANCH_INSET / 2], [yc], marker="o", markersize=4.5 * scale, color=colour)
        layer_artists.append(LayerArtists(entry.index, arrow, label, branches))
    fig.set_facecolor(pal.background)
    return StackArtists(tuple(tensors), tuple(layer_artists), tuple(connectors))


def _right_edge(lay: _Layout, nodes: list[_Node], i: int) -> float:
    cx, cw = lay.cols[i]
    return cx + (cw + nodes[i].width + nodes[i].dx) / 2


def _link_previous(ax: Axes, lay: _Layout, nodes: list[_Node], t: int, colour: str, scale: float,
                   dashed: bool) -> FancyArrowPatch:
    """The line from the previous tensor to the start of layer ``t``'s arrow (an elbow when the row wraps)."""
    s = t - 1
    rs, rt = lay.row_of[s], lay.row_of[t]
    gx = lay.gaps[t][0]
    x_src = _right_edge(lay, nodes, s)
    if rs == rt:
        return _arrow(ax, [(x_src, lay.row_y[rs]), (gx, lay.row_y[rt])], colour, scale, head=False, dashed=dashed)
    y_mid = lay.row_bottom[rs] - 0.1
    xr = max(x_src + 0.15, sum(lay.cols[s]) + 0.05)   # clear of the shape label under the box
    return _arrow(ax, [(x_src, lay.row_y[rs]), (xr, lay.row_y[rs]), (xr, y_mid), (gx - 0.2, y_mid),
                       (gx - 0.2, lay.row_y[rt]), (gx, lay.row_y[rt])], colour, scale, head=False, dashed=dashed)


def _branch(ax: Axes, lay: _Layout, nodes: list[_Node], s: int, t: int, lanes: tuple[int, int], colour: str,
            scale: float) -> FancyArrowPatch:
    """A skip/branch path from the top of tensor ``s`` over the boxes into the start of layer ``t``'s arrow."""
    rs, rt = lay.row_of[s], lay.row_of[t]
    cx, cw = lay.cols[s]
    node = nodes[s]
    x_src = cx + (cw - node.width - node.dx) / 2 + node.dx + node.width / 2
    y_src = lay.row_y[rs] + node.height / 2 + node.dy
    lane_s = lay.row_top[rs] + 0.15 + lanes[0] * 0.2
    x_in = lay.gaps[t][0] + BRANCH_INSET / 2
    points = [(x_src, y_src), (x_src, lane_s)]
    if rs != rt:
        lane_t = lay.row_top[rt] + 0.15 + lanes[1] * 0.2
        xr = lay.width - 0.3 + 0.06 * lanes[0]
        points += [(xr, lane_s), (xr, lane_t), (x_in, lane_t)]
    else:
        points += [(x_in, lane_s)]
    points += [(x_in, lay.row_y[rt])]
    return _arrow(ax, points, colour, scale, head=False)


def draw_stack_figure(stack: Any, *, theme: str = "light", figsize: tuple[float, float] | None = None,
                      dpi: float = 100, log_scale: bool = True) -> Figure:
    """A new :class:`~matplotlib.figure.Figure` (no pyplot) holding :func:`draw_stack`'s diagram.

    The figure is sized to the diagram unless ``figsize`` is given; the artists are on ``fig.convkit_artists``.
    """
    if figsize is None:
        lay = _plan(stack, log_scale).layout
        figsize = (lay.width, lay.height)
    fig = Figure(figsize=figsize, dpi=dpi)
    ax = fig.add_axes((0, 0, 1, 1))
    fig.convkit_artists = draw_stack(ax, stack, theme=theme, log_scale=log_scale)  # type: ignore[attr-defined]
    return fig


def save_stack(stack: Any, path: str | Path, *, theme: str = "light", dpi: float = 150) -> Path:
    """Write the diagram to ``path``; the format follows the extension (``.png`` or ``.svg``)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".png", ".svg"):
        raise ValueError(f'`path` must end in ".png" or ".svg". Received: path={str(path)!r}')
    fig = draw_stack_figure(stack, theme=theme, dpi=dpi)
    fig.savefig(path, format=suffix[1:], facecolor=fig.get_facecolor())
    return path
