"""Which steps an exported GIF shows: by default a slide-length selection, or the steps asked for.

A traversal of more than :data:`SLIDE_FRAMES` steps gets, by default, a representative selection: the first
steps of the first output row (the kernel sliding by its stride), the row change (the end of the first row and
the start of the second: the kernel jumping down by its stride), frames spread evenly over the rest of the run,
and the last steps. ``steps="all"`` (or a range, slice or list) gives exactly those steps.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..core.traversal import Traversal

__all__ = ["SLIDE_FRAMES", "check_steps", "slide_steps"]

SLIDE_FRAMES = 60  # frames of the default GIF at most (7.5 s at 8 frames per second)
_HEAD = 12  # first steps of the first output row
_TURN = 3  # steps each side of the first row change
_TAIL = 4  # last steps


def slide_steps(t: Traversal, max_frames: int = SLIDE_FRAMES) -> list[int]:
    """The default GIF's steps: all of them up to ``max_frames``, else a representative selection of that many.

    >>> import convkit
    >>> steps = slide_steps(convkit.traverse((128, 128), 3, strides=4))   # Example 3: 1,024 steps
    >>> len(steps), steps[:13], steps[12:18], steps[-4:]
    (60, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 29], [29, 30, 31, 32, 33, 34], [1020, 1021, 1022, 1023])
    """
    n = t.num_steps
    if n <= max_frames:
        return list(range(n))
    row = t.output_size[-1]  # steps per output row (C order)
    chosen = set(range(min(row, _HEAD if t.rank > 1 else 2 * _HEAD)))
    if t.rank > 1 and n > row:
        chosen |= set(range(max(row - _TURN, 0), min(row + _TURN, n)))
    chosen |= set(range(n - _TAIL, n))
    first, last = max(chosen - set(range(n - _TAIL, n))) + 1, n - _TAIL - 1  # the middle of the run
    budget = max_frames - len(chosen)
    if budget > 0 and last >= first:
        if last - first + 1 <= budget:
            chosen |= set(range(first, last + 1))
        else:  # evenly spread, first and last of the middle included (distinct: the spacing is >= 1)
            chosen |= {first + int(v) for v in np.linspace(0, last - first, budget).round()}
    return sorted(chosen)


def check_steps(t: Traversal, steps: Any) -> list[int]:
    """``steps`` of :func:`~convkit.render.export.save_traversal`, checked: ``None`` (the slide selection),
    ``"all"``, a range, a slice or a list of step indices (negative ones count from the end)."""
    n = t.num_steps
    if steps is None:
        return slide_steps(t)
    if isinstance(steps, str) and steps == "all":
        return list(range(n))
    if isinstance(steps, slice):
        out = list(range(n))[steps]
    elif isinstance(steps, (str, bytes)) or not isinstance(steps, Iterable):
        raise TypeError(
            '`steps` must be None (a slide-length selection), "all", a range, a slice or a list of step indices. '
            f"Received: steps={steps!r}"
        )
    else:
        out = []
        for s in steps:
            if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or not -n <= int(s) < n:
                raise ValueError(
                    f"Every entry of `steps` must be an integer step index between 0 and {n - 1}. "
                    f"Received: steps containing {s!r}"
                )
            out.append(int(s) % n)
    if not out:
        raise ValueError(f"`steps` selects no step; a GIF needs at least one frame. Received: steps={steps!r}")
    return out
