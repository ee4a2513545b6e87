"""The one state of a :class:`~convkit.widgets.traversal.KernelTraversal`, and the one path that changes it.

:class:`TraversalState` is an immutable value: the layer settings (:class:`TraversalParams`, normalised by the
core, with their traversal), the learner's ``numbers``, the view settings (``coverage``, ``step``, ``speed``,
``loop``), whether the stride follows Keras' default, and the :class:`Payload` made from them. Every change,
whatever it comes from (an attribute, :meth:`~KernelTraversal.update`, a control, the browser), goes through
:func:`advance`, which checks each value and either returns a new valid state or raises ``ValueError``/
``TypeError`` with convkit's message (the widget then keeps the old state and shows the message). So the widget's
traits are views of this value and can never disagree with each other or with the picture.
"""

from __future__ import annotations

import math
import numbers as _numbers
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..core.words import short_repr
from ._traversal_messages import implied_changes
from ._traversal_params import TraversalParams
from ._traversal_payload import Payload, build_payload

__all__ = ["MAX_SPEED", "MIN_SPEED", "PARAMS", "SETTINGS", "TraversalState", "advance", "initial_state"]

#: Playback speeds the widget accepts, in steps per second (the same bounds as its speed field).
MIN_SPEED, MAX_SPEED = 0.25, 5000.0
#: Settings of the layer (they change the picture's geometry).
PARAMS = (
    "input_size",
    "kernel_size",
    "strides",
    "padding",
    "dilation_rate",
    "operation",
    "in_channels",
    "filters",
    "kind",
    "depth_multiplier",
    "groups",
)
#: Every setting a learner can change, layer and view.
SETTINGS = (*PARAMS, "numbers", "coverage", "step", "speed", "loop", "filter", "show_filters", "phase")


@dataclass(frozen=True)
class TraversalState:
    """Valid settings of a kernel traversal picture and the payload drawn from them."""

    params: TraversalParams
    numbers: Any
    default_strides: bool
    coverage: bool
    step: int
    speed: float | None
    loop: bool
    payload: Payload
    filter: int = 0
    show_filters: bool = False
    phase: str = "depthwise"

    @property
    def num_steps(self) -> int:
        return int(self.params.traversal.num_steps)

    def value(self, name: str) -> Any:
        """The current value of setting ``name`` (see :data:`SETTINGS`)."""
        return getattr(self.params, name) if name in PARAMS else getattr(self, name)

    def differs(self, other: TraversalState, name: str) -> bool:
        a, b = self.value(name), other.value(name)
        return a is not b if name == "numbers" else bool(a != b)


def check_step(value: Any, num_steps: int) -> int:
    """A step index ``0 <= step < num_steps`` (an integer, numpy's too), or a refusal naming the value."""
    if isinstance(value, bool) or not isinstance(value, _numbers.Integral) or not 0 <= int(value) < num_steps:
        raise ValueError(
            f"`step` must be an integer from 0 to {num_steps - 1} (this traversal has {num_steps} "
            f"steps). Received: step={short_repr(value)}"
        )
    return int(value)


def check_filter(value: Any, planes: int) -> int:
    """The output plane being computed: ``0 <= filter < planes`` (an integer, numpy's too)."""
    if isinstance(value, bool) or not isinstance(value, _numbers.Integral) or not 0 <= int(value) < planes:
        raise ValueError(
            f"`filter` must be an integer from 0 to {planes - 1}: the output plane being computed (this layer "
            f"makes {planes} output planes). Received: filter={short_repr(value)}"
        )
    return int(value)


#: The phases of a separable convolution the depth view shows (other kinds have only the first).
PHASES = ("depthwise", "pointwise")


def check_phase(value: Any) -> str:
    """``"depthwise"`` or ``"pointwise"`` (a separable convolution's two phases)."""
    if not isinstance(value, str) or value not in PHASES:
        raise ValueError(
            "`phase` must be 'depthwise' (each channel its own kernel) or 'pointwise' (the 1×1 kernel mixing the "
            f"depthwise outputs) of a separable convolution. Received: phase={short_repr(value)}"
        )
    return value


def output_planes(state_payload: Payload) -> int:
    """How many output planes the depth view draws (its filter control's range)."""
    depth = state_payload.depth
    return depth.output_depth if depth is not None else 1


def check_speed(value: Any) -> float | None:
    """``None`` (about 10 s per run) or a number of steps per second from MIN_SPEED to MAX_SPEED."""
    if value is None:
        return None
    speed = math.nan
    if isinstance(value, (bool, np.bool_)):
        pass
    elif isinstance(value, _numbers.Integral):
        whole = int(value)
        speed = float(whole) if abs(whole) <= MAX_SPEED else math.nan
    elif isinstance(value, _numbers.Real):
        try:
            speed = float(value)
        except (OverflowError, ValueError, TypeError):
            speed = math.nan
    if not MIN_SPEED <= speed <= MAX_SPEED:
        raise ValueError(
            f"`speed` must be None (about 10 s per run) or a number of steps per second from "
            f"{MIN_SPEED:g} to {MAX_SPEED:g}. Received: speed={short_repr(value)}"
        )
    return speed


def check_flag(value: Any, name: str, what: str) -> bool:
    """``True`` or ``False`` (numpy's too); anything else, ``1`` included, is refused."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise TypeError(f"`{name}` must be True or False ({what}). Received: {name}={short_repr(value)}")


_FLAGS = {
    "coverage": "mark the never-read input cells",
    "loop": "restart playback at the end",
    "show_filters": "show every filter making its own output plane",
}


def initial_state(settings: dict[str, Any]) -> TraversalState:
    """The state of a new widget; raises ``ValueError``/``TypeError`` for any bad setting."""
    params = TraversalParams.create(**{name: settings[name] for name in PARAMS})
    phase = check_phase(settings.get("phase", "depthwise"))
    payload = build_payload(params, settings["numbers"], phase=phase)
    return TraversalState(
        params,
        settings["numbers"],
        settings["strides"] is None,
        check_flag(settings["coverage"], "coverage", _FLAGS["coverage"]),
        check_step(settings["step"], params.traversal.num_steps),
        check_speed(settings["speed"]),
        check_flag(settings["loop"], "loop", _FLAGS["loop"]),
        payload,
        check_filter(settings.get("filter", 0), output_planes(payload)),
        check_flag(settings.get("show_filters", False), "show_filters", _FLAGS["show_filters"]),
        phase,
    )


def _params(state: TraversalState, changes: dict[str, Any]) -> tuple[TraversalParams, bool]:
    """New params and whether the stride stays at Keras' default (an explicit stride fixes it, None frees it)."""
    layer = {name: changes[name] for name in PARAMS if name in changes}
    if "strides" in layer:
        default = layer["strides"] is None
    else:
        default = state.default_strides
        if default and layer:
            layer["strides"] = None  # recomputed for the new operation / pool size
    if not layer:
        return state.params, default
    return state.params.replace(**layer), default


def advance(
    state: TraversalState, changes: dict[str, Any], asked: tuple[str, ...] | None = None
) -> tuple[TraversalState, str]:
    """The state after ``changes`` and a note on what followed from them ('' when nothing did): the settings
    that moved although the learner did not set them (``asked``: the ones they set; default all of ``changes``).

    Raises ``TypeError`` for an unknown setting, ``ValueError``/``TypeError`` for a refused value.
    """
    unknown = set(changes) - set(SETTINGS)
    if unknown:
        raise TypeError(
            f"KernelTraversal has the settings {', '.join(SETTINGS)}. Received: {', '.join(sorted(map(str, unknown)))}"
        )
    params, default = _params(state, changes)
    numbers = changes.get("numbers", state.numbers)
    payload = state.payload
    phase = check_phase(changes["phase"]) if "phase" in changes else state.phase
    if params != state.params or numbers is not state.numbers or phase != state.phase:
        payload = build_payload(params, numbers, phase=phase)
    wanted = {name: changes[name] for name in (changes if asked is None else asked) if name in changes}
    notes = [implied_changes(state.params, params, wanted)] if params != state.params else []
    n = params.traversal.num_steps
    if "step" in changes:
        step = check_step(changes["step"], n)
    else:
        step = min(state.step, n - 1)
        if step != state.step:
            notes.append(
                f"step {state.step + 1} is past the last step of these settings ({n} steps): "
                f"showing step {step + 1}, the last"
            )
    planes = output_planes(payload)
    if "filter" in changes:
        filter_ = check_filter(changes["filter"], planes)
    else:
        filter_ = min(state.filter, planes - 1)
        if filter_ != state.filter:
            notes.append(f"filter {state.filter} is past the last output plane ({planes}): showing filter {filter_}")
    new = replace(
        state,
        filter=filter_,
        phase=phase,
        show_filters=check_flag(changes["show_filters"], "show_filters", _FLAGS["show_filters"])
        if "show_filters" in changes
        else state.show_filters,
        params=params,
        numbers=numbers,
        default_strides=default,
        payload=payload,
        step=step,
        coverage=check_flag(changes["coverage"], "coverage", _FLAGS["coverage"])
        if "coverage" in changes
        else state.coverage,
        loop=check_flag(changes["loop"], "loop", _FLAGS["loop"]) if "loop" in changes else state.loop,
        speed=check_speed(changes["speed"]) if "speed" in changes else state.speed,
    )
    return new, "; ".join(note for note in notes if note)
