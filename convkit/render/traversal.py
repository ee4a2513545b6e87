"""One frame of a kernel traversal, drawn with matplotlib onto a given ``Axes``.

Left: the padded input (padding cells coloured *and* hatched, the padding amount labelled on every side)
and the kernel window of the current step with its taps filled (the gaps of a dilated kernel stay empty).
Right (below, for a 1-D strip): the output, computed cells filled and the current one outlined.
Underneath: the per-axis formula and, on request, the multiply-sum of the current step and the share of
the input the layer never reads. Every grid is ONE image artist built with numpy from the traversal's
arrays, and :meth:`TraversalArtists.update` changes only the moving parts (image data, two rectangles, a
few texts) for fast animation.

A grid of more than 40 cells a side is drawn through a view that follows the kernel (the current output
cell), so every drawn cell stays big enough for its borders and marks, with the whole grid as a small
overview under it and the view's box marked there (:mod:`convkit.render._traversal_view`). Each frame is
still a pure function of (traversal, step): the view a step shows depends on nothing else.

The pieces live in private modules: ``_traversal_layout`` (sizes and placement), ``_traversal_grid`` (the
RGBA grid images), ``_traversal_overlays`` (hatching, borders, outlines), ``_traversal_labels`` (text
artists), ``_traversal_text`` (the wording) and ``_traversal_numbers`` (the values in numbers mode).
"""

from __future__ import annotations

import numbers as _num
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

from ..core.traversal import Traversal
from . import _traversal_overlays as overlays
from ._traversal_grid import DrawnMasks, input_colors, paint_output, rgba
from ._traversal_labels import make_cell_texts, make_labels, show_edge_labels
from ._traversal_layout import (
    StepCells,
    axes_cell_points,
    figure_layout,
    fixed_rect,
    geometry,
    set_limits,
)
from ._traversal_numbers import numbers_on, resolve_numbers
from ._traversal_overview import make_overviews
from ._traversal_text import slice_line, step_line
from .style import Palette, palette

__all__ = ["OPERATIONS", "TraversalArtists", "draw_traversal", "frame_figure"]

#: Accepted values of ``operation``: a convolution, or a max / average pooling window.
OPERATIONS = ("conv", "max", "average")

_UNIT_SQUARE = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], float)


class TraversalArtists:
    """The artists of one traversal frame; :meth:`update` moves them to another step.

    ``input_image`` is the padded input the view shows, without the window (one data pixel per cell: input,
    padding and, in coverage mode, never-read colours), ``taps`` the cells the window reads (one square per
    kernel tap, so the gaps of a dilated kernel stay unmarked), ``output_image`` the output the view shows
    (computed / current / pending colours); ``overviews`` the small whole grids of zoomed views and
    :attr:`origins` where the views start (padded input / output (row, col); ``(0, 0)`` without zoom);
    ``window`` and ``current`` outline the window and the output cell; ``step_text``, ``sum_text``
    (``None`` without numbers), ``slice_text`` (3-D), ``formula_texts`` and ``labels`` hold the text.
    Built by :func:`draw_traversal`.
    """

    def __init__(
        self,
        ax: Axes,
        traversal: Traversal,
        step: int,
        *,
        numbers: Any,
        coverage: bool,
        theme: str,
        show_formula: bool,
        operation: str,
    ) -> None:
        t = self.traversal = traversal
        self.ax, self.operation, self.coverage = ax, operation, bool(coverage)
        self.colors: Palette = palette(theme)
        self.numbers = resolve_numbers(t, numbers, operation)
        self.cell_pts, self.row_pts, height_pts = axes_cell_points(ax, t)
        self.geometry = g = geometry(t, self.cell_pts, self.row_pts)
        self.step = self._check_step(step)
        self._cells = StepCells(t)
        self._masks = DrawnMasks.of(t)
        self._c = {name: rgba(value) for name, value in self.colors.as_dict().items()}
        self._view: tuple[Any, ...] = ()
        self.origins: tuple[tuple[int, int], tuple[int, int]] = ((0, 0), (0, 0))
        self._blit = False

        set_limits(ax, t, g, self.row_pts, height_pts)
        ax.set_axis_off()
        ax.set_facecolor(self.colors.background)
        interp = "nearest" if self.cell_pts * ax.figure.dpi / 72 >= 1.0 else "antialiased"
        self._input = np.zeros((g.vrows, g.vcols, 4), np.uint8)
        self._output = np.zeros((g.out_vrows, g.out_vcols, 4), np.uint8)
        self.input_image = ax.imshow(self._input, extent=(0, g.vcols, g.vrows, 0), interpolation=interp, zorder=1)
        self.taps = PolyCollection(
            [], facecolors=self.colors.tap, linewidths=0, antialiaseds=False, zorder=1.5, clip_on=False
        )
        ax.add_collection(self.taps)
        self.output_image = ax.imshow(
            self._output,
            extent=(g.out_x0, g.out_x0 + g.out_vcols, g.out_y0 + g.out_vrows, g.out_y0),
            interpolation=interp,
            zorder=1,
        )
        self.overviews = make_overviews(
            ax,
            t,
            g,
            self.colors,
            self._c,
            coverage=self.coverage,
            masks=self._masks,
            cell_pts=self.cell_pts,
            row_pts=self.row_pts,
        )
        set_limits(ax, t, g, self.row_pts, height_pts)  # imshow resets the limits
        self._make_overlays()
        cells = make_cell_texts(
            ax,
            t,
            g,
            self.colors,
            self.numbers,
            cell_pts=self.cell_pts,
            row_pts=self.row_pts,
            order_rc=self._cells.order_rc,
        )
        self._input_text_at, self._weight_texts = cells.input_at, cells.weights
        self._output_texts, self._current_text = cells.outputs, cells.current_color
        texts = make_labels(
            ax, t, g, self.colors, coverage=self.coverage, with_sum=self.numbers is not None, show_formula=show_formula
        )
        self.labels, self.step_text, self.slice_text = texts.labels, texts.step, texts.slice
        self.sum_text, self.formula_texts = texts.sum, texts.formula
        self._draw(self.step, first=True)

    def _make_overlays(self) -> None:
        ax, t, colors = self.ax, self.traversal, self.colors
        self._hatches = overlays.make_hatches(ax, t, colors)
        self._marks = overlays.make_marks(ax, colors, self.coverage, self.cell_pts, self.row_pts)
        self._grid = overlays.make_grid(ax, self.geometry, colors, self.cell_pts, self.row_pts)
        self.window, self.current, self.current_fill, self._rings = overlays.make_window(
            ax, colors, self._cells.kernel, self.cell_pts, self.row_pts
        )
        self._tap_grid, self._tap_hatches, self._stamp = overlays.make_blit_extras(
            ax, t, colors, self._grid is not None, len(self._cells.tap_rc[0])
        )

    # -- public ------------------------------------------------------------------------------------
    def update(self, step: int) -> list[Any]:
        """Show ``step`` (negative counts from the end); returns the artists that changed."""
        return self._draw(self._check_step(step), first=False)

    @property
    def moving(self) -> list[Any]:
        """Artists that change from step to step (the rest changes only with a 3-D plane)."""
        texts = [a for a in (self.step_text, self.sum_text, self.slice_text) if a is not None]
        rings = [r for r in self._rings if r is not None]
        extras = [a for a in (self._tap_grid,) if a is not None] + self._tap_hatches
        return [self.taps, self.current_fill, self.window, self.current, *rings, *extras, *self._weight_texts, *texts]

    # -- blitting (used by convkit.render.export) ---------------------------------------------------
    @property
    def view(self) -> tuple[Any, ...]:
        """What the background shows: the (input, output) depth planes drawn (``None`` below 3-D) and the
        views' :attr:`origins`. A change needs a full draw."""
        return self._view

    def set_blit(self, on: bool) -> None:
        """Blit mode: the :attr:`moving` artists are animated (left out of ``canvas.draw()``) and the
        window also redraws the cell borders, hatching and values it covers."""
        self._blit = bool(on)
        for artist in self.moving:
            artist.set_animated(self._blit)
        self._place_blit_extras()

    def frame_artists(self) -> list[Any]:
        """What a blitted frame draws over the background, bottom to top."""
        covered = [
            self._input_text_at[cell] for cell in zip(*self._cells.taps_at(self.step)) if cell in self._input_text_at
        ]
        current = [self._output_texts[self.step]] if self._output_texts else []
        return sorted([*self.moving, *covered, *current], key=lambda a: a.get_zorder())

    def settled_region(self) -> list[tuple[float, float, float, float]]:
        """(x0, y0, x1, y1) in data units of what :meth:`settle` and :meth:`settle_overview` paint."""
        g = self.geometry
        boxes = [(g.out_x0, g.out_y0, g.out_x0 + g.out_vcols, g.out_y0 + g.out_vrows)]
        if g.out_overview is not None:
            b = g.out_overview
            boxes.append((b.x, b.y, b.x + b.w, b.y + b.h))
        return boxes

    def settle_overview(self) -> list[Any]:
        """Artists that paint the output's overview as it is at the current step (computed cells)."""
        return [a for ov in self.overviews for a in ov.settles]

    def settle(self, step: int) -> list[Any]:
        """Artists that paint output cell ``step`` as computed (drawn once into a blitting background)."""
        g, (r0, c0) = self.geometry, self.origins[1]
        row, col = self._cells.output_cell(step)
        if not (0 <= row - r0 < g.out_vrows and 0 <= col - c0 < g.out_vcols):
            return []  # outside the output view
        self._stamp.set_xy((g.out_x0 + col - c0, g.out_y0 + row - r0))
        return [self._stamp] + ([self._output_texts[step]] if self._output_texts else [])

    # -- one step ----------------------------------------------------------------------------------
    def _check_step(self, step: Any) -> int:
        n = self.traversal.num_steps
        if isinstance(step, bool) or not isinstance(step, _num.Integral) or not -n <= int(step) < n:
            raise ValueError(
                f"`step` must be an integer between 0 and {n - 1} (this traversal has {n} steps; negative "
                f"values count from the end). Received: step={step!r}"
            )
        return int(step) % n

    def _draw(self, step: int, first: bool) -> list[Any]:
        t, g, cells = self.traversal, self.geometry, self._cells
        planes, origins = cells.planes(step), cells.origins(step)
        view = (*planes, *origins)
        (ir, ic), (orow, ocol) = origins
        changed: list[Any] = [self.output_image, *self.moving]
        new_input = first or view[0::2] != self._view[0::2]  # the input's plane or view moved
        if new_input:
            self._input[...] = input_colors(t, g, planes[0], self._c, self.coverage, origins[0], self._masks)
            self.input_image.set_data(self._input)
            overlays.place_hatches(self._hatches, t, g, planes[0], origins[0])
            changed += [
                self.input_image,
                *self._hatches,
                *show_edge_labels(self.labels, g, origins[0]),
                *overlays.place_marks(self._marks, self._input, self._c["unread"]),
            ]
        (r0, c0), (kh, kw) = cells.corner(step), cells.kernel
        r0, c0 = r0 - ir, c0 - ic  # in the view
        rows, cols = cells.tap_rc
        self.taps.set_verts(_UNIT_SQUARE[None, :, :] + np.column_stack([cols + c0, rows + r0])[:, None, :])
        self.window.set_xy((c0, r0))
        new_output = first or view[1::2] != self._view[1::2]
        changed += self._paint_output(step, planes[1], origins[1], new_output)
        self.output_image.set_data(self._output)
        for ov in self.overviews:
            which = 0 if ov.which == "input" else 1
            changed += ov.update(step, origins[which], planes[which], new_input if which == 0 else new_output)
        self._view, self.origins = view, origins
        row, col = cells.output_cell(step)
        x, y = g.out_x0 + col - ocol, g.out_y0 + row - orow
        self.current.set_xy((x, y))
        self.current_fill.set_xy((x, y))
        if self._rings[0] is not None:
            self._rings[0].set_data([c0 + kw / 2], [r0 + kh / 2])
        if self._rings[1] is not None:
            self._rings[1].set_data([x + 0.5], [y + 0.5])
        self.step_text.set_text(step_line(t, self.operation, step))
        if self.sum_text is not None and self.numbers is not None:  # the sum line exists with numbers
            self.sum_text.set_text(self.numbers.sum_line(t, step))
        in_plane, out_plane = planes
        if self.slice_text is not None and in_plane is not None and out_plane is not None:  # 3-D
            self.slice_text.set_text(slice_line(t, (in_plane, out_plane)))
        for text, r, c in zip(self._weight_texts, *cells.taps_at(step)):
            text.set_position((c - ic + 0.95, r - ir + 0.97))
        self.step = step
        self._place_blit_extras()
        return changed

    def _paint_output(self, step: int, plane: int | None, origin: tuple[int, int], full: bool) -> list[Any]:
        """Repaint the output picture; returns the output values (texts) shown, hidden or recoloured."""
        span = paint_output(self._output, self._c, self.traversal, self.geometry, origin, self.step, step, plane, full)
        texts = [self._output_texts[k] for k in span] if self._output_texts else []
        for k, text in zip(span, texts):
            text.set_visible(k <= step)  # ``span`` starts at the first step of the plane drawn
            text.set_color(self._current_text if k == step else self.colors.text)
        return texts

    def _place_blit_extras(self) -> None:
        """Blit mode: borders and hatching over the window's taps; hidden otherwise."""
        rows, cols = self._cells.taps_at(self.step)
        (ir, ic), _ = self.origins
        rows, cols = rows - ir, cols - ic  # in the view
        if self._tap_grid is not None:
            self._tap_grid.set_visible(self._blit)
            if self._blit:
                self._tap_grid.set_segments([s for r, c in zip(rows, cols) for s in overlays.grid_segments(c, r, 1, 1)])
        if self._tap_hatches:
            is_pad = (
                np.all(self._input[rows, cols] == self._c["padding_cell"], axis=-1)
                if self._blit
                else np.zeros(len(rows), bool)
            )
            for patch, r, c, p in zip(self._tap_hatches, rows, cols, is_pad):
                patch.set_bounds(c, r, 1, 1)
                patch.set_visible(bool(p))


# ---------------------------------------------------------------------------------------------- public
def _check_options(traversal: Any, operation: Any, theme: Any) -> None:
    if not isinstance(traversal, Traversal):
        raise TypeError(
            "`traversal` must be a convkit Traversal, e.g. convkit.traverse((28, 28), 3, strides=2). "
            f"Received: traversal={traversal!r:.80} (of type {type(traversal).__name__})"
        )
    if operation not in OPERATIONS:
        raise ValueError(f"`operation` must be one of {OPERATIONS}. Received: operation={operation!r}")
    palette(theme)  # validates


def draw_traversal(
    ax: Axes,
    traversal: Traversal,
    step: int = 0,
    *,
    numbers: Any = None,
    coverage: bool = False,
    theme: str = "light",
    show_formula: bool = True,
    operation: str = "conv",
) -> TraversalArtists:
    """Draw one step of ``traversal`` onto ``ax``; returns the artists (``.update(step)`` animates them).

    Parameters
    ----------
    ax
        A matplotlib ``Axes`` (its figure size is used to decide whether cells get borders and values).
    traversal
        From :func:`convkit.traverse` (1-D: a strip; 3-D: the depth slice through the window).
    step
        Which step to show, ``0 <= step < traversal.num_steps`` (negative counts from the end).
    numbers
        ``None``: a small integer example when the padded input is at most 12 cells a side (1-D/2-D);
        ``True``/``False``: that example always / never; or ``(x, kernel)``, arrays of one channel shaped
        ``traversal.input_size`` and ``traversal.kernel_size`` (pooling: ``x`` alone). Shows the values
        in the cells and the multiply-sum of the current step.
    coverage
        Mark the input cells the layer never reads (colour and ×) and say what share of the input they are.
    theme
        ``"light"`` or ``"dark"`` (see :mod:`convkit.render.style`).
    show_formula
        Write the per-axis output-size formula under the grids.
    operation
        ``"conv"``, or ``"max"`` / ``"average"`` for a pooling window (the output is the max / mean).

    Examples
    --------
    >>> import convkit
    >>> from matplotlib.figure import Figure
    >>> ax = Figure(figsize=(8, 5)).add_subplot()
    >>> art = draw_traversal(ax, convkit.traverse((28, 28), 3, strides=2), step=5)
    >>> art.input_image.get_array().shape[:2], art.output_image.get_array().shape[:2]
    ((28, 28), (13, 13))
    >>> changed = art.update(6)
    """
    _check_options(traversal, operation, theme)
    return TraversalArtists(
        ax,
        traversal,
        step,
        numbers=numbers,
        coverage=coverage,
        theme=theme,
        show_formula=show_formula,
        operation=operation,
    )


def _build_figure(
    traversal: Traversal,
    step: int = 0,
    *,
    numbers: Any = None,
    coverage: bool = False,
    theme: str = "light",
    show_formula: bool = True,
    operation: str = "conv",
    figsize: tuple[float, float] | None = None,
    dpi: float = 100,
) -> tuple[Figure, TraversalArtists]:
    _check_options(traversal, operation, theme)
    shown = numbers_on(traversal, numbers)
    if figsize is None:
        sum_lines: list[str] = []
        longest = 0
        if shown:  # the multiply-sum lines of a few steps, measured, so the figure is wide enough for them
            numbers = resolve_numbers(traversal, numbers, operation)
            if numbers is not None:
                n = traversal.num_steps
                sum_lines = [numbers.sum_line(traversal, s) for s in sorted({0, n // 2, n - 1, step})]
                longest = numbers.longest_value
        figsize, rect = figure_layout(traversal, shown, coverage, show_formula, operation, dpi, sum_lines, longest)
    else:
        rect = fixed_rect(figsize, traversal, shown, coverage, show_formula)
    fig = Figure(figsize=figsize, dpi=dpi, facecolor=palette(theme).background)
    ax = fig.add_axes(rect)
    artists = draw_traversal(
        ax,
        traversal,
        step,
        numbers=numbers,
        coverage=coverage,
        theme=theme,
        show_formula=show_formula,
        operation=operation,
    )
    return fig, artists


def frame_figure(
    traversal: Traversal,
    step: int = 0,
    *,
    numbers: Any = None,
    coverage: bool = False,
    theme: str = "light",
    show_formula: bool = True,
    operation: str = "conv",
    figsize: tuple[float, float] | None = None,
    dpi: float = 100,
) -> Figure:
    """A new ``matplotlib.figure.Figure`` showing one step (sized to the grids unless ``figsize`` is given).

    Keyword arguments as in :func:`draw_traversal`; the artists are at ``fig.convkit_artists``.

    Examples
    --------
    >>> import convkit
    >>> fig = frame_figure(convkit.traverse((28, 28), 3, strides=2, padding="same"), step=0)
    >>> fig.convkit_artists.labels["pad_bottom"].get_text()
    'pad 1'
    """
    fig, artists = _build_figure(
        traversal,
        step,
        numbers=numbers,
        coverage=coverage,
        theme=theme,
        show_formula=show_formula,
        operation=operation,
        figsize=figsize,
        dpi=dpi,
    )
    fig.convkit_artists = artists  # type: ignore[attr-defined]
    return fig
