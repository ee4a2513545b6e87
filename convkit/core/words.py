"""Small helpers for the words in convkit's messages (core-level: errors are raised from the core).

>>> count(1, "channel"), count(3, "channel"), count(1, "filter", "1×1 "), count(None, "channel")
('1 channel', '3 channels', '1 1×1 filter', 'None channels')
"""

from __future__ import annotations

__all__ = ["count", "noun", "short_repr"]


def noun(n: object, word: str) -> str:
    """``word`` in the plural unless ``n`` is exactly 1."""
    return word if n == 1 and not isinstance(n, bool) else word + "s"


def count(n: object, word: str, adjective: str = "") -> str:
    """``"1 channel"``, ``"32 channels"``: a number and its noun, agreeing."""
    return f"{n} {adjective}{noun(n, word)}"


def short_repr(value: object, limit: int = 60) -> str:
    """``repr(value)``, cut to about ``limit`` characters with "…" (messages never echo a huge value in full).

    >>> short_repr(10**100)
    '100000000000000000000000000…00000000000000000000000000 (101 digits)'
    >>> short_repr((3, 3))
    '(3, 3)'
    """
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**limit:
        if value.bit_length() > 10_000:  # str() of such an int is refused by Python itself (or slow)
            sign = "-" if value < 0 else ""
            return f"{sign}a whole number of about {int(value.bit_length() * 0.30103):,} digits"
        text = str(value)
        digits = len(text.lstrip("-"))
        return f"{text[: limit // 2 - 3]}…{text[-(limit // 2 - 4):]} ({digits} digits)"
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a broken __repr__ must not hide the learner's real mistake
        text = f"<{type(value).__name__} object>"
    if len(text) <= limit:
        return text
    return f"{text[: limit - 12]}…{text[-8:]} ({len(text):,} characters)"
