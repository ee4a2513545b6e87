"""``KernelTraversal``: the animated picture of a kernel sliding over a padded input, in the browser.

The widget is an ``ipywidgets.VBox`` of three parts: the parameter controls (ipywidgets), a message line, and the
canvas (an anywidget whose ES module ``traversal.js`` draws and animates). Settings live as traitlets
here; every change is validated in Python with the core (``traverse``/``convolve``/``pool``) and, when valid,
sent to the browser once as a JSON header plus binary arrays (see :mod:`convkit.widgets._traversal_payload`).
Playback runs in the browser without messages to the kernel; ``step`` comes back when playback pauses.
"""

from __future__ import annotations

import pathlib
from typing import Any

import anywidget
import ipywidgets
import traitlets

from ..core.traversal import Traversal
from ._static import display_with_fallback, fallback_bundle
from ._traversal_controls import TraversalControls
from ._traversal_layers import layer_settings
from ._traversal_messages import implied_changes, refusal
from ._traversal_params import TraversalParams
from ._traversal_payload import Payload, build_payload, normalize_numbers, title_line

__all__ = ["KernelTraversal", "TraversalCanvas"]

_HERE = pathlib.Path(__file__).parent
#: Playback speeds the widget accepts, in steps per second (the same bounds as its speed field).
MIN_SPEED, MAX_SPEED = 0.25, 5000.0
_PARAMS = ("input_size", "kernel_size", "strides", "padding", "dilation_rate", "operation", "in_channels",
           "filters", "kind", "depth_multiplier", "groups")


class TraversalCanvas(anywidget.AnyWidget):
    """The drawing: header + binary geometry in, ``step`` back when playback pauses or the user scrubs."""

    _esm = _HERE / "traversal.js"
    _css = _HERE / "traversal.css"
    header = traitlets.Dict().tag(sync=True)
    origins = traitlets.Bytes(b"").tag(sync=True)
    offsets = traitlets.Bytes(b"").tag(sync=True)
    coverage = traitlets.Bytes(b"").tag(sync=True)
    x_values = traitlets.Bytes(b"").tag(sync=True)
    w_values = traitlets.Bytes(b"").tag(sync=True)
    y_values = traitlets.Bytes(b"").tag(sync=True)
    step = traitlets.Int(0).tag(sync=True)
    speed = traitlets.Float(4.0).tag(sync=True)
    loop = traitlets.Bool(False).tag(sync=True)
    show_coverage = traitlets.Bool(False).tag(sync=True)


def _auto_speed(num_steps: int) -> float:
    """Steps per second so a run takes about 10 s (2 to 60 steps/s)."""
    return float(min(60, max(2, round(num_steps / 10))))


class _Setting(traitlets.TraitType):
    """Any value, checked by the widget's own validators (``None`` too: traitlets skips validators for an
    allowed ``None``, so this trait does not allow it and lets the validator decide)."""

    allow_none = False
    info_text = "a setting checked by KernelTraversal"

    def validate(self, obj: Any, value: Any) -> Any:
        return value


class KernelTraversal(ipywidgets.VBox):
    """An animated kernel over a padded input, with controls; every number from :func:`convkit.traverse`.

    Parameters
    ----------
    input_size
        Spatial size: an int (a 1-D strip) or ``(height, width)``.
    kernel_size, strides, padding, dilation_rate
        As in ``keras.layers.Conv1D/Conv2D`` (``padding`` also ``"causal"`` in 1-D, or explicit
        ``(before, after)`` pairs per axis).
        ``strides=None`` (the default) is Keras' default: 1 for a convolution, the pool size for pooling
        (as ``keras.layers.MaxPooling2D(strides=None)``). While the stride is left at this default it follows
        the operation and the pool size: switching the operation control (or ``operation``) from convolution to
        pooling sets it to the pool size, and back to 1. Setting ``strides`` (argument, control, attribute or
        :meth:`update`) fixes it; setting ``strides = None`` returns to the default.
    in_channels, filters
        Input depth and number of filters (only the depth line uses them: the picture is per channel).
    operation
        ``"conv"``, ``"max"`` or ``"average"`` (pooling: ``kernel_size`` is the pool size).
    numbers
        ``None``, ``True`` (small integer demo values) or ``(x, kernel)`` arrays: shows input values, kernel
        weights and each step's multiply-sum, computed by :func:`convkit.convolve` / :func:`convkit.pool`.
    coverage
        Mark the input cells the layer never reads.
    step
        The step shown first (0-based).
    speed, loop
        Playback speed in steps per second (``None``: about 10 s per run), and whether playback restarts.
    kind, depth_multiplier, groups
        What :meth:`from_layer` reads from a layer: ``"depthwise"`` or ``"separable"`` (its depthwise part)
        convolutions with their ``depth_multiplier``, and Keras' ``groups``. They change the depth line only.

    Invalid settings raise ``ValueError``/``TypeError`` here; later changes (controls, attribute assignment,
    :meth:`update`) never raise: the widget shows the message and keeps the last valid picture.

    Examples
    --------
    >>> import convkit
    >>> w = convkit.KernelTraversal((28, 28), 3, strides=2)
    >>> w.output_shape, w.traversal.num_steps
    ((13, 13, 1), 169)
    >>> w.kernel_size = 30            # too large for a 28×28 input: refused, picture kept
    >>> w.kernel_size
    (3, 3)
    >>> print(w.message)
    kernel 30×30 is larger than the padded input 28×28 (no padding); the largest kernel here is 28×28. \
Kept kernel 3×3. Received: kernel_size=30

    Pooling without ``strides`` steps by the pool size, as in Keras:

    >>> p = convkit.KernelTraversal((8, 8), 2, operation="max")
    >>> p.strides, p.output_shape
    ((2, 2), (4, 4, 1))
    >>> p.operation = "conv"          # the default stride follows the operation
    >>> p.strides, p.output_shape
    ((1, 1), (7, 7, 1))
    """

    input_size = _Setting(help="spatial input size, e.g. (7, 7)")
    kernel_size = _Setting(help="kernel (or pool) size per axis")
    strides = _Setting(help="strides per axis")
    padding = _Setting(help='"valid", "same", "causal" (1-D) or per-axis (before, after) pairs')
    dilation_rate = _Setting(help="dilation per axis")
    operation = _Setting(help='"conv", "max" or "average"')
    in_channels = _Setting(help="input channels")
    filters = _Setting(help="filters (output channels of a convolution)")
    kind = _Setting(help='"conv", "depthwise" or "separable" (depthwise part)')
    depth_multiplier = _Setting(help="depthwise kernels per input channel")
    groups = _Setting(help="channel groups of a grouped convolution (Keras' groups)")
    numbers = _Setting(None, help="None, True or (x, kernel)")
    coverage = traitlets.Bool(False, help="mark never-read input cells")
    step = traitlets.Int(0, help="current step (0-based)")
    speed = traitlets.Any(None, help=f"steps per second ({MIN_SPEED:g} to {MAX_SPEED:g}); None = automatic")
    loop = traitlets.Bool(False, help="restart playback at the end")
    message = traitlets.Unicode("", help="why the last change was refused ('' when it was accepted)")

    def __init__(self, input_size: Any = (7, 7), kernel_size: Any = 3, strides: Any = None, padding: Any = "valid",
                 dilation_rate: Any = 1, *, in_channels: int = 1, filters: int = 1, operation: str = "conv",
                 numbers: Any = None, coverage: bool = False, step: int = 0, speed: float | None = None,
                 loop: bool = False, kind: str = "conv", depth_multiplier: int = 1, groups: int = 1,
                 **kwargs: Any) -> None:
        params = TraversalParams.create(
            input_size, kernel_size, strides, padding, dilation_rate, operation=operation,
            in_channels=in_channels, filters=filters, kind=kind, depth_multiplier=depth_multiplier, groups=groups)
        payload = build_payload(params, numbers)
        _check_step(step, payload.header["num_steps"])
        _check_speed(speed)
        self._params, self._payload, self._numbers = params, payload, numbers
        # strides left at Keras' default (None): recomputed when the operation or pool size changes
        self._default_strides = strides is None
        self._internal = True  # trait writes of already accepted values (never an explicit stride)
        self._pushed: Payload | None = None
        self._canvas = TraversalCanvas()
        self._note = ipywidgets.HTML(layout=ipywidgets.Layout(min_height="0")).add_class("ck-widget-message")
        self._controls = TraversalControls(self._control_change, self._show_invalid)
        values = {name: getattr(params, name) for name in _PARAMS}
        # the message right under the fields it is about, above the picture
        super().__init__(children=[self._controls.box, self._note, self._canvas], numbers=numbers,
                         coverage=coverage, step=step, speed=speed, loop=loop, **values, **kwargs)
        self._internal = False
        self.add_class("convkit-widget")
        self.add_class("convkit-traversal-box")
        self._canvas.observe(self._canvas_changed, ["step", "show_coverage", "loop"])
        self._push()

    # -- public ----------------------------------------------------------------------------------------
    @property
    def traversal(self) -> Traversal:
        """The core's :class:`~convkit.core.traversal.Traversal` of the current settings."""
        return self._payload.traversal if self._payload.traversal is not None else self._params.traversal()

    @property
    def output_shape(self) -> tuple[int, ...]:
        """Output spatial size and depth, without batch: e.g. ``(13, 13, 32)``."""
        return (*self._payload.header["output_size"], self._params.output_depth)

    @property
    def num_steps(self) -> int:
        return int(self._payload.header["num_steps"])

    def update(self, changes: dict[str, Any] | None = None, **kw: Any) -> bool:
        """Change several settings at once (e.g. ``w.update(input_size=12, kernel_size=5)``).

        Returns ``True`` when applied; otherwise shows the reason in :attr:`message`, keeps the picture and
        returns ``False`` (never raises for a learner's invalid combination).
        """
        changes = {**(changes or {}), **kw}
        return self._apply(changes, tuple(changes))

    def _apply(self, changes: dict[str, Any], asked: tuple[str, ...]) -> bool:
        """Apply ``changes`` (``asked``: the ones the learner set; a note names the others that changed)."""
        requested = dict(changes)
        numbers = changes.pop("numbers", self._numbers)
        unknown = set(changes) - set(_PARAMS)
        if unknown:
            raise TypeError(f"update() accepts {', '.join(_PARAMS)} and numbers. Received: {sorted(unknown)}")
        changes, default_strides = self._with_default_strides(changes)
        try:
            params = self._params.replace(**changes)
            payload = build_payload(params, numbers)
        except (ValueError, TypeError) as err:
            self._refuse(err, changes=requested)
            return False
        before = self._params
        self._accept(params, payload, numbers)
        self._default_strides = default_strides
        self._internal = True
        try:
            with self.hold_trait_notifications():
                for name in _PARAMS:
                    setattr(self, name, getattr(params, name))
                self.numbers = numbers
        finally:
            self._internal = False
        self._push()
        self._info(implied_changes(before, params, {k: requested[k] for k in asked if k in requested}))
        return True

    def save(self, path: Any, **kwargs: Any) -> pathlib.Path:
        """Export the current settings: a GIF of every step, or a PNG/SVG of the current step.

        Delegates to :func:`convkit.render.export.save_traversal`; keyword arguments go there
        (``fps``, ``dpi``, ``theme``, ``progress``, ``steps`` ...).
        """
        from ..render.export import save_traversal

        path = pathlib.Path(path)
        options = self._render_options()
        if path.suffix.lower() != ".gif":
            options["step"] = self.step
        options.update(kwargs)
        result = save_traversal(self.traversal, path, **options)
        return pathlib.Path(result) if result is not None else path

    # -- traits ------------------------------------------------------------------------------------------
    @traitlets.validate(*_PARAMS)
    def _validate_param(self, proposal: Any) -> Any:
        name, value = proposal["trait"].name, proposal["value"]
        if not hasattr(self, "_params"):
            return value
        if self._internal:  # an accepted value written back: not a learner's explicit stride
            changes, default_strides = {name: value}, self._default_strides
        else:
            changes, default_strides = self._with_default_strides({name: value})
        try:
            params = self._params.replace(**changes)
        except (ValueError, TypeError) as err:
            return self._refuse(err, name, {name: value})
        if params != self._params:
            try:
                payload = build_payload(params, self._numbers)
            except (ValueError, TypeError) as err:
                return self._refuse(err, name, {name: value})
            before = self._params
            self._accept(params, payload, self._numbers)
            if not self._internal:
                self._info(implied_changes(before, params, {name: value}))
        self._default_strides = default_strides
        return getattr(params, name)

    @traitlets.validate("numbers")
    def _validate_numbers(self, proposal: Any) -> Any:
        value = proposal["value"]
        if not hasattr(self, "_params") or value is self._numbers:
            return value
        try:
            payload = build_payload(self._params, value)
        except (ValueError, TypeError) as err:
            self._refuse(err)
            return self._numbers
        self._accept(self._params, payload, value)
        return value

    @traitlets.validate("step")
    def _validate_step(self, proposal: Any) -> int:
        value = proposal["value"]
        if not hasattr(self, "_payload"):
            return value
        try:
            _check_step(value, self.num_steps)
        except ValueError as err:
            self._refuse(err)
            return self.step
        return value

    @traitlets.validate("speed")
    def _validate_speed(self, proposal: Any) -> Any:
        value = proposal["value"]
        try:
            _check_speed(value)
        except ValueError as err:
            if not hasattr(self, "_payload"):
                raise
            self._refuse(err)
            return self.speed
        return value

    @traitlets.observe(*_PARAMS, "numbers")
    def _params_changed(self, _change: Any) -> None:
        if not hasattr(self, "_canvas"):
            return
        internal, self._internal = self._internal, True
        try:
            for name in _PARAMS:  # one change can imply others (a new rank broadcasts the kernel, ...)
                value = getattr(self._params, name)
                if getattr(self, name) != value:
                    setattr(self, name, value)
        finally:
            self._internal = internal
        self._push()

    @traitlets.observe("step", "coverage", "loop", "speed")
    def _view_changed(self, change: Any) -> None:
        if not hasattr(self, "_canvas"):
            return
        if change["name"] == "step":
            self._canvas.step = change["new"]
        elif change["name"] == "coverage":
            self._canvas.show_coverage = bool(change["new"])
        elif change["name"] == "loop":
            self._canvas.loop = bool(change["new"])
        else:
            self._canvas.speed = self._speed()

    def _canvas_changed(self, change: Any) -> None:
        """The browser paused or was scrubbed (``step``) or toggled a view option."""
        name = {"step": "step", "show_coverage": "coverage", "loop": "loop"}[change["name"]]
        if getattr(self, name) != change["new"]:
            setattr(self, name, change["new"])

    # -- internals -----------------------------------------------------------------------------------------
    def _with_default_strides(self, changes: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """``changes`` with ``strides=None`` (Keras' default, recomputed) while the stride was never set, and
        whether the stride stays at that default afterwards (an explicit stride fixes it, ``None`` frees it)."""
        if "strides" in changes:
            return changes, changes["strides"] is None
        if self._default_strides:
            return {**changes, "strides": None}, True
        return changes, False
    def _refuse(self, err: Exception, name: str | None = None, changes: dict[str, Any] | None = None) -> Any:
        """Keep the last valid state and say why ``changes`` were refused (the numbers and the limit)."""
        text = refusal(self._params, changes, err) if changes and hasattr(self, "_params") else str(err)
        self._show_invalid(text)
        if hasattr(self, "_controls"):
            self._sync_controls(refused=True)
        return getattr(self._params, name) if name else None

    def _show_invalid(self, text: str) -> None:
        """Show why a change (or a typed value) is not possible; the state stays as it is."""
        self.message = text
        self._note.value = f'<span class="ck-error" role="alert">⚠ {_escape(text)}</span>'

    def _info(self, text: str) -> None:
        """A note about a change the learner did not ask for but that follows from theirs (no error)."""
        if text:
            line = f'<div class="ck-note">ⓘ {_escape(text[0].upper() + text[1:])}.</div>'
            self._note.value = (self._note.value or "") + line

    def _control_change(self, changes: dict[str, Any], asked: tuple[str, ...]) -> bool:
        """A control's edit: ``asked`` are the settings the learner set, the rest of ``changes`` follows."""
        return self._apply(dict(changes), asked)

    def _accept(self, params: TraversalParams, payload: Payload, numbers: Any) -> None:
        self._params, self._payload, self._numbers = params, payload, numbers
        self.message = ""
        self._note.value = ""

    def _speed(self) -> float:
        return float(self.speed) if self.speed else _auto_speed(self.num_steps)

    def _sync_controls(self, refused: bool = False) -> None:
        pairs = tuple(tuple(p) for p in self._payload.header["padding"])
        self._controls.sync(self._params, pairs, self._numbers is not None and self._numbers is not False,
                            refused=refused)

    def _push(self) -> None:
        """Send the current payload to the browser once (a no-op when it was already sent)."""
        payload = self._payload
        if payload is self._pushed:
            return
        self._pushed = payload
        step = min(self.step, self.num_steps - 1)
        if step != self.step:
            self._info(f"step {self.step + 1} is past the last step of these settings ({self.num_steps} steps): "
                       f"showing step {step + 1}, the last")
            self.step = step
        empty = {"origins": b"", "offsets": b"", "coverage": b"", "x_values": b"", "w_values": b"", "y_values": b""}
        with self._canvas.hold_sync():
            self._canvas.set_trait("header", payload.header)
            for name, data in {**empty, **payload.buffers}.items():
                self._canvas.set_trait(name, data)
            self._canvas.step = step
            self._canvas.speed = self._speed()
            self._canvas.loop = self.loop
            self._canvas.show_coverage = self.coverage
        self._sync_controls()

    def _render_options(self) -> dict[str, Any]:
        """What the matplotlib renderer needs to draw the same picture (numbers: channel 0, filter 0)."""
        values = normalize_numbers(self._numbers, self._params)
        numbers: Any = False
        if values is not None:
            x, kernel = values
            numbers = (x[0, ..., 0], None if kernel is None else kernel[..., 0, 0])
            if kernel is None:
                numbers = numbers[0]
        return {"numbers": numbers, "coverage": bool(self.coverage), "operation": self._params.operation}

    def _png(self) -> bytes | None:
        if self._payload.header.get("too_large"):
            return None
        from ..render.export import traversal_png_bytes

        return traversal_png_bytes(self.traversal, self.step, **self._render_options())

    def __repr__(self) -> str:
        return f"KernelTraversal({self._summary()})"

    def _summary(self) -> str:
        title = title_line(self._params, tuple(self._payload.header["output_size"]))
        return f"{title}; step {self.step + 1} of {self.num_steps}"

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """The live view (widget-view + ``text/plain``); the picture goes in :meth:`static_bundle`."""
        data = dict(super()._repr_mimebundle_(**kwargs) or {})
        data["text/plain"] = f"KernelTraversal: {self._summary()}"
        return data

    def static_bundle(self) -> dict[str, Any] | None:
        """The static output shown next to the live view: a PNG of the current step with a description.

        ``None`` when the settings are too large to draw. See :mod:`convkit.widgets._static` for why it is a
        separate output and how JupyterLab hides it while the live widget is shown.
        """
        png = self._png()
        if png is None:
            return None
        return fallback_bundle(png, self._alt_text(), f"Picture of step {self.step + 1}: {self._summary()}")

    def _ipython_display_(self, **kwargs: Any) -> None:
        display_with_fallback(self._repr_mimebundle_(**kwargs), self.static_bundle)

    def _alt_text(self) -> str:
        """What the static picture shows, in words (its ``alt`` text)."""
        h = self._payload.header
        title = title_line(self._params, tuple(h["output_size"]))
        t = self.traversal
        step = t.steps[self.step]
        out = step.output_index
        spans = [f"{o} to {o + k - 1}" for o, k in zip(step.origin, t.effective_kernel)]
        where = (f"input rows {spans[0]}, columns {spans[1]}" if t.rank == 2 else f"input cells {spans[0]}")
        cell = f"({out[0]}, {out[1]})" if t.rank == 2 else str(out[0])
        unread = h.get("unread_cells", 0)
        seen = (f" {unread:,} input cells are never read." if unread
                else " Every input cell is read at least once.")
        pads = sum(tap.is_padding for tap in step.taps)
        on_pad = f" ({pads} of its {len(step.taps)} taps on padding)" if pads else ""
        return (f"Kernel traversal picture, step {self.step + 1} of {self.num_steps}. {title}. The window covers "
                f"{where}{on_pad} and writes output cell {cell}.{seen}")

    # -- from a layer ----------------------------------------------------------------------------------
    @classmethod
    def from_layer(cls, layer: Any, input_shape: Any, **kwargs: Any) -> KernelTraversal:
        """The traversal of a convkit or Keras layer on ``input_shape`` (batch dimension optional).

        Reads ``layer.get_config()`` and the class name only (TensorFlow is never imported here).
        Supported: Conv1D/2D, DepthwiseConv1D/2D, SeparableConv1D/2D (its depthwise part), Max/AveragePooling1D/2D.

        >>> import convkit
        >>> w = KernelTraversal.from_layer(convkit.layers.Conv2D(32, 3, strides=2), (None, 28, 28, 3))
        >>> w.output_shape
        (13, 13, 32)
        """
        return cls(**layer_settings(layer, input_shape), **kwargs)


def _check_step(step: Any, num_steps: int) -> None:
    if isinstance(step, bool) or not isinstance(step, int) or not 0 <= step < num_steps:
        raise ValueError(f"`step` must be an integer from 0 to {num_steps - 1} (this traversal has {num_steps} "
                         f"steps). Received: step={step!r}")


def _check_speed(speed: Any) -> None:
    if speed is None:
        return
    if isinstance(speed, bool) or not isinstance(speed, (int, float)) or not MIN_SPEED <= speed <= MAX_SPEED:
        raise ValueError(f"`speed` must be None (about 10 s per run) or a number of steps per second from "
                         f"{MIN_SPEED:g} to {MAX_SPEED:g}. Received: speed={speed!r}")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
