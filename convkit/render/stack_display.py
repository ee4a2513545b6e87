"""How a layer-stack diagram shows itself in a notebook, following JupyterLab's light or dark theme.

JupyterLab marks its theme on the page, ``<body data-jp-theme-light="false">`` for a dark theme, whatever the
operating system prefers; a ``prefers-color-scheme`` media query would follow the system instead, so it is not
used. A diagram drawn with ``theme="auto"`` therefore displays as a small HTML block holding two pictures, the
light one and the dark one, and a style rule keyed on that attribute shows the one matching Lab's theme:

* in JupyterLab (and ``nbconvert --to html``, whose lab template sets the same attribute) the picture follows the
  theme, also when the theme is switched after the cell ran;
* where style rules are removed (Lab's sanitizer in an untrusted notebook drops ``<style>`` but keeps ``data:``
  pictures and inline styles; other sanitizing renderers), the dark picture is still hidden by its own inline
  ``display:none``, so the light picture shows, never both;
* renderers that do not use HTML get the ``image/png`` of the light picture in the same bundle.

Why pictures and not one SVG whose colours are CSS variables: JupyterLab shows an ``image/svg+xml`` output through
an ``<img>`` with a ``data:`` URL (and refuses it in an untrusted notebook), where the page's variables and theme
attribute never reach it; an SVG inside the HTML output would be removed by the sanitizer of untrusted notebooks.
Two PNGs work in every case above, at the cost of a second picture in the saved notebook.

The figure itself (a :class:`StackFigure`, a matplotlib ``Figure``) stays light for ``fig.savefig``; exports
choose ``theme="light"`` or ``"dark"`` explicitly.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable
from typing import Any

from matplotlib.figure import Figure

from .words import diagram_title

__all__ = ["THEMES", "StackFigure", "theme_switch_html", "alt_text"]

THEMES = ("light", "dark", "auto")
DISPLAY_DPI = 100.0  # CSS pixels per inch of the shown picture (matplotlib's own figure dpi)
PIXEL_RATIO = 1.5  # PNG pixels per CSS pixel, so text stays sharp on high-density screens
MAX_PIXELS = 12e6  # pixels in a shown PNG; a long stack gets a coarser picture (each theme is one PNG)


class StackFigure(Figure):
    """A :class:`~matplotlib.figure.Figure` of a stack diagram that displays itself in the notebook's theme.

    ``convkit_theme`` is the theme it was drawn for (``"auto"``: drawn light, shown in Lab's theme),
    ``convkit_redraw(theme=...)`` draws the same diagram in another theme, ``convkit_alt`` describes it in words.
    """

    convkit_artists: Any = None
    convkit_theme: str = "light"
    convkit_redraw: Callable[..., StackFigure] | None = None
    convkit_alt: str = "Layer-stack diagram"

    def png_bytes(self, dpi: float | None = None) -> bytes:
        """The figure as PNG at ``dpi`` (default: sharp for the screen, at most :data:`MAX_PIXELS` pixels)."""
        buf = io.BytesIO()
        self.savefig(buf, format="png", dpi=dpi or _png_dpi(self), facecolor=self.get_facecolor())
        return buf.getvalue()

    def css_width(self) -> int:
        """Width in CSS pixels the picture is shown at."""
        width: float = self.get_size_inches()[0]
        return round(width * min(DISPLAY_DPI, _png_dpi(self)))

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """``image/png`` at one pixel per CSS pixel (as matplotlib's inline backend makes it), and for
        ``theme="auto"`` the ``text/html`` block with both themes at :data:`PIXEL_RATIO`."""
        data: dict[str, Any] = {
            "image/png": base64.b64encode(self.png_bytes(min(DISPLAY_DPI, _png_dpi(self)))).decode("ascii"),
            "text/plain": f"<{self.convkit_alt.split(':')[0]}: {self.convkit_theme} theme, {self.css_width()} px wide>",
        }
        if self.convkit_theme == "auto" and self.convkit_redraw is not None:
            dark = self.convkit_redraw(theme="dark")
            data["text/html"] = theme_switch_html(
                self.png_bytes(), dark.png_bytes(), self.css_width(), self.convkit_alt
            )
        return data


def _png_dpi(fig: Figure) -> float:
    width, height = fig.get_size_inches()
    fitting: float = (MAX_PIXELS / (width * height)) ** 0.5  # the dpi that gives MAX_PIXELS
    return min(DISPLAY_DPI * PIXEL_RATIO, fitting)


_SWITCH_CSS = (
    'body[data-jp-theme-light="false"] .convkit-diagram-auto .convkit-diagram-light{display:none!important}'
    'body[data-jp-theme-light="false"] .convkit-diagram-auto .convkit-diagram-dark{display:inline-block!important}'
)


def theme_switch_html(light_png: bytes, dark_png: bytes, width: int, alt: str) -> str:
    """Both pictures in one block; Lab's dark theme shows the dark one, anything else the light one.

    >>> snippet = theme_switch_html(b"L", b"D", 300, "A stack")
    >>> snippet.count("<img"), 'class="convkit-diagram-dark"' in snippet, "display:none" in snippet
    (2, True, True)
    """

    def img(png: bytes, theme: str, hidden: bool) -> str:
        src = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
        style = "max-width:100%;height:auto" + (";display:none" if hidden else "")
        return (
            f'<img class="convkit-diagram-{theme}" src="{src}" width="{width}" alt="{html.escape(alt)}" '
            f'style="{style}">'
        )

    return (
        f'<div class="convkit-diagram convkit-diagram-auto"><style>{_SWITCH_CSS}</style>'
        f"{img(light_png, 'light', False)}{img(dark_png, 'dark', True)}</div>"
    )


def alt_text(layout_plan: Any, *, most: int = 40) -> str:
    """The diagram in words for screen readers (the pictures' ``alt``): the tensors in order, then the branches.

    >>> import convkit
    >>> from convkit.render.stack_layout import plan
    >>> stack = convkit.LayerStack((1, 8, 8, 1), [convkit.layers.Conv2D(4, 3, name="c")])
    >>> alt_text(plan(stack, True))
    'Layer-stack diagram of 1 layer: input (1, 8, 8, 1) → c (1, 6, 6, 4).'
    """
    nodes = layout_plan.nodes
    words = [f"{n.name} {n.label}" + (f" ({n.reason})" if n.reason else "") for n in nodes]
    if len(words) > most:
        words = words[: most - 5] + [f"… {len(words) - most + 5} more …"] + words[-5:]
    layers = len(nodes) - 1
    text = f"{diagram_title(layers)}: " + " → ".join(words)
    joins = [f"{b.label} into {nodes[b.target].name}" for b in layout_plan.branches]
    if joins:
        text += ". " + "; ".join(joins)
    return text + "."
