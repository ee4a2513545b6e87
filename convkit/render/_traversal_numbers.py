"""The values a traversal frame writes: the ``numbers`` argument checked and resolved (a small default example,
or the learner's one-channel ``(x, kernel)`` / ``(x, kernel, bias)``), the output at every step (bias included),
and the multiply-sum of one step (``… + bias b = value`` when there is a bias)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.traversal import Traversal
from .traversal_words import fmt, integral, number_texts, sum_template

__all__ = ["AUTO_NUMBERS_MAX", "Numbers", "numbers_on", "resolve_numbers"]

AUTO_NUMBERS_MAX = 12  # numbers=None shows a small integer example up to this padded size (1-D/2-D)


class Numbers:
    """Values of one channel (input and kernel) and the output they give at every step.

    ``channels`` > 1 (a convolution): ``x`` and ``kernel`` carry a last axis of input channels; the picture and
    the multiply-sum show channel 0 and the output sums every channel, as the layer does. ``bias`` (a
    convolution; ``None``: none) is added to every output and written in the sum line. ``whole`` and ``output``
    let a caller that already computed them (the widget) pass its own, so both write the same digits.
    """

    def __init__(
        self,
        t: Traversal,
        x: np.ndarray,
        kernel: np.ndarray | None,
        operation: str,
        channels: int = 1,
        *,
        bias: float | None = None,
        whole: bool | None = None,
        output: np.ndarray | None = None,
    ) -> None:
        xs = x if channels > 1 else x[..., None]
        ks = None if kernel is None else (kernel if channels > 1 else kernel[..., None])
        x, kernel = xs[..., 0], None if ks is None else ks[..., 0]
        bias = None if bias is None or ks is None else float(bias)
        self._t = t
        self.padded = self._padded(x)
        self.x = x
        self.kernel = None if kernel is None else kernel.reshape(-1)
        self.bias = bias
        self.integral = integral(xs, ks, None if bias is None else [bias]) if whole is None else whole
        self.operation = operation
        self._pads = np.array([a.pad_before for a in t.axes])
        self._offsets = t.tap_offsets()
        self._sizes = np.array(t.input_size)
        if output is not None:
            self.output = np.asarray(output, dtype=np.float64).reshape(-1)
        else:
            origins = t.origins()
            self.output = self._reduce(origins)
            if ks is not None:
                for c in range(1, channels):  # the other channels add their own sums (not drawn)
                    values, _ = self.taps(origins, self._padded(xs[..., c]))
                    self.output = self.output + (values * ks[..., c].reshape(-1)).sum(axis=1)
            if bias is not None:
                self.output = self.output + bias
        self._sum = sum_template(t, operation, channels, None if bias is None else fmt(bias, self.integral))
        self._texts = (
            number_texts(x, self.integral),
            None if self.kernel is None else number_texts(self.kernel, self.integral),
            number_texts(self.output, self.integral),
        )

    def _padded(self, x: np.ndarray) -> np.ndarray:
        t = self._t
        out = np.zeros(t.padded_size, dtype=np.float64 if x.dtype.kind == "f" else np.int64)
        out[tuple(slice(before, before + n) for (before, _), n in zip(t.padding, t.input_size))] = x
        return out

    def taps(self, origins: np.ndarray, padded: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Values and padding flags of every tap, for ``origins`` of shape (steps, rank)."""
        index = origins[:, None, :] + self._offsets[None, :, :]
        # numpy's stubs type .any(axis=...) as "bool or array"; over a 3-D index it is the (steps, taps) array
        is_pad: np.ndarray = ((index < 0) | (index >= self._sizes)).any(axis=-1)  # type: ignore[assignment]
        values = self.padded if padded is None else padded
        tapped: np.ndarray = values[tuple(np.moveaxis(index + self._pads, -1, 0))]
        return tapped, is_pad

    def _reduce(self, origins: np.ndarray) -> np.ndarray:
        values, is_pad = self.taps(origins)
        out: np.ndarray
        if self.operation == "conv":
            out = (values * self.kernel).sum(axis=1)
        elif self.operation == "max":
            out = np.where(is_pad, -np.inf, values).max(axis=1)
        else:
            out = np.where(is_pad, 0, values).sum(axis=1) / (~is_pad).sum(axis=1)
        return out

    @property
    def longest_value(self) -> int:
        """Characters of the longest value written in a cell (input, weight or output)."""
        return max((len(text) for texts in self._texts if texts is not None for text in texts), default=1)

    def sum_line(self, t: Traversal, step: int) -> str:
        """``output[0, 5] = 1·0 + 2·1 + … = 7`` or ``max(1, 3, 0) = 3`` / ``mean(...)`` over the non-padding
        taps: :class:`convkit.render.traversal_words.SumTemplate`, the widget's sentence too."""
        return self._sum.fill(step, *self._texts)


def _default_numbers(t: Traversal, operation: str) -> tuple[np.ndarray, np.ndarray | None]:
    """A small integer example (inputs 0..3, kernel 0..2), the same on every call."""
    rng = np.random.default_rng(7)
    x = rng.integers(0, 4, size=t.input_size)
    return x, (None if operation != "conv" else rng.integers(0, 3, size=t.kernel_size))


def numbers_on(t: Traversal, numbers_arg: Any) -> bool:
    """Whether a frame shows values: ``numbers=None`` means only for a small 1-D/2-D input."""
    if numbers_arg is None:
        return t.rank <= 2 and max(t.padded_size) <= AUTO_NUMBERS_MAX
    return numbers_arg is not False


def resolve_numbers(t: Traversal, numbers_arg: Any, operation: str) -> Numbers | None:
    """The ``numbers`` argument of :func:`~convkit.render.traversal.draw_traversal`, checked."""
    if isinstance(numbers_arg, Numbers):  # already resolved (the widget's values)
        return numbers_arg
    if not numbers_on(t, numbers_arg):
        return None
    if numbers_arg is None or numbers_arg is True:
        return Numbers(t, *_default_numbers(t, operation), operation)
    bias_arg = None
    if operation == "conv" and isinstance(numbers_arg, (tuple, list)) and len(numbers_arg) == 3:
        *numbers_arg, bias_arg = numbers_arg
        bias_arg = _check_bias(bias_arg)
    if isinstance(numbers_arg, np.ndarray) or not isinstance(numbers_arg, (tuple, list)) or len(numbers_arg) != 2:
        if operation != "conv":
            numbers_arg = (numbers_arg, None)
        else:
            raise TypeError(
                "`numbers` must be None (automatic), True/False, or a pair (x, kernel) (or (x, kernel, bias)) of "
                f"arrays of one channel, x of shape {t.input_size} and kernel of shape {t.kernel_size}. "
                f"Received: numbers={numbers_arg!r:.80}"
            )
    x_arg, kernel_arg = numbers_arg
    if x_arg is None:
        raise TypeError(
            "`numbers` must be a pair (x, kernel) whose x holds the input's values (one channel), not None. "
            "Received: numbers=(None, kernel)"
        )
    x, kernel = np.asarray(x_arg), None if kernel_arg is None else np.asarray(kernel_arg)
    channels = 1
    if operation == "conv" and kernel is not None and x.ndim == t.rank + 1 and kernel.ndim == t.rank + 1:
        channels = x.shape[-1]  # (x, kernel) with a last axis of input channels: channel 0 drawn, all summed
        _check_array(x, (*t.input_size, channels), "x (numbers[0])", "the input size and channels")
        _check_array(kernel, (*t.kernel_size, channels), "kernel (numbers[1])", "the kernel size and channels")
        return Numbers(t, x, kernel, operation, channels, bias=bias_arg)
    _check_array(x, t.input_size, "x (numbers[0])", "the input size of the traversal")
    if operation == "conv":
        if kernel is None:
            raise ValueError("A convolution needs kernel weights: numbers=(x, kernel). Received: numbers=(x, None)")
        _check_array(kernel, t.kernel_size, "kernel (numbers[1])", "the kernel size of the traversal")
    return Numbers(t, x, kernel if operation == "conv" else None, operation, bias=bias_arg)


def _check_bias(value: Any) -> float:
    """The bias of ``numbers=(x, kernel, bias)``: one finite real number (the filter drawn is one)."""
    if isinstance(value, (str, bytes, bool, np.bool_)) or np.ndim(value) != 0:
        raise TypeError(f"`bias` (numbers[2]) must be one real number. Received: bias={value!r:.80}")
    try:
        b = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"`bias` (numbers[2]) must be one real number. Received: bias={value!r:.80}") from None
    if not np.isfinite(b):
        raise ValueError(f"`bias` (numbers[2]) must be a finite number. Received: bias={value!r:.80}")
    return b


def _check_array(a: np.ndarray, shape: tuple[int, ...], name: str, what: str) -> None:
    if a.dtype.kind not in "biuf":
        raise TypeError(f"`{name}` must hold real numbers. Received: {name} of dtype {a.dtype}")
    if a.shape != tuple(shape):
        raise ValueError(
            f"`{name}` must have shape {tuple(shape)} ({what}, one channel, no batch). "
            f"Received: {name} of shape {a.shape}"
        )
