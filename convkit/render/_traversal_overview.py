"""The overview of a zoomed grid: the whole input (or output) drawn small under its view, the view's box
marked on it, a caption saying which rows and columns the view shows, and (input, coverage mode) bars beside
it at every never-read row and column, so they stay visible however small a cell is drawn.

The picture is area-averaged at most one pixel per drawn pixel, computed from per-axis masks
(:class:`~convkit.render._traversal_grid.DrawnMasks`), never from an input-sized array.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.patches import Rectangle

from ..core.traversal import Traversal
from ._traversal_grid import DrawnMasks
from ._traversal_layout import CAPTION_FONT, TICK_PTS, Box, Geometry
from ._traversal_text import overview_caption
from ._traversal_view import PanelView, bin_fractions
from .style import Palette

__all__ = ["MIN_BOX_PX", "MIN_TICK_PX", "Overview", "make_overviews", "runs"]

MIN_BOX_PX = 6.0  # the view's box on an overview is drawn at least this many pixels a side
MIN_TICK_PX = 4.0  # a never-read bar is at least this many pixels wide


def runs(mask: np.ndarray) -> np.ndarray:
    """``(n, 2)`` array of ``[start, end)`` of every run of ``True`` in a 1-D bool ``mask``."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return np.column_stack([np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)])


def _span(start: float, end: float, scale: float, offset: float, min_units: float) -> tuple[float, float]:
    """``[start, end)`` cells mapped by ``offset + cells * scale``, widened about its centre to ``min_units``."""
    lo, hi = offset + start * scale, offset + end * scale
    if hi - lo < min_units:
        mid = (lo + hi) / 2
        lo, hi = mid - min_units / 2, mid + min_units / 2
    return lo, hi


class Overview:
    """One overview (``which`` is ``"input"`` or ``"output"``); :meth:`update` follows the step."""

    def __init__(
        self,
        ax: Axes,
        t: Traversal,
        g: Geometry,
        which: str,
        box: Box,
        colors: Palette,
        c: dict[str, np.ndarray],
        *,
        coverage: bool,
        masks: DrawnMasks,
        unit_pts: tuple[float, float],
    ) -> None:
        self.t, self.which, self.box, self.colors, self._c = t, which, box, colors, c
        self.coverage, self.masks = coverage, masks
        self.view: PanelView = g.in_view if which == "input" else g.out_view
        self.size = (self.view.rows.size, self.view.cols.size)
        px_per_pt = ax.figure.dpi / 72
        self._unit_pts = unit_pts  # points per data unit (x, y)
        self._unit_px = unit_px = (unit_pts[0] * px_per_pt, unit_pts[1] * px_per_pt)
        self.bins = (
            max(1, min(self.size[0], int(box.h * unit_px[1]))),
            max(1, min(self.size[1], int(box.w * unit_px[0]))),
        )
        self._plane: Any = ()
        extent = (box.x, box.x + box.w, box.y + box.h, box.y)
        self.image = ax.imshow(np.zeros((*self.bins, 4), np.uint8), extent=extent, interpolation="nearest", zorder=1)
        self.frame = ax.add_patch(
            Rectangle((box.x, box.y), box.w, box.h, fill=False, ec=colors.grid_line, lw=0.8, zorder=4, clip_on=False)
        )
        self.marker = Rectangle((box.x, box.y), 0, 0, fill=False, ec=colors.window, lw=1.5, zorder=5, clip_on=False)
        ax.add_patch(self.marker)
        self.caption = ax.annotate(
            "",
            xy=(box.x, box.y),
            xytext=(0, TICK_PTS + 2),
            textcoords="offset points",
            ha="left",
            va="bottom",
            fontsize=CAPTION_FONT,
            color=colors.text,
            annotation_clip=False,
        )
        self.ticks: PolyCollection | None = None
        if which == "input" and coverage:
            self.ticks = PolyCollection([], facecolors=colors.unread, linewidths=0, zorder=4, clip_on=False)
            ax.add_collection(self.ticks)

    @property
    def settles(self) -> list[Any]:
        """What changes at every step: the output's picture (its computed cells). Like the output cells it
        is not animated: an export paints it over its background when cells are computed."""
        return [self.image] if self.which == "output" else []

    def update(self, step: int, origin: tuple[int, int], plane: int | None, new_view: bool) -> list[Any]:
        """Show ``step``: ``origin`` is the view's first cell, ``plane`` the depth drawn (3-D); ``new_view``
        when the view or the plane changed since the last update. Returns the artists changed."""
        changed: list[Any] = []
        if self.which == "output":
            self.image.set_data(self._output_picture(step, plane))
            changed.append(self.image)
        elif plane != self._plane:
            self.image.set_data(self._input_picture(plane))
            self._place_ticks(plane)
            changed += [self.image] + ([self.ticks] if self.ticks is not None else [])
        self._plane = plane
        if new_view:
            self._place_marker(origin)
            self.caption.set_text(overview_caption(self.t, self.which, self.view, origin))
            changed += [self.marker, self.caption]
        return changed

    # -- pictures ------------------------------------------------------------------------------------
    def _mix(self, shares: dict[str, np.ndarray]) -> np.ndarray:
        out = sum(share[..., None] * self._c[role][:3].astype(float) for role, share in shares.items())
        image = np.full((*self.bins, 4), 255, np.uint8)
        image[..., :3] = np.clip(np.rint(out), 0, 255)
        return image

    def _input_picture(self, plane: int | None) -> np.ndarray:
        """Area-averaged colours of the whole drawn input: padding, read input and (coverage) never read."""
        m, (br, bc) = self.masks, self.bins
        plane_pad, plane_read = m.plane(plane)
        inside = np.outer(bin_fractions(~m.rows[0], br), bin_fractions(~m.cols[0], bc)) * (not plane_pad)
        read = np.outer(bin_fractions(m.rows[1], br), bin_fractions(m.cols[1], bc)) * plane_read
        shares = {"padding_cell": 1 - inside}
        if self.coverage:
            shares.update(input_cell=read, unread=inside - read)
        else:
            shares["input_cell"] = inside
        return self._mix(shares)

    def _output_picture(self, step: int, plane: int | None) -> np.ndarray:
        """Area-averaged colours of the whole drawn output: the share of each block computed before ``step``."""
        (rows, cols), (br, bc) = self.size, self.bins
        per_plane = rows * cols
        local = step - (0 if plane is None else plane * per_plane)
        r_now, c_now = divmod(local, cols)
        er = np.linspace(0, rows, br + 1).round().astype(int)
        ec = np.linspace(0, cols, bc + 1).round().astype(int)
        h, w = np.diff(er), np.diff(ec)
        full_rows = np.clip(r_now - er[:-1], 0, h)
        in_row = ((er[:-1] <= r_now) & (r_now < er[1:])).astype(float)
        done = np.outer(full_rows, w) + np.outer(in_row, np.clip(c_now - ec[:-1], 0, w))
        share = done / np.maximum(np.outer(h, w), 1)
        return self._mix({"output_done": share, "output_cell": 1 - share})

    # -- marks ---------------------------------------------------------------------------------------
    def _scales(self) -> tuple[float, float]:
        return self.box.h / self.size[0], self.box.w / self.size[1]

    def _place_marker(self, origin: tuple[int, int]) -> None:
        (sy, sx), b = self._scales(), self.box
        x0, x1 = _span(origin[1], origin[1] + self.view.cols.length, sx, b.x, MIN_BOX_PX / self._unit_px[0])
        y0, y1 = _span(origin[0], origin[0] + self.view.rows.length, sy, b.y, MIN_BOX_PX / self._unit_px[1])
        self.marker.set_bounds(x0, y0, x1 - x0, y1 - y0)

    def _place_ticks(self, plane: int | None) -> None:
        """Bars above the overview at never-read columns and left of it at never-read rows."""
        if self.ticks is None:
            return
        m, (sy, sx), b = self.masks, self._scales(), self.box
        (px_x, px_y), (pt_x, pt_y) = self._unit_px, self._unit_pts
        plane_pad, plane_read = m.plane(plane)
        unread_plane = not plane_read and not plane_pad
        cols = ~m.cols[0] & (~m.cols[1] | unread_plane)
        rows = ~m.rows[0] & (~m.rows[1] | unread_plane)
        gap = 1.0  # points between a bar and the overview
        verts = []
        y1 = b.y - gap / pt_y
        y0 = y1 - TICK_PTS / pt_y
        for start, end in runs(cols):
            x0, x1 = _span(start, end, sx, b.x, MIN_TICK_PX / px_x)
            verts.append([(x0, y0), (x1, y0), (x1, y1), (x0, y1)])
        if self.t.rank >= 2:
            x1 = b.x - gap / pt_x
            x0 = x1 - TICK_PTS / pt_x
            for start, end in runs(rows):
                r0, r1 = _span(start, end, sy, b.y, MIN_TICK_PX / px_y)
                verts.append([(x0, r0), (x1, r0), (x1, r1), (x0, r1)])
        self.ticks.set_verts(verts)


def make_overviews(
    ax: Axes,
    t: Traversal,
    g: Geometry,
    colors: Palette,
    c: dict[str, np.ndarray],
    *,
    coverage: bool,
    masks: DrawnMasks,
    cell_pts: float,
    row_pts: float,
) -> list[Overview]:
    """The overviews of the zoomed grids (none without zoom)."""
    return [
        Overview(ax, t, g, which, box, colors, c, coverage=coverage, masks=masks, unit_pts=(cell_pts, row_pts))
        for which, box in (("input", g.in_overview), ("output", g.out_overview))
        if box is not None
    ]
