"""Texts painted straight into an Agg canvas buffer with Pillow, for the blitted frames of a GIF export."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba
from matplotlib.text import Annotation
from PIL import Image

__all__ = ["TextPainter"]


class TextPainter:
    """Paints single-line, unrotated ``Text`` artists straight into the canvas buffer with Pillow.

    Matplotlib (3.11) lays out and rasterises every glyph of a text at every draw, ~10 ms for a line of
    60 characters: more than the rest of a frame. Per frame, the step line, the multiply-sum and the values
    in the moving cells are painted from cached glyph masks instead, at the baseline matplotlib itself
    gives the artist (its own font file and size), so a frame looks like its full redraw.
    """

    def __init__(self, canvas: FigureCanvasAgg) -> None:
        from PIL import ImageDraw, ImageFont

        self._draw_cls, self._font_mod = ImageDraw, ImageFont
        self.canvas: Any = canvas  # Any: the Agg canvas' methods (get_renderer...) have no annotations
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
        alpha = mask[r0 - row : r1 - row, c0 - col : c1 - col, None] * (rgba[3] / 255.0)
        region = buffer[r0:r1, c0:c1, :3]
        region[...] = (region * (1 - alpha) + rgba[:3] * 255 * alpha + 0.5).astype(np.uint8)
