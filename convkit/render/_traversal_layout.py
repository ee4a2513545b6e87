"""Where a traversal frame puts things: sizes in points, the grids in data units (one unit = one cell, y grows
downwards), the cells the window and the current output cell cover at each step, and the automatic figure
size of :func:`~convkit.render.traversal.frame_figure`.

A grid larger than :data:`~convkit.render._traversal_view.ZOOM_ABOVE` cells a side is drawn through a view that
follows the kernel (see :mod:`convkit.render._traversal_view`), with the whole grid as a small overview under it.
Data coordinates are those of the views: a drawn cell ``(r, c)`` of the padded input sits at
``(c - c0, r - r0)`` where ``(r0, c0)`` is the view's origin at that step (``(0, 0)`` without zoom).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import text_to_path

from ..core.traversal import Traversal
from ._traversal_text import (
    formula_lines,
    overview_caption,
    pad_text,
    size_text,
    step_line,
)
from ._traversal_view import PanelView, input_views, output_views

__all__ = [
    "BELOW_GAP",
    "FONT",
    "GRID_LINES_MIN_PX",
    "LINE",
    "MARKS_MIN_PX",
    "MIN_CELL_PX",
    "NUMBERS_MIN_PTS",
    "TICK_PTS",
    "TINY_PX",
    "Box",
    "Geometry",
    "StepCells",
    "axes_cell_points",
    "figure_layout",
    "fixed_rect",
    "geometry",
    "is_padded",
    "set_limits",
    "text_lines",
    "text_width",
]

FONT = 9.0  # points, every label
LINE = FONT * 1.5  # points per text line
BELOW_GAP = 6.0  # points between a grid and the text under it
GAP_PTS = 34.0  # points between the input and the output grid
MAX_CELL_PTS = 40.0  # largest cell an automatic figure uses
MIN_CELL_PX = 8.0  # smallest cell an automatic figure uses, in pixels at its dpi
GRID_LINES_MIN_PX = 4.0  # draw cell borders wherever a cell is at least this many pixels
NUMBERS_MIN_PTS = 15.0  # write values in cells only when a cell is at least this big
MARKS_MIN_PX = 9.0  # draw the × of never-read cells only when a cell is at least this many pixels
STRIP_MIN_PTS = 18.0  # a 1-D strip is at least this tall, however many cells it has
TINY_PX = 8.0  # a window or output cell drawn smaller than this (pixels) also gets a ring around it
OVERVIEW_PTS = 96.0  # the longer side of the overview of a zoomed 2-D grid
OVERVIEW_MIN_PTS = 6.0  # the shorter side of an overview, at least (a 1-D overview strip is this tall)
TICK_PTS = 5.0  # the bars that mark never-read rows / columns beside an overview
CAPTION_FONT = FONT - 1


@dataclass(frozen=True, slots=True)
class Box:
    """A rectangle in data units: left, top, width, height."""

    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True, slots=True)
class Geometry:
    """Placement in data units (one unit = one cell; y grows downwards)."""

    rows: int  # the whole drawn (padded) input
    cols: int
    out_rows: int  # the whole drawn output
    out_cols: int
    out_x0: float  # top-left corner of the output view
    out_y0: float
    width: float  # the whole grid area (views, overviews and their captions)
    height: float
    in_view: PanelView
    out_view: PanelView
    in_overview: Box | None = None  # where the whole input is shown small (zoomed input only)
    out_overview: Box | None = None

    @property
    def vrows(self) -> int:
        return self.in_view.rows.length

    @property
    def vcols(self) -> int:
        return self.in_view.cols.length

    @property
    def out_vrows(self) -> int:
        return self.out_view.rows.length

    @property
    def out_vcols(self) -> int:
        return self.out_view.cols.length

    @property
    def zoomed(self) -> bool:
        return self.in_view.zoomed or self.out_view.zoomed


def is_padded(t: Traversal) -> bool:
    return t.padding_mode != "valid"


@lru_cache(maxsize=512)
def text_width(text: str, size: float = FONT, bold: bool = False) -> float:
    """Width in points of one line of text in matplotlib's default font (measured, not estimated)."""
    prop = FontProperties(size=size, weight="bold" if bold else "normal")
    return float(text_to_path.get_text_width_height_descent(text, prop, ismath=False)[0])


def _overview_pts(rows: int, cols: int, rank: int, strip_w: float) -> tuple[float, float]:
    """(width, height) in points of the overview of a rows × cols grid (1-D: a strip ``strip_w`` wide)."""
    if rank == 1:
        return strip_w, OVERVIEW_MIN_PTS
    side = max(rows, cols)
    return max(OVERVIEW_PTS * cols / side, OVERVIEW_MIN_PTS), max(OVERVIEW_PTS * rows / side, OVERVIEW_MIN_PTS)


def _caption_pts(t: Traversal, which: str, view: PanelView) -> float:
    """Width of the widest caption the overview of ``which`` grid can get (its first and last views)."""
    if not view.zoomed:
        return 0.0
    last = (view.rows.size - view.rows.length, view.cols.size - view.cols.length)
    return max(text_width(overview_caption(t, which, view, origin), CAPTION_FONT) for origin in ((0, 0), last))


def geometry(t: Traversal, cell_pts: float, row_pts: float) -> Geometry:
    """``row_pts``: the height of a row in points (a 1-D strip's cells may be taller than wide)."""
    vin, vout = input_views(t), output_views(t)
    (rows, cols), (out_rows, out_cols) = (vin.rows.size, vin.cols.size), (vout.rows.size, vout.cols.size)
    cap_in, cap_out = _caption_pts(t, "input", vin), _caption_pts(t, "output", vout)
    above_overview = BELOW_GAP + LINE + TICK_PTS + 2.0  # caption line and the tick bars
    if t.rank == 1:  # strips under each other: input, [its overview], output, [its overview]
        y = 1.0
        in_box = out_box = None
        w_in, w_out = vin.cols.length, vout.cols.length
        if vin.zoomed:
            in_box = Box(0.0, y + above_overview / row_pts, w_in, OVERVIEW_MIN_PTS / row_pts)
            y = in_box.y + in_box.h
        out_y0 = y + (LINE + 8.0) / row_pts
        y = out_y0 + 1.0
        if vout.zoomed:
            out_box = Box(0.0, y + above_overview / row_pts, w_out, OVERVIEW_MIN_PTS / row_pts)
            y = out_box.y + out_box.h
        width = max(w_in, w_out, cap_in / cell_pts, cap_out / cell_pts)
        return Geometry(rows, cols, out_rows, out_cols, 0.0, out_y0, width, y, vin, vout, in_box, out_box)
    ov_in = _overview_pts(rows, cols, t.rank, 0) if vin.zoomed else (0.0, 0.0)
    ov_out = _overview_pts(out_rows, out_cols, t.rank, 0) if vout.zoomed else (0.0, 0.0)
    in_w = max(vin.cols.length, (max(ov_in[0], cap_in) + TICK_PTS + 2.0 * vin.zoomed) / cell_pts)
    out_x0 = in_w + GAP_PTS / cell_pts
    out_w = max(vout.cols.length, max(ov_out[0], cap_out) / cell_pts)
    main_h = max(vin.rows.length, vout.rows.length)
    height = float(main_h)
    in_box = out_box = None
    if vin.zoomed or vout.zoomed:
        top = main_h + (above_overview + (LINE if is_padded(t) else 0.0)) / cell_pts  # under "pad" labels
        x_in = (TICK_PTS + 2.0) / cell_pts  # room for the row ticks left of the input overview
        if vin.zoomed:
            in_box = Box(x_in, top, ov_in[0] / cell_pts, ov_in[1] / cell_pts)
        if vout.zoomed:
            out_box = Box(out_x0, top, ov_out[0] / cell_pts, ov_out[1] / cell_pts)
        height = top + max(ov_in[1], ov_out[1]) / cell_pts
    return Geometry(rows, cols, out_rows, out_cols, out_x0, 0.0, out_x0 + out_w, height, vin, vout, in_box, out_box)


def _strip_row_points(cell_pts: float) -> float:
    return max(cell_pts, STRIP_MIN_PTS)


def _auto_cell_points(t: Traversal, max_w: float = 7.2 * 72, max_h: float = 4.6 * 72) -> float:
    vin, vout = input_views(t), output_views(t)
    if t.rank == 1:
        return min(max_w / max(vin.cols.length, vout.cols.length), MAX_CELL_PTS)
    rows = max(vin.rows.length, vout.rows.length)
    return min((max_w - GAP_PTS) / (vin.cols.length + vout.cols.length), max_h / rows, MAX_CELL_PTS)


def _largest(fits: Callable[[float], bool], hi: float) -> float:
    """The largest value in (0, hi] for which the monotone predicate ``fits`` holds (bisection)."""
    if fits(hi):
        return hi
    lo = 1e-3
    for _ in range(40):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid)
    return lo


def axes_cell_points(ax: Axes, t: Traversal) -> tuple[float, float, float]:
    """Cell width and row height (points) the grids get in ``ax``, and the axes height in points."""
    bbox = ax.get_position()
    # the axes of a traversal picture belong to a Figure (a SubFigure has no size of its own)
    w_pts = bbox.width * ax.figure.get_figwidth() * 72  # type: ignore[union-attr]
    h_pts = bbox.height * ax.figure.get_figheight() * 72  # type: ignore[union-attr]
    if t.rank == 1:
        cell = _largest(lambda c: geometry(t, c, _strip_row_points(c)).width * c <= w_pts, w_pts)
        row = _largest(lambda r: geometry(t, cell, r).height * r <= h_pts, _strip_row_points(cell))
        return cell, row, h_pts

    def fits(c: float) -> bool:
        g = geometry(t, c, c)
        return g.width * c <= w_pts + 1e-6 and g.height * c <= h_pts + 1e-6

    cell = _largest(fits, max(w_pts, h_pts))
    return cell, cell, h_pts


def set_limits(ax: Axes, t: Traversal, g: Geometry, row_pts: float, height_pts: float) -> None:
    ax.set_xlim(0, g.width)
    if t.rank == 1:  # rows may be taller than cells are wide; strips hang from the top
        ax.set_aspect("auto")
        ax.set_ylim(max(g.height, height_pts / row_pts), 0)
    else:
        ax.set_aspect("equal", adjustable="box")
        ax.set_ylim(g.height, 0)


def _last_two(values: np.ndarray, rank: int, first: np.ndarray | int) -> tuple[Any, Any]:
    """The drawn (row, col) part of per-axis ``values``: ``(first, values[0])`` for a 1-D strip."""
    return (first, values[..., 0]) if rank == 1 else (values[..., -2], values[..., -1])


class StepCells:
    """The drawn (row, col) cells of a traversal: the output cell of every step (``order_rc``), the kernel
    taps relative to the window's corner (``tap_rc``: all of them in 1-D/2-D, the middle kernel plane in 3-D)
    and, per step, the window's corner, its taps, the depth planes shown (3-D) and the views' origins."""

    def __init__(self, t: Traversal) -> None:
        self.traversal = t
        self._strides = np.array(t.strides)
        index = t.output_indices()
        self.order_rc = _last_two(index, t.rank, np.zeros(len(index), int))
        offsets = t.tap_offsets()
        self._middle = (t.kernel_size[0] // 2) * t.dilation_rate[0]  # 3-D: the kernel plane drawn
        if t.rank == 3:
            offsets = offsets[offsets[:, 0] == self._middle]
        self.tap_rc = _last_two(offsets, t.rank, np.zeros(len(offsets), int))
        kh, kw = _last_two(np.array(t.effective_kernel), t.rank, 1)
        self.kernel = int(kh), int(kw)  # (height, width) of the window
        self.in_view, self.out_view = input_views(t), output_views(t)

    def _origin(self, step: int) -> np.ndarray:
        """Padded coordinates of the window's first tap."""
        origin: np.ndarray = np.array(np.unravel_index(step, self.traversal.output_size)) * self._strides
        return origin

    def corner(self, step: int) -> tuple[int, int]:
        """(row, col) of the window's top-left cell in the drawn (padded) input."""
        r0, c0 = _last_two(self._origin(step), self.traversal.rank, 0)
        return int(r0), int(c0)

    def taps_at(self, step: int) -> tuple[np.ndarray, np.ndarray]:
        r0, c0 = self.corner(step)
        return self.tap_rc[0] + r0, self.tap_rc[1] + c0

    def output_cell(self, step: int) -> tuple[int, int]:
        return int(self.order_rc[0][step]), int(self.order_rc[1][step])

    def origins(self, step: int) -> tuple[tuple[int, int], tuple[int, int]]:
        """(row, col) of the first cell each view shows at ``step``: the input's, the output's."""
        return self.in_view.origin(*self.corner(step)), self.out_view.origin(*self.output_cell(step))

    def planes(self, step: int) -> tuple[int | None, int | None]:
        """(input, output) depth planes drawn at ``step``: the window's middle plane (padded coordinates) and
        the output plane; ``(None, None)`` below 3-D."""
        t = self.traversal
        if t.rank != 3:
            return None, None
        return int(self._origin(step)[0] + self._middle), int(np.unravel_index(step, t.output_size)[0])


def text_lines(t: Traversal, numbers_on: bool, coverage: bool, show_formula: bool) -> tuple[int, int]:
    """How many text lines go above and below the grid area (frame_figure reserves room for them)."""
    side_pads = is_padded(t) and t.rank >= 2
    zoomed = input_views(t).zoomed or output_views(t).zoomed
    top = 2 + (t.rank == 3) + side_pads
    bottom = (side_pads and not zoomed) + coverage + numbers_on + (t.rank if show_formula else 0)
    return top, bottom


def _longest_line(
    t: Traversal, numbers_on: bool, coverage: bool, show_formula: bool, operation: str, sum_lines: Sequence[str] = ()
) -> float:
    """Points from the grid's left edge to the end of the longest text line that starts there (``sum_lines``: the
    multiply-sum lines of a few steps, measured; without them an estimate from the number of taps)."""
    widths = [text_width(step_line(t, operation, s), bold=True) for s in (0, t.num_steps - 1)]
    widths.append(text_width(f"input {size_text(t.input_size)}{pad_text(t) if is_padded(t) else ''}"))
    if show_formula:
        widths += [text_width(line) for line in formula_lines(t)]
    if coverage:
        widths.append(text_width("× 100.00% of input never read (0,000,000 of 00,000,000 cells)"))
    if numbers_on:
        widths.append((24 + 7 * min(t.num_taps, 12)) * FONT * 0.62)
        widths += [text_width(line) for line in sum_lines]
    return max(widths)


def figure_layout(
    t: Traversal,
    numbers_on: bool,
    coverage: bool,
    show_formula: bool,
    operation: str,
    dpi: float = 100,
    sum_lines: Sequence[str] = (),
    longest_value: int = 0,
) -> tuple[tuple[float, float], tuple[float, float, float, float]]:
    """Automatic figure size (inches) and axes rectangle (figure fractions) for a traversal frame: cells of at
    least :data:`MIN_CELL_PX` pixels at ``dpi``, room for every text line and nothing outside the figure.

    ``longest_value`` (characters of the longest number written in a cell) widens the cells, so that values of
    real weights stay readable (7 pt), as long as the grids stay within about 10 inches."""
    cell = max(_auto_cell_points(t), MIN_CELL_PX * 72 / dpi)
    if longest_value:
        columns = t.padded_size[-1] + t.output_size[-1]  # cells across the input and output grids
        cell = max(cell, min(0.62 * 7 * longest_value / 0.92, 720 / max(columns, 1)))
    row = _strip_row_points(cell) if t.rank == 1 else cell
    g = geometry(t, cell, row)
    grid_w, grid_h = g.width * cell / 72, g.height * row / 72
    top, bottom = text_lines(t, numbers_on, coverage, show_formula)
    side = 34.0 if t.rank == 1 and is_padded(t) else (LINE + 6 if is_padded(t) else 8)
    left, right = side / 72, (side if t.rank == 1 else 8.0) / 72
    top_in, bottom_in = (top * LINE + 8) / 72, (BELOW_GAP + bottom * LINE + 8) / 72
    text_in = _longest_line(t, numbers_on, coverage, show_formula, operation, sum_lines) / 72
    out_label = g.out_x0 * cell / 72 + text_width(f"output {size_text(t.output_size)}") / 72
    width = max(grid_w + left + right, left + max(text_in, out_label) + 0.12)
    height = grid_h + top_in + bottom_in
    rect = (left / width, bottom_in / height, grid_w / width, grid_h / height)
    return (width, height), rect


def fixed_rect(
    figsize: tuple[float, float],
    t: Traversal,
    numbers_on: bool,
    coverage: bool,
    show_formula: bool,
) -> tuple[float, float, float, float]:
    """The axes rectangle (figure fractions) in a figure of a given size, leaving room for the text lines."""
    top, bottom = text_lines(t, numbers_on, coverage, show_formula)
    w, h = figsize
    below = (BELOW_GAP + bottom * LINE + 8) / 72
    return 0.5 / w, below / h, 1 - 0.6 / w, 1 - (below + (top * LINE + 8) / 72) / h
