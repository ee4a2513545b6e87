"""Checks of an answer's *form* only (a shape, a whole number, a pair, one of some options), for the visible part
of graded cells: they say nothing about whether the answer is right.

>>> check_is_pair((0, 1))
>>> check_is_pair("0, 1", name="ex4")
Traceback (most recent call last):
...
convkit.checks.WrongKind: Not yet: `ex4` should be a pair (before, after) of whole numbers. Remove the quotes. ...
"""

from __future__ import annotations

from typing import Any

from .feedback import as_int, as_pair, as_shape, wrong_kind

__all__ = ["check_is_shape", "check_is_whole_number", "check_is_pair", "check_is_one_of"]


def check_is_shape(answer: Any, *, name: str = "answer") -> None:
    """Check only the *form* of an answer: a tuple (or list) of whole numbers or None.

    Used in the visible part of graded cells: it says nothing about whether the shape is right.

    >>> check_is_shape((None, 10, 10, 8))
    >>> check_is_shape("(None, 10, 10, 8)", name="ex1")
    Traceback (most recent call last):
    ...
    convkit.checks.WrongKind: Not yet: `ex1` should be a shape: ... Remove the quotes. Received: ex1='(None, 10, 10, 8)'
    """
    __tracebackhide__ = True
    as_shape(answer, name)


def check_is_whole_number(answer: Any, *, name: str = "answer") -> None:
    """Check only that ``answer`` is a whole number (an ``int``, not ``7.0``, ``"7"`` or ``True``).

    >>> check_is_whole_number(7)
    """
    __tracebackhide__ = True
    as_int(answer, name)


def check_is_pair(answer: Any, *, name: str = "answer") -> None:
    """Check only that ``answer`` is a pair of whole numbers, e.g. ``(before, after)``.

    >>> check_is_pair((0, 1))
    """
    __tracebackhide__ = True
    as_pair(answer, name)


def check_is_one_of(answer: Any, options: Any, *, name: str = "answer") -> None:
    """Check only that ``answer`` is one of ``options`` (e.g. one of the layer names of an exercise).

    >>> check_is_one_of("conv_2", ["conv_1", "conv_2"])
    """
    __tracebackhide__ = True
    options = list(options)
    try:
        ok = answer in options
    except Exception:  # noqa: BLE001 - an unhashable or odd learner value is simply not one of them
        ok = False
    if not ok:
        hint = (
            "Put the name in quotes."
            if all(isinstance(o, str) for o in options) and not isinstance(answer, str)
            else ""
        )
        raise wrong_kind(f"one of {', '.join(map(repr, options))}", name, answer, hint)
