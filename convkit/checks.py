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

from typing import Any, Callable, Mapping, Sequence

from ._check_hints import (
    as_int,
    as_pair,
    as_shape,
    axis_feedback,
    axis_hint,
    channel_hint,
    conv_alternatives,
    formula,
    is_int,
    spatial_feedback,
    spatial_positions,
)
from ._try_layer import Trial, attempt_layer, try_layer
from .core.axis import conv_axis, effective_kernel_size, same_padding

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
    as_shape(answer, name)


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
    answer = as_shape(answer)
    input_shape = tuple(input_shape)
    expected = tuple(layer.compute_output_shape(input_shape))
    if len(answer) != len(expected):
        window = getattr(layer, "window", None)
        extra = (" A global pooling layer removes the spatial axes." if window == "global_pool"
                 else " A layer like this keeps the number of dimensions of its input.")
        _fail([f"your shape has {len(answer)} dimensions, which is not how many this layer outputs.{extra}"])
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
    _fail(problems)


def check_output_size(
    answer: Any, size: int, kernel_size: int, strides: int = 1, padding: str = "valid", dilation_rate: int = 1,
    *, axis: str = "the output size",
) -> None:
    """Check one axis' output size of a convolution (``padding`` "valid" or "same").

    >>> check_output_size(14, 28, 3, strides=2, padding="same")
    """
    __tracebackhide__ = True
    answer = as_int(answer, "answer")
    expected = conv_axis(size, kernel_size, strides, padding, dilation_rate).output
    alts = conv_alternatives(size, kernel_size, strides, dilation_rate, padding.lower(), pool=False)
    _fail([p for p in [axis_feedback(axis, answer, expected, alts, formula(padding.lower()))] if p])


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
        _fail(["padding cannot be negative: when the windows already fit, P = max(0, ...) is 0."])
    exp_before, exp_after = same_padding(size, kernel_size, strides, dilation_rate)
    total, exp_total = before + after, exp_before + exp_after
    k_eff = effective_kernel_size(kernel_size, dilation_rate)
    if total != exp_total:
        n, s = size, strides
        slips = [
            (max((n // s - 1) * s + k_eff - n, 0), "it comes from the output size ceil(n / stride), rounded up, "
             "not down."),
            (k_eff - 1, "k_eff - 1 is the padding only for stride 1; with a stride, the padding is what the last "
             "window needs: (ceil(n / stride) - 1)·stride + k_eff - n."),
            (max((-(-n // s) - 1) * s + kernel_size - n, 0), "use the dilated kernel span "
             "k_eff = (k - 1)·dilation + 1."),
            (k_eff, "the padding is not the kernel's span, it is what the last window needs beyond the input: "
             "(ceil(n / stride) - 1)·stride + k_eff - n."),
        ]
        state, hint = axis_hint(total, exp_total, slips, "P = max(0, (ceil(n / stride) - 1)·stride + k_eff - n)")
        _fail([f"the total is {state}: {hint}"])
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
    answer = as_int(answer, "answer")
    k, d = kernel_size, dilation_rate
    expected = effective_kernel_size(k, d)
    alts = [
        (k * d, "not k·d: dilation puts d - 1 empty cells in each of the k - 1 gaps between taps, "
         "and the first tap adds 1."),
        ((k - 1) * d, "you forgot the + 1 for the first tap."),
        (k, "the dilation is missing: the taps are spread d cells apart."),
        (k + d - 1, "the gaps grow with the dilation: each of the k - 1 gaps is d cells wide."),
    ]
    _fail([p for p in [axis_feedback("the effective kernel", answer, expected, alts, "(k - 1)·d + 1")] if p])


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
        problems.append(f"the stack runs, but it ends at {shape}, not at {target}: look at the strides, padding "
                        "and kernel sizes.")
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
        value = as_int(filters, "filters")
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
                if not is_int(got):
                    _fail([f"{where}: it should return a whole number (use // or math.floor/math.ceil)."])
                expected = conv_axis(n, k, s, padding).output
                if got != expected:
                    alts = conv_alternatives(n, k, s, 1, padding, pool=False)
                    state, hint = axis_hint(got, expected, alts, formula(padding))
                    _fail([f"{where}, which is {state}: {hint}"])
