"""The summary table of a shape trace: data first (:class:`Summary` rows), then text and HTML formatting.

Like ``model.summary()`` in Keras, with what a learner needs to see why a shape is what it is: the
window of each layer (``3×3 /2 valid``), the per-axis arithmetic in their numbers (the short form of
:mod:`convkit.core.explain`), the receptive field and jump, and a plain reason for every invalid layer.

Formatting is pure: ``str(summary)`` is a fixed-width text table (golden-file tested) whose footnote says in plain
words what RF and Jump mean, and ``summary._repr_html_()`` an HTML table that inherits the notebook's colours
(:mod:`convkit.core.summary_html`: the same notes as header titles, shapes never broken across lines).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .summary_html import column_notes, html_text, nowrap_shapes, summary_table_html
from .trace import MODEL_INPUT, Trace, TraceEntry, format_number

__all__ = ["Summary", "SummaryRow", "build_summary", "window_label", "formula_label", "explanation_lines", "html_text",
           "column_notes"]

_COLUMNS = ("#", "Layer (type)", "Window", "Output shape", "Arithmetic", "Params", "RF", "Jump")
_SHORT_AXIS = {"height": "h", "width": "w", "depth": "d", "length": "l"}


def _shape(shape: Any) -> str:
    if shape is None:
        return "—"
    dims = tuple(shape)
    return "(" + ", ".join(str(d) for d in dims) + ("," if len(dims) == 1 else "") + ")"


def _per_axis(values: Sequence[Any] | None, *, none: str = "all") -> str:
    if values is None:
        return none
    texts = [format_number(v) for v in values]
    if not texts:
        return none
    return "×".join(texts)


def window_label(layer: Any, input_shape: Any) -> str:
    """Kernel, stride, padding and dilation of a sliding-window layer, e.g. ``"3×3 /2 valid"``.

    Transposed convolutions show their stride as an up-sampling factor (``"3×3 ↑2 same"``);
    dilation shows as ``d2``; global pooling as ``"global"``; other layers as ``""``.
    """
    window = getattr(layer, "window", None)
    if window == "global_pool":
        return "global"
    if window not in ("conv", "depthwise", "separable", "pool", "transpose"):
        return ""
    axes: tuple = ()
    if input_shape is not None:
        try:
            axes = tuple(layer.spatial_axes(input_shape))
        except ValueError:
            axes = ()
    if not axes:
        axes = _axes_from_attributes(layer)
    if not axes:
        return ""
    parts = ["×".join(str(a.kernel_size) for a in axes)]
    strides = [a.strides for a in axes]
    if any(s != 1 for s in strides) or window == "transpose":
        mark = "↑" if window == "transpose" else "/"
        parts.append(mark + ("×".join(map(str, strides)) if len(set(strides)) > 1 else str(strides[0])))
    paddings = {a.padding for a in axes}
    if paddings == {"explicit"}:
        parts.append("pad " + ",".join(f"{a.pad_before}+{a.pad_after}" for a in axes))
    else:
        parts.append("/".join(sorted(paddings)))
    dilations = [a.dilation_rate for a in axes]
    if any(d != 1 for d in dilations):
        parts.append("d" + ("×".join(map(str, dilations)) if len(set(dilations)) > 1 else str(dilations[0])))
    return " ".join(parts)


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
class _AttrAxis:
    kernel_size: int
    strides: int
    padding: str
    dilation_rate: int
    pad_before: int = 0
    pad_after: int = 0


def _axes_from_attributes(layer: Any) -> tuple:
    """The window read from the layer's Keras-named attributes (for a layer whose input is invalid)."""
    kernel = getattr(layer, "kernel_size", None) or getattr(layer, "pool_size", None)
    if kernel is None:
        return ()
    kernel = tuple(kernel) if isinstance(kernel, (tuple, list)) else (kernel,)
    n = len(kernel)

    def per_axis(value: Any, default: int) -> tuple:
        if value is None:
            return (default,) * n
        return tuple(value) if isinstance(value, (tuple, list)) else (value,) * n

    raw_strides = getattr(layer, "strides", None)
    strides = kernel if raw_strides is None and getattr(layer, "window", None) == "pool" else per_axis(raw_strides, 1)
    dilation = per_axis(getattr(layer, "dilation_rate", None), 1)
    padding = str(getattr(layer, "padding", "valid"))
    return tuple(_AttrAxis(k, s, padding, d) for k, s, d in zip(kernel, strides, dilation))


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
    window_shape = None if entry.is_merge else entry.input_shape
    valid = status == "ok"
    return SummaryRow(
        index=entry.index,
        name=entry.name,
        type=str(getattr(layer, "class_name", None) or type(layer).__name__),
        window=window_label(layer, window_shape),
        output_shape=_shape(entry.output_shape),
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
    """A layer-by-layer table of a trace. ``str()`` → fixed-width text, ``_repr_html_()`` → HTML."""

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
            f"Input shape: {_shape(self.input_shape)}    Output shape: "
            + (_shape(self.output_shape) if self.is_valid else "— (the stack is invalid)"),
            f"Total params: {self.total_params:,}",
        ]
        if any(not r.modelled for r in self.rows):
            lines.append("(from Keras): a layer convkit does not model; its shapes are the ones Keras reported.")
        if any(r.receptive_field == "?" for r in self.rows):
            lines.append("RF/Jump ?: unknown, a Keras layer convkit does not model sits before it.")
        notes = column_notes(self.unit)
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
            lines.append(f'Model: "{self.title}"')
        lines += ["━" * rule_width, fmt(header), "━" * rule_width]
        lines += [fmt(row) for row in body]
        lines.append("━" * rule_width)
        lines += self.footer_lines()
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))

    # -- HTML ---------------------------------------------------------------------------------
    def _repr_html_(self) -> str:
        return summary_table_html(self)


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
            lines.append(f"{head}: {_shape(e.input_shape)} → {_shape(e.output_shape)}")
        else:
            lines.append(f"{head}: " + "\n".join(e.explanation.lines()))
    return lines


def explanation_html(trace: Trace) -> str:
    """HTML version of :func:`explanation_lines` (each layer's own explanation HTML when it has one)."""
    parts = []
    for e, line in zip(trace.entries, explanation_lines(trace)):
        if e.explanation is not None and e.error is None and hasattr(e.explanation, "_repr_html_"):
            own = nowrap_shapes(e.explanation._repr_html_())
            parts.append(f"<div><b>{e.index}. {html.escape(e.name)}</b>{own}</div>")
        else:
            parts.append(f"<div>{html_text(line)}</div>")
    return '<div class="convkit-stack-explanation" style="color:inherit">' + "".join(parts) + "</div>"
