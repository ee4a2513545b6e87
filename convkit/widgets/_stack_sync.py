"""How the stack editor follows a new stack without rebuilding what did not change, and how its code API reads
a layer index.

:func:`match_rows` pairs the editor's existing rows with the layers of a new stack: a layer that is still in the
stack keeps its row (layers are immutable values, so the very same object means the very same layer), an edited
layer reuses the row of the layer it replaced when it has the same type (the learner's field keeps its place),
and only the rest get new rows. So inserting one layer into 200 builds one row, removing or moving builds none.

:func:`resolve_index` reads the ``index`` of :meth:`StackEditor.set_field` and friends: an integer (negative
from the end) or a layer's name, refused with convkit's ``IndexError``/``TypeError``/``ValueError`` message.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from ..core.words import short_repr

__all__ = ["match_rows", "resolve_index"]

Row = TypeVar("Row")


def match_rows(
    rows: Sequence[Row], layers: Sequence[Any], layer_of: Callable[[Row], Any], index_of: Callable[[Row], int]
) -> tuple[list[Row | None], list[Row]]:
    """The row for each of ``layers`` (``None`` where a new row is needed) and the rows no longer used.

    >>> class A: ...
    >>> class B: ...
    >>> a, b, c, d = A(), A(), B(), A()
    >>> rows = [{"layer": a, "at": 0}, {"layer": b, "at": 1}, {"layer": c, "at": 2}]
    >>> kept, dropped = match_rows(rows, [a, d, c], lambda r: r["layer"], lambda r: r["at"])
    >>> [r["at"] for r in kept], dropped    # d replaced b (same type): it reuses b's row
    ([0, 1, 2], [])
    >>> kept, dropped = match_rows(rows, [c, B(), a], lambda r: r["layer"], lambda r: r["at"])
    >>> [r and r["at"] for r in kept], [r["at"] for r in dropped]   # moved, one new, b gone
    ([2, None, 0], [1])
    """
    free: dict[int, list[Row]] = {}
    for row in rows:
        free.setdefault(id(layer_of(row)), []).append(row)
    out: list[Row | None] = []
    for layer in layers:
        same = free.get(id(layer))
        out.append(same.pop(0) if same else None)
    spare = [row for left in free.values() for row in left]
    by_position = {index_of(row): row for row in spare}
    for i, layer in enumerate(layers):  # an edited layer keeps the row it had, when the type is the same
        old = by_position.get(i)
        if out[i] is None and old is not None and type(layer_of(old)) is type(layer):
            out[i] = old
            spare.remove(old)
            del by_position[i]
    return out, spare


def resolve_index(index: Any, layers: Sequence[Any], what: str = "index", *, allow_end: bool = False) -> int:
    """``index`` as a position in ``layers``: an integer (negative counts from the end) or a layer's name.

    ``allow_end``: ``len(layers)`` is allowed too (where to insert).
    """
    n = len(layers)
    if isinstance(index, str):
        names = [getattr(layer, "name", None) for layer in layers]
        if index in names:
            return names.index(index)
        listed = ", ".join(repr(name) for name in names[:8]) + (", …" if n > 8 else "")
        raise ValueError(
            f"No layer of the stack is named {short_repr(index)}; its layers are named {listed}. "
            f"Use a name or an index from {-n} to {n - 1}. Received: {what}={short_repr(index)}"
        )
    if isinstance(index, bool) or not isinstance(index, numbers.Integral):
        raise TypeError(
            f"`{what}` must be a layer index (an integer, negative counts from the end) or a layer's "
            f"name. Received: {what}={short_repr(index)}"
        )
    top = n if allow_end else n - 1
    j = int(index) + n if index < 0 else int(index)
    if not 0 <= j <= top:
        span = f"from {-n} to {top}" if top >= 0 else "(the stack is empty)"
        raise IndexError(
            f"`{what}` must be a layer index {span}: the stack has {n} layers. Received: {what}={short_repr(index)}"
        )
    return j
