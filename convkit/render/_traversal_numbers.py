"""The values a traversal frame writes: the ``numbers`` argument checked and resolved (a small default example,
or the learner's one-channel ``(x, kernel)``), the output at every step, and the multiply-sum of one step."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.numeric import step_terms
from ..core.traversal import Traversal
from ._traversal_text import elide, fmt, wrap

__all__ = ["AUTO_NUMBERS_MAX", "Numbers", "numbers_on", "resolve_numbers"]

AUTO_NUMBERS_MAX = 12      # numbers=None shows a small integer example up to this padded size (1-D/2-D)


class Numbers:
    """Values of one channel (input and kernel) and the output they give at every step."""

    def __init__(self, t: Traversal, x: np.ndarray, kernel: np.ndarray | None, operation: str) -> None:
        pads = [a.pad_before for a in t.axes]
        self.padded = np.zeros(t.padded_size, dtype=np.float64 if x.dtype.kind == "f" else np.int64)
        self.padded[tuple(slice(p, p + n) for p, n in zip(pads, t.input_size))] = x
        self.x = x
        self.kernel = None if kernel is None else kernel.reshape(-1)
        self.integral = bool(np.all(np.mod(x, 1) == 0) and (kernel is None or np.all(np.mod(kernel, 1) == 0)))
        self.operation = operation
        self._pads = np.array(pads)
        self._offsets = t.tap_offsets()
        self._sizes = np.array(t.input_size)
        self.output = self._reduce(t.origins())

    def taps(self, origins: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Values and padding flags of every tap, for ``origins`` of shape (steps, rank)."""
        index = origins[:, None, :] + self._offsets[None, :, :]
        is_pad = ((index < 0) | (index >= self._sizes)).any(axis=-1)
        padded = index + self._pads
        return self.padded[tuple(np.moveaxis(padded, -1, 0))], is_pad

    def _reduce(self, origins: np.ndarray) -> np.ndarray:
        values, is_pad = self.taps(origins)
        if self.operation == "conv":
            return (values * self.kernel).sum(axis=1)
        if self.operation == "max":
            return np.where(is_pad, -np.inf, values).max(axis=1)
        return np.where(is_pad, 0, values).sum(axis=1) / (~is_pad).sum(axis=1)

    def sum_line(self, t: Traversal, step: int, max_terms: int = 12) -> str:
        """``output[0, 5] = 1·0 + 2·1 + … = 7`` (convolution: :func:`convkit.core.numeric.step_terms`) or
        ``max(1, 3, 0) = 3`` / ``mean(...)`` over the non-padding taps (pooling)."""
        index = tuple(int(i) for i in np.unravel_index(step, t.output_size))
        where = "output[" + ", ".join(map(str, index)) + "] = "
        if self.operation == "conv":
            found = step_terms(self.x, self.kernel.reshape(t.kernel_size), t, step)
            terms = [f"{wrap(fmt(u.value, self.integral))}·{wrap(fmt(u.weight, self.integral))}"
                     for u in found.terms]
            return f"{where}{elide(terms, ' + ', max_terms)} = {fmt(found.total, self.integral)}"
        values, is_pad = self.taps(np.array([t.steps[step].origin]))
        kept = [fmt(v, self.integral) for v in values[0][~is_pad[0]]]
        name = "max(" if self.operation == "max" else "mean("
        return f"{where}{name}{elide(kept, ', ', max_terms)}) = {fmt(float(self.output[step]), self.integral)}"


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
    if not numbers_on(t, numbers_arg):
        return None
    if numbers_arg is None or numbers_arg is True:
        return Numbers(t, *_default_numbers(t, operation), operation)
    if isinstance(numbers_arg, np.ndarray) or not isinstance(numbers_arg, (tuple, list)) or len(numbers_arg) != 2:
        if operation != "conv":
            numbers_arg = (numbers_arg, None)
        else:
            raise TypeError(
                "`numbers` must be None (automatic), True/False, or a pair (x, kernel) of arrays of one channel, "
                f"x of shape {t.input_size} and kernel of shape {t.kernel_size}. "
                f"Received: numbers={numbers_arg!r:.80}"
            )
    x, kernel = (np.asarray(a) if a is not None else None for a in numbers_arg)
    _check_array(x, t.input_size, "x (numbers[0])", "the input size of the traversal")
    if operation == "conv":
        if kernel is None:
            raise ValueError("A convolution needs kernel weights: numbers=(x, kernel). Received: numbers=(x, None)")
        _check_array(kernel, t.kernel_size, "kernel (numbers[1])", "the kernel size of the traversal")
    return Numbers(t, x, kernel if operation == "conv" else None, operation)


def _check_array(a: np.ndarray, shape: tuple[int, ...], name: str, what: str) -> None:
    if a.dtype.kind not in "biuf":
        raise TypeError(f"`{name}` must hold real numbers. Received: {name} of dtype {a.dtype}")
    if a.shape != tuple(shape):
        raise ValueError(
            f"`{name}` must have shape {tuple(shape)} ({what}, one channel, no batch). "
            f"Received: {name} of shape {a.shape}"
        )
