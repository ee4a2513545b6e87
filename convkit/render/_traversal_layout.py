"""Where a traversal frame puts things: sizes in points, the grids in data units (one unit = one cell, y grows
downwards), the cells the window and the current output cell cover at each step, and the automatic figure
size of :func:`~convkit.render.traversal.frame_figure`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes

from ..core.traversal import Traversal
from ._traversal_text import formula_lines, step_line

__all__ = [
    "FONT", "GRID_LINES_MIN_PTS", "LINE", "MARKS_MIN_PTS", "NUMBERS_MIN_PTS", "TINY_PTS",
    "Geometry", "StepCells", "axes_cell_points", "figure_layout", "fixed_rect", "geometry", "is_padded", "set_limits",
    "text_lines",
]

FONT = 9.0                 # points, every label
LINE = FONT * 1.5          # points per text line
GAP_PTS = 34.0             # points between the input and the output grid
MAX_CELL_PTS = 40.0        # largest cell an automatic figure uses
GRID_LINES_MIN_PTS = 5.0   # draw cell borders only when a cell is at least this big
NUMBERS_MIN_PTS = 15.0     # write values in cells only when a cell is at least this big
MARKS_MIN_PTS = 6.0        # draw the × of never-read cells only when a cell is at least this big
STRIP_MIN_PTS = 18.0       # a 1-D strip is at least this tall, however many cells it has
TINY_PTS = 8.0             # a window or output cell drawn smaller than this also gets a ring around it


@dataclass(frozen=True, slots=True)
class Geometry:
    """Placement in data units (one unit = one cell; y grows downwards)."""

    rows: int          # padded input in the view
    cols: int
    out_rows: int
    out_cols: int
    out_x0: float      # top-left corner of the output grid
    out_y0: float
    width: float       # the whole grid area
    height: float


def is_padded(t: Traversal) -> bool:
    return t.padding_mode != "valid"


def _view_sizes(t: Traversal) -> tuple[tuple[int, int], tuple[int, int]]:
    """(rows, cols) of the padded input and of the output as drawn: a 1-D strip is one row, 3-D one slice."""
    if t.rank == 1:
        return (1, t.padded_size[0]), (1, t.output_size[0])
    return tuple(t.padded_size[-2:]), tuple(t.output_size[-2:])  # type: ignore[return-value]


def geometry(t: Traversal, cell_pts: float, row_pts: float) -> Geometry:
    """``row_pts``: the height of a row in points (a 1-D strip's cells may be taller than wide)."""
    (rows, cols), (out_rows, out_cols) = _view_sizes(t)
    if t.rank == 1:  # the output strip goes under the input strip, its label in between
        x0, y0 = 0.0, 1.0 + (LINE + 8.0) / row_pts
    else:
        x0, y0 = cols + GAP_PTS / cell_pts, 0.0
    return Geometry(rows, cols, out_rows, out_cols, x0, y0, max(cols, x0 + out_cols), max(rows, y0 + out_rows))


def _auto_cell_points(t: Traversal, max_w: float = 7.2 * 72, max_h: float = 4.6 * 72) -> float:
    (rows, cols), (_, out_cols) = _view_sizes(t)
    if t.rank == 1:
        return min(max_w / cols, MAX_CELL_PTS)
    return min((max_w - GAP_PTS) / (cols + out_cols), max_h / rows, MAX_CELL_PTS)


def _strip_row_points(cell_pts: float) -> float:
    return max(cell_pts, STRIP_MIN_PTS)


def axes_cell_points(ax: Axes, t: Traversal) -> tuple[float, float, float]:
    """Cell width and row height (points) the grids get in ``ax``, and the axes height in points."""
    bbox = ax.get_position()
    w_pts = bbox.width * ax.figure.get_figwidth() * 72
    h_pts = bbox.height * ax.figure.get_figheight() * 72
    (rows, cols), (_, out_cols) = _view_sizes(t)
    if t.rank == 1:
        cell = max(1e-3, w_pts / cols)
        return cell, max(1e-3, min(_strip_row_points(cell), (h_pts - LINE - 8.0) / 2)), h_pts
    cell = max(1e-3, min((w_pts - GAP_PTS) / (cols + out_cols), h_pts / rows))
    return cell, cell, h_pts


def set_limits(ax: Axes, t: Traversal, g: Geometry, row_pts: float, height_pts: float) -> None:
    ax.set_xlim(0, g.width)
    if t.rank == 1:  # rows may be taller than cells are wide; strips hang from the top
        ax.set_aspect("auto")
        ax.set_ylim(max(g.height, height_pts / row_pts), 0)
    else:
        ax.set_aspect("equal", adjustable="box")
        ax.set_ylim(g.height, 0)


def _last_two(values: np.ndarray, rank: int, first: np.ndarray | int) -> tuple:
    """The drawn (row, col) part of per-axis ``values``: ``(first, values[0])`` for a 1-D strip."""
    return (first, values[..., 0]) if rank == 1 else (values[..., -2], values[..., -1])


class StepCells:
    """The drawn (row, col) cells of a traversal: the output cell of every step (``order_rc``), the kernel
    taps relative to the window's corner (``tap_rc``: all of them in 1-D/2-D, the middle kernel plane in 3-D)
    and, per step, the window's corner, its taps and the depth planes shown (3-D)."""

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

    def _origin(self, step: int) -> np.ndarray:
        """Padded coordinates of the window's first tap."""
        return np.array(np.unravel_index(step, self.traversal.output_size)) * self._strides

    def corner(self, step: int) -> tuple[int, int]:
        """(row, col) of the window's top-left cell in the drawn (padded) input."""
        r0, c0 = _last_two(self._origin(step), self.traversal.rank, 0)
        return int(r0), int(c0)

    def taps_at(self, step: int) -> tuple[np.ndarray, np.ndarray]:
        r0, c0 = self.corner(step)
        return self.tap_rc[0] + r0, self.tap_rc[1] + c0

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
    top = 2 + (t.rank == 3) + side_pads
    bottom = side_pads + coverage + numbers_on + (t.rank if show_formula else 0)
    return top, bottom


def figure_layout(
    t: Traversal, numbers_on: bool, coverage: bool, show_formula: bool, operation: str,
) -> tuple[tuple[float, float], tuple[float, float, float, float]]:
    """Automatic figure size (inches) and axes rectangle (figure fractions) for a traversal frame."""
    cell = _auto_cell_points(t)
    row = _strip_row_points(cell) if t.rank == 1 else cell
    g = geometry(t, cell, row)
    grid_w, grid_h = g.width * cell / 72, g.height * row / 72
    top, bottom = text_lines(t, numbers_on, coverage, show_formula)
    side = 34.0 if t.rank == 1 and is_padded(t) else (LINE + 6 if is_padded(t) else 8)
    left, right = side / 72, (side if t.rank == 1 else 8.0) / 72
    top_in, bottom_in = (top * LINE + 8) / 72, (bottom * LINE + 8) / 72
    # the text lines start at the grid's left edge: the figure must be wide enough for the longest one
    chars = len(step_line(t, operation, t.num_steps - 1)) * 1.08  # bold
    if show_formula:
        chars = max(chars, *(len(line) for line in formula_lines(t)))
    if numbers_on:
        chars = max(chars, 24 + 7 * min(t.num_taps, 12))
    width = max(grid_w + left + right, left + chars * FONT * 0.56 / 72 + 0.15)
    height = grid_h + top_in + bottom_in
    rect = (left / width, bottom_in / height, grid_w / width, grid_h / height)
    return (width, height), rect


def fixed_rect(
    figsize: tuple[float, float], t: Traversal, numbers_on: bool, coverage: bool, show_formula: bool,
) -> tuple[float, float, float, float]:
    """The axes rectangle (figure fractions) in a figure of a given size, leaving room for the text lines."""
    top, bottom = text_lines(t, numbers_on, coverage, show_formula)
    w, h = figsize
    return 0.5 / w, (bottom * LINE + 8) / 72 / h, 1 - 0.6 / w, 1 - ((top + bottom) * LINE + 16) / 72 / h
