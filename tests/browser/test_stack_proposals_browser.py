"""The stack editor's proposals in a real JupyterLab: an invalid stack shows "to get 3 here, use one of: …" buttons
(keyboard reachable, each with an aria-label); pressing one re-flows the stack to valid, and the line goes away.

Screenshots go to the artifacts dir (env ``CONVKIT_ARTIFACTS`` or ``build/artifacts/browser/``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import convkit
from convkit import layers as L
from convkit.render.words import proposal_aria, proposal_label
from convkit.widgets._stack_proposals import proposals_for

from .lab import (
    LabServer,
    assert_no_errors,
    css_rgb,
    lab_theme,
    luminance,
    open_notebook,
    run_all,
    screenshot,
    wait_js,
    wait_kernel_idle,
)

NOTEBOOK = "convkit-stack-proposals-browser.ipynb"
SEQUENTIAL = """\
import convkit
from convkit import layers as L

too_big = convkit.LayerStack((None, 12, 12, 3), [L.Conv2D(8, 13), L.Conv2D(4, 3)]).editor(show_diagram=False)
too_big.add_class("test-too-big")
too_big"""
MERGE = """\
branches = convkit.LayerStack(
    (None, 28, 28, 3),
    [L.Conv2D(8, 3, strides=2), L.Conv2D(8, 1, strides=2, padding="same"), L.Add(), L.Conv2D(4, 3)],
    inputs=[(), (-1,), (0, 1), (2,)],
).editor(show_diagram=False)
branches.add_class("test-merge")
branches"""

_OUTPUTS_JS = """([css, expected]) => {
  const rows = [...document.querySelectorAll(`.${css} .convkit-layer-row`)];
  const got = rows.map(r => (r.querySelector('.convkit-output-shape')?.innerText ?? '').trim());
  return got.length === expected.length && got.every((t, i) => t === expected[i]);
}"""
_NO_BUTTONS_JS = """(css) => [...document.querySelectorAll(`.${css} button.convkit-proposal`)]
  .every(b => b.offsetParent === null)"""


@pytest.fixture
def proposals_notebook(lab_server: LabServer) -> Any:
    import nbformat

    path = Path(lab_server.root_dir) / NOTEBOOK
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(SEQUENTIAL), nbformat.v4.new_code_cell(MERGE)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))
    yield path.name
    path.unlink(missing_ok=True)


def _wait_outputs(page: Any, css: str, expected: list[str], what: str) -> None:
    try:
        wait_js(page, what, _OUTPUTS_JS, 30, [css, expected])
    except TimeoutError as err:
        got = page.locator(f".{css} .convkit-layer-row .convkit-output-shape").all_inner_texts()
        raise AssertionError(f"{err}: rows show {got}, expected {expected}") from err


def test_proposals_show_and_a_press_reflows_to_valid(page: Any, lab_server: LabServer, proposals_notebook: str) -> None:
    stack = convkit.LayerStack((None, 12, 12, 3), [L.Conv2D(8, 13), L.Conv2D(4, 3)])
    want = proposals_for(stack, 0)
    assert want is not None
    open_notebook(page, lab_server, proposals_notebook)
    wait_kernel_idle(page)
    run_all(page)
    assert_no_errors(page)
    editor = page.locator(".test-too-big").first
    editor.wait_for(state="visible", timeout=30_000)
    _wait_outputs(page, "test-too-big", ["✗ invalid", "—"], "the invalid first row")
    line = editor.locator(".convkit-proposals").first
    line.wait_for(state="visible", timeout=30_000)
    buttons = line.locator("button.convkit-proposal")
    labels = [proposal_label(layer) for layer in want.layers]
    assert buttons.all_inner_texts() == labels
    assert [buttons.nth(i).get_attribute("aria-label") for i in range(buttons.count())] == [
        proposal_aria(0, label) for label in labels
    ]
    assert "to get 3 here, use one of:" in line.inner_text()
    assert line.get_attribute("role") == "group" and line.get_attribute("aria-labelledby")
    line.scroll_into_view_if_needed()
    screenshot(editor, "stack-proposals-invalid")

    # keyboard: Tab from the row's last field reaches the buttons; Enter presses the focused one
    buttons.nth(0).focus()
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement?.getAttribute('aria-label')")
    assert focused == proposal_aria(0, labels[1])
    page.keyboard.press("Enter")
    fixed = stack.replace(0, want.layers[1])
    assert fixed.is_valid
    _wait_outputs(page, "test-too-big", [str(e.output_shape) for e in fixed.trace.entries], "the re-flowed rows")
    wait_js(page, "the proposals to go away", _NO_BUTTONS_JS, 30, "test-too-big")
    field = editor.locator(".convkit-layer-row").first.locator(".convkit-field-padding select")
    assert field.input_value() == want.layers[1].padding
    assert_no_errors(page)
    screenshot(editor, "stack-proposals-fixed")

    # a mismatched merge: the line names the branch; a mouse click fixes it
    merge = page.locator(".test-merge").first
    merge.scroll_into_view_if_needed()
    line = merge.locator(".convkit-proposals").first
    line.wait_for(state="visible", timeout=30_000)
    assert "to get 13 from layer 1 (Conv2D), use one of:" in line.inner_text()
    screenshot(merge, "stack-proposals-merge")
    line.locator("button.convkit-proposal").first.click()
    _wait_outputs(
        page,
        "test-merge",
        ["(None, 13, 13, 8)", "(None, 13, 13, 8)", "(None, 13, 13, 8)", "(None, 11, 11, 4)"],
        "the merge to become valid",
    )
    wait_js(page, "the merge's proposals to go away", _NO_BUTTONS_JS, 30, "test-merge")
    assert_no_errors(page)


def _contrast(a: float, b: float) -> float:
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


def test_proposals_readable_in_the_dark_theme(page: Any, lab_server: LabServer, proposals_notebook: str) -> None:
    with lab_theme(lab_server, "JupyterLab Dark"):
        open_notebook(page, lab_server, proposals_notebook)
        wait_js(page, "JupyterLab's dark theme", "() => document.body.dataset.jpThemeLight === 'false'", 60)
        wait_kernel_idle(page)
        run_all(page)
        assert_no_errors(page)
        editor = page.locator(".test-too-big").first
        line = editor.locator(".convkit-proposals").first
        line.wait_for(state="visible", timeout=30_000)
        colours = line.evaluate(
            """(el) => {
              const b = el.querySelector('button.convkit-proposal'), i = el.querySelector('.convkit-proposals-intro');
              const bg = (e) => { for (; e; e = e.parentElement) { const c = getComputedStyle(e).backgroundColor;
                if (c && c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') return c; } return 'rgb(255, 255, 255)'; };
              return { text: getComputedStyle(b).color, back: bg(b), border: getComputedStyle(b).borderTopColor,
                       intro: getComputedStyle(i).color, page: bg(i) };
            }"""
        )
        text, back = luminance(css_rgb(colours["text"])), luminance(css_rgb(colours["back"]))
        assert back < 0.2, f"the button background is not dark in the dark theme: {colours}"
        assert _contrast(text, back) >= 4.5, colours
        assert _contrast(luminance(css_rgb(colours["intro"])), luminance(css_rgb(colours["page"]))) >= 4.5, colours
        assert _contrast(luminance(css_rgb(colours["border"])), back) >= 3.0, colours
        page.locator("#jupyterlab-splash").wait_for(state="detached", timeout=15_000)
        line.scroll_into_view_if_needed()
        screenshot(editor, "stack-proposals-dark")
