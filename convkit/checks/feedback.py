"""How a check reports: :class:`NotYet` (shown without a traceback), :class:`WrongKind` for an answer of the wrong
kind, lines wrapped to a width that fixed-width feedback boxes show in full, long answers shortened when they are
echoed, and the readers that turn a learner's answer into a number, a pair or a shape (or say why they cannot).

>>> as_pair([0, 1], "ex4")
(0, 1)
>>> print(feedback_text(["the total is right but the split is not."]))
Not yet: the total is right but the split is not.
"""

from __future__ import annotations

import numbers
import reprlib
import textwrap
from collections.abc import Sequence
from typing import Any

__all__ = [
    "WIDTH",
    "NotYet",
    "WrongKind",
    "as_int",
    "as_pair",
    "as_shape",
    "fail",
    "feedback_text",
    "is_int",
    "short_repr",
    "wrong_kind",
]

#: feedback lines are wrapped to this width: nbgrader's feedback page shows them in a fixed-width box that does
#: not wrap (about 77 characters wide in an 800-pixel window), and so do terminals
WIDTH = 76
_SHAPE_WORDS = "a shape: a tuple of whole numbers, one per dimension, batch first (None for an unknown batch)"
_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 60
_REPR.maxtuple = _REPR.maxlist = _REPR.maxdict = _REPR.maxset = 8
_REPR.maxlevel = 3


# --------------------------------------------------------------------------- how a failed check is reported
class NotYet(AssertionError):
    """A check failed. The message is formative feedback: what to look at again, never the expected value.

    In IPython/Jupyter it is shown as the message alone, without a traceback: the learner's cell is right
    above it, and the checking code (or a hidden test) is nothing the learner needs to read.
    """

    def _render_traceback_(self) -> list[str]:
        return str(self).splitlines()


NotYet.__module__ = "convkit.checks"  # its public home


class WrongKind(NotYet, TypeError):
    """An answer of the wrong kind (text where a number is expected, ...): a ``TypeError`` that is also shown
    as "Not yet" feedback without a traceback, and fails a graded cell like any other wrong answer."""


WrongKind.__module__ = "convkit.checks"


def short_repr(value: Any) -> str:
    """``repr(value)``, shortened with ``...`` when it is long (a huge answer is not echoed in full)."""
    try:
        return _REPR.repr(value)
    except Exception:  # noqa: BLE001 - a learner's object whose __repr__ fails must not hide the feedback
        return f"<{type(value).__name__} object>"


def feedback_text(problems: Sequence[str]) -> str:
    """``"Not yet: ..."`` for one problem, a bulleted list for several; every line at most ``WIDTH`` long."""
    if len(problems) == 1:
        return textwrap.fill("Not yet: " + problems[0], WIDTH, break_on_hyphens=False, break_long_words=False)
    items = [
        textwrap.fill(
            p, WIDTH, initial_indent="- ", subsequent_indent="  ", break_on_hyphens=False, break_long_words=False
        )
        for p in problems
    ]
    return "\n".join(["Not yet:", *items])


def fail(problems: Sequence[str]) -> None:
    """Raise :class:`NotYet` with ``problems`` (nothing when the list is empty)."""
    __tracebackhide__ = True  # in other IPython tracebacks, skip convkit's frames
    if problems:
        raise NotYet(feedback_text(problems))


def wrong_kind(what: str, name: str, value: Any, hint: str = "") -> WrongKind:
    """The :class:`WrongKind` error for ``name=value``, which should have been ``what``."""
    hint = f" {hint}" if hint else ""
    return WrongKind(feedback_text([f"`{name}` should be {what}.{hint} Received: {name}={short_repr(value)}"]))


# --------------------------------------------------------------------------- answers of the right kind
def is_int(value: Any) -> bool:
    """An integer that is not a bool (numpy integers count)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def as_int(value: Any, name: str) -> int:
    """``value`` as an int, or a :class:`WrongKind` that says how to write a whole number."""
    if is_int(value):
        return int(value)
    hint = ""
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and float(value).is_integer():
        hint = f"Write it without a decimal point, e.g. {name} = {int(float(value))}."
    elif isinstance(value, str):
        hint = "Remove the quotes: a number, not text."
    elif isinstance(value, bool):
        hint = "True and False are not numbers here."
    raise wrong_kind("a whole number", name, value, hint)


def as_shape(value: Any, name: str = "answer") -> tuple[int | None, ...]:
    """A learner's shape as a tuple (lists accepted); :class:`WrongKind` for strings and other kinds."""
    if isinstance(value, (str, bytes)):
        raise wrong_kind(_SHAPE_WORDS, name, value, "Remove the quotes.")
    if not isinstance(value, (tuple, list)):
        raise wrong_kind(_SHAPE_WORDS, name, value)
    dims = []
    for dim in value:
        if dim is not None and not is_int(dim):
            raise wrong_kind(
                _SHAPE_WORDS,
                name,
                value,
                f"It contains {short_repr(dim)} (of type {type(dim).__name__}), but every entry must "
                "be a whole number or None.",
            )
        dims.append(None if dim is None else int(dim))
    return tuple(dims)


def as_pair(value: Any, name: str) -> tuple[int, int]:
    """A ``(before, after)`` pair of ints (lists accepted)."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (tuple, list)) or len(value) != 2:
        raise wrong_kind(
            "a pair (before, after) of whole numbers",
            name,
            value,
            "Remove the quotes." if isinstance(value, (str, bytes)) else "",
        )
    return as_int(value[0], name), as_int(value[1], name)
