"""Normalising user arguments once, at the edge, with Keras-style error messages.

Every message names the argument, what was expected, how to fix it, and ends with
``Received: name=value`` so a learner sees exactly what they typed.
"""

from __future__ import annotations

import numbers
from typing import Any, Iterable

__all__ = [
    "MAX_DIM",
    "check_positive_int",
    "check_nonnegative_int",
    "normalize_tuple",
    "normalize_padding",
    "normalize_data_format",
    "normalize_shape",
    "SPATIAL_AXIS_NAMES",
    "axis_names",
]

#: Largest size convkit accepts for one dimension (input, kernel, stride, ...). Larger values are
#: refused with a message instead of letting numpy allocate or loop forever.
MAX_DIM = 10**9

#: Names used for spatial axes in explanations, by rank.
SPATIAL_AXIS_NAMES = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}


def axis_names(rank: int) -> tuple[str, ...]:
    """Human names of the spatial axes for a rank (``("height", "width")`` for 2-D)."""
    return SPATIAL_AXIS_NAMES.get(rank, tuple(f"axis {i}" for i in range(rank)))


def _is_int(value: Any) -> bool:
    if type(value) is int:  # fast path: the common case, checked millions of times in a trace
        return True
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _check_int(value: Any, name: str, minimum: int, what: str) -> int:
    if type(value) is int and minimum <= value <= MAX_DIM:  # fast path
        return value
    if not _is_int(value):
        if isinstance(value, numbers.Real) and not isinstance(value, bool) and float(value).is_integer():
            hint = f" Write it as a whole number, e.g. {name}={int(value)}."
        else:
            hint = ""
        raise TypeError(
            f"`{name}` must be {what} integer.{hint} Received: {name}={value!r} "
            f"(of type {type(value).__name__})"
        )
    value = int(value)
    if value < minimum:
        raise ValueError(f"`{name}` must be {what} integer (>= {minimum}). Received: {name}={value}")
    if value > MAX_DIM:
        raise ValueError(
            f"`{name}` is too large: convkit accepts sizes up to {MAX_DIM:,}. Received: {name}={value}"
        )
    return value


def check_positive_int(value: Any, name: str) -> int:
    """Return ``value`` as an int, refusing non-integers, zero, negatives and absurd sizes."""
    return _check_int(value, name, 1, "a positive")


def check_nonnegative_int(value: Any, name: str) -> int:
    """Return ``value`` as an int, refusing non-integers, negatives and absurd sizes."""
    return _check_int(value, name, 0, "a non-negative")


def normalize_tuple(value: Any, rank: int, name: str, *, allow_zero: bool = False) -> tuple[int, ...]:
    """Turn an int or a sequence of ``rank`` ints into a tuple of ``rank`` ints (Keras' rule).

    >>> normalize_tuple(3, 2, "kernel_size")
    (3, 3)
    >>> normalize_tuple([2, 1], 2, "strides")
    (2, 1)
    """
    check = check_nonnegative_int if allow_zero else check_positive_int
    if _is_int(value):
        return (check(value, name),) * rank
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise TypeError(
            f"`{name}` must be an integer or a tuple of {rank} integers. "
            f"Received: {name}={value!r}"
        )
    items = tuple(value)
    if len(items) != rank:
        example = ", ".join(["3"] * rank)
        raise ValueError(
            f"`{name}` must be an integer or a tuple of {rank} integers (one per spatial axis), "
            f"e.g. {name}=({example}{',' if rank == 1 else ''}). Received: {name}={value!r}"
        )
    return tuple(check(v, name) if _is_int(v) else _tuple_item_error(v, value, rank, name) for v in items)


def _tuple_item_error(item: Any, value: Any, rank: int, name: str) -> int:
    raise TypeError(
        f"`{name}` must be an integer or a tuple of {rank} integers, but it contains {item!r} "
        f"(of type {type(item).__name__}). Received: {name}={value!r}"
    )


def normalize_padding(value: Any, allowed: Iterable[str] = ("valid", "same"), *, name: str = "padding") -> str:
    """Lower-case a padding string and check it is one of ``allowed`` (Keras accepts ``"SAME"``)."""
    allowed = tuple(allowed)
    choices = " or ".join(f'"{a}"' for a in allowed)
    if not isinstance(value, str):
        raise TypeError(f"`{name}` must be a string, one of {choices}. Received: {name}={value!r}")
    lowered = value.lower()
    if lowered not in allowed:
        extra = ""
        if lowered == "causal":
            extra = ' "causal" padding exists only for 1-D convolutions (Conv1D).'
        elif lowered == "full":
            extra = ' TensorFlow has no "full" padding; a transposed convolution grows the input instead.'
        raise ValueError(f"`{name}` must be {choices}.{extra} Received: {name}={value!r}")
    return lowered


def normalize_data_format(value: Any) -> str:
    """``None`` means Keras' default, ``"channels_last"``; otherwise one of the two, lower-cased."""
    if value is None:
        return "channels_last"
    if not isinstance(value, str) or value.lower() not in ("channels_last", "channels_first"):
        raise ValueError(
            '`data_format` must be "channels_last" (batch, *spatial, channels) or "channels_first" '
            f"(batch, channels, *spatial). Received: data_format={value!r}"
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
        if rank is None or len(shape) == rank:
            return shape
    if isinstance(shape, (str, bytes)) or not isinstance(shape, Iterable):
        raise TypeError(
            f"`{name}` must be a tuple such as (None, 28, 28, 3), batch dimension first. "
            f"Received: {name}={shape!r}"
        )
    dims = tuple(shape)
    if rank is not None and len(dims) != rank:
        raise ValueError(
            f"`{name}` must have {rank} dimensions (batch included), but has {len(dims)}. "
            f"Received: {name}={shape!r}"
        )
    out: list[int | None] = []
    for dim in dims:
        if dim is None:
            out.append(None)
        elif _is_int(dim):
            if int(dim) <= 0:
                raise ValueError(
                    f"Every dimension of `{name}` must be a positive integer or None. Received: {name}={shape!r}"
                )
            if int(dim) > MAX_DIM:
                raise ValueError(f"A dimension of `{name}` is larger than {MAX_DIM:,}. Received: {name}={shape!r}")
            out.append(int(dim))
        else:
            raise TypeError(
                f"Every dimension of `{name}` must be a positive integer or None, but it contains {dim!r}. "
                f"Received: {name}={shape!r}"
            )
    return tuple(out)
