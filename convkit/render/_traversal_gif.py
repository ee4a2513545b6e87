"""An animated GIF written frame by frame: memory stays one frame, however many steps are exported.

All frames share one 256-colour palette (:class:`FramePalette`: the theme's colours exactly, then the first
frame's other colours). After the first frame, each frame is stored as the rectangle that changed since the
previous one, its unchanged pixels transparent; identical frames are merged into a longer one. The GIF
blocks are the documented GIF89a ones; the LZW coding of each frame is Pillow's.
"""

from __future__ import annotations

import os
import struct
from typing import IO, Any

import numpy as np
from PIL import GifImagePlugin, Image

__all__ = ["FramePalette", "GifStream"]

_TRANSPARENT = 0  # palette index 0 is never a looked-up colour: it marks unchanged pixels


class FramePalette:
    """One 255-colour palette for every frame: the theme's colours exactly, then the first frame's other
    colours (anti-aliased edges and text); each RGB colour is looked up once, then from a table."""

    def __init__(self, first: np.ndarray, exact: np.ndarray) -> None:
        exact = np.unique(exact.reshape(-1, 3), axis=0)[:200]
        rest = Image.fromarray(first).quantize(colors=255 - len(exact), method=Image.Quantize.MEDIANCUT)
        palette = rest.getpalette()  # a quantized ("P") image always has one
        rest_colors = np.array(palette[: 3 * (255 - len(exact))], np.uint8).reshape(-1, 3)  # type: ignore[index]
        # index 0 is reserved: a 0 in the lookup table means "not looked up yet"
        self.colors = np.concatenate([np.zeros((1, 3), np.uint8), exact, rest_colors])
        self.flat = bytes(self.colors.ravel().tolist() + [0] * (768 - self.colors.size))
        self._lookup = np.zeros(1 << 24, np.uint8)

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        """Palette indices (``uint8``, 1..255) of an ``(..., 3)`` RGB array."""
        return self.lookup(_pack(rgb))

    def lookup(self, packed: np.ndarray) -> np.ndarray:
        """Palette indices of colours packed as ``R | G << 8 | B << 16`` (see :func:`_pack`)."""
        index = self._lookup[packed]
        if not index.all():
            new = np.unique(packed[index == 0])
            new_rgb = np.stack([new & 255, (new >> 8) & 255, (new >> 16) & 255], axis=-1)
            distance = ((new_rgb[:, None, :] - self.colors[None, 1:, :].astype(np.int32)) ** 2).sum(-1)
            self._lookup[new] = distance.argmin(axis=1) + 1
            index = self._lookup[packed]
        indices: np.ndarray = index
        return indices


def _pack(rgb: np.ndarray) -> np.ndarray:
    return rgb[..., 0].astype(np.int32) | (rgb[..., 1].astype(np.int32) << 8) | (rgb[..., 2].astype(np.int32) << 16)


def _rgba_words(pixels: np.ndarray) -> np.ndarray:
    """An ``(h, w, 3|4)`` uint8 RGB(A) array as ``(h, w)`` 32-bit words ``R | G << 8 | B << 16 | A << 24``
    (a copy): one comparison per pixel."""
    words: np.ndarray
    if pixels.shape[-1] == 3:
        words = _pack(pixels).astype(np.uint32) | np.uint32(0xFF000000)
    else:
        words = np.ascontiguousarray(pixels).view("<u4")[..., 0].copy()
    return words


class GifStream:
    """Write frames of palette indices to ``path`` as they come; :meth:`close` finishes the file.

    ``exact`` are RGB colours the palette must hold exactly (the theme's); the palette is made from the
    first frame. ``loop=0`` repeats forever.
    """

    def __init__(self, path: str | os.PathLike[str], exact: np.ndarray, loop: int = 0) -> None:
        self._fp: IO[bytes] = open(path, "wb")  # noqa: SIM115 - closed by close()
        self._exact, self._loop = exact, loop
        self.palette: FramePalette | None = None
        self._previous: np.ndarray | None = None  # palette indices of the last frame as shown
        self._words: np.ndarray | None = None  # its RGBA pixels as 32-bit words
        self._pending: tuple[np.ndarray, tuple[int, int], int] | None = None  # (pixels, offset, duration)
        self.frames_written = 0

    def __enter__(self) -> GifStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _header(self, width: int, height: int) -> None:
        assert self.palette is not None
        self._fp.write(b"GIF89a" + struct.pack("<HHBBB", width, height, 0xF7, 0, 0) + self.palette.flat)
        self._fp.write(b"!\xff\x0bNETSCAPE2.0\x03\x01" + struct.pack("<H", self._loop) + b"\x00")

    def add(self, rgba: np.ndarray, duration_ms: float) -> None:
        """Append one frame (``(h, w, 3|4)`` uint8 RGB(A) pixels) shown for ``duration_ms`` milliseconds.

        Only the pixels that differ from the previous frame are looked up in the palette."""
        words = _rgba_words(rgba)
        if self.palette is None:
            self.palette = FramePalette(np.ascontiguousarray(rgba[..., :3]), self._exact)
            self._header(words.shape[1], words.shape[0])
        if self._previous is None:
            index = self.palette(rgba[..., :3])
            self._flush()
            self._pending, self._previous, self._words = (index, (0, 0), int(duration_ms)), index.copy(), words
            return
        changed = words != self._words
        rows, cols = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
        if not len(rows):  # the same picture: show the pending frame longer
            pixels, offset, duration = self._pending  # type: ignore[misc]  # set whenever _previous is
            self._pending = (pixels, offset, duration + int(duration_ms))
            return
        r0, r1, c0, c1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
        box = changed[r0:r1, c0:c1]
        index = self._previous  # updated in place: the frame as shown after this one
        region = index[r0:r1, c0:c1]
        region[box] = self.palette.lookup((words[r0:r1, c0:c1][box] & 0xFFFFFF).astype(np.int32))
        delta = np.where(box, region, _TRANSPARENT).astype(np.uint8)
        self._flush()
        self._pending = (delta, (int(c0), int(r0)), int(duration_ms))
        self._words = words

    def _flush(self) -> None:
        if self._pending is None:
            return
        pixels, offset, duration = self._pending
        image = Image.frombytes("P", (pixels.shape[1], pixels.shape[0]), pixels.tobytes())
        params: dict[str, Any] = {"duration": duration, "disposal": 1}
        if self.frames_written:
            params["transparency"] = _TRANSPARENT
        for chunk in GifImagePlugin.getdata(image, offset, **params):
            self._fp.write(chunk)
        self._fp.flush()  # on disk now: nothing of it stays in memory
        self.frames_written += 1
        self._pending = None

    def close(self) -> None:
        if self._fp.closed:
            return
        try:
            self._flush()
            if self.palette is not None:
                self._fp.write(b";")
        finally:
            self._fp.close()
