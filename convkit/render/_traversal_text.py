"""The words of a traversal frame: sizes, padding, the step line, the per-axis formula, the 3-D plane line,
and the number formatting the cells and the multiply-sum share. Plain strings, no matplotlib."""

from __future__ import annotations

import numpy as np

from ..core.args import axis_names
from ..core.explain import axis_notes, format_axis
from ..core.traversal import Traversal

__all__ = [
    "elide", "fmt", "formula_lines", "overview_caption", "pad_text", "size_text", "slice_line", "step_line", "wrap",
]


def size_text(sizes: tuple[int, ...]) -> str:
    return "×".join(str(s) for s in sizes)


def pad_text(t: Traversal) -> str:
    pads = set(t.padding)
    if len(pads) == 1:
        (before, after), = pads
        return f" (+pad {before}/{after})"
    return " (+pad " + ", ".join(f"{b}/{a}" for b, a in t.padding) + ")"


def formula_lines(t: Traversal) -> list[str]:
    """The per-axis arithmetic, worded by :mod:`convkit.core.explain` so every view says the same."""
    lines = []
    for axis, name in zip(t.axes, axis_names(t.rank)):
        notes = axis_notes(axis)
        lines.append(format_axis(axis, name) + (f"   ({'; '.join(notes)})" if notes else ""))
    return lines


def fmt(value: float, integral: bool) -> str:
    if integral and float(value).is_integer():
        return str(int(value))
    return f"{value:.3g}"


def wrap(text: str) -> str:
    """A negative factor in brackets: ``2·(-1)``."""
    return f"({text})" if text.startswith("-") else text


def elide(terms: list[str], sep: str, max_terms: int) -> str:
    if len(terms) <= max_terms:
        return sep.join(terms)
    head = sep.join(terms[: max_terms - 2])
    return f"{head}{sep}…{sep}{sep.join(terms[-2:])} ({len(terms)} terms)"


def step_line(t: Traversal, operation: str, step: int) -> str:
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
    return (f"{what} {size_text(t.kernel_size)} · step {step + 1}/{t.num_steps} · output[{out}] reads "
            f"{', '.join(spans)}{gaps}")


def _ordinal(n: int) -> str:
    return {2: "2nd", 3: "3rd"}.get(n, f"{n}th")


def slice_line(t: Traversal, planes: tuple[int, int]) -> str:
    """3-D: which input plane (padded coordinates in ``planes[0]``) and output plane are drawn."""
    d = planes[0] - t.axes[0].pad_before
    where = "a padding plane" if not 0 <= d < t.input_size[0] else f"of 0–{t.input_size[0] - 1}"
    return (f"3-D, one plane each: input depth {d} ({where}, the window's middle plane), "
            f"output depth {planes[1]}")


def _span(start: int, end: int) -> str:
    return f"{start}" if end == start else f"{start}{' to ' if start < 0 else '–'}{end}"


def overview_caption(t: Traversal, which: str, view, origin: tuple[int, int]) -> str:
    """``whole input · box = view: rows 40–71, cols 80–111`` (input coordinates, unpadded; output indices).

    ``view`` is the grid's :class:`~convkit.render._traversal_view.PanelView`, ``origin`` its first cell shown
    (padded coordinates for the input)."""
    shift = (0, 0)
    if which == "input":
        shift = (0, t.axes[0].pad_before) if t.rank == 1 else (t.axes[-2].pad_before, t.axes[-1].pad_before)
    spans = []
    for name, axis, start, pad in zip(("rows", "cols"), (view.rows, view.cols), origin, shift):
        if axis.zoomed:
            spans.append(f"{name} {_span(start - pad, start - pad + axis.length - 1)}")
    if t.rank == 1:
        spans = [s.replace("cols", "positions") for s in spans]
    return f"whole {which} · box = view: {', '.join(spans)}"
