"""Which part of a large grid the live KernelTraversal shows: the follow-the-kernel view, per drawn axis.

An axis with more than :data:`ZOOM_ABOVE` drawn cells is shown through a view of ``length`` cells that pages
along with the kernel window (the output view: with the current output cell), so the cells stay large enough to
read; a small overview of the whole grid marks where the view is. The page a step shows is a pure function of
the step: the view moves by whole pages of ``page`` cells (a multiple of the stride when possible, so every page
shows the same pattern of windows), keeping the window ``margin`` cells inside. The same rule and numbers as the
exported frames (``convkit.render``), so a saved picture and the widget show the same cells for a step.

The header the browser gets has, for ``"input"`` (padded coordinates) and ``"output"``, one entry per drawn axis
(rows, cols; a 1-D strip has one row): ``{"size", "length", "window", "margin", "page"}``; the browser computes
``origin(position)`` exactly as :meth:`AxisView.origin`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["ZOOM_ABOVE", "VIEW_CELLS", "VIEW_MAX_CELLS", "VIEW_MARGIN", "AxisView", "axis_view", "view_header"]

ZOOM_ABOVE = 40       # an axis with more drawn cells than this is shown through a view that follows the kernel
VIEW_CELLS = 32       # cells such a view shows along the axis ...
VIEW_MAX_CELLS = 64   # ... or up to this many, so the next window position shows too (large strides)
VIEW_MARGIN = 2       # cells kept between the window and the edge of the view


@dataclass(frozen=True, slots=True)
class AxisView:
    """One drawn axis: ``size`` cells, ``length`` shown, in pages of ``page`` cells; ``window`` cells move."""

    size: int
    length: int
    window: int
    margin: int
    page: int

    @property
    def zoomed(self) -> bool:
        return self.length < self.size

    def origin(self, position: int) -> int:
        """First cell shown while the window starts at ``position`` (``position .. position + window - 1``
        is then inside the view, ``margin`` cells from its edges where the grid allows).

        >>> v = axis_view(130, window=3, stride=4)
        >>> v.length, v.page, [v.origin(p) for p in (0, 24, 28, 127)]
        (32, 24, [0, 22, 22, 98])
        """
        if not self.zoomed:
            return 0
        start = (position // self.page) * self.page - self.margin
        return int(min(max(start, 0), self.size - self.length))


def axis_view(size: int, window: int = 1, stride: int = 1) -> AxisView:
    """The view of an axis of ``size`` drawn cells where a ``window``-cell thing moves by ``stride``."""
    if size <= ZOOM_ABOVE:
        return AxisView(size, size, window, 0, max(1, size))
    fit = window + 2 * VIEW_MARGIN + 1
    follow = min(VIEW_MAX_CELLS, window + stride + 2 * VIEW_MARGIN)
    length = min(size, max(VIEW_CELLS, follow, fit))
    page = max(1, length - window - 2 * VIEW_MARGIN)
    if page >= stride:
        page -= page % stride
    return AxisView(size, length, window, VIEW_MARGIN, page)


def _drawn(values: list[int], rank: int, fill: int) -> list[int]:
    return [fill, values[0]] if rank == 1 else list(values)


def view_header(header: dict[str, Any]) -> dict[str, list[dict[str, int]]]:
    """The ``"view"`` entry of the payload header, from its padded size, kernel extent, strides, output size."""
    rank = header["rank"]
    padded = _drawn(header["padded_size"], rank, 1)
    kernel = _drawn(header["effective_kernel"], rank, 1)
    strides = _drawn(header["strides"], rank, 1)
    output = _drawn(header["output_size"], rank, 1)
    return {
        "input": [asdict(axis_view(n, k, s)) for n, k, s in zip(padded, kernel, strides)],
        "output": [asdict(axis_view(n)) for n in output],
    }
