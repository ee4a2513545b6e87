"""The depth view of KernelTraversal in a real JupyterLab: the filter control changes the drawn output plane (and
syncs ``filter`` back), the live region (role=status, aria-live=polite) says each step's sentence, the same as
Python's ``payload.depth_sentence``; large depths draw a few planes and "… N more"; the dark theme stays readable.

Screenshots go to the artifacts dir (env ``CONVKIT_ARTIFACTS`` or ``build/artifacts/browser/``).
"""

from __future__ import annotations

from typing import Any

import pytest

from .lab import LabServer, css_rgb, lab_theme, luminance, screenshot, wait_js
from .test_traversal_browser import ROOT, data, open_and_run, wait_attr, write_notebook

CELLS = [
    "import convkit\nw = convkit.KernelTraversal((8, 8), 3, in_channels=3, filters=4, numbers=True)\nw",
    "big = convkit.KernelTraversal((64, 64), 3, in_channels=64, filters=8, groups=4)\nbig",
]

# Pixels of the depth canvas inside the box of output plane `i` (from the layout the JS used), as a signature.
PLANE_PIXELS_JS = """(root) => {
  const c = root.querySelector('.ck-depth-canvas');
  return c.toDataURL().length + ':' + root.dataset.filter;
}"""


def sentence(root: Any) -> str:
    return root.locator(".ck-depth-sum").inner_text().strip()


def live(root: Any) -> str:
    return root.locator(".ck-live").text_content().strip()


def test_filter_control_and_live_region(page: Any, lab_server: LabServer) -> None:
    name = write_notebook(
        lab_server.root_dir,
        "traversal_depth.ipynb",
        CELLS
        + ["print(w.filter)\nprint(w.payload.depth_sentence(w.step, w.filter))\nprint(w.arithmetic(w.step, w.filter))"],
    )
    panel = open_and_run(page, lab_server, name)
    root = panel.locator(ROOT).first
    wait_attr(page, root, "the depth view to draw", "d.depthInput === '0,1,2' && Number(d.frames) > 0")
    region = root.locator(".ck-live")
    assert region.get_attribute("role") == "status" and region.get_attribute("aria-live") == "polite"
    first = live(root)
    assert first.startswith("output[0, 0], filter 0 = channel 0: ") and "+ bias" in first, first
    # stepping with the keyboard changes what the live region says
    root.focus()
    seen = {first}
    for _ in range(3):
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(100)
        seen.add(live(root))
    assert len(seen) == 4, seen
    assert data(root, "step") == "3"
    # the filter control changes the output plane drawn (and the sentence) and syncs back to Python
    before = root.evaluate(PLANE_PIXELS_JS)
    root.locator(".ck-filter").fill("2")
    root.locator(".ck-filter").press("Tab")
    wait_attr(page, root, "filter 2 to be drawn", "d.filter === '2'")
    after = root.evaluate(PLANE_PIXELS_JS)
    assert after != before
    assert sentence(root).startswith("output[0, 3], filter 2 = ")
    print(screenshot(root.locator(".ck-depth-view"), "traversal-depth-filter2"))
    # Python says the same sentence (run the last cell again: the filter came back from the browser)
    page.wait_for_timeout(800)
    cell = panel.locator(".jp-CodeCell").nth(2)
    cell.click()
    page.keyboard.press("Shift+Enter")
    page.wait_for_timeout(1500)
    lines = cell.locator(".jp-OutputArea-output").inner_text().strip().splitlines()
    assert lines == ["2", sentence(root), sentence(root)], lines  # payload, str(arithmetic()) and the browser agree
    # a typed impossible filter is refused with the reason, never clamped
    root.locator(".ck-filter").fill("9")
    root.locator(".ck-filter").press("Tab")
    assert "filter must be a whole number from 0 to 3" in root.locator(".ck-message").inner_text()
    assert data(root, "filter") == "2"
    # the "all filters" box: every output plane shows its computed cells
    root.locator(".ck-all-filters").check()
    wait_attr(page, root, "all filters", "d.allFilters === 'true'")
    # large depth: a few planes and the count of the others, the arithmetic's channels named in the sentence
    big = panel.locator(ROOT).nth(1)
    wait_attr(page, big, "the 64-channel view", "d.depthHidden === '58,2'")
    assert data(big, "depth-input") == "0,1,2,3,14,15"
    assert "reads channels 0–15 (kernel depth 16)" in sentence(big)
    print(screenshot(big.locator(".ck-depth-view"), "traversal-depth-64-groups"))


@pytest.mark.parametrize("theme", ["JupyterLab Dark"])
def test_dark_theme_is_readable(page: Any, lab_server: LabServer, theme: str) -> None:
    with lab_theme(lab_server, theme):
        name = write_notebook(lab_server.root_dir, "traversal_depth_dark.ipynb", CELLS)
        panel = open_and_run(page, lab_server, name)
        wait_js(page, "the dark theme", "() => document.body.dataset.jpThemeLight === 'false'", 30)
        root = panel.locator(ROOT).first
        wait_attr(page, root, "the depth view to draw", "Number(d.frames) > 0 && d.depthInput === '0,1,2'")
        page.wait_for_timeout(500)
        corner = root.evaluate(
            """(root) => { const c = root.querySelector('.ck-depth-canvas');
               return Array.from(c.getContext('2d').getImageData(1, 1, 1, 1).data); }"""
        )
        text = css_rgb(root.locator(".ck-depth-sum").evaluate("(e) => getComputedStyle(e).color"))
        assert luminance(corner) < 0.05, f"depth canvas background {corner} is not dark"
        assert luminance(text) > 0.4, f"depth sentence colour {text} is not light"
        for i in range(2):
            print(screenshot(panel.locator(ROOT).nth(i).locator(".ck-depth-view"), f"traversal-depth-dark-{i}"))
