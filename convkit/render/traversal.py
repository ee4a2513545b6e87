"""One frame of a kernel traversal, drawn with matplotlib onto a given ``Axes``.

Left: the padded input (padding cells coloured *and* hatched, the padding amount labelled on every side)
and the kernel window of the current step with its taps filled (the gaps of a dilated kernel stay empty).
Right (below, for a 1-D strip): the output, computed cells filled and the current one outlined.
Underneath: the per-axis formula and, on request, the multiply-sum of the current step and the share of
the input the layer never reads. Every grid is ONE image artist built with numpy from the traversal's
arrays, so a 512×512 input draws as fast as a 5×5 one, and :meth:`TraversalArtists.update` changes only
the moving parts (image data, two rectangles, a few texts) for fast animation.
"""

from __future__ import annotations

import numbers as _num
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..core.args import axis_names
from ..core.explain import axis_notes, format_axis
from ..core.numeric import step_terms
from ..core.traversal import Traversal
from .style import Palette, palette

__all__ = ["OPERATIONS", "TraversalArtists", "draw_traversal", "frame_figure"]

#: Accepted values of ``operation``: a convolution, or a max / average pooling window.
OPERATIONS = ("conv", "max", "average")

FONT = 9.0                 # points, every label
LINE = FONT * 1.5          # points per text line
GAP_PTS = 34.0             # points between the input and the output grid
MAX_CELL_PTS = 40.0        # largest cell an automatic figure uses
GRID_LINES_MIN_PTS = 5.0   # draw cell borders only when a cell is at least this big
NUMBERS_MIN_PTS = 15.0     # write values in cells only when a cell is at least this big
MARKS_MIN_PTS = 6.0        # draw the × of never-read cells only when a cell is at least this big
AUTO_NUMBERS_MAX = 12      # numbers=None shows a small integer example up to this padded size (1-D/2-D)
STRIP_MIN_PTS = 18.0       # a 1-D strip is at least this tall, however many cells it has
TINY_PTS = 8.0             # a window or output cell drawn smaller than this also gets a ring around it


# ---------------------------------------------------------------------------------------------- geometry
_UNIT_SQUARE = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], float)


@dataclass(frozen=True, slots=True)
class _Geometry:
    """Placement in data units (one unit = one cell; y grows downwards)."""

    rows: int          # padded input in the view
    cols: int
    out_rows: int
    out_cols: int
    out_x0: float      # top-left corner of the output grid
    out_y0: float
    width: float       # the whole grid area
    height: float


def _view_sizes(t: Traversal) -> tuple[tuple[int, int], tuple[int, int]]:
    """(rows, cols) of the padded input and of the output as drawn: a 1-D strip is one row, 3-D one slice."""
    if t.rank == 1:
        return (1, t.padded_size[0]), (1, t.output_size[0])
    return tuple(t.padded_size[-2:]), tuple(t.output_size[-2:])  # type: ignore[return-value]


def _geometry(t: Traversal, cell_pts: float, row_pts: float) -> _Geometry:
    """``row_pts``: the height of a row in points (a 1-D strip's cells may be taller than wide)."""
    (rows, cols), (out_rows, out_cols) = _view_sizes(t)
    if t.rank == 1:  # the output strip goes under the input strip, its label in between
        x0, y0 = 0.0, 1.0 + (LINE + 8.0) / row_pts
    else:
        x0, y0 = cols + GAP_PTS / cell_pts, 0.0
    return _Geometry(rows, cols, out_rows, out_cols, x0, y0, max(cols, x0 + out_cols), max(rows, y0 + out_rows))


def _auto_cell_points(t: Traversal, max_w: float = 7.2 * 72, max_h: float = 4.6 * 72) -> float:
    (rows, cols), (_, out_cols) = _view_sizes(t)
    if t.rank == 1:
        return min(max_w / cols, MAX_CELL_PTS)
    return min((max_w - GAP_PTS) / (cols + out_cols), max_h / rows, MAX_CELL_PTS)


def _strip_row_points(cell_pts: float) -> float:
    return max(cell_pts, STRIP_MIN_PTS)


def _axes_cell_points(ax: Axes, t: Traversal) -> tuple[float, float, float]:
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


def _is_padded(t: Traversal) -> bool:
    return t.padding_mode != "valid"


def _text_lines(t: Traversal, numbers_on: bool, coverage: bool, show_formula: bool) -> tuple[int, int]:
    """How many text lines go above and below the grid area (frame_figure reserves room for them)."""
    side_pads = _is_padded(t) and t.rank >= 2
    top = 2 + (t.rank == 3) + side_pads
    bottom = side_pads + coverage + numbers_on + (t.rank if show_formula else 0)
    return top, bottom


# ---------------------------------------------------------------------------------------------- text
def _size_text(sizes: tuple[int, ...]) -> str:
    return "×".join(str(s) for s in sizes)


def _pad_text(t: Traversal) -> str:
    pads = {p for p in t.padding}
    if len(pads) == 1:
        (before, after), = pads
        return f" (+pad {before}/{after})"
    return " (+pad " + ", ".join(f"{b}/{a}" for b, a in t.padding) + ")"


def _formula_lines(t: Traversal) -> list[str]:
    """The per-axis arithmetic, worded by :mod:`convkit.core.explain` so every view says the same."""
    lines = []
    for axis, name in zip(t.axes, axis_names(t.rank)):
        notes = axis_notes(axis)
        lines.append(format_axis(axis, name) + (f"   ({'; '.join(notes)})" if notes else ""))
    return lines


def _fmt(value: float, integral: bool) -> str:
    if integral and float(value).is_integer():
        return str(int(value))
    return f"{value:.3g}"


# ---------------------------------------------------------------------------------------------- numbers
class _Numbers:
    """Values of one channel (input and kernel) and the output they give at every step."""

    def __init__(self, t: Traversal, x: np.ndarray, kernel: np.ndarray | None, operation: str) -> None:
        pads = [a.pad_before for a in t.axes]
        self.padded = np.zeros(t.padded_size, dtype=np.float64 if x.dtype.kind == "f" else np.int64)
        self.padded[tuple(slice(p, p + n) for p, n in zip(pads, t.input_size))] = x
        self.x = x
        self.kernel = None if kernel is None else kernel.reshape(-1)
        self.integral = bool(np.all(np.mod(x, 1) == 0) and (kernel is None or np.all(np.mod(kernel, 1) == 0)))
        self.operation = operation
        self._pads = np.array(pads)
        self._offsets = t.tap_offsets()
        self._sizes = np.array(t.input_size)
        self.output = self._reduce(t.origins())

    def taps(self, origins: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Values and padding flags of every tap, for ``origins`` of shape (steps, rank)."""
        index = origins[:, None, :] + self._offsets[None, :, :]
        is_pad = ((index < 0) | (index >= self._sizes)).any(axis=-1)
        padded = index + self._pads
        return self.padded[tuple(np.moveaxis(padded, -1, 0))], is_pad

    def _reduce(self, origins: np.ndarray) -> np.ndarray:
        values, is_pad = self.taps(origins)
        if self.operation == "conv":
            return (values * self.kernel).sum(axis=1)
        if self.operation == "max":
            return np.where(is_pad, -np.inf, values).max(axis=1)
        return np.where(is_pad, 0, values).sum(axis=1) / (~is_pad).sum(axis=1)

    def sum_line(self, t: Traversal, step: int, max_terms: int = 12) -> str:
        """``output[0, 5] = 1·0 + 2·1 + … = 7`` (convolution: :func:`convkit.core.numeric.step_terms`) or
        ``max(1, 3, 0) = 3`` / ``mean(...)`` over the non-padding taps (pooling)."""
        index = tuple(int(i) for i in np.unravel_index(step, t.output_size))
        where = "output[" + ", ".join(map(str, index)) + "] = "
        if self.operation == "conv":
            found = step_terms(self.x, self.kernel.reshape(t.kernel_size), t, step)
            terms = [f"{_wrap(_fmt(u.value, self.integral))}·{_wrap(_fmt(u.weight, self.integral))}"
                     for u in found.terms]
            return f"{where}{_elide(terms, ' + ', max_terms)} = {_fmt(found.total, self.integral)}"
        values, is_pad = self.taps(self._origins_of(t, step))
        kept = [_fmt(v, self.integral) for v in values[0][~is_pad[0]]]
        name = "max(" if self.operation == "max" else "mean("
        return f"{where}{name}{_elide(kept, ', ', max_terms)}) = {_fmt(float(self.output[step]), self.integral)}"

    @staticmethod
    def _origins_of(t: Traversal, step: int) -> np.ndarray:
        return np.array([t.steps[step].origin])


def _wrap(text: str) -> str:
    return f"({text})" if text.startswith("-") else text


def _elide(terms: list[str], sep: str, max_terms: int) -> str:
    if len(terms) <= max_terms:
        return sep.join(terms)
    head = sep.join(terms[: max_terms - 2])
    return f"{head}{sep}…{sep}{sep.join(terms[-2:])} ({len(terms)} terms)"


def _default_numbers(t: Traversal, operation: str) -> tuple[np.ndarray, np.ndarray | None]:
    """A small integer example (inputs 0..3, kernel 0..2), the same on every call."""
    rng = np.random.default_rng(7)
    x = rng.integers(0, 4, size=t.input_size)
    return x, (None if operation != "conv" else rng.integers(0, 3, size=t.kernel_size))


def _numbers_on(t: Traversal, numbers_arg: Any) -> bool:
    if numbers_arg is None:
        return t.rank <= 2 and max(t.padded_size) <= AUTO_NUMBERS_MAX
    return numbers_arg is not False


def _resolve_numbers(t: Traversal, numbers_arg: Any, operation: str) -> _Numbers | None:
    if not _numbers_on(t, numbers_arg):
        return None
    if numbers_arg is None or numbers_arg is True:
        return _Numbers(t, *_default_numbers(t, operation), operation)
    if isinstance(numbers_arg, np.ndarray) or not isinstance(numbers_arg, (tuple, list)) or len(numbers_arg) != 2:
        if operation != "conv":
            numbers_arg = (numbers_arg, None)
        else:
            raise TypeError(
                "`numbers` must be None (automatic), True/False, or a pair (x, kernel) of arrays of one channel, "
                f"x of shape {t.input_size} and kernel of shape {t.kernel_size}. "
                f"Received: numbers={numbers_arg!r:.80}"
            )
    x, kernel = (np.asarray(a) if a is not None else None for a in numbers_arg)
    _check_array(x, t.input_size, "x (numbers[0])", "the input size of the traversal")
    if operation == "conv":
        if kernel is None:
            raise ValueError(f"A convolution needs kernel weights: numbers=(x, kernel). Received: numbers=(x, None)")
        _check_array(kernel, t.kernel_size, "kernel (numbers[1])", "the kernel size of the traversal")
    return _Numbers(t, x, kernel if operation == "conv" else None, operation)


def _check_array(a: np.ndarray, shape: tuple[int, ...], name: str, what: str) -> None:
    if a.dtype.kind not in "biuf":
        raise TypeError(f"`{name}` must hold real numbers. Received: {name} of dtype {a.dtype}")
    if a.shape != tuple(shape):
        raise ValueError(
            f"`{name}` must have shape {tuple(shape)} ({what}, one channel, no batch). "
            f"Received: {name} of shape {a.shape}"
        )


# ---------------------------------------------------------------------------------------------- artists
def _rgba(color: Any) -> np.ndarray:
    return (np.array(to_rgba(color)) * 255).round().astype(np.uint8)


def _mix(a: str, b: str, t: float) -> tuple[float, ...]:
    return tuple(np.array(to_rgba(a)) * (1 - t) + np.array(to_rgba(b)) * t)


def _luminance(color: str) -> float:
    rgb = np.array(to_rgba(color)[:3])
    lin = np.where(rgb <= 0.03928, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return float(lin @ [0.2126, 0.7152, 0.0722])


def _readable_on(fill: str, *candidates: str) -> str:
    """The candidate text colour with the highest WCAG contrast against ``fill``."""
    lf = _luminance(fill)
    return max(candidates, key=lambda c: (max(lf, _luminance(c)) + 0.05) / (min(lf, _luminance(c)) + 0.05))


class TraversalArtists:
    """The artists of one traversal frame; :meth:`update` moves them to another step.

    ``input_image`` is the padded input without the window (one data pixel per cell: input, padding and,
    in coverage mode, never-read colours), ``taps`` the cells the window reads (one square per kernel tap,
    so the gaps of a dilated kernel stay unmarked), ``output_image`` the output (computed / current /
    pending colours);
    ``window`` and ``current`` outline the window and the output cell; ``step_text``, ``sum_text``
    (``None`` without numbers), ``slice_text`` (3-D), ``formula_texts`` and ``labels`` hold the text.
    Built by :func:`draw_traversal`.
    """

    def __init__(
        self, ax: Axes, traversal: Traversal, step: int, *, numbers: Any, coverage: bool, theme: str,
        show_formula: bool, operation: str,
    ) -> None:
        t = self.traversal = traversal
        self.ax, self.operation, self.coverage = ax, operation, bool(coverage)
        self.colors: Palette = palette(theme)
        self.numbers = _resolve_numbers(t, numbers, operation)
        self.cell_pts, self.row_pts, height_pts = _axes_cell_points(ax, t)
        self.geometry = g = _geometry(t, self.cell_pts, self.row_pts)
        self.step = self._check_step(step)
        self._pads = np.array([a.pad_before for a in t.axes])
        self._strides = np.array(t.strides)
        self._order_rc = self._output_view(t.output_indices())
        self._tap_rc = self._view_offsets(t.tap_offsets())
        self._c = {name: _rgba(value) for name, value in self.colors.as_dict().items()}
        self._view: tuple[int | None, int | None] = (None, None)
        self._blit = False

        self._set_limits(height_pts)
        ax.set_axis_off()
        ax.set_facecolor(self.colors.background)
        interp = "nearest" if self.cell_pts * ax.figure.dpi / 72 >= 1.0 else "antialiased"
        self._input = np.zeros((g.rows, g.cols, 4), np.uint8)
        self._output = np.zeros((g.out_rows, g.out_cols, 4), np.uint8)
        self.input_image = ax.imshow(self._input, extent=(0, g.cols, g.rows, 0), interpolation=interp, zorder=1)
        self.taps = ax.add_collection(PolyCollection(
            [], facecolors=self.colors.tap, linewidths=0, antialiaseds=False, zorder=1.5, clip_on=False
        ))
        self.output_image = ax.imshow(
            self._output, extent=(g.out_x0, g.out_x0 + g.out_cols, g.out_y0 + g.out_rows, g.out_y0),
            interpolation=interp, zorder=1,
        )
        self._set_limits(height_pts)  # imshow resets the limits
        self._hatches = self._make_hatches()
        self._marks = self._make_marks()
        self._grid = self._make_grid()
        self._make_window()
        self._make_blit_extras()
        self._cell_texts()
        self._labels(show_formula)
        self._draw(self.step, first=True)

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
        return [self.taps, self.current_fill, self.window, self.current, *rings, *extras,
                *self._weight_texts, *texts]

    # -- blitting (used by convkit.render.export) ---------------------------------------------------
    @property
    def view(self) -> tuple[int | None, int | None]:
        """The (input, output) depth planes drawn; ``(None, None)`` below 3-D. A change needs a full draw."""
        return self._view

    def set_blit(self, on: bool) -> None:
        """Blit mode: the :attr:`moving` artists are animated (left out of ``canvas.draw()``) and the
        window also redraws the cell borders, hatching and values it covers."""
        self._blit = bool(on)
        for artist in self.moving:
            artist.set_animated(self._blit)
        self._place_extras()

    def frame_artists(self) -> list[Any]:
        """What a blitted frame draws over the background, bottom to top."""
        rc = self._taps_at(self.step)
        covered = [self._input_text_at[cell] for cell in zip(*rc) if cell in self._input_text_at]
        current = [self._output_texts[self.step]] if self._output_texts else []
        return sorted([*self.moving, *covered, *current], key=lambda a: a.get_zorder())

    def settle(self, step: int) -> list[Any]:
        """Artists that paint output cell ``step`` as computed (drawn once into a blitting background)."""
        rows, cols = self._order_rc
        g = self.geometry
        self._stamp.set_xy((g.out_x0 + cols[step], g.out_y0 + rows[step]))
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

    def _origin(self, step: int) -> np.ndarray:
        """Padded coordinates of the window's first tap."""
        return np.array(np.unravel_index(step, self.traversal.output_size)) * self._strides

    def _output_view(self, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self.traversal.rank == 1:
            return np.zeros(len(index), int), index[:, 0]
        return index[:, -2], index[:, -1]

    def _view_offsets(self, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row, col) offsets of the taps drawn: all of them in 1-D/2-D, the middle kernel plane in 3-D."""
        t = self.traversal
        if t.rank == 1:
            return np.zeros(len(offsets), int), offsets[:, 0]
        if t.rank == 3:
            offsets = offsets[offsets[:, 0] == (t.kernel_size[0] // 2) * t.dilation_rate[0]]
        return offsets[:, -2], offsets[:, -1]

    def _kernel_view(self) -> tuple[int, int]:
        k = self.traversal.effective_kernel
        return (1, k[0]) if self.traversal.rank == 1 else (k[-2], k[-1])

    def _corner(self, step: int) -> tuple[int, int]:
        """(row, col) of the window's top-left cell in the drawn (padded) input."""
        origin = self._origin(step)
        return (0, int(origin[0])) if self.traversal.rank == 1 else (int(origin[-2]), int(origin[-1]))

    def _taps_at(self, step: int) -> tuple[np.ndarray, np.ndarray]:
        r0, c0 = self._corner(step)
        return self._tap_rc[0] + r0, self._tap_rc[1] + c0

    def _views_of(self, step: int) -> tuple[int | None, int | None]:
        t = self.traversal
        if t.rank != 3:
            return None, None
        plane = self._origin(step)[0] + (t.kernel_size[0] // 2) * t.dilation_rate[0]
        return int(plane), int(np.unravel_index(step, t.output_size)[0])

    def _draw(self, step: int, first: bool) -> list[Any]:
        t, g = self.traversal, self.geometry
        view = self._views_of(step)
        changed: list[Any] = [self.output_image, *self.moving]
        if first or view[0] != self._view[0]:
            self._input[...] = self._input_base(view[0])
            self.input_image.set_data(self._input)
            self._set_hatches(view[0])
            changed += [self.input_image, *self._hatches, *self._set_marks()]
        (r0, c0), (kh, kw) = self._corner(step), self._kernel_view()
        rows, cols = self._tap_rc
        self.taps.set_verts(_UNIT_SQUARE[None, :, :] + np.column_stack([cols + c0, rows + r0])[:, None, :])
        self.window.set_xy((c0, r0))
        changed += self._paint_output(step, view[1], first or view[1] != self._view[1])
        self.output_image.set_data(self._output)
        self._view = view
        rows, cols = self._order_rc
        x, y = g.out_x0 + cols[step], g.out_y0 + rows[step]
        self.current.set_xy((x, y))
        self.current_fill.set_xy((x, y))
        if self._rings[0] is not None:
            self._rings[0].set_data([c0 + kw / 2], [r0 + kh / 2])
        if self._rings[1] is not None:
            self._rings[1].set_data([x + 0.5], [y + 0.5])
        self.step_text.set_text(_step_line(t, self.operation, step))
        if self.sum_text is not None:
            self.sum_text.set_text(self.numbers.sum_line(t, step))
        if self.slice_text is not None:
            self.slice_text.set_text(self._slice_line(view))
        for text, r, c in zip(self._weight_texts, *self._taps_at(step)):
            text.set_position((c + 0.95, r + 0.97))
        self.step = step
        self._place_extras()
        return changed

    def _paint_output(self, step: int, plane: int | None, full: bool) -> list[Any]:
        """Computed cells filled, the current one in its own colour; only the cells that change are painted.
        Returns the output values (texts) shown, hidden or recoloured."""
        rows, cols = self._order_rc
        if full:  # a new picture (or a new output plane in 3-D): everything before ``step`` in this plane
            per_plane = self.traversal.num_steps if plane is None else int(np.prod(self.traversal.output_size[1:]))
            lo = 0 if plane is None else plane * per_plane
            self._output[...] = self._c["output_cell"]
            self._output[rows[lo:step], cols[lo:step]] = self._c["output_done"]
            span = range(lo, lo + per_plane)
        else:
            prev, lo = self.step, 0
            if step > prev:
                self._output[rows[prev:step], cols[prev:step]] = self._c["output_done"]
            elif step < prev:
                self._output[rows[step + 1:prev + 1], cols[step + 1:prev + 1]] = self._c["output_cell"]
            span = range(min(prev, step), max(prev, step) + 1)
        self._output[rows[step], cols[step]] = self._c["output_current"]
        texts = [self._output_texts[k] for k in span] if self._output_texts else []
        for k, text in zip(span, texts):
            text.set_visible(lo <= k <= step)
            text.set_color(self._current_text if k == step else self.colors.text)
        return texts

    # -- the input picture -----------------------------------------------------------------------------
    def _input_base(self, plane: int | None) -> np.ndarray:
        """Colours of every drawn input cell without the window: input, padding, never read (coverage)."""
        t, g = self.traversal, self.geometry
        rows, cols = np.arange(g.rows)[:, None], np.arange(g.cols)[None, :]
        coords = [cols] if t.rank == 1 else [rows, cols]
        is_pad = np.zeros((g.rows, g.cols), bool)
        inside = []
        for axis, c in zip(range(t.rank - len(coords), t.rank), coords):
            u = c - self._pads[axis]
            is_pad |= (u < 0) | (u >= t.input_size[axis])
            inside.append(np.clip(u, 0, t.input_size[axis] - 1))
        if plane is not None:
            d = plane - self._pads[0]
            is_pad |= not 0 <= d < t.input_size[0]
            inside.insert(0, np.array(min(max(d, 0), t.input_size[0] - 1)))
        colors = np.where(is_pad[..., None], self._c["padding_cell"], self._c["input_cell"])
        if self.coverage:
            unread = t.unread_mask[tuple(inside)] & ~is_pad
            colors = np.where(unread[..., None], self._c["unread"], colors)
        return colors.astype(np.uint8)

    def _is_padding_cell(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        return np.all(self._input[rows, cols] == self._c["padding_cell"], axis=-1)

    def _hatch_color(self) -> tuple[float, ...]:
        return _mix(self.colors.padding_cell, self.colors.text, 0.4)

    def _hatched(self, **kw: Any) -> Rectangle:
        patch = Rectangle((0, 0), 0, 0, fill=False, lw=0, hatch="...", clip_on=False, **kw)
        if hasattr(patch, "set_hatchcolor"):  # matplotlib >= 3.10
            patch.set_hatchcolor(self._hatch_color())
        else:
            patch.set_edgecolor(self._hatch_color())
        return patch

    def _make_hatches(self) -> list[Rectangle]:
        """Hatched bands over the padding, so padding never relies on colour alone."""
        if not _is_padded(self.traversal):
            return []
        return [self.ax.add_patch(self._hatched(zorder=2)) for _ in range(5)]

    def _set_hatches(self, plane: int | None) -> None:
        if not self._hatches:
            return
        t, g = self.traversal, self.geometry
        (rb, ra), (cb, ca) = ((0, 0), t.padding[0]) if t.rank == 1 else (t.padding[-2], t.padding[-1])
        whole = plane is not None and not 0 <= plane - self._pads[0] < t.input_size[0]  # a padding plane
        boxes = [(0, 0, g.cols, g.rows)] if whole else [
            (0, 0, g.cols, rb), (0, g.rows - ra, g.cols, ra),
            (0, rb, cb, g.rows - rb - ra), (g.cols - ca, rb, ca, g.rows - rb - ra),
        ]
        for patch, box in zip(self._hatches, boxes + [(0, 0, 0, 0)] * (5 - len(boxes))):
            patch.set_bounds(*box)
            patch.set_visible(box[2] > 0 and box[3] > 0)

    def _make_marks(self) -> Any:
        if not self.coverage or min(self.cell_pts, self.row_pts) < MARKS_MIN_PTS:
            return None
        return self.ax.scatter([], [], s=(0.55 * self.cell_pts) ** 2, marker="x", c=self.colors.background,
                               linewidths=max(0.8, 0.09 * self.cell_pts), zorder=3)

    def _set_marks(self) -> list[Any]:
        if self._marks is None:
            return []
        rows, cols = np.nonzero(np.all(self._input == self._c["unread"], axis=-1))
        self._marks.set_offsets(np.column_stack([cols + 0.5, rows + 0.5]))
        return [self._marks]

    def _grid_segments(self, x0: float, y0: float, rows: int, cols: int) -> list[Any]:
        return ([[(x0, y0 + r), (x0 + cols, y0 + r)] for r in range(rows + 1)]
                + [[(x0 + c, y0), (x0 + c, y0 + rows)] for c in range(cols + 1)])

    def _make_grid(self) -> Any:
        if min(self.cell_pts, self.row_pts) < GRID_LINES_MIN_PTS:
            return None
        g = self.geometry
        segments = self._grid_segments(0, 0, g.rows, g.cols)
        segments += self._grid_segments(g.out_x0, g.out_y0, g.out_rows, g.out_cols)
        return self.ax.add_collection(
            LineCollection(segments, colors=self.colors.grid_line, linewidths=0.5, zorder=4, clip_on=False)
        )

    def _make_window(self) -> None:
        lw = 2.0 if self.cell_pts >= 6 else 1.4
        kh, kw = self._kernel_view()
        box = dict(fill=False, ec=self.colors.window, lw=lw, zorder=5, clip_on=False)
        self.window = self.ax.add_patch(Rectangle((0, 0), kw, kh, **box))
        self.current = self.ax.add_patch(Rectangle((0, 0), 1, 1, **box))
        self.current_fill = self.ax.add_patch(Rectangle((0, 0), 1, 1, fc=self.colors.output_current, lw=0,
                                                        zorder=1.5))
        ring = dict(marker="o", ms=3 * TINY_PTS, mfc="none", mec=self.colors.window, mew=1.5, zorder=5,
                    clip_on=False)
        tiny = (min(kw * self.cell_pts, kh * self.row_pts), min(self.cell_pts, self.row_pts))
        self._rings = [self.ax.plot([], [], **ring)[0] if size < TINY_PTS else None for size in tiny]

    def _make_blit_extras(self) -> None:
        """In blit mode the opaque taps hide the cell borders, hatching and values under them (they are in
        the background): these redraw them over the taps. Hidden in a normal draw."""
        grid = self._grid is not None
        self._tap_grid = self.ax.add_collection(
            LineCollection([], colors=self.colors.grid_line, linewidths=0.5, zorder=4, clip_on=False,
                           visible=False)
        ) if grid else None
        padded = _is_padded(self.traversal)
        self._tap_hatches = [self.ax.add_patch(self._hatched(zorder=2, visible=False))
                             for _ in range(len(self._tap_rc[0]) if padded else 0)]
        self._stamp = Rectangle((0, 0), 1, 1, fc=self.colors.output_done, ec=self.colors.grid_line,
                                lw=0.5 if grid else 0, zorder=1.5, clip_on=False)  # never added: see settle()
        self._stamp.axes = self.ax
        self._stamp.set_transform(self.ax.transData)

    def _place_extras(self) -> None:
        rows, cols = self._taps_at(self.step)
        if self._tap_grid is not None:
            self._tap_grid.set_visible(self._blit)
            if self._blit:
                self._tap_grid.set_segments([s for r, c in zip(rows, cols) for s in self._grid_segments(c, r, 1, 1)])
        if self._tap_hatches:
            pad = self._is_padding_cell(rows, cols) if self._blit else np.zeros(len(rows), bool)
            for patch, r, c, p in zip(self._tap_hatches, rows, cols, pad):
                patch.set_bounds(c, r, 1, 1)
                patch.set_visible(bool(p))

    # -- values in cells -------------------------------------------------------------------------------
    def _cell_texts(self) -> None:
        """Numbers mode, 1-D/2-D, big cells only: input values, kernel weights at the taps (moved by
        :meth:`update`), output values of the computed cells (shown by :meth:`update`)."""
        self._input_text_at: dict[tuple[int, int], Any] = {}
        self._weight_texts: list[Any] = []
        self._output_texts: list[Any] = []
        t, g, nums = self.traversal, self.geometry, self.numbers
        if nums is None or t.rank == 3 or min(self.cell_pts, self.row_pts) < NUMBERS_MIN_PTS \
                or g.rows * g.cols > 1600:
            return
        size = min(11.0, 0.4 * self.cell_pts)
        style = dict(ha="center", va="center", fontsize=size, zorder=6, color=self.colors.text)
        is_pad = np.all(self._input_base(None) == self._c["padding_cell"], axis=-1)
        for (r, c), value in np.ndenumerate(nums.padded.reshape(g.rows, g.cols)):
            if not is_pad[r, c]:  # padding is 0: the hatching and the multiply-sum say so
                self._input_text_at[(r, c)] = self.ax.text(c + 0.5, r + 0.5, _fmt(value, nums.integral), **style)
        if nums.kernel is not None:
            self._weight_texts = [
                self.ax.text(0, 0, _fmt(w, nums.integral), ha="right", va="bottom", fontsize=max(5.0, 0.7 * size),
                             color=self.colors.window, fontweight="bold", zorder=6)
                for w in nums.kernel
            ]
        rows, cols = self._order_rc
        self._current_text = _readable_on(self.colors.output_current, self.colors.text, self.colors.background)
        self._output_texts = [
            self.ax.text(g.out_x0 + c + 0.5, g.out_y0 + r + 0.5, _fmt(v, nums.integral), visible=False, **style)
            for r, c, v in zip(rows, cols, nums.output)
        ]

    # -- labels ----------------------------------------------------------------------------------------
    def _set_limits(self, height_pts: float) -> None:
        g = self.geometry
        self.ax.set_xlim(0, g.width)
        if self.traversal.rank == 1:  # rows may be taller than cells are wide; strips hang from the top
            self.ax.set_aspect("auto")
            self.ax.set_ylim(max(g.height, height_pts / self.row_pts), 0)
        else:
            self.ax.set_aspect("equal", adjustable="box")
            self.ax.set_ylim(g.height, 0)

    def _annotate(self, text: str, xy: tuple[float, float], offset: tuple[float, float], **kw: Any) -> Any:
        kw.setdefault("fontsize", FONT)
        kw.setdefault("color", self.colors.text)
        return self.ax.annotate(text, xy=xy, xytext=offset, textcoords="offset points", annotation_clip=False, **kw)

    def _labels(self, show_formula: bool) -> None:
        t, g, c = self.traversal, self.geometry, self.colors
        self.labels: dict[str, Any] = {}
        side_pads = _is_padded(t) and t.rank >= 2
        top = 2.0 + (LINE if side_pads else 0.0)
        self.labels["input"] = self._annotate(
            f"input {_size_text(t.input_size)}{_pad_text(t) if _is_padded(t) else ''}", (0, 0), (0, top),
            ha="left", va="bottom",
        )
        out_offset = (0, top) if t.rank >= 2 else (0, 3)
        self.labels["output"] = self._annotate(
            f"output {_size_text(t.output_size)}", (g.out_x0, g.out_y0), out_offset, ha="left", va="bottom",
        )
        self.slice_text = None
        if t.rank == 3:
            self.slice_text = self._annotate("", (0, 0), (0, top + LINE), ha="left", va="bottom")
        self.step_text = self._annotate("", (0, 0), (0, top + LINE * (1 + (t.rank == 3))), ha="left", va="bottom",
                                        fontweight="bold")
        if _is_padded(t):
            self._pad_labels()
        # under the grids, one line each: [bottom padding label] [coverage] [multiply-sum] [formula per axis]
        line = 1 if side_pads else 0
        self.labels.pop("coverage", None)
        if self.coverage:
            n_unread, total = int(t.unread_mask.sum()), int(np.prod(t.input_size))
            msg = (f"× {100 * t.unread_fraction:.2f}% of input never read ({n_unread:,} of {total:,} cells)"
                   if n_unread else "every input cell is read at least once")
            self.labels["coverage"] = self._below(msg, line, color=c.unread if n_unread else c.text)
            line += 1
        self.sum_text = None
        if self.numbers is not None:
            self.sum_text = self._below("", line)
            line += 1
        self.formula_texts = [self._below(text, line + i) for i, text in enumerate(_formula_lines(t))] \
            if show_formula else []

    def _below(self, text: str, line: int, **kw: Any) -> Any:
        return self._annotate(text, (0, self.geometry.height), (0, -2 - line * LINE), ha="left", va="top", **kw)

    def _pad_labels(self) -> None:
        t, g = self.traversal, self.geometry
        small = dict(fontsize=FONT - 1, color=self.colors.text)
        if t.rank == 1:
            before, after = t.padding[0]
            self.labels["pad_left"] = self._annotate(f"pad {before}", (0, 0.5), (-4, 0), ha="right", va="center",
                                                     **small)
            self.labels["pad_right"] = self._annotate(f"pad {after}", (g.cols, 0.5), (4, 0), ha="left",
                                                      va="center", **small)
            return
        (top, bottom), (left, right) = t.padding[-2], t.padding[-1]
        mid_x, mid_y = g.cols / 2, g.rows / 2
        self.labels["pad_top"] = self._annotate(f"pad {top}", (mid_x, 0), (0, 2), ha="center", va="bottom", **small)
        self.labels["pad_bottom"] = self._annotate(f"pad {bottom}", (mid_x, g.rows), (0, -2), ha="center",
                                                   va="top", **small)
        self.labels["pad_left"] = self._annotate(f"pad {left}", (0, mid_y), (-3, 0), ha="right", va="center",
                                                 rotation=90, **small)
        self.labels["pad_right"] = self._annotate(f"pad {right}", (g.cols, mid_y), (3, 0), ha="left", va="center",
                                                  rotation=90, **small)

    def _slice_line(self, slices: tuple[int | None, int | None]) -> str:
        t = self.traversal
        d = slices[0] - self._pads[0]
        where = "a padding plane" if not 0 <= d < t.input_size[0] else f"of 0–{t.input_size[0] - 1}"
        return (f"3-D, one plane each: input depth {d} ({where}, the window's middle plane), "
                f"output depth {slices[1]}")


def _step_line(t: Traversal, operation: str, step: int) -> str:
    """``kernel 3×3 · step 6/169 · output[0, 5] reads rows 0–2, cols 10–12`` (input coordinates, unpadded)."""
    index = np.unravel_index(step, t.output_size)
    names = ("positions",) if t.rank == 1 else ("rows", "cols") if t.rank == 2 else ("depths", "rows", "cols")
    spans = []
    for name, i, a in zip(names, index, t.axes):
        start = int(i) * a.strides - a.pad_before
        end = start + a.effective_kernel - 1
        spans.append(f"{name} {start}" if end == start else f"{name} {start}{' to ' if start < 0 else '–'}{end}")
    every = sorted({a.dilation_rate for a in t.axes if a.dilation_rate > 1})
    gaps = " (every " + "/".join(_ordinal(d) for d in every) + " cell)" if every else ""
    what = {"conv": "kernel", "max": "max-pool window", "average": "average-pool window"}[operation]
    out = ", ".join(str(int(i)) for i in index)
    return (f"{what} {_size_text(t.kernel_size)} · step {step + 1}/{t.num_steps} · output[{out}] reads "
            f"{', '.join(spans)}{gaps}")


def _ordinal(n: int) -> str:
    return {2: "2nd", 3: "3rd"}.get(n, f"{n}th")


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
    ax: Axes, traversal: Traversal, step: int = 0, *, numbers: Any = None, coverage: bool = False,
    theme: str = "light", show_formula: bool = True, operation: str = "conv",
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
    return TraversalArtists(ax, traversal, step, numbers=numbers, coverage=coverage, theme=theme,
                            show_formula=show_formula, operation=operation)


def _figure_layout(
    traversal: Traversal, numbers_on: bool, coverage: bool, show_formula: bool, operation: str,
) -> tuple[tuple[float, float], tuple[float, float, float, float]]:
    """Automatic figure size (inches) and axes rectangle (figure fractions) for a traversal frame."""
    t = traversal
    cell = _auto_cell_points(t)
    row = _strip_row_points(cell) if t.rank == 1 else cell
    g = _geometry(t, cell, row)
    grid_w, grid_h = g.width * cell / 72, g.height * row / 72
    top, bottom = _text_lines(t, numbers_on, coverage, show_formula)
    side = 34.0 if t.rank == 1 and _is_padded(t) else (LINE + 6 if _is_padded(t) else 8)
    left, right = side / 72, (side if t.rank == 1 else 8.0) / 72
    top_in, bottom_in = (top * LINE + 8) / 72, (bottom * LINE + 8) / 72
    # the text lines start at the grid's left edge: the figure must be wide enough for the longest one
    chars = len(_step_line(t, operation, t.num_steps - 1)) * 1.08  # bold
    if show_formula:
        chars = max(chars, *(len(line) for line in _formula_lines(t)))
    if numbers_on:
        chars = max(chars, 24 + 7 * min(t.num_taps, 12))
    width = max(grid_w + left + right, left + chars * FONT * 0.56 / 72 + 0.15)
    height = grid_h + top_in + bottom_in
    rect = (left / width, bottom_in / height, grid_w / width, grid_h / height)
    return (width, height), rect


def _build_figure(
    traversal: Traversal, step: int = 0, *, numbers: Any = None, coverage: bool = False, theme: str = "light",
    show_formula: bool = True, operation: str = "conv", figsize: tuple[float, float] | None = None,
    dpi: float = 100,
) -> tuple[Figure, TraversalArtists]:
    _check_options(traversal, operation, theme)
    numbers_on = _numbers_on(traversal, numbers)
    auto_size, rect = _figure_layout(traversal, numbers_on, coverage, show_formula, operation)
    if figsize is not None:
        top, bottom = _text_lines(traversal, numbers_on, coverage, show_formula)
        w, h = figsize
        rect = (0.5 / w, (bottom * LINE + 8) / 72 / h, 1 - 0.6 / w, 1 - ((top + bottom) * LINE + 16) / 72 / h)
    fig = Figure(figsize=figsize or auto_size, dpi=dpi, facecolor=palette(theme).background)
    ax = fig.add_axes(rect)
    artists = draw_traversal(ax, traversal, step, numbers=numbers, coverage=coverage, theme=theme,
                             show_formula=show_formula, operation=operation)
    return fig, artists


def frame_figure(
    traversal: Traversal, step: int = 0, *, numbers: Any = None, coverage: bool = False, theme: str = "light",
    show_formula: bool = True, operation: str = "conv", figsize: tuple[float, float] | None = None,
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
    fig, artists = _build_figure(traversal, step, numbers=numbers, coverage=coverage, theme=theme,
                                 show_formula=show_formula, operation=operation, figsize=figsize, dpi=dpi)
    fig.convkit_artists = artists  # type: ignore[attr-defined]
    return fig
