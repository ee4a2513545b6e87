"""Numbers mode of a :class:`~convkit.widgets.traversal.KernelTraversal`: the ``numbers`` setting checked, and
the values it shows (input channel 0, kernel weights, every output) computed by the core and written as text.

:func:`check_numbers` is the one place that reads a learner's ``numbers`` (``None``, ``True``/``False`` or
``(x, kernel)`` arrays): anything that is not an array of finite real numbers of the right shape is refused with
a ``ValueError``/``TypeError`` that names the value (strings, complex numbers, ``10**400``, ragged lists ...).
:func:`shown_values` computes what the picture shows with :func:`convkit.convolve` / :func:`convkit.pool`; its
texts are :func:`convkit.render.traversal_words.number_texts`, the exporter's, so both write the same digits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.words import short_repr
from ..render.traversal_words import integral, number_texts
from ._traversal_params import MAX_NUMBERS_CELLS, MAX_NUMBERS_VALUES, TraversalParams, demo_numbers

__all__ = ["MAX_ABS_VALUE", "ShownValues", "check_numbers", "shown_values"]

#: Largest magnitude of a value in numbers mode (products and sums stay far from float overflow).
MAX_ABS_VALUE = 1e100


@dataclass(frozen=True)
class ShownValues:
    """What numbers mode shows: ``x`` ``(1, *input_size, C)`` and ``kernel`` ``(*kernel_size, depth, F)``
    (``None`` for pooling) as checked, ``y`` the output channel 0 in step order, and the texts of the input
    cells of channel 0, the kernel taps (channel 0, filter 0) and ``y``."""

    x: np.ndarray
    kernel: np.ndarray | None
    y: np.ndarray
    x_text: list[str]
    w_text: list[str] | None
    y_text: list[str]


def _real_array(value: Any, what: str) -> np.ndarray:
    """``value`` as a float64 array of finite real numbers, or a clear refusal naming it (``what``: ``x`` is
    ``numbers[0]``, ``kernel`` is ``numbers[1]``)."""
    shown = f"Received: numbers[{0 if what == 'x' else 1}]={short_repr(value)}"
    if isinstance(value, (str, bytes)):
        raise TypeError(f"`numbers` {what} must be an array of numbers, not text. {shown}")
    try:
        array = np.asarray(value)
    except (ValueError, TypeError, OverflowError):
        raise TypeError(
            f"`numbers` {what} must be an array of numbers (nested lists of equal length work too). {shown}"
        ) from None
    if array.dtype.kind == "c":
        raise TypeError(
            f"`numbers` {what} must hold real numbers, not complex ones: use the real part "
            f"(x.real) if that is what you mean. {shown}"
        )
    if array.dtype.kind not in "biuf":
        raise TypeError(f"`numbers` {what} must hold real numbers (ints or floats), not {array.dtype} values. {shown}")
    array = array.astype(np.float64)
    if array.size and not (np.isfinite(array).all() and np.abs(array).max() <= MAX_ABS_VALUE):
        raise ValueError(
            f"`numbers` {what} must hold finite numbers of at most {MAX_ABS_VALUE:g} in size (no nan or inf). {shown}"
        )
    return array


def _check_size(params: TraversalParams) -> None:
    cells = int(np.prod(params.input_size))
    if cells > MAX_NUMBERS_CELLS:
        raise ValueError(
            f"Numbers mode shows the values of inputs up to {MAX_NUMBERS_CELLS:,} cells (256×256); this input has "
            f"{cells:,}. Use numbers=None or a smaller input. Received: input_size={params.input_size}"
        )
    values = cells * params.in_channels
    if values > MAX_NUMBERS_VALUES:
        raise ValueError(
            f"Numbers mode computes every input channel: {cells:,} cells × {params.in_channels:,} channels = "
            f"{values:,} values, more than the {MAX_NUMBERS_VALUES:,} it handles. Use fewer channels, a smaller "
            f"input or numbers=None. Received: in_channels={params.in_channels}"
        )
    if params.groups > 1:
        raise ValueError(
            f"Numbers mode draws ungrouped layers only. Use numbers=None, or groups=1. Received: groups={params.groups}"
        )


def check_numbers(numbers: Any, params: TraversalParams) -> tuple[np.ndarray, np.ndarray | None] | None:
    """``None`` (numbers off), or ``(x, kernel)`` shaped ``(1, *input_size, C_in)`` and ``(*kernel_size, depth, F)``.

    ``numbers=True`` picks small integers; ``(x, kernel)`` may leave out the batch and channel axes
    (``x`` of shape ``input_size``, ``kernel`` of shape ``kernel_size``); pooling needs no kernel.
    """
    if numbers is None or numbers is False or (isinstance(numbers, np.bool_) and not numbers):
        return None
    _check_size(params)
    if numbers is True or isinstance(numbers, np.bool_):
        x, kernel = demo_numbers(params)
        return x, None if params.is_pool else kernel
    if isinstance(numbers, np.ndarray) or not isinstance(numbers, (tuple, list)) or len(numbers) != 2:
        if not params.is_pool:
            raise TypeError(
                "`numbers` must be None, True, or a pair (x, kernel) of arrays. "
                f"Received: numbers={short_repr(numbers)} (of type {type(numbers).__name__})"
            )
        numbers = (numbers, None)
    x = _real_array(numbers[0], "x")
    size, c = params.input_size, params.in_channels
    shapes = ((size,) if c == 1 else ()) + ((*size, c), (1, *size, c))  # one channel may leave its axis out
    if x.shape not in shapes:
        raise ValueError(
            f"`numbers` x must have shape {' or '.join(map(str, shapes))} for input_size={size} and "
            f"in_channels={c}. Received: x.shape={x.shape}"
        )
    x = x.reshape(1, *size, c)
    if params.is_pool:
        return x, None
    if numbers[1] is None:
        raise ValueError("`numbers` needs kernel weights for a convolution: numbers=(x, kernel). Received: kernel=None")
    kernel = _real_array(numbers[1], "kernel")
    depth = 1 if params.kind != "conv" else c
    k = params.kernel_size
    if kernel.shape == k:
        kernel = np.repeat(kernel.reshape(*k, 1, 1), depth, axis=-2)
    if kernel.ndim != len(k) + 2 or kernel.shape[:-1] != (*k, depth) or kernel.shape[-1] < 1:
        raise ValueError(
            f"`numbers` kernel must have shape {k} or {(*k, depth, 'filters')} (kernel depth {depth} must match "
            f"the input channels). Received: kernel.shape={kernel.shape}"
        )
    return x, kernel


def shown_values(params: TraversalParams, checked: tuple[np.ndarray, np.ndarray | None]) -> ShownValues:
    """Channel 0 of the input, filter 0 of the kernel, and output channel 0 of every step (from the core)."""
    from ..core.numeric import convolve, pool

    x, kernel = checked
    if params.is_pool or kernel is None:
        y = pool(x[..., :1], params.kernel_size, params.strides, str(params.padding), params.operation)
        w = None
    else:
        xs, ks = (x, kernel[..., :1]) if params.kind == "conv" else (x[..., :1], kernel[..., :1, :1])
        y = convolve(xs, ks, params.strides, params.padding, params.dilation_rate)
        w = kernel[..., 0, 0].reshape(-1)  # C-order over the kernel = the core's tap order
    x0, y0 = x[0, ..., 0], y[0, ..., 0].reshape(-1)
    whole = integral(x0, w)
    return ShownValues(
        x, kernel, y0, number_texts(x0, whole), None if w is None else number_texts(w, whole), number_texts(y0, whole)
    )
