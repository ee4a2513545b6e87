"""The parameter controls of a :class:`~convkit.widgets.traversal.KernelTraversal` (ipywidgets, Python side).

The controls only *propose* changes: each edit calls ``on_change({name: value, ...})`` and the widget decides
(it returns whether it accepted). Number fields are text fields read here by
:func:`~convkit.widgets._traversal_messages.parse_count`: the browser's number inputs would clamp a value to their
bounds or round ``3.5`` to 3 without a word, so nothing here has bounds and nothing is changed behind the
learner's back. A typed value that is refused stays in its field, outlined as invalid, and the widget's message
says why; the next accepted change writes every field again. :meth:`TraversalControls.sync` writes the widget's
state into a control with the control's edit handler detached, so showing the state never proposes a change.
After every change the widget calls
:meth:`TraversalControls.sync`, which also switches controls off where Keras allows no choice and says why
(visible text, the field's tooltip, and ``aria-describedby`` set by the widget's ES module).
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from ..core.args import axis_names
from ._traversal_messages import LABELS, disabled_reasons, parse_count
from ._traversal_params import TraversalParams

__all__ = ["TraversalControls"]

_OPERATIONS = [("convolution", "conv"), ("max pooling", "max"), ("average pooling", "average")]
_NUMBER = w.Layout(width="4.6em")
_LABEL = w.Layout(width="auto", margin="0 2px 0 8px")
_INVALID = "ck-invalid"


def _field(tooltip: str, name: str) -> w.Text:
    box = w.Text(layout=_NUMBER, tooltip=tooltip, continuous_update=False, style={"description_width": "0px"})
    return box.add_class("ck-number").add_class(f"ck-control-{name}")


class TraversalControls:
    """Input size, kernel, strides, dilation, padding (+ explicit amounts), operation, channels and numbers.

    ``on_change(changes, asked) -> bool`` applies a change (``asked``: the settings the learner set; the others in
    ``changes`` follow from them); ``on_invalid(message)`` shows why a typed value is not even a number in range
    (the widget's state does not change).
    """

    def __init__(
        self, on_change: Callable[[dict[str, Any], tuple[str, ...]], bool], on_invalid: Callable[[str], None]
    ) -> None:
        self._on_change = on_change
        self._on_invalid = on_invalid
        self._handlers: dict[int, Callable[[Any], Any]] = {}  # id(control) -> its learner-edit handler
        self._typed: w.Text | None = None  # the field whose edit is being decided
        self._rank = 0
        self._padding_pairs: tuple[tuple[int, int], ...] = ()
        self.box = w.VBox(layout=w.Layout(width="100%")).add_class("ck-controls")
        self.padding = w.Dropdown(layout=w.Layout(width="7.5em"), tooltip="padding").add_class("ck-control-padding")
        self.operation = w.Dropdown(options=_OPERATIONS, layout=w.Layout(width="10.5em"), tooltip="operation")
        self.operation.add_class("ck-control-operation")
        self.in_channels = _field("input channels", "in_channels")
        self.filters = _field("filters (output channels)", "filters")
        self.numbers = w.Checkbox(
            description="numbers",
            indent=False,
            layout=w.Layout(width="auto"),
            tooltip="show input values, kernel weights and the sum of each step",
        )
        self.numbers.add_class("ck-control-numbers")
        self.reasons = w.HTML(layout=w.Layout(min_height="0")).add_class("ck-disabled-reasons")
        self._listen(self.padding, self._padding_changed)
        self._listen(self.operation, self._operation_changed)
        self._listen(self.in_channels, lambda _ch: self._count_changed("in_channels", self.in_channels, 1))
        self._listen(self.filters, lambda _ch: self._count_changed("filters", self.filters, 1))
        self._listen(self.numbers, lambda ch: self._emit({"numbers": True if ch["new"] else None}))
        self.per_axis: dict[str, list[w.Text]] = {}
        self.explicit: list[tuple[w.Text, w.Text]] = []
        self.explicit_box = w.HBox()
        self._tooltips: dict[int, str] = {}

    # -- building ------------------------------------------------------------------------------------
    def _axis_row(self, name: str, title: str, values: tuple[int, ...]) -> w.HBox:
        names = axis_names(len(values))
        boxes = [_field(f"{title} ({names[i]})", name) for i in range(len(values))]
        for box in boxes:
            self._tooltips[id(box)] = box.tooltip
            self._listen(box, functools.partial(self._axis_changed, name, box))
        self.per_axis[name] = boxes
        items: list[w.Widget] = [w.Label(title, layout=_LABEL)]
        for i, box in enumerate(boxes):
            if i:
                items.append(w.Label("×"))
            items.append(box)
        return w.HBox(items, layout=w.Layout(align_items="center"))

    def _build(self, params: TraversalParams) -> None:
        self._rank = params.rank
        self.per_axis = {}
        row1 = w.HBox(
            [
                self._axis_row("input_size", "input", params.input_size),
                self._axis_row("kernel_size", "kernel", params.kernel_size),
                self._axis_row("strides", "strides", params.strides),
                self._axis_row("dilation_rate", "dilation", params.dilation_rate),
            ],
            layout=w.Layout(flex_flow="row wrap", align_items="center"),
        )
        self.explicit = []
        pair_items: list[w.Widget] = []
        for i in range(params.rank):
            axis = ("top/bottom", "left/right")[i] if params.rank == 2 else "left/right"
            first, second = axis.split("/")
            before = _field(f"padding {first}", "explicit_padding")
            after = _field(f"padding {second}", "explicit_padding")
            for box in (before, after):
                self._listen(box, functools.partial(self._explicit_changed, box))
            self.explicit.append((before, after))
            pair_items += [w.Label(axis, layout=_LABEL), before, after]
        self.explicit_box.children = pair_items
        row2 = w.HBox(
            [
                w.Label("padding", layout=_LABEL),
                self.padding,
                self.explicit_box,
                w.Label("operation", layout=_LABEL),
                self.operation,
                w.Label("in channels", layout=_LABEL),
                self.in_channels,
                w.Label("filters", layout=_LABEL),
                self.filters,
                w.Label("", layout=_LABEL),
                self.numbers,
            ],
            layout=w.Layout(flex_flow="row wrap", align_items="center"),
        )
        self.box.children = [row1, row2, self.reasons]

    # -- widget -> controls --------------------------------------------------------------------------
    # Each control has one handler for the learner's edits (registered by _listen). sync() writes the widget's
    # state into a control with that handler detached (_write), so showing the state never proposes a change.
    def _listen(self, control: w.Widget, handler: Callable[[Any], Any]) -> None:
        self._handlers[id(control)] = handler
        control.observe(handler, "value")

    def _write(self, control: w.Widget, **values: Any) -> None:
        """Set ``values`` (``options`` before ``value``) on ``control`` without calling its edit handler."""
        handler = self._handlers.get(id(control))
        if handler is not None:
            control.unobserve(handler, "value")
        try:
            for name, value in values.items():
                if name != "options" or tuple(getattr(control, name)) != tuple(value):
                    setattr(control, name, value)
        finally:
            if handler is not None:
                control.observe(handler, "value")

    def _show(self, box: w.Text, value: int) -> None:
        box.remove_class(_INVALID)
        self._write(box, value=str(value))

    def _choose(self, control: w.Widget, value: Any, options: Any = None) -> None:
        self._write(control, **({"options": options} if options is not None else {}), value=value)

    def sync(
        self,
        params: TraversalParams,
        padding_pairs: tuple[tuple[int, int], ...],
        numbers_on: bool,
        *,
        refused: bool = False,
    ) -> None:
        """Show ``params``; after a refusal (``refused``) the refused field keeps what the learner typed."""
        if params.rank != self._rank:
            self._build(params)
        self._padding_pairs = padding_pairs
        keep = {id(b) for b in self._all_fields() if refused and (b is self._typed or _INVALID in b._dom_classes)}
        for name in ("input_size", "kernel_size", "strides", "dilation_rate"):
            for box, value in zip(self.per_axis[name], getattr(params, name)):
                if id(box) not in keep:
                    self._show(box, value)
        explicit = not isinstance(params.padding, str)
        modes = (
            ("valid", "same")
            if params.is_pool
            else ("valid", "same", "causal", "explicit")
            if params.rank == 1
            else ("valid", "same", "explicit")
        )
        self._choose(self.padding, "explicit" if explicit else params.padding, modes)
        self.explicit_box.layout.display = None if explicit else "none"
        for (before, after), (pb, pa) in zip(self.explicit, padding_pairs):
            for box, value in ((before, pb), (after, pa)):
                if id(box) not in keep:
                    self._show(box, value)
        self._choose(
            self.operation,
            params.operation,
            _OPERATIONS if params.kind == "conv" else [(f"{params.kind} conv", "conv"), *_OPERATIONS[1:]],
        )
        for box, value in ((self.in_channels, params.in_channels), (self.filters, params.filters)):
            if id(box) not in keep:
                self._show(box, value)
        self._choose(self.numbers, numbers_on)
        self._show_reasons(disabled_reasons(params), numbers_on)

    def _all_fields(self) -> list[w.Text]:
        return [
            *(b for boxes in self.per_axis.values() for b in boxes),
            *(b for pair in self.explicit for b in pair),
            self.in_channels,
            self.filters,
        ]

    def _show_reasons(self, reasons: dict[str, str], numbers_on: bool) -> None:
        """Switch off the controls Keras gives no choice for, and say why (text, tooltip, aria)."""
        if numbers_on:
            reasons.pop("numbers", None)  # on already: it can be switched off
        for name in ("strides", "dilation_rate"):
            for box in self.per_axis[name]:
                box.disabled = name in reasons
                box.tooltip = reasons.get(name) or self._tooltips.get(id(box), name)
        self.filters.disabled = "filters" in reasons
        self.filters.tooltip = reasons.get("filters") or "filters (output channels)"
        self.numbers.disabled = "numbers" in reasons
        lines = "".join(
            f'<div class="ck-reason" data-for="{name}">{html.escape(text)}.</div>' for name, text in reasons.items()
        )
        self.reasons.value = lines

    def mark_invalid(self, box: w.Text) -> None:
        box.add_class(_INVALID)

    # -- controls -> widget --------------------------------------------------------------------------
    def _emit(self, changes: dict[str, Any], typed: w.Text | None = None, asked: tuple[str, ...] = ()) -> bool:
        self._typed = typed
        try:
            accepted = bool(self._on_change(changes, asked or tuple(changes)))
        finally:
            self._typed = None
        if typed is not None:
            if accepted:
                typed.remove_class(_INVALID)
            else:
                self.mark_invalid(typed)
        return accepted

    def _read(self, box: w.Text, label: str, minimum: int) -> int | None:
        """The number in ``box``, or ``None`` after telling the learner why it is not one."""
        try:
            return parse_count(box.value, label, minimum)
        except ValueError as err:
            self.mark_invalid(box)
            self._on_invalid(str(err))
            return None

    def _axis_changed(self, name: str, box: w.Text, _change: Any = None) -> None:
        values = []
        for b in self.per_axis[name]:
            value = self._read(b, self._tooltips.get(id(b), LABELS[name]), 1)
            if value is None:
                return
            values.append(value)
        self._emit({name: tuple(values)}, box)

    def _count_changed(self, name: str, box: w.Text, minimum: int) -> None:
        value = self._read(box, LABELS[name], minimum)
        if value is not None:
            self._emit({name: value}, box)

    def _explicit_changed(self, box: w.Text, _change: Any = None) -> None:
        pairs = []
        for before, after in self.explicit:
            b, a = self._read(before, before.tooltip, 0), self._read(after, after.tooltip, 0)
            if b is None or a is None:
                return
            pairs.append((b, a))
        self._emit({"padding": tuple(pairs)}, box)

    def _padding_changed(self, change: dict[str, Any]) -> None:
        value = change["new"]
        if value is None:
            return
        # "explicit" starts from the amounts the current mode pads with, so the picture does not jump
        self._emit({"padding": self._padding_pairs if value == "explicit" else value})

    def _operation_changed(self, change: dict[str, Any]) -> None:
        op = change["new"]
        if op is None:
            return
        changes: dict[str, Any] = {"operation": op}
        if op != "conv":  # pooling: no dilation, only valid/same padding (the widget notes both changes)
            changes["dilation_rate"] = 1
            if self.padding.value not in ("valid", "same"):
                changes["padding"] = "valid"
        self._emit(changes, asked=("operation",))
