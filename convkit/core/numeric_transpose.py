"""Numeric transposed convolution in numpy, equal to ``keras.ops.conv_transpose``.

The geometry is the transposed traversal's (:func:`~convkit.core.traversal_transpose.traverse_transpose`), so
numbers, shapes and pictures agree. The sum is done the scatter way: for each kernel tap (a Python loop over
the ``k_h·k_w`` taps, never over cells) every input cell's channels are multiplied by that tap's
``(filters, C_in)`` matrix at once and added into a strided slice of the output, in float64.

:func:`zero_stuff` and :func:`flip_kernel` give the direct view: a plain :func:`~convkit.core.numeric.convolve`
of the stuffed input with the flipped kernel, padded by the traversal's ``direct_padding``, gives the same array.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .args import normalize_tuple
from .numeric import MAX_MULTIPLY_ADDS, _as_array, _check_batch, _result_dtype
from .traversal_transpose import TransposedTraversal, traverse_transpose

__all__ = ["MAX_TRANSPOSE_ELEMENTS", "convolve_transpose", "zero_stuff", "flip_kernel"]

#: Largest array :func:`convolve_transpose` builds (the output, or one tap's products): 2**25 float64 = 256 MiB.
MAX_TRANSPOSE_ELEMENTS = 2**25


def _check_kernel(x: np.ndarray, kernel: np.ndarray, rank: int) -> None:
    if kernel.ndim != rank + 2:
        hint = ""
        if kernel.ndim == rank + 3 and rank < 3:
            hint = f" If x is one example without its batch dimension, add it: x[None], shape {(1, *x.shape)}."
        raise ValueError(
            f"`kernel` must have Keras' transposed layout (*kernel_size, filters, in_channels): {rank + 2} "
            f"dimensions for an input with {rank} spatial axes.{hint} "
            f"Received: kernel.shape={kernel.shape}, x.shape={x.shape}"
        )
    if 0 in kernel.shape:
        raise ValueError(f"`kernel` has an empty dimension. Received: kernel.shape={kernel.shape}")
    if kernel.shape[-1] != x.shape[-1]:
        c_in, shape = x.shape[-1], kernel.shape
        if shape[-2] == c_in:
            fix = (
                f"This looks like Conv's order (*kernel_size, in_channels, filters): swap the last two axes, "
                f"kernel.swapaxes(-1, -2), shape {(*shape[:-2], shape[-1], shape[-2])}."
            )
        else:
            fix = f"Use a kernel of shape {(*shape[:-1], c_in)} (filters={shape[-2]})."
        raise ValueError(
            f"The kernel's last dimension {shape[-1]} must equal the input's channels {c_in}: a transposed kernel "
            f"is (*kernel_size, filters, in_channels), the reverse of Conv's order. {fix} "
            f"Received: kernel.shape={shape}, x.shape={x.shape}"
        )


def _check_work(x: np.ndarray, kernel: np.ndarray, t: TransposedTraversal) -> None:
    batch, c_in, filters = x.shape[0], x.shape[-1], kernel.shape[-2]
    work = batch * t.num_steps * t.num_taps * c_in * filters
    received = f"Received: x.shape={x.shape}, kernel.shape={kernel.shape}, strides={t.strides}"
    if work > MAX_MULTIPLY_ADDS:
        raise ValueError(
            f"This needs {work:,} multiply-adds and convkit's numpy version does at most {MAX_MULTIPLY_ADDS:,} "
            f"(2**31): use a smaller batch, input, kernel or fewer channels (or TensorFlow). {received}"
        )
    biggest = batch * filters * max(math.prod(t.output_size), t.num_steps)
    if biggest > MAX_TRANSPOSE_ELEMENTS:
        raise ValueError(
            f"The output would hold {biggest:,} numbers and convkit's numpy version builds at most "
            f"{MAX_TRANSPOSE_ELEMENTS:,} (2**25): use a smaller batch, input, stride or fewer filters "
            f"(or TensorFlow). {received}"
        )


def _tap_slices(t: TransposedTraversal, offset: tuple[int, ...]) -> tuple[tuple[slice, ...], tuple[slice, ...]] | None:
    """For one tap: the input cells whose tap lands inside the output, and the output cells they land on."""
    sources, targets = [], []
    for a, (before, _), off, n, n_out in zip(t.axes, t.crop, offset, t.input_size, t.output_size):
        shift = off - before  # input cell i lands on output cell i·s + shift
        lo = max(0, -(shift // a.strides))  # first i with i·s + shift >= 0
        hi = min(n, (n_out - 1 - shift) // a.strides + 1)  # past the last i landing before the end
        if lo >= hi:
            return None
        start = lo * a.strides + shift
        sources.append(slice(lo, hi))
        targets.append(slice(start, start + (hi - lo - 1) * a.strides + 1, a.strides))
    return tuple(sources), tuple(targets)


def convolve_transpose(
    x: Any,
    kernel: Any,
    strides: Any = 1,
    padding: str = "valid",
    output_padding: Any = None,
    dilation_rate: Any = 1,
) -> np.ndarray:
    """Transposed convolution of ``x`` with ``kernel``, as ``keras.ops.conv_transpose`` (channels last).

    Parameters
    ----------
    x
        ``(N, *spatial, C_in)`` with 1 to 3 spatial axes.
    kernel
        Keras' transposed layout ``(*kernel_size, filters, C_in)`` (a ``Conv*DTranspose`` layer's kernel).
    strides, padding, output_padding, dilation_rate
        As in :func:`~convkit.core.traversal_transpose.traverse_transpose`.

    Returns
    -------
    numpy.ndarray
        ``(N, *output_size, filters)``, computed in float64 and returned in ``x``'s float dtype (float64 for ints).

    Notes
    -----
    ``padding="same"`` with ``output_padding=0`` and an even (dilated) kernel is computed as Keras defines it
    (its JAX, PyTorch and NumPy backends run it); TensorFlow's kernel refuses that one configuration.

    Examples
    --------
    Each input cell adds a copy of the kernel, times its value; where copies overlap they add up:

    >>> convolve_transpose(np.array([1.0, 10.0]).reshape(1, 2, 1), np.ones((3, 1, 1)), strides=2)[0, :, 0]
    array([ 1.,  1., 11., 10., 10.])
    >>> convolve_transpose(np.ones((1, 13, 13, 4)), np.ones((3, 3, 8, 4)), strides=2, output_padding=1).shape
    (1, 28, 28, 8)
    """
    x = _as_array(x, "x")
    kernel = _as_array(kernel, "kernel")
    rank = _check_batch(x)
    _check_kernel(x, kernel, rank)
    t = traverse_transpose(x.shape[1:-1], kernel.shape[:-2], strides, padding, output_padding, dilation_rate)
    _check_work(x, kernel, t)
    batch, filters = x.shape[0], kernel.shape[-2]
    xf = x.astype(np.float64, copy=False)
    w = kernel.astype(np.float64, copy=False)
    out = np.zeros((batch, *t.output_size, filters), np.float64)
    everything = (slice(None),)
    for kernel_index, offset in zip(np.ndindex(*t.kernel_size), t.tap_offsets().tolist()):
        slices = _tap_slices(t, tuple(offset))
        if slices is None:  # this tap of every input cell falls in the crop
            continue
        source, target = slices
        # (N, *cells, C_in) · (filters, C_in)ᵀ -> (N, *cells, filters), added where the tap lands
        out[everything + target] += np.tensordot(xf[everything + source], w[kernel_index], axes=([-1], [1]))
    with np.errstate(over="ignore", invalid="ignore"):  # beyond float32's range: ±inf, as TensorFlow gives
        return out.astype(_result_dtype(x), copy=False)


def zero_stuff(x: Any, strides: Any) -> np.ndarray:
    """``x`` (``(N, *spatial, C)``) with ``s - 1`` zeros inserted between neighbouring cells of every spatial axis.

    >>> zero_stuff(np.array([1.0, 2.0, 3.0]).reshape(1, 3, 1), 2)[0, :, 0]
    array([1., 0., 2., 0., 3.])
    """
    x = _as_array(x, "x")
    rank = _check_batch(x)
    stride = normalize_tuple(strides, rank, "strides")
    size = tuple((n - 1) * s + 1 for n, s in zip(x.shape[1:-1], stride))
    out = np.zeros((x.shape[0], *size, x.shape[-1]), _result_dtype(x))
    every_s_th = (slice(None), *(slice(None, None, s) for s in stride), slice(None))
    out[every_s_th] = x
    return out


def flip_kernel(kernel: Any) -> np.ndarray:
    """A transposed kernel ``(*k, filters, C_in)`` as the direct view's ``convolve`` kernel ``(*k, C_in, filters)``.

    Every spatial axis is reversed (tap ``j`` becomes ``k - 1 - j``) and the two channel axes are swapped.

    >>> flip_kernel(np.arange(3.0).reshape(3, 1, 1))[:, 0, 0]
    array([2., 1., 0.])
    """
    kernel = _as_array(kernel, "kernel")
    if not 3 <= kernel.ndim <= 5:
        raise ValueError(
            f"`kernel` must have shape (*kernel_size, filters, in_channels) with 1 to 3 spatial axes. "
            f"Received: kernel.shape={kernel.shape}"
        )
    spatial = kernel.ndim - 2
    flipped: np.ndarray = np.flip(kernel, axis=tuple(range(spatial))).swapaxes(-1, -2)
    return flipped
