"""The words of a traversal frame: sizes, padding, the per-axis formula, the 3-D plane line and the overview
captions. Plain strings, no matplotlib. The step sentence and the number formatting come from
:mod:`convkit.render.traversal_words`, which the live widget uses too."""

from __future__ import annotations

from ..core.args import axis_names
from ..core.explain import axis_notes, format_axis
from ..core.traversal import Traversal
from ._traversal_view import PanelView
from .traversal_words import elide, fmt, step_sentence, wrap
from .words import format_dims as size_text

__all__ = [
    "elide",
    "fmt",
    "formula_lines",
    "overview_caption",
    "pad_text",
    "size_text",
    "slice_line",
    "step_line",
    "wrap",
]


def pad_text(t: Traversal) -> str:
    pads = set(t.padding)
    if len(pads) == 1:
        ((before, after),) = pads
        return f" (+pad {before}/{after})"
    return " (+pad " + ", ".join(f"{b}/{a}" for b, a in t.padding) + ")"


def formula_lines(t: Traversal) -> list[str]:
    """The per-axis arithmetic, worded by :mod:`convkit.core.explain` so every view says the same."""
    lines = []
    for axis, name in zip(t.axes, axis_names(t.rank)):
        notes = axis_notes(axis)
        lines.append(format_axis(axis, name) + (f"   ({'; '.join(notes)})" if notes else ""))
    return lines


def step_line(t: Traversal, operation: str, step: int) -> str:
    """``kernel 3×3 · step 6/169 · output[0, 5] reads rows 0–2, cols 10–12``: the widget's sentence too
    (:func:`convkit.render.traversal_words.step_sentence`)."""
    return step_sentence(t, operation, step)


def slice_line(t: Traversal, planes: tuple[int, int]) -> str:
    """3-D: which input plane (padded coordinates in ``planes[0]``) and output plane are drawn."""
    d = planes[0] - t.padding[0][0]
    where = "a padding plane" if not 0 <= d < t.input_size[0] else f"of 0–{t.input_size[0] - 1}"
    return f"3-D, one plane each: input depth {d} ({where}, the window's middle plane), output depth {planes[1]}"


def _span(start: int, end: int) -> str:
    return f"{start}" if end == start else f"{start}{' to ' if start < 0 else '–'}{end}"


def overview_caption(t: Traversal, which: str, view: PanelView, origin: tuple[int, int]) -> str:
    """``whole input · box = view: rows 40–71, cols 80–111`` (input coordinates, unpadded; output indices).

    ``view`` is the grid's :class:`~convkit.render._traversal_view.PanelView`, ``origin`` its first cell shown
    (padded coordinates for the input)."""
    shift = (0, 0)
    if which == "input":
        shift = (0, t.padding[0][0]) if t.rank == 1 else (t.padding[-2][0], t.padding[-1][0])
    spans = []
    for name, axis, start, pad in zip(("rows", "cols"), (view.rows, view.cols), origin, shift):
        if axis.zoomed:
            spans.append(f"{name} {_span(start - pad, start - pad + axis.length - 1)}")
    if t.rank == 1:
        spans = [s.replace("cols", "positions") for s in spans]
    return f"whole {which} · box = view: {', '.join(spans)}"
