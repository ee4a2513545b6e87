"""The matplotlib artists drawn over a traversal frame's grid images: hatching over the padding, the × of
never-read cells, cell borders, the window / current-cell outlines (with rings when they are tiny), and the
blit-mode extras that redraw borders and hatching the opaque window taps cover."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.patches import Rectangle

from ..core.traversal import Traversal
from ._traversal_grid import mix
from ._traversal_layout import (
    GRID_LINES_MIN_PX,
    MARKS_MIN_PX,
    TINY_PX,
    Geometry,
    is_padded,
)
from .style import Palette

__all__ = [
    "grid_segments",
    "make_blit_extras",
    "make_grid",
    "make_hatches",
    "make_marks",
    "make_window",
    "place_hatches",
    "place_marks",
]

_HATCH_BANDS = 5  # top, bottom, left, right, or one over a whole padding plane (3-D)


def _hatched(colors: Palette, **kw: Any) -> Rectangle:
    patch = Rectangle((0, 0), 0, 0, fill=False, lw=0, hatch="...", clip_on=False, **kw)
    color = mix(colors.padding_cell, colors.text, 0.4)
    if hasattr(patch, "set_hatchcolor"):  # matplotlib >= 3.10
        patch.set_hatchcolor(color)
    else:
        patch.set_edgecolor(color)
    return patch


def make_hatches(ax: Axes, t: Traversal, colors: Palette) -> list[Rectangle]:
    """Hatched bands over the padding, so padding never relies on colour alone."""
    if not is_padded(t):
        return []
    hatches = [_hatched(colors, zorder=2) for _ in range(_HATCH_BANDS)]
    for patch in hatches:
        ax.add_patch(patch)
    return hatches


def place_hatches(
    hatches: list[Rectangle],
    t: Traversal,
    g: Geometry,
    plane: int | None,
    origin: tuple[int, int] = (0, 0),
) -> None:
    """Fit the bands to the padding the view shows (``plane``: the padded depth in 3-D; ``origin``: the
    view's first cell)."""
    if not hatches:
        return
    (rb, ra), (cb, ca) = ((0, 0), t.padding[0]) if t.rank == 1 else (t.padding[-2], t.padding[-1])
    whole = plane is not None and not 0 <= plane - t.padding[0][0] < t.input_size[0]  # a padding plane
    boxes = (
        [(0, 0, g.cols, g.rows)]
        if whole
        else [
            (0, 0, g.cols, rb),
            (0, g.rows - ra, g.cols, ra),
            (0, rb, cb, g.rows - rb - ra),
            (g.cols - ca, rb, ca, g.rows - rb - ra),
        ]
    )
    r0, c0 = origin
    for patch, (x, y, w, h) in zip(hatches, boxes + [(0, 0, 0, 0)] * (_HATCH_BANDS - len(boxes))):
        x0, x1 = max(x, c0), min(x + w, c0 + g.vcols)  # the band's part inside the view
        y0, y1 = max(y, r0), min(y + h, r0 + g.vrows)
        patch.set_bounds(x0 - c0, y0 - r0, max(x1 - x0, 0), max(y1 - y0, 0))
        patch.set_visible(x1 > x0 and y1 > y0)


def _px(ax: Axes, pts: float) -> float:
    return pts * ax.figure.dpi / 72


def make_marks(ax: Axes, colors: Palette, coverage: bool, cell_pts: float, row_pts: float) -> Any:
    """The × scatter of never-read cells (coverage mode, cells big enough), else ``None``."""
    if not coverage or _px(ax, min(cell_pts, row_pts)) < MARKS_MIN_PX:
        return None
    return ax.scatter(
        [],
        [],
        s=(0.55 * cell_pts) ** 2,
        marker="x",
        c=colors.background,
        linewidths=max(0.8, 0.09 * cell_pts),
        zorder=3,
    )


def place_marks(marks: Any, image: np.ndarray, unread: np.ndarray) -> list[Any]:
    """Put a × on every cell of the input ``image`` painted in the ``unread`` colour."""
    if marks is None:
        return []
    rows, cols = np.nonzero(np.all(image == unread, axis=-1))
    marks.set_offsets(np.column_stack([cols + 0.5, rows + 0.5]))
    return [marks]


def grid_segments(x0: float, y0: float, rows: int, cols: int) -> list[Any]:
    return [[(x0, y0 + r), (x0 + cols, y0 + r)] for r in range(rows + 1)] + [
        [(x0 + c, y0), (x0 + c, y0 + rows)] for c in range(cols + 1)
    ]


def make_grid(ax: Axes, g: Geometry, colors: Palette, cell_pts: float, row_pts: float) -> Any:
    """Cell borders of both views (wherever a cell is at least :data:`GRID_LINES_MIN_PX` pixels), else ``None``.
    The views keep their size while they follow the kernel, so the borders never move."""
    if _px(ax, min(cell_pts, row_pts)) < GRID_LINES_MIN_PX:
        return None
    segments = grid_segments(0, 0, g.vrows, g.vcols) + grid_segments(g.out_x0, g.out_y0, g.out_vrows, g.out_vcols)
    return ax.add_collection(LineCollection(segments, colors=colors.grid_line, linewidths=0.5, zorder=4, clip_on=False))


def make_window(
    ax: Axes,
    colors: Palette,
    kernel: tuple[int, int],
    cell_pts: float,
    row_pts: float,
) -> tuple[Rectangle, Rectangle, Rectangle, list[Any]]:
    """The window outline, the current output cell's outline and fill, and the rings drawn around the
    window / the output cell when they are smaller than ``TINY_PX`` pixels (``None`` where not)."""
    lw = 2.0 if _px(ax, cell_pts) >= 8 else 1.4
    kh, kw = kernel
    box: dict[str, Any] = dict(fill=False, ec=colors.window, lw=lw, zorder=5, clip_on=False)
    window = Rectangle((0, 0), kw, kh, **box)
    current = Rectangle((0, 0), 1, 1, **box)
    current_fill = Rectangle((0, 0), 1, 1, fc=colors.output_current, lw=0, zorder=1.5)
    for patch in (window, current, current_fill):
        ax.add_patch(patch)
    ring: dict[str, Any] = dict(marker="o", ms=24, mfc="none", mec=colors.window, mew=1.5, zorder=5, clip_on=False)
    tiny = (min(kw * cell_pts, kh * row_pts), min(cell_pts, row_pts))
    rings = [ax.plot([], [], **ring)[0] if _px(ax, size) < TINY_PX else None for size in tiny]
    return window, current, current_fill, rings


def make_blit_extras(
    ax: Axes,
    t: Traversal,
    colors: Palette,
    grid: bool,
    n_taps: int,
) -> tuple[Any, list[Rectangle], Rectangle]:
    """In blit mode the opaque taps hide the cell borders and hatching under them (they are in the
    background): a border collection and one hatch patch per tap redraw them over the taps (hidden in a
    normal draw). Also the stamp that paints a computed output cell into the blitting background."""
    tap_grid = (
        LineCollection([], colors=colors.grid_line, linewidths=0.5, zorder=4, clip_on=False, visible=False)
        if grid
        else None
    )
    if tap_grid is not None:
        ax.add_collection(tap_grid)
    tap_hatches = [_hatched(colors, zorder=2, visible=False) for _ in range(n_taps if is_padded(t) else 0)]
    for patch in tap_hatches:
        ax.add_patch(patch)
    stamp = Rectangle(
        (0, 0), 1, 1, fc=colors.output_done, ec=colors.grid_line, lw=0.5 if grid else 0, zorder=1.5, clip_on=False
    )  # never added: drawn by export
    stamp.axes = ax
    stamp.set_transform(ax.transData)
    return tap_grid, tap_hatches, stamp
