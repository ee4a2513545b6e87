"""The parameter controls of a :class:`~convkit.widgets.traversal.KernelTraversal` (ipywidgets, Python side).

The controls only *propose* changes: each edit calls ``on_change({name: value, ...})`` and the widget decides.
After every accepted or refused change the widget calls :meth:`TraversalControls.sync`, which writes the
current values back and sets the bounds from :func:`~convkit.widgets._traversal_params.control_bounds`, so an
impossible combination cannot be picked (a refused one snaps back to the last valid value).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from ..core.args import axis_names
from ._traversal_params import MAX_NUMBERS_CELLS, TraversalParams, control_bounds

__all__ = ["TraversalControls"]

_OPERATIONS = [("convolution", "conv"), ("max pooling", "max"), ("average pooling", "average")]
_NUMBER = w.Layout(width="4.6em")
_LABEL = w.Layout(width="auto", margin="0 2px 0 8px")


def _int_box(value: int, lo: int, hi: int, tooltip: str) -> w.BoundedIntText:
    return w.BoundedIntText(value=value, min=lo, max=hi, layout=_NUMBER, tooltip=tooltip,
                            style={"description_width": "0px"})


def _set_bounded(box: w.BoundedIntText, value: int, lo: int, hi: int) -> None:
    """Write value and bounds without tripping ipywidgets' clipping (widen, set, then narrow)."""
    with box.hold_sync():
        box.min = min(box.min, lo, value)
        box.max = max(box.max, hi, value)
        box.value = value
        box.max = hi
        box.min = lo


class TraversalControls:
    """Input size, kernel, strides, dilation, padding (+ explicit amounts), operation, channels and numbers."""

    def __init__(self, on_change: Callable[[dict[str, Any]], None]) -> None:
        self._on_change = on_change
        self._syncing = False
        self._rank = 0
        self._padding_pairs: tuple[tuple[int, int], ...] = ()
        self.box = w.VBox(layout=w.Layout(width="100%")).add_class("ck-controls")
        self.padding = w.Dropdown(layout=w.Layout(width="7.5em"), tooltip="padding")
        self.operation = w.Dropdown(options=_OPERATIONS, layout=w.Layout(width="10.5em"), tooltip="operation")
        self.in_channels = _int_box(1, 1, 4096, "input channels")
        self.filters = _int_box(1, 1, 4096, "filters (output channels)")
        self.numbers = w.Checkbox(description="numbers", indent=False, layout=w.Layout(width="auto"),
                                  tooltip="show input values, kernel weights and the sum of each step")
        self.padding.observe(self._padding_changed, "value")
        self.operation.observe(self._operation_changed, "value")
        self.in_channels.observe(lambda ch: self._emit({"in_channels": ch["new"]}), "value")
        self.filters.observe(lambda ch: self._emit({"filters": ch["new"]}), "value")
        self.numbers.observe(lambda ch: self._emit({"numbers": True if ch["new"] else None}), "value")
        self.per_axis: dict[str, list[w.BoundedIntText]] = {}
        self.explicit: list[tuple[w.BoundedIntText, w.BoundedIntText]] = []
        self.explicit_box = w.HBox()

    # -- building ------------------------------------------------------------------------------------
    def _axis_row(self, name: str, title: str, values: tuple[int, ...]) -> w.HBox:
        names = axis_names(len(values))
        boxes = [_int_box(v, 1, max(v, 1), f"{title} ({names[i]})") for i, v in enumerate(values)]
        for box in boxes:
            box.observe(lambda _ch, name=name: self._axis_changed(name), "value")
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
        row1 = w.HBox([
            self._axis_row("input_size", "input", params.input_size),
            self._axis_row("kernel_size", "kernel", params.kernel_size),
            self._axis_row("strides", "strides", params.strides),
            self._axis_row("dilation_rate", "dilation", params.dilation_rate),
        ], layout=w.Layout(flex_flow="row wrap", align_items="center"))
        self.explicit = []
        pair_items: list[w.Widget] = []
        for i in range(params.rank):
            before, after = _int_box(0, 0, 64, "padding before"), _int_box(0, 0, 64, "padding after")
            for box in (before, after):
                box.observe(lambda _ch: self._explicit_changed(), "value")
            self.explicit.append((before, after))
            axis = ("top/bottom", "left/right")[i] if params.rank == 2 else "left/right"
            pair_items += [w.Label(axis, layout=_LABEL), before, after]
        self.explicit_box.children = pair_items
        row2 = w.HBox([
            w.Label("padding", layout=_LABEL), self.padding, self.explicit_box,
            w.Label("operation", layout=_LABEL), self.operation,
            w.Label("in channels", layout=_LABEL), self.in_channels,
            w.Label("filters", layout=_LABEL), self.filters,
            w.Label("", layout=_LABEL), self.numbers,
        ], layout=w.Layout(flex_flow="row wrap", align_items="center"))
        self.box.children = [row1, row2]

    # -- widget -> controls --------------------------------------------------------------------------
    def sync(self, params: TraversalParams, padding_pairs: tuple[tuple[int, int], ...], numbers_on: bool) -> None:
        """Show ``params`` and bound every control by what stays valid from here."""
        self._syncing = True
        try:
            if params.rank != self._rank:
                self._build(params)
            self._padding_pairs = padding_pairs
            b = control_bounds(params)
            input_max = b.input_max
            if numbers_on:  # numbers mode has its own size limit: keep the controls inside it
                side = MAX_NUMBERS_CELLS if params.rank == 1 else math.isqrt(MAX_NUMBERS_CELLS)
                input_max = tuple(max(n, min(m, side)) for n, m in zip(params.input_size, input_max))
            limits = {
                "input_size": (b.input_min, input_max),
                "kernel_size": ((1,) * params.rank, b.kernel_max),
                "strides": ((1,) * params.rank, b.strides_max),
                "dilation_rate": ((1,) * params.rank, b.dilation_max),
            }
            for name, (lows, highs) in limits.items():
                for box, value, lo, hi in zip(self.per_axis[name], getattr(params, name), lows, highs):
                    _set_bounded(box, value, lo, hi)
            for box in self.per_axis["strides"]:
                box.disabled = b.strides_disabled
            for box in self.per_axis["dilation_rate"]:
                box.disabled = b.dilation_disabled
            explicit = not isinstance(params.padding, str)
            self.padding.options = b.padding_options
            self.padding.value = "explicit" if explicit else params.padding
            self.explicit_box.layout.display = None if explicit else "none"
            for (before, after), (pb, pa) in zip(self.explicit, padding_pairs):
                _set_bounded(before, pb, 0, b.explicit_max)
                _set_bounded(after, pa, 0, b.explicit_max)
            self.operation.options = _OPERATIONS if params.kind == "conv" else [
                (f"{params.kind} conv", "conv"), *_OPERATIONS[1:]]
            self.operation.value = params.operation
            _set_bounded(self.in_channels, params.in_channels, 1, max(4096, params.in_channels))
            _set_bounded(self.filters, params.filters, 1, max(4096, params.filters))
            self.filters.disabled = params.is_pool or params.kind == "depthwise"
            self.numbers.value = numbers_on
            cells = 1
            for n in params.input_size:
                cells *= n
            self.numbers.disabled = cells > MAX_NUMBERS_CELLS and not numbers_on
        finally:
            self._syncing = False

    # -- controls -> widget --------------------------------------------------------------------------
    def _emit(self, changes: dict[str, Any]) -> None:
        if not self._syncing:
            self._on_change(changes)

    def _axis_changed(self, name: str) -> None:
        self._emit({name: tuple(box.value for box in self.per_axis[name])})

    def _explicit_changed(self) -> None:
        self._emit({"padding": tuple((b.value, a.value) for b, a in self.explicit)})

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
        if op != "conv":  # pooling: no dilation, only valid/same padding
            changes["dilation_rate"] = 1
            if self.padding.value not in ("valid", "same"):
                changes["padding"] = "valid"
        self._emit(changes)
