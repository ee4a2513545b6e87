"""What the stack editor shows besides its rows: its style sheet, the diagram picture (with the size limit), the
static output for renderers without widgets, and the words describing a stack.

The diagram is :func:`convkit.render.stack.draw_stack_figure` (called, never redrawn here). It costs about 10 ms
a layer and theme (benchmarks/bench_editor.py), so the editor draws stacks of up to :data:`MAX_DIAGRAM_LAYERS`
layers and says why above that; the summary tab still lists every layer.
"""

from __future__ import annotations

import asyncio
import html
import io
from pathlib import Path
from typing import Any

from matplotlib import colors as mcolors

from ..core.stack import LayerStack
from ..render.stack import draw_stack_figure
from ..render.style import Palette, palette
from ._static import FALLBACK_CLASS, fallback_bundle

__all__ = [
    "DEBOUNCE_SECONDS",
    "MAX_DIAGRAM_LAYERS",
    "MAX_DIAGRAM_PIXELS",
    "alt_text",
    "diagram_note",
    "kernel_loop",
    "static_outputs",
    "text_summary",
]


def _css() -> str:
    """The editor's style sheet, its colour variables taken from the palette of each theme."""

    def variables(pal: Palette) -> str:
        (tr, tg, tb), (br, bg, bb) = mcolors.to_rgb(pal.text), mcolors.to_rgb(pal.background)
        muted = mcolors.to_hex((tr + (br - tr) * 0.4, tg + (bg - tg) * 0.4, tb + (bb - tb) * 0.4))
        return f"--convkit-error: {pal.error}; --convkit-muted: {muted}; --convkit-accent: {pal.window};"

    light, dark = palette("light"), palette("dark")
    return (
        f".convkit-stack-editor {{ {variables(light)} }}\n"
        f'body[data-jp-theme-light="false"] .convkit-stack-editor.convkit-theme-auto,\n'
        f".convkit-stack-editor.convkit-theme-dark {{ {variables(dark)} }}\n"
        + Path(__file__).with_name("stack_editor.css").read_text(encoding="utf-8")
    )


_CSS = _css()
#: Seconds of quiet after an edit before the diagram, summary and code are redrawn (in a kernel).
DEBOUNCE_SECONDS = 0.3
#: Longest side of the diagram image in the editor (pixels).
MAX_DIAGRAM_PIXELS = 2000
#: The editor draws the diagram of stacks up to this many layers (about 1 s per theme after an edit, measured
#: by benchmarks/bench_editor.py); a longer stack gets a message in the diagram tab instead.
MAX_DIAGRAM_LAYERS = 100


def _png(stack: LayerStack, theme: str) -> bytes:
    fig = draw_stack_figure(stack, theme=theme)
    fig.set_dpi(min(96.0, MAX_DIAGRAM_PIXELS / max(fig.get_size_inches())))  # long stacks: a smaller image
    buf = io.BytesIO()
    fig.savefig(buf, format="png", facecolor=fig.get_facecolor())
    return buf.getvalue()


def kernel_loop() -> asyncio.AbstractEventLoop | None:
    """The running event loop when inside a Jupyter kernel (which keeps it turning), else ``None``."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:
        return None
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def diagram_note(layers: int) -> str:
    """The diagram tab's message for a stack of ``layers`` layers ('' when it is drawn)."""
    if layers <= MAX_DIAGRAM_LAYERS:
        return ""
    return (
        f'<div class="convkit-note">The diagram is drawn for stacks of up to {MAX_DIAGRAM_LAYERS} layers '
        f"(a longer one takes seconds to draw after every edit); this one has {layers}. The Summary tab "
        f"lists every layer; <code>stack.diagram()</code> draws the whole stack once.</div>"
    )


def text_summary(stack: LayerStack) -> str:
    out = "invalid" if stack.output_shape is None else str(stack.output_shape)
    return f"StackEditor: {len(stack)} layers, input {stack.input_shape} → output {out}"


def alt_text(stack: LayerStack, limit: int = 24) -> str:
    """The diagram in words: each layer with its output shape (the first ``limit`` layers)."""
    entries = stack.trace.entries
    parts = [f"input {stack.input_shape}"]
    for entry in entries[:limit]:
        name = type(entry.layer).__name__
        if entry.is_valid:
            parts.append(f"{name} {entry.output_shape}")
        else:
            parts.append(f"{name} (invalid: {entry.error})" if entry.error else f"{name} (not computed)")
    more = f" … and {len(entries) - limit} more layers" if len(entries) > limit else ""
    return "Layer-stack diagram: " + " → ".join(parts) + more + "."


def static_outputs(stack: LayerStack, png: bytes = b"") -> dict[str, Any]:
    """The static output of an editor: the light diagram (``png``, drawn when empty) with its description, or
    the description alone for a stack too long to draw."""
    if len(stack) > MAX_DIAGRAM_LAYERS:
        described = html.escape(alt_text(stack))
        return {"text/html": f'<p class="{FALLBACK_CLASS}">{described}</p>', "text/plain": text_summary(stack)}
    return fallback_bundle(png or _png(stack, "light"), alt_text(stack), f"Diagram of {text_summary(stack)}")
