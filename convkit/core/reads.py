"""Which cells of one input axis a sliding window reads, found by arithmetic on the window's pattern.

Along one axis, tap ``j`` of output ``i`` reads cell ``x = i·s + j·d - p`` (stride ``s``, dilation ``d``,
padding before ``p``, ``k`` taps, ``o`` outputs). The cells read form a *comb*: runs ("teeth") of
``width`` consecutive cells, one run every ``period`` cells, the first starting at ``-p``:

* ``d = 1``: each output reads ``k`` consecutive cells and the outputs repeat every ``s`` cells, so
  ``period = s``, ``width = k``, ``teeth = o``;
* ``s = 1``: each tap reads ``o`` consecutive cells and the taps repeat every ``d`` cells, so
  ``period = d``, ``width = o``, ``teeth = k``.

When ``width >= period`` the runs touch and the comb is one run. Counting the read cells, or finding the
first and last unread ones, is then a few divisions, whatever the length of the axis: an audio clip of
10**8 samples costs the same as a 28-pixel row. Keras and TensorFlow refuse ``s > 1`` with ``d > 1``;
such an axis (reachable only through :func:`~convkit.core.axis.conv_axis` itself) is enumerated when it
is small and left unanswered (``None``) when it is not.

>>> from convkit.core.axis import conv_axis
>>> r = axis_reads(conv_axis(10**8, 1, 10**7))     # 10 outputs, one cell each
>>> r.read, r.unread, r.first_unread[:3], r.last_unread
(10, 99999990, (1, 2, 3), 99999999)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .axis import ConvAxis

__all__ = ["Comb", "AxisReads", "comb_of", "axis_reads", "read_counts", "MAX_ENUMERATED"]

#: Largest ``outputs × taps`` enumerated for an axis that is not a comb (strides and dilation both > 1).
MAX_ENUMERATED = 2**22


@dataclass(frozen=True, slots=True)
class Comb:
    """``teeth`` runs of ``width`` cells starting at ``start + t·period``; ``width < period`` or ``teeth == 1``."""

    start: int
    period: int
    width: int
    teeth: int

    @property
    def stop(self) -> int:
        """One past the last cell of the last run."""
        return self.start + (self.teeth - 1) * self.period + self.width

    def covered_below(self, x: int) -> int:
        """How many comb cells are ``< x``."""
        y = x - self.start
        if y <= 0:
            return 0
        q, r = divmod(y, self.period)
        if q >= self.teeth:
            return self.teeth * self.width
        return q * self.width + min(r, self.width)

    def contains(self, x: int) -> bool:
        y = x - self.start
        if y < 0:
            return False
        q, r = divmod(y, self.period)
        return q < self.teeth and r < self.width

    def next_gap(self, x: int) -> int:
        """The smallest cell ``>= x`` that is not in the comb."""
        if not self.contains(x):
            return x
        q = (x - self.start) // self.period
        return self.start + q * self.period + self.width

    def previous_gap(self, x: int) -> int:
        """The largest cell ``<= x`` that is not in the comb (may be negative)."""
        if not self.contains(x):
            return x
        q = (x - self.start) // self.period
        return self.start + q * self.period - 1


def _comb(start: int, period: int, width: int, teeth: int) -> Comb:
    if teeth <= 1 or width >= period:  # the runs touch: one run from the first cell to the last
        total = (teeth - 1) * period + width
        return Comb(start, total, total, 1)
    return Comb(start, period, width, teeth)


def comb_of(axis: ConvAxis) -> Comb | None:
    """The comb of cells ``axis`` reads (in unpadded coordinates), ``None`` for unknown sizes or ``s, d > 1``."""
    if axis.size is None or axis.output is None or axis.pad_before is None:
        return None
    s, d, k, o = axis.strides, axis.dilation_rate, axis.kernel_size, axis.output
    if d == 1:
        return _comb(-axis.pad_before, s, k, o)
    if s == 1:
        return _comb(-axis.pad_before, d, o, k)
    return None


@dataclass(frozen=True, slots=True)
class AxisReads:
    """How many of an axis' ``size`` cells are read, and a few of the unread ones (first ones and the last)."""

    size: int
    read: int
    first_unread: tuple[int, ...]
    last_unread: int | None

    @property
    def unread(self) -> int:
        return self.size - self.read

    @property
    def read_fraction(self) -> float:
        return self.read / self.size


def axis_reads(axis: ConvAxis, shown: int = 6) -> AxisReads | None:
    """Read count and up to ``shown`` first unread cells (plus the last one) of one axis, in O(shown) work.

    ``None`` when the size is unknown, or for an axis with both strides and dilation > 1 that is too
    large to enumerate (``outputs × taps > MAX_ENUMERATED``).

    >>> from convkit.core.axis import conv_axis
    >>> axis_reads(conv_axis(28, 3, 2))
    AxisReads(size=28, read=27, first_unread=(27,), last_unread=27)
    """
    n = axis.size
    if n is None:
        return None
    comb = comb_of(axis)
    if comb is None:
        return _enumerated_reads(axis, shown)
    read = comb.covered_below(n) - comb.covered_below(0)
    first: list[int] = []
    x = 0
    while len(first) < shown:
        x = comb.next_gap(x)
        if x >= n:
            break
        first.append(x)
        x += 1
    last = comb.previous_gap(n - 1) if read < n else None
    return AxisReads(n, read, tuple(first), last)


def _enumerated_reads(axis: ConvAxis, shown: int) -> AxisReads | None:
    if axis.size is None or axis.output is None or axis.pad_before is None:
        return None
    if axis.output * axis.kernel_size > MAX_ENUMERATED:
        return None
    unread = np.flatnonzero(read_counts(axis) == 0)
    last = int(unread[-1]) if unread.size else None
    return AxisReads(axis.size, axis.size - int(unread.size), tuple(int(i) for i in unread[:shown]), last)


def read_counts(axis: ConvAxis) -> np.ndarray:
    """int32 array of length ``size``: how many (output, tap) pairs read each cell of the axis.

    Built with one strided slice per tap (or per output, whichever is fewer), so memory is the result
    alone and work is ``outputs × taps`` additions.

    >>> from convkit.core.axis import conv_axis
    >>> read_counts(conv_axis(7, 3, 2)).tolist()
    [1, 1, 2, 1, 2, 1, 1]
    """
    if axis.size is None or axis.output is None or axis.pad_before is None:
        raise ValueError(f"Read counts need an axis of known size. Received: axis={axis!r}")
    n, s, d, k, o, p = axis.size, axis.strides, axis.dilation_rate, axis.kernel_size, axis.output, axis.pad_before
    counts = np.zeros(n, np.int32)
    # cells read: first + step·m for m in 0..length-1, once per "line" (a tap, or an output)
    lines = ((j * d - p, s, o) for j in range(k)) if k <= o else ((i * s - p, d, k) for i in range(o))
    for first, step, length in lines:
        lo = 0 if first >= 0 else -(first // step)  # smallest m with first + step·m >= 0
        hi = min(length, (n - 1 - first) // step + 1) if n - 1 >= first else 0  # m with first + step·m <= n-1
        if lo < hi:
            counts[first + step * lo : first + step * (hi - 1) + 1 : step] += 1
    return counts
