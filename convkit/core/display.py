"""The hook through which core results get their notebook HTML without the core importing the renderers.

The core's result objects (:class:`~convkit.core.summary.Summary`, :class:`~convkit.core.explain.Explanation`)
are data with a plain-text ``__str__``. Their HTML is written in :mod:`convkit.render` (a layer above), which
registers one function per kind of result here when it is imported; ``import convkit`` imports it, so every
result displays as HTML in a notebook. A result whose kind has no renderer returns ``None`` from
``_repr_html_``, and IPython then shows its text.

>>> register_html("example", lambda obj: f"<b>{obj}</b>")
>>> html_for("example", 3), html_for("nothing registered", 3) is None
('<b>3</b>', True)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["register_html", "html_for"]

_RENDERERS: dict[str, Callable[[Any], str]] = {}


def register_html(kind: str, renderer: Callable[[Any], str]) -> None:
    """Use ``renderer(obj)`` as the HTML of every core result of ``kind`` (``"summary"``, ``"explanation"``)."""
    _RENDERERS[kind] = renderer


def html_for(kind: str, obj: Any) -> str | None:
    """The registered HTML of ``obj``, or ``None`` when no renderer of ``kind`` is registered."""
    renderer = _RENDERERS.get(kind)
    return None if renderer is None else renderer(obj)
