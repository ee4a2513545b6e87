"""Per-axis arithmetic: the one place where output sizes and padding are computed.

Shapes, traversal geometry, numeric convolution, explanations and pictures all call these
functions, so TensorFlow's rules live here once:

* ``"valid"``: no padding, ``out = floor((n - k_eff) / s) + 1`` and it must be positive;
* ``"same"``: ``out = ceil(n / s)``; total padding ``P = max((out - 1)·s + k_eff - n, 0)`` split
  ``P // 2`` before and the rest after (the odd row goes after);
* ``"causal"`` (1-D only): ``k_eff - 1`` before, nothing after, ``out = ceil(n / s)``;
* explicit ``(before, after)`` integers: ``out = floor((n + before + after - k_eff) / s) + 1``;

with ``k_eff = (k - 1)·d + 1`` the effective (dilated) kernel size. Transposed convolutions follow
Keras 3's ``_get_output_shape_given_tf_padding``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .args import check_nonnegative_int, check_positive_int, refuse_unordered, short_repr

__all__ = [
    "ConvAxis",
    "TransposedAxis",
    "effective_kernel_size",
    "same_padding",
    "conv_axis",
    "pool_axis",
    "transposed_axis",
]


def effective_kernel_size(kernel_size: int, dilation_rate: int = 1) -> int:
    """Span of a dilated kernel: ``(k - 1)·d + 1``.

    >>> effective_kernel_size(3, 2)
    5
    """
    return (kernel_size - 1) * dilation_rate + 1


def same_padding(size: int, kernel_size: int, strides: int = 1, dilation_rate: int = 1) -> tuple[int, int]:
    """TensorFlow's ``"same"`` padding ``(before, after)`` for one axis.

    >>> same_padding(28, 3, 2)   # ceil(28/2)=14; P = 13·2 + 3 - 28 = 1
    (0, 1)
    >>> same_padding(5, 4)       # even kernel: the extra cell goes after
    (1, 2)
    """
    out = -(-size // strides)
    total = max((out - 1) * strides + effective_kernel_size(kernel_size, dilation_rate) - size, 0)
    return total // 2, total - total // 2


@dataclass(frozen=True, slots=True)
class ConvAxis:
    """The arithmetic of one spatial axis of a (non-transposed) convolution or pooling window.

    ``size``, ``pad_before``, ``pad_after`` and ``output`` are ``None`` when the input size is unknown.
    ``padding`` is ``"valid"``, ``"same"``, ``"causal"`` or ``"explicit"``.
    """

    size: int | None
    kernel_size: int
    strides: int
    dilation_rate: int
    padding: str
    pad_before: int | None
    pad_after: int | None
    output: int | None

    @property
    def effective_kernel(self) -> int:
        return effective_kernel_size(self.kernel_size, self.dilation_rate)

    @property
    def total_padding(self) -> int | None:
        if self.pad_before is None or self.pad_after is None:
            return None
        return self.pad_before + self.pad_after

    @property
    def padded_size(self) -> int | None:
        if self.size is None or self.total_padding is None:
            return None
        return self.size + self.total_padding


def _axis_label(axis: str | None) -> str:
    return f" along {axis}" if axis else ""


def conv_axis(
    size: int | None,
    kernel_size: int,
    strides: int = 1,
    padding: Any = "valid",
    dilation_rate: int = 1,
    *,
    axis: str | None = None,
) -> ConvAxis:
    """Output size and padding of one axis, exactly as TensorFlow computes them.

    ``padding`` is ``"valid"``, ``"same"``, ``"causal"`` or a ``(before, after)`` pair of
    non-negative integers. Raises ``ValueError`` when the output would be empty.

    >>> conv_axis(28, 3, 2, "valid").output
    13
    >>> a = conv_axis(28, 3, 2, "same"); (a.output, a.pad_before, a.pad_after)
    (14, 0, 1)
    """
    # Results are immutable and a pure function of the arguments, so they are memoised (a shape trace asks the
    # same questions again and again). ``typed=True`` keeps 3, 3.0 and True apart; explicit (before, after)
    # pairs skip the cache, since (0, 1) and (0.0, 1) compare equal but only one of them is valid.
    if isinstance(padding, str):
        try:
            return _conv_axis_cached(size, kernel_size, strides, padding, dilation_rate, axis)
        except TypeError:
            pass  # unhashable or ill-typed arguments: the uncached call below raises the clear error
    return _conv_axis(size, kernel_size, strides, padding, dilation_rate, axis)


def _conv_axis(
    size: Any, kernel_size: Any, strides: Any, padding: Any, dilation_rate: Any, axis: str | None
) -> ConvAxis:
    """The uncached computation behind :func:`conv_axis`."""
    k = check_positive_int(kernel_size, "kernel_size")
    s = check_positive_int(strides, "strides")
    d = check_positive_int(dilation_rate, "dilation_rate")
    n = None if size is None else check_positive_int(size, "input_size")
    k_eff = effective_kernel_size(k, d)
    if isinstance(padding, str):
        mode = padding.lower()
        if mode not in ("valid", "same", "causal"):
            raise ValueError(
                f'`padding` must be "valid", "same", "causal" (1-D) or a (before, after) pair of integers. '
                f"Received: padding={short_repr(padding)}"
            )
    else:
        mode = "explicit"
        refuse_unordered(padding, "padding")
        try:
            before, after = padding
        except (TypeError, ValueError):
            raise TypeError(
                f'`padding` must be "valid", "same", "causal" or a (before, after) pair of non-negative integers. '
                f"Received: padding={short_repr(padding)}"
            ) from None
        before = check_nonnegative_int(before, "padding")
        after = check_nonnegative_int(after, "padding")
    if n is None:
        if mode == "explicit":
            return ConvAxis(None, k, s, d, mode, before, after, None)
        if mode == "causal":
            return ConvAxis(None, k, s, d, mode, k_eff - 1, 0, None)
        if mode == "valid":
            return ConvAxis(None, k, s, d, mode, 0, 0, None)
        return ConvAxis(None, k, s, d, mode, None, None, None)
    if mode == "same":
        before, after = same_padding(n, k, s, d)
    elif mode == "causal":
        before, after = k_eff - 1, 0
    elif mode == "valid":
        before, after = 0, 0
    padded = n + before + after
    if padded < k_eff:
        dil = f" (kernel_size={k} dilated by {d} spans {k_eff} cells)" if d > 1 else ""
        pad = f"padded input {padded} = {n} + {before} + {after}" if before or after else f"input {n}"
        raise ValueError(
            f"Computed output size would be zero or negative{_axis_label(axis)}: the kernel {k_eff}{dil} is larger "
            f'than the {pad}. Use a smaller kernel or dilation, padding="same", or a larger input. '
            f"Received: input_size={n}, kernel_size={k}, strides={s}, dilation_rate={d}, padding={short_repr(padding)}"
        )
    output = (padded - k_eff) // s + 1
    return ConvAxis(n, k, s, d, mode, before, after, output)


_conv_axis_cached = lru_cache(maxsize=4096, typed=True)(_conv_axis)


def pool_axis(
    size: int | None, pool_size: int, strides: int | None = None, padding: str = "valid", *, axis: str | None = None
) -> ConvAxis:
    """One axis of a pooling window: a convolution without dilation whose stride defaults to the pool size.

    >>> pool_axis(13, 2).output
    6
    """
    strides = pool_size if strides is None else strides
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise ValueError(f'Pooling `padding` must be "valid" or "same". Received: padding={short_repr(padding)}')
    return conv_axis(size, pool_size, strides, padding, 1, axis=axis)


@dataclass(frozen=True, slots=True)
class TransposedAxis:
    """One axis of a transposed convolution (Keras 3 / TensorFlow rules).

    ``output_padding`` is what the user passed (``None`` or an int); ``used_output_padding`` the value
    the formula used (for ``"valid"`` with ``None`` Keras uses ``max(k_eff, s) - k_eff``).
    """

    size: int | None
    kernel_size: int
    strides: int
    dilation_rate: int
    padding: str
    output_padding: int | None
    output: int | None

    @property
    def effective_kernel(self) -> int:
        return effective_kernel_size(self.kernel_size, self.dilation_rate)

    @property
    def used_output_padding(self) -> int | None:
        if self.padding == "valid":
            if self.output_padding is None:
                return max(self.effective_kernel, self.strides) - self.effective_kernel
            return self.output_padding
        return self.output_padding


def transposed_axis(
    size: int | None,
    kernel_size: int,
    strides: int = 1,
    padding: str = "valid",
    output_padding: int | None = None,
    dilation_rate: int = 1,
    *,
    axis: str | None = None,
) -> TransposedAxis:
    """Output size of one axis of ``Conv*Transpose`` as Keras 3 computes it.

    * ``"valid"``: ``(n - 1)·s + k_eff + op`` with ``op = max(k_eff, s) - k_eff`` when ``output_padding=None``;
    * ``"same"``, ``output_padding=None``: ``n·s``;
    * ``"same"`` with ``output_padding``: ``(n - 1)·s + (k_eff mod 2) + op``.

    >>> transposed_axis(7, 3, 2, "same").output
    14
    >>> transposed_axis(7, 3, 2, "same", output_padding=0).output
    13
    """
    k = check_positive_int(kernel_size, "kernel_size")
    s = check_positive_int(strides, "strides")
    d = check_positive_int(dilation_rate, "dilation_rate")
    n = None if size is None else check_positive_int(size, "input_size")
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise ValueError(
            f'A transposed convolution\'s `padding` must be "valid" or "same". Received: padding={short_repr(padding)}'
        )
    mode = padding.lower()
    op = None if output_padding is None else check_nonnegative_int(output_padding, "output_padding")
    if op is not None and op >= s:
        raise ValueError(
            f"`output_padding` must be smaller than the stride{_axis_label(axis)} ({s}): it only chooses among the "
            f"{s} input sizes a stride-{s} convolution maps to the same output. "
            f"Received: output_padding={op}, strides={s}"
        )
    k_eff = effective_kernel_size(k, d)
    if n is None:
        out = None
    elif mode == "valid":
        out = (n - 1) * s + k_eff + (max(k_eff, s) - k_eff if op is None else op)
    elif op is None:
        out = n * s
    else:
        out = (n - 1) * s + k_eff % 2 + op
    if out is not None and out <= 0:
        raise ValueError(
            f"Computed output size would be zero or negative{_axis_label(axis)}: (n - 1)·s + (k_eff mod 2) + "
            f"output_padding = ({n} - 1)·{s} + {k_eff % 2} + {op} = {out}. Use a larger output_padding or "
            f"output_padding=None. Received: input_size={n}, kernel_size={k}, strides={s}, output_padding={op}"
        )
    return TransposedAxis(n, k, s, d, mode, op, out)
