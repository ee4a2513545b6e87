"""Explanations: the per-axis arithmetic of a layer written in the learner's own numbers.

This module is the ONE place where formula text is written. Layer specs, the shape trace, the summary
table and the traversal widget all call :func:`format_axis` / :func:`axis_entry`, so the same axis
always reads the same way::

    height: floor((28 + 0 + 0 - 3) / 2) + 1 = 13
    height: ceil(28 / 2) = 14; padding max((14 - 1)·2 + 3 - 28, 0) = 1 → before 0, after 1
    length: ceil(10 / 1) = 10; padding k_eff - 1 = 2 → before 2, after 0
    height: (7 - 1)·2 + 3 + 0 = 15                 (transposed, padding="valid")
    height: 7·2 = 14                               (transposed, padding="same", output_padding=None)
    height: (7 - 1)·2 + (3 mod 2) + 0 = 13         (transposed, padding="same", output_padding=0)

An :class:`Explanation` prints as plain text; its notebook HTML (a small table) is written in
:mod:`convkit.render.explain_html`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .axis import ConvAxis, TransposedAxis
from .display import html_for
from .reads import MAX_ENUMERATED, AxisReads, axis_reads, comb_of, read_counts

__all__ = [
    "MAX_MASK_CELLS",
    "AxisEntry",
    "Explanation",
    "axis_formula",
    "format_axis",
    "axis_notes",
    "axis_entry",
    "read_mask",
    "unread_notes",
]

#: Longest axis :func:`read_mask` builds a mask for (the notes themselves need no mask at all).
MAX_MASK_CELLS = 2**24
#: Unread indices a note lists before it writes "…" and the last one.
_SHOWN = 6

# what one cell of an axis is called, and what a cell of the whole input is called, by axis name / rank
_CELL = {"height": "row", "width": "column", "length": "position", "depth": "plane"}
_PIXEL = {1: "positions", 2: "pixels", 3: "voxels"}


def _n(value: int | None) -> str:
    return "None" if value is None else str(value)


def axis_formula(axis: ConvAxis | TransposedAxis) -> str:
    """The arithmetic of one axis, in numbers, ending with its result.

    >>> from convkit.core.axis import conv_axis
    >>> axis_formula(conv_axis(28, 3, 2, "valid"))
    'floor((28 + 0 + 0 - 3) / 2) + 1 = 13'
    >>> axis_formula(conv_axis(28, 3, 2, "same"))
    'ceil(28 / 2) = 14; padding max((14 - 1)·2 + 3 - 28, 0) = 1 → before 0, after 1'
    """
    if isinstance(axis, TransposedAxis):
        return _transposed_formula(axis)
    if isinstance(axis, ConvAxis):
        return _conv_formula(axis)
    raise TypeError(f"`axis` must be a ConvAxis or a TransposedAxis. Received: axis={axis!r}")


def _conv_formula(a: ConvAxis) -> str:
    n, s, k, out = _n(a.size), a.strides, a.effective_kernel, _n(a.output)
    if a.padding == "same":
        if a.size is None:
            return f"ceil(None / {s}) = None; padding depends on the input size"
        return (
            f"ceil({n} / {s}) = {out}; padding max(({out} - 1)·{s} + {k} - {n}, 0) = {a.total_padding} "
            f"→ before {a.pad_before}, after {a.pad_after}"
        )
    if a.padding == "causal":
        return f"ceil({n} / {s}) = {out}; padding k_eff - 1 = {k - 1} → before {a.pad_before}, after {a.pad_after}"
    # "valid" and explicit (before, after) padding share one formula
    return f"floor(({n} + {a.pad_before} + {a.pad_after} - {k}) / {s}) + 1 = {out}"


def _transposed_formula(a: TransposedAxis) -> str:
    n, s, k, out = _n(a.size), a.strides, a.effective_kernel, _n(a.output)
    if a.padding == "valid":
        return f"({n} - 1)·{s} + {k} + {a.used_output_padding} = {out}"
    if a.output_padding is None:
        return f"{n}·{s} = {out}"
    return f"({n} - 1)·{s} + ({k} mod 2) + {a.output_padding} = {out}"


def format_axis(axis: ConvAxis | TransposedAxis, name: str) -> str:
    """One line ``"<name>: <formula>"``, e.g. ``height: floor((28 + 0 + 0 - 3) / 2) + 1 = 13``.

    >>> from convkit.core.axis import conv_axis
    >>> format_axis(conv_axis(10, 3, padding="causal"), "length")
    'length: ceil(10 / 1) = 10; padding k_eff - 1 = 2 → before 2, after 0'
    """
    return f"{name}: {axis_formula(axis)}"


def axis_notes(axis: ConvAxis | TransposedAxis) -> tuple[str, ...]:
    """Side remarks for one axis: the dilated kernel's span and, for transposed axes, Keras' rule.

    >>> from convkit.core.axis import conv_axis
    >>> axis_notes(conv_axis(28, 3, 1, "valid", 2))
    ('k_eff = (3 - 1)·2 + 1 = 5',)
    """
    notes: list[str] = []
    if axis.dilation_rate > 1:
        notes.append(f"k_eff = ({axis.kernel_size} - 1)·{axis.dilation_rate} + 1 = {axis.effective_kernel}")
    if isinstance(axis, TransposedAxis):
        k, s = axis.effective_kernel, axis.strides
        if axis.padding == "valid":
            notes.append('Keras rule for padding="valid": (n - 1)·s + k_eff + output_padding')
            if axis.output_padding is None:
                notes.append(
                    f"output_padding=None → max(k_eff, s) - k_eff = max({k}, {s}) - {k} = {axis.used_output_padding}"
                )
        elif axis.output_padding is None:
            notes.append('Keras rule for padding="same" with output_padding=None: n·s')
        else:
            notes.append(
                'Keras rule for padding="same" with output_padding: (n - 1)·s + (k_eff mod 2) + output_padding'
            )
    return tuple(notes)


@dataclass(frozen=True, slots=True)
class AxisEntry:
    """One line of an explanation: an axis (or "channels", "features"...), its arithmetic and result."""

    name: str
    formula: str
    result: int | None = None
    notes: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.name}: {self.formula}"


def axis_entry(axis: ConvAxis | TransposedAxis, name: str) -> AxisEntry:
    """The :class:`AxisEntry` of one sliding-window axis (formula, result and notes)."""
    return AxisEntry(name, axis_formula(axis), axis.output, axis_notes(axis))


def read_mask(axis: ConvAxis) -> np.ndarray | None:
    """Boolean array over the input cells of one axis: ``True`` where at least one kernel tap reads it.

    ``None`` when the size is unknown or the axis is longer than ``MAX_MASK_CELLS`` (an array that size is
    not worth building to look at; :func:`~convkit.core.reads.axis_reads` counts any axis without one).

    >>> from convkit.core.axis import conv_axis
    >>> read_mask(conv_axis(5, 1, 2)).astype(int).tolist()
    [1, 0, 1, 0, 1]
    """
    if axis.size is None or axis.output is None or axis.pad_before is None or axis.size > MAX_MASK_CELLS:
        return None
    comb = comb_of(axis)
    if comb is None:  # strides and dilation both > 1: count the reads if that is cheap
        if axis.output * axis.kernel_size > MAX_ENUMERATED:
            return None
        return read_counts(axis) > 0
    mask = np.zeros(axis.size, dtype=bool)
    first = max(0, -(-comb.start // comb.period) - 1)  # runs that can touch [0, size)
    last = min(comb.teeth, (axis.size - comb.start) // comb.period + 1)
    if last - first <= comb.width:  # few runs: one slice per run
        for t in range(first, last):
            lo = comb.start + t * comb.period
            mask[max(lo, 0) : max(lo + comb.width, 0)] = True
    else:  # narrow runs: one strided slice per offset inside a run
        stop = max(comb.stop, 0)
        for w in range(comb.width):
            lo = comb.start + w + first * comb.period
            mask[lo if lo >= 0 else lo % comb.period : stop : comb.period] = True
    return mask


def _index_list(reads: AxisReads, cell: str) -> str:
    if reads.unread == 1:
        return f"{cell} {reads.first_unread[0]}"
    shown = [str(i) for i in reads.first_unread]
    if reads.unread > len(shown):
        shown = shown[:3] + ["…", str(reads.last_unread)]
    return f"{cell}s {', '.join(shown)} ({reads.unread} of {reads.size})"


def unread_notes(axes: Sequence[ConvAxis], names: Sequence[str]) -> tuple[str, ...]:
    """Notes on input cells no kernel tap ever reads, e.g. ``pixels never read: row 27``.

    A cell of the whole input is read exactly when its index is read on every axis, so the unread
    fraction is ``1 - Π(read_i / n_i)``. The unread cells are counted by arithmetic on each axis'
    stride/kernel/padding pattern (:mod:`convkit.core.reads`), so the work does not grow with the axis.
    """
    rank = len(axes)
    pixel = _PIXEL.get(rank, "cells")
    notes: list[str] = []
    read_fraction = 1.0
    for axis, name in zip(axes, names):
        reads = axis_reads(axis, shown=_SHOWN)
        if reads is None:
            return tuple(notes)
        if reads.unread:
            notes.append(f"{pixel} never read: {_index_list(reads, _CELL.get(name, 'index'))}")
        read_fraction *= reads.read_fraction
    if notes:
        notes.append(f"{_percent(1 - read_fraction)} of the input's {pixel} are never read (the layer cannot see them)")
    return tuple(notes)


def _percent(fraction: float) -> str:
    """``0.0357`` → ``"3.57%"``; never rounds a part up to ``"100%"`` or down to ``"0%"``.

    >>> _percent(0.0357), _percent(1 - 1e-7), _percent(1e-9), _percent(1.0)
    ('3.57%', 'more than 99.99%', 'less than 0.01%', '100%')
    """
    text = f"{100 * fraction:.2f}".rstrip("0").rstrip(".")
    if text == "100" and fraction < 1:
        return "more than 99.99%"
    if text == "0" and fraction > 0:
        return "less than 0.01%"
    return f"{text}%"


@dataclass(frozen=True, slots=True)
class Explanation:
    """What a layer does to a shape, in the learner's numbers.

    ``str()`` gives plain text (title, one line per axis with its notes indented, then general notes);
    in a notebook it renders as a small HTML table readable in light and dark themes
    (:func:`convkit.render.explain_html.explanation_html`).
    """

    title: str
    axes: tuple[AxisEntry, ...] = ()
    notes: tuple[str, ...] = ()
    input_shape: tuple[int | None, ...] | None = None
    output_shape: tuple[int | None, ...] | None = None

    def lines(self) -> list[str]:
        out = [self.title]
        for entry in self.axes:
            out.append(f"  {entry}")
            out.extend(f"      {note}" for note in entry.notes)
        out.extend(f"  {note}" for note in self.notes)
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # IPython plain-text display
        printer.text(str(self))

    def _repr_html_(self) -> str | None:
        """The notebook HTML registered by :mod:`convkit.render.explain_html` (``None``: IPython shows the text)."""
        return html_for("explanation", self)
