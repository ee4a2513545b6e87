"""One row of the stack editor: a layer's type, its fields, its output shape, its window and depth rule, and its
messages. The words come from :mod:`convkit.render.words` (the window reads as in the summary and the diagram)."""

from __future__ import annotations

import html
import re
from typing import Any

import ipywidgets as W

from ..render.stack_labels import tensor_dims
from ..render.words import format_dims, format_shape, window_label
from . import stack_fields as F

__all__ = ["LayerRow", "depth_rule"]

_FIELD_WIDTH = {"int": "96px", "float": "90px", "choice": "126px", "text": "88px"}


def _field(layer: Any, key: str) -> W.Widget:
    kind = F.field_kind(layer, key)
    value = layer.get_config()[key]
    common = dict(
        description=F.FIELD_LABELS.get(key, key),
        style={"description_width": "initial"},
        layout=W.Layout(width=_FIELD_WIDTH[kind]),
    )
    if kind == "int":
        widget: W.Widget = W.IntText(value=value, continuous_update=False, **common)
    elif kind == "float":
        widget = W.FloatText(value=value, step=0.1, continuous_update=False, **common)
    elif kind == "choice":
        widget = W.Dropdown(options=F.padding_options(layer), value=value, **common)
    else:
        widget = W.Text(value=F.format_value(key, value), continuous_update=False, **common)
    return widget.add_class("convkit-field").add_class(f"convkit-field-{key}")


def _field_value(widget: W.Widget, key: str, value: Any) -> Any:
    return F.format_value(key, value) if isinstance(widget, W.Text) else value


class LayerRow:
    """The widgets of layer ``index``; :meth:`show` updates them from a trace entry without rebuilding."""

    def __init__(self, index: int, layer: Any, editor: Any) -> None:
        self.index = index
        self.layer = layer
        name = type(layer).__name__
        self.type_button = W.Button(
            description=name,
            tooltip="select: show how its window moves",
            layout=W.Layout(width="auto", min_width="100px"),
        ).add_class("convkit-layer-type")
        self.type_button.on_click(lambda _: editor._select(self.index))
        self.fields: dict[str, W.Widget] = {}
        for key in F.editable_fields(layer):
            widget = _field(layer, key)
            widget.observe(lambda change, k=key: editor._edit_field(self, k, change["new"]), "value")
            self.fields[key] = widget
        self.output = W.HTML().add_class("convkit-output-shape")
        buttons = []
        for icon, css, tip, action in (
            ("arrow-up", "convkit-move-up", "move up", lambda _: editor._move_by(self, -1)),
            ("arrow-down", "convkit-move-down", "move down", lambda _: editor._move_by(self, 1)),
            ("times", "convkit-remove", "remove", lambda _: editor.remove_layer(self.index)),
        ):
            button = W.Button(icon=icon, tooltip=tip, layout=W.Layout(width="32px")).add_class(css)
            button.on_click(action)
            buttons.append(button)
        self.depth = W.HTML().add_class("convkit-depth-rule")
        self.error = W.HTML().add_class("convkit-row-error")
        self.input_message = W.HTML().add_class("convkit-message")
        self.index_label = W.HTML(f'<span class="convkit-index">{index}</span>').add_class("convkit-layer-index")
        main = W.HBox(
            [
                W.HBox(buttons).add_class("convkit-row-buttons"),
                self.index_label,
                self.type_button,
                *self.fields.values(),
                W.HTML("→").add_class("convkit-arrow"),
                self.output,
            ]
        ).add_class("convkit-layer-main")
        self.box = W.VBox([main, self.depth, self.error, self.input_message]).add_class("convkit-layer-row")
        self.proposals: Any = None  # a ProposalLine, built the first time this row has proposals
        self.box.add_class(f"convkit-layer-{name}")

    def show(self, layer: Any, entry: Any, rule: str) -> None:
        """Show ``entry``'s result; sync the fields when the row now holds another layer (after a move)."""
        if layer is not self.layer:
            config = layer.get_config()
            for key, widget in self.fields.items():
                widget.value = _field_value(widget, key, config[key])
            self.layer = layer
        for css in ("convkit-error", "convkit-not-computed"):
            self.output.remove_class(css)
            self.box.remove_class(css)
        if entry.output_shape is not None:
            self.output.value = format_shape(entry.output_shape)
            self.error.value = ""
        elif entry.error is not None:
            self.output.value = "✗ invalid"
            self.output.add_class("convkit-error")
            self.box.add_class("convkit-error")
            self.error.value = _error_html(entry.error)
        else:
            self.output.value = "—"
            self.output.add_class("convkit-not-computed")
            self.box.add_class("convkit-not-computed")
            self.error.value = ""
        window = window_label(layer)
        parts = [f"window {window}"] if window else []
        if rule:
            parts.append(rule)
        if entry.params:
            parts.append(f"params: {entry.params:,}")
        self.depth.value = f'<span class="convkit-rule">{html.escape(" · ".join(parts))}</span>' if parts else ""

    def show_proposals(self, proposals: Any, make_line: Any) -> None:
        """Show ``proposals`` under the row's error (``None``: hide the line); ``make_line()`` builds the line."""
        if proposals is None and self.proposals is None:
            return
        if self.proposals is None:
            self.proposals = make_line()
            main, depth, error, message = self.box.children
            self.box.children = [main, depth, error, self.proposals, message]
        self.proposals.show(proposals)

    def set_index(self, index: int) -> None:
        """The row now shows layer ``index`` (after an insert, remove or move elsewhere in the stack)."""
        self.index = index
        self.index_label.value = f'<span class="convkit-index">{index}</span>'

    def set_invalid(self, key: str, invalid: bool) -> None:
        (self.fields[key].add_class if invalid else self.fields[key].remove_class)("convkit-invalid")

    def set_selected(self, selected: bool) -> None:
        (self.box.add_class if selected else self.box.remove_class)("convkit-selected")


def _error_html(message: str) -> str:
    """The trace error in plain words first (the row already names the layer), its ``Received:`` details after."""
    text = re.sub(r"^\w+ '[^']*': ", "", message.strip())
    head, sep, tail = text.partition(" Received: ")
    details = f' <span class="convkit-details">Received: {html.escape(tail)}</span>' if sep else ""
    return f'<div class="convkit-error">✗ {html.escape(head)}{details}</div>'


def depth_rule(entry: Any) -> str:
    """The channel (depth) rule of a layer for its input: ``kernel depth = input channels = 32`` for a conv."""
    layer = entry.layer
    kind = getattr(layer, "window", None)
    shape = entry.input_shape
    if shape is None or kind == "merge" or not isinstance(shape, tuple):
        return ""
    _, c = tensor_dims(shape, getattr(layer, "data_format", "channels_last"))
    cfg = layer.get_config()
    k = format_dims(cfg.get("kernel_size"))
    filters = cfg.get("filters")
    if kind in ("conv", "transpose"):
        groups = cfg.get("groups", 1) or 1
        if groups > 1 and c is not None:
            return (
                f"{filters} kernels of {k}×{c // groups}: kernel depth = input channels / groups "
                f"= {c} / {groups} = {c // groups}"
            )
        return f"{filters} kernels of {k}×{c}: kernel depth = input channels = {c}"
    if kind == "depthwise":
        m = cfg.get("depth_multiplier", 1)
        out = c * m if c is not None else None
        return f"one {k} kernel per input channel ({c}) × depth multiplier {m} → {out} channels"
    if kind == "separable":
        m = cfg.get("depth_multiplier", 1)
        mid = c * m if c is not None else None
        return (
            f"depthwise {k} per input channel ({c}), then {filters} pointwise kernels of 1×1×{mid}: "
            f"kernel depth = {mid}"
        )
    if kind == "pool":
        return f"pools each of the {c} channels on its own: channels stay {c}"
    if kind == "global_pool":
        return f"one value per channel: {c} channels → {c} numbers"
    if kind == "dense":
        n_in = shape[-1]
        return f"weights {n_in}×{cfg.get('units')}: one row per input feature (input features = {n_in})"
    return ""
