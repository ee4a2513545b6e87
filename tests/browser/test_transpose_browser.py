"""TransposedKernelTraversal in a real JupyterLab: toggling the view changes the drawing, playback sends no kernel
messages, the live region changes per step and says what Python says, the keyboard works, and the dark theme is
readable. Screenshots at 28, 64, 128 and 512 (light and dark) go to the artifacts dir (and are printed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .lab import (
    LabServer,
    assert_no_errors,
    count_sent_ws_frames,
    css_rgb,
    luminance,
    open_notebook,
    run_all,
    screenshot,
    wait_js,
    wait_kernel_idle,
)

ROOT = ".convkit-transpose"
SIZES = [(28, "28"), (64, "64"), (128, "128"), (512, "512")]

CANVAS_HASH_JS = """(root) => {
  const c = root.querySelector('canvas');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let h = 0;
  for (let i = 0; i < d.length; i += 28) h = (h * 31 + d[i] + 7 * d[i + 1] + 13 * d[i + 2]) >>> 0;
  return [c.width, c.height, h];
}"""


def write_notebook(root: Path, name: str, sources: list[str]) -> str:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(src) for src in sources]
    nbformat.write(nb, str(root / name))
    return name


def wait_attr(page: Any, root: Any, what: str, predicate_js: str, timeout: float = 30.0) -> None:
    handle = root.element_handle()
    wait_js(page, what, f"(el) => {{ const d = el.dataset; return {predicate_js}; }}", timeout, handle)


def open_and_run(page: Any, lab_server: LabServer, name: str) -> Any:
    panel = open_notebook(page, lab_server, name)
    wait_kernel_idle(page)
    run_all(page, timeout=120)
    assert_no_errors(page)
    return panel


def test_view_toggle_playback_and_live_region(page: Any, lab_server: LabServer) -> None:
    name = write_notebook(
        lab_server.root_dir,
        "transpose_widget.ipynb",
        ["import convkit\nw = convkit.TransposedKernelTraversal((28, 28), 3, strides=2, speed=60)\nw"],
    )
    panel = open_and_run(page, lab_server, name)
    root = panel.locator(ROOT).first
    wait_attr(page, root, "the widget to draw", "Number(d.frames) > 0 && d.view === 'scatter'", 60)
    root.scroll_into_view_if_needed()
    live = root.locator(".ck-step-info")
    assert live.get_attribute("aria-live") == "polite"
    first = live.inner_text()
    assert first == "step 1/784 · input[0, 0] × kernel adds a 3×3 patch to output rows 0–2, cols 0–2"
    scatter = root.evaluate(CANVAS_HASH_JS)

    # the view toggle: a radio group, by mouse and by keyboard
    direct = root.locator(".ck-view[data-view='direct']")
    direct.click()
    wait_attr(page, root, "the zero-stuffed view", "d.view === 'direct'", 10)
    assert direct.get_attribute("aria-checked") == "true"
    assert root.evaluate(CANVAS_HASH_JS) != scatter, "toggling the view did not change the drawing"
    assert live.inner_text().startswith("step 1/3249 · output[0, 0] = flipped kernel over the stuffed input")
    print(screenshot(root, "transpose-28-direct"))
    direct.press("ArrowLeft")
    wait_attr(page, root, "the keyboard toggle back to scatter", "d.view === 'scatter'", 10)
    assert root.evaluate(CANVAS_HASH_JS) == scatter

    # stepping changes the live region; Python says the same sentence
    root.focus()
    page.keyboard.press("ArrowRight")
    wait_attr(page, root, "ArrowRight to step", "d.step === '1'", 5)
    second = live.inner_text()
    assert second != first and second.startswith("step 2/784 · input[0, 1]")

    # playback: no websocket frames to the kernel while it plays
    with count_sent_ws_frames(page) as sent:
        root.locator(".ck-play").click()
        wait_attr(page, root, "playback to start", "d.playing === 'true'", 10)
        f0 = int(root.get_attribute("data-frames") or 0)
        page.wait_for_timeout(1500)
        f1, s1 = int(root.get_attribute("data-frames") or 0), int(root.get_attribute("data-step") or 0)
        during = sent.count
    print(f"played {f1 - f0} frames, reached step {s1 + 1}, {during} kernel messages")
    assert f1 - f0 > 10 and s1 > 5
    assert during == 0, "the page talked to the kernel during playback"
    root.locator(".ck-play").click()  # pause: the step goes back once
    wait_attr(page, root, "pause", "d.playing === 'false'", 5)
    assert live.inner_text().startswith(f"step {int(root.get_attribute('data-step') or 0) + 1}/784")

    # the overlap map toggle changes the drawing too
    before = root.evaluate(CANVAS_HASH_JS)
    root.locator(".ck-overlap").check()
    page.wait_for_timeout(300)
    assert root.evaluate(CANVAS_HASH_JS) != before
    print(screenshot(root, "transpose-28-overlap"))


@pytest.fixture(scope="module")
def sizes_notebook(lab_server: LabServer) -> str:
    cells = ["import convkit"]
    cells += [
        f"w{name} = convkit.TransposedKernelTraversal(({n}, {n}), 3, strides=2, padding='same', step={n * n // 2})\n"
        f"w{name}"
        for n, name in SIZES
    ]
    cells.append(
        "wn = convkit.TransposedKernelTraversal((4, 4), 3, strides=2, in_channels=2, numbers=True, step=5)\nwn"
    )
    return write_notebook(lab_server.root_dir, "transpose_sizes.ipynb", cells)


@pytest.mark.parametrize("theme", ["JupyterLab Light", "JupyterLab Dark"])
def test_sizes_follow_the_kernel_and_dark_theme_is_readable(
    page: Any, lab_server: LabServer, sizes_notebook: str, theme: str
) -> None:
    from .lab import lab_theme

    tag = "dark" if "Dark" in theme else "light"
    with lab_theme(lab_server, theme):
        panel = open_and_run(page, lab_server, sizes_notebook)
        roots = panel.locator(ROOT)
        for i, (n, name) in enumerate([*SIZES, (4, "numbers")]):
            root = roots.nth(i)
            wait_attr(page, root, f"widget {name} to draw", "Number(d.frames) > 0", 60)
            root.scroll_into_view_if_needed()
            assert root.get_attribute("data-theme") == tag
            cell = float(root.get_attribute("data-cell-size") or 0)
            assert cell >= 12, f"{name}: cells of {cell} px"
            zoom = root.locator(".ck-zoom-text").inner_text()
            if n >= 28:  # the scattered output (2n + 1 cells) is larger than a panel: the view follows the kernel
                assert zoom.startswith("following the kernel"), zoom
            # text readable on the page: contrast of the title against the notebook background
            fg = css_rgb(root.locator(".ck-title").evaluate("(e) => getComputedStyle(e).color"))
            bg = css_rgb(
                page.evaluate("() => getComputedStyle(document.querySelector('.jp-Notebook')).backgroundColor")
            )
            hi, lo = sorted((luminance(fg), luminance(bg)), reverse=True)
            assert (hi + 0.05) / (lo + 0.05) >= 4.5, f"{name} {tag}: title contrast {fg} on {bg}"
            print(screenshot(root, f"transpose-size-{name}-{tag}"))


@pytest.mark.parametrize("theme", ["JupyterLab Light", "JupyterLab Dark"])
def test_controls_by_keyboard_refusal_keeps_the_typed_value(page: Any, lab_server: LabServer, theme: str) -> None:
    from .lab import lab_theme

    tag = "dark" if "Dark" in theme else "light"
    name = write_notebook(
        lab_server.root_dir,
        f"transpose_controls_{tag}.ipynb",
        ["import convkit\nw = convkit.TransposedKernelTraversal((13, 13), 3, strides=2, output_padding=1)\nw"],
    )
    with lab_theme(lab_server, theme):
        _controls_by_keyboard(page, open_and_run(page, lab_server, name), tag)


def _controls_by_keyboard(page: Any, panel: Any, tag: str) -> None:
    widget = panel.locator(".convkit-transpose-widget").first
    root = widget.locator(ROOT)
    wait_attr(page, root, "the widget to draw", "Number(d.frames) > 0", 60)
    widget.scroll_into_view_if_needed()
    title = root.locator(".ck-title")
    assert "output 28×28" in title.inner_text()
    print(screenshot(widget, f"transpose-controls-{tag}"))

    # every field has a name a screen reader reads; typing + Enter (keyboard only) changes the picture
    height = widget.get_by_role("textbox", name="input (height)")
    height.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("7")
    page.keyboard.press("Enter")
    wait_js(page, "the new input size", "(el) => el.textContent.includes('input 7×13')", 20, title.element_handle())
    assert "output 16×28" in title.inner_text()
    page.keyboard.press("Tab")  # on to the next field by keyboard
    assert page.evaluate("() => document.activeElement.closest('.ck-control-input_size') !== null")

    # output_padding: only the values smaller than the stride are offered
    dropdown = widget.get_by_role(
        "combobox", name="output_padding (extra output rows/columns, smaller than the stride)"
    )
    assert dropdown.locator("option").all_inner_texts() == ["None", "0", "1"]
    dropdown.select_option(label="None")
    wait_js(page, "output_padding None", "(el) => el.textContent.includes('output 15×27')", 20, title.element_handle())

    # a refused value: the picture stays, the field keeps what was typed, the message says why (no traceback)
    before = root.evaluate(CANVAS_HASH_JS)
    kernel = widget.get_by_role("textbox", name="kernel (width)")
    kernel.fill("3.5")
    kernel.press("Enter")
    alert = widget.locator(".ck-error[role='alert']")
    alert.wait_for(timeout=20_000)
    assert "not rounded" in alert.inner_text() and "Traceback" not in widget.inner_text()
    assert kernel.input_value() == "3.5"
    assert root.evaluate(CANVAS_HASH_JS) == before
    print(screenshot(widget, f"transpose-controls-refused-{tag}"))
