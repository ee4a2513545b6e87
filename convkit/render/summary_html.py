"""HTML of the summary table: cells that never break a shape or a formula, and the column explanations.

Pure string formatting of the data in :class:`convkit.core.summary.Summary` (registered as its notebook HTML by
:mod:`convkit.render.html`). Shapes in HTML are kept on one line with ``white-space:nowrap`` (a table column in
JupyterLab is otherwise free to break ``(None, 64, 64, 16)`` after a comma); the header cells Window, RF and Jump
carry their explanation as a title (a tooltip, read by screen readers). The inherited colours and Lab's CSS
variables keep it readable in the light and the dark theme.
"""

from __future__ import annotations

import html
import re
from typing import Any

from .words import column_notes

__all__ = ["column_notes", "html_text", "nowrap_shapes", "summary_table_html"]

_TUPLE = re.compile(r"\((?:None|\?|-?\d+)(?:, ?(?:None|\?|-?\d+))*,?\)")
_NOWRAP = "white-space:nowrap"


def html_text(text: str) -> str:
    """``text`` escaped for HTML, every shape tuple in it kept on one line (a table cell never breaks a shape).

    >>> html_text("Add needs equal shapes; received (None, 16, 16, 32) & more")
    'Add needs equal shapes; received <span style="white-space:nowrap">(None, 16, 16, 32)</span> &amp; more'
    """
    out, last = [], 0
    for m in _TUPLE.finditer(text):
        out.append(html.escape(text[last : m.start()]))
        out.append(f'<span style="{_NOWRAP}">{html.escape(m.group())}</span>')
        last = m.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def nowrap_shapes(markup: str) -> str:
    """Keep every shape tuple in the text of an HTML fragment on one line (tags and attributes untouched).

    >>> nowrap_shapes('<b title="(1, 2)">x</b> → (None, 6, 4)')
    '<b title="(1, 2)">x</b> → <span style="white-space:nowrap">(None, 6, 4)</span>'
    """
    pieces = re.split(r"(<[^>]*>)", markup)
    return "".join(
        p if p.startswith("<") else _TUPLE.sub(lambda m: f'<span style="{_NOWRAP}">{m.group()}</span>', p)
        for p in pieces
    )


def summary_table_html(summary: Any) -> str:
    """The summary as an HTML table that inherits the notebook's colours; RF and Jump explained in the headers'
    titles and the footnote, shapes and formulas never broken across lines."""
    header, body = summary._columns()
    cell = (
        "padding:0.2em 0.8em;text-align:left;vertical-align:top;color:inherit;background:transparent;"
        "border:none;border-bottom:1px solid var(--jp-border-color2,rgba(128,128,128,0.35))"
    )
    num = {header.index("#"), header.index("Params")}
    mono = {header.index("Output shape"), header.index("Arithmetic"), header.index("Window")}
    titles = column_notes(summary.unit)

    def td(c: int, text: str, tag: str = "td") -> str:
        style = cell + (";text-align:right" if c in num else "")
        if tag == "th" and text in titles:
            inner = f'<abbr title="{html.escape(titles[text])}" style="cursor:help">{html.escape(text)}</abbr>'
        elif c in mono and tag == "td" and text:
            parts = "; ".join(f'<span style="{_NOWRAP}">{html.escape(p)}</span>' for p in text.split("; "))
            inner = f'<code style="color:inherit;background:transparent">{parts}</code>'
        else:
            inner = html_text(text)
        return f'<{tag} style="{style}">{inner}</{tag}>'

    head = "<tr>" + "".join(td(c, h, "th") for c, h in enumerate(header)) + "</tr>"
    rows = []
    for r, cells in zip(summary.rows, body):
        marks = ""
        if r.status == "invalid":
            marks = ' class="convkit-invalid" style="font-weight:600"'
        elif r.status == "not reached":
            marks = ' class="convkit-unreached" style="opacity:0.6"'
        tds = []
        for c, text in enumerate(cells):
            if header[c] == "Output shape" and r.status == "invalid":
                text = "⚠ INVALID"
            tds.append(td(c, text))
        rows.append(f"<tr{marks}>{''.join(tds)}</tr>")
    foot = "".join(f"<div>{html_text(line)}</div>" for line in summary.footer_lines())
    title = f'<div style="font-weight:600">Model: {html.escape(summary.title)}</div>' if summary.title else ""
    return (
        '<div class="convkit-summary" style="color:inherit;font-family:var(--jp-ui-font-family,inherit)">'
        f"{title}"
        '<table style="border-collapse:collapse;color:inherit;background:transparent;margin:0.3em 0">'
        f"<thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>"
        f'<div style="line-height:1.5">{foot}</div></div>'
    )
