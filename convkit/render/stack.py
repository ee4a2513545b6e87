"""The layer-stack diagram: every tensor of a :class:`~convkit.stack.LayerStack` as a pseudo-3-D box.

Each tensor (the input and every layer's output) is a box whose front face follows its spatial size (width ×
height, log-scaled so 128 and 4 both stay visible) and whose oblique depth follows its channels; under it stand
the name of the layer that made it and its shape. Arrows between boxes carry the layer (``Conv2D 3×3 /2 valid``);
the first invalid layer is drawn in the error colour with its reason, and the tensors after it are dashed "not
computed". Skip connections and other branches are separate connectors in the accent colour, each on its own
route and labelled ``skip: conv2d_1 (32×32×32)``. Encoder–decoder models (U-Nets) get one row per resolution,
indented by depth, so the way down and the way back up read as such. Sizes are in inches at the natural scale, so
text is measured before anything is placed and never overlaps (see :mod:`.stack_layout`, :mod:`.stack_routes`).

>>> import convkit
>>> from convkit.render.stack import draw_stack_figure
>>> stack = convkit.LayerStack((3, 28, 28, 3), [convkit.layers.Conv2D(32, 3, strides=2)])
>>> fig = draw_stack_figure(stack)
>>> [t.get_text() for t in fig.convkit_artists.shape_labels]
['(3, 28, 28, 3)', '(3, 13, 13, 32)']
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matplotlib import colors as mcolors
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Polygon
from matplotlib.path import Path as MplPath
from matplotlib.text import Text

from .stack_display import THEMES, StackFigure, alt_text
from .stack_layout import FONT_SIZE, Layout, Node, Plan, box_left, measure, plan, right_edge
from .stack_routes import SKIP_FONT_SIZE, Route, inset
from .style import Palette, palette

__all__ = [
    "TensorArtists",
    "LayerArtists",
    "BranchArtists",
    "StackArtists",
    "draw_stack",
    "draw_stack_figure",
    "save_stack",
]


@dataclass(frozen=True, slots=True)
class TensorArtists:
    """One tensor's box. ``node`` 0 is the stack's input, ``node`` i + 1 the output of layer i.

    ``state`` is ``"ok"``, ``"error"`` (the layer producing it failed) or ``"not_computed"``.
    ``size`` is the front face ``(width, height)`` and ``depth`` the oblique channel depth, in data units.
    ``name`` is the producing layer's name (``input`` for the stack's input), ``label`` the shape.
    """

    node: int
    shape: tuple[int | None, ...] | None
    state: str
    size: tuple[float, float]
    depth: float
    faces: tuple[Polygon, ...]
    label: Text
    reason: Text | None
    name: Text


@dataclass(frozen=True, slots=True)
class BranchArtists:
    """A skip connection (into a merge layer) or another branch: its own line, label and junction dot."""

    source: int
    target: int
    into_merge: bool
    line: FancyArrowPatch
    label: Text
    junction: Line2D


@dataclass(frozen=True, slots=True)
class LayerArtists:
    """One layer's arrow (into its output tensor), its label, and the branch lines coming into it."""

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
    skips: tuple[BranchArtists, ...] = ()

    @property
    def shape_labels(self) -> tuple[Text, ...]:
        return tuple(t.label for t in self.tensors)

    @property
    def name_labels(self) -> tuple[Text, ...]:
        return tuple(t.name for t in self.tensors)

    @property
    def texts(self) -> tuple[Text, ...]:
        reasons = tuple(t.reason for t in self.tensors if t.reason is not None)
        return (
            self.shape_labels
            + self.name_labels
            + tuple(lay.label for lay in self.layers)
            + reasons
            + tuple(s.label for s in self.skips)
        )


# ------------------------------------------------------------------------------------------------ drawing


def _face_colour(pal: Palette, node: Node) -> str:
    if node.state == "error":
        return pal.error
    if node.state == "not_computed":
        return pal.background
    return {
        "input": pal.tap,
        "conv": pal.output_done,
        "depthwise": pal.output_done,
        "separable": pal.output_done,
        "transpose": pal.output_current,
        "pool": pal.window,
        "global_pool": pal.window,
        "dense": pal.padding_cell,
        "reshape": pal.input_cell,
    }.get(node.kind, pal.input_cell)


def _shade(colour: str, towards: str, amount: float) -> tuple[float, float, float]:
    a, b = mcolors.to_rgb(colour), mcolors.to_rgb(towards)
    return tuple(x + (y - x) * amount for x, y in zip(a, b))  # type: ignore[return-value]


def _box(ax: Axes, node: Node, x: float, yc: float, pal: Palette, scale: float) -> tuple[Polygon, ...]:
    w, h, dx, dy = node.width, node.height, node.dx, node.dy
    y0, y1 = yc - h / 2, yc + h / 2
    face = _face_colour(pal, node)
    dashed = node.state != "ok"
    edge = pal.error if node.state == "error" else (pal.grid_line if dashed else pal.text)
    style = {"edgecolor": edge, "linewidth": 0.9 * scale, "linestyle": "--" if dashed else "-", "joinstyle": "round"}
    alpha = 0.35 if node.state == "error" else 1.0
    faces = [Polygon([(x, y0), (x + w, y0), (x + w, y1), (x, y1)], closed=True, facecolor=face, alpha=alpha, **style)]
    if dx > 0:
        lighter = 0.35 if mcolors.to_rgb(pal.background)[0] > 0.5 else 0.15
        faces.append(
            Polygon(
                [(x, y1), (x + w, y1), (x + w + dx, y1 + dy), (x + dx, y1 + dy)],
                closed=True,
                facecolor=_shade(face, "#FFFFFF", lighter),
                alpha=alpha,
                **style,
            )
        )
        faces.append(
            Polygon(
                [(x + w, y0), (x + w + dx, y0 + dy), (x + w + dx, y1 + dy), (x + w, y1)],
                closed=True,
                facecolor=_shade(face, "#000000", 0.18),
                alpha=alpha,
                **style,
            )
        )
    for f in faces:
        ax.add_patch(f)
    return tuple(faces)


def _arrow(
    ax: Axes,
    points: list[tuple[float, float]],
    colour: str,
    scale: float,
    *,
    head: bool = True,
    dashed: bool = False,
    width: float = 1.1,
) -> FancyArrowPatch:
    path = MplPath(points, [MplPath.MOVETO] + [MplPath.LINETO] * (len(points) - 1))
    patch = FancyArrowPatch(
        path=path,
        arrowstyle="-|>" if head else "-",
        mutation_scale=10 * scale,
        color=colour,
        linewidth=width * scale,
        linestyle="--" if dashed else "-",
        shrinkA=0,
        shrinkB=0,
        joinstyle="miter",
    )
    ax.add_patch(patch)
    return patch


def draw_stack(ax: Axes, stack: Any, *, theme: str = "light", log_scale: bool = True) -> StackArtists:
    """Draw ``stack`` into ``ax`` (axis turned off, equal aspect) and return the artists.

    Text is sized to the axes: the layout is made at the natural scale (one data unit = one inch) and the fonts
    shrink with the axes when it is smaller than the natural size, so labels keep their places.

    Examples
    --------
    >>> import convkit
    >>> from matplotlib.figure import Figure
    >>> stack = convkit.LayerStack((None, 28, 28, 1), [convkit.layers.Conv2D(8, 3, name="conv_a")])
    >>> ax = Figure(figsize=(6, 3)).add_subplot()
    >>> artists = draw_stack(ax, stack, theme="dark")
    >>> artists.layers[0].label.get_text(), artists.tensors[1].name.get_text()
    ('Conv2D 3×3 valid\\n8 filters', 'conv_a')
    """
    return _draw(ax, stack, plan(stack, log_scale), theme)


def _draw(ax: Axes, stack: Any, layout_plan: Plan, theme: str) -> StackArtists:
    pal = palette(theme)
    lay = layout_plan.layout
    fig = ax.figure
    bbox = ax.get_position()
    fig_w, fig_h = fig.get_size_inches()  # type: ignore[union-attr]  # a stack diagram's axes are in a Figure
    scale = min(1.0, bbox.width * fig_w / lay.width, bbox.height * fig_h / lay.height)
    ax.set_xlim(0, lay.width)
    ax.set_ylim(-lay.height, 0)
    ax.set_aspect("equal", adjustable="datalim" if scale == 1.0 else "box", anchor="NW")
    ax.set_axis_off()
    ax.set_facecolor(pal.background)
    fig.set_facecolor(pal.background)
    tensors = tuple(_draw_tensor(ax, layout_plan, i, pal, scale) for i in range(len(layout_plan.nodes)))
    skips = tuple(_draw_branch(ax, layout_plan, route, pal, scale) for route in layout_plan.routes)
    drawn = [_draw_layer(ax, layout_plan, e, skips, pal, scale) for e in stack.trace.entries]
    layers = tuple(d[0] for d in drawn)
    return StackArtists(tensors, layers, tuple(d[1] for d in drawn if d[1] is not None), skips)


def _state_colour(pal: Palette, node: Node) -> str:
    return {"error": pal.error, "not_computed": pal.grid_line}.get(node.state, pal.text)


def _text(ax: Axes, x: float, y: float, text: str, colour: str, size: float, **kw: Any) -> Text:
    return ax.text(x, y, text, color=colour, fontsize=size, parse_math=False, linespacing=1.15, **kw)


def _draw_tensor(ax: Axes, layout_plan: Plan, i: int, pal: Palette, scale: float) -> TensorArtists:
    lay, node = layout_plan.layout, layout_plan.nodes[i]
    cx, cw = lay.cols[i]
    yc = lay.row_y[lay.row_of[i]]
    faces = _box(ax, node, box_left(lay, layout_plan.nodes, i), yc, pal, scale)
    colour = _state_colour(pal, node)
    ty = yc - node.height / 2 - 0.08
    name = _text(ax, cx + cw / 2, ty, node.name, colour, FONT_SIZE * scale, ha="center", va="top", fontweight="bold")
    ty -= measure(node.name, FONT_SIZE, "bold")[1]
    label = _text(ax, cx + cw / 2, ty, node.label, colour, FONT_SIZE * scale, ha="center", va="top")
    reason = None
    if node.reason:
        ry = ty - measure(node.label, FONT_SIZE)[1] - 0.05
        reason = _text(ax, cx + cw / 2, ry, node.reason, pal.error, FONT_SIZE * 0.9 * scale, ha="center", va="top")
    return TensorArtists(i, node.shape, node.state, (node.width, node.height), node.depth, faces, label, reason, name)


def _draw_branch(ax: Axes, layout_plan: Plan, route: Route, pal: Palette, scale: float) -> BranchArtists:
    """A branch's own line in the accent colour, its label on a clear stretch of lane, a dot where it joins."""
    b = route.branch
    colour = pal.window
    line = _arrow(ax, route.points, colour, scale, head=False, width=1.3)
    x, y = route.label_xy
    label = _text(
        ax,
        x,
        y,
        b.label,
        colour,
        SKIP_FONT_SIZE * scale,
        ha="center",
        va="bottom",
        bbox={"facecolor": pal.background, "edgecolor": "none", "pad": 0.6 * scale},
    )
    end_x, end_y = route.points[-1]
    (junction,) = ax.plot([end_x], [end_y], marker="o", markersize=4.5 * scale, color=colour, linestyle="none")
    return BranchArtists(b.source, b.target, b.into_merge, line, label, junction)


def _draw_layer(
    ax: Axes, layout_plan: Plan, entry: Any, skips: tuple[BranchArtists, ...], pal: Palette, scale: float
) -> tuple[LayerArtists, FancyArrowPatch | None]:
    """Layer ``entry``'s arrow and label, and the line from its previous tensor (when it reads it)."""
    lay, nodes = layout_plan.layout, layout_plan.nodes
    t = entry.index + 1
    sources = layout_plan.sources[entry.index]
    gx, gw = lay.gaps[t]
    yc = lay.row_y[lay.row_of[t]]
    target_x = box_left(lay, nodes, t)
    colour = _state_colour(pal, nodes[t])
    dashed = nodes[t].state == "not_computed"
    arrow = _arrow(ax, [(gx, yc), (target_x - 0.03, yc)], colour, scale, dashed=dashed)
    room = inset(sum(1 for s in skips if s.target == t))
    label = _text(
        ax,
        gx + room + (gw - room) / 2,
        yc + 0.07,
        layout_plan.labels[entry.index],
        colour,
        FONT_SIZE * scale,
        ha="center",
        va="bottom",
    )
    link = _link_previous(ax, lay, nodes, t, colour, scale, dashed) if t - 1 in sources else None
    branches = tuple(s.line for s in skips if s.target == t)
    return LayerArtists(entry.index, arrow, label, branches), link


def _link_previous(
    ax: Axes, lay: Layout, nodes: list[Node], t: int, colour: str, scale: float, dashed: bool
) -> FancyArrowPatch:
    """The line from the previous tensor to the start of layer ``t``'s arrow (an elbow when the row wraps)."""
    s = t - 1
    rs, rt = lay.row_of[s], lay.row_of[t]
    gx = lay.gaps[t][0]
    x_src = right_edge(lay, nodes, s)
    if rs == rt:
        return _arrow(ax, [(x_src, lay.row_y[rs]), (gx, lay.row_y[rt])], colour, scale, head=False, dashed=dashed)
    y_mid = lay.row_bottom[rs] - 0.1
    xr = max(x_src + 0.15, sum(lay.cols[s]) + 0.05)  # clear of the name and shape labels under the box
    return _arrow(
        ax,
        [
            (x_src, lay.row_y[rs]),
            (xr, lay.row_y[rs]),
            (xr, y_mid),
            (gx - 0.2, y_mid),
            (gx - 0.2, lay.row_y[rt]),
            (gx, lay.row_y[rt]),
        ],
        colour,
        scale,
        head=False,
        dashed=dashed,
    )


def draw_stack_figure(
    stack: Any,
    *,
    theme: str = "auto",
    figsize: tuple[float, float] | None = None,
    dpi: float = 100,
    log_scale: bool = True,
) -> StackFigure:
    """A new figure (no pyplot) holding :func:`draw_stack`'s diagram; the artists are on ``fig.convkit_artists``.

    The figure is sized to the diagram unless ``figsize`` is given. ``theme="light"`` or ``"dark"`` draws that
    theme (for files and slides). ``theme="auto"`` (the default) draws the light theme, and when the figure is
    displayed in a notebook it carries both: JupyterLab shows the one matching its theme, and renderers without
    Lab's CSS (nbconvert, GitHub) show the light one (see :mod:`.stack_display`).

    >>> import convkit
    >>> fig = draw_stack_figure(convkit.LayerStack((1, 8, 8, 1), [convkit.layers.Conv2D(4, 9)]))
    >>> [t.state for t in fig.convkit_artists.tensors], fig.convkit_theme
    (['ok', 'error'], 'auto')
    """
    if theme not in THEMES:
        raise ValueError(f'`theme` must be "light", "dark" or "auto". Received: theme={theme!r}')
    layout_plan = plan(stack, log_scale)
    if figsize is None:
        figsize = (layout_plan.layout.width, layout_plan.layout.height)
    fig = StackFigure(figsize=figsize, dpi=dpi)
    ax = fig.add_axes((0, 0, 1, 1))
    fig.convkit_artists = _draw(ax, stack, layout_plan, "light" if theme == "auto" else theme)
    fig.convkit_theme = theme
    fig.convkit_alt = alt_text(layout_plan)
    fig.convkit_redraw = functools.partial(draw_stack_figure, stack, figsize=figsize, dpi=dpi, log_scale=log_scale)
    return fig


def save_stack(stack: Any, path: str | Path, *, theme: str = "light", dpi: float = 150) -> Path:
    """Write the diagram to ``path``; the format follows the extension (``.png`` or ``.svg``). Returns the path.

    >>> import convkit, tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "stack.svg"
    >>> save_stack(convkit.LayerStack((1, 8, 8, 1), [convkit.layers.Conv2D(4, 3)]), out).exists()
    True
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".png", ".svg"):
        raise ValueError(f'`path` must end in ".png" or ".svg". Received: path={str(path)!r}')
    if theme not in ("light", "dark"):
        raise ValueError(f'`theme` must be "light" or "dark" for a file. Received: theme={theme!r}')
    fig = draw_stack_figure(stack, theme=theme, dpi=dpi)
    fig.savefig(path, format=suffix[1:], facecolor=fig.get_facecolor())
    return path
