"""KernelTraversal in a real JupyterLab: it draws, plays Example 3 to the end without talking to the kernel,
answers the keyboard, syncs ``step`` back once when paused, and several widgets on a page stay independent;
large inputs follow the kernel with legible cells, grid lines and marked never-read cells, and nothing is clipped;
typed impossible values are refused with the reason; switched-off controls say why; the static picture shows in
offline nbconvert HTML and stays hidden behind the live widget in Lab. Frame rates are printed, never asserted
(``benchmarks/bench_traversal_browser.py`` measures them).

Screenshots go to the artifacts dir (env ``CONVKIT_ARTIFACTS`` or ``build/artifacts/browser/``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from .lab import (
    LabServer,
    assert_no_errors,
    count_sent_ws_frames,
    open_notebook,
    run_all,
    screenshot,
    wait_js,
    wait_kernel_idle,
)

EXAMPLE_3 = "import convkit\nw = convkit.KernelTraversal((128, 128), 3, strides=4)\nw"
ROOT = ".convkit-traversal"

# Counts canvas pixels that differ from the top-left (background) pixel, and distinct colours.
CANVAS_STATS_JS = """(root) => {
  const c = root.querySelector('canvas');
  const ctx = c.getContext('2d');
  const d = ctx.getImageData(0, 0, c.width, c.height).data;
  let differ = 0; const colours = new Set();
  for (let i = 0; i < d.length; i += 16) {
    if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2]) differ++;
    if (colours.size < 64) colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
  }
  return {differ, colours: colours.size, width: c.width, height: c.height, samples: d.length / 16};
}"""


def write_notebook(root: Path, name: str, sources: list[str]) -> str:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(src) for src in sources]
    nbformat.write(nb, str(root / name))
    return name


def data(locator: Any, name: str) -> str:
    return locator.get_attribute(f"data-{name}") or ""


def wait_attr(page: Any, root: Any, what: str, predicate_js: str, timeout: float = 30.0) -> None:
    """Wait until ``predicate_js`` (a JS expression over ``d`` = the root's dataset) holds."""
    handle = root.element_handle()
    wait_js(page, what, f"(el) => {{ const d = el.dataset; return {predicate_js}; }}", timeout, handle)


def step_updates(frames: list[tuple[str, Any]]) -> list[str]:
    """The comm messages among sent websocket frames that carry a ``step`` update (text or binary frames)."""
    texts = [p.decode("utf-8", "replace") if isinstance(p, (bytes, bytearray)) else str(p) for _, p in frames]
    return [t for t in texts if '"comm_msg"' in t and '"step"' in t]


def open_and_run(page: Any, lab_server: LabServer, name: str) -> Any:
    panel = open_notebook(page, lab_server, name)
    wait_kernel_idle(page)
    run_all(page, timeout=120)
    assert_no_errors(page)
    return panel


def test_example_3_plays_in_browser_without_kernel_messages(page: Any, lab_server: LabServer) -> None:
    name = write_notebook(lab_server.root_dir, "traversal_example_3.ipynb", [EXAMPLE_3])
    panel = open_and_run(page, lab_server, name)
    root = panel.locator(ROOT).first
    wait_attr(page, root, "the widget to draw 1,024 steps", "d.numSteps === '1024' && Number(d.frames) > 0")
    assert panel.locator(".convkit-widget").count() >= 2, "outer box and canvas view carry convkit-widget"

    stats = root.evaluate(CANVAS_STATS_JS)
    print("canvas:", stats)
    assert stats["width"] > 300 and stats["height"] > 150, stats
    assert stats["differ"] > stats["samples"] * 0.2, f"canvas looks blank: {stats}"
    assert stats["colours"] >= 5, f"too few colours drawn: {stats}"
    text = root.inner_text()
    assert "height: floor((128 + 0 + 0 - 3) / 4) + 1 = 32" in text
    assert "never read: 7,168 of 16,384 input cells (43.75 %)" in text
    assert "input channels 1" in text
    print(screenshot(panel.locator(".convkit-traversal-box").first, "traversal-example3-start"))

    root.locator(".ck-speed").fill("400")  # 1,024 steps in about 2.6 s
    root.locator(".ck-speed").press("Tab")
    with count_sent_ws_frames(page) as sent:
        root.locator(".ck-play").click()
        wait_attr(page, root, "playback to start", "d.playing === 'true'", 10)
        frames0, t0 = int(data(root, "frames")), time.monotonic()
        page.wait_for_timeout(1500)
        frames1, t1 = int(data(root, "frames")), time.monotonic()
        step_mid = int(data(root, "step"))
        assert data(root, "playing") == "true", "playback stopped early"
        during = sent.count
        print(screenshot(root, "traversal-example3-playing"))
    fps = (frames1 - frames0) / (t1 - t0)
    print(f"in-browser fps during playback: {fps:.1f}; frames sent to the kernel while playing: {during}")
    assert during == 0, f"the page talked to the kernel during playback: {sent.frames[:3]}"
    assert 0 < step_mid < 1023 and frames1 > frames0, "playback advanced and drew frames"

    with count_sent_ws_frames(page) as after:
        wait_attr(page, root, "playback to reach the last step and stop", "d.step === '1023' && d.playing === 'false'")
        page.wait_for_timeout(800)
    # the sync at the end may come while the screenshot above is taken (a slow machine): count both windows
    updates = step_updates(sent.frames) + step_updates(after.frames)
    print("messages when playback ended:", after.count)
    assert len(updates) == 1, f"expected one step sync at the end, got {after.frames}"
    assert '"state":{"step":1023}' in updates[0].replace(" ", "")


def test_keyboard_and_independent_widgets(page: Any, lab_server: LabServer) -> None:
    name = write_notebook(
        lab_server.root_dir,
        "traversal_keys.ipynb",
        [
            "import convkit\na = convkit.KernelTraversal((7, 7), 3, padding='same', numbers=True)\na",
            "b = convkit.KernelTraversal(12, 4, padding='causal', dilation_rate=2, numbers=True)\nb",
            "c = convkit.KernelTraversal((9, 9), 2, operation='max', padding='same', numbers=True, coverage=True)\nc",
            "d = convkit.KernelTraversal((6, 6), 3)\nd",
            "d.kernel_size = 2\nd.step = 4\nd.kernel_size = 9  # refused: message, picture kept",
        ],
    )
    panel = open_and_run(page, lab_server, name)
    roots = panel.locator(ROOT)
    assert roots.count() == 4
    assert panel.locator(".convkit-widget .ck-controls").count() == 4, "each widget has its parameter controls"
    a, b = roots.nth(0), roots.nth(1)
    wait_attr(page, a, "widget a to draw", "d.numSteps === '49' && Number(d.frames) > 0")
    wait_attr(page, b, "widget b to draw", "d.numSteps === '12' && Number(d.frames) > 0")
    wait_attr(page, roots.nth(3), "widget d to follow the Python change", "d.numSteps === '25' && d.step === '4'")
    note = panel.locator(".ck-widget-message").nth(3).inner_text()
    assert "kernel 9×9 is larger than the padded input 6×6 (no padding); the largest kernel here is 6×6" in note, note
    assert "Traceback" not in note
    assert "before 1, after 1" in a.locator(".ck-formula").inner_text()
    assert "before 6, after 0" in b.locator(".ck-formula").inner_text()
    sum_line = a.locator(".ck-sum").inner_text()
    assert sum_line.count("·") == 9 and " = " in sum_line, f"numbers mode shows the multiply-sum: {sum_line}"
    assert roots.nth(2).locator(".ck-sum").inner_text().startswith("output[0, 0] = max(")

    a.focus()
    page.keyboard.press("ArrowRight")
    wait_attr(page, a, "ArrowRight to advance a", "d.step === '1'", 5)
    # the browser writes the sentences Python writes (and the exports draw) for this step
    from convkit.widgets.traversal import KernelTraversal

    same_a = KernelTraversal((7, 7), 3, padding="same", numbers=True).payload
    assert a.locator(".ck-step-info").inner_text() == same_a.step_sentence(1)
    assert a.locator(".ck-sum").inner_text() == same_a.sum_sentence(1)
    same_b = KernelTraversal(12, 4, padding="causal", dilation_rate=2, numbers=True).payload
    assert b.locator(".ck-step-info").inner_text() == same_b.step_sentence(0)
    assert b.locator(".ck-sum").inner_text() == same_b.sum_sentence(0)
    assert data(b, "step") == "0", "widget b moved with a"
    page.keyboard.press("ArrowLeft")
    wait_attr(page, a, "ArrowLeft to go back", "d.step === '0'", 5)
    with count_sent_ws_frames(page) as keys:
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        wait_attr(page, a, "two ArrowRight", "d.step === '2'", 5)
        page.wait_for_timeout(700)  # the step goes back to Python once, after the burst of keys
    key_syncs = step_updates(keys.frames)
    assert len(key_syncs) == 1 and '"state":{"step":2}' in key_syncs[0].replace(" ", ""), key_syncs
    a.locator(".ck-speed").fill("5")
    a.focus()
    with count_sent_ws_frames(page) as sent:
        page.keyboard.press("Space")
        wait_attr(page, a, "Space to start playback", "d.playing === 'true'", 5)
        page.wait_for_timeout(700)
        playing_sent = sent.count
        page.keyboard.press("Space")
        wait_attr(page, a, "Space to pause", "d.playing === 'false'", 5)
        page.wait_for_timeout(600)
    step = int(data(a, "step"))
    assert step > 2, "playback advanced"
    assert playing_sent == 0, f"messages while playing: {sent.frames}"
    synced = step_updates(sent.frames)
    assert synced and f'"state":{{"step":{step}}}' in synced[-1].replace(" ", ""), f"pausing synced the step: {synced}"
    assert data(b, "playing") == "false" and data(b, "step") == "0"
    print(screenshot(a, "traversal-same-numbers"))
    print(screenshot(b, "traversal-1d-causal-dilated"))
    print(screenshot(roots.nth(2), "traversal-maxpool-same-coverage"))


@pytest.mark.parametrize("size", [512])
def test_large_input_draws_and_too_large_says_so(page: Any, lab_server: LabServer, size: int) -> None:
    name = write_notebook(
        lab_server.root_dir,
        f"traversal_large_{size}.ipynb",
        [
            f"import convkit\nbig = convkit.KernelTraversal(({size}, {size}), 3)\nbig",
            "huge = convkit.KernelTraversal((2048, 2048), 3)\nhuge",
        ],
    )
    panel = open_and_run(page, lab_server, name)
    big, huge = panel.locator(ROOT).nth(0), panel.locator(ROOT).nth(1)
    steps = (size - 2) ** 2
    wait_attr(page, big, f"the {size}×{size} widget to draw", f"d.numSteps === '{steps}' && Number(d.frames) > 0", 60)
    stats = big.evaluate(CANVAS_STATS_JS)
    assert stats["differ"] > stats["samples"] * 0.2, stats
    big.locator(".ck-speed").fill("5000")
    big.locator(".ck-play").click()
    wait_attr(page, big, "playback to start", "d.playing === 'true'", 10)
    f0, t0 = int(data(big, "frames")), time.monotonic()
    page.wait_for_timeout(1500)
    f1 = int(data(big, "frames"))
    print(f"{size}×{size}: {(f1 - f0) / (time.monotonic() - t0):.1f} frames/s (figure only; see benchmarks/)")
    assert f1 > f0 and int(data(big, "step")) > 0, "playback advanced and drew frames"
    big.locator(".ck-play").click()
    assert "too large to draw" in huge.inner_text()
    print(screenshot(panel, f"traversal-large-{size}"))


# ------------------------------------------------------------------------------------------ legible sizes

#: The article's sizes, a large input and a long 1-D strip: (cell source, padded side, followed?)
SIZES = [
    (
        "w28 = convkit.KernelTraversal.from_layer(convkit.layers.Conv2D(32, 3, strides=2), (None, 28, 28, 3))\nw28",
        "28",
        False,
    ),
    ("w64 = convkit.KernelTraversal((64, 64), 5, padding='same')\nw64", "64", True),
    ("w128 = convkit.KernelTraversal((128, 128), 3, strides=4, coverage=True)\nw128", "128", True),
    ("w512 = convkit.KernelTraversal((512, 512), 3)\nw512", "512", True),
    ("w1d = convkit.KernelTraversal(1000, 5, strides=2, padding='same')\nw1d", "1d", True),
]

# Where things are on the canvas, read back from the widget (css px), plus the stage and canvas boxes.
GEOMETRY_JS = """(root) => {
  const c = root.querySelector('canvas'), stage = root.querySelector('.ck-stage');
  const cb = c.getBoundingClientRect(), sb = stage.getBoundingClientRect(), rb = root.getBoundingClientRect();
  return {layout: JSON.parse(root.dataset.layout), follow: root.dataset.follow, window: root.dataset.window,
          viewInput: root.dataset.viewInput, viewOutput: root.dataset.viewOutput,
          canvasRight: cb.right, stageRight: sb.right, rootRight: rb.right, canvasWidth: cb.width,
          stageScrollWidth: stage.scrollWidth, stageClientWidth: stage.clientWidth};
}"""

# The colour at css position (x, y) of the canvas, as [r, g, b].
PIXEL_JS = """(root, [x, y]) => {
  const c = root.querySelector('canvas');
  const k = c.width / c.getBoundingClientRect().width;
  const d = c.getContext('2d').getImageData(Math.floor(x * k), Math.floor(y * k), 1, 1).data;
  return [d[0], d[1], d[2]];
}"""


def _inside(window: str, view: str) -> bool:
    """The kernel window (row, col, rows, cols) lies inside the view (row, col, rows, cols)."""
    wr, wc, kr, kc = map(int, window.split(","))
    vr, vc, nr, nc = map(int, view.split(","))
    return vr <= wr and wr + kr <= vr + nr and vc <= wc and wc + kc <= vc + nc


def _differs(a: list[int], b: list[int]) -> bool:
    return sum(abs(x - y) for x, y in zip(a, b)) > 30


@pytest.fixture(scope="module")
def sizes_notebook(lab_server: LabServer) -> str:
    return write_notebook(lab_server.root_dir, "traversal_sizes.ipynb", ["import convkit"] + [s for s, _, _ in SIZES])


def test_large_inputs_follow_the_kernel_with_legible_cells(
    page: Any, lab_server: LabServer, sizes_notebook: str
) -> None:
    panel = open_and_run(page, lab_server, sizes_notebook)
    roots = panel.locator(ROOT)
    assert roots.count() == len(SIZES)
    for i, (_, name, followed) in enumerate(SIZES):
        root = roots.nth(i)
        wait_attr(page, root, f"widget {name} to draw", "Number(d.frames) > 0", 60)
        root.scroll_into_view_if_needed()
        geo = root.evaluate(GEOMETRY_JS)
        lay = geo["layout"]
        print(
            name,
            {k: geo[k] for k in ("follow", "window", "viewInput", "viewOutput")},
            f"cell {lay['cw']:.1f} px, canvas {lay['width']}×{lay['height']}",
        )
        assert geo["follow"] == str(followed).lower(), name
        if name != "1d":
            assert lay["cw"] >= 8, f"{name}: cells of {lay['cw']:.1f} px"
        assert geo["canvasRight"] <= geo["stageRight"] + 0.5 and geo["stageScrollWidth"] <= geo["stageClientWidth"], (
            f"{name}: the picture is wider than the widget (clipped or scrolled): {geo}"
        )
        assert geo["canvasRight"] <= geo["rootRight"] + 0.5
        assert _inside(geo["window"], geo["viewInput"]), f"{name}: kernel outside the view at the first step"
        if followed:
            assert lay["inOv"] or lay["outOv"], f"{name}: a followed view comes with an overview"
        # walk: the view follows the kernel, the background is redrawn only when the view moves to a new page
        root.focus()
        draws0, frames0 = int(data(root, "base-draws")), int(data(root, "frames"))
        for key, presses in (("ArrowRight", 37), ("End", 1), ("Home", 1)):
            for _ in range(presses):
                page.keyboard.press(key)
            geo = root.evaluate(GEOMETRY_JS)
            assert _inside(geo["window"], geo["viewInput"]), f"{name} after {key}: {geo['window']} {geo['viewInput']}"
        draws, frames = int(data(root, "base-draws")) - draws0, int(data(root, "frames")) - frames0
        assert frames >= 39 and draws * 3 <= frames, f"{name}: background redrawn {draws} times in {frames} frames"
        if not followed:
            assert draws == 0, "a view that never moves is drawn once"
    # a narrow notebook (side panel open, small screen): the grids stack, cells stay legible, nothing overflows
    page.set_viewport_size({"width": 820, "height": 1000})
    page.wait_for_timeout(800)
    for i, (_, name, followed) in enumerate(SIZES):
        root = roots.nth(i)
        root.scroll_into_view_if_needed()
        geo = root.evaluate(GEOMETRY_JS)
        print(
            "narrow",
            name,
            f"cell {geo['layout']['cw']:.1f} px, stacked {geo['layout']['stacked']}, "
            f"canvas {geo['layout']['width']} in a stage of {geo['stageClientWidth']}",
        )
        assert geo["stageScrollWidth"] <= geo["stageClientWidth"], f"narrow {name}: {geo}"
        if followed and name != "1d":
            assert geo["layout"]["cw"] >= 8
    print(screenshot(panel.locator(".convkit-traversal-box").nth(2), "traversal-size-128-narrow"))


def test_grid_lines_and_unread_cells_at_128(page: Any, lab_server: LabServer, sizes_notebook: str) -> None:
    """Example 3 (128×128, k3, s4, coverage): grid lines between cells, and the never-read 4th row/column."""
    panel = open_and_run(page, lab_server, sizes_notebook)
    root = panel.locator(ROOT).nth(2)
    wait_attr(page, root, "Example 3 to draw", "Number(d.frames) > 0", 60)
    root.focus()
    page.keyboard.press("ArrowRight")  # step 2: the window at columns 4..6, away from the cells checked below
    page.wait_for_timeout(200)
    lay = root.evaluate(GEOMETRY_JS)["layout"]
    x0, y0, cw = lay["inX"], lay["inY"], lay["cw"]
    # row 10 is read (rows 0..2, 4..6, 8..10 are): cell interiors of columns 0..2 vs the line between them
    y = y0 + (10 + 0.5) * cw
    inside = [root.evaluate(PIXEL_JS, [x0 + (c + 0.5) * cw, y]) for c in range(3)]
    line = root.evaluate(PIXEL_JS, [round(x0 + 1 * cw) + 0.5, y])  # lines are snapped to whole pixels
    assert inside[0] == inside[1] and _differs(inside[0], line), f"no grid line: cells {inside}, line {line}"
    # column 3 is never read (stride 4, kernel 3): marked in the coverage colour
    unread = root.evaluate(PIXEL_JS, [x0 + 3.5 * cw - 3, y - 0.3 * cw])
    assert _differs(unread, inside[0]), f"never-read column 3 looks like a read cell: {unread} vs {inside[0]}"


@pytest.mark.parametrize("theme", ["JupyterLab Light", "JupyterLab Dark"])
def test_screenshots_at_the_article_sizes(page: Any, lab_server: LabServer, sizes_notebook: str, theme: str) -> None:
    from .lab import lab_theme

    with lab_theme(lab_server, theme):
        panel = open_and_run(page, lab_server, sizes_notebook)
        tag = "dark" if "Dark" in theme else "light"
        roots = panel.locator(".convkit-traversal-box")
        for i, (_, name, _) in enumerate(SIZES):
            wait_attr(page, panel.locator(ROOT).nth(i), f"widget {name} to draw", "Number(d.frames) > 0", 60)
            box = roots.nth(i)
            box.scroll_into_view_if_needed()
            print(screenshot(box, f"traversal-size-{name}-{tag}"))


# ------------------------------------------------------------------------------------------ controls


def test_typed_impossible_value_is_refused_with_its_reason(page: Any, lab_server: LabServer) -> None:
    name = write_notebook(
        lab_server.root_dir,
        "traversal_controls.ipynb",
        [
            "import convkit\nw = convkit.KernelTraversal((7, 7), 3, strides=2)\nw",
        ],
    )
    panel = open_and_run(page, lab_server, name)
    box, root = panel.locator(".convkit-traversal-box").first, panel.locator(ROOT).first
    wait_attr(page, root, "the widget to draw", "d.numSteps === '9' && Number(d.frames) > 0")
    kernel = box.locator(".ck-control-kernel_size input").first
    kernel.fill("30")
    kernel.press("Enter")
    note = box.locator(".ck-widget-message")
    note.locator("text=the largest kernel here is 7").wait_for(timeout=10_000)
    text = note.inner_text()
    print("message:", text)
    assert "kernel 30 is larger than the padded input 7 (height, no padding); the largest kernel here is 7" in text
    assert kernel.input_value() == "30", "what the learner typed stays in the field"
    assert "ck-invalid" in (box.locator(".ck-control-kernel_size").first.get_attribute("class") or "")
    assert data(root, "num-steps") == "9", "the picture keeps the last valid settings"
    print(screenshot(box, "traversal-refused-kernel-30"))

    # dilation is switched off while strides > 1, and says why: visible text, tooltip, aria-describedby
    dilation = box.locator(".ck-control-dilation_rate input").first
    assert dilation.is_disabled()
    described = dilation.get_attribute("aria-describedby")
    assert described, "the switched-off field points at its reason"
    reason = box.locator(f"#{described}")
    assert reason.is_visible() and reason.inner_text().startswith("dilation is off while strides are 2×2")
    assert (dilation.get_attribute("title") or "").startswith("dilation is off while strides are 2×2")
    for i in range(2):
        strides = box.locator(".ck-control-strides input").nth(i)
        strides.fill("1")
        strides.press("Enter")
    wait_attr(page, root, "strides 1 (25 steps)", "d.numSteps === '25'")
    page.wait_for_timeout(300)
    assert not dilation.is_disabled() and dilation.get_attribute("aria-describedby") is None
    assert "ck-invalid" not in (box.locator(".ck-control-kernel_size").first.get_attribute("class") or "")
    assert kernel.input_value() == "3", "an accepted change shows the state in every field again"

    # the speed field in the browser: refused, not clamped
    speed = root.locator(".ck-speed")
    speed.fill("0")
    speed.press("Tab")
    message = root.locator(".ck-message").inner_text()
    assert (
        message.startswith("speed must be a number of steps per second from 0.25 to 5000")
        and 'Received: "0"' in message
    ), message
    assert speed.get_attribute("aria-invalid") == "true"


# ------------------------------------------------------------------------------------------ static pictures

STATIC_CELLS = [
    "import convkit\nfrom convkit import layers as L\nconvkit.KernelTraversal((28, 28), 3, strides=2)",
    "convkit.LayerStack((None, 28, 28, 1), [L.Conv2D(8, 3, strides=2), L.MaxPooling2D(2)]).editor()",
]
_IMAGES_JS = """(page) => [...document.querySelectorAll('img.convkit-static-fallback')].map(img => {
  const r = img.getBoundingClientRect();
  return {loaded: img.complete && img.naturalWidth > 0, shown: r.width > 0 && r.height > 0
          && getComputedStyle(img).visibility !== 'hidden', alt: img.alt};
})"""


def _executed_static_notebook(tmp_dir: Path) -> Any:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in STATIC_CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    NotebookClient(
        nb, timeout=120, kernel_name="python3", store_widget_state=True, resources={"metadata": {"path": str(tmp_dir)}}
    ).execute()
    return nb


def test_static_picture_offline_html_and_hidden_behind_the_live_widget_in_lab(
    page: Any, lab_server: LabServer, browser: Any, tmp_path: Path
) -> None:
    import nbformat
    from nbconvert import HTMLExporter

    from .lab import sign_notebook

    nb = _executed_static_notebook(tmp_path)
    # 1. nbconvert's default HTML, opened with every network request refused: a picture per widget
    html_path = tmp_path / "static.html"
    html_path.write_text(HTMLExporter().from_notebook_node(nb)[0], encoding="utf-8")
    offline = browser.new_context(viewport={"width": 1200, "height": 900})
    try:
        blocked: list[str] = []

        def refuse(route: Any) -> None:
            if route.request.url.startswith("file:"):
                route.continue_()
            else:
                blocked.append(route.request.url)
                route.abort()

        offline.route("**/*", refuse)
        view = offline.new_page()
        view.goto(html_path.as_uri())
        view.wait_for_timeout(1500)
        images = view.evaluate(_IMAGES_JS)
        print("offline HTML:", images, "blocked:", blocked[:3])
        assert len(images) == 2 and all(i["loaded"] and i["shown"] for i in images), images
        assert any("cdn" in u or "unpkg" in u or "jsdelivr" in u for u in blocked), (
            "the page did try the CDN widget manager (and got nothing): the picture is what readers see"
        )
        print(screenshot(view.locator("body"), "static-offline-html"))
    finally:
        offline.close()

    # 2. JupyterLab, trusted, without running: the saved live widgets render and the pictures stay hidden
    saved = lab_server.root_dir / "static_trusted.ipynb"
    nbformat.write(nb, str(saved))
    sign_notebook(saved, lab_server.data_dir)
    panel = open_notebook(page, lab_server, saved.name)
    wait_attr(page, panel.locator(ROOT).first, "the saved traversal to draw", "Number(d.frames) > 0", 60)
    page.wait_for_timeout(500)
    images = panel.evaluate(_IMAGES_JS)
    print("Lab, trusted:", images)
    assert len(images) == 2 and not any(i["shown"] for i in images), "Lab shows only the live widgets"
    assert panel.locator(".convkit-stack-editor").first.is_visible()
    print(screenshot(panel, "static-lab-trusted"))

    # 3. untrusted (no saved state rendered, sanitized HTML): each output still shows a widget or the picture
    untrusted = lab_server.root_dir / "static_untrusted.ipynb"
    nbformat.write(nb, str(untrusted))
    panel = open_notebook(page, lab_server, untrusted.name)
    page.wait_for_timeout(3000)
    images = panel.evaluate(_IMAGES_JS)
    widgets = panel.locator(".jp-OutputArea .convkit-widget:not(.convkit-widget .convkit-widget)")
    shown_widgets = sum(widgets.nth(i).is_visible() for i in range(widgets.count()))
    print("Lab, untrusted:", images, "live widgets shown:", shown_widgets)
    assert shown_widgets + sum(i["shown"] and i["loaded"] for i in images) >= 2
    print(screenshot(panel, "static-lab-untrusted"))
