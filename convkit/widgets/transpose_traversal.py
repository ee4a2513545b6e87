"""``TransposedKernelTraversal``: a transposed convolution (or an upsampling) animated, in two views.

* **Scatter**: step ``i`` is input cell ``i`` times the kernel, added as a patch into the (uncropped) output;
  overlaps accumulate (count per cell, colour and number), and the crop that ``"same"``/``output_padding``
  applies is drawn as a frame.
* **Zero-stuffed**: the same output as a plain stride-1 convolution of the flipped kernel over the input with
  ``s - 1`` zeros between cells, padded (:meth:`~convkit.core.traversal_transpose.TransposedTraversal.direct_traversal`).

The widget is an ``ipywidgets.VBox``: a message line and the canvas (an anywidget drawing with
``transpose_traversal.js``). All settings go through one change path (:func:`~convkit.widgets._transpose_payload.advance`):
a refused value keeps the picture and the message says why. The arrays go to the browser once per change of the
settings; playback runs in the browser with no kernel messages (``step`` comes back when it pauses).
"""

from __future__ import annotations

import functools
import html
import math
import pathlib
from collections.abc import Callable
from typing import Any

import anywidget
import ipywidgets
import numpy as np
import traitlets

from ..core.args import axis_names
from ..render.transpose_words import (
    CONTROL_REASONS,
    output_padding_reset,
    refusal_kept,
    step_sentence,
    sum_sentence,
)
from ._static import display_with_fallback, fallback_bundle
from ._transpose_layers import transposed_settings
from ._transpose_payload import BUFFERS, SETTINGS, TransposeState, advance, initial_state
from ._traversal_messages import parse_count

__all__ = ["TransposedKernelTraversal", "TransposeCanvas"]

_HERE = pathlib.Path(__file__).parent
_FROM_BROWSER = ("step", "view", "show_overlap")


class TransposeCanvas(anywidget.AnyWidget):
    """The drawing: header + arrays in (from the widget's state only); step/view/overlap back from the browser."""

    _esm = _HERE / "transpose_traversal.js"
    _css = _HERE / "transpose_traversal.css"
    header = traitlets.Dict().tag(sync=True)
    targets = traitlets.Bytes(b"").tag(sync=True)
    overlap = traitlets.Bytes(b"").tag(sync=True)
    x = traitlets.Bytes(b"").tag(sync=True)
    contrib = traitlets.Bytes(b"").tag(sync=True)
    grid = traitlets.Bytes(b"").tag(sync=True)
    output = traitlets.Bytes(b"").tag(sync=True)
    parts = traitlets.Bytes(b"").tag(sync=True)
    step = traitlets.Int(0).tag(sync=True)
    view = traitlets.Unicode("scatter").tag(sync=True)
    show_overlap = traitlets.Bool(False).tag(sync=True)
    speed = traitlets.Float(4.0).tag(sync=True)
    loop = traitlets.Bool(False).tag(sync=True)


_NUMBER = ipywidgets.Layout(width="4.6em")
_LABEL = ipywidgets.Layout(width="auto", margin="0 2px 0 8px")
_INVALID = "ck-invalid"
_AXIS_SETTINGS = {"input_size": "input", "kernel_size": "kernel", "strides": "strides", "dilation_rate": "dilation"}
_OPERATIONS = [("transposed convolution", "conv"), ("upsampling", "upsample")]
_NONE = "None"  # output_padding=None in its dropdown
_MAX_OUTPUT_PADDING_OPTIONS = 64  # per-axis combinations listed in the dropdown (else equal values on every axis)


def output_padding_options(strides: tuple[int, ...]) -> list[tuple[str, Any]]:
    """The dropdown's choices for ``output_padding``: ``None`` and every value smaller than the stride.

    Equal strides give one number per choice; unequal strides give the per-axis tuples (equal values only when
    there would be more than 64 of them). ``None`` is the value ``"None"`` (a dropdown's ``None`` selects nothing).

    >>> output_padding_options((2, 2))
    [('None', 'None'), ('0', 0), ('1', 1)]
    >>> output_padding_options((1, 2))
    [('None', 'None'), ('(0, 0)', (0, 0)), ('(0, 1)', (0, 1))]
    """
    options: list[tuple[str, Any]] = [("None", _NONE)]
    if len(set(strides)) == 1:
        return options + [(str(v), v) for v in range(strides[0])]
    if math.prod(strides) <= _MAX_OUTPUT_PADDING_OPTIONS:
        combos = [tuple(int(v) for v in c) for c in np.ndindex(*strides)]
    else:
        combos = [(v,) * len(strides) for v in range(min(strides))]
    return options + [(str(c), c) for c in combos]


def _shown_output_padding(value: Any, strides: tuple[int, ...]) -> Any:
    """The dropdown value of a normalised ``output_padding`` (a number when strides and values are all equal)."""
    if value is None:
        return _NONE
    return value[0] if len(set(strides)) == 1 and len(set(value)) == 1 else tuple(value)


class _Controls:
    """The layer's parameters as fields and dropdowns (the look and rules of KernelTraversal's controls).

    The controls only *propose*: every edit calls ``on_change(changes, note)`` and the widget decides. Number
    fields are text read by :func:`~convkit.widgets._traversal_messages.parse_count` (nothing clamped or
    rounded); a refused value stays in its field, outlined, and the widget's message says why. ``output_padding``
    lists only the values valid for the stride; controls the layer has no choice for are switched off and the
    reason is written next to them.
    """

    def __init__(self, on_change: Callable[[dict[str, Any], str], bool], on_invalid: Callable[[str], None]) -> None:
        self._on_change, self._on_invalid = on_change, on_invalid
        self._handlers: dict[int, Callable[[Any], Any]] = {}
        self._typed: ipywidgets.Text | None = None
        self._rank = 0
        self._state: TransposeState | None = None
        self.fields: dict[str, list[ipywidgets.Text]] = {}
        self.labels: dict[str, ipywidgets.Label] = {}
        self.box = ipywidgets.VBox(layout=ipywidgets.Layout(width="100%")).add_class("ck-controls")
        self.padding = self._dropdown("padding", "padding", [("valid", "valid"), ("same", "same")], "6.5em")
        self.output_padding = self._dropdown(
            "output_padding", "output_padding (extra output rows/columns, smaller than the stride)", [], "7.5em"
        )
        self.operation = self._dropdown("operation", "operation", _OPERATIONS, "13em")
        self.interpolation = self._dropdown(
            "interpolation", "interpolation", [("nearest", "nearest"), ("bilinear", "bilinear")], "7.5em"
        )
        self.filter = ipywidgets.Text(
            description="filter (the output plane drawn)",
            tooltip="filter (the output plane drawn)",
            layout=_NUMBER,
            continuous_update=False,
            style={"description_width": "0px"},
        ).add_class("ck-number")
        self.filter.add_class("ck-control-filter")
        self.filter_label = ipywidgets.Label("filter", layout=_LABEL)
        self.reasons = ipywidgets.HTML(layout=ipywidgets.Layout(min_height="0")).add_class("ck-disabled-reasons")
        self._listen(self.filter, self._filter_changed)
        self._listen(self.padding, lambda ch: self._choice_changed("padding", ch))
        self._listen(self.output_padding, lambda ch: self._choice_changed("output_padding", ch))
        self._listen(self.operation, lambda ch: self._choice_changed("operation", ch))
        self._listen(self.interpolation, lambda ch: self._choice_changed("interpolation", ch))

    @staticmethod
    def _dropdown(name: str, label: str, options: Any, width: str) -> ipywidgets.Dropdown:
        box = ipywidgets.Dropdown(
            options=options,
            description=label,
            tooltip=label,
            layout=ipywidgets.Layout(width=width),
            style={"description_width": "0px"},  # the visible label is next to it; this one names it for readers
        )
        return box.add_class(f"ck-control-{name}")

    def _listen(self, control: Any, handler: Callable[[Any], Any]) -> None:
        self._handlers[id(control)] = handler
        control.observe(handler, "value")

    def _write(self, control: Any, **values: Any) -> None:
        """Show the state in ``control`` with its edit handler detached (showing never proposes a change)."""
        handler = self._handlers.get(id(control))
        if handler is not None:
            control.unobserve(handler, "value")
        try:
            for name, value in values.items():
                if name != "options" or list(getattr(control, "_options_full", None) or []) != list(value):
                    setattr(control, name, value)
        finally:
            if handler is not None:
                control.observe(handler, "value")

    def _build(self, rank: int) -> None:
        self._rank, self.fields, items = rank, {}, []
        names = axis_names(rank)
        for name, title in _AXIS_SETTINGS.items():
            label = self.labels[name] = ipywidgets.Label(title, layout=_LABEL)
            row: list[Any] = [label]
            boxes = []
            for i in range(rank):
                tip = f"{title} ({names[i]})" if rank > 1 else title
                box = ipywidgets.Text(
                    description=tip,
                    tooltip=tip,
                    layout=_NUMBER,
                    continuous_update=False,
                    style={"description_width": "0px"},
                ).add_class("ck-number")
                box.add_class(f"ck-control-{name}")
                self._listen(box, functools.partial(self._axis_changed, name, box))
                boxes.append(box)
                if i:
                    row.append(ipywidgets.Label("×"))
                row.append(box)
            self.fields[name] = boxes
            items.append(ipywidgets.HBox(row, layout=ipywidgets.Layout(align_items="center")))
        wrap = ipywidgets.Layout(flex_flow="row wrap", align_items="center")
        row2 = [
            ipywidgets.Label("padding", layout=_LABEL),
            self.padding,
            ipywidgets.Label("output_padding", layout=_LABEL),
            self.output_padding,
            ipywidgets.Label("operation", layout=_LABEL),
            self.operation,
            ipywidgets.Label("interpolation", layout=_LABEL),
            self.interpolation,
            self.filter_label,
            self.filter,
        ]
        self.box.children = [ipywidgets.HBox(items, layout=wrap), ipywidgets.HBox(row2, layout=wrap), self.reasons]

    def sync(self, state: TransposeState, *, refused: bool = False) -> None:
        """Show ``state``; after a refusal the refused field keeps what the learner typed (outlined)."""
        self._state = state
        s = state.settings
        rank = len(s["input_size"])
        if rank != self._rank:
            self._build(rank)
        for name, boxes in self.fields.items():
            for box, value in zip(boxes, s[name]):
                if refused and (box is self._typed or _INVALID in box._dom_classes):
                    continue
                box.remove_class(_INVALID)
                self._write(box, value=str(value))
        upsample = s["operation"] == "upsample"
        self.labels["strides"].value = "size" if upsample else "strides"
        self._write(self.padding, value=s["padding"])
        options = output_padding_options(s["strides"])
        shown = _shown_output_padding(s["output_padding"], s["strides"])
        if all(shown != v for _, v in options):  # many unequal strides: the value set is listed too
            options.append((str(shown), shown))
        self._write(self.output_padding, options=options, value=shown)
        self._write(self.operation, options=_OPERATIONS if rank < 3 else _OPERATIONS[:1], value=s["operation"])
        self._write(self.interpolation, value=s["interpolation"])
        planes = s["filters"] if s["operation"] == "conv" else s["in_channels"]
        self.filter_label.value = f"{'filter' if s['operation'] == 'conv' else 'channel'} (0–{planes - 1})"
        if not (refused and (self._typed is self.filter or _INVALID in self.filter._dom_classes)):
            self.filter.remove_class(_INVALID)
            self._write(self.filter, value=str(s["filter"]))
        self.filter.disabled = planes == 1
        reasons: dict[str, str] = {}
        if upsample:
            reasons["kernel_size"] = CONTROL_REASONS["upsample"]
        else:
            reasons["interpolation"] = CONTROL_REASONS["conv_interpolation"]
        if rank != 2 and "interpolation" not in reasons:
            reasons["interpolation"] = CONTROL_REASONS["rank_interpolation"]
        if rank == 3:
            reasons["operation"] = CONTROL_REASONS["rank3_operation"]
        strided, dilated = max(s["strides"]) > 1, max(s["dilation_rate"]) > 1
        if not upsample and strided:
            reasons["dilation_rate"] = CONTROL_REASONS["strided"]
        if not upsample and dilated:
            reasons["strides"] = CONTROL_REASONS["dilated"]
        for name, off in (
            ("kernel_size", upsample),
            ("dilation_rate", upsample or strided),
            ("strides", not upsample and dilated),
        ):
            for box in self.fields[name]:
                box.disabled = off
        self.padding.disabled = self.output_padding.disabled = upsample
        self.interpolation.disabled = "interpolation" in reasons
        self.operation.disabled = rank == 3
        self.reasons.value = "".join(
            f'<div class="ck-reason" data-for="{name}">{html.escape(text)}.</div>' for name, text in reasons.items()
        )

    def _emit(self, changes: dict[str, Any], typed: ipywidgets.Text | None = None, note: str = "") -> bool:
        self._typed = typed
        try:
            accepted = bool(self._on_change(changes, note))
        finally:
            self._typed = None
        if typed is not None:
            (typed.remove_class if accepted else typed.add_class)(_INVALID)
        return accepted

    def _axis_changed(self, name: str, box: ipywidgets.Text, _change: Any = None) -> None:
        values = []
        for b in self.fields[name]:
            try:
                values.append(parse_count(b.value, b.tooltip, 1))
            except ValueError as err:
                b.add_class(_INVALID)
                self._on_invalid(str(err))
                return
        changes: dict[str, Any] = {name: tuple(values)}
        note = ""
        state = self._state
        padding = state.settings["output_padding"] if state is not None else None
        if state is not None and name == "strides" and padding is not None and any(map(int.__ge__, padding, values)):
            # output_padding must stay below the stride: it goes back to None, and the note says so
            changes["output_padding"] = None
            note = output_padding_reset(_shown_output_padding(padding, state.settings["strides"]))
        self._emit(changes, box, note)

    def _filter_changed(self, _change: Any = None) -> None:
        try:
            value = parse_count(self.filter.value, "filter", 0)
        except ValueError as err:
            self.filter.add_class(_INVALID)
            self._on_invalid(str(err))
            return
        self._emit({"filter": value}, self.filter)

    def _choice_changed(self, name: str, change: dict[str, Any]) -> None:
        value = change["new"]
        if value is None:  # nothing selected (options being replaced)
            return
        self._emit({name: None if name == "output_padding" and value == _NONE else value})


class _Setting(traitlets.TraitType):  # type: ignore[type-arg]
    """Reading gives the state's value; assigning goes through the one change path (a refusal never raises)."""

    info_text = "a TransposedKernelTraversal setting"

    def get(self, obj: Any, cls: Any = None) -> Any:
        return obj._state.value(self.name)

    def set(self, obj: Any, value: Any) -> None:
        obj._change({self.name: value}, source="attribute")


def _auto_speed(num_steps: int) -> float:
    """Steps per second so a run takes about 10 s (2 to 60 steps/s)."""
    return float(min(60, max(2, round(num_steps / 10))))


class TransposedKernelTraversal(ipywidgets.VBox):  # type: ignore[misc]
    """A transposed convolution or an upsampling, animated; every number from the core.

    Parameters
    ----------
    input_size
        Spatial size of the layer's input: an int (1-D) or a tuple of 2 (or 3: drawn one plane at a time,
        ``depth_slice`` picks the input plane).
    kernel_size, strides, padding, output_padding, dilation_rate
        As in ``keras.layers.Conv2DTranspose``. With ``operation="upsample"``, ``strides`` is the upsampling
        ``size`` (the kernel follows it).
    in_channels, filters
        Input depth and number of filters: each output cell is the sum over input channels (numbers mode
        shows the per-channel parts).
    filter
        The output plane drawn (0-based): a filter of a transposed convolution, or the channel an upsampling
        copies (upsampling keeps the depth). Its field is next to the layer's other controls.
    numbers
        ``None``, ``True`` (small whole demo values) or ``(x, kernel)``: ``x`` of shape
        ``(*input_size, in_channels)``, ``kernel`` in Keras' transposed layout ``(*kernel_size, filters,
        in_channels)`` (``None`` for upsampling). Values from :func:`convkit.convolve_transpose`.
    view
        ``"scatter"`` or ``"direct"`` (zero-stuffed).
    step, speed, loop
        The step shown (0-based, in the current view), steps per second (``None``: about 10 s per run),
        whether playback restarts.
    operation, interpolation
        ``"conv"`` or ``"upsample"``; ``"nearest"`` (copies) or ``"bilinear"`` (weights, 2-D, scatter view).
    show_overlap
        Colour the output by the final overlap count (the checkerboard of stride 2, kernel 3).

    Invalid settings raise ``ValueError``/``TypeError`` here; later changes never raise: the message says why.

    Examples
    --------
    >>> import convkit
    >>> w = convkit.TransposedKernelTraversal((13, 13), 3, strides=2, output_padding=1)
    >>> w.output_shape, w.num_steps
    ((28, 28, 1), 169)
    >>> w.output_padding = 2          # must be smaller than the stride: refused, picture kept
    >>> w.output_padding, w.message.startswith("`output_padding` must be smaller than `strides`")
    ((1, 1), True)
    >>> w.sentence()
    'step 1/169 · input[0, 0] × kernel adds a 3×3 patch to output rows 0–2, cols 0–2'
    """

    input_size = _Setting()
    kernel_size = _Setting()
    strides = _Setting()
    padding = _Setting()
    output_padding = _Setting()
    dilation_rate = _Setting()
    in_channels = _Setting()
    filters = _Setting()
    numbers = _Setting()
    view = _Setting()
    step = _Setting()
    speed = _Setting()
    loop = _Setting()
    operation = _Setting()
    interpolation = _Setting()
    show_overlap = _Setting()
    depth_slice = _Setting()
    filter = _Setting()
    message = traitlets.Unicode("", read_only=True, help="why the last change was refused ('' when accepted)")

    def __init__(
        self,
        input_size: Any = (4, 4),
        kernel_size: Any = 3,
        strides: Any = 1,
        padding: str = "valid",
        output_padding: Any = None,
        dilation_rate: Any = 1,
        *,
        in_channels: int = 1,
        filters: int = 1,
        numbers: Any = None,
        view: str = "scatter",
        step: int = 0,
        speed: float | None = None,
        loop: bool = False,
        operation: str = "conv",
        interpolation: str = "nearest",
        show_overlap: bool = False,
        depth_slice: int = 0,
        filter: int = 0,
        **kwargs: Any,
    ) -> None:
        settings = dict(
            input_size=input_size,
            kernel_size=kernel_size,
            strides=strides,
            padding=padding,
            output_padding=output_padding,
            dilation_rate=dilation_rate,
            in_channels=in_channels,
            filters=filters,
            numbers=numbers,
            view=view,
            step=step,
            speed=speed,
            loop=loop,
            operation=operation,
            interpolation=interpolation,
            show_overlap=show_overlap,
            depth_slice=depth_slice,
            filter=filter,
        )
        self._state: TransposeState = initial_state(settings)
        self._canvas = TransposeCanvas()
        self._note = ipywidgets.HTML(layout=ipywidgets.Layout(min_height="0")).add_class("ck-widget-message")
        self._controls = _Controls(self._from_controls, lambda text: self._show(refusal_kept(text), error=True))
        super().__init__(children=[self._controls.box, self._note, self._canvas], **kwargs)
        self.add_class("convkit-widget")
        self.add_class("convkit-transpose-widget")
        self._push(None)
        self._controls.sync(self._state)
        self._canvas.observe(self._from_browser, list(_FROM_BROWSER))

    # -- public ----------------------------------------------------------------------------------------
    @property
    def model(self) -> Any:
        """The :class:`~convkit.render._transpose_model.TransposeModel` drawn (geometry and numbers)."""
        return self._state.model

    @property
    def traversal(self) -> Any:
        """The core's :class:`~convkit.core.traversal_transpose.TransposedTraversal` (``None`` for bilinear)."""
        return self._state.model.traversal

    @property
    def header(self) -> dict[str, Any]:
        """The JSON header sent to the browser (read-only copy)."""
        return dict(self._state.header)

    def buffer(self, name: str) -> bytes:
        """One binary array sent to the browser (see :data:`~convkit.widgets._transpose_payload.BUFFERS`)."""
        return self._state.buffers.get(name, b"")

    @property
    def output_shape(self) -> tuple[int, ...]:
        """Output spatial size (all axes) and depth, without batch."""
        m, s = self._state.model, self._state.settings
        spatial = ((m.depth[1],) if m.depth else ()) + m.output_size
        depth = s["filters"] if s["operation"] == "conv" else s["in_channels"]
        return (*spatial, depth)

    @property
    def num_steps(self) -> int:
        """Steps of the current view (input cells in Scatter, output cells in Zero-stuffed)."""
        return self._state.num_steps

    def sentence(self, step: int | None = None) -> str:
        """The narration of ``step`` (default: the current one) in the current view."""
        return step_sentence(self._state.model, self.view, self.step if step is None else step)

    def sum_text(self, step: int | None = None) -> str:
        """Numbers mode: the sum line of ``step`` ('' without numbers)."""
        return sum_sentence(self._state.model, self.view, self.step if step is None else step)

    def update(self, changes: dict[str, Any] | None = None, **kw: Any) -> bool:
        """Change several settings at once; ``True`` when applied, else the message says why (never raises for a
        learner's value; an unknown name is a ``TypeError``)."""
        changes = {**(changes or {}), **kw}
        unknown = set(changes) - set(SETTINGS)
        if unknown:
            raise TypeError(f"update() accepts {', '.join(SETTINGS)}. Received: {sorted(map(str, unknown))}")
        return self._change(changes, source="update")

    def save(self, path: Any, **kwargs: Any) -> pathlib.Path:
        """Export: a GIF of the current view's run, or a PNG/SVG of the current step (see
        :func:`convkit.render.transpose_traversal.save`)."""
        from ..render.transpose_traversal import save

        options: dict[str, Any] = {
            "view": self.view,
            "show_overlap": self.show_overlap,
            "title": self._state.header["title"],
        }
        if pathlib.Path(path).suffix.lower() != ".gif":
            options["step"] = self.step
        options.update(kwargs)
        return save(self._state.model, path, **options)

    # -- the one change path -------------------------------------------------------------------------
    def _change(self, changes: dict[str, Any], *, source: str) -> bool:
        try:
            new, note = advance(self._state, dict(changes))
        except (ValueError, TypeError, ArithmeticError) as err:
            if source == "update" and isinstance(err, TypeError) and str(err).startswith("Unknown setting"):
                raise
            self._show(refusal_kept(str(err)), error=True)
            self._push(self._state)  # the browser shows the kept state again (its toggles too)
            self._controls.sync(self._state, refused=True)
            return False
        old, self._state = self._state, new
        if source != "browser":
            self._show(note)
        self._controls.sync(new)
        for name in SETTINGS:
            a, b = old.settings[name], new.settings[name]
            if (a is not b) if name == "numbers" else (a != b):
                self._notify_trait(name, old.settings[name], new.settings[name])
        self._push(old)
        return True

    def _from_controls(self, changes: dict[str, Any], note: str) -> bool:
        accepted = self._change(changes, source="controls")
        if accepted and note:
            self._show(note)
        return accepted

    def _from_browser(self, change: Any) -> None:
        if change["new"] != self._state.value(change["name"]):
            self._change({change["name"]: change["new"]}, source="browser")

    def _show(self, text: str, error: bool = False) -> None:
        self.set_trait("message", text if error else "")
        shown = html.escape(text, quote=False)
        if error:
            self._note.value = f'<span class="ck-error" role="alert">⚠ {shown}</span>'
        else:
            self._note.value = f'<div class="ck-note">ⓘ {shown}.</div>' if text else ""

    def _push(self, old: TransposeState | None) -> None:
        s, c = self._state, self._canvas
        with c.hold_sync():
            if old is None or s.header is not old.header or old is s:
                c.set_trait("header", s.header)
                for name in BUFFERS:
                    c.set_trait(name, s.buffers.get(name, b""))
            c.view = s.value("view")
            c.step = s.value("step")
            c.show_overlap = s.value("show_overlap")
            c.speed = s.value("speed") or _auto_speed(s.num_steps)
            c.loop = s.value("loop")

    # -- display ---------------------------------------------------------------------------------------
    def _summary(self) -> str:
        return f"{self._state.header['title']}; {self.view} view, step {self.step + 1} of {self.num_steps}"

    def __repr__(self) -> str:
        return f"TransposedKernelTraversal({self._summary()})"

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        data = dict(super()._repr_mimebundle_(**kwargs) or {})
        data["text/plain"] = f"TransposedKernelTraversal: {self._summary()}"
        return data

    def static_bundle(self) -> dict[str, Any] | None:
        """The static picture published after the live view (see :mod:`convkit.widgets._static`)."""
        from ..render.transpose_traversal import png_bytes

        png = png_bytes(
            self._state.model,
            self.step,
            view=self.view,
            show_overlap=self.show_overlap,
            title=self._state.header["title"],
        )
        alt = f"Transposed convolution picture. {self._state.header['title']}. {self.sentence()}."
        return fallback_bundle(png, alt, f"Picture of step {self.step + 1}: {self._summary()}")

    def _ipython_display_(self, **kwargs: Any) -> None:
        display_with_fallback(self._repr_mimebundle_(**kwargs), self.static_bundle)

    # -- from a layer ----------------------------------------------------------------------------------
    @classmethod
    def from_layer(cls, layer: Any, input_shape: Any, **kwargs: Any) -> TransposedKernelTraversal:
        """The widget of a convkit or Keras ``Conv1D/2D/3DTranspose`` or ``UpSampling1D/2D`` on ``input_shape``.

        Reads the class name and ``get_config()`` only (TensorFlow is never imported here).

        >>> import convkit
        >>> w = TransposedKernelTraversal.from_layer(convkit.layers.Conv2DTranspose(8, 3, strides=2), (None, 7, 7, 4))
        >>> w.output_shape
        (15, 15, 8)
        """
        return cls(**{**transposed_settings(layer, input_shape), **kwargs})
