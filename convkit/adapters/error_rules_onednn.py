"""TF's oneDNN/MKL ``AbortedError`` for a pool or convolution larger than its input (Intel CPUs; other processors
return an empty tensor instead). The message carries no numbers: they come from the layer or ``tf.nn`` call that
raised it (see :class:`~.error_rules_common.Where`), and the explanation is the one of a window that does not fit."""

from __future__ import annotations

import re
from typing import Any

from ..core.explain import Explanation
from ..core.words import format_shape
from .error_rules_common import Shape, Unreadable, Where, _explanation, _shape, _window
from .error_rules_size import too_small

__all__ = ["ONEDNN_RULES"]


_ONEDNN = re.compile(
    r"could not create a descriptor for a (pooling|convolution)[\w ]* forward propagation primitive.*?"
    r"\[Op:(\w+)\]",
    re.S,
)
_CALL_SHAPE = re.compile(r"Arguments received by (\w+)\.call\(\):\s*• \w+=tf\.Tensor\(shape=(\([^)]*\))")


def _per_axis(value: Any, rank: int) -> tuple[int, ...]:
    """A Keras/``tf.nn`` window argument (int, tuple, or ``tf.nn``'s batch-and-channel list) as ``rank`` ints."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * rank
    values = tuple(value) if isinstance(value, (tuple, list)) else ()
    if len(values) == rank + 2:  # tf.nn's [1, k, k, 1]
        values = values[1:-1]
    if len(values) != rank or not all(isinstance(v, int) for v in values):
        raise Unreadable(str(value)[:40])
    return values


def _onednn_aborted(msg: str, model: Any, input_shape: Any, where: Where) -> Explanation | None:
    """TF's oneDNN ``AbortedError`` (Intel CPU kernels) for a window larger than its input: the message has no
    numbers, so they come from the layer (or ``tf.nn`` call) that raised it."""
    m = _ONEDNN.search(msg)
    if not m:
        return None
    pooling, op = m.group(1) == "pooling", m.group(2)
    kind = "pool window" if pooling else "kernel"
    shape: Shape | None = where.layer_input
    called = _CALL_SHAPE.search(where.raw)
    if called:
        shape = _shape(called.group(2))
    window = strides = None
    padding = "valid"
    layer = where.layer
    if layer is not None:
        window = getattr(layer, "pool_size" if pooling else "kernel_size", None)
        strides = getattr(layer, "strides", None)
        padding = str(getattr(layer, "padding", "valid")).lower()
    elif len(where.call) >= 4 and hasattr(where.call[0], "shape"):  # tf.nn.max_pool2d(input, ksize, strides, padding)
        shape = tuple(None if d is None else int(d) for d in where.call[0].shape)
        window, strides, padding = where.call[1], where.call[2], str(where.call[3]).lower()
    what = f"TensorFlow's {op} kernel (oneDNN, on this CPU)"
    if shape is None or window is None or len(shape) < 3 or padding not in ("valid", "same"):
        title = f"{what} refused to run: the {kind} is larger than its input"
        notes = [
            "On Intel CPUs TensorFlow's oneDNN kernels stop with this AbortedError when a window does not fit "
            "its input; on other processors the same layer returns an empty tensor instead."
        ]
        fixes = ['padding="same", a smaller window, or a larger input (output = floor((n - k) / s) + 1 must be ≥ 1).']
        return _explanation(title, [], notes, fixes)
    rank = len(shape) - 2
    spatial = shape[1:-1]
    kernel = _per_axis(window, rank)
    steps = _per_axis(strides if strides is not None else window, rank)
    _window(spatial, kernel, steps)
    explanation = too_small(
        kind,
        spatial,
        kernel,
        steps,
        (1,) * rank,
        padding,
        model,
        input_shape,
        f"{what} with input {format_shape(shape)}",
    )
    about = (
        "On Intel CPUs TensorFlow's oneDNN kernels stop with an AbortedError when a window does not fit its input; "
        "on other processors the same layer returns an empty tensor instead.",
    )
    return Explanation(explanation.title, explanation.axes, about + explanation.notes)


ONEDNN_RULES = (_onednn_aborted,)
