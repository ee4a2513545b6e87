"""Transposed-convolution geometry: where every input cell's copy of the kernel lands in the output.

A transposed convolution works the other way round from a convolution. Each input cell multiplies the
whole kernel and *adds* ("scatters") that patch into the output, starting ``strides`` cells after the
previous cell's patch. Along one axis, tap ``j`` of input cell ``i`` lands on cell ``i·s + j·d`` of the
*uncropped* result, which is ``(n - 1)·s + k_eff`` long. Keras then cuts ``crop_before`` cells from the
front and cuts or appends cells at the end to reach the size :func:`~convkit.core.axis.transposed_axis`
gives (``padding`` and ``output_padding`` choose it):

* ``crop_before = max(uncropped - output, 0) // 2``; the rest of the difference is cut after, or, when the
  output is longer (``output_padding``, or a stride larger than the kernel), cells are *added* after:
  cells no tap reaches, which stay 0.

The same numbers come from a plain convolution, the *direct view*: put ``s - 1`` zeros between input cells
(the zero-stuffed input, ``(n - 1)·s + 1`` long), pad it by ``k_eff - 1 - crop_before`` before and
``k_eff - 1 - crop_after + added`` after, and slide the kernel flipped on every spatial axis with stride 1.
:meth:`TransposedTraversal.direct_traversal` is that convolution's :class:`~convkit.core.traversal.Traversal`.
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .args import axis_names, normalize_tuple
from .axis import TransposedAxis, transposed_axis
from .traversal import MAX_CELLS, MAX_READS, AxisNumbers, Steps, Traversal, _is_sequence, _outer, traverse
from .words import check_strides_dilation

__all__ = ["ScatterTap", "Scatter", "TransposedTraversal", "traverse_transpose"]


@dataclass(frozen=True, slots=True)
class ScatterTap:
    """One kernel tap of one input cell: where ``input · kernel[kernel_index]`` is added.

    ``output_index`` is in output (cropped) coordinates: a cropped tap has an index ``< 0`` or ``>= size``
    and adds nothing to the output.
    """

    kernel_index: tuple[int, ...]
    output_index: tuple[int, ...]
    is_cropped: bool


@dataclass(frozen=True, slots=True)
class Scatter:
    """One step of a transposed convolution: one input cell adds the kernel, times its value, to the output.

    ``window_uncropped`` is, per axis, the half-open ``(start, stop)`` span of the patch in the uncropped
    result; ``window`` is the part that survives the crop, in output coordinates.
    """

    index: int
    input_index: tuple[int, ...]
    window_uncropped: tuple[tuple[int, int], ...]
    window: tuple[tuple[int, int], ...]
    taps: tuple[ScatterTap, ...]

    @property
    def output_indices(self) -> tuple[tuple[int, ...], ...]:
        """The output cells this input cell adds to (cropped taps left out), in tap order."""
        return tuple(t.output_index for t in self.taps if not t.is_cropped)


@dataclass(frozen=True, slots=True)
class TransposedTraversal(AxisNumbers):
    """The geometry of a transposed convolution, one :class:`~convkit.core.axis.TransposedAxis` per axis.

    Build it with :func:`traverse_transpose`; every other attribute is derived from ``axes``.

    Examples
    --------
    Mirroring Example 1's encoder (28 → 13, kernel 3, stride 2) back to 28 needs ``output_padding=1``,
    which appends one row and one column that no tap reaches:

    >>> t = traverse_transpose((13, 13), 3, strides=2, output_padding=1)
    >>> t.uncropped_size, t.crop, t.added, t.output_size
    ((27, 27), ((0, 0), (0, 0)), (1, 1), (28, 28))

    Kernel 3 with stride 2 overlaps unevenly: some output cells get 1 tap, some 2, some 4 (the checkerboard):

    >>> traverse_transpose((3, 3), 3, strides=2).overlap[:4, :4]
    array([[1, 1, 2, 1],
           [1, 1, 2, 1],
           [2, 2, 4, 2],
           [1, 1, 2, 1]], dtype=int32)

    ``"same"`` crops the patch of the first cell; the direct view pads the zero-stuffed input instead:

    >>> t = traverse_transpose(4, 3, strides=2, padding="same")
    >>> t.output_size, t.crop, t.stuffed_size, t.direct_padding
    ((8,), ((0, 1),), (7,), ((2, 1),))
    >>> t.steps[0].window_uncropped, t.steps[-1].window_uncropped, t.steps[-1].window
    (((0, 3),), ((6, 9),), ((6, 8),))
    """

    axes: tuple[TransposedAxis, ...]

    # -- per-axis numbers (rank, sizes, strides, padding_mode, output_size...: AxisNumbers) ----------
    @property
    def output_padding(self) -> tuple[int | None, ...] | None:
        """What was passed (``None``, or one int per axis)."""
        ops = tuple(a.output_padding for a in self.axes)
        return None if all(op is None for op in ops) else ops

    @property
    def uncropped_size(self) -> tuple[int, ...]:
        """Length of the scattered result before the crop, per axis: ``(n - 1)·s + k_eff``."""
        return tuple((n - 1) * a.strides + a.effective_kernel for a, n in zip(self.axes, self.input_size))

    def _crop_before(self) -> tuple[int, ...]:
        return tuple(max(u - o, 0) // 2 for u, o in zip(self.uncropped_size, self.output_size))

    @property
    def crop(self) -> tuple[tuple[int, int], ...]:
        """Per axis ``(before, after)``: cells cut from the uncropped result (the odd one goes after)."""
        return tuple(
            (b, max(u - o - b, 0)) for b, u, o in zip(self._crop_before(), self.uncropped_size, self.output_size)
        )

    @property
    def added(self) -> tuple[int, ...]:
        """Per axis, the cells appended after the uncropped result (no tap reaches them; they stay 0)."""
        return tuple(max(o - u, 0) for u, o in zip(self.uncropped_size, self.output_size))

    @property
    def num_steps(self) -> int:
        """One step per input cell."""
        return math.prod(self.input_size)

    @property
    def num_taps(self) -> int:
        return math.prod(self.kernel_size)

    # -- the direct (zero-stuffed) view --------------------------------------------------------------
    @property
    def stuffed_size(self) -> tuple[int, ...]:
        """The input with ``s - 1`` zeros between neighbouring cells: ``(n - 1)·s + 1`` per axis."""
        return tuple((n - 1) * a.strides + 1 for a, n in zip(self.axes, self.input_size))

    @property
    def direct_padding(self) -> tuple[tuple[int, int], ...]:
        """Per axis ``(before, after)`` padding of the stuffed input for the equivalent stride-1 convolution."""
        return tuple(
            (k - 1 - before, k - 1 - after + add)
            for k, (before, after), add in zip(self.effective_kernel, self.crop, self.added)
        )

    def direct_traversal(self) -> Traversal:
        """The equivalent plain convolution: the flipped kernel sliding, stride 1, over the padded stuffed input.

        Its step ``o`` reads stuffed cell ``i·s`` (input cell ``i``) with kernel tap ``k - 1 - j`` exactly
        when tap ``j`` of input cell ``i`` lands on output cell ``o`` here; its other reads are zeros.

        >>> traverse_transpose(4, 3, strides=2, padding="same").direct_traversal().output_size
        (8,)
        """
        return traverse(self.stuffed_size, self.kernel_size, 1, self.direct_padding, self.dilation_rate)

    def stuffed_mask(self) -> npt.NDArray[np.bool_]:
        """Bool array of shape ``stuffed_size``: True where an input cell sits (every ``s``-th cell).

        >>> traverse_transpose(3, 2, strides=3).stuffed_mask().astype(int)
        array([1, 0, 0, 1, 0, 0, 1])
        """
        masks = []
        for a, n in zip(self.axes, self.stuffed_size):
            m = np.zeros(n, dtype=bool)
            m[:: a.strides] = True
            masks.append(m)
        return _outer(masks, np.logical_and)

    # -- steps (one per input cell) ------------------------------------------------------------------
    @property
    def steps(self) -> Steps:
        """Lazy sequence of :class:`Scatter`, C-order over the input cells."""
        return Steps(self)  # type: ignore[arg-type]  # Steps needs only num_steps and _step

    def _step(self, index: int) -> Scatter:
        input_index = tuple(int(i) for i in np.unravel_index(index, self.input_size))
        return self._scatter(input_index, index)

    def scatter_for_input(self, input_index: Any) -> Scatter:
        """The step of input cell ``input_index`` (a tuple of ``rank`` ints, or an int in 1-D)."""
        idx = self._check_index(input_index, self.input_size, "input_index")
        return self._scatter(idx, int(np.ravel_multi_index(idx, self.input_size)))

    def _scatter(self, input_index: tuple[int, ...], index: int) -> Scatter:
        uncropped: list[tuple[int, int]] = []
        window: list[tuple[int, int]] = []
        per_axis: list[list[tuple[int, int]]] = []
        outputs = self.output_size
        for i, a, before, n_out in zip(input_index, self.axes, self._crop_before(), outputs):
            start = i * a.strides
            origin = start - before  # the first tap, in output coordinates
            uncropped.append((start, start + a.effective_kernel))
            window.append((max(origin, 0), min(origin + a.effective_kernel, n_out)))
            per_axis.append([(j, origin + j * a.dilation_rate) for j in range(a.kernel_size)])
        taps = []
        for combo in itertools.product(*per_axis):
            out = tuple(o for _, o in combo)
            cropped = any(not 0 <= o < n for o, n in zip(out, outputs))
            taps.append(ScatterTap(tuple(j for j, _ in combo), out, cropped))
        return Scatter(index, input_index, tuple(uncropped), tuple(window), tuple(taps))

    # -- vectorised arrays ---------------------------------------------------------------------------
    def input_indices(self) -> npt.NDArray[np.int32]:
        """``(num_steps, rank)`` int32: the input cell of every step, C-order."""
        indices: npt.NDArray[np.int32] = np.indices(self.input_size, dtype=np.int32).reshape(self.rank, -1).T.copy()
        return indices

    def origins(self) -> npt.NDArray[np.int32]:
        """``(num_steps, rank)`` int32: output coordinate of every step's first tap (negative when cropped)."""
        return self.input_indices() * np.array(self.strides, np.int32) - np.array(self._crop_before(), np.int32)

    def tap_offsets(self) -> npt.NDArray[np.int32]:
        """``(num_taps, rank)`` int32: ``kernel_index * dilation_rate`` of every tap, C-order."""
        kernel: npt.NDArray[np.int32] = np.indices(self.kernel_size, dtype=np.int32).reshape(self.rank, -1).T
        return kernel * np.array(self.dilation_rate, np.int32)

    def tap_output_indices(self) -> npt.NDArray[np.int32]:
        """``(num_steps, num_taps, rank)`` int32: the output cell every tap of every step adds to."""
        return self.origins()[:, None, :] + self.tap_offsets()[None, :, :]

    def tap_is_cropped(self) -> npt.NDArray[np.bool_]:
        """``(num_steps, num_taps)`` bool: whether a tap falls in the crop (adds nothing)."""
        origins, offsets = self.origins(), self.tap_offsets()
        mask = np.zeros((self.num_steps, self.num_taps), dtype=bool)
        for ax, n in enumerate(self.output_size):
            index = origins[:, ax, None] + offsets[None, :, ax]
            mask |= (index < 0) | (index >= n)
        return mask

    # -- overlap and sources -------------------------------------------------------------------------
    def _axis_overlaps(self) -> list[np.ndarray]:
        """Per axis: how many (input cell, tap) pairs land on each output cell along that axis."""
        counts = []
        for a, before, n, n_out in zip(self.axes, self._crop_before(), self.input_size, self.output_size):
            index = np.arange(n, dtype=np.int64)[:, None] * a.strides + np.arange(a.kernel_size) * a.dilation_rate
            index = index.ravel() - before
            index = index[(index >= 0) & (index < n_out)]
            counts.append(np.bincount(index, minlength=n_out).astype(np.int32))
        return counts

    @property
    def overlap(self) -> np.ndarray:
        """int32 array of shape ``output_size``: how many kernel taps land on each output cell (0: none)."""
        return _outer(self._axis_overlaps(), np.multiply)

    def sources(self, output_index: Any) -> np.ndarray:
        """Bool array of shape ``input_size``: the input cells whose scatter reaches ``output_index``.

        This is where the gradient of that output cell with respect to the input is non-zero (all-ones kernel).

        >>> traverse_transpose(4, 3, strides=2).sources(4).astype(int)
        array([0, 1, 1, 0])
        """
        idx = self._check_index(output_index, self.output_size, "output_index")
        masks = []
        for o, a, before, n in zip(idx, self.axes, self._crop_before(), self.input_size):
            rel = o + before - np.arange(n) * a.strides  # offset of the output cell inside each patch
            masks.append((rel >= 0) & (rel < a.effective_kernel) & (rel % a.dilation_rate == 0))
        return _outer(masks, np.logical_and)

    def _check_index(self, value: Any, bounds: tuple[int, ...], name: str) -> tuple[int, ...]:
        idx = (value,) if isinstance(value, numbers.Integral) else value
        try:
            idx = tuple(_as_index(i) for i in idx)
        except TypeError:
            raise TypeError(f"`{name}` must be a tuple of {self.rank} integers. Received: {name}={value!r}") from None
        if len(idx) != self.rank or any(not 0 <= i < n for i, n in zip(idx, bounds)):
            raise IndexError(
                f"`{name}` must be a tuple of {self.rank} integers with 0 <= index < {bounds}. "
                f"Received: {name}={value!r}"
            )
        return idx

    def __repr__(self) -> str:
        return (
            f"TransposedTraversal(input_size={self.input_size}, kernel_size={self.kernel_size}, "
            f"strides={self.strides}, padding={self.padding_mode!r}, output_padding={self.output_padding}, "
            f"dilation_rate={self.dilation_rate} -> output_size={self.output_size}, crop={self.crop}, "
            f"added={self.added})"
        )


def _as_index(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(value)
    return int(value)


def _infer_rank(input_size: Any, *others: Any) -> int:
    if _is_sequence(input_size):
        if not 1 <= len(input_size) <= 3:
            raise ValueError(
                f"`input_size` must be an integer or a tuple of 1 to 3 spatial sizes (no batch or channel "
                f"dimension), e.g. input_size=(7, 7). Received: input_size={input_size!r}"
            )
        return len(input_size)
    for value in others:
        if _is_sequence(value) and 1 <= len(value) <= 3:
            return len(value)
    return 1


def _check_limits(t: TransposedTraversal) -> None:
    for what, size in (("input", t.input_size), ("output", t.output_size), ("uncropped output", t.uncropped_size)):
        cells = math.prod(size)
        if cells > MAX_CELLS:
            raise ValueError(
                f"The {what} is too large to trace: {cells:,} cells, and convkit traces at most {MAX_CELLS:,} "
                f"(2**24, e.g. 4096×4096). Use a smaller input or stride; the output size alone is given by "
                f"convkit.core.axis.transposed_axis. Received: input_size={t.input_size}, strides={t.strides}"
            )
    taps = t.num_steps * t.num_taps
    if taps > MAX_READS:
        raise ValueError(
            f"The transposed traversal is too large: {taps:,} kernel taps in all (input cells × kernel cells), "
            f"and convkit traces at most {MAX_READS:,} (2**26). Use a smaller input or kernel. "
            f"Received: input_size={t.input_size}, kernel_size={t.kernel_size}"
        )


def traversal_transpose_from_axes(axes: Sequence[TransposedAxis]) -> TransposedTraversal:
    """A :class:`TransposedTraversal` from ready-made axes (e.g. a layer spec's), limits checked.

    >>> from convkit.core.axis import transposed_axis
    >>> traversal_transpose_from_axes([transposed_axis(7, 3, 2, "same")] * 2).output_size
    (14, 14)
    """
    axes = tuple(axes)
    if not 1 <= len(axes) <= 3 or any(not isinstance(a, TransposedAxis) for a in axes):
        raise TypeError(f"A transposed traversal needs 1 to 3 TransposedAxis objects. Received: axes={axes!r}")
    if any(a.size is None or a.output is None for a in axes):
        raise ValueError(f"A transposed traversal needs axes of known size. Received: axes={axes!r}")
    if len({a.padding for a in axes}) != 1:
        raise ValueError(f"All axes of a transposed traversal must share one padding mode. Received: axes={axes!r}")
    t = TransposedTraversal(axes)
    _check_limits(t)
    return t


def traverse_transpose(
    input_size: Any,
    kernel_size: Any,
    strides: Any = 1,
    padding: Any = "valid",
    output_padding: Any = None,
    dilation_rate: Any = 1,
) -> TransposedTraversal:
    """Geometry of a transposed convolution (``Conv*DTranspose``) over ``input_size`` spatial cells, Keras' rules.

    Parameters
    ----------
    input_size, kernel_size, strides, dilation_rate
        An int (same on every axis) or a tuple with one entry per spatial axis. The rank (1 to 3) is
        ``len(input_size)`` when it is a tuple, else the length of the first tuple among ``kernel_size``,
        ``strides``, ``output_padding`` and ``dilation_rate``, else 1.
    padding
        ``"valid"`` or ``"same"``.
    output_padding
        ``None`` (Keras chooses) or an int / a tuple of ints, each smaller than that axis' stride.

    Raises
    ------
    ValueError
        If ``output_padding >= strides``, the output would be empty, ``strides > 1`` is combined with
        ``dilation_rate > 1`` (Keras' Conv*Transpose layers refuse it), or the input, output or number of taps
        is above the limits of :func:`~convkit.core.traversal.traverse`.

    Examples
    --------
    >>> t = traverse_transpose((7, 7), 3, strides=2, padding="same")
    >>> t.output_size, t.uncropped_size, t.crop, t.added
    ((14, 14), (15, 15), ((0, 1), (0, 1)), (0, 0))
    >>> traverse_transpose((7, 7), 3, strides=2, padding="same", output_padding=0).output_size
    (13, 13)
    """
    rank = _infer_rank(input_size, kernel_size, strides, output_padding, dilation_rate)
    sizes = normalize_tuple(input_size, rank, "input_size")
    kernel = normalize_tuple(kernel_size, rank, "kernel_size")
    stride = normalize_tuple(strides, rank, "strides")
    dilation = normalize_tuple(dilation_rate, rank, "dilation_rate")
    ops = (
        (None,) * rank
        if output_padding is None
        else normalize_tuple(output_padding, rank, "output_padding", allow_zero=True)
    )
    check_strides_dilation(stride, dilation, "Conv*Transpose", received=(strides, dilation_rate))
    names = axis_names(rank)
    axes = tuple(
        transposed_axis(n, k, s, padding, op, d, axis=name)
        for n, k, s, op, d, name in zip(sizes, kernel, stride, ops, dilation, names)
    )
    return traversal_transpose_from_axes(axes)
