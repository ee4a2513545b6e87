"""What the error recognisers share: the cleaned message, its numbers, the Keras layer and model context.

:class:`Unreadable` marks a message that matched but whose numbers make no sense (see
:func:`convkit.adapters.errors.explain_error`); :func:`clean_message` strips Keras' wrappers; the ``_shape`` /
``_ints`` readers refuse more than :data:`~convkit.core.args.MAX_RANK` numbers or sizes beyond
:data:`~convkit.core.args.MAX_DIM`, so no message makes convkit work hard.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..core.args import MAX_DIM, MAX_RANK
from ..core.explain import AxisEntry, Explanation
from ..core.words import format_shape

__all__ = ["NOWHERE", "Recogniser", "Shape", "Unreadable", "Where", "clean_message"]

Shape = tuple[int | None, ...]


@dataclass(frozen=True, slots=True)
class Where:
    """Where an error happened, read from its traceback (see :mod:`.error_rules_model`); empty when unknown.

    ``raw`` is the message before :func:`clean_message`; ``layer`` the Keras layer whose call or constructor
    failed, ``layer_input`` the shape it received; ``position``/``total`` its place among the model's layers
    (1-based; ``total`` is None in a functional model still being written); ``before`` one line per earlier
    layer with its output shape (convkit's trace); ``init`` the class name and arguments of a failing
    constructor; ``call`` the arguments of the innermost TensorFlow function (``tf.nn`` calls); ``model`` and
    ``model_input`` the Keras model called (``model.predict(x)``, ``model(x)``, ``fit``) and the shape it was fed.
    """

    raw: str = ""
    layer: Any = None
    layer_input: Shape | None = None
    position: int | None = None
    total: int | None = None
    before: tuple[str, ...] = ()
    init: tuple[str, dict[str, Any]] | None = None
    call: tuple[Any, ...] = ()
    model: Any = None
    model_input: Shape | None = None


NOWHERE = Where()
Recogniser = Callable[[str, Any, Any, Where], "Explanation | None"]


class Unreadable(Exception):
    """Raised by a recogniser that found its message but cannot make sense of the numbers in it.

    :func:`~convkit.adapters.errors.explain_error` turns it into ``None`` ("not an error convkit explains"),
    so an odd message (a stride of 0, a 5,000-digit size, an empty shape) leaves the learner's own error as it is.
    """


# --- parsing ------------------------------------------------------------------------------------------

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_NUM_OR_NONE = re.compile(r"None|-?\d+")


def clean_message(message: str) -> str:
    """The core message: ANSI codes removed, Keras' "Exception encountered when calling" wrapper and
    tf.function's "in user code" preamble stripped."""
    text = _ANSI.sub("", message)
    wrapped = re.search(
        r"Exception encountered when calling [^\n]*\n\n(.*?)(?:\n\nArguments received by|\Z)", text, re.S
    )
    if wrapped:
        text = wrapped.group(1)
    if "in user code:" in text:
        found = re.findall(r"^\s*(?:\w+Error|\w+Exception): (.*)$", text, re.M)
        if found:
            text = found[-1]
    return text.strip()


def _number(token: str) -> int:
    """One integer of a message; :class:`Unreadable` beyond convkit's sizes (no 5,000-digit ``int()``)."""
    if len(token.lstrip("-")) > len(str(MAX_DIM)) or abs(int(token)) > MAX_DIM:
        raise Unreadable(token[:20])
    return int(token)


def _shape(text: str) -> Shape:
    """``"(None, 4, 4, 3)"``, ``"[None 3 3 3]"`` or ``"[1,4,4,3]"`` → ``(None, 4, 4, 3)``."""
    tokens = _NUM_OR_NONE.findall(text)
    if len(tokens) > MAX_RANK:
        raise Unreadable(text[:40])
    return tuple(None if t == "None" else _number(t) for t in tokens)


def _ints(text: str) -> tuple[int, ...]:
    tokens = re.findall(r"\d+", text)
    if len(tokens) > MAX_RANK:
        raise Unreadable(text[:40])
    return tuple(_number(t) for t in tokens)


def _sizes(*values: Any) -> None:
    """:class:`Unreadable` unless every value is a positive int (``None`` allowed: an unknown size)."""
    for value in values:
        if value is not None and not (isinstance(value, int) and value >= 1):
            raise Unreadable(str(value))


def _window(spatial: Shape, *per_axis: Sequence[int]) -> None:
    """:class:`Unreadable` unless there are 1 to 3 spatial axes and one positive number per axis in each tuple."""
    if not 1 <= len(spatial) <= 3 or any(len(values) != len(spatial) for values in per_axis):
        raise Unreadable(f"{spatial} {per_axis}")
    _sizes(*spatial)
    for values in per_axis:
        _sizes(*values)
        if None in values:
            raise Unreadable(str(values))


def _keras_layer(model: Any, name: str | None) -> Any:
    if model is None or not name:
        return None
    get = getattr(model, "get_layer", None)
    if get is None:
        return None
    try:
        return get(name)
    except ValueError:
        return None


def _model_input_depth(model: Any) -> int | None:
    """The channel depth of a model's (first) declared input, ``None`` when unknown."""
    try:
        shape = tuple(model.inputs[0].shape)
        return int(shape[-1]) if shape and shape[-1] is not None else None
    except (AttributeError, IndexError, TypeError, ValueError):
        return None


def _class_from_name(name: str) -> str:
    """Keras' default layer name → its class (``"conv2d_7"`` → ``"Conv2D"``); the name itself when unknown."""
    from ..core.layers import LAYERS
    from ..core.layers.base import snake_case

    base = re.sub(r"_\d+$", "", name)
    return next((cls for cls in LAYERS if snake_case(cls) == base), base)


def _stack_context(model: Any, input_shape: Sequence[int | None] | None) -> tuple[list[str], Any]:
    """Convkit's trace of ``model`` (fed ``input_shape`` when given): one line per layer up to the first error."""
    if model is None:
        return [], None
    from .keras import stack_from_keras

    try:
        stack = stack_from_keras(model)
        if input_shape is not None:
            stack = stack.with_input_shape(input_shape)
    except (ValueError, TypeError, AttributeError):
        return [], None
    lines = []
    for e in stack.trace.entries:
        if e.error is not None:
            lines.append(f"{e.name}: {format_shape(e.input_shape) if not e.is_merge else e.input_shape} → INVALID")
            break
        if e.output_shape is None:
            break
        lines.append(f"{e.name}: → {format_shape(e.output_shape)}")
    return lines, stack.trace


def _explanation(title: str, axes: Sequence[AxisEntry], notes: Sequence[str], fixes: Sequence[str]) -> Explanation:
    return Explanation(title, tuple(axes), tuple(notes) + tuple(f"Fix: {f}" for f in fixes))
