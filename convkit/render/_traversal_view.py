"""Which part of a large grid a traversal frame shows: the follow-the-kernel view.

A drawn axis longer than :data:`ZOOM_ABOVE` cells is shown through a window of :attr:`AxisView.length`
cells that pages along with the kernel (the output: with the current cell). The page a step shows is a pure
function of the step: the view moves by whole pages, so the window always sits at least ``margin`` cells
inside it, and consecutive steps mostly share a view (an export redraws its background only when it moves).

Also the per-axis facts the renderer needs without building input-sized arrays: which drawn cells are
padding, which are read by some kernel position, and the area-averaged colours of a small overview of a
whole grid (a 4096×4096 input gives a 256×256 overview computed from 2 × 4096 numbers per axis).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.traversal import Traversal

__all__ = [
    "VIEW_CELLS",
    "VIEW_MARGIN",
    "VIEW_MAX_CELLS",
    "ZOOM_ABOVE",
    "AxisView",
    "PanelView",
    "axis_masks",
    "bin_fractions",
    "input_views",
    "output_views",
]

ZOOM_ABOVE = 40  # an axis with more drawn cells than this is shown through a zoomed view
VIEW_CELLS = 32  # cells a zoomed view shows along an axis ...
VIEW_MAX_CELLS = 72  # ... or up to this many, to show the next window position too (strides up to 64)
VIEW_MARGIN = 2  # cells kept between the window and the edge of the view


@dataclass(frozen=True, slots=True)
class AxisView:
    """One drawn axis: ``size`` cells in all, ``length`` shown; ``window`` cells move (kernel extent, or 1)."""

    size: int
    length: int
    window: int = 1
    margin: int = 0
    stride: int = 1

    @property
    def zoomed(self) -> bool:
        return self.length < self.size

    @property
    def page(self) -> int:
        """Cells the view moves by: ``length - window - 2·margin``, a multiple of the stride when it can be
        (so every page shows the same pattern of windows). The live widget pages by this too."""
        page = max(1, self.length - self.window - 2 * self.margin)
        if page >= self.stride:
            page -= page % self.stride
        return page

    def origin(self, position: int) -> int:
        """First cell shown when the window starts at ``position``: whole pages of :attr:`page` cells, so
        ``position .. position + window - 1`` is always inside, ``margin`` cells from the edges."""
        if not self.zoomed:
            return 0
        page = self.page
        start = (position // page) * page - self.margin
        return int(min(max(start, 0), self.size - self.length))


def _axis_view(size: int, window: int, stride: int) -> AxisView:
    if size <= ZOOM_ABOVE:
        return AxisView(size, size, window, 0, stride)
    fit = window + 2 * VIEW_MARGIN + 1  # the window and its margins, always
    follow = min(VIEW_MAX_CELLS, window + stride + 2 * VIEW_MARGIN)  # also the next window position
    return AxisView(size, min(size, max(VIEW_CELLS, follow, fit)), window, VIEW_MARGIN, stride)


@dataclass(frozen=True, slots=True)
class PanelView:
    """The (row, col) views of one drawn grid; a 1-D strip has one row."""

    rows: AxisView
    cols: AxisView

    @property
    def zoomed(self) -> bool:
        return self.rows.zoomed or self.cols.zoomed

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols) of cells shown."""
        return self.rows.length, self.cols.length

    def origin(self, row: int, col: int) -> tuple[int, int]:
        """(row, col) of the first cell shown when the moving thing's top-left cell is (row, col)."""
        return self.rows.origin(row), self.cols.origin(col)


def _drawn(values: tuple[int, ...], rank: int, first: int = 1) -> tuple[int, int]:
    return (first, values[0]) if rank == 1 else (values[-2], values[-1])


def input_views(t: Traversal) -> PanelView:
    """The views of the padded input: paged by the kernel window (its dilated extent) and the strides."""
    (rows, cols), (kh, kw), (sh, sw) = (
        _drawn(t.padded_size, t.rank),
        _drawn(t.effective_kernel, t.rank),
        _drawn(t.strides, t.rank),
    )
    return PanelView(_axis_view(rows, kh, sh), _axis_view(cols, kw, sw))


def output_views(t: Traversal) -> PanelView:
    """The views of the output: paged by the current output cell."""
    rows, cols = _drawn(t.output_size, t.rank)
    return PanelView(_axis_view(rows, 1, 1), _axis_view(cols, 1, 1))


def axis_masks(t: Traversal, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """``(is_padding, is_read)`` along one axis in padded coordinates (``padded_size[axis]`` long): the
    padding cells, and the input cells some kernel position reads (a cell of the input is read iff it is
    read along every axis, so these per-axis masks describe the whole grid)."""
    a = t.axes[axis]
    n, before = t.padded_size[axis], t.padding[axis][0]
    is_pad = np.ones(n, bool)
    is_pad[before : before + t.input_size[axis]] = False
    starts = np.arange(t.output_size[axis], dtype=np.int64) * a.strides  # padded coordinates
    index = (starts[:, None] + np.arange(a.kernel_size) * a.dilation_rate).ravel()
    is_read = np.zeros(n, bool)
    is_read[index[(index >= 0) & (index < n)]] = True
    return is_pad, is_read & ~is_pad


def bin_fractions(mask: np.ndarray, bins: int) -> np.ndarray:
    """The share of ``True`` in each of ``bins`` near-equal consecutive runs of ``mask``."""
    edges = np.linspace(0, len(mask), bins + 1).round().astype(int)
    sums = np.concatenate([[0], np.cumsum(mask, dtype=np.int64)])
    fractions: np.ndarray = (sums[edges[1:]] - sums[edges[:-1]]) / np.maximum(edges[1:] - edges[:-1], 1)
    return fractions
