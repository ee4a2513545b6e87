"""HTML of explanations: a whole trace's per-layer arithmetic (``stack.explain()`` in a notebook).

Registered as the notebook HTML of the core's results by :mod:`convkit.render.html`; the text is the core's own
(:func:`convkit.core.summary.explanation_lines`), so the HTML says what ``print`` says.
"""

from __future__ import annotations

import html
from typing import Any

from .summary_html import html_text, nowrap_shapes

__all__ = ["trace_explanation_html"]


def trace_explanation_html(trace: Any) -> str:
    """Each layer's title and arithmetic as HTML (the layer's own explanation table when it has one), shapes
    kept on one line.

    >>> import convkit
    >>> page = trace_explanation_html(convkit.trace((None, 8, 8, 1), [convkit.layers.Flatten(name="f")]))
    >>> page.startswith('<div class="convkit-stack-explanation"'), '<b>0. f</b>' in page
    (True, True)
    >>> '<span style="white-space:nowrap">(None, 64)</span>' in page
    True
    """
    from ..core.summary import explanation_lines  # here, not at the top: ``import convkit`` stays light

    parts = []
    for e, line in zip(trace.entries, explanation_lines(trace)):
        own = e.explanation._repr_html_() if e.explanation is not None and e.error is None else None
        if own:
            parts.append(f"<div><b>{e.index}. {html.escape(e.name)}</b>{nowrap_shapes(own)}</div>")
        else:
            parts.append(f"<div>{html_text(line)}</div>")
    return '<div class="convkit-stack-explanation" style="color:inherit">' + "".join(parts) + "</div>"
