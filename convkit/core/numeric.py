"""Numeric convolution and pooling in numpy, equal to TensorFlow's ``tf.nn.convolution`` / pooling.

The geometry (output size, padding) is the traversal's, so numbers, shapes and pictures agree: the
input is padded with :attr:`Traversal.padding` by :func:`pad_spatial`, then a vectorised sliding
window (``sliding_window_view`` + ``tensordot``) does the sums, in float64.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .args import axis_names, normalize_tuple, short_repr
from .axis import pool_axis
from .traversal import Step, Traversal, traversal_from_axes, traverse

__all__ = ["MAX_MULTIPLY_ADDS", "MAX_ELEMENTS", "convolve", "pool", "pad_spatial", "Term", "StepTerms", "step_terms"]

#: Largest number of multiply-adds :func:`convolve` performs (a few seconds of numpy at most).
MAX_MULTIPLY_ADDS = 2**31
#: Largest array :func:`convolve` and :func:`pool` build: the padded input and the output each hold at most
#: this many numbers (batch × spatial cells × channels; 2**25 float64 = 256 MiB). The padded size counts, so
#: a 5-cell input padded by millions is refused, not copied.
MAX_ELEMENTS = 2**25
#: Elements of the window copy ``tensordot`` makes per chunk (2**22 float64 = 32 MiB).
_CHUNK = 2**22


def _as_array(value: Any, name: str) -> np.ndarray:
    if not isinstance(value, np.ndarray):
        try:
            too_long = hasattr(value, "__len__") and len(value) > MAX_ELEMENTS
        except (TypeError, OverflowError):  # len() of a range beyond sys.maxsize overflows
            too_long = True
        if too_long:
            raise ValueError(
                f"`{name}` is too large: convkit's numpy version works on at most {MAX_ELEMENTS:,} numbers. "
                f"Received: {name}={short_repr(value)}"
            )
        try:
            value = np.asarray(value)
        except ValueError:  # ragged nested lists
            raise ValueError(
                f"`{name}` must be a rectangular array of numbers (all rows the same length). "
                f"Received: {name}={short_repr(value)}"
            ) from None
        except (MemoryError, OverflowError):
            raise ValueError(
                f"`{name}` is too large to hold as an array. Received: {name}={short_repr(value)}"
            ) from None
    array: np.ndarray = value
    if array.dtype == bool or not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        raise TypeError(
            f"`{name}` must be an array of real numbers (int or float), not {array.dtype}. "
            f"Received: {name} of dtype {array.dtype}"
        )
    return array


def _result_dtype(x: np.ndarray) -> np.dtype:
    return x.dtype if np.issubdtype(x.dtype, np.floating) else np.dtype(np.float64)


def _check_batch(x: np.ndarray, name: str = "x") -> int:
    """Rank of ``x``, shaped ``(N, *spatial, C)`` with 1 to 3 spatial axes and at least one channel."""
    if not 3 <= x.ndim <= 5:
        raise ValueError(
            f"`{name}` must have shape (batch, *spatial, channels) with 1 to 3 spatial axes, i.e. 3 to 5 "
            f"dimensions, e.g. (1, 28, 28, 1) for one grey 28×28 image. Received: {name}.shape={x.shape}"
        )
    if x.shape[-1] == 0 or any(n == 0 for n in x.shape[1:-1]):
        raise ValueError(f"`{name}` has an empty spatial or channel dimension. Received: {name}.shape={x.shape}")
    return x.ndim - 2


def pad_spatial(x: np.ndarray, padding: tuple[tuple[int, int], ...], value: float = 0.0) -> np.ndarray:
    """Pad the spatial axes of ``x`` (``(N, *spatial, C)``) by per-axis ``(before, after)`` with ``value``.

    The only padding function of the numbers: ``padding`` is a traversal's, from :mod:`convkit.core.axis`.

    >>> pad_spatial(np.ones((1, 2, 1)), ((0, 1),))[0, :, 0]
    array([1., 1., 0.])
    """
    if not any(b or a for b, a in padding):
        return x
    return np.pad(x, ((0, 0), *padding, (0, 0)), constant_values=value)


def _windows(xp: np.ndarray, traversal: Traversal) -> np.ndarray:
    """View ``(N, *output_size, C, *kernel_size)`` of the padded input: every tap of every step."""
    rank = traversal.rank
    spatial = tuple(range(1, rank + 1))
    view = sliding_window_view(xp, traversal.effective_kernel, axis=spatial)
    select = (
        (slice(None),)
        + tuple(slice(None, (o - 1) * s + 1, s) for o, s in zip(traversal.output_size, traversal.strides))
        + (slice(None),)
        + tuple(slice(None, None, d) for d in traversal.dilation_rate)
    )
    return view[select]


def _check_work(work: int, shape: tuple[int, ...], what: str) -> None:
    if work > MAX_MULTIPLY_ADDS:
        raise ValueError(
            f"This needs {work:,} multiply-adds and convkit's numpy version does at most {MAX_MULTIPLY_ADDS:,} "
            f"(2**31): use a smaller batch, input, kernel or fewer channels (or TensorFlow). "
            f"Received: x.shape={shape}, {what}"
        )


def _check_sizes(x: np.ndarray, traversal: Traversal, out_channels: int, what: str) -> None:
    """Refuse a padded input or an output larger than ``MAX_ELEMENTS`` numbers, before anything is allocated."""
    padded = x.shape[0] * math.prod(traversal.padded_size) * x.shape[-1]
    output = x.shape[0] * traversal.num_steps * out_channels
    for count, name in ((padded, "padded input"), (output, "output")):
        if count > MAX_ELEMENTS:
            raise ValueError(
                f"The {name} would hold {count:,} numbers and convkit's numpy version builds at most "
                f"{MAX_ELEMENTS:,} (2**25): use a smaller batch, input, padding or fewer channels (or TensorFlow). "
                f"Received: x.shape={x.shape}, padding={traversal.padding}, {what}"
            )


def convolve(x: Any, kernel: Any, strides: Any = 1, padding: Any = "valid", dilation_rate: Any = 1) -> np.ndarray:
    """Convolve (cross-correlate, like every deep-learning library) ``x`` with ``kernel``, as ``tf.nn.convolution``.

    Parameters
    ----------
    x
        ``(N, *spatial, C_in)`` with 1 to 3 spatial axes (channels last).
    kernel
        ``(*kernel_size, C_in, C_out)``.
    strides, padding, dilation_rate
        As in :func:`~convkit.core.traversal.traverse`: ``"valid"``, ``"same"``, ``"causal"`` (1-D) or explicit
        ``(before, after)`` pairs.

    Returns
    -------
    numpy.ndarray
        ``(N, *output_size, C_out)``, computed in float64 and returned in ``x``'s float dtype (float64 for ints).

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 4, 4, 1)
    >>> convolve(x, np.ones((2, 2, 1, 1)), strides=2)[0, :, :, 0]
    array([[10., 18.],
           [42., 50.]])
    >>> convolve(np.ones((1, 28, 28, 3)), np.ones((3, 3, 3, 32)), strides=2).shape
    (1, 13, 13, 32)
    """
    x = _as_array(x, "x")
    kernel = _as_array(kernel, "kernel")
    rank = _check_batch(x)
    if kernel.ndim != rank + 2:
        raise ValueError(
            f"`kernel` must have shape (*kernel_size, in_channels, filters): {rank + 2} dimensions for an input "
            f"with {rank} spatial axes. Received: kernel.shape={kernel.shape}, x.shape={x.shape}"
        )
    if kernel.shape[-2] != x.shape[-1]:
        raise ValueError(
            f"The kernel's depth {kernel.shape[-2]} must equal the input's channels {x.shape[-1]}: every filter "
            f"spans all input channels. Use a kernel of shape {(*kernel.shape[:-2], x.shape[-1], kernel.shape[-1])}. "
            f"Received: kernel.shape={kernel.shape}, x.shape={x.shape}"
        )
    if 0 in kernel.shape:
        raise ValueError(f"`kernel` has an empty dimension. Received: kernel.shape={kernel.shape}")
    traversal = traverse(x.shape[1:-1], kernel.shape[:-2], strides, padding, dilation_rate)
    batch, c_in, c_out = x.shape[0], x.shape[-1], kernel.shape[-1]
    work = batch * traversal.num_steps * traversal.num_taps * c_in * c_out
    _check_work(work, x.shape, f"kernel.shape={kernel.shape}")
    _check_sizes(x, traversal, c_out, f"kernel.shape={kernel.shape}")
    xp = pad_spatial(x.astype(np.float64, copy=False), traversal.padding)
    windows = _windows(xp, traversal)  # (N, *out, C_in, *k)
    w = kernel.astype(np.float64, copy=False)
    # a chunk windows[n, rows] is (rows, *out[1:], C_in, *k): contract C_in and k with the kernel's
    axes = ([rank, *range(rank + 1, 2 * rank + 1)], [rank, *range(rank)])
    out = np.empty((batch, *traversal.output_size, c_out), np.float64)
    rows = traversal.output_size[0]
    per_row = math.prod(traversal.output_size[1:]) * c_in * traversal.num_taps
    step = max(1, _CHUNK // max(per_row, 1))
    with np.errstate(over="ignore", invalid="ignore"):  # inf, NaN and inf - inf come out as in TensorFlow, silently
        for n in range(batch):  # chunks bound the copy tensordot makes; no loop over pixels
            for r in range(0, rows, step):
                out[n, r : r + step] = np.tensordot(windows[n, r : r + step], w, axes=axes)
    return _cast(out, _result_dtype(x))


def _cast(out: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``out`` in the result dtype; values beyond its range become ±inf as in TensorFlow, without a warning."""
    with np.errstate(over="ignore", invalid="ignore"):
        return out.astype(dtype, copy=False)


_POOL_MODES = ("max", "average")


def pool(x: Any, pool_size: Any, strides: Any = None, padding: str = "valid", mode: str = "max") -> np.ndarray:
    """Max or average pooling of ``x`` (``(N, *spatial, C)``), as ``tf.nn.max_pool`` / ``tf.nn.avg_pool``.

    ``strides`` defaults to ``pool_size``. With ``padding="same"`` the padded cells never win a max and are
    left out of an average's count, as in TensorFlow.

    Max pooling follows TensorFlow's CPU kernels exactly, NaN included: a window's maximum is taken over its
    values that are not NaN, and starts from the dtype's lowest finite number, so a window of only NaN
    and/or ``-inf`` gives that number (``-3.4028235e+38`` in float32), not NaN or ``-inf``. (TensorFlow's
    3-D pooling without oneDNN is the one exception: there such windows give NaN or ``-inf``.)
    Average pooling propagates NaN, as TensorFlow does.

    Examples
    --------
    >>> x = np.arange(9.0).reshape(1, 3, 3, 1)
    >>> pool(x, 2, padding="same")[0, :, :, 0]
    array([[4., 5.],
           [7., 8.]])
    >>> pool(x, 2, padding="same", mode="average")[0, :, :, 0]
    array([[2. , 3.5],
           [6.5, 8. ]])
    """
    x = _as_array(x, "x")
    rank = _check_batch(x)
    if not isinstance(mode, str) or mode.lower() not in _POOL_MODES:
        raise ValueError(f'`mode` must be "max" or "average". Received: mode={mode!r}')
    mode = mode.lower()
    sizes = normalize_tuple(pool_size, rank, "pool_size")
    stride = sizes if strides is None else normalize_tuple(strides, rank, "strides")
    names = axis_names(rank)
    axes = [pool_axis(n, p, s, padding, axis=a) for n, p, s, a in zip(x.shape[1:-1], sizes, stride, names)]
    traversal = traversal_from_axes(axes)
    _check_work(x.shape[0] * x.shape[-1] * traversal.num_steps * traversal.num_taps, x.shape, f"pool_size={sizes}")
    _check_sizes(x, traversal, x.shape[-1], f"pool_size={sizes}")
    window_axes = tuple(range(-rank, 0))
    xf = x.astype(np.float64, copy=False)
    dtype = _result_dtype(x)
    with np.errstate(over="ignore", invalid="ignore"):
        if mode == "max":
            windows = _windows(pad_spatial(xf, traversal.padding, -np.inf), traversal)
            out = np.fmax.reduce(windows, axis=window_axes)  # fmax skips NaN, like TensorFlow's comparisons
            lowest = float(np.finfo(dtype).min)  # TensorFlow's starting value: no window gives less
            out = np.where(out >= lowest, out, lowest)  # NaN (all-NaN window) and -inf become it
        else:
            total = _windows(pad_spatial(xf, traversal.padding), traversal).sum(axis=window_axes)
            out = total / _window_counts(traversal)[None, ..., None]
    return _cast(out, dtype)


def _window_counts(traversal: Traversal) -> np.ndarray:
    """Non-padding cells in every window, shape ``output_size`` (outer product of per-axis counts)."""
    counts = np.ones((), np.float64)
    sizes = zip(traversal.axes, traversal.input_size, traversal.output_size, traversal.padding)
    for a, n, n_out, (before, _) in sizes:
        starts = np.arange(n_out) * a.strides - before
        lo, hi = np.maximum(starts, 0), np.minimum(starts + a.effective_kernel, n)
        counts = np.multiply.outer(counts, (hi - lo).astype(np.float64))
    return counts


@dataclass(frozen=True, slots=True)
class Term:
    """One tap's contribution to an output cell: ``value * weight = product`` (0 for padding)."""

    kernel_index: tuple[int, ...]
    input_index: tuple[int, ...]
    value: float
    weight: float
    product: float
    is_padding: bool


@dataclass(frozen=True, slots=True)
class StepTerms:
    """The sum behind one output cell of one (input channel, filter) pair, term by term."""

    output_index: tuple[int, ...]
    terms: tuple[Term, ...]
    total: float

    def __str__(self) -> str:
        parts = " + ".join(f"{_num(t.value)}·{_num(t.weight)}" for t in self.terms)
        return f"{parts} = {self.total:.4g}"


def _num(value: float) -> str:
    text = f"{value:.4g}"
    return f"({text})" if value < 0 else text


def step_terms(x: Any, kernel: Any, traversal: Traversal, step: int | Step) -> StepTerms:
    """The terms of one output cell for one input channel and one filter (the widget's numbers mode).

    ``x`` has the traversal's ``input_size`` (or ``(1, *input_size, 1)``); ``kernel`` its ``kernel_size``
    (or ``(*kernel_size, 1, 1)``); ``step`` is a step index or a :class:`~convkit.core.traversal.Step`.
    Padding taps contribute 0.

    >>> t = traverse((3, 3), 2, padding="same")
    >>> terms = step_terms(np.arange(9).reshape(3, 3), np.ones((2, 2)), t, -1)
    >>> [term.value for term in terms.terms], terms.total
    ([8.0, 0.0, 0.0, 0.0], 8.0)
    """
    x = _single_channel(_as_array(x, "x"), traversal.input_size, "x", batch=True)
    kernel = _single_channel(_as_array(kernel, "kernel"), traversal.kernel_size, "kernel", batch=False)
    if not isinstance(step, Step):
        step = traversal.steps[step]
    terms = []
    for tap in step.taps:
        value = 0.0 if tap.is_padding else float(x[tap.input_index])
        weight = float(kernel[tap.kernel_index])
        terms.append(Term(tap.kernel_index, tap.input_index, value, weight, value * weight, tap.is_padding))
    return StepTerms(step.output_index, tuple(terms), float(math.fsum(t.product for t in terms)))


def _single_channel(array: np.ndarray, spatial: tuple[int, ...], name: str, *, batch: bool) -> np.ndarray:
    if array.shape == spatial:
        return array
    full = (1, *spatial, 1) if batch else (*spatial, 1, 1)
    if array.shape == full:
        return array.reshape(spatial)
    raise ValueError(
        f"`{name}` must have shape {spatial} (one channel) or {full} to match the traversal. "
        f"Received: {name}.shape={array.shape}"
    )
