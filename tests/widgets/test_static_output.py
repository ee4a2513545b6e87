"""Each convkit widget displays as two outputs: the live view, then a static picture for renderers without
widgets; the widget's own style sheet (loaded only where the live view renders) hides that picture."""

from __future__ import annotations

import base64
import re

import pytest

import convkit
from convkit import layers as L
from convkit.widgets._static import FALLBACK_CLASS, HIDE_FALLBACK_CSS, fallback_bundle
from convkit.widgets.stack_editor import _CSS as STACK_CSS
from convkit.widgets.stack_editor import StackEditor
from convkit.widgets.traversal import KernelTraversal, TraversalCanvas


def view(w: KernelTraversal) -> TraversalCanvas:
    """The canvas view (the widget's last child): what the browser receives."""
    return w.children[-1]


def note(w: KernelTraversal) -> str:
    """The message line's HTML (the widget's second child)."""
    return w.children[1].value


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.fixture
def shell():
    from IPython.core.interactiveshell import InteractiveShell

    return InteractiveShell.instance()


def displayed(shell, obj) -> list[dict]:
    from IPython.display import display
    from IPython.utils.capture import capture_output

    with capture_output() as cap:
        display(obj)
    return [o.data for o in cap.outputs]


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: KernelTraversal((28, 28), 3, strides=2), id="traversal"),
        pytest.param(
            lambda: StackEditor(convkit.LayerStack((None, 28, 28, 1), [L.Conv2D(8, 3)]), show_diagram=False),
            id="stack_editor",
        ),
    ],
)
def test_display_publishes_live_view_then_picture(shell, make) -> None:
    widget = make()
    outputs = displayed(shell, widget)
    assert len(outputs) == 2
    live, static = outputs
    assert set(live) == {WIDGET_VIEW, "text/plain"} and live[WIDGET_VIEW]["model_id"] == widget.model_id
    assert set(static) == {"text/html", "image/png", "text/plain"}
    assert base64.b64decode(static["image/png"])[:8] == b"\x89PNG\r\n\x1a\n"
    img = re.fullmatch(
        r'<img class="(?P<cls>[^"]+)" alt="(?P<alt>[^"]+)" style="[^"]*" '
        r'src="data:image/png;base64,(?P<data>[A-Za-z0-9+/=]+)">',
        static["text/html"],
    )
    assert img and img["cls"] == FALLBACK_CLASS and img["data"] == static["image/png"]
    assert len(img["alt"]) > 40


def test_too_large_traversal_displays_the_live_view_only(shell) -> None:
    outputs = displayed(shell, KernelTraversal((2048, 2048), 3))
    assert len(outputs) == 1 and WIDGET_VIEW in outputs[0]


def test_alt_text_is_escaped() -> None:
    bundle = fallback_bundle(b"png", 'a "quoted" <b> & more', "text")
    assert 'alt="a &quot;quoted&quot; &lt;b&gt; &amp; more"' in bundle["text/html"]


def test_widget_style_sheets_hide_the_picture_after_a_rendered_widget() -> None:
    """The rule lives in the sheets the live views load: anywidget's ``_css`` and the editor's ``<style>``."""
    w = KernelTraversal()
    assert HIDE_FALLBACK_CSS.strip() in str(TraversalCanvas._css)
    assert HIDE_FALLBACK_CSS.strip() in STACK_CSS
    assert ".convkit-widget" in HIDE_FALLBACK_CSS and f".{FALLBACK_CLASS}" in HIDE_FALLBACK_CSS
    assert "convkit-widget" in w._dom_classes  # what the rule finds in the live output
