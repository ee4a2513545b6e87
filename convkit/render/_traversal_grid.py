"""The two grid pictures of a traversal frame as RGBA arrays (one pixel per cell), built with numpy from the
traversal's arrays: the padded input (input, padding and never-read colours) and the output (pending,
computed and current cells, repainted only where a step changes them). Also the colour helpers."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.colors import to_rgba

from ..core.traversal import Traversal
from ._traversal_layout import Geometry

__all__ = ["input_colors", "mix", "padding_mask", "paint_output", "readable_on", "rgba"]


def rgba(color: Any) -> np.ndarray:
    return (np.array(to_rgba(color)) * 255).round().astype(np.uint8)


def mix(a: str, b: str, t: float) -> tuple[float, ...]:
    return tuple(np.array(to_rgba(a)) * (1 - t) + np.array(to_rgba(b)) * t)


def _luminance(color: str) -> float:
    rgb = np.array(to_rgba(color)[:3])
    lin = np.where(rgb <= 0.03928, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return float(lin @ [0.2126, 0.7152, 0.0722])


def readable_on(fill: str, *candidates: str) -> str:
    """The candidate text colour with the highest WCAG contrast against ``fill``."""
    lf = _luminance(fill)
    return max(candidates, key=lambda c: (max(lf, _luminance(c)) + 0.05) / (min(lf, _luminance(c)) + 0.05))


def _padding_and_inside(t: Traversal, g: Geometry, plane: int | None) -> tuple[np.ndarray, list[np.ndarray]]:
    """Which drawn cells are padding, and the (clipped) input index of every drawn cell."""
    pads = [a.pad_before for a in t.axes]
    rows, cols = np.arange(g.rows)[:, None], np.arange(g.cols)[None, :]
    coords = [cols] if t.rank == 1 else [rows, cols]
    is_pad = np.zeros((g.rows, g.cols), bool)
    inside = []
    for axis, u in zip(range(t.rank - len(coords), t.rank), coords):
        u = u - pads[axis]
        is_pad |= (u < 0) | (u >= t.input_size[axis])
        inside.append(np.clip(u, 0, t.input_size[axis] - 1))
    if plane is not None:
        d = plane - pads[0]
        is_pad |= not 0 <= d < t.input_size[0]
        inside.insert(0, np.array(min(max(d, 0), t.input_size[0] - 1)))
    return is_pad, inside


def padding_mask(t: Traversal, g: Geometry) -> np.ndarray:
    """``True`` on the drawn cells that are padding (1-D/2-D)."""
    return _padding_and_inside(t, g, None)[0]


def input_colors(
    t: Traversal, g: Geometry, plane: int | None, c: dict[str, np.ndarray], coverage: bool,
) -> np.ndarray:
    """Colours of every drawn input cell without the window: input, padding, never read (coverage).
    ``plane``: the padded depth drawn (3-D), ``c``: the palette as RGBA bytes."""
    is_pad, inside = _padding_and_inside(t, g, plane)
    colors = np.where(is_pad[..., None], c["padding_cell"], c["input_cell"])
    if coverage:
        unread = t.unread_mask[tuple(inside)] & ~is_pad
        colors = np.where(unread[..., None], c["unread"], colors)
    return colors.astype(np.uint8)


def paint_output(
    image: np.ndarray, order_rc: tuple[np.ndarray, np.ndarray], c: dict[str, np.ndarray], t: Traversal,
    prev: int, step: int, plane: int | None, full: bool,
) -> range:
    """Paint the output ``image`` for ``step``: computed cells filled, the current one in its own colour; only
    the cells that change since step ``prev`` are painted unless ``full`` (a new picture, or a new output plane
    in 3-D, where ``plane`` is the output depth). Returns the steps whose cells were painted."""
    rows, cols = order_rc
    if full:  # everything before ``step`` in this plane
        per_plane = t.num_steps if plane is None else int(np.prod(t.output_size[1:]))
        lo = 0 if plane is None else plane * per_plane
        image[...] = c["output_cell"]
        image[rows[lo:step], cols[lo:step]] = c["output_done"]
        span = range(lo, lo + per_plane)
    else:
        if step > prev:
            image[rows[prev:step], cols[prev:step]] = c["output_done"]
        elif step < prev:
            image[rows[step + 1:prev + 1], cols[step + 1:prev + 1]] = c["output_cell"]
        span = range(min(prev, step), max(prev, step) + 1)
    image[rows[step], cols[step]] = c["output_current"]
    return span
