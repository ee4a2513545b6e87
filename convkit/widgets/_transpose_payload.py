"""The transposed widget's one state and what the browser draws from it.

:func:`initial_state` normalises the settings and builds the :class:`~convkit.render._transpose_model.TransposeModel`;
:func:`advance` is the one change path (a refused change raises ``ValueError``/``TypeError`` and the caller keeps
the old state). The payload is a JSON header (sizes, sentences, the step templates) plus binary arrays, sent once
per change of the settings; playback runs in the browser.
"""

from __future__ import annotations

import math
import numbers as _numbers
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core.args import check_positive_int, normalize_tuple
from ..core.layers import Conv1DTranspose, Conv2DTranspose, Conv3DTranspose, UpSampling1D, UpSampling2D
from ..render._transpose_model import MAX_NUMBER_CELLS, TransposeModel, build_model
from ..render.style import DARK, LIGHT
from ..render.transpose_traversal import overlap_colours
from ..render.transpose_words import (
    TEMPLATES,
    VIEW_NAMES,
    crop_sentence,
    depth_sentence,
    filter_reset,
    overlap_sentence,
    title_sentence,
)

__all__ = ["SETTINGS", "TransposeState", "initial_state", "advance", "BUFFERS"]

SETTINGS = (
    "input_size",
    "kernel_size",
    "strides",
    "padding",
    "output_padding",
    "dilation_rate",
    "in_channels",
    "filters",
    "numbers",
    "view",
    "step",
    "speed",
    "loop",
    "operation",
    "interpolation",
    "show_overlap",
    "depth_slice",
    "filter",
)
#: Settings that change the picture's geometry or numbers (a change rebuilds the payload).
_MODEL = frozenset(SETTINGS) - {"view", "step", "speed", "loop", "show_overlap"}
BUFFERS = ("targets", "overlap", "x", "contrib", "grid", "output", "parts")
MAX_SPEED = 120.0


@dataclass(frozen=True, slots=True, eq=False)
class TransposeState:
    settings: dict[str, Any]
    model: TransposeModel
    header: dict[str, Any] = field(default_factory=dict)
    buffers: dict[str, bytes] = field(default_factory=dict)

    def value(self, name: str) -> Any:
        return self.settings[name]

    @property
    def num_steps(self) -> int:
        m = self.model
        return math.prod(m.output_size) if self.settings["view"] == "direct" else m.num_steps


def _rank(input_size: Any) -> int:
    if isinstance(input_size, _numbers.Integral) and not isinstance(input_size, bool):
        return 1
    if isinstance(input_size, (tuple, list)) and 1 <= len(input_size) <= 3:
        return len(input_size)
    raise ValueError(
        f"`input_size` must be an int (1-D) or a tuple of 1 to 3 spatial sizes, e.g. (13, 13). "
        f"Received: input_size={input_size!r}"
    )


def _choice(value: Any, name: str, options: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value.lower() not in options:
        raise ValueError(f"`{name}` must be one of {', '.join(map(repr, options))}. Received: {name}={value!r}")
    return value.lower()


def _layer(s: dict[str, Any]) -> Any:
    """The convkit layer spec of the settings (its explain() gives the formula line)."""
    rank = len(s["input_size"])
    if s["operation"] == "upsample":
        if rank == 1:
            return UpSampling1D(s["strides"][0])
        return UpSampling2D(s["strides"], interpolation=s["interpolation"])
    cls = (Conv1DTranspose, Conv2DTranspose, Conv3DTranspose)[rank - 1]
    return cls(
        s["filters"],
        s["kernel_size"],
        strides=s["strides"],
        padding=s["padding"],
        output_padding=s["output_padding"],
        dilation_rate=s["dilation_rate"],
    )


def _normalise(raw: dict[str, Any]) -> dict[str, Any]:
    s = dict(raw)
    rank = _rank(s["input_size"])
    s["operation"] = _choice(s["operation"], "operation", ("conv", "upsample"))
    s["interpolation"] = _choice(s["interpolation"], "interpolation", ("nearest", "bilinear"))
    s["input_size"] = normalize_tuple(s["input_size"], rank, "input_size")
    s["strides"] = normalize_tuple(s["strides"], rank, "strides")
    if s["operation"] == "upsample":
        if rank == 3:
            raise ValueError(
                f"Upsampling is drawn in 1-D and 2-D (UpSampling1D/2D). Received: input_size={s['input_size']}"
            )
        if rank == 1 and s["interpolation"] == "bilinear":
            raise ValueError(
                "UpSampling1D only repeats (nearest); bilinear weights are UpSampling2D's. Use interpolation="
                f'"nearest" or a 2-D input. Received: interpolation={raw["interpolation"]!r}'
            )
        # the size is the stride; the kernel of nearest copies is a ones kernel of the same size
        s.update(kernel_size=s["strides"], padding="valid", output_padding=None, dilation_rate=(1,) * rank)
    else:
        s["interpolation"] = "nearest"
        s["kernel_size"] = normalize_tuple(s["kernel_size"], rank, "kernel_size")
        s["dilation_rate"] = normalize_tuple(s["dilation_rate"], rank, "dilation_rate")
        s["padding"] = _choice(s["padding"], "padding", ("valid", "same"))
        if s["output_padding"] is not None:
            s["output_padding"] = normalize_tuple(s["output_padding"], rank, "output_padding", allow_zero=True)
    s["in_channels"] = check_positive_int(s["in_channels"], "in_channels")
    s["filters"] = check_positive_int(s["filters"], "filters")
    s["view"] = _choice(s["view"], "view", ("scatter", "direct"))
    for name in ("loop", "show_overlap"):
        if not isinstance(s[name], bool):
            raise TypeError(f"`{name}` must be True or False. Received: {name}={s[name]!r}")
    if s["speed"] is not None:
        if (
            isinstance(s["speed"], bool)
            or not isinstance(s["speed"], _numbers.Real)
            or not 0.5 <= float(s["speed"]) <= MAX_SPEED
        ):
            raise ValueError(
                f"`speed` must be None (automatic) or a number of steps per second from 0.5 to {MAX_SPEED:g}. "
                f"Received: speed={s['speed']!r}"
            )
        s["speed"] = float(s["speed"])
    if isinstance(s["depth_slice"], bool) or not isinstance(s["depth_slice"], _numbers.Integral):
        raise TypeError(f"`depth_slice` must be an int. Received: depth_slice={s['depth_slice']!r}")
    depth_slice = s["depth_slice"] = int(s["depth_slice"])
    if rank == 3 and not 0 <= depth_slice < s["input_size"][0]:
        raise ValueError(
            f"`depth_slice` picks an input depth plane: 0 to {s['input_size'][0] - 1}. "
            f"Received: depth_slice={s['depth_slice']!r}"
        )
    planes = s["filters"] if s["operation"] == "conv" else s["in_channels"]
    if isinstance(s["filter"], bool) or not isinstance(s["filter"], _numbers.Integral):
        raise TypeError(f"`filter` must be an int. Received: filter={s['filter']!r}")
    if not 0 <= int(s["filter"]) < planes:
        what = f"filters={planes}" if s["operation"] == "conv" else f"in_channels={planes} (upsampling copies each)"
        raise ValueError(
            f"`filter` picks the output plane drawn: 0 to {planes - 1} for {what}. Received: filter={s['filter']!r}"
        )
    s["filter"] = int(s["filter"])
    return s


def _demo_numbers(s: dict[str, Any]) -> tuple[np.ndarray, np.ndarray | None]:
    """Small whole numbers: input 1..4, kernel -1..1 (every sum readable)."""
    n = math.prod(s["input_size"]) * s["in_channels"]
    x = (np.arange(n) % 4 + 1).astype(np.float64).reshape(*s["input_size"], s["in_channels"])
    if s["operation"] == "upsample":
        return x, None
    m = math.prod(s["kernel_size"]) * s["filters"] * s["in_channels"]
    kernel = (np.arange(m) % 3 - 1).astype(np.float64).reshape(*s["kernel_size"], s["filters"], s["in_channels"])
    return x, kernel


def _check_numbers(s: dict[str, Any]) -> tuple[np.ndarray, Any] | None:
    value = s["numbers"]
    if value is None or value is False:
        return None
    if len(s["input_size"]) == 3:
        raise ValueError(
            "Numbers are drawn for 1-D and 2-D layers; a Conv3DTranspose is drawn one plane at a time without "
            f"numbers. Use numbers=None. Received: numbers={type(value).__name__}"
        )
    if value is True:
        x, kernel = _demo_numbers(s)
    else:
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            raise TypeError(
                "`numbers` must be None, True or (x, kernel): x of shape (*input_size, in_channels), kernel of "
                f"shape (*kernel_size, filters, in_channels) (None for upsampling). Received: numbers={value!r}"
            )
        x = np.asarray(value[0], dtype=np.float64)
        want = (*s["input_size"], s["in_channels"])
        if x.shape == (1, *want):
            x = x[0]
        if x.shape != want:
            raise ValueError(
                f"`numbers` x must have shape {want} (input_size, in_channels). Received: x.shape={x.shape}"
            )
        kernel = None
        if s["operation"] == "conv":
            if value[1] is None:
                raise TypeError("A transposed convolution needs a kernel in numbers=(x, kernel). Received: kernel=None")
            kernel = np.asarray(value[1], dtype=np.float64)
            kwant = (*s["kernel_size"], s["filters"], s["in_channels"])
            if kernel.shape != kwant:
                raise ValueError(
                    f"`numbers` kernel must have Keras' transposed layout (*kernel_size, filters, in_channels) = "
                    f"{kwant}. Received: kernel.shape={kernel.shape}"
                )
        if not np.all(np.isfinite(x)) or (kernel is not None and not np.all(np.isfinite(kernel))):
            raise ValueError("`numbers` must hold finite numbers (no nan or inf). Received: numbers with nan/inf")
    return x, kernel


def _build(raw: dict[str, Any]) -> TransposeState:
    s = _normalise(raw)
    layer = _layer(s)  # the layer spec refuses what Keras refuses (output_padding >= strides, ...)
    shape = (None, *s["input_size"], s["in_channels"])
    explanation = layer.explain(shape)
    numbers = _check_numbers(s)

    def model_of(numbers: tuple[np.ndarray, Any] | None) -> TransposeModel:
        return build_model(
            s["input_size"],
            s["kernel_size"],
            s["strides"],
            s["padding"],
            s["output_padding"],
            s["dilation_rate"],
            operation=s["operation"],
            interpolation=s["interpolation"],
            numbers=numbers,
            depth_slice=s["depth_slice"],
            plane=s["filter"],
        )

    model = model_of(None)  # the geometry first: the numbers' size is checked before any is computed
    if numbers is not None:
        if math.prod(model.grid_size) > MAX_NUMBER_CELLS:
            raise ValueError(
                f"Numbers are drawn for at most {MAX_NUMBER_CELLS} output cells (a 32×32 grid); this output has "
                f"{math.prod(model.grid_size):,}. Use a smaller input, or numbers=None. "
                f"Received: input_size={s['input_size']}"
            )
        model = model_of(numbers)
    if s["view"] == "direct" and not model.has_direct:
        raise ValueError(
            "The zero-stuffed view is a plain convolution with one kernel; bilinear weights change at the "
            'borders, so bilinear upsampling has the scatter view only. Use view="scatter" or '
            f'interpolation="nearest". Received: view={raw["view"]!r}'
        )
    header, buffers = _payload(s, model, str(explanation).splitlines())
    state = TransposeState(s, model, header, buffers)
    step = s["step"]
    if isinstance(step, bool) or not isinstance(step, _numbers.Integral) or not 0 <= int(step) < state.num_steps:
        raise ValueError(
            f"`step` must be an int from 0 to {state.num_steps - 1} ({state.num_steps} steps in the "
            f"{VIEW_NAMES[s['view']]} view). Received: step={s['step']!r}"
        )
    s["step"] = int(step)
    return state


def _payload(s: dict[str, Any], m: TransposeModel, formula: list[str]) -> tuple[dict[str, Any], dict[str, bytes]]:
    t = m.traversal
    drawn = slice(1, 3) if m.full_rank == 3 else slice(0, m.rank)
    header: dict[str, Any] = {
        "rank": m.rank,
        "input_size": list(m.input_size),
        "output_size": list(m.output_size),
        "grid_size": list(m.grid_size),
        "crop_before": list(m.crop_before),
        "kernel_size": list(m.kernel_size),
        "widths": [int(tab.shape[1]) for tab in m.targets],
        "operation": m.operation,
        "interpolation": m.interpolation,
        "has_direct": m.has_direct,
        "title": title_sentence(m, s["in_channels"], s["filters"], s["filter"]),
        "crop": crop_sentence(m),
        "overlap_text": overlap_sentence(m),
        "depth_text": depth_sentence(m),
        "formula": [line for line in formula if line.strip()],
        "templates": TEMPLATES,
        "view_names": VIEW_NAMES,
        "overlap_max": int(m.grid_overlap.max()),
        "colours": {"light": LIGHT.as_dict(), "dark": DARK.as_dict()},
        "overlap_colours": {"light": overlap_colours("light"), "dark": overlap_colours("dark")},
        "numbers": m.values is not None,
    }
    if t is not None:
        header.update(
            strides=list(t.strides[drawn]),
            dilation=list(t.dilation_rate[drawn]),
            stuffed_size=list(t.stuffed_size[drawn]),
            direct_padding=[list(p) for p in t.direct_padding[drawn]],
        )
    buffers = {
        "targets": np.concatenate([tab.ravel() for tab in m.targets]).astype("<i4").tobytes(),
        "overlap": m.grid_overlap.astype("<i4").tobytes(),
    }
    if m.values is not None:
        v = m.values
        header["whole"] = bool(all(np.all(np.mod(v[k], 1) == 0) for k in ("x", "contrib")))
        header["channels"] = int(v["parts"].shape[-1])
        buffers.update(
            {k: np.ascontiguousarray(v[k], dtype="<f8").tobytes() for k in ("x", "contrib", "grid", "output", "parts")}
        )
    return header, buffers


def initial_state(settings: dict[str, Any]) -> TransposeState:
    """The first state (raises ``ValueError``/``TypeError`` on bad settings)."""
    return _build(settings)


def advance(state: TransposeState, changes: dict[str, Any]) -> tuple[TransposeState, str]:
    """The state after ``changes`` and a note about what moved with them (raises when refused)."""
    unknown = set(changes) - set(SETTINGS)
    if unknown:
        raise TypeError(f"Unknown setting {sorted(unknown)}: the settings are {', '.join(SETTINGS)}.")
    raw = {**state.settings, **changes}
    note = ""
    if "view" in changes and "step" not in changes and changes["view"] != state.settings["view"]:
        raw["step"] = 0
        note = "the step starts again at 1 in the other view"
    if "filter" not in changes and {"filters", "in_channels", "operation"} & set(changes):
        planes = raw["filters"] if raw["operation"] == "conv" else raw["in_channels"]
        if isinstance(planes, int) and not isinstance(planes, bool) and planes >= 1 and raw["filter"] >= planes:
            note = filter_reset(raw["filter"], planes)  # fewer planes: the drawn one goes back to 0, and says so
            raw["filter"] = 0
    if set(changes) & _MODEL:
        if "step" not in changes:
            raw["step"] = 0
        return _build(raw), note
    new = _build_view(state, raw)
    return new, note


def _build_view(state: TransposeState, raw: dict[str, Any]) -> TransposeState:
    """A change of the view settings only: the model and payload stay (no rebuild, no new arrays)."""
    if raw["view"] == "direct" and not state.model.has_direct:
        raise ValueError(
            "The zero-stuffed view is a plain convolution with one kernel; bilinear weights change at the "
            'borders, so bilinear upsampling has the scatter view only. Use view="scatter" or '
            f'interpolation="nearest". Received: view={raw["view"]!r}'
        )
    s = dict(state.settings)
    for name in ("view", "step", "speed", "loop", "show_overlap"):
        s[name] = raw[name]
    checked = _normalise(s)
    new = TransposeState(checked, state.model, state.header, state.buffers)
    step = checked["step"]
    if isinstance(step, bool) or not isinstance(step, _numbers.Integral) or not 0 <= int(step) < new.num_steps:
        raise ValueError(f"`step` must be an int from 0 to {new.num_steps - 1}. Received: step={step!r}")
    checked["step"] = int(step)
    return new
