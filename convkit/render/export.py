"""Export a kernel traversal: an animated GIF (one frame per step shown), or one step as PNG or SVG.

Export walks the core data directly (a :class:`~convkit.core.traversal.Traversal` and step indices); it
never drives a widget. A GIF is made on ONE figure: every frame is :meth:`TraversalArtists.update` plus
a blit of the artists that move over a cached background (redrawn when a zoomed view moves), so a frame
costs a few milliseconds instead of a full redraw; the frames are streamed to the file
(:mod:`convkit.render._traversal_gif`), so memory holds one frame however long the run. By default a GIF
has at most 60 frames (:mod:`convkit.render._traversal_steps`); ``steps="all"`` exports every step.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from ..core.traversal import Traversal
from ._traversal_gif import GifStream
from ._traversal_painter import TextPainter
from ._traversal_steps import SLIDE_FRAMES, check_steps, slide_steps
from .traversal import TraversalArtists, _build_figure

__all__ = ["EXPORT_DPI", "FORMATS", "SLIDE_FRAMES", "save_traversal", "slide_steps", "traversal_png_bytes"]

#: File extensions :func:`save_traversal` writes.
FORMATS = (".gif", ".png", ".svg")
#: Default resolution of exported pictures (dots per inch): 9-point labels are 19 pixels high.
EXPORT_DPI = 150.0
#: Default GIF speed, frames per second.
DEFAULT_FPS = 8.0
#: A GIF export longer than this many frames shows a progress bar (``progress=True``).
PROGRESS_MIN_FRAMES = 20
#: Blitting re-paints at most this many newly computed output cells before redrawing from scratch.
_MAX_SETTLE = 64

Progress = bool | Callable[[int, int], Any]


class _BlitFrames:
    """Frames of one figure by blitting: a background without the moving artists, the output cells computed
    since it was drawn (``settle``) kept in a patch over the output view, and the moving artists drawn on
    top for each frame. A zoomed view that moves, a new 3-D plane or a jump redraws the background."""

    def __init__(self, fig: Figure, artists: TraversalArtists) -> None:
        self.fig, self.artists = fig, artists
        self.canvas: Any = FigureCanvasAgg(fig)  # Any: the Agg canvas' blitting methods have no annotations
        self.background: Any = None
        self.patch: Any = None  # the output view with the cells settled since the background
        self.background_step = -1
        artists.set_blit(True)
        try:
            self.painter: TextPainter | None = TextPainter(self.canvas)
        except ImportError:  # Pillow without FreeType: matplotlib draws the texts
            self.painter = None
        corners = artists.ax.transData.transform([xy for box in artists.settled_region() for xy in (box[:2], box[2:])])
        (x0, y0), (x1, y1) = corners.min(axis=0), corners.max(axis=0)  # display y grows upwards
        self._out_box = Bbox([[x0 - 2, y0 - 2], [x1 + 2, y1 + 2]])  # outlines reach a pixel beyond

    def _redraw_background(self, step: int) -> None:
        art = self.artists
        art.update(step)
        self.canvas.draw()  # without the animated (moving) artists
        self.background = self.canvas.copy_from_bbox(self.fig.bbox)
        self.patch = None
        self.background_step = step
        if self.painter is not None:
            self.painter.reset()

    def _restore(self) -> None:
        self.canvas.restore_region(self.background)
        if self.patch is not None:
            self.canvas.restore_region(self.patch)

    def frame(self, step: int) -> np.ndarray:
        """RGBA pixels (a view of the canvas buffer) of ``step``."""
        art = self.artists
        view = art.view
        forward = 0 <= step - self.background_step <= _MAX_SETTLE
        art.update(step)
        if self.background is None or not forward or art.view != view:
            self._redraw_background(step)
        elif step > self.background_step:  # paint the cells computed since into the patch
            self._restore()
            for done in range(self.background_step, step):
                for artist in art.settle(done):
                    art.ax.draw_artist(artist)
            for artist in art.settle_overview():
                art.ax.draw_artist(artist)
            self.patch = self.canvas.copy_from_bbox(self._out_box)
            self.background_step = step
        self._restore()
        painter = self.painter
        texts = []
        for artist in art.frame_artists():
            if painter is not None and isinstance(artist, Text):
                texts.append(artist)
            else:
                art.ax.draw_artist(artist)
        buffer = np.asarray(self.canvas.buffer_rgba())
        if painter is not None:
            for text in texts:  # texts are the top layer of a frame
                painter.paint(buffer, text)
        return buffer


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


def _check_dpi(dpi: Any) -> float:
    if dpi is None:
        return EXPORT_DPI
    if isinstance(dpi, bool) or not isinstance(dpi, (int, float)) or not dpi > 0:
        raise ValueError(f"`dpi` must be a positive number (or None: {EXPORT_DPI}). Received: dpi={dpi!r}")
    return float(dpi)


def _frame_ms(fps: Any, duration: Any) -> float:
    """Milliseconds per GIF frame from ``fps`` or ``duration`` (one of them; neither: 8 frames per second)."""
    if fps is not None and duration is not None:
        raise ValueError(
            "Give either `fps` (frames per second) or `duration` (milliseconds per frame), not both. "
            f"Received: fps={fps!r}, duration={duration!r}"
        )
    if duration is None:
        fps = DEFAULT_FPS if fps is None else fps
        if isinstance(fps, bool) or not isinstance(fps, (int, float)) or not 0 < fps <= 50:
            raise ValueError(
                "`fps` must be a number of frames per second above 0 and at most 50 (GIF viewers show shorter "
                f"frames at 10 per second). Received: fps={fps!r}"
            )
        return 1000.0 / fps
    if isinstance(duration, bool) or not isinstance(duration, (int, float)) or not duration >= 20:
        raise ValueError(
            "`duration` must be the milliseconds each frame is shown, at least 20 (GIF viewers show shorter "
            f"frames at 100 ms). Received: duration={duration!r}"
        )
    return float(duration)


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


def _save_gif(
    fig: Figure, artists: TraversalArtists, path: Path, steps: list[int], frame_ms: float, progress: Any
) -> None:
    """Stream the frames to the file: memory holds one frame, not the run."""
    callback, bar = _progress_callback(progress, len(steps))
    frames = _BlitFrames(fig, artists)
    exact = np.array([rgba[:3] for rgba in artists._c.values()], np.uint8)
    try:
        with GifStream(path, exact) as gif:
            for done, step in enumerate(steps, 1):
                gif.add(frames.frame(step), frame_ms)
                if callback is not None:
                    callback(done, len(steps))
    finally:
        if bar is not None:
            bar.close()


def save_traversal(
    traversal: Traversal,
    path: str | os.PathLike[str],
    *,
    steps: Any = None,
    step: int | None = None,
    fps: float | None = None,
    duration: float | None = None,
    dpi: float | None = None,
    theme: str = "light",
    numbers: Any = None,
    coverage: bool = False,
    operation: str = "conv",
    show_formula: bool = True,
    progress: Progress = True,
) -> Path:
    """Write ``traversal`` to ``path``: ``.gif`` (one frame per step shown), ``.png`` or ``.svg`` (one step).

    Every frame is a pure function of the traversal and its step (a large grid shows the view that follows
    the kernel, and the whole grid as an overview), so any subset of steps can be exported in any order.

    Parameters
    ----------
    steps
        GIF: which steps become frames. ``None`` (default): a length that suits a slide: every step up to
        60, else 60 representative ones (the first steps of the first output row, the change to the second
        row, frames spread evenly over the rest, the last steps; see
        :func:`convkit.render._traversal_steps.slide_steps`). ``"all"``: the whole run, in order. Or a
        range, slice or list of step indices.
    step
        PNG / SVG: the step to draw (default: the first of ``steps``, else 0).
    fps, duration
        GIF speed: frames per second (default 8), or milliseconds per frame; give one of them.
    dpi
        Resolution of the GIF frames and the PNG (default 150: 9-point text is 19 pixels high). The figure's
        size follows what is drawn (the views of a large grid are at most 64 cells a side), so the picture
        stays small for a 4096×4096 input too.
    theme, numbers, coverage, operation, show_formula
        As in :func:`convkit.render.traversal.draw_traversal`.
    progress
        GIF: a progress bar (``tqdm.auto``) when ``True`` and there are more than 20 frames (about a second
        of work), nothing when ``False``, or a callable ``progress(done, total)`` called after each frame.

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
    frames = check_steps(traversal, steps) if ext == ".gif" else None
    first = step if step is not None else (check_steps(traversal, steps)[0] if steps is not None else 0)
    dpi = _check_dpi(dpi)
    frame_ms = _frame_ms(fps, duration) if ext == ".gif" else 0.0
    fig, artists = _build_figure(
        traversal,
        first if frames is None else frames[0],
        numbers=numbers,
        coverage=coverage,
        theme=theme,
        show_formula=show_formula,
        operation=operation,
        dpi=dpi,
    )
    if frames is not None:  # a .gif
        _save_gif(fig, artists, path, frames, frame_ms, progress)
    elif ext == ".svg":
        import matplotlib

        with matplotlib.rc_context({"svg.fonttype": "none"}):  # text stays text: searchable, editable
            fig.savefig(path, format="svg", facecolor=fig.get_facecolor())
    else:
        fig.savefig(path, format="png", dpi=dpi, facecolor=fig.get_facecolor())
    return path


def traversal_png_bytes(
    traversal: Traversal,
    step: int = 0,
    *,
    dpi: float | None = None,
    theme: str = "light",
    numbers: Any = None,
    coverage: bool = False,
    operation: str = "conv",
    show_formula: bool = True,
) -> bytes:
    """One step as PNG bytes (for a widget's ``image/png`` representation; ``dpi`` default 150).

    >>> import convkit
    >>> traversal_png_bytes(convkit.traverse((28, 28), 3, strides=2), 5)[:4]
    b'\\x89PNG'
    """
    dpi = _check_dpi(dpi)
    fig, _ = _build_figure(
        traversal,
        step,
        numbers=numbers,
        coverage=coverage,
        theme=theme,
        show_formula=show_formula,
        operation=operation,
        dpi=dpi,
    )
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor=fig.get_facecolor())
    return buffer.getvalue()
