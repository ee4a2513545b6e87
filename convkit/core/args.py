"""Normalising user arguments once, at the edge, with Keras-style error messages.

Every message names the argument, what was expected, how to fix it, and ends with
``Received: name=value`` so a learner sees exactly what they typed.
"""

from __future__ import annotations

import itertools
import numbers
from collections.abc import Iterable, Mapping, Set
from typing import Any

from .words import short_repr

__all__ = [
    "MAX_DIM",
    "MAX_RANK",
    "check_positive_int",
    "check_nonnegative_int",
    "normalize_tuple",
    "normalize_padding",
    "normalize_data_format",
    "normalize_shape",
    "SPATIAL_AXIS_NAMES",
    "axis_names",
    "plain_number",
    "refuse_unordered",
    "short_repr",
    "take_items",
]

#: Largest size convkit accepts for one dimension (input, kernel, stride, ...). Larger values are
#: refused with a message instead of letting numpy allocate or loop forever.
MAX_DIM = 10**9

#: Most axes a shape may have (numpy's own limit is 64; no Keras tensor comes near it).
MAX_RANK = 64

#: Names used for spatial axes in explanations, by rank.
SPATIAL_AXIS_NAMES = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}


def axis_names(rank: int) -> tuple[str, ...]:
    """Human names of the spatial axes for a rank (``("height", "width")`` for 2-D)."""
    return SPATIAL_AXIS_NAMES.get(rank, tuple(f"axis {i}" for i in range(rank)))


def _is_int(value: Any) -> bool:
    if type(value) is int:  # fast path: the common case, checked millions of times in a trace
        return True
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def plain_number(value: Any) -> Any:
    """A 0-d array (numpy, or anything with ``shape == ()`` and ``.item()``) as the Python number it holds.

    Anything else is returned unchanged, so ``np.array(5)`` is treated as ``5`` wherever an int is expected.

    >>> import numpy as np
    >>> plain_number(np.array(5)), plain_number((3, 3))
    (5, (3, 3))
    """
    if type(value) is int or not _is_0d(value) or not hasattr(value, "item"):
        return value
    try:
        return value.item()
    except (TypeError, ValueError):
        return value


def _is_0d(value: Any) -> bool:
    shape = getattr(value, "shape", None)
    return isinstance(shape, tuple) and shape == ()


def refuse_unordered(value: Any, name: str) -> None:
    """Raise ``TypeError`` for a set or a dict given where a tuple (in axis order) is expected."""
    if isinstance(value, (Set, Mapping)):
        kind = "a set" if isinstance(value, Set) else "a dict"
        raise TypeError(
            f"`{name}` must be a tuple or list in axis order, but {kind} has no order; use a tuple, "
            f"e.g. {name}=(3, 3). Received: {name}={short_repr(value)}"
        )


def _whole_number(value: Any) -> int | None:
    """``int(value)`` when ``value`` is a real number with no fractional part (3.0, Fraction(6, 2)), else None.

    Never raises: ``inf``, ``nan`` and objects that refuse ``int()`` give ``None``; huge ``Fraction``s and
    ``Decimal``s are compared exactly, without a float conversion that would overflow.
    """
    try:
        whole = int(value)
        return whole if whole == value else None
    except (TypeError, ValueError, OverflowError, ArithmeticError):
        return None


def _check_int(value: Any, name: str, minimum: int, what: str) -> int:
    if type(value) is int and minimum <= value <= MAX_DIM:  # fast path
        return value
    value = plain_number(value)
    if not _is_int(value):
        whole = None
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            whole = _whole_number(value)
        shown = whole is not None and abs(whole) <= MAX_DIM
        hint = f" Write it as a whole number, e.g. {name}={whole}." if shown else ""
        raise TypeError(
            f"`{name}` must be {what} integer.{hint} Received: {name}={short_repr(value)} "
            f"(of type {type(value).__name__})"
        )
    number = int(value)
    if number < minimum:
        raise ValueError(f"`{name}` must be {what} integer (>= {minimum}). Received: {name}={short_repr(number)}")
    if number > MAX_DIM:
        raise ValueError(
            f"`{name}` is too large: convkit accepts sizes up to {MAX_DIM:,}. Received: {name}={short_repr(number)}"
        )
    return number


def check_positive_int(value: Any, name: str) -> int:
    """Return ``value`` as an int, refusing non-integers, zero, negatives and absurd sizes."""
    return _check_int(value, name, 1, "a positive")


def check_nonnegative_int(value: Any, name: str) -> int:
    """Return ``value`` as an int, refusing non-integers, negatives and absurd sizes."""
    return _check_int(value, name, 0, "a non-negative")


def take_items(value: Any, limit: int) -> tuple[Any, ...] | None:
    """The items of an iterable if it has at most ``limit`` of them, else ``None`` (without building them all)."""
    if hasattr(value, "__len__"):
        try:
            if len(value) > limit:
                return None
        except (TypeError, ValueError, OverflowError):
            pass
    items = tuple(itertools.islice(value, limit + 1))
    return items if len(items) <= limit else None


def normalize_tuple(value: Any, rank: int, name: str, *, allow_zero: bool = False) -> tuple[int, ...]:
    """Turn an int or a sequence of ``rank`` ints into a tuple of ``rank`` ints (Keras' rule).

    A 0-d array counts as the number it holds; a set or a dict is refused (it has no axis order).

    >>> normalize_tuple(3, 2, "kernel_size")
    (3, 3)
    >>> normalize_tuple([2, 1], 2, "strides")
    (2, 1)
    """
    check = check_nonnegative_int if allow_zero else check_positive_int
    value = plain_number(value)
    if _is_int(value) or isinstance(value, numbers.Number):  # a float, Fraction... gets check()'s message
        return (check(value, name),) * rank
    refuse_unordered(value, name)
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise TypeError(
            f"`{name}` must be an integer or a tuple of {rank} integers. Received: {name}={short_repr(value)}"
        )
    items = take_items(value, rank)
    if items is None or len(items) != rank:
        example = ", ".join(["3"] * rank)
        raise ValueError(
            f"`{name}` must be an integer or a tuple of {rank} integers (one per spatial axis), "
            f"e.g. {name}=({example}{',' if rank == 1 else ''}). Received: {name}={short_repr(value)}"
        )
    out = []
    for item in items:
        item = plain_number(item)
        out.append(check(item, name) if _is_int(item) else _tuple_item_error(item, value, rank, name))
    return tuple(out)


def _tuple_item_error(item: Any, value: Any, rank: int, name: str) -> int:
    whole = _whole_number(item) if isinstance(item, numbers.Real) and not isinstance(item, bool) else None
    hint = f" Write it as a whole number ({whole})." if whole is not None and abs(whole) <= MAX_DIM else ""
    raise TypeError(
        f"`{name}` must be an integer or a tuple of {rank} integers, but it contains {short_repr(item)} "
        f"(of type {type(item).__name__}).{hint} Received: {name}={short_repr(value)}"
    )


def normalize_padding(value: Any, allowed: Iterable[str] = ("valid", "same"), *, name: str = "padding") -> str:
    """Lower-case a padding string and check it is one of ``allowed`` (Keras accepts ``"SAME"``)."""
    allowed = tuple(allowed)
    choices = " or ".join(f'"{a}"' for a in allowed)
    if not isinstance(value, str):
        raise TypeError(f"`{name}` must be a string, one of {choices}. Received: {name}={short_repr(value)}")
    lowered = value.lower()
    if lowered not in allowed:
        extra = ""
        if lowered == "causal":
            extra = ' "causal" padding exists only for 1-D convolutions (Conv1D).'
        elif lowered == "full":
            extra = ' TensorFlow has no "full" padding; a transposed convolution grows the input instead.'
        raise ValueError(f"`{name}` must be {choices}.{extra} Received: {name}={short_repr(value)}")
    return lowered


def normalize_data_format(value: Any) -> str:
    """``None`` means Keras' default, ``"channels_last"``; otherwise one of the two, lower-cased."""
    if value is None:
        return "channels_last"
    if not isinstance(value, str) or value.lower() not in ("channels_last", "channels_first"):
        raise ValueError(
            '`data_format` must be "channels_last" (batch, *spatial, channels) or "channels_first" '
            f"(batch, channels, *spatial). Received: data_format={short_repr(value)}"
        )
    return value.lower()


def normalize_shape(shape: Any, *, name: str = "input_shape", rank: int | None = None) -> tuple[int | None, ...]:
    """Check a full shape (batch included): a tuple of positive ints or ``None``.

    >>> normalize_shape((None, 28, 28, 3))
    (None, 28, 28, 3)
    """
    if type(shape) is tuple and all(
        (type(d) is int and 0 < d <= MAX_DIM) or d is None for d in shape
    ):  # fast path: an already clean shape
        if (rank is None and len(shape) <= MAX_RANK) or len(shape) == rank:
            return shape
    shown = short_repr(shape)
    refuse_unordered(shape, name)
    if isinstance(shape, (str, bytes)) or not isinstance(shape, Iterable) or _is_0d(shape):
        raise TypeError(
            f"`{name}` must be a tuple such as (None, 28, 28, 3), batch dimension first. Received: {name}={shown}"
        )
    dims = take_items(shape, MAX_RANK)
    if dims is None:
        raise ValueError(f"`{name}` has more than {MAX_RANK} dimensions. Received: {name}={shown}")
    if rank is not None and len(dims) != rank:
        raise ValueError(
            f"`{name}` must have {rank} dimensions (batch included), but has {len(dims)}. Received: {name}={shown}"
        )
    out: list[int | None] = []
    for dim in dims:
        dim = plain_number(dim)
        if dim is None:
            out.append(None)
        elif _is_int(dim):
            if int(dim) <= 0:
                raise ValueError(
                    f"Every dimension of `{name}` must be a positive integer or None. Received: {name}={shown}"
                )
            if int(dim) > MAX_DIM:
                raise ValueError(f"A dimension of `{name}` is larger than {MAX_DIM:,}. Received: {name}={shown}")
            out.append(int(dim))
        else:
            raise TypeError(
                f"Every dimension of `{name}` must be a positive integer or None, but it contains "
                f"{short_repr(dim)}. Received: {name}={shown}"
            )
    return tuple(out)
