"""``stack.diagram()`` in a real JupyterLab: the picture follows Lab's theme, and a stored output still shows one
picture when the notebook is not trusted (Lab's sanitizer then drops the theme switch).

Screenshots go to the artifacts dir (env ``CONVKIT_ARTIFACTS`` or ``build/artifacts/browser/``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from .lab import LabServer, assert_no_errors, open_notebook, run_all, screenshot, wait_js, wait_kernel_idle

NOTEBOOK = "convkit-stack-diagram-browser.ipynb"
UNET = """\
import convkit
from convkit import layers as L
from convkit.layers import Concatenate

layers = [L.Conv2D(16, 3, padding="same"), L.MaxPooling2D(), L.Conv2D(32, 3, padding="same"), L.MaxPooling2D(),
          L.Conv2D(64, 3, padding="same"), L.Conv2DTranspose(32, 3, strides=2, padding="same"), Concatenate(),
          L.Conv2D(32, 3, padding="same"), L.Conv2DTranspose(16, 3, strides=2, padding="same"), Concatenate(),
          L.Conv2D(16, 3, padding="same"), L.Conv2D(1, 1)]
wiring = [(), (0,), (1,), (2,), (3,), (4,), (5, 2), (6,), (7,), (8, 0), (9,), (10,)]
stack = convkit.LayerStack((None, 64, 64, 1), layers, wiring)
stack.diagram()"""

#: The diagram picture that is displayed (``which``: light or dark), drawn (decoded) and of a real size.
_SHOWN_JS = """(which) => {
  const imgs = [...document.querySelectorAll('.jp-OutputArea-output .convkit-diagram img')];
  const shown = imgs.filter(i => i.offsetWidth > 100);
  return shown.length === 1 && shown[0].classList.contains('convkit-diagram-' + which)
      && shown[0].complete && shown[0].naturalWidth > 100;
}"""


def _notebook(lab_server: LabServer, outputs: list[dict] | None = None) -> str:
    import nbformat

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(UNET)
    if outputs is not None:
        cell.outputs = [nbformat.from_dict(o) for o in outputs]
        cell.execution_count = 1
    nb.cells = [cell, nbformat.v4.new_code_cell("stack.summary()")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(Path(lab_server.root_dir) / NOTEBOOK))
    return NOTEBOOK


@pytest.fixture
def diagram_notebook(lab_server: LabServer) -> Any:
    yield _notebook(lab_server)
    (Path(lab_server.root_dir) / NOTEBOOK).unlink(missing_ok=True)


def _choose_theme(page: Any, name: str) -> None:
    page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text=re.compile(r"^Settings$")).click(timeout=10_000)
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Theme$")).click(timeout=10_000)
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{name}$")).click(timeout=10_000)


def _shown_luminance(page: Any) -> float:
    """Mean luminance (0–1) of the corner pixels of the displayed diagram picture, read from the page."""
    return page.evaluate("""() => {
      const img = [...document.querySelectorAll('.jp-OutputArea-output .convkit-diagram img')]
        .find(i => i.offsetWidth > 100);
      const c = document.createElement('canvas'); c.width = img.naturalWidth; c.height = img.naturalHeight;
      const g = c.getContext('2d'); g.drawImage(img, 0, 0);
      const px = [g.getImageData(2, 2, 1, 1).data, g.getImageData(c.width - 3, c.height - 3, 1, 1).data];
      return px.map(p => (0.2126 * p[0] + 0.7152 * p[1] + 0.0722 * p[2]) / 255).reduce((a, b) => a + b) / 2;
    }""")


_ONE_LINE_JS = """() => {
  const spans = [...document.querySelectorAll('.convkit-summary span')].filter(s => s.style.whiteSpace === 'nowrap');
  return {spans: spans.length, broken: spans.filter(s => s.getClientRects().length > 1).map(s => s.textContent),
          titles: [...document.querySelectorAll('.convkit-summary th abbr[title]')].map(a => a.textContent)};
}"""


def test_diagram_follows_the_lab_theme(page: Any, lab_server: LabServer, diagram_notebook: str) -> None:
    page.set_viewport_size({"width": 900, "height": 1000})  # narrow: the summary's columns must wrap somewhere
    open_notebook(page, lab_server, diagram_notebook)
    wait_kernel_idle(page)
    run_all(page)
    assert_no_errors(page)
    output = page.locator(".jp-OutputArea-output .convkit-diagram").first
    wait_js(page, "the light diagram in Lab's light theme", _SHOWN_JS, 60, "light")
    assert _shown_luminance(page) > 0.9
    screenshot(output, "stack-diagram-unet-light")
    summary = page.locator(".jp-OutputArea-output .convkit-summary").first
    summary.wait_for(state="visible", timeout=30_000)
    lines = page.evaluate(_ONE_LINE_JS)
    assert lines["spans"] >= 13 and lines["broken"] == [] and lines["titles"] == ["Window", "RF", "Jump"], lines
    screenshot(summary, "stack-summary-unet-narrow")
    settings = Path(lab_server.base) / "settings" / "@jupyterlab" / "apputils-extension" / "themes.jupyterlab-settings"
    try:
        _choose_theme(page, "JupyterLab Dark")
        wait_js(page, "JupyterLab's dark theme", "() => document.body.dataset.jpThemeLight === 'false'", 30)
        wait_js(page, "the dark diagram in Lab's dark theme", _SHOWN_JS, 30, "dark")
        assert _shown_luminance(page) < 0.2
        screenshot(output, "stack-diagram-unet-dark")
    finally:  # the Lab server is shared by the session: leave its theme as it was
        _choose_theme(page, "JupyterLab Light")
        wait_js(page, "JupyterLab's light theme", "() => document.body.dataset.jpThemeLight === 'true'", 30)
        settings.unlink(missing_ok=True)


def test_untrusted_stored_diagram_shows_one_picture(page: Any, lab_server: LabServer) -> None:
    """A notebook saved elsewhere with its outputs is not trusted here: Lab sanitizes the HTML output (drops the
    ``<style>``, keeps the ``data:`` pictures and inline styles), so the dark picture's own ``display:none`` keeps
    it hidden and exactly the light one shows."""
    import convkit  # noqa: F401 - the same stack as the notebook's cell, drawn here

    namespace: dict[str, Any] = {}
    exec(UNET.rsplit("\n", 1)[0], namespace)
    data = namespace["stack"].diagram()._repr_mimebundle_()
    name = _notebook(
        lab_server, [{"output_type": "execute_result", "execution_count": 1, "data": data, "metadata": {}}]
    )
    try:
        panel = open_notebook(page, lab_server, name)
        wait_js(page, "the stored output", "() => document.querySelector('.jp-OutputArea-output') !== null", 30)
        page.wait_for_timeout(1500)
        report = page.evaluate("""() => [...document.querySelectorAll('.jp-OutputArea-output img')].map(i => ({
            cls: i.className, shown: i.offsetWidth > 0, loaded: i.complete && i.naturalWidth > 0,
            src: (i.getAttribute('src') || '').slice(0, 30), mime: i.closest('.jp-OutputArea-output')
              .getAttribute('data-mime-type')}))""")
        screenshot(panel, "stack-diagram-untrusted")
        styles = page.evaluate("() => document.querySelectorAll('.jp-OutputArea-output .convkit-diagram style').length")
        assert styles == 0, "Lab kept the <style> of an untrusted output: this test no longer tests the fallback"
        shown = [r for r in report if r["shown"]]
        assert len(shown) == 1 and shown[0]["loaded"], report
        assert shown[0]["cls"] == "convkit-diagram-light" and shown[0]["mime"] == "text/html", report
    finally:
        (Path(lab_server.root_dir) / name).unlink(missing_ok=True)
