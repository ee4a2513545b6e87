"""The sentences of a kernel traversal, in one place: title, depth line, step sentence and multiply-sum.

The exported frames (:mod:`convkit.render.traversal`, GIF/PNG/SVG) and the live widget
(:class:`~convkit.widgets.traversal.KernelTraversal`) both say what this module writes, so a slide made from an
export says what the widget said at that step.

The step and sum sentences change with every step, and the widget plays thousands of steps in the browser
without asking Python. So they are built here as *templates*: a list of tokens that the widget's ES module fills
in with the step's numbers (``traversal.js``: ``fillStep`` / ``fillSum``) and :meth:`StepTemplate.fill` /
:meth:`SumTemplate.fill` fill in exactly the same way in Python (the exporter's sentences are those). A template
is small (a few hundred bytes) whatever the number of steps.

Step tokens (``StepTemplate.tokens``), JSON-able:

``"text"``                   written as it is;
``{"step": 1}``              the step number, counted from 1;
``{"index": a}``             the output index along axis ``a`` (C-order unravel of the step);
``{"span": a, ...}``         the input cells the window spans along axis ``a``: ``start = index·stride + first``,
                             ``end = start + extent - 1``; written ``"5"`` when ``start == end``, ``"-1 to 1"``
                             when ``start`` is negative (a padding cell), else ``"0–2"``;
``{"pad": [axis, ...], ...}`` how many kernel taps fall on padding (``before`` + count + ``after``), written only
                             when some do; per axis ``size, stride, first, kernel, dilation``.

Numbers are shown as text made by :func:`convkit.core.words.number_texts` (re-exported here), so cell values,
sums and exports agree digit for digit.

>>> import convkit
>>> t = convkit.traverse((28, 28), 3, strides=2)
>>> step_sentence(t, "conv", 5)
'kernel 3×3 · step 6/169 · output[0, 5] reads rows 0–2, cols 10–12'
>>> step_sentence(convkit.traverse((5, 5), 3, padding="same"), "conv", 0)
'kernel 3×3 · step 1/25 · output[0, 0] reads rows -1 to 1, cols -1 to 1 · 5 of 9 taps on padding'
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..core.traversal import Traversal
from ..core.words import MAX_CHANNEL_TERMS, MAX_TERMS, arithmetic_sentence, elide, fmt, integral, number_texts, wrap
from .words import format_dims

__all__ = [
    "MAX_CHANNEL_TERMS",
    "MAX_TERMS",
    "StepTemplate",
    "SumTemplate",
    "depth_sentence",
    "depth_step_sentence",
    "elide",
    "fmt",
    "integral",
    "layer_name",
    "more_channels",
    "number_texts",
    "shown_planes",
    "step_sentence",
    "step_template",
    "sum_template",
    "times",
    "title_sentence",
    "wrap",
]

_AXIS_WORDS = {1: ("positions",), 2: ("rows", "cols"), 3: ("depths", "rows", "cols")}
_WINDOW_WORDS = {"conv": "kernel", "max": "max-pool window", "average": "average-pool window"}
_LAYER_NAMES = {"conv": "Conv", "depthwise": "DepthwiseConv", "separable": "SeparableConv"}
_POOL_NAMES = {"max": "MaxPooling", "average": "AveragePooling"}
Token = Any  # str | dict[str, Any]


# ------------------------------------------------------------------------------------------------ numbers
def times(values: Sequence[int]) -> str:
    """``(3, 3)`` → ``"3×3"`` (:func:`convkit.render.words.format_dims`)."""
    return format_dims(tuple(values))


# ------------------------------------------------------------------------------------------------ titles
def layer_name(operation: str, kind: str, rank: int) -> str:
    """The Keras layer a traversal shows: ``Conv2D``, ``DepthwiseConv1D``, ``MaxPooling2D`` ..."""
    base = _POOL_NAMES[operation] if operation != "conv" else _LAYER_NAMES[kind]
    return f"{base}{rank}D"


def title_sentence(
    t: Traversal,
    *,
    operation: str = "conv",
    kind: str = "conv",
    in_channels: int = 1,
    output_depth: int = 1,
    padding: Any = None,
) -> str:
    """``Conv2D: input 28×28×1, kernel 3×3, strides 2×2, padding valid → output 13×13×1``.

    ``padding`` is what the learner chose (a mode, or explicit pairs); default: the traversal's mode.

    >>> import convkit
    >>> title_sentence(convkit.traverse((28, 28), 3, strides=2), output_depth=32)
    'Conv2D: input 28×28×1, kernel 3×3, strides 2×2, padding valid → output 13×13×32'
    """
    mode = t.padding_mode if padding is None else padding
    pad = mode if isinstance(mode, str) else f"explicit {[list(p) for p in mode]}"
    dil = f", dilation {times(t.dilation_rate)}" if max(t.dilation_rate) > 1 else ""
    what = "pool" if operation != "conv" else "kernel"
    return (
        f"{layer_name(operation, kind, t.rank)}: input {times(t.input_size)}×{in_channels}, {what} "
        f"{times(t.kernel_size)}, strides {times(t.strides)}{dil}, padding {pad} "
        f"→ output {times(t.output_size)}×{output_depth}"
    )


def depth_sentence(
    *,
    in_channels: int,
    operation: str = "conv",
    kind: str = "conv",
    filters: int = 1,
    depth_multiplier: int = 1,
    groups: int = 1,
) -> str:
    """The channel story: only depth must match between layers, and what sets the output depth.

    >>> depth_sentence(in_channels=3, filters=32)
    'input channels 3 · kernel depth 3 (must match) → filters 32 → output depth 32'
    """
    c = in_channels
    if operation != "conv":
        return f"input channels {c} · pooling works on each channel alone → output depth {c} (unchanged)"
    if kind == "depthwise":
        m = depth_multiplier
        return (
            f"input channels {c} · one kernel of depth 1 per channel × depth_multiplier {m} "
            f"→ output depth {c}·{m} = {c * m}"
        )
    if kind == "separable":
        m, f = depth_multiplier, filters
        return (
            f"input channels {c} · depthwise part: one depth-1 kernel per channel × {m} → {c * m} · "
            f"pointwise 1×1 kernel depth {c * m} → filters {f} → output depth {f}"
        )
    f = filters
    if groups > 1:
        g = groups
        return (
            f"input channels {c} in {g} groups · kernel depth {c // g} (must match {c}/{g}) → filters {f} "
            f"→ output depth {f}"
        )
    return f"input channels {c} · kernel depth {c} (must match) → filters {f} → output depth {f}"


# ------------------------------------------------------------------------------------------------ templates
def _unravel(step: int, output_size: Sequence[int]) -> list[int]:
    index = []
    for n in reversed(output_size):
        index.append(step % n)
        step //= n
    return index[::-1]


def _span(token: dict[str, Any], index: list[int]) -> str:
    start = index[token["span"]] * token["stride"] + token["first"]
    end = start + token["extent"] - 1
    if end == start:
        return str(start)
    return f"{start}{' to ' if start < 0 else '–'}{end}"


def _inside(axis: dict[str, Any], i: int) -> int:
    """Kernel taps along one axis that land inside the input (not on padding) for output index ``i``."""
    start = i * axis["stride"] + axis["first"]
    return sum(1 for j in range(axis["kernel"]) if 0 <= start + j * axis["dilation"] < axis["size"])


def _pad_taps(token: dict[str, Any], index: list[int]) -> int:
    return int(token["taps"]) - math.prod(_inside(axis, i) for axis, i in zip(token["pad"], index))


def _fill(tokens: Sequence[Token], step: int, index: list[int]) -> str:
    out = []
    for token in tokens:
        if isinstance(token, str):
            out.append(token)
        elif "step" in token:
            out.append(str(step + 1))
        elif "index" in token:
            out.append(str(index[token["index"]]))
        elif "span" in token:
            out.append(_span(token, index))
        elif "pad" in token:
            n = _pad_taps(token, index)
            if n:
                out.append(f"{token['before']}{n}{token['after']}")
    return "".join(out)


def _axes(t: Traversal) -> list[dict[str, int]]:
    return [
        {
            "size": int(a.size or 0),
            "stride": a.strides,
            "first": -int(a.pad_before or 0),
            "kernel": a.kernel_size,
            "dilation": a.dilation_rate,
        }
        for a in t.axes
    ]


def _output_cell(rank: int) -> list[Token]:
    tokens: list[Token] = ["output["]
    for a in range(rank):
        tokens += [{"index": a}] + ([", "] if a < rank - 1 else [])
    return tokens + ["]"]


@dataclass(frozen=True)
class StepTemplate:
    """The step sentence of every step of one traversal, as tokens (see the module's docstring)."""

    output_size: tuple[int, ...]
    tokens: tuple[Token, ...]

    def fill(self, step: int) -> str:
        """The sentence of ``step`` (0-based)."""
        return _fill(self.tokens, step, _unravel(step, self.output_size))

    def as_json(self) -> dict[str, Any]:
        return {"output_size": list(self.output_size), "tokens": list(self.tokens)}


@functools.lru_cache(maxsize=64)
def step_template(t: Traversal, operation: str = "conv") -> StepTemplate:
    """The template of :func:`step_sentence` for every step of ``t`` (cached: an export fills it per frame)."""
    names = _AXIS_WORDS.get(t.rank, tuple(f"axis {i}" for i in range(t.rank)))
    every = sorted({a.dilation_rate for a in t.axes if a.dilation_rate > 1})
    tokens: list[Token] = [
        f"{_WINDOW_WORDS[operation]} {times(t.kernel_size)} · step ",
        {"step": 1},
        f"/{t.num_steps} · ",
        *_output_cell(t.rank),
        " reads ",
    ]
    for a, (name, axis) in enumerate(zip(names, t.axes)):
        tokens += [
            f"{', ' if a else ''}{name} ",
            {"span": a, "stride": axis.strides, "first": -int(axis.pad_before or 0), "extent": axis.effective_kernel},
        ]
    if every:
        tokens.append(" (every " + "/".join(_ordinal(d) for d in every) + " cell)")
    if any(a.pad_before or a.pad_after for a in t.axes):
        tokens.append(
            {"pad": _axes(t), "taps": t.num_taps, "before": " · ", "after": f" of {t.num_taps} taps on padding"}
        )
    return StepTemplate(t.output_size, tuple(_merge(tokens)))


def step_sentence(t: Traversal, operation: str, step: int) -> str:
    """``kernel 3×3 · step 6/169 · output[0, 5] reads rows 0–2, cols 10–12`` (input coordinates, unpadded)."""
    return step_template(t, operation).fill(step)


def _ordinal(n: int) -> str:
    return {2: "2nd", 3: "3rd"}.get(n, f"{n}th")


def _merge(tokens: list[Token]) -> list[Token]:
    """Adjacent literals joined into one (a shorter template, the same sentence)."""
    out: list[Token] = []
    for token in tokens:
        if isinstance(token, str) and out and isinstance(out[-1], str):
            out[-1] += token
        else:
            out.append(token)
    return out


# ------------------------------------------------------------------------------------------------ sums
@dataclass(frozen=True)
class SumTemplate:
    """The multiply-sum (or pooling) sentence of every step, filled from shown numbers (texts).

    ``fill(step, x, w, y)`` takes the texts of the input cells (C-order over the input), of the kernel taps and of
    the output values (one per step), as made by :func:`number_texts`. ``channels``: how many input channels one
    output cell reads (a grouped convolution: ``in_channels // groups``); ``bias``: the text of the bias that
    output adds (``None``: the layer has none), written ``… + bias b = value`` as the depth sentence does, with
    ``y`` the layer's output (bias included).
    """

    output_size: tuple[int, ...]
    input_size: tuple[int, ...]
    operation: str
    axes: tuple[dict[str, int], ...]
    channels: int = 1
    max_terms: int = MAX_TERMS
    bias: str | None = None

    def fill(self, step: int, x: Sequence[str], w: Sequence[str] | None, y: Sequence[str]) -> str:
        index = _unravel(step, self.output_size)
        taps = self._taps(index)
        prefix = _fill(_output_cell(len(self.output_size)), step, index) + " = "
        if self.operation == "conv":
            assert w is not None
            terms = [f"{wrap('0' if cell < 0 else x[cell])}·{wrap(w[t])}" for t, cell in enumerate(taps)]
            body = elide(terms, " + ", self.max_terms)
            if self.channels > 1:
                rest = "channel 1" if self.channels == 2 else f"channels 1–{self.channels - 1}"
                body = f"{body} (channel 0) + {rest}"
            if self.bias is not None:
                body = f"{body} + bias {self.bias}"
            return f"{prefix}{body} = {y[step]}"
        kept = [x[cell] for cell in taps if cell >= 0]
        name = "max(" if self.operation == "max" else "mean("
        return f"{prefix}{name}{elide(kept, ', ', self.max_terms)}) = {y[step]}"

    def _taps(self, index: list[int]) -> list[int]:
        """The flat input cell of every tap in C-order, -1 for a padding tap."""
        cells = [0]
        for axis, i, n in zip(self.axes, index, self.input_size):
            start = i * axis["stride"] + axis["first"]
            along = [start + j * axis["dilation"] for j in range(axis["kernel"])]
            cells = [-1 if c < 0 or not 0 <= p < n else c * n + p for c in cells for p in along]
        return cells

    def as_json(self) -> dict[str, Any]:
        return {
            "output_size": list(self.output_size),
            "input_size": list(self.input_size),
            "operation": self.operation,
            "axes": [dict(a) for a in self.axes],
            "channels": self.channels,
            "max_terms": self.max_terms,
            "bias": self.bias,
        }


def sum_template(t: Traversal, operation: str = "conv", channels: int = 1, bias: str | None = None) -> SumTemplate:
    """The template of the multiply-sum sentence of every step of ``t`` (``channels``: the input channels one
    output cell reads, conv; ``bias``: the text of its bias, ``None`` when the layer has none).

    >>> import convkit
    >>> s = sum_template(convkit.traverse(4, 2))
    >>> s.fill(1, ["1", "2", "-3", "4"], ["2", "-1"], ["0", "5", "-10"])
    'output[1] = 2·2 + (-3)·(-1) = 5'
    >>> sum_template(convkit.traverse(4, 2), bias="-2").fill(1, ["1", "2", "-3", "4"], ["2", "-1"], ["0", "3", "-12"])
    'output[1] = 2·2 + (-3)·(-1) + bias -2 = 3'
    """
    conv = operation == "conv"
    return SumTemplate(
        t.output_size, t.input_size, operation, tuple(_axes(t)), channels if conv else 1, bias=bias if conv else None
    )


# ------------------------------------------------------------------------------------------------ depth
def shown_planes(total: int, start: int, reads: int, max_planes: int = 6) -> tuple[list[int], int]:
    """Which of ``total`` planes a depth view draws when planes ``start … start + reads - 1`` are the ones in
    use, and how many it leaves out: every plane when they fit, else the first ``max_planes - 2`` in use and
    the last two in use (``reads > max_planes``), or the ones in use and their neighbours.

    >>> shown_planes(64, 0, 64)
    ([0, 1, 2, 3, 62, 63], 58)
    >>> shown_planes(64, 40, 1)
    ([38, 39, 40, 41, 42, 43], 58)
    """
    if total <= max_planes:
        return list(range(total)), 0
    if reads > max_planes:
        head = list(range(start, start + max_planes - 2))
        tail = [start + reads - 2, start + reads - 1]
        return head + tail, total - max_planes
    lo = min(max(0, start - (max_planes - reads) // 2), total - max_planes)
    return list(range(lo, lo + max_planes)), total - max_planes


def more_channels(hidden: int, what: str = "channels") -> str:
    """``… 58 more channels`` (``''`` for none)."""
    if not hidden:
        return ""
    return f"… {hidden} more {what[:-1] if hidden == 1 else what}"


#: The depth narration of one step (the widget's live region, the exported pictures and ``str(StepArithmetic)``):
#: :func:`convkit.core.words.arithmetic_sentence` itself, under the name the depth view uses.
depth_step_sentence = arithmetic_sentence
