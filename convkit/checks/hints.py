"""Why a learner's number is wrong: the common slips that reproduce it.

For one axis, each slip (ceil for floor, the "same" rule on a "valid" layer, a forgotten stride, dilation or
``+ 1``, ...) is recomputed with :mod:`convkit.core.axis`; a slip whose result equals the learner's number
becomes the hint. Hints are fixed sentences about the formula: they never contain the expected value.

>>> slips = conv_alternatives(28, 3, 2, 1, "valid", pool=False)  # n=28, k=3, stride 2, no dilation
>>> axis_feedback("height", 12, 13, slips, formula("valid"))
'height is off: you forgot the + 1 in floor((n - k_eff) / stride) + 1: the first window position counts too.'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..core.args import axis_names
from ..core.axis import conv_axis, effective_kernel_size, transposed_axis

__all__ = [
    "axis_feedback",
    "axis_hint",
    "channel_hint",
    "conv_alternatives",
    "formula",
    "spatial_feedback",
    "spatial_positions",
]

_WINDOWED = ("conv", "depthwise", "separable", "pool", "transpose")


# --------------------------------------------------------------------------- per-axis diagnosis
def _safe(fn: Callable[[], int | None]) -> int | None:
    try:
        return fn()
    except ValueError:  # the alternative configuration is itself impossible: not a candidate
        return None


def _conv_out(n: int, k: int, s: int, padding: str, d: int = 1) -> int | None:
    return _safe(lambda: conv_axis(n, k, s, padding, d).output)


def conv_alternatives(n: int, k: int, s: int, d: int, padding: str, pool: bool) -> list[tuple[int | None, str]]:
    """``(result of a slip, hint)`` pairs for one axis of a convolution or pooling window, likeliest first."""
    k_eff = effective_kernel_size(k, d)
    alts: list[tuple[int | None, str]] = []
    if padding == "valid":
        alts += [
            (
                -(-(n - k_eff) // s) + 1,
                'you rounded up, but "valid" padding rounds down (floor): a last window that does not fit is dropped.',
            ),
            (
                -(-n // s),
                'you used the "same" rule ceil(n / stride), but this layer uses padding="valid": '
                "nothing is padded, so the kernel must fit inside the input.",
            ),
            (
                (n - k_eff) // s if n >= k_eff else None,
                "you forgot the + 1 in floor((n - k_eff) / stride) + 1: the first window position counts too.",
            ),
            (n - k_eff, "you forgot to divide by the stride, or the + 1."),
        ]
    else:  # same (or causal): ceil(n / s)
        alts += [
            (n // s, 'you rounded down, but "same" padding rounds up: the output is ceil(n / stride).'),
            (
                n if s > 1 else None,
                '"same" keeps the size only when the stride is 1; '
                "with a larger stride it divides the size by the stride (rounding up).",
            ),
            (
                _conv_out(n, k, s, "valid", d),
                'you computed it as padding="valid" (no padding), but this layer pads ("same").',
            ),
        ]
    if s > 1:
        what = "pooling's stride defaults to its pool size, not 1" if pool else "the formula divides by it"
        alts.append((_conv_out(n, k, 1, padding, d), f"check the stride: {what}."))
    if d > 1:
        alts.append(
            (
                _conv_out(n, k, s, padding, 1),
                "check the dilation: a dilated kernel spans k_eff = (k - 1)·d + 1 cells, not k.",
            )
        )
        alts.append((_conv_out(n, k * d, s, padding, 1), "the dilated kernel spans (k - 1)·d + 1 cells, not k·d."))
    if padding == "valid":
        alts.append(
            (
                n // s,
                'check the kernel size: with "valid" padding the window must fit, so k_eff - 1 '
                "cells are lost before dividing by the stride.",
            )
        )
    return alts


def _transposed_alternatives(
    n: int, k: int, s: int, d: int, padding: str, op: int | None
) -> list[tuple[int | None, str]]:
    k_eff = effective_kernel_size(k, d)
    alts: list[tuple[int | None, str]] = []
    if padding == "same" and op is None:
        alts.append(
            (
                (n - 1) * s + k_eff % 2,
                'with output_padding=None and padding="same" Keras makes the '
                "output exactly n·stride; the (n - 1)·stride + (k_eff mod 2) + output_padding formula is "
                "for an output_padding you set yourself.",
            )
        )
    elif padding == "same" and op is not None:
        alts.append(
            (
                n * s,
                "n·stride holds only when output_padding is None; with output_padding set the size "
                "is (n - 1)·stride + (k_eff mod 2) + output_padding.",
            )
        )
        alts.append(((n - 1) * s + op, "you left out the (k_eff mod 2) term: an odd kernel adds one cell."))
        alts.append(((n - 1) * s + k_eff % 2, "you left out output_padding: it is added at the end."))
    else:
        alts.append(
            (
                n * s,
                'you used the "same" rule n·stride, but this layer uses padding="valid": '
                "the kernel overhangs, so the output is (n - 1)·stride + k_eff (+ output_padding).",
            )
        )
        alts.append(
            (
                (n - 1) * s + k_eff,
                'output_padding=None does not mean 0 here: with "valid" Keras adds max(k_eff, stride) - k_eff.'
                if op is None
                else "you left out output_padding: it is added at the end.",
            )
        )
    alts.append(
        (
            _conv_out(n, k, s, "valid", d),
            "a transposed convolution enlarges its input: it multiplies "
            "by the stride instead of dividing (you used the ordinary convolution's formula).",
        )
    )
    alts.append(
        (-(-n // s), "a transposed convolution enlarges its input: it multiplies by the stride instead of dividing.")
    )
    if s > 1:
        alts.append(
            (
                _safe(lambda: transposed_axis(n, k, 1, padding, None, d).output),
                "check the stride: the transposed formula multiplies by it.",
            )
        )
    return alts


def axis_hint(
    answer: int | None, expected: int | None, alts: Sequence[tuple[int | None, str]], rule: str
) -> tuple[str, str]:
    """``(state, hint)`` for a size that differs from ``expected``: the hint comes from the alternatives that
    reproduce the learner's number, else it restates the formula. Never mentions ``expected``."""
    if answer is None or expected is None:
        return "off", "it is known from the input and the layer, so it is a number, not None."
    hints = []
    for value, hint in alts:
        if value is not None and value == answer and value != expected and hint not in hints:
            hints.append(hint)
    if hints:
        return "off", " Or perhaps: ".join(hints[:2])
    return ("too large" if answer > expected else "too small"), f"recompute with {rule}."


def axis_feedback(
    axis: str, answer: int | None, expected: int | None, alts: Sequence[tuple[int | None, str]], rule: str
) -> str | None:
    """``"<axis> is off: <hint>"`` for a wrong size, ``None`` for a right one."""
    if answer == expected:
        return None
    state, hint = axis_hint(answer, expected, alts, rule)
    return f"{axis} is {state}: {hint}"


def _group(named_hints: list[tuple[str, tuple[str, str]]]) -> list[str]:
    """Merge axes with the same hint: "height and width are off: ..."."""
    groups: dict[tuple[str, str], list[str]] = {}
    for name, found in named_hints:
        groups.setdefault(found, []).append(name)
    return [
        f"{' and '.join(names)} {'are' if len(names) > 1 else 'is'} {state}: {hint}"
        for (state, hint), names in groups.items()
    ]


def formula(padding: str) -> str:
    """The rule for one axis of a (non-transposed) window, in words and symbols, without numbers."""
    if padding == "valid":
        return "floor((n - k_eff) / stride) + 1, where k_eff = (k - 1)·dilation + 1"
    return "ceil(n / stride)"


def spatial_positions(layer: Any, shape: tuple[int | None, ...]) -> range:
    """Indices of the spatial axes in a full shape (batch first), per the layer's ``data_format``."""
    if getattr(layer, "data_format", "channels_last") == "channels_first":
        return range(2, len(shape))
    return range(1, len(shape) - 1)


def spatial_feedback(
    layer: Any, input_shape: tuple[int | None, ...], answer: tuple[int | None, ...], expected: tuple[int | None, ...]
) -> list[str]:
    """One sentence per group of wrong spatial axes (axes with the same hint are merged)."""
    window = getattr(layer, "window", None)
    positions = list(spatial_positions(layer, expected))
    names = axis_names(len(positions))
    wrong = [p for p in positions if answer[p] != expected[p]]
    if not wrong:
        return []
    if len(wrong) == 2 and answer[wrong[0]] == expected[wrong[1]] and answer[wrong[1]] == expected[wrong[0]]:
        first, second = names[positions.index(wrong[0])], names[positions.index(wrong[1])]
        return [f"{first} and {second} look swapped: the order is (batch, {', '.join(names)}, channels)."]
    axes = list(layer.spatial_axes(input_shape)) if window in _WINDOWED else None
    found = []
    for i, p in enumerate(positions):
        if answer[p] == expected[p]:
            continue
        if axes is None or axes[i].size is None:
            found.append((names[i], ("off", "work it out from the layer's settings again.")))
            continue
        ax = axes[i]
        if window == "transpose":
            alts = _transposed_alternatives(
                ax.size, ax.kernel_size, ax.strides, ax.dilation_rate, ax.padding, ax.output_padding
            )
            rule = _transposed_formula(ax.padding, ax.output_padding)
        else:
            alts = conv_alternatives(
                ax.size, ax.kernel_size, ax.strides, ax.dilation_rate, ax.padding, pool=window == "pool"
            )
            rule = formula(ax.padding)
        found.append((names[i], axis_hint(answer[p], expected[p], alts, rule)))
    return _group(found)


def _transposed_formula(padding: str, output_padding: int | None) -> str:
    if padding == "same" and output_padding is None:
        return 'n·stride (padding="same", output_padding=None)'
    if padding == "same":
        return "(n - 1)·stride + (k_eff mod 2) + output_padding"
    return "(n - 1)·stride + k_eff + output_padding (None means max(k_eff, stride) - k_eff)"


def channel_hint(layer: Any) -> str:
    """What sets the channel count of this kind of layer."""
    window = getattr(layer, "window", None)
    if window == "depthwise":
        return "a depthwise convolution outputs (input channels × depth_multiplier) channels."
    if window in ("pool", "global_pool"):
        return "pooling works on each channel separately, so it keeps the number of channels."
    if window in ("conv", "separable", "transpose"):
        return "a convolution outputs one channel per filter (`filters`), whatever its input depth."
    return "look at what the layer does to the last axis."
