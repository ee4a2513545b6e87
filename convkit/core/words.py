"""Small helpers for the words in convkit's messages (core-level: errors are raised from the core).

>>> count(1, "channel"), count(3, "channel"), count(1, "filter", "1×1 "), count(None, "channel")
('1 channel', '3 channels', '1 1×1 filter', 'None channels')
"""

from __future__ import annotations

__all__ = ["count", "noun"]


def noun(n: object, word: str) -> str:
    """``word`` in the plural unless ``n`` is exactly 1."""
    return word if n == 1 and not isinstance(n, bool) else word + "s"


def count(n: object, word: str, adjective: str = "") -> str:
    """``"1 channel"``, ``"32 channels"``: a number and its noun, agreeing."""
    return f"{n} {adjective}{noun(n, word)}"
