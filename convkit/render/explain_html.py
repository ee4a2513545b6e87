"""HTML of explanations: one layer's arithmetic (:class:`convkit.core.explain.Explanation`, e.g.
``layer.explain(shape)`` in a notebook) and a whole trace's (``stack.explain()``).

Registered as the notebook HTML of the core's results by :mod:`convkit.render.html`. The words are the core's own
(the explanation's title, formulas and notes; :func:`convkit.core.summary.explanation_lines`), so the HTML says
what ``print`` says; colours are inherited or Lab's CSS variables, readable in the light and the dark theme.
"""

from __future__ import annotations

import html
from typing import Any

from .summary_html import html_text, nowrap_shapes

__all__ = ["explanation_html", "trace_explanation_html"]

_CELL = "padding:0.15em 0.9em 0.15em 0;vertical-align:top;text-align:left;border:none;background:transparent"
_CODE = "color:inherit;background:var(--jp-layout-color2,transparent);padding:0 0.2em;border-radius:2px"


def explanation_html(explanation: Any) -> str:
    """One explanation as HTML: its title, a table of the axes (formula, then the axis's notes), its notes.

    >>> from convkit.core.layers import Conv1D
    >>> page = explanation_html(Conv1D(4, 3).explain((None, 10, 1)))
    >>> page.startswith('<div class="convkit-explanation"'), "floor((10 + 0 + 0 - 3) / 1) + 1 = 8" in page
    (True, True)
    """
    esc = html.escape
    rows = []
    for entry in explanation.axes:
        notes = "".join(f'<div style="opacity:0.75;font-size:0.9em">{esc(n)}</div>' for n in entry.notes)
        rows.append(
            f'<tr><th style="{_CELL};font-weight:600">{esc(entry.name)}</th>'
            f'<td style="{_CELL}"><code style="{_CODE}">{esc(entry.formula)}</code>{notes}</td></tr>'
        )
    table = (
        '<table style="border-collapse:collapse;color:inherit;background:transparent;margin:0.2em 0">'
        f"{''.join(rows)}</table>"
        if rows
        else ""
    )
    notes = (
        '<ul style="margin:0.2em 0;padding-left:1.3em">'
        + "".join(f"<li>{esc(n)}</li>" for n in explanation.notes)
        + "</ul>"
        if explanation.notes
        else ""
    )
    return (
        '<div class="convkit-explanation" style="color:var(--jp-ui-font-color1,inherit);'
        'font-family:var(--jp-ui-font-family,inherit);line-height:1.45">'
        f'<div style="font-weight:600">{esc(explanation.title)}</div>{table}{notes}</div>'
    )


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
        own = explanation_html(e.explanation) if e.explanation is not None and e.error is None else None
        if own:
            parts.append(f"<div><b>{e.index}. {html.escape(e.name)}</b>{nowrap_shapes(own)}</div>")
        else:
            parts.append(f"<div>{html_text(line)}</div>")
    return '<div class="convkit-stack-explanation" style="color:inherit">' + "".join(parts) + "</div>"
