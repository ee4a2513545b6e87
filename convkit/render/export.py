"""Export a kernel traversal: an animated GIF (one frame per step), or one step as PNG or SVG.

Export walks the core data directly (a :class:`~convkit.core.traversal.Traversal` and step indices); it
never drives a widget. A GIF is made on ONE figure: every frame is :meth:`TraversalArtists.update` plus
a blit of the artists that move over a cached background, so a 130×130 frame costs a few milliseconds
instead of a full redraw; the frames go through ``matplotlib.animation.PillowWriter``.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.animation import PillowWriter
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.text import Annotation, Text
from PIL import Image

from ..core.traversal import Traversal
from .traversal import TraversalArtists, _build_figure

__all__ = ["FORMATS", "save_traversal", "traversal_png_bytes"]

#: File extensions :func:`save_traversal` writes.
FORMATS = (".gif", ".png", ".svg")
#: A GIF export longer than this many frames shows a progress bar (``progress=True``).
PROGRESS_MIN_FRAMES = 20
#: Blitting re-paints at most this many newly computed output cells before redrawing from scratch.
_MAX_SETTLE = 64

Progress = bool | Callable[[int, int], Any]


class _TextPainter:
    """Paints single-line, unrotated ``Text`` artists straight into the canvas buffer with Pillow.

    Matplotlib (3.11) lays out and rasterises every glyph of a text at every draw, ~10 ms for a line of
    60 characters: more than the rest of a frame. Per frame, the step line, the multiply-sum and the values
    in the moving cells are painted from cached glyph masks instead, at the baseline matplotlib itself
    gives the artist (its own font file and size), so a frame looks like its full redraw.
    """

    def __init__(self, canvas: FigureCanvasAgg) -> None:
        from PIL import ImageDraw, ImageFont

        self._draw_cls, self._font_mod = ImageDraw, ImageFont
        self.canvas = canvas
        self._fonts: dict[tuple[str, float], Any] = {}
        self._masks: dict[tuple[str, str, float], tuple[np.ndarray, int, int, float]] = {}
        self._metrics: dict[Any, tuple[float, float]] = {}
        self._anchors: dict[int, tuple[float, float]] = {}

    def reset(self) -> None:
        """Forget where annotations sit (call after a full draw)."""
        self._anchors.clear()

    def _font(self, text: Any) -> tuple[Any, str, float]:
        from matplotlib import font_manager

        path = font_manager.findfont(text.get_fontproperties())
        size = text.get_fontsize() * self.canvas.figure.dpi / 72  # pixels (Pillow takes fractional sizes)
        key = (path, size)
        if key not in self._fonts:
            self._fonts[key] = self._font_mod.truetype(path, size, layout_engine=self._font_mod.Layout.BASIC)
        return self._fonts[key], path, size

    def _mask(self, s: str, font: Any, path: str, size: float) -> tuple[np.ndarray, int, int, float]:
        key = (s, path, size)
        if key in self._masks:
            return self._masks[key]
        left, top, right, bottom = font.getbbox(s, anchor="ls")
        image = Image.new("L", (max(1, right - left), max(1, bottom - top)))
        self._draw_cls.Draw(image).text((-left, -top), s, font=font, fill=255, anchor="ls")
        mask = (np.asarray(image), left, top, font.getlength(s))
        if len(s) <= 12:  # values in cells repeat; step lines do not (and would fill memory)
            self._masks[key] = mask
        return mask

    def _lp(self, text: Any) -> tuple[float, float]:
        """Height and descent (pixels) matplotlib gives one line of this font ("lp")."""
        prop = text.get_fontproperties()
        if prop not in self._metrics:
            _, h, d = self.canvas.get_renderer().get_text_width_height_descent("lp", prop, ismath=False)
            self._metrics[prop] = (h, d)
        return self._metrics[prop]

    def _baseline_start(self, text: Any, width: float) -> tuple[float, float]:
        """Display coordinates (y up) of the left end of the baseline."""
        h, d = self._lp(text)
        ha, va = text.get_horizontalalignment(), text.get_verticalalignment()
        if isinstance(text, Annotation):  # fixed place, found once per full draw by matplotlib itself
            if id(text) not in self._anchors:
                box = text.get_window_extent(self.canvas.get_renderer())
                x = {"left": box.x0, "center": (box.x0 + box.x1) / 2, "right": box.x1}[ha]
                self._anchors[id(text)] = (x, box.y0 + d)  # the box's bottom is the baseline minus descent
            x, y = self._anchors[id(text)]
        else:
            x, y = text.get_transform().transform(text.get_position())
            y = {"bottom": y + d, "top": y - (h - d), "center": y - h / 2 + d, "baseline": y}.get(va, y)
        x -= {"left": 0.0, "center": width / 2, "right": width}.get(ha, 0.0)
        return x, y

    def paint(self, buffer: np.ndarray, text: Any) -> None:
        s = text.get_text()
        if not s or not text.get_visible():
            return
        font, path, size = self._font(text)
        mask, left, top, width = self._mask(s, font, path, size)
        x, y = self._baseline_start(text, width)
        col, row = int(round(x)) + left, int(round(buffer.shape[0] - y)) + top
        r0, c0 = max(row, 0), max(col, 0)
        r1, c1 = min(row + mask.shape[0], buffer.shape[0]), min(col + mask.shape[1], buffer.shape[1])
        if r1 <= r0 or c1 <= c0:
            return
        rgba = np.array(to_rgba(text.get_color(), text.get_alpha()))
        alpha = mask[r0 - row:r1 - row, c0 - col:c1 - col, None] * (rgba[3] / 255.0)
        region = buffer[r0:r1, c0:c1, :3]
        region[...] = (region * (1 - alpha) + rgba[:3] * 255 * alpha + 0.5).astype(np.uint8)


class _BlitFrames:
    """Frames of one figure by blitting: a background without the moving artists, refreshed with the
    output cells computed since (``settle``), and the moving artists drawn on top for each frame."""

    def __init__(self, fig: Figure, artists: TraversalArtists) -> None:
        self.fig, self.artists = fig, artists
        self.canvas = FigureCanvasAgg(fig)
        self.background: Any = None
        self.background_step = -1
        artists.set_blit(True)
        try:
            self.painter: _TextPainter | None = _TextPainter(self.canvas)
        except ImportError:  # Pillow without FreeType: matplotlib draws the texts
            self.painter = None

    def _redraw_background(self, step: int) -> None:
        art = self.artists
        art.update(step)
        self.canvas.draw()  # without the animated (moving) artists
        self.background = self.canvas.copy_from_bbox(self.fig.bbox)
        self.background_step = step
        if self.painter is not None:
            self.painter.reset()

    def frame(self, step: int) -> np.ndarray:
        """RGBA pixels (a view of the canvas buffer) of ``step``."""
        art = self.artists
        view = art.view
        forward = 0 <= step - self.background_step <= _MAX_SETTLE
        art.update(step)
        if self.background is None or not forward or art.view != view:
            self._redraw_background(step)
        elif step > self.background_step:  # paint the cells computed since into the background
            self.canvas.restore_region(self.background)
            for done in range(self.background_step, step):
                for artist in art.settle(done):
                    art.ax.draw_artist(artist)
            self.background = self.canvas.copy_from_bbox(self.fig.bbox)
            self.background_step = step
        self.canvas.restore_region(self.background)
        texts = []
        for artist in art.frame_artists():
            if self.painter is not None and isinstance(artist, Text):
                texts.append(artist)
            else:
                art.ax.draw_artist(artist)
        buffer = np.asarray(self.canvas.buffer_rgba())
        for text in texts:  # texts are the top layer of a frame
            self.painter.paint(buffer, text)
        return buffer


class _Palette:
    """One 255-colour palette for every frame: the theme's colours exactly, then the first frame's other
    colours (anti-aliased edges and text); each RGB colour is looked up once, then from a table."""

    def __init__(self, first: np.ndarray, exact: np.ndarray) -> None:
        exact = np.unique(exact.reshape(-1, 3), axis=0)[:200]
        rest = Image.fromarray(first).quantize(colors=255 - len(exact), method=Image.Quantize.MEDIANCUT)
        rest_colors = np.array(rest.getpalette()[: 3 * (255 - len(exact))], np.uint8).reshape(-1, 3)
        # index 0 is reserved: a 0 in the lookup table means "not looked up yet"
        self.colors = np.concatenate([np.zeros((1, 3), np.uint8), exact, rest_colors])
        self._flat = self.colors.ravel().tolist() + [0] * (768 - self.colors.size)
        self._lookup = np.zeros(1 << 24, np.uint8)

    def __call__(self, rgb: np.ndarray) -> Image.Image:
        packed = (rgb[..., 0].astype(np.int32) << 16) | (rgb[..., 1].astype(np.int32) << 8) | rgb[..., 2]
        index = self._lookup[packed]
        if not index.all():
            new = np.unique(packed[index == 0])
            new_rgb = np.stack([(new >> 16) & 255, (new >> 8) & 255, new & 255], axis=-1)
            distance = ((new_rgb[:, None, :] - self.colors[None, 1:, :].astype(np.int32)) ** 2).sum(-1)
            self._lookup[new] = distance.argmin(axis=1) + 1
            index = self._lookup[packed]
        image = Image.frombytes("P", (rgb.shape[1], rgb.shape[0]), index.tobytes())
        image.putpalette(self._flat)
        return image


class _FramesWriter(PillowWriter):
    """``PillowWriter`` fed with ready pixels (no ``savefig`` per frame), all frames on one palette."""

    exact_colors: np.ndarray = np.zeros((0, 3), np.uint8)  # colours every frame may use (the theme's)

    def add_frame(self, rgba: np.ndarray) -> None:
        rgb = rgba[..., :3]
        if not self._frames:
            self._palette = _Palette(np.ascontiguousarray(rgb), self.exact_colors)
        self._frames.append(self._palette(rgb))

    def grab_frame(self, **savefig_kwargs: Any) -> None:
        self.add_frame(np.asarray(self.fig.canvas.buffer_rgba()))


def _check_path(path: Any) -> tuple[Path, str]:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"`path` must be a file name (str or pathlib.Path). Received: path={path!r}")
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in FORMATS:
        raise ValueError(
            f"`path` must end with one of {', '.join(FORMATS)} (the format comes from the extension: an animated "
            f"GIF, or one step as PNG or SVG). Received: path={str(path)!r}"
        )
    return path, ext


def _check_steps(traversal: Traversal, steps: Any) -> list[int]:
    n = traversal.num_steps
    if steps is None:
        return list(range(n))
    if isinstance(steps, slice):
        return list(range(n))[steps]
    if isinstance(steps, (str, bytes)) or not isinstance(steps, Iterable):
        raise TypeError(f"`steps` must be None (all), a range, a slice or a list of step indices. Received: "
                        f"steps={steps!r}")
    out = []
    for s in steps:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or not -n <= int(s) < n:
            raise ValueError(f"Every entry of `steps` must be an integer step index between 0 and {n - 1}. "
                             f"Received: steps containing {s!r}")
        out.append(int(s) % n)
    if not out:
        raise ValueError(f"`steps` selects no step; a GIF needs at least one frame. Received: steps={steps!r}")
    return out


def _progress_callback(progress: Any, total: int) -> tuple[Callable[[int, int], Any] | None, Any]:
    """``(callback, bar)``: a tqdm bar for ``progress=True`` and long exports, the user's callable, or none."""
    if callable(progress):
        return progress, None
    if not isinstance(progress, bool):
        raise TypeError(f"`progress` must be True, False or a callable(done, total). Received: progress={progress!r}")
    if not progress or total <= PROGRESS_MIN_FRAMES:
        return None, None
    from tqdm.auto import tqdm

    bar = tqdm(total=total, desc="GIF frames", unit="frame")
    return (lambda done, _total: bar.update(1)), bar


def _save_gif(fig: Figure, artists: TraversalArtists, path: Path, steps: list[int], fps: float, dpi: float,
              progress: Any) -> None:
    if isinstance(fps, bool) or not isinstance(fps, (int, float)) or not fps > 0:
        raise ValueError(f"`fps` must be a positive number of frames per second. Received: fps={fps!r}")
    callback, bar = _progress_callback(progress, len(steps))
    frames = _BlitFrames(fig, artists)
    writer = _FramesWriter(fps=fps)
    writer.exact_colors = np.array([rgba[:3] for rgba in artists._c.values()], np.uint8)
    try:
        with writer.saving(fig, str(path), dpi):
            for done, step in enumerate(steps, 1):
                writer.add_frame(frames.frame(step))
                if callback is not None:
                    callback(done, len(steps))
    finally:
        if bar is not None:
            bar.close()


def save_traversal(
    traversal: Traversal, path: str | os.PathLike, *, steps: Any = None, step: int | None = None, fps: float = 8,
    dpi: float = 100, theme: str = "light", numbers: Any = None, coverage: bool = False,
    operation: str = "conv", show_formula: bool = True, progress: Progress = True,
) -> Path:
    """Write ``traversal`` to ``path``: ``.gif`` (one frame per step), ``.png`` or ``.svg`` (one step).

    Parameters
    ----------
    steps
        GIF: the steps to show (``None``: all of them, in order; a range, slice or list of indices).
    step
        PNG / SVG: the step to draw (default: the first of ``steps``, else 0).
    fps
        GIF frames per second.
    dpi
        Resolution of the GIF frames and the PNG (dots per inch of the automatic figure size).
    theme, numbers, coverage, operation, show_formula
        As in :func:`convkit.render.traversal.draw_traversal`.
    progress
        GIF: a progress bar (``tqdm.auto``) when ``True`` and there are more than 20 frames, nothing when
        ``False``, or a callable ``progress(done, total)`` called after each frame.

    Returns
    -------
    pathlib.Path
        The path written.

    Examples
    --------
    >>> import convkit, tempfile, os
    >>> t = convkit.traverse((5, 5), 3, strides=2, padding="same")
    >>> out = save_traversal(t, os.path.join(tempfile.mkdtemp(), "same.gif"), progress=False)
    >>> out.read_bytes()[:6]
    b'GIF89a'
    """
    path, ext = _check_path(path)
    frames = _check_steps(traversal, steps) if ext == ".gif" else None
    first = step if step is not None else (_check_steps(traversal, steps)[0] if steps is not None else 0)
    if isinstance(dpi, bool) or not isinstance(dpi, (int, float)) or not dpi > 0:
        raise ValueError(f"`dpi` must be a positive number. Received: dpi={dpi!r}")
    fig, artists = _build_figure(traversal, first if ext != ".gif" else frames[0], numbers=numbers,
                                 coverage=coverage, theme=theme, show_formula=show_formula, operation=operation,
                                 dpi=dpi)
    if ext == ".gif":
        _save_gif(fig, artists, path, frames, fps, dpi, progress)
    elif ext == ".svg":
        import matplotlib

        with matplotlib.rc_context({"svg.fonttype": "none"}):  # text stays text: searchable, editable
            fig.savefig(path, format="svg", facecolor=fig.get_facecolor())
    else:
        fig.savefig(path, format="png", dpi=dpi, facecolor=fig.get_facecolor())
    return path


def traversal_png_bytes(
    traversal: Traversal, step: int = 0, *, dpi: float = 100, theme: str = "light", numbers: Any = None,
    coverage: bool = False, operation: str = "conv", show_formula: bool = True,
) -> bytes:
    """One step as PNG bytes (for a widget's ``image/png`` representation).

    >>> import convkit
    >>> traversal_png_bytes(convkit.traverse((28, 28), 3, strides=2), 5)[:4]
    b'\\x89PNG'
    """
    fig, _ = _build_figure(traversal, step, numbers=numbers, coverage=coverage, theme=theme,
                           show_formula=show_formula, operation=operation, dpi=dpi)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor=fig.get_facecolor())
    return buffer.getvalue()
