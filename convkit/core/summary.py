"""The summary table of a shape trace: data first (:class:`Summary` rows), then text and HTML formatting.

Like ``model.summary()`` in Keras, with what a learner needs to see why a shape is what it is: the
window of each layer (``3×3 /2 valid``), the per-axis arithmetic in their numbers (the short form of
:mod:`convkit.core.explain`), the receptive field and jump, and a plain reason for every invalid layer.

This module holds the data (frozen :class:`Summary` and :class:`SummaryRow`, already as display strings) and
the plain text: ``str(summary)`` is a fixed-width text table (golden-file tested) whose footnote says in plain
words what Window, RF and Jump mean. The words come from :mod:`convkit.core.words` (the window reads as in the
diagram and the editor). The notebook HTML is written in :mod:`convkit.render.summary_html`, which registers
itself through :mod:`convkit.core.display`, so the core imports no renderer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .display import html_for
from .trace import MODEL_INPUT, Trace, TraceEntry, format_number
from .words import column_notes, format_dims, format_shape, summary_title, window_label

__all__ = ["Summary", "SummaryRow", "build_summary", "formula_label", "explanation_lines"]

_COLUMNS = ("#", "Layer (type)", "Window", "Output shape", "Arithmetic", "Params", "RF", "Jump")
_SHORT_AXIS = {"height": "h", "width": "w", "depth": "d", "length": "l"}


def _per_axis(values: Sequence[Any] | None, *, none: str = "all") -> str:
    if values is None:
        return none
    texts = [format_number(v) for v in values]
    if not texts:
        return none
    return format_dims(texts)


def formula_label(explanation: Any) -> str:
    """Short per-axis arithmetic from an :class:`~convkit.core.explain.Explanation`.

    The short form is each axis formula up to its first ``";"`` (the size, without the padding
    breakdown); equal formulas on all axes are written once: ``"h,w: floor((28 + 0 + 0 - 3) / 2) + 1 = 13"``.
    """
    axes = tuple(getattr(explanation, "axes", ()) or ())
    if not axes:
        return ""
    shorts = [(e.name, str(e.formula).split(";")[0].strip()) for e in axes]
    names = [_SHORT_AXIS.get(name, name) for name, _ in shorts]
    formulas = [f for _, f in shorts]
    if len(set(formulas)) == 1:
        return f"{','.join(names)}: {formulas[0]}"
    return "; ".join(f"{n}: {f}" for n, f in zip(names, formulas))


@dataclass(frozen=True, slots=True)
class SummaryRow:
    """One layer of a summary, already as display strings (plus the raw ``params``)."""

    index: int
    name: str
    type: str
    window: str
    output_shape: str
    formula: str
    params: int | None
    receptive_field: str
    jump: str
    status: str  # "ok", "invalid", "not reached"
    error: str | None
    inputs: str
    modelled: bool

    @property
    def params_text(self) -> str:
        return "—" if self.params is None else f"{self.params:,}"

    @property
    def layer_text(self) -> str:
        kind = self.type if self.modelled else f"{self.type} (from Keras)"
        return f"{self.name} ({kind})"

    @property
    def shape_text(self) -> str:
        if self.status == "invalid":
            return "INVALID"
        if self.status == "not reached":
            return "not reached"
        return self.output_shape


def _inputs_text(entry: TraceEntry, names: Sequence[str]) -> str:
    if not entry.inputs:
        return "input"
    return ", ".join("input" if i == MODEL_INPUT else names[i] for i in entry.inputs)


def _unknown_fields(trace: Trace) -> set[int]:
    """Entries whose receptive field is unknown (not "all"): fed, directly or not, by an unmodelled layer
    that did not pass the field through."""
    unknown: set[int] = set()
    for e in trace.entries:
        upstream = any(i in unknown for i in e.inputs if i >= 0)
        own = getattr(e.layer, "modelled", True) is False and e.receptive_field is None
        if e.receptive_field is None and (own or upstream):
            unknown.add(e.index)
    return unknown


def _row(entry: TraceEntry, names: Sequence[str], unknown_field: bool = False) -> SummaryRow:
    layer = entry.layer
    if entry.error is not None:
        status = "invalid"
    elif entry.input_shape is None:
        status = "not reached"
    else:
        status = "ok"
    valid = status == "ok"
    return SummaryRow(
        index=entry.index,
        name=entry.name,
        type=str(getattr(layer, "class_name", None) or type(layer).__name__),
        window=window_label(layer),
        output_shape=format_shape(entry.output_shape),
        formula=formula_label(entry.explanation) if valid else "",
        params=entry.params,
        receptive_field=("?" if unknown_field else _per_axis(entry.receptive_field)) if valid else "—",
        jump=("?" if unknown_field else _per_axis(entry.jump, none="—")) if valid else "—",
        status=status,
        error=entry.error,
        inputs=_inputs_text(entry, names),
        modelled=getattr(layer, "modelled", True) is not False,
    )


@dataclass(frozen=True, slots=True)
class Summary:
    """A layer-by-layer table of a trace. ``str()`` → fixed-width text; in a notebook, the HTML table of
    :mod:`convkit.render.summary_html`."""

    input_shape: tuple[int | None, ...]
    rows: tuple[SummaryRow, ...]
    total_params: int
    output_shape: tuple[int | None, ...] | None
    sequential: bool = True
    title: str | None = None

    @property
    def is_valid(self) -> bool:
        return all(r.status == "ok" for r in self.rows)

    @property
    def unit(self) -> str:
        """What one cell of the input is called: ``"position"`` in a sequence, ``"pixel"`` otherwise."""
        return "position" if len(self.input_shape) == 3 else "pixel"

    @property
    def invalid_rows(self) -> tuple[SummaryRow, ...]:
        return tuple(r for r in self.rows if r.status == "invalid")

    # -- text ---------------------------------------------------------------------------------
    def _columns(self) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
        header = _COLUMNS if self.sequential else (*_COLUMNS[:2], "Inputs", *_COLUMNS[2:])
        body = []
        for r in self.rows:
            cells = [str(r.index), r.layer_text, r.window, r.shape_text, r.formula, r.params_text]
            cells += [r.receptive_field, r.jump]
            if not self.sequential:
                cells.insert(2, r.inputs)
            body.append(tuple(cells))
        return header, body

    def footer_lines(self) -> list[str]:
        lines = [
            f"Input shape: {format_shape(self.input_shape)}    Output shape: "
            + (format_shape(self.output_shape) if self.is_valid else "— (the stack is invalid)"),
            f"Total params: {self.total_params:,}",
        ]
        if any(not r.modelled for r in self.rows):
            lines.append("(from Keras): a layer convkit does not model; its shapes are the ones Keras reported.")
        if any(r.receptive_field == "?" for r in self.rows):
            lines.append("RF/Jump ?: unknown, a Keras layer convkit does not model sits before it.")
        notes = column_notes(self.unit)
        if any(r.window for r in self.rows):
            lines.append(notes["Window"])
        lines += [notes["RF"], notes["Jump"]]
        if any("/" in r.jump for r in self.rows):
            lines.append(notes["fraction"])
        if any(r.receptive_field == "all" for r in self.rows):
            lines.append("RF all: the layer mixes every position of the input (Flatten, Dense after Flatten, Reshape).")
        for r in self.invalid_rows:
            lines.append(f"INVALID layer {r.index} ({r.name}): {r.error}")
        return lines

    def __str__(self) -> str:
        header, body = self._columns()
        widths = [max(len(row[c]) for row in (header, *body)) for c in range(len(header))]
        numeric = {header.index("#"), header.index("Params")}

        def fmt(row: Sequence[str]) -> str:
            cells = [cell.rjust(w) if c in numeric else cell.ljust(w) for c, (cell, w) in enumerate(zip(row, widths))]
            return "  ".join(cells).rstrip()

        rule_width = sum(widths) + 2 * (len(widths) - 1)
        lines = []
        if self.title:
            lines.append(summary_title(self.title))
        lines += ["━" * rule_width, fmt(header), "━" * rule_width]
        lines += [fmt(row) for row in body]
        lines.append("━" * rule_width)
        lines += self.footer_lines()
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))

    def _repr_html_(self) -> str | None:
        """The notebook HTML registered by :mod:`convkit.render` (``None``: IPython shows the text)."""
        return html_for("summary", self)


def build_summary(trace: Trace, *, title: str | None = None) -> Summary:
    """Turn a :class:`~convkit.core.trace.Trace` into a :class:`Summary`."""
    names = [e.name for e in trace.entries]
    unknown = _unknown_fields(trace)
    rows = tuple(_row(e, names, e.index in unknown) for e in trace.entries)
    sequential = all(e.inputs == (() if e.index == 0 else (e.index - 1,)) for e in trace.entries)
    return Summary(trace.input_shape, rows, trace.total_params, trace.output_shape, sequential, title)


def explanation_lines(trace: Trace) -> list[str]:
    """Plain-text explanation of a whole trace: each layer's title and per-axis arithmetic."""
    lines: list[str] = []
    for e in trace.entries:
        head = f"{e.index}. {e.name}"
        if e.error is not None:
            lines.append(f"{head}: INVALID — {e.error}")
        elif e.input_shape is None:
            lines.append(f"{head}: not reached (an earlier layer is invalid)")
        elif e.explanation is None:
            lines.append(f"{head}: {format_shape(e.input_shape)} → {format_shape(e.output_shape)}")
        else:
            lines.append(f"{head}: " + "\n".join(e.explanation.lines()))
    return lines


def explanation_html(trace: Trace) -> str | None:
    """The HTML of :func:`explanation_lines`, as registered by :mod:`convkit.render.explain_html`."""
    return html_for("trace_explanation", trace)
