"""The two grid pictures of a traversal frame as RGBA arrays (one pixel per cell), built with numpy from the
traversal's arrays: the padded input (input, padding and never-read colours) and the output (pending,
computed and current cells, repainted only where a step changes them). Also the colour helpers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.colors import to_rgba

from ..core.traversal import Traversal
from ._traversal_layout import Geometry
from ._traversal_view import axis_masks

__all__ = ["DrawnMasks", "input_colors", "mix", "padding_mask", "paint_output", "readable_on", "rgba"]


def rgba(color: Any) -> np.ndarray:
    channels: np.ndarray = (np.array(to_rgba(color)) * 255).round().astype(np.uint8)
    return channels


def mix(a: str, b: str, t: float) -> tuple[float, float, float, float]:
    red, green, blue, alpha = np.array(to_rgba(a)) * (1 - t) + np.array(to_rgba(b)) * t
    return red, green, blue, alpha


def _luminance(color: str) -> float:
    rgb = np.array(to_rgba(color)[:3])
    lin = np.where(rgb <= 0.03928, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return float(lin @ [0.2126, 0.7152, 0.0722])


def readable_on(fill: str, *candidates: str) -> str:
    """The candidate text colour with the highest WCAG contrast against ``fill``."""
    lf = _luminance(fill)
    return max(candidates, key=lambda c: (max(lf, _luminance(c)) + 0.05) / (min(lf, _luminance(c)) + 0.05))


@dataclass(frozen=True, slots=True)
class DrawnMasks:
    """Per drawn axis (padded coordinates): which cells are padding and which are read by some kernel
    position; ``depth`` is the same pair for the first axis of a 3-D traversal (else ``None``). A cell is
    padding if it is padding along any axis, and read iff it is read along every axis."""

    rows: tuple[np.ndarray, np.ndarray]
    cols: tuple[np.ndarray, np.ndarray]
    depth: tuple[np.ndarray, np.ndarray] | None

    @classmethod
    def of(cls, t: Traversal) -> DrawnMasks:
        if t.rank == 1:
            return cls((np.zeros(1, bool), np.ones(1, bool)), axis_masks(t, 0), None)
        return cls(axis_masks(t, t.rank - 2), axis_masks(t, t.rank - 1), axis_masks(t, 0) if t.rank == 3 else None)

    def plane(self, plane: int | None) -> tuple[bool, bool]:
        """(is padding, is read) of the whole depth ``plane`` drawn (3-D), ``(False, True)`` below 3-D."""
        if plane is None or self.depth is None:
            return False, True
        return bool(self.depth[0][plane]), bool(self.depth[1][plane])


def padding_mask(t: Traversal, g: Geometry) -> np.ndarray:
    """``True`` on the drawn cells that are padding (1-D/2-D, the whole grid)."""
    m = DrawnMasks.of(t)
    mask: np.ndarray = m.rows[0][:, None] | m.cols[0][None, :]
    return mask


def input_colors(
    t: Traversal,
    g: Geometry,
    plane: int | None,
    c: dict[str, np.ndarray],
    coverage: bool,
    origin: tuple[int, int] = (0, 0),
    masks: DrawnMasks | None = None,
) -> np.ndarray:
    """Colours of the input cells the view shows (from ``origin``), without the window: input, padding, never
    read (coverage). ``plane``: the padded depth drawn (3-D), ``c``: the palette as RGBA bytes."""
    m = masks if masks is not None else DrawnMasks.of(t)
    rows = slice(origin[0], origin[0] + g.vrows)
    cols = slice(origin[1], origin[1] + g.vcols)
    plane_pad, plane_read = m.plane(plane)
    is_pad = m.rows[0][rows][:, None] | m.cols[0][cols][None, :] | plane_pad
    colors = np.where(is_pad[..., None], c["padding_cell"], c["input_cell"])
    if coverage:
        read = m.rows[1][rows][:, None] & m.cols[1][cols][None, :] & plane_read
        colors = np.where((~read & ~is_pad)[..., None], c["unread"], colors)
    return colors.astype(np.uint8)


def paint_output(
    image: np.ndarray,
    c: dict[str, np.ndarray],
    t: Traversal,
    g: Geometry,
    origin: tuple[int, int],
    prev: int,
    step: int,
    plane: int | None,
    full: bool,
) -> range:
    """Paint the output cells the view shows (``image``, from ``origin``) for ``step``: computed cells filled,
    the current one in its own colour. ``plane`` is the output depth drawn (3-D). Returns the steps whose
    values may change visibility: the whole plane when ``full`` (a new picture or plane), else the steps
    between ``prev`` and ``step``."""
    per_plane = t.num_steps if plane is None else int(np.prod(t.output_size[1:]))
    lo = 0 if plane is None else plane * per_plane
    rows = np.arange(origin[0], origin[0] + g.out_vrows)[:, None]
    cols = np.arange(origin[1], origin[1] + g.out_vcols)[None, :]
    index = lo + rows * g.out_cols + cols  # the step that computes each cell shown
    image[...] = np.where((index < step)[..., None], c["output_done"], c["output_cell"])
    image[index == step] = c["output_current"]
    return range(lo, lo + per_plane) if full else range(min(prev, step), max(prev, step) + 1)
