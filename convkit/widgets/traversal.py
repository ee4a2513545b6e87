"""``KernelTraversal``: the animated picture of a kernel sliding over a padded input, in the browser.

The widget is an ``ipywidgets.VBox`` of three parts: the parameter controls (ipywidgets), a message line, and the
canvas (an anywidget whose ES module ``traversal.js`` draws and animates). It is one model with one source of
state: an immutable :class:`~convkit.widgets._traversal_state.TraversalState` (layer settings normalised by the
core, numbers, view settings, and the payload drawn from them). The settings traits are views of it, and every
change, from an attribute, :meth:`KernelTraversal.update`, a control or the browser, goes through one path
(:func:`~convkit.widgets._traversal_state.advance`): a valid change replaces the state and is sent to the browser
once (a JSON header with the sentence templates plus binary arrays, :mod:`convkit.widgets._traversal_payload`); a
refused one keeps the state and says why. Playback runs in the browser without messages to the kernel; ``step``
comes back when playback pauses.
"""

from __future__ import annotations

import html
import numbers as numbers_
import pathlib
from typing import Any

import anywidget
import ipywidgets
import traitlets

from ..core.step_arithmetic import StepArithmetic
from ..core.traversal import Traversal
from ._static import display_with_fallback, fallback_bundle
from ._traversal_controls import TraversalControls
from ._traversal_layers import layer_numbers, layer_settings
from ._traversal_messages import refusal
from ._traversal_payload import BUFFERS, Payload, title_line
from ._traversal_state import MAX_SPEED, MIN_SPEED, PARAMS, SETTINGS, TraversalState, advance, initial_state

__all__ = ["KernelTraversal", "TraversalCanvas"]

_HERE = pathlib.Path(__file__).parent
_FROM_BROWSER = {
    "step": "step",
    "show_coverage": "coverage",
    "loop": "loop",
    "filter": "filter",
    "show_filters": "show_filters",
    "phase": "phase",
}


class TraversalCanvas(anywidget.AnyWidget):
    """The drawing: header + binary geometry in (written only from the widget's state), ``step``/``loop``/
    ``show_coverage`` back when the learner pauses, scrubs or ticks a box in the browser."""

    _esm = _HERE / "traversal.js"
    _css = _HERE / "traversal.css"
    header = traitlets.Dict().tag(sync=True)
    origins = traitlets.Bytes(b"").tag(sync=True)
    offsets = traitlets.Bytes(b"").tag(sync=True)
    coverage = traitlets.Bytes(b"").tag(sync=True)
    texts = traitlets.Bytes(b"").tag(sync=True)
    depth = traitlets.Bytes(b"").tag(sync=True)
    step = traitlets.Int(0).tag(sync=True)
    filter = traitlets.Int(0).tag(sync=True)
    show_filters = traitlets.Bool(False).tag(sync=True)
    phase = traitlets.Unicode("depthwise").tag(sync=True)
    speed = traitlets.Float(4.0).tag(sync=True)
    loop = traitlets.Bool(False).tag(sync=True)
    show_coverage = traitlets.Bool(False).tag(sync=True)


def _auto_speed(num_steps: int) -> float:
    """Steps per second so a run takes about 10 s (2 to 60 steps/s)."""
    return float(min(60, max(2, round(num_steps / 10))))


class _Setting(traitlets.TraitType):  # type: ignore[type-arg]
    """A setting of the widget: reading gives the state's value, assigning goes through the widget's one change
    path (a refused value never raises: it leaves the state and shows the message)."""

    info_text = "a KernelTraversal setting"

    def get(self, obj: Any, cls: Any = None) -> Any:
        return obj._state.value(self.name)

    def set(self, obj: Any, value: Any) -> None:
        obj._change({self.name: value}, (self.name,), source="attribute")


class KernelTraversal(ipywidgets.VBox):  # type: ignore[misc]
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
        ``None``, ``True`` (small integer demo values, a bias included) or ``(x, kernel)`` / ``(x, kernel, bias)``
        arrays of finite real numbers in Keras' layouts: shows input values, kernel weights and each step's
        multiply-sum, computed by :func:`convkit.convolve` / :func:`convkit.pool`. The output cells are the
        layer's output (bias included); with a bias the sum line ends ``… + bias b = value``.
    coverage
        ``True``/``False``: mark the input cells the layer never reads.
    step
        The step shown first (0-based).
    speed, loop
        Playback speed in steps per second (``None``: about 10 s per run), and whether playback restarts.
    kind, depth_multiplier, groups
        What :meth:`from_layer` reads from a layer: ``"depthwise"`` or ``"separable"`` (its depthwise part)
        convolutions with their ``depth_multiplier``, and Keras' ``groups``.
    filter, show_filters
        The depth view (under the grids): the input as its ``in_channels`` planes with the kernel as one cuboid
        through the channels it reads, and the output planes. ``filter`` is the output plane being computed
        (0-based; depthwise: plane ``channel·depth_multiplier + k``); ``show_filters=True`` shows every filter
        making its own plane. In numbers mode it says each channel's multiply-sum, then the bias
        (:meth:`Payload.depth_sentence`, also read out by screen readers).
    phase
        A separable convolution's phase in the depth view: ``"depthwise"`` (each channel its own kernel) or
        ``"pointwise"`` (the 1×1 kernel mixing every depthwise output at the cell into each filter).

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
    >>> w.payload.step_sentence(5)    # what the widget and the exported pictures say at step 6
    'kernel 3×3 · step 6/169 · output[0, 5] reads rows 0–2, cols 10–12'

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
    strides = _Setting(help="strides per axis; None = Keras' default")
    padding = _Setting(help='"valid", "same", "causal" (1-D) or per-axis (before, after) pairs')
    dilation_rate = _Setting(help="dilation per axis")
    operation = _Setting(help='"conv", "max" or "average"')
    in_channels = _Setting(help="input channels")
    filters = _Setting(help="filters (output channels of a convolution)")
    kind = _Setting(help='"conv", "depthwise" or "separable" (depthwise part)')
    depth_multiplier = _Setting(help="depthwise kernels per input channel")
    groups = _Setting(help="channel groups of a grouped convolution (Keras' groups)")
    numbers = _Setting(help="None, True or (x, kernel)")
    coverage = _Setting(help="mark never-read input cells (True/False)")
    step = _Setting(help="current step (0-based)")
    speed = _Setting(help=f"steps per second ({MIN_SPEED:g} to {MAX_SPEED:g}); None = automatic")
    loop = _Setting(help="restart playback at the end (True/False)")
    filter = _Setting(help="output plane being computed (0-based)")
    show_filters = _Setting(help="depth view: every filter making its own output plane (True/False)")
    phase = _Setting(help='separable convolution in the depth view: "depthwise" or "pointwise"')
    message = traitlets.Unicode("", read_only=True, help="why the last change was refused ('' when accepted)")

    def __init__(
        self,
        input_size: Any = (7, 7),
        kernel_size: Any = 3,
        strides: Any = None,
        padding: Any = "valid",
        dilation_rate: Any = 1,
        *,
        in_channels: int = 1,
        filters: int = 1,
        operation: str = "conv",
        numbers: Any = None,
        coverage: bool = False,
        step: int = 0,
        speed: float | None = None,
        loop: bool = False,
        kind: str = "conv",
        depth_multiplier: int = 1,
        groups: int = 1,
        filter: int = 0,
        show_filters: bool = False,
        phase: str = "depthwise",
        **kwargs: Any,
    ) -> None:
        settings = dict(
            input_size=input_size,
            kernel_size=kernel_size,
            strides=strides,
            padding=padding,
            dilation_rate=dilation_rate,
            in_channels=in_channels,
            filters=filters,
            operation=operation,
            numbers=numbers,
            coverage=coverage,
            step=step,
            speed=speed,
            loop=loop,
            kind=kind,
            depth_multiplier=depth_multiplier,
            groups=groups,
            filter=filter,
            show_filters=show_filters,
            phase=phase,
        )
        self._state: TraversalState = initial_state(settings)
        self._canvas = TraversalCanvas()
        self._note = ipywidgets.HTML(layout=ipywidgets.Layout(min_height="0")).add_class("ck-widget-message")
        self._controls = TraversalControls(
            lambda changes, asked: self._change(changes, asked, source="control"), self._show_invalid
        )
        # the message right under the fields it is about, above the picture
        super().__init__(children=[self._controls.box, self._note, self._canvas], **kwargs)
        self.add_class("convkit-widget")
        self.add_class("convkit-traversal-box")
        self._push(None)
        self._canvas.observe(self._from_browser, list(_FROM_BROWSER))

    # -- public ----------------------------------------------------------------------------------------
    @property
    def traversal(self) -> Traversal:
        """The core's :class:`~convkit.core.traversal.Traversal` of the current settings."""
        return self._state.params.traversal

    @property
    def payload(self) -> Payload:
        """What the browser draws from (read-only): ``header``, binary arrays (:meth:`Payload.array`), and the
        sentences the browser writes for a step (:meth:`Payload.step_sentence`, :meth:`Payload.sum_sentence`)."""
        return self._state.payload

    @property
    def controls(self) -> TraversalControls:
        """The parameter controls (the fields a learner types into)."""
        return self._controls

    @property
    def output_shape(self) -> tuple[int, ...]:
        """Output spatial size and depth, without batch: e.g. ``(13, 13, 32)``."""
        return (*self.traversal.output_size, self._state.params.output_depth)

    @property
    def num_steps(self) -> int:
        return self._state.num_steps

    def update(self, changes: dict[str, Any] | None = None, **kw: Any) -> bool:
        """Change several settings at once (e.g. ``w.update(input_size=12, kernel_size=5)``).

        Returns ``True`` when applied; otherwise shows the reason in :attr:`message`, keeps the picture and
        returns ``False`` (never raises for a learner's invalid combination; an unknown name is a ``TypeError``).
        """
        changes = {**(changes or {}), **kw}
        unknown = set(changes) - set(SETTINGS)
        if unknown:
            raise TypeError(f"update() accepts {', '.join(SETTINGS)}. Received: {sorted(map(str, unknown))}")
        return self._change(changes, tuple(changes), source="update")

    def arithmetic(self, step: int | None = None, filter: int = 0, *, phase: str | None = None) -> StepArithmetic:
        """The arithmetic of one step across the depth, in numbers mode: one partial multiply-sum per input
        channel that ``filter`` reads, then its bias, equal to the output cell (:func:`convkit.convolve`'s).

        Parameters
        ----------
        step
            The step (0-based); ``None``: the step shown now.
        filter
            The output plane: a filter (depthwise and a separable's depthwise phase: plane ``c·M + m``;
            pooling: the channel).
        phase
            Separable only: ``"depthwise"`` or ``"pointwise"`` (the 1×1 step mixing every depthwise output, with
            the layer's bias; needs its pointwise weights); ``None``: the phase the depth view shows.

        Returns
        -------
        StepArithmetic
            Frozen; ``str()`` is the sentence the widget says and the export writes.

        Raises
        ------
        ValueError
            Outside numbers mode, or for a step, filter or phase out of range.

        Examples
        --------
        >>> import convkit, numpy as np
        >>> x = np.arange(4 * 4 * 2.0).reshape(4, 4, 2)              # 4×4 input, 2 channels
        >>> kernel = np.ones((3, 3, 2, 3))                             # depth 2, 3 filters
        >>> w = convkit.KernelTraversal((4, 4), 3, in_channels=2, filters=3, numbers=(x, kernel, [0, 1, 2]))
        >>> a = w.arithmetic(0, filter=2)
        >>> a.channels, a.bias, a.value
        ((90.0, 99.0), 2.0, 191.0)
        >>> print(a)
        output[0, 0], filter 2 = channel 0: 90 + channel 1: 99 + bias 2 = 191
        """
        from ..core.step_arithmetic import step_arithmetic
        from ._traversal_state import check_step
        from ._traversal_values import check_numbers

        s, params = self._state, self._state.params
        values = s.payload.values
        numbers = check_numbers(s.numbers, params) if values is None else values
        if numbers is None:
            raise ValueError(
                "arithmetic() needs the numbers: turn numbers on: numbers=True (demo values) or "
                "numbers=(x, kernel) / (x, kernel, bias) in Keras' layouts. Received: numbers=None"
            )
        step_i = s.step if step is None else check_step(step, s.num_steps)
        separable = params.kind == "separable" and not params.is_pool
        if phase is not None and not separable:
            raise ValueError(f"`phase` is for separable convolutions only. Received: phase={phase!r}")
        if phase is None:  # the phase the depth view shows (depthwise until the widget has a phase setting)
            phase = getattr(s, "phase", None) if separable else None
        phase = phase or "depthwise"
        if phase not in ("depthwise", "pointwise"):
            raise ValueError(f'`phase` must be "depthwise" or "pointwise". Received: phase={phase!r}')
        c, m = params.in_channels, params.depth_multiplier
        planes = c if params.is_pool else params.filters if params.kind == "conv" or phase == "pointwise" else c * m
        if isinstance(filter, bool) or not isinstance(filter, numbers_.Integral) or not 0 <= filter < planes:
            raise ValueError(
                f"`filter` must be an integer from 0 to {planes - 1}: this layer computes {planes} output planes "
                f"here. Received: filter={filter!r}"
            )
        return step_arithmetic(
            self.traversal,
            numbers.x,
            numbers.kernel,
            step=step_i,
            filter=int(filter),
            kind=params.kind,
            groups=params.groups,
            bias=numbers.bias,
            pointwise=numbers.pointwise,
            phase=phase,
            operation=params.operation,
        )

    def save(self, path: Any, view: str | None = None, **kwargs: Any) -> pathlib.Path:
        """Export the current settings: a GIF of the run, or a PNG/SVG of the current step.

        ``view="grid"``: the kernel over the input grid. A GIF has every step up to 60, else 60 representative
        ones (``steps="all"`` gives every step, or pass a range or list of steps). The frames say what the widget
        says at those steps. Keyword arguments go to :func:`convkit.render.export.save_traversal` (``steps``,
        ``fps``, ``dpi``, ``theme``, ``progress`` ...).
        ``view="depth"``: the depth view (every channel plane, the kernel's cuboid, the output planes of
        :attr:`filter` and its sentence; ``steps``, ``fps``, ``dpi``, ``theme`` as above).
        ``view=None`` (default): the depth view when the layer has depth (more than one input channel or output
        plane, or a depthwise, separable or grouped convolution), else the grid: :attr:`default_view`.

        >>> import convkit, tempfile, pathlib
        >>> w = convkit.KernelTraversal((8, 8), 3, in_channels=3, filters=4)
        >>> w.default_view, KernelTraversal((8, 8), 3).default_view
        ('depth', 'grid')
        >>> w.save(pathlib.Path(tempfile.mkdtemp()) / "depth.png").suffix
        '.png'
        """
        from ..render.export import save_traversal

        path = pathlib.Path(path)
        if view is None:
            view = self.default_view
        if view == "depth":
            return self._save_depth(path, **kwargs)
        if view != "grid":
            raise ValueError(
                f'`view` must be None (the default picture), "grid" (the kernel over the input) or "depth". '
                f"Received: view={view!r}"
            )
        options = self._render_options()
        if path.suffix.lower() != ".gif":
            options["step"] = self.step
        options.update(kwargs)
        result = save_traversal(self.traversal, path, **options)
        return pathlib.Path(result) if result is not None else path

    @property
    def default_view(self) -> str:
        """The picture :meth:`save` and the static output show by default: ``"depth"`` when the layer has depth
        (``in_channels`` > 1, more than one output plane, or a depthwise, separable or grouped convolution),
        else ``"grid"``.

        >>> KernelTraversal((8, 8), 3, in_channels=1, filters=1).default_view
        'grid'
        """
        p = self._state.params
        deep = p.in_channels > 1 or p.output_depth > 1 or p.groups > 1 or (not p.is_pool and p.kind != "conv")
        return "depth" if deep else "grid"

    def _depth_options(self) -> dict[str, Any]:
        """The step, output plane and all-filters box the depth view shows now (its export draws the same)."""
        depth = self._state.payload.depth
        assert depth is not None
        options: dict[str, Any] = {"step": self.step, "plane": self.filter, "all_filters": self.show_filters}
        if depth.kind == "pointwise" and self.filter >= depth.output_depth:
            options["plane"] = depth.output_depth - 1
        return options

    def _save_depth(self, path: pathlib.Path, **kwargs: Any) -> pathlib.Path:
        from ..render._traversal_depth_draw import save_depth

        depth = self._state.payload.depth
        if depth is None:
            raise ValueError(f"These settings are too large to draw: {self._state.payload.header['too_large']}")
        options = self._depth_options()
        options.update({k: v for k, v in kwargs.items() if k != "progress"})
        return save_depth(depth, path, **options)

    # -- the one change path -------------------------------------------------------------------------
    def _change(self, changes: dict[str, Any], asked: tuple[str, ...], *, source: str) -> bool:
        """Apply ``changes`` (``asked``: the ones the learner set; a note names the others that moved).

        ``source`` is ``"attribute"``, ``"update"``, ``"control"`` or ``"browser"``: an accepted edit clears the
        last refusal's message, except an assignment that changes nothing and the browser's own step or boxes.
        """
        try:
            new, note = advance(self._state, dict(changes), asked)
        except (ValueError, TypeError, ArithmeticError) as err:
            self._refuse(err, changes)
            return False
        old, self._state = self._state, new
        changed = [name for name in SETTINGS if new.differs(old, name)]
        if source in ("update", "control") or (source == "attribute" and changed):
            self._show_invalid("")
        for name in changed:
            self._notify_trait(name, old.value(name), new.value(name))
        self._push(old)
        self._info(note)
        return True

    def _from_browser(self, change: Any) -> None:
        """The browser paused or was scrubbed (``step``) or a view box was ticked."""
        name = _FROM_BROWSER[change["name"]]
        if change["new"] != self._state.value(name):
            self._change({name: change["new"]}, (name,), source="browser")

    def _refuse(self, err: Exception, changes: dict[str, Any]) -> None:
        """Keep the last valid state and say why ``changes`` were refused (the numbers and the limit)."""
        layer = {k: v for k, v in changes.items() if k in PARAMS}
        text = refusal(self._state.params, layer, err) if layer else str(err)
        self._show_invalid(text)
        self._push(self._state)  # the browser and the controls show the state again
        self._sync_controls(refused=True)

    def _show_invalid(self, text: str) -> None:
        """Show why a change (or a typed value) is not possible ('' clears it); the state stays as it is."""
        self.set_trait("message", text)
        shown = html.escape(text, quote=False)
        self._note.value = f'<span class="ck-error" role="alert">⚠ {shown}</span>' if text else ""

    def _info(self, text: str) -> None:
        """A note about a change the learner did not ask for but that follows from theirs (no error)."""
        if text:
            line = f'<div class="ck-note">ⓘ {html.escape(text[0].upper() + text[1:], quote=False)}.</div>'
            self._note.value = (self._note.value or "") + line

    def _sync_controls(self, refused: bool = False) -> None:
        s = self._state
        self._controls.sync(s.params, s.params.traversal.padding, s.payload.values is not None, refused=refused)

    def _push(self, old: TraversalState | None) -> None:
        """Write the state into the canvas: the payload once per change of it, the view settings always."""
        s, c = self._state, self._canvas
        with c.hold_sync():
            if old is None or s.payload is not old.payload:
                c.set_trait("header", s.payload.header)
                for name in BUFFERS:
                    c.set_trait(name, s.payload.buffers.get(name, b""))
            c.step = s.step
            c.speed = float(s.speed) if s.speed else _auto_speed(s.num_steps)
            c.loop = s.loop
            c.show_coverage = s.coverage
            c.filter = s.filter
            c.show_filters = s.show_filters
            c.phase = s.phase
        if old is None or s.params != old.params or s.payload is not old.payload:
            self._sync_controls()

    def _render_options(self) -> dict[str, Any]:
        """What the matplotlib renderer needs to draw the same picture (numbers: channel 0, filter 0, with the
        widget's outputs, bias and number format, so the export's cells and sum line are the widget's)."""
        from ..render._traversal_numbers import Numbers as DrawnNumbers

        values, params = self._state.payload.values, self._state.params
        numbers: Any = False
        if values is not None:
            x, kernel, t = values.x, values.kernel, self.traversal
            if kernel is None:
                numbers = DrawnNumbers(t, x[0, ..., 0], None, params.operation, whole=values.whole, output=values.y)
            else:
                reads = kernel.shape[-2] if params.kind == "conv" else 1  # filter 0 reads channels 0 … reads - 1
                xs, ks = (x[0, ..., :reads], kernel[..., 0]) if reads > 1 else (x[0, ..., 0], kernel[..., 0, 0])
                numbers = DrawnNumbers(
                    t, xs, ks, "conv", reads, bias=values.grid_bias, whole=values.whole, output=values.y
                )
        return {"numbers": numbers, "coverage": self.coverage, "operation": params.operation}

    # -- display ---------------------------------------------------------------------------------------
    def _png(self) -> bytes | None:
        """The static picture: the :attr:`default_view` of the current step (``None`` when too large to draw)."""
        payload = self._state.payload
        if payload.header.get("too_large"):
            return None
        if self.default_view == "depth" and payload.depth is not None:
            from ..render._traversal_depth_draw import depth_png_bytes

            return depth_png_bytes(payload.depth, **self._depth_options())
        from ..render.export import traversal_png_bytes

        return traversal_png_bytes(self.traversal, self.step, **self._render_options())

    def __repr__(self) -> str:
        return f"KernelTraversal({self._summary()})"

    def _summary(self) -> str:
        return f"{title_line(self._state.params)}; step {self.step + 1} of {self.num_steps}"

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
        h, t = self._state.payload.header, self.traversal
        depth = self._state.payload.depth
        if self.default_view == "depth" and depth is not None:
            plane = self._depth_options()["plane"]
            return (
                f"Kernel traversal depth view, step {self.step + 1} of {self.num_steps}. "
                f"{title_line(self._state.params)}. {h['depth']}. {depth.sentence(self.step, plane)}."
            )
        step = t.steps[self.step]
        out = step.output_index
        spans = [f"{o} to {o + k - 1}" for o, k in zip(step.origin, t.effective_kernel)]
        where = f"input rows {spans[0]}, columns {spans[1]}" if t.rank == 2 else f"input cells {spans[0]}"
        cell = f"({out[0]}, {out[1]})" if t.rank == 2 else str(out[0])
        unread = h.get("unread_cells", 0)
        seen = f" {unread:,} input cells are never read." if unread else " Every input cell is read at least once."
        pads = sum(tap.is_padding for tap in step.taps)
        on_pad = f" ({pads} of its {len(step.taps)} taps on padding)" if pads else ""
        return (
            f"Kernel traversal picture, step {self.step + 1} of {self.num_steps}. {title_line(self._state.params)}"
            f". The window covers {where}{on_pad} and writes output cell {cell}.{seen}"
        )

    # -- from a layer ----------------------------------------------------------------------------------
    @classmethod
    def from_layer(cls, layer: Any, input_shape: Any, **kwargs: Any) -> KernelTraversal:
        """The traversal of a convkit or Keras layer on ``input_shape`` (batch dimension optional).

        Reads ``layer.get_config()`` and the class name only (TensorFlow is never imported here);
        ``numbers="weights"`` shows a built Keras layer's own weights (``layer.get_weights()``: kernel, bias and a
        separable's pointwise kernel) on demo input values.
        Supported: Conv1D/2D, DepthwiseConv1D/2D, SeparableConv1D/2D (its depthwise part), Max/AveragePooling1D/2D;
        Conv1D/2D/3DTranspose and UpSampling1D/2D give a
        :class:`~convkit.widgets.transpose_traversal.TransposedKernelTraversal`.

        >>> import convkit
        >>> w = KernelTraversal.from_layer(convkit.layers.Conv2D(32, 3, strides=2), (None, 28, 28, 3))
        >>> w.output_shape
        (13, 13, 32)
        """
        from ._transpose_layers import is_transposed

        if is_transposed(layer):
            from .transpose_traversal import TransposedKernelTraversal

            return TransposedKernelTraversal.from_layer(layer, input_shape, **kwargs)
        settings = layer_settings(layer, input_shape)
        if isinstance(kwargs.get("numbers"), str) and kwargs["numbers"] == "weights":
            kwargs["numbers"] = layer_numbers(layer, settings)
        return cls(**settings, **kwargs)
