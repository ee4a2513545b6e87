"""Matplotlib frames of a transposed convolution: the Scatter and Zero-stuffed views and the overlap-count map.

Every frame is a pure function of (:class:`~convkit.render._transpose_model.TransposeModel`, view, step): the export
walks the model, it never drives a widget. Cells are drawn as one image per panel (fast for a 512×512 input too);
the kernel's patch, its taps and the crop frame are outlines on top; the words are
:mod:`convkit.render.transpose_words`' (what the widget says).
"""

from __future__ import annotations

import io
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ._transpose_model import TransposeModel, build_model
from ._traversal_gif import GifStream
from .style import palette
from .transpose_words import VIEW_NAMES, crop_sentence, overlap_sentence, step_sentence, sum_sentence, title_sentence

__all__ = ["draw_frame", "save", "png_bytes", "frame_steps", "overlap_colours", "build_model"]

#: Viridis steps for overlap counts 1..6+ (the widget's colours: convkit.widgets._transpose_payload.overlap_colours).
_VIRIDIS = ("#FDE725", "#7AD151", "#22A884", "#2A788E", "#414487", "#440154")
MAX_GIF_FRAMES = 60
_NUMBERS_MAX_SIDE = 16  # values and counts are written in the cells up to this many cells a side


def overlap_colours(theme: str = "light") -> list[str]:
    """Colours of overlap counts 1..6+ (dark: darkest first, so more taps read brighter on a dark page).

    >>> overlap_colours("light")[0], overlap_colours("dark")[0]
    ('#FDE725', '#440154')
    """
    palette(theme)
    return list(_VIRIDIS if theme == "light" else _VIRIDIS[::-1])


def _rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)], np.uint8)


def _rgba(rgb: np.ndarray) -> np.ndarray:
    """``(h, w, 3)`` uint8 colours as opaque ``(h, w, 4)`` uint8."""
    out = np.full((*rgb.shape[:2], 4), 255, np.uint8)
    out[..., :3] = rgb
    return out


def _two(values: tuple[int, ...], one: int) -> tuple[int, int]:
    return (one, values[0]) if len(values) == 1 else (values[0], values[1])


class _Accumulator:
    """Counts (and values) of the drawn grid after steps 0..n of the scatter view (forward only, restart to go back)."""

    def __init__(self, model: TransposeModel) -> None:
        self.m = model
        self.count = np.zeros(model.grid_size, np.int32)
        self.value = np.zeros(model.grid_size) if model.values is not None else None
        self.upto = -1

    def to(self, step: int) -> None:
        if step < self.upto:
            self.__init__(self.m)  # type: ignore[misc]
        m = self.m
        for s in range(self.upto + 1, step + 1):
            index = np.unravel_index(s, m.input_size)
            rows = [t[i] for t, i in zip(m.targets, index)]
            grids = np.meshgrid(*rows, indexing="ij")
            valid = np.all([g >= 0 for g in grids], axis=0)
            cells = tuple(g[valid] for g in grids)
            np.add.at(self.count, cells, 1)
            if self.value is not None and m.values is not None:
                np.add.at(self.value, cells, m.values["contrib"][s].reshape(valid.shape)[valid])
        self.upto = step


def _panels(model: TransposeModel, view: str, step: int, acc: _Accumulator | None, overlap: bool, theme: str) -> Any:
    """The two panels' RGB images, their texts, and the outlines: pure function of the arguments."""
    p = palette(theme)
    ov = [_rgb(c) for c in overlap_colours(theme)]
    none = _rgb(p.output_cell)

    def colour_counts(counts: np.ndarray) -> np.ndarray:
        table = np.stack([none, *ov])
        coloured: np.ndarray = table[np.clip(counts, 0, len(ov))]
        return coloured

    m = model
    vals = m.values
    if view == "scatter":
        assert acc is not None
        acc.to(step)
        left = np.tile(_rgb(p.input_cell), (*m.input_size, 1))
        flat = left.reshape(-1, 3)
        flat[:step] = _rgb(p.output_done)
        flat[step] = _rgb(p.tap)
        right = colour_counts(m.grid_overlap if overlap else acc.count)
        cells = m.step_cells(step)
        index = np.unravel_index(step, m.input_size)
        left_boxes = [tuple((int(i), int(i) + 1) for i in index)]
        right_taps = [tuple((c, c + 1) for c in cell) for cell in cells]
        lo = [min(c[a] for c in cells) for a in range(m.rank)] if cells else [0] * m.rank
        hi = [max(c[a] for c in cells) + 1 for a in range(m.rank)] if cells else [0] * m.rank
        right_window = tuple(zip(lo, hi))
        frame = tuple((b, b + o) for b, o in zip(m.crop_before, m.output_size))
        left_text = vals["x"][..., 0] if vals is not None else None
        if vals is not None and acc.value is not None:
            right_text: np.ndarray | None = np.where(acc.count > 0, acc.value, np.nan)
        else:
            counts = m.grid_overlap if overlap else acc.count
            right_text = np.where(counts > 0, counts, np.nan).astype(float)
        return left, right, left_text, right_text, left_boxes, right_taps, right_window, frame
    t = m.traversal
    assert t is not None
    drawn = slice(-m.rank, None)
    pads = t.direct_padding[drawn]
    stuffed = t.stuffed_size[drawn]
    padded = tuple(s + a + b for s, (a, b) in zip(stuffed, pads))
    left = np.tile(_rgb(p.padding_cell), (*padded, 1))
    inner = tuple(slice(a, a + s) for (a, _), s in zip(pads, stuffed))
    left[inner] = _rgb(p.background)
    real = tuple(slice(a, a + s, st) for (a, _), s, st in zip(pads, stuffed, t.strides[drawn]))
    left[real] = _rgb(p.input_cell)
    out = np.unravel_index(step, m.output_size)
    k_eff = t.effective_kernel[drawn]
    left_boxes = [tuple((int(o), int(o) + k) for o, k in zip(out, k_eff))]
    right_taps = []
    for combo in np.ndindex(*m.kernel_size):
        right_taps.append(
            tuple((int(o) + j * d, int(o) + j * d + 1) for o, j, d in zip(out, combo, t.dilation_rate[drawn]))
        )
    left_text = None
    if vals is not None:
        left_text = np.zeros(padded)
        left_text[real] = vals["x"][..., 0]
    if overlap:
        right = colour_counts(m.overlap)
    else:
        right = np.tile(_rgb(p.output_cell), (*m.output_size, 1))
        flat = right.reshape(-1, 3)
        flat[:step] = _rgb(p.output_done)
        flat[step] = _rgb(p.output_current)
    right_text = None
    if vals is not None:
        shown = np.arange(math.prod(m.output_size)).reshape(m.output_size) <= (step if not overlap else 10**12)
        right_text = np.where(shown, vals["output"], np.nan)
    elif overlap:
        right_text = m.overlap.astype(float)
    right_window = tuple((int(o), int(o) + 1) for o in out)
    return left, right, left_text, right_text, right_taps, left_boxes, right_window, None


class _Painter:
    """One figure drawn step after step: axes, images and grid lines made once, per step the cell colours change
    (``set_data``) and the outlines, cell numbers and sentences are replaced."""

    def __init__(
        self, fig: Figure, model: TransposeModel, view: str, *, show_overlap: bool, theme: str, title: str | None = None
    ) -> None:
        self.fig, self.m, self.view, self.overlap, self.theme = fig, model, view, show_overlap, theme
        p = self.p = palette(theme)
        fig.clear()
        fig.set_facecolor(p.background)
        title = f"{title or title_sentence(model)} · {VIEW_NAMES[view]} view"
        fig.text(0.01, 0.98, title, color=p.text, fontsize=9, va="top", weight="bold")
        static = [crop_sentence(model) if view == "scatter" else "zero-stuffed: inserted zeros blank, padding hatched"]
        if show_overlap:
            static.append(overlap_sentence(model))
        fig.text(0.01, 0.02, "\n".join(static), color=p.text, fontsize=8, va="bottom", family="monospace")
        self.words = fig.text(0.01, 0.1, "", color=p.text, fontsize=8, va="bottom", family="monospace")
        self.lines: list[Any] = []  # grid lines: drawn over the cells every frame
        grid = {"left": 0.02, "right": 0.98, "top": 0.9, "bottom": 0.2, "wspace": 0.08}
        self.axes = fig.subplots(1, 2, gridspec_kw=grid)
        self.images: list[Any] = []
        self.dynamic: list[Any] = []
        names = ("input", "scattered output") if view == "scatter" else ("stuffed + padded input", "output")
        first = _panels(model, view, 0, _Accumulator(model) if view == "scatter" else None, show_overlap, theme)
        for ax, img, name in zip(self.axes, first[:2], names):
            img = img[None] if img.ndim == 2 else img
            # opaque RGBA bytes resampled as colours: a quarter of the time of RGB (GIF export draws every frame)
            self.images.append(
                ax.imshow(_rgba(img), interpolation="nearest", interpolation_stage="rgba", aspect="equal")
            )
            ax.set_facecolor(p.background)
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_color(p.grid_line)
            ax.set_title(name, color=p.text, fontsize=8)
            h, w = img.shape[:2]
            if max(h, w) <= 64:
                self.lines.append(ax.hlines(np.arange(h + 1) - 0.5, -0.5, w - 0.5, color=p.grid_line, linewidth=0.4))
                self.lines.append(ax.vlines(np.arange(w + 1) - 0.5, -0.5, h - 0.5, color=p.grid_line, linewidth=0.4))
        self.background: Any = None
        self.boxes: list[Any] = []  # outlines, reused from frame to frame (moved, restyled, hidden when unused)
        self.used = 0

    def blit(self, step: int, acc: _Accumulator | None) -> np.ndarray:
        """Paint ``step`` and return the frame's RGBA pixels, redrawing only what changes (the rest is restored)."""
        canvas: Any = self.fig.canvas
        if self.background is None:
            for artist in (*self.images, *self.lines, self.words):
                artist.set_animated(True)
            canvas.draw()
            self.background = canvas.copy_from_bbox(self.fig.bbox)
        self.paint(step, acc)
        canvas.restore_region(self.background)
        for artist in (*self.images, *self.lines, *self.dynamic, *self.boxes[: self.used], self.words):
            self.fig.draw_artist(artist)
        return np.asarray(canvas.buffer_rgba())

    def _box(self, ax: Any, span: Any, **style: Any) -> None:
        (r0, r1), (c0, c1) = ((0, 1), *span) if len(span) == 1 else span
        inset = style.pop("inset", 0.0)
        bounds = (c0 - 0.5 + inset, r0 - 0.5 + inset, c1 - c0 - 2 * inset, r1 - r0 - 2 * inset)
        style = {"ls": "solid", **style}
        # a free outline of this panel is moved and restyled (adding a patch per box per frame was most of a GIF's time)
        for i in range(self.used, len(self.boxes)):
            if self.boxes[i].axes is ax:
                self.boxes[i], self.boxes[self.used] = self.boxes[self.used], self.boxes[i]
                rect = self.boxes[self.used]
                break
        else:
            rect = Rectangle((0, 0), 1, 1, fill=False)
            ax.add_artist(rect)
            self.boxes.insert(self.used, rect)
        rect.set_bounds(*bounds)
        rect.set(visible=True, animated=self.background is not None, **style)
        self.used += 1

    def paint(self, step: int, acc: _Accumulator | None) -> None:
        m, view, p = self.m, self.view, self.p
        for artist in self.dynamic:
            artist.remove()
        self.dynamic = []
        self.used = 0
        left, right, lt, rt, lboxes, rboxes, rwin, frame = _panels(m, view, step, acc, self.overlap, self.theme)
        if view == "direct":  # the tap outlines are on the stuffed input, the current cell on the output
            lboxes, rboxes = rboxes + lboxes, []
        words = [step_sentence(m, view, step)]
        if m.values is not None:
            words.append(sum_sentence(m, view, step))
        self.words.set_text("\n".join(words))
        for ax, image, img, text, boxes in zip(self.axes, self.images, (left, right), (lt, rt), (lboxes, rboxes)):
            img = img[None] if img.ndim == 2 else img
            text = None if text is None else (text[None] if text.ndim == 1 else text)
            image.set_data(_rgba(img))
            if text is not None and max(img.shape[:2]) <= _NUMBERS_MAX_SIDE:
                whole = bool(np.all(np.mod(np.nan_to_num(text), 1) == 0))
                for (r, c), v in np.ndenumerate(text):
                    if not np.isnan(v):
                        shade = img[r, c].astype(float) @ np.array([0.2126, 0.7152, 0.0722])
                        colour = "#1A1A1A" if shade > 140 else "#F0F0F0"
                        label = str(int(v)) if whole else f"{v:.3g}"
                        t = ax.text(c, r, label, ha="center", va="center", fontsize=8, color=colour)
                        t.set_animated(self.background is not None)
                        self.dynamic.append(t)
            for b in boxes:
                self._box(ax, b, ec=p.window, lw=1, zorder=3, inset=0.1)
        self._box(self.axes[1], rwin, ec=p.window, lw=2.5, zorder=4)
        if view == "direct":
            self._box(self.axes[0], lboxes[0], ec=p.window, lw=2.5, zorder=4)
        if frame is not None:
            self._box(self.axes[1], frame, ec=p.unread, lw=2, ls=(0, (4, 2)), zorder=5)
        for rect in self.boxes[self.used :]:
            rect.set_visible(False)


def draw_frame(
    fig: Figure,
    model: TransposeModel,
    view: str = "scatter",
    step: int = 0,
    *,
    show_overlap: bool = False,
    theme: str = "light",
    title: str | None = None,
) -> None:
    """Draw one frame of ``view`` at ``step`` on ``fig`` (cleared first); a pure function of its arguments.
    ``title``: the widget's title line (with the depth and the filter drawn); default the model's own."""
    painter = _Painter(fig, model, view, show_overlap=show_overlap, theme=theme, title=title)
    painter.paint(step, _Accumulator(model) if view == "scatter" else None)


def frame_steps(num_steps: int, steps: Any = None) -> list[int]:
    """The GIF's steps: every step up to 60, else 60 spread evenly (first and last included); or ``"all"``, a
    range or a list.

    >>> frame_steps(5), len(frame_steps(1000)), frame_steps(1000)[-1]
    ([0, 1, 2, 3, 4], 60, 999)
    """
    if steps is None:
        if num_steps <= MAX_GIF_FRAMES:
            return list(range(num_steps))
        return sorted({round(i * (num_steps - 1) / (MAX_GIF_FRAMES - 1)) for i in range(MAX_GIF_FRAMES)})
    if steps == "all":
        return list(range(num_steps))
    chosen = [int(s) for s in steps]
    if not chosen or any(not 0 <= s < num_steps for s in chosen):
        raise ValueError(f"`steps` must be step indices from 0 to {num_steps - 1}. Received: steps={steps!r}")
    return chosen


def _figure(model: TransposeModel, dpi: float) -> Figure:
    fig = Figure(figsize=(10, 6), dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def save(
    model: TransposeModel,
    path: str | os.PathLike[str],
    *,
    view: str = "scatter",
    step: int = 0,
    steps: Any = None,
    fps: float = 8.0,
    dpi: float = 80.0,
    theme: str = "light",
    show_overlap: bool = False,
    title: str | None = None,
) -> Path:
    """Write ``.gif`` (the run of ``view``), ``.png`` or ``.svg`` (``step``) to ``path``; returns the path.

    >>> import tempfile, os
    >>> m = build_model((3, 3), (3, 3), (2, 2), "valid", None, (1, 1))
    >>> save(m, os.path.join(tempfile.mkdtemp(), "t.gif")).read_bytes()[:6]
    b'GIF89a'
    """
    out = Path(path)
    ext = out.suffix.lower()
    if ext not in (".gif", ".png", ".svg"):
        raise ValueError(f"`path` must end in .gif, .png or .svg. Received: path={str(path)!r}")
    if view not in VIEW_NAMES or (view == "direct" and not model.has_direct):
        raise ValueError(f'`view` must be "scatter" or "direct" (direct: not for bilinear). Received: view={view!r}')
    n = math.prod(model.output_size) if view == "direct" else model.num_steps
    fig = _figure(model, dpi)
    if ext != ".gif":
        draw_frame(fig, model, view, step, show_overlap=show_overlap, theme=theme, title=title)
        fig.savefig(out, format=ext[1:], dpi=dpi, facecolor=fig.get_facecolor())
        return out
    p = palette(theme)
    exact = np.array([_rgb(c) for c in (*p.as_dict().values(), *overlap_colours(theme))], np.uint8)
    acc = _Accumulator(model) if view == "scatter" else None
    painter = _Painter(fig, model, view, show_overlap=show_overlap, theme=theme, title=title)
    with GifStream(out, exact) as gif:
        for s in sorted(frame_steps(n, steps)) if acc is not None else frame_steps(n, steps):
            gif.add(painter.blit(s, acc), 1000.0 / fps)
    return out


def png_bytes(
    model: TransposeModel,
    step: int = 0,
    *,
    view: str = "scatter",
    show_overlap: bool = False,
    theme: str = "light",
    dpi: float = 80.0,
    title: str | None = None,
) -> bytes:
    """One frame as PNG bytes (the widget's static picture).

    >>> png_bytes(build_model((4,), (3,), (2,), "same", None, (1,)))[:4]
    b'\\x89PNG'
    """
    fig = _figure(model, dpi)
    draw_frame(fig, model, view, step, show_overlap=show_overlap, theme=theme, title=title)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor=fig.get_facecolor())
    return buffer.getvalue()
