"""The depth view drawn with matplotlib, the exported twin of the widget's depth canvas (``traversal.js``:
``drawDepth``): the input channels as planes (at most :data:`~._traversal_depth.MAX_PLANES`, the others counted),
the window's footprint on every plane the kernel reads joined into one cuboid, the output planes with the cell
being computed, and the step's sentence (:meth:`DepthModel.sentence`, what the widget's live region says).

Every artist has a ``gid`` naming what it is (``depth-input-3``, ``depth-footprint-3``, ``depth-cuboid-0`` … ``-3``,
``depth-output-5``, ``depth-more-input``, ``depth-sentence-0`` …), so tests and SVG readers find them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from ._traversal_depth import GROUP_COLORS, DepthModel
from ._traversal_gif import GifStream
from ._traversal_painter import TextPainter
from ._traversal_steps import check_steps
from .style import palette
from .traversal_words import fmt, more_channels

__all__ = ["DepthArtists", "depth_figure", "depth_png_bytes", "save_depth"]

_S, _GAP, _LIFT, _MORE = 1.0, 0.14, 0.05, 0.22  # plane size, gap, lift per plane back, room for "…"
_LINES, _WIDTH = 3, 96  # the sentence: lines, characters per line


def _xs(planes: list[int]) -> list[float]:
    xs, x = [], 0.0
    for i, p in enumerate(planes):
        if i and p != planes[i - 1] + 1:
            x += _MORE
        xs.append(x)
        x += _S + _GAP
    return xs


class DepthArtists:
    """The depth view of ``model`` at ``step`` for output plane ``plane`` on ``ax`` (data units: a plane is 1
    wide, y grows downwards). :meth:`update` moves it to another step."""

    def __init__(
        self, ax: Axes, model: DepthModel, step: int, plane: int, *, theme: str = "light", all_filters: bool = False
    ) -> None:
        self.ax, self.model, self.plane, self.all_filters = ax, model, plane, all_filters
        self.colors = c = palette(theme)
        t = model.traversal
        size = model.plane_size  # the input (pointwise: the depthwise output)
        rows = size[0] if t.rank == 2 else 1
        cols = size[-1]
        orows = t.output_size[0] if t.rank == 2 else 1
        self._in = (rows, cols)
        self._out = (orows, t.output_size[-1])
        self.h_in = min(1.5, rows / cols) if t.rank == 2 else 0.12
        self.h_out = min(1.5, orows / self._out[1]) if t.rank == 2 else 0.12
        self.inputs, self.hidden_in = model.input_planes(plane)
        self.outputs, self.hidden_out = model.output_planes(plane)
        reads = set(model.channels(plane))
        y_in, self.y_out = 0.55, 0.55 + self.h_in + 0.75
        self.y_in = y_in
        ax.set_axis_off()
        ax.set_facecolor(c.background)
        self.planes: dict[int, Rectangle] = {}
        self.footprints: dict[int, Rectangle] = {}
        xs = _xs(self.inputs)
        self._x_in = dict(zip(self.inputs, xs))
        for i, ch in enumerate(self.inputs):
            y = y_in - i * _LIFT
            group = model.group(ch) if model.kind == "grouped" else -1
            edge = GROUP_COLORS[group % len(GROUP_COLORS)] if group >= 0 else c.grid_line
            rect = Rectangle(
                (xs[i], y),
                _S,
                self.h_in,
                facecolor=c.input_cell,
                edgecolor=edge,
                linewidth=2.5 if group >= 0 else 0.8,
                linestyle="--" if group >= 0 and group % 2 == 1 else "-",
                alpha=1.0 if ch in reads else 0.4,
                zorder=2 + (len(self.inputs) - i) * 0.01,
                gid=f"depth-input-{ch}",
            )
            ax.add_patch(rect)
            self.planes[ch] = rect
            label = f"ch {ch}" + (f" · g{group}" if group >= 0 else "")
            ax.text(xs[i] + _S / 2, y_in + self.h_in + 0.1, label, ha="center", va="center", fontsize=7, color=c.text)
            if i and ch != self.inputs[i - 1] + 1:
                ax.text(xs[i] - _MORE / 2 - _GAP / 2, y + self.h_in / 2, "…", ha="center", va="center", color=c.text)
            if ch in reads:
                fp = Rectangle((0, 0), 0, 0, facecolor=c.tap, edgecolor=c.window, linewidth=1.2, zorder=3)
                fp.set_gid(f"depth-footprint-{ch}")
                ax.add_patch(fp)
                self.footprints[ch] = fp
        self.cuboid = [
            Line2D([], [], color=c.window, linewidth=1.0, zorder=3.5, gid=f"depth-cuboid-{i}") for i in range(4)
        ]
        for side in self.cuboid:
            ax.add_line(side)
        what = {"pool": "pool window", "pointwise": "1×1 kernel"}.get(model.kind, "kernel")
        depth = "each channel alone" if model.kind == "pool" else f"{what} depth {model.reads}"
        more = more_channels(self.hidden_in)
        planes = "depthwise outputs" if model.kind == "pointwise" else "channels"
        ax.text(0, 0.12, f"input: {model.in_channels} {planes} · {depth}", fontsize=8, weight="bold", color=c.text)
        self.more_input = ax.text(
            len(self.inputs) * (_S + _GAP) + _MORE, y_in + self.h_in / 2, more, fontsize=8, color=c.text, va="center"
        )
        self.more_input.set_gid("depth-more-input")
        oxs = _xs(self.outputs)
        self._x_out = dict(zip(self.outputs, oxs))
        ax.text(0, self.y_out - 0.3, f"output: {model.output_depth} planes", fontsize=8, weight="bold", color=c.text)
        self.out_images: dict[int, Any] = {}
        for i, o in enumerate(self.outputs):
            y = self.y_out - i * _LIFT
            sel = o == plane
            rect = Rectangle(
                (oxs[i], y),
                _S,
                self.h_out,
                facecolor="none",
                edgecolor=c.window if sel else c.grid_line,
                linewidth=2.0 if sel else 0.8,
                zorder=2.5,
                gid=f"depth-output-{o}",
            )
            ax.add_patch(rect)
            image = ax.imshow(
                np.zeros((*self._out, 4), np.uint8),
                extent=(oxs[i], oxs[i] + _S, y + self.h_out, y),
                interpolation="nearest",
                zorder=2,
            )
            self.out_images[o] = image
            name = (
                "ch"
                if model.kind == "pool"
                else "filter"
                if model.kind in ("conv", "grouped", "pointwise")
                else "plane"
            )
            ax.text(
                oxs[i] + _S / 2,
                self.y_out + self.h_out + 0.1,
                f"{'▸ ' if sel else ''}{name} {o}",
                ha="center",
                va="center",
                fontsize=7,
                color=c.text,
                weight="bold" if sel else "normal",
            )
        more_out = more_channels(self.hidden_out, "planes")
        ax.text(
            len(self.outputs) * (_S + _GAP) + _MORE, self.y_out + self.h_out / 2, more_out, fontsize=8, color=c.text
        )
        self.sentence_lines = [
            ax.text(0, self.y_out + self.h_out + 0.35 + 0.17 * i, "", fontsize=7.5, color=c.text, family="monospace")
            for i in range(_LINES)
        ]
        for i, row in enumerate(self.sentence_lines):
            row.set_gid(f"depth-sentence-{i}")
        self.partial_texts = {
            ch: ax.text(self._x_in[ch] + _S / 2, y_in + self.h_in + 0.25, "", ha="center", fontsize=7, color=c.text)
            for ch in self.footprints
        }
        width = max(len(self.inputs), len(self.outputs)) * (_S + _GAP) + 2 * _MORE + 1.6
        ax.set_xlim(-0.1, width)
        ax.set_ylim(self.y_out + self.h_out + 0.45 + 0.17 * _LINES, 0)
        self.update(step, first=True)

    def update(self, step: int, first: bool = False) -> list[Any]:
        """Show ``step``; returns the artists that changed."""
        m, t = self.model, self.model.traversal
        self.step = step
        rows, cols = self._in
        if m.kind == "pointwise":  # a 1×1 window on the depthwise outputs, at the cell being computed
            r0, c0 = (step // cols, step % cols) if t.rank == 2 else (0, step)
            kr = kc = 1
        else:
            origin = t.origins()[step]
            r0, c0 = (int(origin[0]), int(origin[1])) if t.rank == 2 else (0, int(origin[0]))
            kr = t.effective_kernel[0] if t.rank == 2 else 1
            kc = t.effective_kernel[-1]
        x0, x1 = max(0, c0) / cols, min(cols, c0 + kc) / cols
        y0, y1 = (max(0, r0) / rows, min(rows, r0 + kr) / rows) if t.rank == 2 else (0.0, 1.0)
        corners = []
        for i, ch in enumerate(self.inputs):
            if ch not in self.footprints:
                continue
            y = self.y_in - i * _LIFT
            fp = self.footprints[ch]
            fx, fy = self._x_in[ch] + x0 * _S, y + y0 * self.h_in
            fp.set_bounds(fx, fy, max(0.02, (x1 - x0) * _S), max(0.02, (y1 - y0) * self.h_in))
            corners.append((fx, fy, fx + (x1 - x0) * _S, fy + (y1 - y0) * self.h_in))
        if len(corners) > 1:
            a, b = corners[0], corners[-1]
            for edge, (i, j) in zip(self.cuboid, ((0, 1), (2, 1), (0, 3), (2, 3))):
                edge.set_data([a[i], b[i]], [a[j], b[j]])
        partials = m.partials(step, self.plane)
        start = m.start(self.plane)
        for ch, text in self.partial_texts.items():
            text.set_text(
                "" if partials is None else ("" if m.kind == "pool" else "Σ ") + fmt(partials[ch - start], m.whole)
            )
        c = self.colors
        orows, ocols = self._out
        done = np.zeros(orows * ocols, bool)
        done[:step] = True
        for o, image in self.out_images.items():
            if not first and o != self.plane and not self.all_filters:
                continue
            pixels = np.empty((orows * ocols, 4), np.uint8)
            pixels[:] = _rgba(c.output_cell)
            if o == self.plane or self.all_filters:
                pixels[done] = _rgba(c.output_done)
                pixels[step] = _rgba(c.output_current)
            image.set_data(pixels.reshape(orows, ocols, 4))
        self.text = m.sentence(step, self.plane)
        for row, part in zip(self.sentence_lines, _lines(self.text)):
            row.set_text(part)
        return self.moving()

    def moving(self) -> list[Any]:
        """The artists a step changes (the rest is a fixed background)."""
        live = [image for o, image in self.out_images.items() if o == self.plane or self.all_filters]
        return [*live, *self.footprints.values(), *self.cuboid, *self.partial_texts.values(), *self.sentence_lines]


def _lines(text: str, width: int = _WIDTH) -> list[str]:
    """``text`` in at most :data:`_LINES` lines of about ``width`` characters, broken before a `` + ``."""
    parts = text.split(" + ")
    lines = [parts[0]]
    for part in parts[1:]:
        if len(lines[-1]) + len(part) + 3 > width and len(lines) < _LINES:
            lines.append("+ " + part)
        else:
            lines[-1] += " + " + part
    return lines + [""] * (_LINES - len(lines))


def _rgba(color: str) -> np.ndarray:
    h = color.lstrip("#")
    return np.array([int(h[i : i + 2], 16) for i in (0, 2, 4)] + [255], np.uint8)


def depth_figure(
    model: DepthModel,
    step: int = 0,
    plane: int = 0,
    *,
    theme: str = "light",
    all_filters: bool = False,
    dpi: float = 100,
) -> Figure:
    """A figure of the depth view (artists at ``fig.convkit_depth``).

    >>> import convkit
    >>> w = convkit.KernelTraversal((8, 8), 3, in_channels=3, filters=4, numbers=True)
    >>> fig = depth_figure(w.payload.depth, step=2, plane=1)
    >>> sorted(fig.convkit_depth.footprints)
    [0, 1, 2]
    """
    n = max(len(model.input_planes(plane)[0]), len(model.output_planes(plane)[0]))
    width = max(6.5, n * 1.05 + 2.4)
    fig = Figure(figsize=(width, 3.6), dpi=dpi, facecolor=palette(theme).background)
    ax = fig.add_axes((0.02, 0.02, 0.96, 0.96))
    fig.convkit_depth = DepthArtists(ax, model, step, plane, theme=theme, all_filters=all_filters)  # type: ignore[attr-defined]
    return fig


def depth_png_bytes(
    model: DepthModel,
    step: int = 0,
    plane: int = 0,
    *,
    theme: str = "light",
    all_filters: bool = False,
    dpi: float = 100,
) -> bytes:
    """The depth view of ``step`` as PNG bytes (a widget's static picture; the same figure as :func:`save_depth`).

    >>> import convkit
    >>> w = convkit.KernelTraversal((8, 8), 3, in_channels=3, filters=4)
    >>> depth_png_bytes(w.payload.depth, step=2)[:4]
    b'\\x89PNG'
    """
    import io

    fig = depth_figure(model, step, plane, theme=theme, all_filters=all_filters, dpi=dpi)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor=fig.get_facecolor())
    return buffer.getvalue()


def save_depth(
    model: DepthModel,
    path: str | os.PathLike[str],
    *,
    steps: Any = None,
    step: int = 0,
    plane: int = 0,
    theme: str = "light",
    all_filters: bool = False,
    fps: float = 8,
    dpi: float = 100,
) -> Path:
    """Write the depth view: ``.gif`` (one frame per step of ``steps``, as in ``save_traversal``), ``.png``/``.svg``
    (``step``)."""
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in (".gif", ".png", ".svg"):
        raise ValueError(f"`path` must end with .gif, .png or .svg. Received: path={str(path)!r}")
    frames = check_steps(model.traversal, steps) if ext == ".gif" else [step]
    fig = depth_figure(model, frames[0], plane, theme=theme, all_filters=all_filters, dpi=dpi)
    art: DepthArtists = fig.convkit_depth  # type: ignore[attr-defined]
    if ext != ".gif":
        import matplotlib

        with matplotlib.rc_context({"svg.fonttype": "none"}):  # text stays text: searchable, editable
            fig.savefig(path, format=ext[1:], dpi=dpi, facecolor=fig.get_facecolor())
        return path
    canvas: Any = FigureCanvasAgg(fig)  # Any: the Agg canvas' blitting methods have no annotations
    exact = np.array([_rgba(v)[:3] for v in palette(theme).as_dict().values()], np.uint8)
    for artist in art.moving():
        artist.set_animated(True)
    canvas.draw()  # the background, without the moving artists
    background = canvas.copy_from_bbox(fig.bbox)
    try:
        painter: TextPainter | None = TextPainter(canvas)  # texts from cached glyphs (see _traversal_painter)
    except ImportError:  # Pillow without FreeType: matplotlib draws the texts
        painter = None
    with GifStream(path, exact) as gif:
        for s in frames:
            canvas.restore_region(background)
            texts = []
            for artist in art.update(s):
                if painter is not None and isinstance(artist, Text):
                    texts.append(artist)
                else:
                    art.ax.draw_artist(artist)
            buffer = np.asarray(canvas.buffer_rgba())
            for text in texts:
                assert painter is not None
                painter.paint(buffer, text)
            gif.add(buffer, 1000.0 / fps)
    return path
