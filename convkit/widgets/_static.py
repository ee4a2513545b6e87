"""A static picture next to a live widget, for the renderers that cannot run widgets.

Why a second output: ``nbconvert --execute`` (nbclient) saves the widget state in the notebook. nbconvert's HTML
exporter then ranks ``application/vnd.jupyter.widget-view+json`` first (``display_data_priority``, and its
``WidgetsDataTypeFilter`` keeps that type whenever the model id is in the saved state), so the template's
``data_widget_view`` block writes a ``<script>`` that only a widget manager fetched from a CDN can draw. Offline
that is a blank space, whatever else the same bundle holds. A picture in the widget's own bundle is never used.

So a widget's ``_ipython_display_`` publishes two outputs: the live view (widget-view + ``text/plain``), then a
static one (``text/html`` ``<img class="convkit-static-fallback" alt=...>`` + ``image/png`` + ``text/plain``).
HTML export, nbviewer, GitHub and PDF show the static one. The widget's own style sheet, which the browser loads
only when the live view really renders, hides the static output that directly follows a rendered convkit widget
(:data:`HIDE_FALLBACK_CSS`); where the live view fails to render the picture stays visible.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable
from typing import Any

__all__ = ["FALLBACK_CLASS", "HIDE_FALLBACK_CSS", "fallback_bundle", "display_with_fallback"]

#: CSS class of the ``<img>`` in a static fallback output.
FALLBACK_CLASS = "convkit-static-fallback"
#: Hides a fallback output placed right after an output where a convkit widget rendered (JupyterLab, Notebook 7,
#: Voilà and nbconvert's ``lab`` template all wrap each output in ``.jp-OutputArea-child``).
HIDE_FALLBACK_CSS = (
    ".jp-OutputArea-child:has(.convkit-widget) + .jp-OutputArea-child:has(.convkit-static-fallback) "
    "{ display: none; }\n"
)


def fallback_bundle(png: bytes, alt: str, text: str) -> dict[str, Any]:
    """The static output's mime bundle: an ``<img>`` with ``alt`` text, the same PNG, and ``text``.

    >>> b = fallback_bundle(b"\\x89PNG", "a kernel window", "KernelTraversal picture")
    >>> sorted(b), 'alt="a kernel window"' in b["text/html"]
    (['image/png', 'text/html', 'text/plain'], True)
    """
    encoded = base64.b64encode(png).decode("ascii")
    tag = (
        f'<img class="{FALLBACK_CLASS}" alt="{html.escape(alt, quote=True)}" '
        f'style="max-width: 100%; height: auto" src="data:image/png;base64,{encoded}">'
    )
    return {"text/html": tag, "image/png": encoded, "text/plain": text}


def display_with_fallback(live: dict[str, Any], fallback: Callable[[], dict[str, Any] | None]) -> None:
    """Publish the live widget bundle, then the static fallback (when ``fallback()`` gives one) as its own output.

    The live view goes out first, so it is there even if drawing the picture fails.
    """
    from IPython.display import display

    show: Callable[..., Any] = display  # IPython's display has no type hints
    show(live, raw=True)
    bundle = fallback()
    if bundle is not None:
        show(bundle, raw=True)
