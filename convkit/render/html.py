"""Attach convkit's HTML renderers to the core's results (imported by ``import convkit``).

The core's results are data with a text ``__str__``; their ``_repr_html_`` asks :mod:`convkit.core.display` for
the renderer registered under their kind. Importing this module registers the renderers of :mod:`convkit.render`
(plain string formatting: no matplotlib), so a summary or an explanation shows as HTML in a notebook while the
core imports nothing above it.

>>> import convkit
>>> stack = convkit.LayerStack((None, 8, 8, 1), [convkit.layers.Conv2D(2, 3)])
>>> stack.summary()._repr_html_().startswith('<div class="convkit-summary"')
True
"""

from __future__ import annotations

from ..core.display import register_html
from .explain_html import explanation_html, trace_explanation_html
from .summary_html import summary_table_html

__all__ = ["register"]


def register() -> None:
    """Register (again) every HTML renderer of :mod:`convkit.render` with :mod:`convkit.core.display`."""
    register_html("summary", summary_table_html)
    register_html("explanation", explanation_html)
    register_html("trace_explanation", trace_explanation_html)


register()
