"""Traversal geometry: which input cells every output cell of a convolution reads.

A :class:`Traversal` is a pure function of (input size, kernel, strides, padding, dilation): the
per-axis arithmetic comes from :func:`convkit.core.axis.conv_axis`, and everything else (the steps,
their taps, the coverage of the input) is derived from it. Nothing large is built unless asked for:
``traversal.steps[i]`` computes one step, and the big arrays are materialised only on request.
"""

from __future__ import annotations

import functools
import itertools
import math
import numbers
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast, overload

import numpy as np
import numpy.typing as npt

from .args import axis_names, normalize_tuple, plain_number, refuse_unordered, short_repr
from .axis import ConvAxis, TransposedAxis, conv_axis
from .reads import axis_reads, read_counts
from .words import check_strides_dilation

__all__ = [
    "MAX_CELLS",
    "MAX_PADDED_CELLS",
    "MAX_READS",
    "Tap",
    "Step",
    "Steps",
    "Traversal",
    "traverse",
    "traversal_from_axes",
]

#: Largest input (product of the spatial sizes) a traversal accepts.
MAX_CELLS = 2**24
#: Largest padded input (product of the padded spatial sizes) a traversal accepts: padding is drawn and
#: padded copies are made, so it counts too (4× ``MAX_CELLS`` leaves room for any ordinary padding).
MAX_PADDED_CELLS = 2**26
#: Largest ``num_steps * num_taps`` (one entry per tap of every step) a traversal accepts.
MAX_READS = 2**26


@dataclass(frozen=True, slots=True)
class Tap:
    """One kernel position of one step.

    ``input_index`` is in unpadded input coordinates: a padding tap has an index ``< 0`` or ``>= size``.
    """

    kernel_index: tuple[int, ...]
    input_index: tuple[int, ...]
    is_padding: bool


@dataclass(frozen=True, slots=True)
class Step:
    """One position of the window: the output cell it writes and the taps it reads (C-order)."""

    index: int
    output_index: tuple[int, ...]
    origin: tuple[int, ...]
    taps: tuple[Tap, ...]

    @property
    def input_indices(self) -> tuple[tuple[int, ...], ...]:
        """The input cells actually read (padding taps left out), in tap order."""
        return tuple(t.input_index for t in self.taps if not t.is_padding)


class Steps(Sequence[Step]):
    """The lazy sequence of a traversal's steps: ``len``, indexing (negative too), slicing, iteration.

    Each access computes the one step asked for; slicing returns another lazy ``Steps``.
    """

    __slots__ = ("_traversal", "_range")

    def __init__(self, traversal: Traversal, indices: range | None = None) -> None:
        self._traversal = traversal
        self._range = range(traversal.num_steps) if indices is None else indices

    def __len__(self) -> int:
        return len(self._range)

    @overload
    def __getitem__(self, item: int) -> Step: ...

    @overload
    def __getitem__(self, item: slice) -> Steps: ...

    def __getitem__(self, item: Any) -> Step | Steps:
        if isinstance(item, slice):
            return Steps(self._traversal, self._range[item])
        if not isinstance(item, numbers.Integral) or isinstance(item, bool):
            raise TypeError(f"Step indices must be integers or slices. Received: index={short_repr(item)}")
        try:
            index = self._range[int(item)]
        except IndexError:
            raise IndexError(
                f"Step index out of range: this traversal has {len(self._range)} steps "
                f"(valid indices 0..{len(self._range) - 1}, or negative from the end). "
                f"Received: index={short_repr(item)}"
            ) from None
        return self._traversal._step(index)

    def __iter__(self) -> Iterator[Step]:
        make = self._traversal._step
        for index in self._range:
            yield make(index)

    def __repr__(self) -> str:
        return f"<Steps: {len(self)} of {self._traversal.num_steps}>"


class AxisNumbers:
    """Per-axis numbers read off ``axes`` (forward :class:`Traversal` and transposed traversals alike)."""

    __slots__ = ()
    axes: tuple[ConvAxis, ...] | tuple[TransposedAxis, ...]

    @property
    def rank(self) -> int:
        return len(self.axes)

    @property
    def input_size(self) -> tuple[int, ...]:
        return _known(tuple(a.size for a in self.axes))

    @property
    def kernel_size(self) -> tuple[int, ...]:
        return tuple(a.kernel_size for a in self.axes)

    @property
    def strides(self) -> tuple[int, ...]:
        return tuple(a.strides for a in self.axes)

    @property
    def dilation_rate(self) -> tuple[int, ...]:
        return tuple(a.dilation_rate for a in self.axes)

    @property
    def padding_mode(self) -> str:
        """The padding the axes were built with: ``"valid"``, ``"same"``, ``"causal"`` or ``"explicit"``."""
        return self.axes[0].padding

    @property
    def effective_kernel(self) -> tuple[int, ...]:
        return tuple(a.effective_kernel for a in self.axes)

    @property
    def output_size(self) -> tuple[int, ...]:
        """From the axis arithmetic (:mod:`convkit.core.axis`), the one place output sizes are computed."""
        return _known(tuple(a.output for a in self.axes))


@dataclass(frozen=True, slots=True)
class Traversal(AxisNumbers):
    """The geometry of a kernel sliding over an input, one :class:`~convkit.core.axis.ConvAxis` per axis.

    Build it with :func:`traverse`. Every other attribute is derived from ``axes``.

    Examples
    --------
    The article's Example 1 (28×28, kernel 3, stride 2, ``"valid"``) never reads row or column 27:

    >>> t = traverse((28, 28), 3, strides=2)
    >>> t.output_size, t.padding
    ((13, 13), ((0, 0), (0, 0)))
    >>> bool(t.unread_mask[27].all()), bool(t.unread_mask[:, 27].all()), int(t.unread_mask.sum())
    (True, True, 55)
    >>> round(t.unread_fraction, 4)          # 55 / 784
    0.0702

    Example 3 (128×128, kernel 3, stride 4 > kernel) skips every 4th row and column:

    >>> traverse((128, 128), 3, strides=4).unread_fraction
    0.4375

    A step lists its taps; padding taps have input indices outside the input:

    >>> s = traverse(5, 4, padding="same").steps[0]     # "same" pads (1, 2)
    >>> [t.input_index for t in s.taps], [t.is_padding for t in s.taps]
    ([(-1,), (0,), (1,), (2,)], [True, False, False, False])
    """

    axes: tuple[ConvAxis, ...]

    # -- per-axis numbers: rank, input_size, kernel_size, strides, dilation_rate, padding_mode,
    #    effective_kernel and output_size come from AxisNumbers ----------------------------------

    @property
    def padding(self) -> tuple[tuple[int, int], ...]:
        """Per axis ``(before, after)``."""
        return tuple(zip(_known(tuple(a.pad_before for a in self.axes)), _known(tuple(a.pad_after for a in self.axes))))

    @property
    def padded_size(self) -> tuple[int, ...]:
        return _known(tuple(a.padded_size for a in self.axes))

    @property
    def num_steps(self) -> int:
        return math.prod(self.output_size)

    @property
    def num_taps(self) -> int:
        return math.prod(self.kernel_size)

    # -- steps ---------------------------------------------------------------------------------------
    @property
    def steps(self) -> Steps:
        """Lazy sequence of :class:`Step`, C-order over the output positions."""
        return Steps(self)

    def _step(self, index: int) -> Step:
        output_index = tuple(int(i) for i in np.unravel_index(index, self.output_size))
        sizes = self.input_size
        origin = tuple(o * a.strides - p for o, a, (p, _) in zip(output_index, self.axes, self.padding))
        per_axis = [
            [(j, origin[ax] + j * a.dilation_rate) for j in range(a.kernel_size)] for ax, a in enumerate(self.axes)
        ]
        taps = []
        for combo in itertools.product(*per_axis):
            kernel_index = tuple(j for j, _ in combo)
            input_index = tuple(i for _, i in combo)
            is_padding = any(i < 0 or i >= n for i, n in zip(input_index, sizes))
            taps.append(Tap(kernel_index, input_index, is_padding))
        return Step(index, output_index, origin, tuple(taps))

    def step_for_output(self, output_index: Any) -> Step:
        """The step that writes ``output_index`` (a tuple of ``rank`` ints, or an int in 1-D)."""
        plain = plain_number(output_index)
        idx = (plain,) if isinstance(plain, numbers.Integral) else plain
        shown = short_repr(output_index)
        try:
            refuse_unordered(idx, "output_index")
            idx = tuple(_as_index(i) for i in itertools.islice(idx, self.rank + 1))
        except TypeError:
            raise TypeError(
                f"`output_index` must be a tuple of {self.rank} integers. Received: output_index={shown}"
            ) from None
        if len(idx) != self.rank or any(not 0 <= i < n for i, n in zip(idx, self.output_size)):
            raise IndexError(
                f"`output_index` must be a tuple of {self.rank} integers with 0 <= index < output size "
                f"{self.output_size}. Received: output_index={shown}"
            )
        return self._step(int(np.ravel_multi_index(idx, self.output_size)))

    # -- vectorised arrays ---------------------------------------------------------------------------
    def output_indices(self) -> npt.NDArray[np.int32]:
        """``(num_steps, rank)`` int32: the output index of every step, C-order."""
        indices: npt.NDArray[np.int32] = np.indices(self.output_size, dtype=np.int32).reshape(self.rank, -1).T.copy()
        return indices

    def origins(self) -> npt.NDArray[np.int32]:
        """``(num_steps, rank)`` int32: input coordinate of every step's first tap (may be negative)."""
        return self.output_indices() * np.array(self.strides, np.int32) - np.array(
            [a.pad_before for a in self.axes], np.int32
        )

    def tap_offsets(self) -> npt.NDArray[np.int32]:
        """``(num_taps, rank)`` int32: ``kernel_index * dilation_rate`` of every tap, C-order."""
        kernel: npt.NDArray[np.int32] = np.indices(self.kernel_size, dtype=np.int32).reshape(self.rank, -1).T
        return kernel * np.array(self.dilation_rate, np.int32)

    def tap_input_indices(self) -> npt.NDArray[np.int32]:
        """``(num_steps, num_taps, rank)`` int32: the input index read by every tap of every step."""
        return self.origins()[:, None, :] + self.tap_offsets()[None, :, :]

    def tap_is_padding(self) -> npt.NDArray[np.bool_]:
        """``(num_steps, num_taps)`` bool: whether a tap falls on padding."""
        origins, offsets = self.origins(), self.tap_offsets()
        mask = np.zeros((self.num_steps, self.num_taps), dtype=bool)
        for ax, n in enumerate(self.input_size):
            index = origins[:, ax, None] + offsets[None, :, ax]
            mask |= (index < 0) | (index >= n)
        return mask

    # -- coverage ------------------------------------------------------------------------------------
    def _axis_counts(self) -> list[np.ndarray]:
        """Per axis: how many (step, tap) pairs read each input cell along that axis (int32, one per cell)."""
        return [read_counts(a) for a in self.axes]

    @property
    def coverage(self) -> np.ndarray:
        """int32 array of shape ``input_size``: how many times each input cell is read (0 = never seen).

        The outer product of the per-axis counts: no index array is built, so the memory is the result's own
        (4 bytes a cell) plus one int32 vector per axis.
        """
        counts = self._axis_counts()
        return counts[0] if len(counts) == 1 else _outer(counts, np.multiply)

    @property
    def unread_mask(self) -> np.ndarray:
        """Bool array of shape ``input_size``: True where the layer never reads the cell."""
        return ~_outer([c > 0 for c in self._axis_counts()], np.logical_and)

    @property
    def unread_fraction(self) -> float:
        """Fraction of input cells never read (a cell is read iff it is read along every axis)."""
        total = math.prod(self.input_size)
        read = 1
        for a in self.axes:
            reads = axis_reads(a, shown=0)
            read *= int(np.count_nonzero(read_counts(a))) if reads is None else reads.read
        return (total - read) / total

    def reads(self, step_index: int) -> np.ndarray:
        """Bool array of shape ``input_size``: the cells step ``step_index`` reads (padding left out)."""
        step = self.steps[step_index]
        masks = []
        for ax, (a, n) in enumerate(zip(self.axes, self.input_size)):
            m = np.zeros(n, dtype=bool)
            index = step.origin[ax] + np.arange(a.kernel_size) * a.dilation_rate
            m[index[(index >= 0) & (index < n)]] = True
            masks.append(m)
        return _outer(masks, np.logical_and)

    def __repr__(self) -> str:
        pad = self.padding_mode if self.padding_mode != "explicit" else self.padding
        return (
            f"Traversal(input_size={self.input_size}, kernel_size={self.kernel_size}, strides={self.strides}, "
            f"padding={pad!r}, dilation_rate={self.dilation_rate} -> output_size={self.output_size}, "
            f"padding={self.padding})"
        )


def _outer(vectors: list[np.ndarray], op: np.ufunc) -> np.ndarray:
    """Outer product (under ``op``) of one vector per axis: an array of shape ``(len(v0), len(v1), ...)``."""
    rank = len(vectors)
    shaped = [v.reshape((1,) * ax + (-1,) + (1,) * (rank - ax - 1)) for ax, v in enumerate(vectors)]
    return functools.reduce(op, shaped)


def _known(values: tuple[int | None, ...]) -> tuple[int, ...]:
    """``values`` of a traversal's axes, all known: :func:`traversal_from_axes` refuses axes of unknown size."""
    return cast(tuple[int, ...], values)


def _as_index(value: Any) -> int:
    """``int(value)`` for true integers only (refuses bools and floats)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(value)
    return int(value)


def _infer_rank(input_size: Any, kernel_size: Any, strides: Any, padding: Any, dilation_rate: Any) -> int:
    if _is_sequence(input_size):
        rank = len(input_size)
        if not 1 <= rank <= 3:
            raise ValueError(
                f"`input_size` must be an integer or a tuple of 1 to 3 spatial sizes (no batch or channel "
                f"dimension), e.g. input_size=(28, 28). Received: input_size={short_repr(input_size)}"
            )
        return rank
    for value in (kernel_size, strides, dilation_rate):
        if _is_sequence(value) and 1 <= len(value) <= 3:
            return len(value)
    if _is_sequence(padding) and 0 < len(padding) <= 3 and all(_is_sequence(p) for p in padding):
        return len(padding)
    return 1


def _is_sequence(value: Any) -> bool:
    return isinstance(value, (tuple, list)) or (isinstance(value, np.ndarray) and value.ndim == 1)


def _padding_error(padding: Any, rank: int) -> ValueError:
    return ValueError(
        f'`padding` must be "valid", "same", "causal" (1-D), an integer (the same on every side), or a tuple of '
        f"{rank} (before, after) pairs, one per spatial axis, e.g. padding={((1, 1),) * rank!r}. "
        f"Received: padding={short_repr(padding)}"
    )


def _normalize_padding(padding: Any, rank: int) -> list[Any]:
    """One ``conv_axis`` padding argument per axis: a mode string or a ``(before, after)`` pair."""
    padding = plain_number(padding)
    if isinstance(padding, str):
        mode = padding.lower()
        if mode == "causal" and rank != 1:
            raise ValueError(
                f'`padding="causal"` exists only for 1-D convolutions (Conv1D); this traversal has {rank} '
                f'spatial axes. Use "valid", "same" or explicit (before, after) pairs. '
                f"Received: padding={short_repr(padding)}"
            )
        return [padding] * rank
    if isinstance(padding, numbers.Integral) and not isinstance(padding, bool):
        return [(padding, padding)] * rank
    refuse_unordered(padding, "padding")
    if isinstance(padding, np.ndarray) and padding.ndim == 2 and padding.size <= 2 * rank:
        padding = padding.tolist()  # one (before, after) row per axis
    if _is_sequence(padding) and len(padding) <= max(rank, 2):
        items = [plain_number(p) for p in padding]
        for p in items:
            refuse_unordered(p, "padding")
        if rank == 1 and len(items) == 2 and not any(_is_sequence(p) for p in items):
            return [tuple(items)]  # 1-D: (before, after), like ZeroPadding1D
        if len(items) == rank:
            return [(p, p) if isinstance(p, numbers.Integral) and not isinstance(p, bool) else p for p in items]
    raise _padding_error(padding, rank)


def _check_limits(traversal: Traversal) -> None:
    size = traversal.input_size
    cells = math.prod(size)
    if cells > MAX_CELLS:
        raise ValueError(
            f"The input is too large to trace: {cells:,} cells, and convkit traces at most {MAX_CELLS:,} "
            f"(2**24, e.g. 4096×4096). Use a smaller input; the output size alone is given by "
            f"convkit.core.axis.conv_axis. Received: input_size={size}"
        )
    padded = math.prod(traversal.padded_size)
    if padded > MAX_PADDED_CELLS:
        raise ValueError(
            f"The padded input is too large to trace: {padded:,} cells with the padding, and convkit traces at "
            f"most {MAX_PADDED_CELLS:,} (2**26). Use less padding (the padding a layer needs is at most the kernel "
            f'span minus 1 on each side, which "same" gives). '
            f"Received: input_size={size}, padding={traversal.padding}"
        )
    reads = math.prod(traversal.output_size) * math.prod(traversal.kernel_size)
    if reads > MAX_READS:
        raise ValueError(
            f"The traversal is too large: {reads:,} kernel taps in all (output cells × kernel cells), and "
            f"convkit traces at most {MAX_READS:,} (2**26). Use a smaller input or kernel. "
            f"Received: input_size={size}, kernel_size={traversal.kernel_size}"
        )


def traversal_from_axes(axes: Sequence[ConvAxis]) -> Traversal:
    """A :class:`Traversal` from ready-made axes (e.g. :func:`~convkit.core.axis.pool_axis`), limits checked.

    >>> from convkit.core.axis import pool_axis
    >>> traversal_from_axes([pool_axis(13, 2), pool_axis(13, 2)]).output_size
    (6, 6)
    """
    axes = tuple(axes)
    if not all(isinstance(a, ConvAxis) for a in axes):
        raise TypeError(
            "`axes` must be ConvAxis objects, e.g. from convkit.core.axis.conv_axis or pool_axis. "
            f"Received: axes={short_repr(axes)}"
        )
    if not 1 <= len(axes) <= 3 or any(a.size is None or a.output is None for a in axes):
        raise ValueError(f"A traversal needs 1 to 3 axes of known size. Received: axes={short_repr(axes)}")
    if len({a.padding for a in axes}) != 1:
        raise ValueError(f"All axes of a traversal must share one padding mode. Received: axes={short_repr(axes)}")
    traversal = Traversal(axes)
    _check_limits(traversal)
    return traversal


def traverse(
    input_size: Any,
    kernel_size: Any,
    strides: Any = 1,
    padding: Any = "valid",
    dilation_rate: Any = 1,
) -> Traversal:
    """Geometry of a kernel sliding over an input of ``input_size`` spatial cells (TensorFlow's rules).

    Parameters
    ----------
    input_size, kernel_size, strides, dilation_rate
        An int (same on every axis) or a tuple with one entry per spatial axis. The rank (1 to 3) is
        ``len(input_size)`` when it is a tuple, else the length of the first tuple among ``kernel_size``,
        ``strides``, ``dilation_rate`` and ``padding`` (pairs), else 1: ``traverse(28, 3)`` is 1-D,
        ``traverse(28, (3, 3))`` is 28×28.
    padding
        ``"valid"``, ``"same"``, ``"causal"`` (1-D only), an int ``p`` (``(p, p)`` on every axis) or a tuple
        with one ``(before, after)`` pair (or one symmetric int) per axis. In 1-D a flat ``(before, after)``
        is accepted too.

    Raises
    ------
    ValueError
        If the output would be empty, ``strides > 1`` is combined with ``dilation_rate > 1`` (Keras and
        TensorFlow refuse it), or the input is larger than ``MAX_CELLS`` / the traversal than ``MAX_READS``.

    Examples
    --------
    >>> t = traverse((28, 28), 3, strides=2, padding="same")
    >>> t.output_size, t.padding
    ((14, 14), ((0, 1), (0, 1)))
    >>> t.steps[-1].origin
    (26, 26)
    """
    rank = _infer_rank(input_size, kernel_size, strides, padding, dilation_rate)
    sizes = normalize_tuple(input_size, rank, "input_size")
    kernel = normalize_tuple(kernel_size, rank, "kernel_size")
    stride = normalize_tuple(strides, rank, "strides")
    dilation = normalize_tuple(dilation_rate, rank, "dilation_rate")
    check_strides_dilation(stride, dilation, received=(strides, dilation_rate))
    pads = _normalize_padding(padding, rank)
    names = axis_names(rank)
    axes = tuple(
        conv_axis(n, k, s, p, d, axis=name) for n, k, s, p, d, name in zip(sizes, kernel, stride, pads, dilation, names)
    )
    return traversal_from_axes(axes)
