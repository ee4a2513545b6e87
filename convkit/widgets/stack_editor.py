"""``StackEditor``: edit a :class:`~convkit.LayerStack` in a notebook and watch every shape re-flow.

The editor holds an immutable stack in its ``stack`` trait. Every edit (a field, a move, an added or removed layer,
the input shape) builds a new stack through the stack's own edit methods and assigns it, which fires the trait's
change and updates rows, diagram and summary from the new stack's trace. Nothing is ever mutated in place.

Big stacks edit incrementally: a layer that is still in the new stack keeps its row, an edited layer keeps the
row it had, and only new layers get rows built (:mod:`convkit.widgets._stack_sync`); a row is re-shown only when
its layer or trace entry changed. :attr:`StackEditor.rows_built` counts the rows built. Diagrams are drawn for
stacks of up to :data:`MAX_DIAGRAM_LAYERS` layers; a longer stack gets a message there instead (the summary
still lists every layer).

The code API (:meth:`StackEditor.set_field`, :meth:`~StackEditor.add_layer`, :meth:`~StackEditor.remove_layer`,
:meth:`~StackEditor.move_layer`, :meth:`~StackEditor.set_input_size`) takes a layer index (negative from the end)
or a layer's name, and raises only ``IndexError``/``TypeError``/``ValueError`` with convkit's message for an index
or field that does not exist; a value the layer refuses is shown as a message, as when a learner types it.

Stable CSS classes for tests and styling: ``convkit-widget convkit-stack-editor`` (the editor),
``convkit-layer-row`` (one per layer, in order), ``convkit-field-<argument>`` (``convkit-field-kernel_size``...),
``convkit-output-shape``, ``convkit-depth-rule``, ``convkit-error``, ``convkit-not-computed``, ``convkit-selected``.

>>> import convkit
>>> from convkit import layers as L
>>> editor = convkit.LayerStack((3, 28, 28, 3), [L.Conv2D(32, 3, strides=2)]).editor(show_diagram=False)
>>> editor.rows[0].output.value
'(3, 13, 13, 32)'
>>> editor.set_field(0, "kernel_size", "5")
>>> editor.rows[0].output.value
'(3, 12, 12, 32)'
"""

from __future__ import annotations

import asyncio
import html
import numbers
from collections.abc import Callable
from typing import Any

import ipywidgets as W
import traitlets

from ..core.stack import LayerStack
from ..core.words import short_repr
from ..render.stack_labels import tensor_dims
from ..render.words import proposal_stale
from . import stack_fields as F
from ._stack_outputs import (
    _CSS,
    DEBOUNCE_SECONDS,
    MAX_DIAGRAM_LAYERS,
    _png,
    alt_text,
    diagram_note,
    kernel_loop,
    static_outputs,
    text_summary,
)
from ._stack_proposals import ProposalLine, Proposals, proposals_for
from ._stack_rows import LayerRow, depth_rule
from ._stack_sync import match_rows, resolve_index
from ._static import display_with_fallback

__all__ = ["MAX_DIAGRAM_LAYERS", "StackEditor"]


_ANIMATABLE = ("conv", "depthwise", "separable", "transpose", "pool")


class _Checked(traitlets.TraitType):  # type: ignore[type-arg]
    """Any value, ``None`` included, handed to the editor's own validators (which refuse with a message)."""

    info_text = "a value checked by StackEditor"

    def validate(self, obj: Any, value: Any) -> Any:
        return value


class StackEditor(W.VBox):  # type: ignore[misc]
    """An ipywidgets editor of a layer stack with live output shapes, errors in place, diagram and summary.

    Parameters
    ----------
    stack : LayerStack
        The stack to start from (it is never changed; edits make new stacks).
    theme : {"auto", "light", "dark"}
        Colours of the diagram: ``"auto"`` follows JupyterLab's light/dark theme.
    show_diagram : bool
        Draw the diagram (off: rows and summary only, faster in tests).

    Examples
    --------
    >>> import convkit
    >>> from convkit import layers as L
    >>> ed = StackEditor(convkit.LayerStack((None, 8, 8, 1), [L.Conv2D(4, 3)]), show_diagram=False)
    >>> ed.add_layer("MaxPooling2D"); ed.stack.output_shape
    (None, 3, 3, 4)
    """

    stack = _Checked(help="the LayerStack being edited (a new stack replaces it; refused otherwise)")
    selected = _Checked(None, help="index of the selected layer row, or None")

    def __init__(self, stack: LayerStack, *, theme: str = "auto", show_diagram: bool = True, **kwargs: Any) -> None:
        if not isinstance(stack, LayerStack):
            raise TypeError(
                "`stack` must be a convkit.LayerStack, e.g. convkit.LayerStack((None, 28, 28, 3), [layers...]). "
                f"Received: stack={short_repr(stack)}"
            )
        if not isinstance(theme, str) or theme not in ("auto", "light", "dark"):
            raise ValueError(f'`theme` must be "auto", "light" or "dark". Received: theme={short_repr(theme)}')
        super().__init__(**kwargs)
        self.theme = theme
        self.show_diagram = bool(show_diagram)
        self.add_class("convkit-widget")
        self.add_class("convkit-stack-editor")
        self.add_class(f"convkit-theme-{theme}")
        self.rows: list[LayerRow] = []
        self.rows_built = 0  # LayerRow objects built since the editor was created (edits build only new rows)
        self._shown: dict[int, tuple[Any, ...]] = {}  # id(row) -> what its widgets show
        self._syncing = False
        self._pending: asyncio.TimerHandle | None = None
        self._traversal_key: tuple[Any, ...] | None = None
        self._input_fields: list[W.Text] = []
        self.input_box = W.HBox().add_class("convkit-input-shape")
        self.input_message = W.HTML().add_class("convkit-message")
        self.rows_box = W.VBox().add_class("convkit-layer-rows")
        self.add_type = W.Dropdown(layout=W.Layout(width="220px")).add_class("convkit-add-type")
        self.add_button = W.Button(description="add layer", icon="plus").add_class("convkit-add-layer")
        self.add_button.on_click(lambda _: self.add_layer(self.add_type.value))
        self.message = W.HTML().add_class("convkit-message")
        self.traversal_box = W.VBox().add_class("convkit-traversal-area")
        self.diagram_images = {
            t: W.Image(format="png").add_class(f"convkit-only-{t}") for t in (self._themes() if show_diagram else ())
        }
        self.diagram_note = W.HTML().add_class("convkit-diagram-note")
        self.summary_html = W.HTML().add_class("convkit-summary")
        self.code_html = W.HTML().add_class("convkit-keras-code")
        tabs = (
            [W.VBox([self.diagram_note, *self.diagram_images.values()]).add_class("convkit-diagram")]
            if show_diagram
            else []
        )
        self.tabs = W.Tab(children=[*tabs, self.summary_html, self.code_html])
        self.tabs.titles = (["Diagram"] if show_diagram else []) + ["Summary", "Keras code"]
        self.children = [
            W.HTML(f"<style>{_CSS}</style>"),
            self.input_box,
            self.input_message,
            self.rows_box,
            W.HBox([self.add_type, self.add_button]).add_class("convkit-add-row"),
            self.message,
            self.traversal_box,
            self.tabs,
        ]
        self.stack = stack

    # ------------------------------------------------------------------------------------ public API
    def to_keras_code(self) -> str:
        """Python source that builds the current stack as a Keras model named ``model``."""
        return str(self.stack.to_keras_code())

    def set_field(self, index: int | str, key: str, value: Any) -> None:
        """Type ``value`` into field ``key`` of layer ``index`` (an index or a layer's name), as a learner would:
        a value the layer refuses shows as the row's message; a layer or field that does not exist raises."""
        row = self.rows[resolve_index(index, self.stack.layers)]
        if key not in row.fields:
            fields = ", ".join(row.fields) or "none"
            raise ValueError(
                f"Layer {row.index} ({type(row.layer).__name__}) has no field {short_repr(key)}; its "
                f"fields are: {fields}. Received: key={short_repr(key)}"
            )
        widget = row.fields[key]
        typed = F.format_value(key, value) if isinstance(widget, W.Text) and not isinstance(value, str) else value
        self._edit_field(row, key, typed)

    def set_input_size(self, axis: int, value: Any) -> None:
        """Type ``value`` into the input-shape field of dimension ``axis`` (batch excluded: 0 is the first)."""
        n = len(self._input_fields)
        if isinstance(axis, bool) or not isinstance(axis, int) or not -n <= axis < n:
            raise IndexError(
                f"`axis` must be an input dimension from {-n} to {n - 1} (batch excluded): the input "
                f"shape is {self.stack.input_shape}. Received: axis={short_repr(axis)}"
            )
        self._input_fields[axis].value = str(value)

    def add_layer(self, name: str, index: int | str | None = None) -> None:
        """Insert a new ``name`` layer (default: at the end) with starting arguments from the menu."""
        position = len(self.stack) if index is None else resolve_index(index, self.stack.layers, allow_end=True)
        layer = F.new_layer(name)  # an unknown name is a ValueError naming it
        self._apply(lambda s: s.insert(position, layer), self.message)

    def remove_layer(self, index: int | str) -> None:
        """Remove layer ``index`` (an index or a layer's name)."""
        i = resolve_index(index, self.stack.layers)
        self._apply(lambda s: s.remove(i), self.message)
        if self.selected is not None and self.selected >= len(self.stack):
            self.selected = None

    def move_layer(self, index: int | str, to: int) -> None:
        """Move layer ``index`` (an index or a layer's name) to position ``to``."""
        i, j = resolve_index(index, self.stack.layers), resolve_index(to, self.stack.layers, "to")
        self._apply(lambda s: s.move(i, j), self.message)

    def _move_by(self, row: LayerRow, step: int) -> None:
        """A row's up/down button: at the first or last row it says why nothing moves."""
        to = row.index + step
        if not 0 <= to < len(self.stack):
            where = "first" if to < 0 else "last"
            self.message.value = f'<span class="convkit-note">Layer {row.index} is already the {where} one.</span>'
            return
        self.move_layer(row.index, to)

    def __repr__(self) -> str:
        return f"StackEditor({self.stack!r})"

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """The live editor view (widget-view + ``text/plain``); the diagram goes in :meth:`static_bundle`."""
        bundle = dict(super()._repr_mimebundle_(**kwargs) or {})
        bundle["text/plain"] = self._text_summary()
        return bundle

    def static_bundle(self) -> dict[str, Any]:
        """The static output shown after the live editor: the diagram (light theme) as a described PNG.

        Renderers without widgets (nbconvert, nbviewer, GitHub, PDF) show it; JupyterLab hides it while the
        live editor is shown (see :mod:`convkit.widgets._static`).
        """
        image = self.diagram_images.get("light")
        return static_outputs(self.stack, image.value if image is not None else b"")

    def _ipython_display_(self, **kwargs: Any) -> None:
        display_with_fallback(self._repr_mimebundle_(**kwargs), self.static_bundle)

    def _text_summary(self) -> str:
        return text_summary(self.stack)

    def _alt_text(self, limit: int = 24) -> str:
        """The diagram in words: each layer with its output shape (the first ``limit`` layers)."""
        return alt_text(self.stack, limit)

    # ------------------------------------------------------------------------------------ edits
    def _themes(self) -> tuple[str, ...]:
        return ("light", "dark") if self.theme == "auto" else (self.theme,)

    def _apply(self, edit: Callable[[LayerStack], LayerStack], message: W.HTML) -> bool:
        """Run ``edit`` on the current stack; show convkit's ValueError/TypeError in ``message`` instead."""
        try:
            new = edit(self.stack)
        except (ValueError, TypeError) as err:
            message.value = f'<span class="convkit-error">✗ {html.escape(str(err))}</span>'
            return False
        message.value = ""
        self.stack = new
        return True

    def _edit_field(self, row: LayerRow, key: str, value: Any) -> None:
        if self._syncing:
            return
        index = row.index
        typed = isinstance(row.fields[key], W.Text)  # text fields hold ints or tuples typed as text

        def edit(stack: LayerStack) -> LayerStack:
            parsed = F.parse_value(key, value) if typed else value
            return stack.replace(index, F.rebuild(stack.layers[index], key, parsed))

        row.set_invalid(key, not self._apply(edit, row.input_message))

    def _edit_input(self, axis: int, text: str) -> None:
        if self._syncing:
            return

        def edit(stack: LayerStack) -> LayerStack:
            value = F.parse_value("input_shape", text)
            shape = list(stack.input_shape)
            shape[axis + 1] = value
            return stack.with_input_shape(tuple(shape))

        self._apply(edit, self.input_message)

    def _select(self, index: int) -> None:
        self.selected = None if self.selected == index else index

    # ------------------------------------------------------------------------------------ settings
    # Assigning ``stack`` or ``selected`` never raises once the editor exists: a bad value keeps the current one
    # and the editor's message says why (the constructor raises for a bad stack).
    @traitlets.validate("stack")
    def _valid_stack(self, proposal: Any) -> Any:
        value = proposal["value"]
        if isinstance(value, LayerStack):
            return value
        return self._refuse(
            "`stack` must be a convkit.LayerStack, e.g. convkit.LayerStack((None, 28, 28, 3), "
            f"[layers...]). Received: stack={short_repr(value)}",
            "stack",
        )

    @traitlets.validate("selected")
    def _valid_selected(self, proposal: Any) -> Any:
        value = proposal["value"]
        if value is None:
            return None
        n = len(self.stack) if isinstance(self.stack, LayerStack) else 0
        if isinstance(value, numbers.Integral) and not isinstance(value, bool) and 0 <= int(value) < n:
            return int(value)
        return self._refuse(
            f"`selected` must be None or a row index from 0 to {n - 1} (the stack has {n} layers). "
            f"Received: selected={short_repr(value)}",
            "selected",
        )

    def _refuse(self, text: str, name: str) -> Any:
        """Keep the current value of trait ``name`` and say why the new one was refused."""
        self.message.value = f'<span class="convkit-error">✗ {html.escape(text)}</span>'
        return self._trait_values.get(name)

    # ------------------------------------------------------------------------------------ refresh
    @traitlets.observe("stack")
    def _on_stack(self, change: dict[str, Any]) -> None:
        old, new = change["old"], change["new"]
        self._syncing = True
        try:
            if not isinstance(old, LayerStack) or len(old.input_shape) != len(new.input_shape):
                self._build_input()
            self._sync_input()
            self._sync_rows()
        finally:
            self._syncing = False
        self._update_traversal()
        if isinstance(old, LayerStack):
            self._schedule_outputs()
        else:
            self.render_outputs()  # the first picture is there when the editor is displayed

    @traitlets.observe("selected")
    def _on_selected(self, change: dict[str, Any]) -> None:
        for row in self.rows:
            if row.index in (change["old"], change["new"]):
                row.set_selected(row.index == change["new"])
                self._shown.pop(id(row), None)
        self._update_traversal()

    def _data_format(self) -> str:
        first = self.stack.layers[0] if len(self.stack) else None
        return getattr(first, "data_format", "channels_last") or "channels_last"

    def _input_axes(self) -> list[tuple[int, str]]:
        """(position in the shape minus batch, label) of each editable input dimension."""
        shape = self.stack.input_shape
        spatial, _ = tensor_dims(shape, self._data_format())
        names = {1: ["length"], 2: ["height", "width"], 3: ["depth", "height", "width"]}.get(len(spatial), [])
        if not spatial:
            return [(0, "features")] if len(shape) == 2 else [(i, f"dim {i + 1}") for i in range(len(shape) - 1)]
        if self._data_format() == "channels_first":
            return [(0, "channels")] + [(i + 1, n) for i, n in enumerate(names)]
        return [(i, n) for i, n in enumerate(names)] + [(len(spatial), "channels")]

    def _build_input(self) -> None:
        self._input_fields = []
        children: list[W.Widget] = [
            W.HTML("<b>input</b> batch").add_class("convkit-input-label"),
            W.HTML().add_class("convkit-input-batch"),
        ]
        for axis, name in self._input_axes():
            field = W.Text(
                description=name,
                continuous_update=False,
                layout=W.Layout(width="130px"),
                style={"description_width": "initial"},
            )
            field.add_class("convkit-field").add_class(f"convkit-field-input-{name.replace(' ', '_')}")
            field.observe(lambda ch, a=axis: self._edit_input(a, ch["new"]), "value")
            self._input_fields.append(field)
            children.append(field)
        self.input_box.children = children
        options = F.addable_layers(len(tensor_dims(self.stack.input_shape)[0]))
        self.add_type.options = options
        self.add_type.value = options[0]

    def _sync_input(self) -> None:
        shape = self.stack.input_shape
        self.input_box.children[1].value = html.escape(str(shape[0]))
        for field, (axis, _) in zip(self._input_fields, self._input_axes()):
            field.value = "None" if shape[axis + 1] is None else str(shape[axis + 1])

    def _sync_rows(self) -> None:
        """Follow the new stack: reuse the rows of layers still there, build rows for new layers only, and re-show
        a row only when its layer or trace entry changed (200 layers: one row built for an added layer)."""
        layers, entries = self.stack.layers, self.stack.trace.entries
        kept, dropped = match_rows(self.rows, layers, lambda row: row.layer, lambda row: row.index)
        rows = []
        for i, (row, layer) in enumerate(zip(kept, layers)):
            if row is None:
                row = LayerRow(i, layer, self)
                self.rows_built += 1
            elif row.index != i:
                row.set_index(i)
            rows.append(row)
        for row in dropped:
            self._shown.pop(id(row), None)
        if [r.box for r in rows] != [r.box for r in self.rows]:
            self.rows_box.children = [row.box for row in rows]
        self.rows = rows
        for row, layer, entry in zip(rows, layers, entries):
            key = (
                id(layer),
                entry.input_shape,
                entry.output_shape,
                entry.error,
                entry.params,
                self.selected == row.index,
            )
            if self._shown.get(id(row)) != key:
                row.show(layer, entry, depth_rule(entry))
                row.set_selected(row.index == self.selected)
                self._shown[id(row)] = key
            # proposals depend on the layers after the row too: asked again for every invalid row after each edit
            row.show_proposals(
                proposals_for(self.stack, row.index) if entry.error is not None else None,
                lambda: ProposalLine(self._use_proposal),
            )

    def _use_proposal(self, proposals: Proposals, choice: int) -> None:
        """A proposal's button: replace the layer it was made for (wherever it is now) through the normal edit path."""
        rows = [r for r in self.rows if r.index == proposals.row]
        message = rows[0].input_message if rows else self.message
        where = [i for i, layer in enumerate(self.stack.layers) if layer is proposals.layer]
        if not where:
            message.value = f'<span class="convkit-error">✗ {html.escape(proposal_stale())}</span>'
            return
        self._apply(lambda s: s.replace(where[0], proposals.layers[choice]), message)

    def _update_traversal(self) -> None:
        i = self.selected
        entry = self.stack.trace.entries[i] if i is not None and i < len(self.stack) else None
        key = None if entry is None else (i, entry.layer, entry.input_shape, entry.output_shape)
        if key == self._traversal_key:
            return
        self._traversal_key = key
        if entry is None:
            self.traversal_box.children = []
            return
        name = type(entry.layer).__name__
        if getattr(entry.layer, "window", None) not in _ANIMATABLE:
            note = f"{name} has no sliding window to animate: select a convolution or pooling layer."
        elif not entry.is_valid:
            note = f"{name} cannot be animated while its input or settings are invalid (see the message above)."
        else:
            note, widget = self._traversal_widget(entry)
            if widget is not None:
                self.traversal_box.children = [widget]
                return
        self.traversal_box.children = [W.HTML(f'<div class="convkit-note">{html.escape(note)}</div>')]

    def _traversal_widget(self, entry: Any) -> tuple[str, W.Widget | None]:
        try:
            from .traversal import KernelTraversal
        except ImportError:
            return "The kernel traversal widget is not available in this installation.", None
        try:
            return "", KernelTraversal.from_layer(entry.layer, entry.input_shape)
        except (ValueError, TypeError) as err:
            return f"No traversal for {type(entry.layer).__name__}: {err}", None

    # ------------------------------------------------------------------------------------ outputs
    def _schedule_outputs(self) -> None:
        """Redraw summary, code and diagram now, or after a short pause when a kernel's event loop runs."""
        loop = kernel_loop()
        if loop is None:
            self.render_outputs()
            return
        if self._pending is not None:
            self._pending.cancel()
        self._pending = loop.call_later(DEBOUNCE_SECONDS, self.render_outputs)

    def render_outputs(self) -> None:
        """Redraw the diagram, summary and Keras code of the current stack."""
        self._pending = None
        stack = self.stack
        if self.show_diagram:  # images first: when the summary shows the new stack, the diagram does too
            too_long = len(stack) > MAX_DIAGRAM_LAYERS
            for theme, image in self.diagram_images.items():
                image.value = b"" if too_long else _png(stack, theme)
                image.layout.display = "none" if too_long else None
            self.diagram_note.value = diagram_note(len(stack))
        self.summary_html.value = stack.summary()._repr_html_()
        self.code_html.value = f'<pre class="convkit-code">{html.escape(stack.to_keras_code())}</pre>'
