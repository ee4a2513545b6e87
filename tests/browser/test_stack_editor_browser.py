"""The stack editor in a real JupyterLab: typing a kernel size re-flows the output shapes of that row and the next.

Screenshots go to the artifacts dir (env ``CONVKIT_ARTIFACTS`` or ``build/artifacts/browser/``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import convkit
from convkit import layers as L
from convkit.render.stack_labels import shape_text

from .lab import LabServer, assert_no_errors, open_notebook, run_all, screenshot, wait_js, wait_kernel_idle

NOTEBOOK = "convkit-stack-editor-browser.ipynb"
SETUP = """\
import convkit
from convkit import layers as L

stack = convkit.LayerStack((3, 28, 28, 3), [L.Conv2D(32, 3, strides=2, padding="valid"),
                                            L.Conv2D(64, 3, padding="same")])
editor = stack.editor()
editor"""

_OUTPUTS_JS = """([expected, selector]) => {
  const rows = [...document.querySelectorAll('.convkit-stack-editor .convkit-layer-row')];
  const got = rows.map(r => (r.querySelector(selector)?.innerText ?? '').trim());
  return got.length === expected.length && got.every((t, i) => t === expected[i]);
}"""


def example_1() -> convkit.LayerStack:
    return convkit.LayerStack(
        (3, 28, 28, 3), [L.Conv2D(32, 3, strides=2, padding="valid"), L.Conv2D(64, 3, padding="same")]
    )


def expected_outputs(stack: convkit.LayerStack) -> list[str]:
    return [shape_text(e.output_shape) if e.output_shape is not None else "—" for e in stack.trace.entries]


@pytest.fixture
def editor_notebook(lab_server: LabServer) -> Any:
    import nbformat

    path = Path(lab_server.root_dir) / NOTEBOOK
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(SETUP)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))
    yield path.name
    path.unlink(missing_ok=True)


def _wait_outputs(page: Any, expected: list[str], what: str) -> None:
    try:
        wait_js(page, what, _OUTPUTS_JS, 30, [expected, ".convkit-output-shape"])
    except TimeoutError as err:
        got = page.locator(".convkit-stack-editor .convkit-layer-row .convkit-output-shape").all_inner_texts()
        raise AssertionError(f"{err}: rows show {got}, expected {expected}") from err


def _wait_summary(page: Any, text: str) -> None:
    """The summary is redrawn right after the (debounced) diagram: once it shows ``text``, the image does too."""
    wait_js(
        page,
        f"the summary to show {text!r}",
        "(text) => { const s = document.querySelector("
        "'.convkit-stack-editor .convkit-summary'); return s !== null && s.textContent.includes(text); }",
        30,
        text,
    )


def test_typing_a_kernel_size_reflows_shapes(page: Any, lab_server: LabServer, editor_notebook: str) -> None:
    open_notebook(page, lab_server, editor_notebook)
    wait_kernel_idle(page)
    run_all(page)
    assert_no_errors(page)
    editor = page.locator(".convkit-stack-editor").first
    editor.wait_for(state="visible", timeout=30_000)
    rows = editor.locator(".convkit-layer-row")
    assert rows.count() == 2
    start = example_1()
    _wait_outputs(page, expected_outputs(start), "the editor's first output shapes")
    assert "kernel depth = input channels = 32" in rows.nth(1).locator(".convkit-depth-rule").inner_text()

    kernel = rows.nth(0).locator(".convkit-field-kernel_size input")
    kernel.fill("5")
    kernel.press("Enter")
    edited = start.replace(0, L.Conv2D(32, 5, strides=2, padding="valid"))
    assert expected_outputs(edited) == ["(3, 12, 12, 32)", "(3, 12, 12, 64)"]
    _wait_outputs(page, expected_outputs(edited), "the output shapes after typing kernel 5")

    # a value the layer refuses: a message in place, shapes unchanged, no traceback
    kernel.fill("0")
    kernel.press("Enter")
    wait_js(
        page,
        "the message for kernel 0",
        "() => [...document.querySelectorAll('.convkit-stack-editor .convkit-layer-row .convkit-message')]"
        ".some(m => m.innerText.includes('kernel_size') && m.querySelector('.convkit-error'))",
        30,
    )
    _wait_outputs(page, expected_outputs(edited), "the output shapes to stay after kernel 0")
    assert_no_errors(page)

    # a kernel larger than the input of the second layer: explained in place, no later rows to dash here
    kernel.fill("5")
    kernel.press("Enter")
    second = rows.nth(1).locator(".convkit-field-padding select")
    second.select_option("valid")
    rows.nth(1).locator(".convkit-field-kernel_size input").fill("13")
    rows.nth(1).locator(".convkit-field-kernel_size input").press("Enter")
    _wait_outputs(page, ["(3, 12, 12, 32)", "✗ invalid"], "the second row to show it is invalid")
    error = rows.nth(1).locator(".convkit-row-error .convkit-error").inner_text()
    assert "kernel 13 is larger than the input 12" in error
    _wait_summary(page, "13×13 valid")  # the debounced diagram and summary caught up
    screenshot(editor, "stack-editor-invalid")
    rows.nth(1).locator(".convkit-field-kernel_size input").fill("3")
    rows.nth(1).locator(".convkit-field-kernel_size input").press("Enter")
    _wait_outputs(page, ["(3, 12, 12, 32)", "(3, 10, 10, 64)"], "the shapes after fixing the kernel")
    _wait_summary(page, "(3, 10, 10, 64)")
    wait_js(
        page,
        "the diagram image",
        "() => { const i = document.querySelector("
        "'.convkit-stack-editor .convkit-diagram img'); return i && i.complete && i.naturalWidth > 100; }",
        30,
    )
    screenshot(editor, "stack-editor-kernel-edit")


def test_dark_lab_theme_shows_the_dark_diagram(page: Any, lab_server: LabServer, editor_notebook: str) -> None:
    open_notebook(page, lab_server, editor_notebook)
    wait_kernel_idle(page)
    run_all(page)
    assert_no_errors(page)
    editor = page.locator(".convkit-stack-editor").first
    editor.wait_for(state="visible", timeout=30_000)
    shown = (
        "(which) => { const i = document.querySelector('.convkit-stack-editor .convkit-only-' + which + ' img')"
        " || document.querySelector('.convkit-stack-editor img.convkit-only-' + which);"
        " return i !== null && i.offsetWidth > 100 && i.complete; }"
    )
    wait_js(page, "the light diagram in the light theme", shown, 30, "light")
    settings = Path(lab_server.base) / "settings" / "@jupyterlab" / "apputils-extension" / "themes.jupyterlab-settings"
    try:
        _choose_theme(page, "JupyterLab Dark")
        wait_js(page, "JupyterLab's dark theme", "() => document.body.dataset.jpThemeLight === 'false'", 30)
        wait_js(page, "the dark diagram in the dark theme", shown, 30, "dark")
        hidden = page.evaluate(
            "() => [...document.querySelectorAll('.convkit-stack-editor .convkit-only-light')]"
            ".every(e => e.offsetWidth === 0)"
        )
        assert hidden, "the light diagram is still shown in the dark theme"
        # Lab shows its splash over the page while it changes theme: let it go before the picture
        page.locator("#jupyterlab-splash").wait_for(state="detached", timeout=15_000)
        screenshot(editor, "stack-editor-dark")
    finally:  # the Lab server is shared by the session: leave its theme as it was
        _choose_theme(page, "JupyterLab Light")
        wait_js(page, "JupyterLab's light theme", "() => document.body.dataset.jpThemeLight === 'true'", 30)
        settings.unlink(missing_ok=True)


def _choose_theme(page: Any, name: str) -> None:
    import re

    page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text=re.compile(r"^Settings$")).click(timeout=10_000)
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Theme$")).click(timeout=10_000)
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{name}$")).click(timeout=10_000)
