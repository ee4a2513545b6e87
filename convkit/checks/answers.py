"""The answer checks: each ``check_*`` recomputes the right answer with convkit's own arithmetic and, when the
learner's answer differs, raises :class:`~convkit.checks.NotYet` saying *which* axis is off and *which part of
the formula* probably went wrong, never the expected value.

>>> from convkit import layers
>>> check_output_shape((None, 13, 13, 32), layers.Conv2D(32, 3, strides=2), (None, 28, 28, 3))
>>> check_output_shape((None, 14, 14, 32), layers.Conv2D(32, 3, strides=2), (None, 28, 28, 3))
Traceback (most recent call last):
...
convkit.checks.NotYet: Not yet: height and width are off: you rounded up, but "valid" padding rounds down ...
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..core.args import axis_names
from ..core.axis import conv_axis, effective_kernel_size, same_padding
from ..core.layers import Conv2D
from ..core.words import count, format_shape
from .feedback import NotYet, as_int, as_pair, as_shape, fail, feedback_text, is_int, short_repr, wrong_kind
from .hints import (
    axis_feedback,
    axis_hint,
    channel_hint,
    conv_alternatives,
    formula,
    spatial_feedback,
    spatial_positions,
)

__all__ = [
    "check_output_shape",
    "check_output_size",
    "check_padding",
    "check_effective_kernel",
    "check_size_function",
    "check_kernel_shape",
    "check_param_count",
    "check_layer_design",
]


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
    WrongKind
        A ``NotYet`` that is also a ``TypeError``, if ``answer`` is not a tuple/list of whole numbers (or None).

    Examples
    --------
    >>> from convkit import layers
    >>> check_output_shape([None, 13, 13, 32], layers.Conv2D(32, 3, strides=2), (None, 28, 28, 3))
    """
    __tracebackhide__ = True
    if part not in ("all", "spatial", "batch_channels"):
        raise ValueError(f'`part` must be "all", "spatial" or "batch_channels". Received: part={part!r}')
    answer = as_shape(answer)
    input_shape = tuple(input_shape)
    expected = tuple(layer.compute_output_shape(input_shape))
    if len(answer) != len(expected):
        fail([_rank_problem(answer, expected, layer)])
    problems: list[str] = []
    if part in ("all", "spatial"):
        problems += spatial_feedback(layer, input_shape, answer, expected)
    if part in ("all", "batch_channels"):
        if answer[0] != expected[0]:
            problems.append("the batch dimension is off: a layer never changes it, copy it from the input shape.")
        global_pool = getattr(layer, "window", None) == "global_pool"
        spatial = set() if global_pool else set(spatial_positions(layer, expected))
        for p in range(1, len(expected)):
            if p not in spatial and answer[p] != expected[p]:
                problems.append(f"the channel dimension is off: {channel_hint(layer)}")
    fail(problems)


def _rank_problem(answer: tuple[int | None, ...], expected: tuple[int | None, ...], layer: Any) -> str:
    """Why an answer has the wrong number of dimensions: the missing axis when the rest is right, else a rule."""
    have = count(len(answer), "dimension")
    spatial = list(spatial_positions(layer, expected))
    names = dict(zip(spatial, axis_names(len(spatial))))
    if len(answer) == len(expected) - 1:
        for p in range(len(expected)):
            if answer == expected[:p] + expected[p + 1 :]:
                axis = "batch" if p == 0 else names.get(p, "channel")
                order = "(batch, " + ", ".join(names.values()) + ", channels)" if names else "(batch, features)"
                return f"your shape has {have}: the {axis} dimension is missing. The order is {order}."
    if getattr(layer, "window", None) == "global_pool":
        return f"your shape has {have}, but a global pooling layer removes the spatial axes."
    fewer = "more" if len(answer) < len(expected) else "fewer"
    return (
        f"your shape has {have}, but this layer outputs {fewer}: count the batch, each spatial axis and the channels."
    )


def check_output_size(
    answer: Any,
    size: int,
    kernel_size: int,
    strides: int = 1,
    padding: str = "valid",
    dilation_rate: int = 1,
    *,
    axis: str = "the output size",
) -> None:
    """Check one axis' output size of a convolution (``padding`` "valid" or "same").

    >>> check_output_size(14, 28, 3, strides=2, padding="same")
    """
    __tracebackhide__ = True
    answer = as_int(answer, "answer")
    expected = conv_axis(size, kernel_size, strides, padding, dilation_rate).output
    alts = conv_alternatives(size, kernel_size, strides, dilation_rate, padding.lower(), pool=False)
    fail([p for p in [axis_feedback(axis, answer, expected, alts, formula(padding.lower()))] if p])


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
    before, after = as_pair(answer, "answer")
    if before < 0 or after < 0:
        fail(["padding cannot be negative: when the windows already fit, P = max(0, ...) is 0."])
    exp_before, exp_after = same_padding(size, kernel_size, strides, dilation_rate)
    total, exp_total = before + after, exp_before + exp_after
    k_eff = effective_kernel_size(kernel_size, dilation_rate)
    if total != exp_total:
        n, s = size, strides
        slips = [
            (
                max((n // s - 1) * s + k_eff - n, 0),
                "it comes from the output size ceil(n / stride), rounded up, not down.",
            ),
            (
                k_eff - 1,
                "k_eff - 1 is the padding only for stride 1; with a stride, the padding is what the last "
                "window needs: (ceil(n / stride) - 1)·stride + k_eff - n.",
            ),
            (
                max((-(-n // s) - 1) * s + kernel_size - n, 0),
                "use the dilated kernel span k_eff = (k - 1)·dilation + 1.",
            ),
            (
                k_eff,
                "the padding is not the kernel's span, it is what the last window needs beyond the input: "
                "(ceil(n / stride) - 1)·stride + k_eff - n.",
            ),
        ]
        state, hint = axis_hint(total, exp_total, slips, "P = max(0, (ceil(n / stride) - 1)·stride + k_eff - n)")
        fail([f"the total is {state}: {hint}"])
    if part == "total":
        return
    if (before, after) != (exp_before, exp_after):
        if (after, before) == (exp_before, exp_after):
            fail(["before and after are swapped: TensorFlow puts the odd extra cell after (bottom/right)."])
        fail(["the total is right but the split is not: TensorFlow puts P // 2 before and the rest after."])


def check_effective_kernel(answer: Any, kernel_size: int, dilation_rate: int) -> None:
    """Check the span of a dilated kernel, ``(k - 1)·d + 1``.

    >>> check_effective_kernel(5, 3, 2)
    """
    __tracebackhide__ = True
    answer = as_int(answer, "answer")
    k, d = kernel_size, dilation_rate
    expected = effective_kernel_size(k, d)
    alts = [
        (
            k * d,
            "not k·d: dilation puts d - 1 empty cells in each of the k - 1 gaps between taps, "
            "and the first tap adds 1.",
        ),
        ((k - 1) * d, "you forgot the + 1 for the first tap."),
        (k, "the dilation is missing: the taps are spread d cells apart."),
        (k + d - 1, "the gaps grow with the dilation: each of the k - 1 gaps is d cells wide."),
    ]
    fail([p for p in [axis_feedback("the effective kernel", answer, expected, alts, "(k - 1)·d + 1")] if p])


def check_size_function(fn: Callable[..., Any], padding: str = "valid") -> None:
    """Check a learner's ``fn(n, k, s, padding)`` returning one axis' output size, on many cases.

    The first case it gets wrong is named (its inputs and the learner's result), with a hint.

    >>> check_size_function(lambda n, k, s, padding: (n - k) // s + 1 if padding == "valid" else -(-n // s))
    """
    __tracebackhide__ = True
    if not callable(fn):
        raise wrong_kind("a function fn(n, k, s, padding)", "fn", fn, "Define it with def, then pass its name.")
    for n in (5, 7, 8, 13, 28, 31, 64):
        for k in (1, 2, 3, 5):
            for s in (1, 2, 3, 4):
                if k > n:
                    continue
                call = f"output_size(n={n}, k={k}, s={s}, padding={padding!r})"
                try:
                    got = fn(n, k, s, padding)
                except NotImplementedError as exc:
                    raise NotYet(
                        feedback_text(
                            [
                                f"{call} raised NotImplementedError: replace the line "
                                "`raise NotImplementedError()` with your code."
                            ]
                        )
                    ) from exc
                except Exception as exc:  # noqa: BLE001 - the learner's own function failed: say where
                    raise NotYet(
                        feedback_text(
                            [
                                f"{call} raised {type(exc).__name__}: {short_repr(str(exc))[1:-1]}. "
                                "Call it yourself with these numbers to see where."
                            ]
                        )
                    ) from exc
                where = f"{call} returned {short_repr(got)}"
                if not is_int(got):
                    fail([f"{where}: it should return a whole number (use // or math.floor/math.ceil)."])
                expected = conv_axis(n, k, s, padding).output
                if got != expected:
                    alts = conv_alternatives(n, k, s, 1, padding, pool=False)
                    state, hint = axis_hint(got, expected, alts, formula(padding))
                    fail([f"{where}, which is {state}: {hint}"])


# --------------------------------------------------------------------------- kernels, parameters, design
def _conv_weights(layer: Any, input_shape: Sequence[int | None]) -> tuple[tuple[int, ...], int]:
    """A plain convolution's kernel shape ``(*k, C_in // groups, filters)`` and bias count, channels last."""
    shape = tuple(input_shape)
    layer.compute_output_shape(shape)  # the layer must accept its input
    channels = shape[-1]
    if getattr(layer, "window", None) != "conv" or getattr(layer, "data_format", "channels_last") != "channels_last":
        raise ValueError(
            f"`layer` must be a convkit Conv1D/2D/3D with channels last. Received: layer={short_repr(layer)}"
        )
    if channels is None:
        raise ValueError(f"The input's channels must be known. Received: input_shape={shape}")
    groups = getattr(layer, "groups", 1)
    bias = layer.filters if getattr(layer, "use_bias", True) else 0
    return (*layer.kernel_size, channels // groups, layer.filters), bias


def check_kernel_shape(answer: Any, layer: Any, input_shape: Sequence[int | None]) -> None:
    """Check a convolution's kernel shape, Keras' ``(kernel height, kernel width, input channels, filters)``.

    >>> from convkit import layers
    >>> check_kernel_shape((3, 3, 3, 32), layers.Conv2D(32, 3, strides=2), (None, 28, 28, 3))
    """
    __tracebackhide__ = True
    answer = as_shape(answer)
    expected, _ = _conv_weights(layer, input_shape)
    rank = len(expected) - 2
    order = format_shape([*(f"kernel {n}" for n in axis_names(rank)), "input channels", "filters"])
    if len(answer) != len(expected):
        fail([f"a kernel shape has {count(len(expected), 'number')} here: {order}; no batch dimension."])
    if answer != expected and sorted(answer, key=str) == sorted(expected, key=str):
        fail([f"the numbers are in the wrong order: Keras writes {order}."])
    problems = []
    if answer[:rank] != expected[:rank]:
        problems.append("the kernel's height and width are off: they are the layer's kernel_size, not the image's.")
    if answer[rank] != expected[rank]:
        problems.append(
            "the kernel's depth is off: it equals the channels of the layer's input, whatever the layer outputs."
        )
    if answer[rank + 1] != expected[rank + 1]:
        problems.append("the last number is off: each filter is one kernel, so it is the layer's filters.")
    fail(problems)


def check_param_count(answer: Any, layer: Any, input_shape: Sequence[int | None]) -> None:
    """Check a convolution's parameter count, ``k·k·C_in·F + F`` (kernel weights plus one bias per filter).

    >>> from convkit import layers
    >>> check_param_count(896, layers.Conv2D(32, 3, strides=2), (None, 28, 28, 3))
    """
    __tracebackhide__ = True
    answer = as_int(answer, "answer")
    kernel, bias = _conv_weights(layer, input_shape)
    expected = layer.count_params(tuple(input_shape))
    weights = expected - bias
    spatial = weights // (kernel[-2] * kernel[-1])
    slips = [
        (weights, "you counted the kernel weights only: every filter also has one bias."),
        (spatial * kernel[-1] + bias, "each kernel is as deep as the input: multiply by the input's channels too."),
        (spatial * kernel[-2] + bias, "there is one kernel per filter: multiply by the filters."),
        (weights + bias * kernel[-2], "there is one bias per filter, not one per input channel."),
    ]
    hint = next((h for value, h in slips if value == answer and value != expected), None)
    if answer != expected:
        rule = "params = k·k·C_in·F + F (kernel height·width·input channels·filters, plus one bias per filter)"
        fail([hint or f"count again with {rule}."])


def check_layer_design(
    kernel_size: Any, strides: Any, padding: Any, input_size: int, output_size: int, *, filters: int = 16
) -> None:
    """Check a learner's ``Conv2D`` settings that should take ``input_size`` to ``output_size`` (height and width).

    Every setting that Keras maps so is right: the learner's layer is built with convkit's ``Conv2D`` and its
    ``compute_output_shape`` is compared with the target; no answer is stored.

    >>> check_layer_design(3, 2, "same", 28, 14)
    >>> check_layer_design(2, 2, "valid", 28, 14)
    """
    __tracebackhide__ = True
    k, s = as_int(kernel_size, "kernel_size"), as_int(strides, "strides")
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        fail([f'padding must be "valid" or "same". Received: padding={short_repr(padding)}'])
    shape = (None, input_size, input_size, 1)
    try:
        got = Conv2D(filters, k, strides=s, padding=padding).compute_output_shape(shape)[1]
    except ValueError as exc:
        fail([f"this layer cannot run on {input_size}×{input_size}: {exc}"])
        return
    if got == output_size:
        return
    state = "too large" if got is not None and got > output_size else "too small"
    hint = {
        ("too large", "same"): '"same" gives ceil(n / stride): only the stride shrinks the size.',
        ("too small", "same"): '"same" gives ceil(n / stride): a smaller stride keeps more.',
        ("too large", "valid"): '"valid" gives floor((n - k) / stride) + 1: a larger stride or kernel shrinks more.',
        ("too small", "valid"): '"valid" gives floor((n - k) / stride) + 1: a smaller kernel or stride keeps more.',
    }[state, padding.lower()]
    fail([f"your layer takes {input_size} to {got}, {state} for {output_size}: {hint}"])
