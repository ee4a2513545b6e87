"""Formative checks for exercises and "your turn" cells.

Each ``check_*`` function recomputes the right answer with convkit's own arithmetic and, when the
learner's answer differs, raises :class:`NotYet` (an :class:`AssertionError`) that says *which* axis is off and *which
part of the formula* probably went wrong (stride, padding, kernel, dilation, ceil or floor, batch or
channel dimension). The message never contains the expected value, so the checks can sit in graded
(nbgrader) test cells without giving the answer away. An answer of the wrong kind (a string where a
shape is expected) raises :class:`TypeError`; lists are accepted wherever tuples are.

:func:`try_layer` is the helper of the "your turn" cells: it shows a layer's output shape and the
arithmetic behind it, or convkit's explanation of why the layer cannot run, never a traceback.

>>> from convkit import checks, layers
>>> checks.check_output_shape((None, 13, 13, 32), layers.Conv2D(32, 3, strides=2), (None, 28, 28, 3))
>>> checks.check_output_shape((None, 14, 14, 32), layers.Conv2D(32, 3, strides=2), (None, 28, 28, 3))
Traceback (most recent call last):
...
convkit.checks.NotYet: Not yet: height and width are off: you rounded up, but "valid" padding rounds down ...
"""

from __future__ import annotations

import html
import math
import numbers
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from .core.args import axis_names
from .core.axis import conv_axis, effective_kernel_size, same_padding, transposed_axis

__all__ = [
    "NotYet",
    "Trial",
    "attempt_layer",
    "try_layer",
    "check_is_shape",
    "check_output_shape",
    "check_output_size",
    "check_padding",
    "check_effective_kernel",
    "check_stack",
    "check_depth_fix",
    "check_size_function",
]

_SHAPE_WORDS = "a shape: a tuple of whole numbers, one per dimension, batch first (None for an unknown batch)"
_WINDOWED = ("conv", "depthwise", "separable", "pool", "transpose")


# --------------------------------------------------------------------------- answers of the right kind
def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _as_int(value: Any, name: str) -> int:
    if _is_int(value):
        return int(value)
    hint = ""
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and float(value).is_integer():
        hint = f" Write it without a decimal point, e.g. {name} = {int(value)}."
    elif isinstance(value, str):
        hint = " Remove the quotes: a number, not text."
    raise TypeError(f"`{name}` must be a whole number.{hint} Received: {name}={value!r}")


def _as_shape(value: Any, name: str = "answer") -> tuple[int | None, ...]:
    if isinstance(value, (str, bytes)):
        raise TypeError(f"`{name}` must be {_SHAPE_WORDS}. Remove the quotes. Received: {name}={value!r}")
    if not isinstance(value, (tuple, list)):
        raise TypeError(f"`{name}` must be {_SHAPE_WORDS}. Received: {name}={value!r}")
    dims = []
    for dim in value:
        if dim is not None and not _is_int(dim):
            raise TypeError(
                f"Every entry of `{name}` must be a whole number or None, but it contains {dim!r} "
                f"(of type {type(dim).__name__}). Received: {name}={value!r}"
            )
        dims.append(None if dim is None else int(dim))
    return tuple(dims)


def _as_pair(value: Any, name: str) -> tuple[int, int]:
    if isinstance(value, (str, bytes)) or not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"`{name}` must be a pair (before, after) of whole numbers. Received: {name}={value!r}")
    return _as_int(value[0], name), _as_int(value[1], name)


class NotYet(AssertionError):
    """A check failed. The message is formative feedback: what to look at again, never the expected value.

    In IPython/Jupyter it is shown as the message alone, without a traceback: the learner's cell is right
    above it, and the checking code (or a hidden test) is nothing the learner needs to read.
    """

    def _render_traceback_(self) -> list[str]:
        return str(self).splitlines()


def _fail(problems: Sequence[str]) -> None:
    __tracebackhide__ = True  # in other IPython tracebacks, skip convkit's frames
    if len(problems) == 1:
        raise NotYet("Not yet: " + problems[0])
    if problems:
        raise NotYet("Not yet:\n" + "\n".join(f"- {p}" for p in problems))


def check_is_shape(answer: Any, *, name: str = "answer") -> None:
    """Check only the *form* of an answer: a tuple (or list) of whole numbers or None.

    Used in the visible part of graded cells: it says nothing about whether the shape is right.

    >>> check_is_shape((None, 10, 10, 8))
    >>> check_is_shape("(None, 10, 10, 8)")
    Traceback (most recent call last):
    ...
    TypeError: `answer` must be a shape: ... Remove the quotes. Received: answer='(None, 10, 10, 8)'
    """
    _as_shape(answer, name)


# --------------------------------------------------------------------------- per-axis diagnosis
def _safe(fn: Callable[[], int]) -> int | None:
    try:
        return fn()
    except ValueError:  # the alternative configuration is itself impossible: not a candidate
        return None


def _conv_out(n: int, k: int, s: int, padding: str, d: int = 1) -> int | None:
    return _safe(lambda: conv_axis(n, k, s, padding, d).output)


def _conv_alternatives(n: int, k: int, s: int, d: int, padding: str, pool: bool) -> list[tuple[int | None, str]]:
    k_eff = effective_kernel_size(k, d)
    alts: list[tuple[int | None, str]] = []
    if padding == "valid":
        alts += [
            (-(-(n - k_eff) // s) + 1, 'you rounded up, but "valid" padding rounds down (floor): '
             "a last window that does not fit is dropped."),
            (-(-n // s), 'you used the "same" rule ceil(n / stride), but this layer uses padding="valid": '
             "nothing is padded, so the kernel must fit inside the input."),
            ((n - k_eff) // s if n >= k_eff else None, "you forgot the + 1 in floor((n - k_eff) / stride) + 1: "
             "the first window position counts too."),
            (n - k_eff, "you forgot to divide by the stride, or the + 1."),
        ]
    else:  # same (or causal): ceil(n / s)
        alts += [
            (n // s, 'you rounded down, but "same" padding rounds up: the output is ceil(n / stride).'),
            (n if s > 1 else None, '"same" keeps the size only when the stride is 1; '
             "with a larger stride it divides the size by the stride (rounding up)."),
            (_conv_out(n, k, s, "valid", d), 'you computed it as padding="valid" (no padding), '
             'but this layer pads ("same").'),
        ]
    if s > 1:
        what = "pooling's stride defaults to its pool size, not 1" if pool else "the formula divides by it"
        alts.append((_conv_out(n, k, 1, padding, d), f"check the stride: {what}."))
    if d > 1:
        alts.append((_conv_out(n, k, s, padding, 1), "check the dilation: a dilated kernel spans "
                     "k_eff = (k - 1)·d + 1 cells, not k."))
        alts.append((_conv_out(n, k * d, s, padding, 1), "the dilated kernel spans (k - 1)·d + 1 cells, not k·d."))
    if padding == "valid":
        alts.append((n // s, "check the kernel size: with \"valid\" padding the window must fit, so k_eff - 1 "
                     "cells are lost before dividing by the stride."))
    return alts


def _transposed_alternatives(n: int, k: int, s: int, d: int, padding: str, op: int | None):
    k_eff = effective_kernel_size(k, d)
    alts: list[tuple[int | None, str]] = []
    if padding == "same" and op is None:
        alts.append(((n - 1) * s + k_eff % 2, "with output_padding=None and padding=\"same\" Keras makes the "
                     "output exactly n·stride; the (n - 1)·stride + (k_eff mod 2) + output_padding formula is "
                     "for an output_padding you set yourself."))
    elif padding == "same":
        alts.append((n * s, "n·stride holds only when output_padding is None; with output_padding set the size "
                     "is (n - 1)·stride + (k_eff mod 2) + output_padding."))
        alts.append(((n - 1) * s + op, "you left out the (k_eff mod 2) term: an odd kernel adds one cell."))
        alts.append(((n - 1) * s + k_eff % 2, "you left out output_padding: it is added at the end."))
    else:
        alts.append((n * s, 'you used the "same" rule n·stride, but this layer uses padding="valid": '
                     "the kernel overhangs, so the output is (n - 1)·stride + k_eff (+ output_padding)."))
        alts.append(((n - 1) * s + k_eff, "output_padding=None does not mean 0 here: with \"valid\" Keras adds "
                     "max(k_eff, stride) - k_eff."))
    alts.append((_conv_out(n, k, s, "valid", d), "a transposed convolution enlarges its input: it multiplies "
                 "by the stride instead of dividing (you used the ordinary convolution's formula)."))
    alts.append((-(-n // s), "a transposed convolution enlarges its input: it multiplies by the stride "
                 "instead of dividing."))
    if s > 1:
        alts.append((_safe(lambda: transposed_axis(n, k, 1, padding, None, d).output),
                     "check the stride: the transposed formula multiplies by it."))
    return alts


def _axis_hint(answer: int | None, expected: int | None, alts: list[tuple[int | None, str]],
               formula: str) -> tuple[str, str] | None:
    """``(state, hint)`` for a wrong size (``None`` when right): the hint comes from the alternatives that
    reproduce the learner's number, else it restates the formula. Never mentions ``expected``."""
    if answer == expected:
        return None
    if answer is None or expected is None:
        return "off", "it is known from the input and the layer, so it is a number, not None."
    hints = []
    for value, hint in alts:
        if value is not None and value == answer and value != expected and hint not in hints:
            hints.append(hint)
    if hints:
        return "off", " Or perhaps: ".join(hints[:2])
    return ("too large" if answer > expected else "too small"), f"recompute with {formula}."


def _axis_feedback(axis: str, answer: int | None, expected: int | None, alts: list[tuple[int | None, str]],
                   formula: str) -> str | None:
    found = _axis_hint(answer, expected, alts, formula)
    return None if found is None else f"{axis} is {found[0]}: {found[1]}"


def _group(named_hints: list[tuple[str, tuple[str, str]]]) -> list[str]:
    """Merge axes with the same hint: "height and width are off: ..."."""
    groups: dict[tuple[str, str], list[str]] = {}
    for name, found in named_hints:
        groups.setdefault(found, []).append(name)
    return [f"{' and '.join(names)} {'are' if len(names) > 1 else 'is'} {state}: {hint}"
            for (state, hint), names in groups.items()]


def _formula(padding: str, transposed: bool) -> str:
    if transposed:
        return "the transposed rule for this layer's padding and output_padding"
    if padding == "valid":
        return "floor((n - k_eff) / stride) + 1, where k_eff = (k - 1)·dilation + 1"
    return "ceil(n / stride)"


def _spatial_positions(layer: Any, shape: tuple) -> range:
    if getattr(layer, "data_format", "channels_last") == "channels_first":
        return range(2, len(shape))
    return range(1, len(shape) - 1)


def _spatial_feedback(layer: Any, input_shape: tuple, answer: tuple, expected: tuple) -> list[str]:
    window = getattr(layer, "window", None)
    positions = list(_spatial_positions(layer, expected))
    names = axis_names(len(positions))
    wrong = [p for p in positions if answer[p] != expected[p]]
    if not wrong:
        return []
    if len(wrong) == 2 and answer[wrong[0]] == expected[wrong[1]] and answer[wrong[1]] == expected[wrong[0]]:
        return [f"{names[0]} and {names[1]} look swapped: the order is (batch, {', '.join(names)}, channels)."]
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
            alts = _transposed_alternatives(ax.size, ax.kernel_size, ax.strides, ax.dilation_rate, ax.padding,
                                            ax.output_padding)
            formula = _transposed_formula(ax.padding, ax.output_padding)
        else:
            alts = _conv_alternatives(ax.size, ax.kernel_size, ax.strides, ax.dilation_rate, ax.padding,
                                      pool=window == "pool")
            formula = _formula(ax.padding, False)
        found.append((names[i], _axis_hint(answer[p], expected[p], alts, formula)))
    return _group(found)


def _transposed_formula(padding: str, output_padding: int | None) -> str:
    if padding == "same" and output_padding is None:
        return "n·stride (padding=\"same\", output_padding=None)"
    if padding == "same":
        return "(n - 1)·stride + (k_eff mod 2) + output_padding"
    return "(n - 1)·stride + k_eff + output_padding (None means max(k_eff, stride) - k_eff)"


def _channel_hint(layer: Any) -> str:
    window = getattr(layer, "window", None)
    if window == "depthwise":
        return "a depthwise convolution outputs (input channels × depth_multiplier) channels."
    if window in ("pool", "global_pool"):
        return "pooling works on each channel separately, so it keeps the number of channels."
    if window in ("conv", "separable", "transpose"):
        return "a convolution outputs one channel per filter (`filters`), whatever its input depth."
    return "look at what the layer does to the last axis."


# --------------------------------------------------------------------------- public checks
def check_output_shape(answer: Any, layer: Any, input_shape: Sequence[int | None], *, part: str = "all") -> None:
    """Check a predicted output shape of ``layer`` on ``input_shape`` (batch first).

    Parameters
    ----------
    answer : tuple or list
        The learner's predicted shape, e.g. ``(None, 13, 13, 32)``.
    layer : convkit layer spec
        E.g. ``convkit.layers.Conv2D(32, 3, strides=2)``.
    input_shape : tuple
        The layer's input shape, batch first.
    part : {"all", "spatial", "batch_channels"}
        Which dimensions to check, so a graded exercise can give separate credit for each.

    Raises
    ------
    NotYet
        An ``AssertionError`` with formative feedback (which axis, which part of the formula), never the
        expected value.
    TypeError
        If ``answer`` is not a tuple/list of whole numbers (or None).

    Examples
    --------
    >>> from convkit import layers
    >>> check_output_shape([None, 13, 13, 32], layers.Conv2D(32, 3, strides=2), (None, 28, 28, 3))
    """
    __tracebackhide__ = True
    if part not in ("all", "spatial", "batch_channels"):
        raise ValueError(f'`part` must be "all", "spatial" or "batch_channels". Received: part={part!r}')
    answer = _as_shape(answer)
    input_shape = tuple(input_shape)
    expected = tuple(layer.compute_output_shape(input_shape))
    if len(answer) != len(expected):
        extra = " A global pooling layer removes the spatial axes." if getattr(layer, "window", None) == "global_pool" \
            else " A layer like this keeps the number of dimensions of its input."
        _fail([f"your shape has {len(answer)} dimensions, which is not how many this layer outputs.{extra}"])
    problems: list[str] = []
    if part in ("all", "spatial"):
        problems += _spatial_feedback(layer, input_shape, answer, expected)
    if part in ("all", "batch_channels"):
        if answer[0] != expected[0]:
            problems.append("the batch dimension is off: a layer never changes it, copy it from the input shape.")
        spatial = set(_spatial_positions(layer, expected)) if getattr(layer, "window", None) != "global_pool" else set()
        for p in range(1, len(expected)):
            if p not in spatial and answer[p] != expected[p]:
                problems.append(f"the channel dimension is off: {_channel_hint(layer)}")
    _fail(problems)


def check_output_size(
    answer: Any, size: int, kernel_size: int, strides: int = 1, padding: str = "valid", dilation_rate: int = 1,
    *, axis: str = "the output size",
) -> None:
    """Check one axis' output size of a convolution (``padding`` "valid" or "same").

    >>> check_output_size(14, 28, 3, strides=2, padding="same")
    """
    __tracebackhide__ = True
    answer = _as_int(answer, "answer")
    expected = conv_axis(size, kernel_size, strides, padding, dilation_rate).output
    alts = _conv_alternatives(size, kernel_size, strides, dilation_rate, padding.lower(), pool=False)
    _fail([p for p in [_axis_feedback(axis, answer, expected, alts, _formula(padding.lower(), False))] if p])


def check_padding(
    answer: Any, size: int, kernel_size: int, strides: int = 1, dilation_rate: int = 1, *, part: str = "all"
) -> None:
    """Check a ``"same"`` padding ``(before, after)`` for one axis, as TensorFlow splits it.

    ``part="total"`` checks only ``before + after``; ``"split"`` or ``"all"`` checks both numbers.

    >>> check_padding((0, 1), 28, 3, strides=2)
    """
    __tracebackhide__ = True
    if part not in ("all", "total", "split"):
        raise ValueError(f'`part` must be "all", "total" or "split". Received: part={part!r}')
    before, after = _as_pair(answer, "answer")
    if before < 0 or after < 0:
        _fail(["padding cannot be negative: when the windows already fit, P = max(0, ...) is 0."])
    exp_before, exp_after = same_padding(size, kernel_size, strides, dilation_rate)
    total, exp_total = before + after, exp_before + exp_after
    k_eff = effective_kernel_size(kernel_size, dilation_rate)
    if total != exp_total:
        out_floor = size // strides
        hints = {
            max((out_floor - 1) * strides + k_eff - size, 0): "the total is off: it is computed from the output "
            "size ceil(n / stride), rounded up, not down.",
            k_eff - 1: "the total is off: k_eff - 1 is the padding only for stride 1; with a stride, the padding "
            "is what the last window needs: (ceil(n / stride) - 1)·stride + k_eff - n.",
            max((-(-size // strides) - 1) * strides + kernel_size - size, 0): "the total is off: use the dilated "
            "kernel span k_eff = (k - 1)·dilation + 1.",
        }
        hints.setdefault(k_eff, "the total is off: the padding is not the kernel's span, it is what the last "
                         "window needs beyond the input: (ceil(n / stride) - 1)·stride + k_eff - n.")
        hint = hints.get(total) if total in hints and total != exp_total else None
        _fail([hint or "the total is off: P = max(0, (ceil(n / stride) - 1)·stride + k_eff - n)."])
    if part == "total":
        return
    if (before, after) != (exp_before, exp_after):
        if (after, before) == (exp_before, exp_after):
            _fail(["before and after are swapped: TensorFlow puts the odd extra cell after (bottom/right)."])
        _fail(["the total is right but the split is not: TensorFlow puts P // 2 before and the rest after."])


def check_effective_kernel(answer: Any, kernel_size: int, dilation_rate: int) -> None:
    """Check the span of a dilated kernel, ``(k - 1)·d + 1``.

    >>> check_effective_kernel(5, 3, 2)
    """
    __tracebackhide__ = True
    answer = _as_int(answer, "answer")
    k, d = kernel_size, dilation_rate
    expected = effective_kernel_size(k, d)
    alts = [
        (k * d, "not k·d: dilation puts d - 1 empty cells in each of the k - 1 gaps between taps, "
         "and the first tap adds 1."),
        ((k - 1) * d, "you forgot the + 1 for the first tap."),
        (k, "the dilation is missing: the taps are spread d cells apart."),
        (k + d - 1, "the gaps grow with the dilation: each of the k - 1 gaps is d cells wide."),
    ]
    _fail([p for p in [_axis_feedback("the effective kernel", answer, expected, alts, "(k - 1)·d + 1")] if p])


def _run_stack(layers: Sequence[Any], input_shape: tuple) -> tuple[tuple | None, str | None]:
    shape = input_shape
    for i, layer in enumerate(layers):
        try:
            shape = tuple(layer.compute_output_shape(shape))
        except ValueError as exc:
            name = type(layer).__name__
            return None, f"layer {i} ({name}) cannot run on its input {shape}. convkit says: {exc}"
    return shape, None


def check_stack(layers: Any, input_shape: Sequence[int | None], target_shape: Sequence[int | None] | None = None,
                *, part: str = "all") -> None:
    """Check that a list of convkit layers runs on ``input_shape`` and (optionally) ends at ``target_shape``.

    ``part="runs"`` checks only that every layer accepts its input; ``"target"``/``"all"`` also the final shape.

    >>> from convkit import layers
    >>> check_stack([layers.Conv2D(8, 3, strides=2, padding="same")], (None, 8, 8, 1), (None, 4, 4, 8))
    """
    __tracebackhide__ = True
    if part not in ("all", "runs", "target"):
        raise ValueError(f'`part` must be "all", "runs" or "target". Received: part={part!r}')
    if isinstance(layers, (str, bytes)) or not isinstance(layers, (list, tuple)):
        raise TypeError(f"`layers` must be a list of convkit layers. Received: layers={layers!r}")
    for layer in layers:
        if not callable(getattr(layer, "compute_output_shape", None)) or not hasattr(layer, "explain"):
            raise TypeError(
                "Every item of `layers` must be a convkit layer such as convkit.layers.Conv2D(8, 3). "
                f"Received: {layer!r}"
            )
    shape, error = _run_stack(layers, tuple(input_shape))
    if error:
        _fail([f"the stack does not run: {error}"])
    if part == "runs" or target_shape is None:
        return
    target = tuple(target_shape)
    if shape == target:
        return
    if len(shape) != len(target):
        _fail([f"the stack runs, but its output {shape} does not have the target's number of dimensions."])
    problems = []
    if shape[1:-1] != target[1:-1]:
        problems.append(f"the stack runs, but its output is {shape} and the spatial sizes of {target} are not "
                        "reached: look at the strides, padding and kernel sizes.")
    if shape[-1] != target[-1]:
        problems.append("the depth is off: the last layer's filters set the channel count.")
    _fail(problems)


def check_depth_fix(layer_name: Any, filters: Any, kernels: Mapping[str, Sequence[int]], *,
                    part: str = "all") -> None:
    """Check which layer's ``filters`` must change (and to what) so every kernel's depth matches its input.

    ``kernels`` maps layer names, in order, to kernel shapes ``(*window, in_channels, out_channels)``.
    ``part="layer"`` checks only the name, ``"filters"`` only the number (given the right layer).

    >>> check_depth_fix("b", 16, {"a": (3, 3, 1, 8), "b": (3, 3, 8, 4), "c": (3, 3, 16, 32)})
    """
    __tracebackhide__ = True
    if not isinstance(layer_name, str):
        raise TypeError(f"`layer_name` must be a layer's name as a string. Received: layer_name={layer_name!r}")
    names = list(kernels)
    if layer_name not in kernels:
        raise ValueError(f"`layer_name` must be one of {names}. Received: layer_name={layer_name!r}")
    broken = [i for i in range(1, len(names)) if kernels[names[i]][-2] != kernels[names[i - 1]][-1]]
    if not broken:
        raise ValueError("These kernels already agree in depth: there is nothing to fix.")
    consumer = broken[0]
    producer = names[consumer - 1]
    if part in ("all", "layer") and layer_name != producer:
        if layer_name == names[consumer]:
            _fail([f"{layer_name}'s filters set the depth of its output; the mismatch is at its input, "
                   "which is made by the layer before it."])
        _fail([f"changing {layer_name}'s filters does not touch the place where the depths disagree: find the "
               "first kernel whose input depth (second-to-last axis) differs from the previous layer's output "
               "depth (last axis)."])
    if part in ("all", "filters"):
        value = _as_int(filters, "filters")
        needed = kernels[names[consumer]][-2]
        if value != needed:
            if value == kernels[producer][-1]:
                _fail(["that is the current number of filters, which is what causes the error."])
            if value == kernels[names[consumer]][-1]:
                _fail(["that is the next layer's own output depth; match the depth its kernel reads "
                       "(the second-to-last axis of its kernel shape)."])
            _fail(["the new filters must equal the input depth the next kernel expects "
                   "(the second-to-last axis of its kernel shape)."])


def check_size_function(fn: Callable[..., Any], padding: str = "valid") -> None:
    """Check a learner's ``fn(n, k, s, padding)`` returning one axis' output size, on many cases.

    The first case it gets wrong is named (its inputs and the learner's result), with a hint.

    >>> check_size_function(lambda n, k, s, padding: (n - k) // s + 1 if padding == "valid" else -(-n // s))
    """
    __tracebackhide__ = True
    if not callable(fn):
        raise TypeError(f"`fn` must be a function fn(n, k, s, padding). Received: fn={fn!r}")
    for n in (5, 7, 8, 13, 28, 31, 64):
        for k in (1, 2, 3, 5):
            for s in (1, 2, 3, 4):
                if k > n:
                    continue
                got = fn(n, k, s, padding)
                where = f"output_size(n={n}, k={k}, s={s}, padding={padding!r}) returned {got!r}"
                if not _is_int(got):
                    _fail([f"{where}: it should return a whole number (use // or math.floor/math.ceil)."])
                expected = conv_axis(n, k, s, padding).output
                if got != expected:
                    alts = _conv_alternatives(n, k, s, 1, padding, pool=False)
                    state, hint = _axis_hint(got, expected, alts, _formula(padding, False))
                    _fail([f"{where}, which is {state}: {hint}"])


# --------------------------------------------------------------------------- try_layer
@dataclass(frozen=True, slots=True)
class Trial:
    """One attempt at running a layer on an input shape: the output shape and explanation, or the error."""

    description: str
    input_shape: Any
    output_shape: tuple | None
    explanation: Any
    error: str | None

    @property
    def ok(self) -> bool:
        """True when the layer accepted the input."""
        return self.error is None

    def __str__(self) -> str:
        if self.error is not None:
            return f"convkit: {self.description} cannot run on input {self.input_shape}.\n{self.error}"
        return str(self.explanation)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        if self.error is not None:
            return (
                '<div class="convkit-trial convkit-trial-error" style="border-left:4px solid #c0392b;'
                'padding:4px 10px">'
                f"<b>convkit: {html.escape(self.description)} cannot run on input "
                f"{html.escape(str(self.input_shape))}.</b><div>{html.escape(self.error)}</div></div>"
            )
        if hasattr(self.explanation, "_repr_html_"):
            return self.explanation._repr_html_()
        return f"<pre>{html.escape(str(self.explanation))}</pre>"


def _describe(cls_name: str, params: Mapping[str, Any]) -> str:
    return f"{cls_name}({', '.join(f'{k}={v!r}' for k, v in params.items())})"


def attempt_layer(layer_or_cls: Any, input_shape: Sequence[int | None], **params: Any) -> Trial:
    """Build a layer (from a class and ``params``, or use an instance) and run it on ``input_shape``.

    Learner mistakes (``ValueError``/``TypeError`` from convkit) become ``Trial.error``; nothing is raised.

    >>> from convkit import layers
    >>> attempt_layer(layers.Conv2D, (3, 28, 28, 3), filters=32, kernel_size=3, strides=2).output_shape
    (3, 13, 13, 32)
    >>> attempt_layer(layers.Conv2D, (3, 5, 5, 3), filters=8, kernel_size=7).ok
    False
    """
    shape = tuple(input_shape) if isinstance(input_shape, (tuple, list)) else input_shape
    if isinstance(layer_or_cls, type):
        description = _describe(layer_or_cls.__name__, params)
        try:
            layer = layer_or_cls(**params)
        except (ValueError, TypeError) as exc:
            return Trial(description, shape, None, None, str(exc))
    else:
        if params:
            raise TypeError(
                "Pass either a layer class with its arguments, e.g. try_layer(convkit.layers.Conv2D, shape, "
                "filters=8, kernel_size=3), or a built layer without arguments. "
                f"Received: layer={layer_or_cls!r}, params={params!r}"
            )
        layer = layer_or_cls
        if not callable(getattr(layer, "compute_output_shape", None)) or not hasattr(layer, "explain"):
            raise TypeError(
                f"`layer` must be a convkit layer or layer class, e.g. convkit.layers.Conv2D. Received: {layer!r}"
            )
        description = repr(layer)
    try:
        output = tuple(layer.compute_output_shape(shape))
        explanation = layer.explain(shape)
    except (ValueError, TypeError) as exc:
        return Trial(description, shape, None, None, str(exc))
    return Trial(description, shape, output, explanation, None)


def try_layer(layer_or_cls: Any, input_shape: Sequence[int | None], **params: Any) -> None:
    """Show a layer's output shape with its arithmetic, or convkit's explanation of why it cannot run.

    For "your turn" cells: it never raises for a learner's settings, so the notebook keeps running.
    In Jupyter it displays rich HTML; elsewhere it prints text.

    >>> from convkit import layers
    >>> try_layer(layers.Conv2D, (3, 28, 28, 3), filters=32, kernel_size=3, strides=2)  # doctest: +ELLIPSIS
    Conv2D '...': (3, 28, 28, 3) → (3, 13, 13, 32)
      height: floor((28 + 0 + 0 - 3) / 2) + 1 = 13
    ...
    >>> try_layer(layers.Conv2D, (3, 28, 28, 3), filters=32, kernel_size=40)  # doctest: +ELLIPSIS
    convkit: Conv2D(filters=32, kernel_size=40) cannot run on input (3, 28, 28, 3).
    ... the kernel 40 is larger than the input 28...
    """
    trial = attempt_layer(layer_or_cls, input_shape, **params)
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # plain Python without IPython: print the text form
        print(trial)
        return
    if get_ipython() is None:
        print(trial)
    else:
        display(trial)
