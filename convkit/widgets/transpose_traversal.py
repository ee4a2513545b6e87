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

import html
import pathlib
from typing import Any

import anywidget
import ipywidgets
import traitlets

from ..render.transpose_words import refusal_kept, step_sentence, sum_sentence
from ._static import display_with_fallback, fallback_bundle
from ._transpose_layers import transposed_settings
from ._transpose_payload import BUFFERS, SETTINGS, TransposeState, advance, initial_state

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
        shows the per-channel parts; filter 0 is drawn).
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
        )
        self._state: TransposeState = initial_state(settings)
        self._canvas = TransposeCanvas()
        self._note = ipywidgets.HTML(layout=ipywidgets.Layout(min_height="0")).add_class("ck-widget-message")
        super().__init__(children=[self._note, self._canvas], **kwargs)
        self.add_class("convkit-widget")
        self._push(None)
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

        options: dict[str, Any] = {"view": self.view, "show_overlap": self.show_overlap}
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
            return False
        old, self._state = self._state, new
        if source != "browser":
            self._show(note)
        for name in SETTINGS:
            a, b = old.settings[name], new.settings[name]
            if (a is not b) if name == "numbers" else (a != b):
                self._notify_trait(name, old.settings[name], new.settings[name])
        self._push(old)
        return True

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

        png = png_bytes(self._state.model, self.step, view=self.view, show_overlap=self.show_overlap)
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
