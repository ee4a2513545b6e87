"""The text artists of a traversal frame: titles and padding amounts around the grids, the lines under them
(coverage, multiply-sum, formula), and the values written in the cells (numbers mode, big cells only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.axes import Axes

from ..core.traversal import Traversal
from ._traversal_grid import padding_mask, readable_on
from ._traversal_layout import (
    BELOW_GAP,
    FONT,
    LINE,
    NUMBERS_MIN_PTS,
    Geometry,
    is_padded,
)
from ._traversal_numbers import Numbers
from ._traversal_text import fmt, formula_lines, pad_text, size_text
from ._traversal_view import axis_masks
from .style import Palette

__all__ = ["CellTexts", "Labels", "make_cell_texts", "make_labels", "show_edge_labels"]


@dataclass(frozen=True, slots=True)
class Labels:
    """``labels`` by name (input, output, pad_*, coverage), the texts that change with the step (``slice``
    and ``sum`` are ``None`` when not shown) and the formula lines."""

    labels: dict[str, Any]
    step: Any
    slice: Any
    sum: Any
    formula: list[Any]


@dataclass(frozen=True, slots=True)
class CellTexts:
    """Values in cells: input values by (row, col), kernel weights (one per tap, moved with the window), output
    values (one per step) and the colour of the current output's value (``None`` when nothing is written)."""

    input_at: dict[tuple[int, int], Any]
    weights: list[Any]
    outputs: list[Any]
    current_color: str | None


def _annotate(
    ax: Axes, colors: Palette, text: str, xy: tuple[float, float], offset: tuple[float, float], **kw: Any
) -> Any:
    kw.setdefault("fontsize", FONT)
    kw.setdefault("color", colors.text)
    return ax.annotate(text, xy=xy, xytext=offset, textcoords="offset points", annotation_clip=False, **kw)


def make_labels(
    ax: Axes,
    t: Traversal,
    g: Geometry,
    colors: Palette,
    *,
    coverage: bool,
    with_sum: bool,
    show_formula: bool,
) -> Labels:
    labels: dict[str, Any] = {}
    side_pads = is_padded(t) and t.rank >= 2
    top = 2.0 + (LINE if side_pads else 0.0)
    labels["input"] = _annotate(
        ax,
        colors,
        f"input {size_text(t.input_size)}{pad_text(t) if is_padded(t) else ''}",
        (0, 0),
        (0, top),
        ha="left",
        va="bottom",
    )
    out_offset = (0, top) if t.rank >= 2 else (0, 3)
    labels["output"] = _annotate(
        ax,
        colors,
        f"output {size_text(t.output_size)}",
        (g.out_x0, g.out_y0),
        out_offset,
        ha="left",
        va="bottom",
    )
    slice_text = _annotate(ax, colors, "", (0, 0), (0, top + LINE), ha="left", va="bottom") if t.rank == 3 else None
    step_text = _annotate(
        ax, colors, "", (0, 0), (0, top + LINE * (1 + (t.rank == 3))), ha="left", va="bottom", fontweight="bold"
    )
    if is_padded(t):
        labels.update(_pad_labels(ax, t, g, colors))

    # under the grids, one line each: [bottom padding label] [coverage] [multiply-sum] [formula per axis]
    def below(text: str, line: int, **kw: Any) -> Any:
        return _annotate(ax, colors, text, (0, g.height), (0, -BELOW_GAP - line * LINE), ha="left", va="top", **kw)

    line = 1 if side_pads and not g.zoomed else 0  # a zoomed frame has its overviews under the "pad" label
    if coverage:
        total = int(np.prod(t.input_size))
        n_unread = total - int(np.prod([axis_masks(t, i)[1].sum() for i in range(t.rank)]))
        msg = (
            f"× {100 * t.unread_fraction:.2f}% of input never read ({n_unread:,} of {total:,} cells)"
            if n_unread
            else "every input cell is read at least once"
        )
        labels["coverage"] = below(msg, line, color=colors.unread if n_unread else colors.text)
        line += 1
    sum_text = None
    if with_sum:
        sum_text = below("", line)
        line += 1
    formula = [below(text, line + i) for i, text in enumerate(formula_lines(t))] if show_formula else []
    return Labels(labels, step_text, slice_text, sum_text, formula)


def _pad_labels(ax: Axes, t: Traversal, g: Geometry, colors: Palette) -> dict[str, Any]:
    def small(text: str, xy: tuple[float, float], offset: tuple[float, float], **kw: Any) -> Any:
        return _annotate(ax, colors, text, xy, offset, fontsize=FONT - 1, color=colors.text, **kw)

    if t.rank == 1:
        before, after = t.padding[0]
        return {
            "pad_left": small(f"pad {before}", (0, 0.5), (-4, 0), ha="right", va="center"),
            "pad_right": small(f"pad {after}", (g.vcols, 0.5), (4, 0), ha="left", va="center"),
        }
    (top, bottom), (left, right) = t.padding[-2], t.padding[-1]
    mid_x, mid_y = g.vcols / 2, g.vrows / 2
    return {
        "pad_top": small(f"pad {top}", (mid_x, 0), (0, 2), ha="center", va="bottom"),
        "pad_bottom": small(f"pad {bottom}", (mid_x, g.vrows), (0, -3), ha="center", va="top"),
        "pad_left": small(f"pad {left}", (0, mid_y), (-3, 0), ha="right", va="center", rotation=90),
        "pad_right": small(f"pad {right}", (g.vcols, mid_y), (3, 0), ha="left", va="center", rotation=90),
    }


def show_edge_labels(labels: dict[str, Any], g: Geometry, origin: tuple[int, int]) -> list[Any]:
    """Show a side's "pad" label only while the view shows that side of the input (always without zoom)."""
    (r0, c0), vin = origin, g.in_view
    edges = {
        "pad_top": r0 == 0,
        "pad_bottom": r0 + vin.rows.length == vin.rows.size,
        "pad_left": c0 == 0,
        "pad_right": c0 + vin.cols.length == vin.cols.size,
    }
    changed = []
    for key, shown in edges.items():
        if key in labels:
            labels[key].set_visible(shown)
            changed.append(labels[key])
    return changed


def make_cell_texts(
    ax: Axes,
    t: Traversal,
    g: Geometry,
    colors: Palette,
    nums: Numbers | None,
    *,
    cell_pts: float,
    row_pts: float,
    order_rc: tuple[np.ndarray, np.ndarray],
) -> CellTexts:
    """Numbers mode, 1-D/2-D, big cells of a whole (not zoomed) grid only: input values (not on padding), kernel
    weights at the taps (placed by the caller), output values of every step (hidden until computed)."""
    if nums is None or t.rank == 3 or g.zoomed or min(cell_pts, row_pts) < NUMBERS_MIN_PTS or g.rows * g.cols > 1600:
        return CellTexts({}, [], [], None)
    is_pad = padding_mask(t, g)
    shown_inputs = {
        (r, c): fmt(value, nums.integral)
        for (r, c), value in np.ndenumerate(nums.padded.reshape(g.rows, g.cols))
        if not is_pad[r, c]  # padding is 0: the hatching and the multiply-sum say so
    }
    shown_outputs = [fmt(v, nums.integral) for v in nums.output]
    # the longest value fits its cell (a digit is about 0.62 em wide): real weights give long decimals
    longest = max((len(text) for text in (*shown_inputs.values(), *shown_outputs)), default=1)
    size = min(11.0, 0.4 * cell_pts, 0.92 * cell_pts / (0.62 * longest))
    style: dict[str, Any] = dict(ha="center", va="center", fontsize=size, zorder=6, color=colors.text)
    input_at = {(r, c): ax.text(c + 0.5, r + 0.5, text, **style) for (r, c), text in shown_inputs.items()}
    weights = [
        ax.text(
            0,
            0,
            fmt(w, nums.integral),
            ha="right",
            va="bottom",
            fontsize=0.7 * size,
            color=colors.window,
            fontweight="bold",
            zorder=6,
        )
        for w in (nums.kernel if nums.kernel is not None else [])
    ]
    rows, cols = order_rc
    outputs = [
        ax.text(g.out_x0 + c + 0.5, g.out_y0 + r + 0.5, text, visible=False, **style)
        for r, c, text in zip(rows, cols, shown_outputs)
    ]
    return CellTexts(input_at, weights, outputs, readable_on(colors.output_current, colors.text, colors.background))
