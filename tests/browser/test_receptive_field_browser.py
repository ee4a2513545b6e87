"""ReceptiveFieldView in a real JupyterLab: hovering a cell changes the highlighted cells on every earlier map, and
they are the core's masks (read back from the page through the view's test hook); the padded zeros highlighted are
the view's own geometry; no message goes to the kernel while hovering; a click sends the chosen cell once; arrow keys
move the cell and the live region says the core's sentence; the view reads well in Lab's dark theme (screenshots).

Screenshots go to the artifacts dir (env ``CONVKIT_ARTIFACTS`` or ``build/artifacts/browser/``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .lab import (
    LabServer,
    assert_no_errors,
    count_sent_ws_frames,
    css_rgb,
    lab_theme,
    luminance,
    open_notebook,
    run_all,
    screenshot,
    wait_js,
    wait_kernel_idle,
)

STACK = """\
import convkit
from convkit import layers as L
from convkit.layers import Add
stack = convkit.LayerStack((None, 12, 12, 1), [
    L.Conv2D(2, 3, padding="same", name="conv_a"),
    L.Conv2D(2, 3, strides=2, padding="same", name="conv_b"),
    L.Conv2D(2, 3, padding="same", name="conv_c"),
    L.Conv2D(2, 1, name="skip"),
    Add(name="add"),
    L.MaxPooling2D(2, name="pool"),
], [(), (0,), (1,), (1,), (2, 3), (4,)])"""
ROOT = ".convkit-rf"


def build_stack() -> Any:
    namespace: dict[str, Any] = {}
    exec(STACK, namespace)  # the same stack as the notebook's, names included
    return namespace["stack"]


def write_notebook(root: Path, name: str, sources: list[str]) -> str:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(src) for src in sources]
    nbformat.write(nb, str(root / name))
    return name


def open_view(page: Any, lab_server: LabServer, name: str) -> Any:
    path = write_notebook(lab_server.root_dir, name, [STACK + "\nview = convkit.ReceptiveFieldView(stack)\nview"])
    panel = open_notebook(page, lab_server, path)
    wait_kernel_idle(page)
    run_all(page, timeout=120)
    assert_no_errors(page)
    root = panel.locator(ROOT).first
    wait_js(page, "the view to draw", "(el) => Number(el.dataset.frames) > 0", 30, root.element_handle())
    return panel, root


def cell_point(root: Any, k: int, r: int, c: int) -> tuple[float, float]:
    """Page coordinates of the middle of cell (r, c) of map k."""
    return root.evaluate(
        """(el, [k, r, c]) => {
          const fig = el.querySelectorAll('.ck-rf-map')[k];
          const canvas = fig.querySelector('canvas');
          const b = canvas.getBoundingClientRect();
          const m = el.ckHeader().maps[k];
          const R = m.rows + m.ring[0] + m.ring[1], C = m.cols + m.ring[2] + m.ring[3];
          return [b.left + (c + m.ring[2] + 0.5) * b.width / C, b.top + (r + m.ring[0] + 0.5) * b.height / R];
        }""",
        [k, r, c],
    )


def hover(page: Any, root: Any, k: int, r: int, c: int) -> list[dict[str, Any]]:
    root.locator(".ck-rf-map").nth(k).scroll_into_view_if_needed()
    x, y = cell_point(root, k, r, c)
    page.mouse.move(x, y)
    wait_js(
        page,
        f"the view to choose {(k, r, c)}",
        f"(el) => el.dataset.chosen === '{k},{r},{c}'",
        10,
        root.element_handle(),
    )
    read: list[dict[str, Any]] = root.evaluate("(el) => el.ckRead()")
    return read


def core_cells(stack: Any, k: int, r: int, c: int) -> list[list[int]]:
    rf = stack.receptive_field((r, c), k - 1)
    masks = [rf.mask, *rf.masks]
    return [sorted(np.flatnonzero(m.ravel()).tolist()) for m in masks]


def test_hover_highlights_the_core_masks_on_every_earlier_map_without_the_kernel(
    page: Any, lab_server: LabServer
) -> None:
    stack = build_stack()
    panel, root = open_view(page, lab_server, "rf_hover.ipynb")
    pool = 6  # map of the last layer
    print(screenshot(root, "receptive-field-light"))
    seen: list[list[list[int]]] = []
    with count_sent_ws_frames(page) as sent:
        for k, r, c in [(pool, 0, 0), (pool, 2, 1), (5, 5, 5), (1, 0, 11), (3, 2, 0), (pool, 1, 2)]:
            read = hover(page, root, k, r, c)
            want = core_cells(stack, k, r, c)
            got = [sorted(m["cells"]) for m in read]
            assert got == want, f"hover {(k, r, c)}: the page's highlights differ from the core's masks"
            if k == pool:
                seen.append(got)
        page.wait_for_timeout(500)
        during = sent.count
    assert during == 0, f"the page talked to the kernel while hovering: {sent.frames[:3]}"
    # a different hovered cell changes the highlight on every earlier map
    for a, b in zip(seen[0][:pool], seen[1][:pool]):
        assert a != b
    # padded zeros: the first layer pads the input by one cell all round; the corner output reads the corner zeros
    read = hover(page, root, 1, 0, 0)
    assert sorted(map(tuple, read[0]["pads"])) == [(-1, -1), (-1, 0), (-1, 1), (0, -1), (1, -1)]
    assert root.locator(".ck-rf-sentence").inner_text() == str(stack.receptive_field((0, 0), 0))
    print(screenshot(root, "receptive-field-hover-corner"))

    with count_sent_ws_frames(page) as clicks:
        x, y = cell_point(root, pool, 2, 2)
        page.mouse.click(x, y)
        page.wait_for_timeout(800)
    updates = [str(p) for _, p in clicks.frames if "comm_msg" in str(p) and "selected" in str(p)]
    assert len(updates) == 1 and "[6,2,2]" in updates[0].replace(" ", ""), clicks.frames


def test_keyboard_and_live_sentence(page: Any, lab_server: LabServer) -> None:
    stack = build_stack()
    panel, root = open_view(page, lab_server, "rf_keys.ipynb")
    figures = root.locator(".ck-rf-map")
    figures.nth(6).focus()
    start = root.get_attribute("data-chosen")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowUp")
    wait_js(page, "arrow keys to move the cell", f"(el) => el.dataset.chosen !== '{start}'", 5, root.element_handle())
    k, r, c = (int(v) for v in (root.get_attribute("data-chosen") or "").split(","))
    assert (k, r, c) == (6, 0, 0)
    live = root.locator("[aria-live]")
    assert live.inner_text() == str(stack.receptive_field((0, 0), 5))
    page.keyboard.press("Shift+Tab")  # Tab moves between maps: the focused map's cell is chosen
    wait_js(
        page,
        "Shift+Tab to choose a cell of map 5",
        "(el) => el.dataset.chosen.startsWith('5,')",
        5,
        root.element_handle(),
    )
    page.keyboard.press("ArrowDown")
    wait_js(page, "ArrowDown in map 5", "(el) => el.dataset.chosen === '5,1,0'", 5, root.element_handle())
    assert live.inner_text() == str(stack.receptive_field((1, 0), 4))
    assert [sorted(m["cells"]) for m in root.evaluate("(el) => el.ckRead()")] == core_cells(stack, 5, 1, 0)


def test_dark_theme_is_readable(page: Any, lab_server: LabServer) -> None:
    with lab_theme(lab_server, "JupyterLab Dark"):
        panel, root = open_view(page, lab_server, "rf_dark.ipynb")
        wait_js(page, "the dark theme", "() => document.body.dataset.jpThemeLight === 'false'", 30)
        hover(page, root, 6, 1, 1)
        page.wait_for_timeout(300)
        print(screenshot(root, "receptive-field-dark"))
        text = css_rgb(root.locator(".ck-rf-sentence").evaluate("(e) => getComputedStyle(e).color"))
        cap = css_rgb(root.locator("figcaption").first.evaluate("(e) => getComputedStyle(e).color"))
        pixel = root.evaluate(
            """(el) => { const c = el.querySelector('canvas'); const d = c.getContext('2d').getImageData(0, 0, 1, 1).data;
                        return [d[0], d[1], d[2]]; }"""
        )
        background = root.evaluate(
            """(el) => { let e = el; while (e) { const b = getComputedStyle(e).backgroundColor;
                 if (b && b !== 'rgba(0, 0, 0, 0)' && b !== 'transparent') return b; e = e.parentElement; } return 'rgb(0,0,0)'; }"""
        )
    bg = luminance(css_rgb(background))
    for colour in (text, cap):
        ratio = (max(luminance(colour), bg) + 0.05) / (min(luminance(colour), bg) + 0.05)
        assert ratio >= 4.5, f"text {colour} on {background}: contrast {ratio:.1f}"
    assert luminance(pixel) < 0.3, f"the padding ring is drawn in the dark palette: {pixel}"


OTHERS = """\
import convkit
from convkit import layers as L
big = convkit.ReceptiveFieldView(convkit.LayerStack((None, 512, 512, 1), [L.Conv2D(1, 5, padding="same", name="big_a"),
    L.Conv2D(1, 3, strides=2, padding="same", name="big_b")]))
big
"""
CLASSIFIER = """\
clf = convkit.ReceptiveFieldView(convkit.LayerStack((None, 16, 16, 1), [L.Conv2D(2, 3, padding="same", name="c1"),
    L.MaxPooling2D(2, name="p1"), L.Flatten(name="flat"), L.Dense(3, name="head")]))
clf
"""
STRIP = """\
strip = convkit.ReceptiveFieldView(convkit.LayerStack((None, 24, 1), [L.Conv1D(1, 3, padding="causal", dilation_rate=2, name="causal"),
    L.Conv1D(1, 4, strides=2, padding="same", name="down")]))
strip
"""


def test_big_maps_draw_scaled_mixing_layers_say_so_and_1d_strips(page: Any, lab_server: LabServer) -> None:
    path = write_notebook(lab_server.root_dir, "rf_others.ipynb", [OTHERS, CLASSIFIER, STRIP])
    panel = open_notebook(page, lab_server, path)
    wait_kernel_idle(page)
    run_all(page, timeout=180)
    assert_no_errors(page)
    roots = panel.locator(ROOT)
    for i in range(3):
        wait_js(page, f"view {i} to draw", "(el) => Number(el.dataset.frames) > 0", 60, roots.nth(i).element_handle())
    big, clf, strip = roots.nth(0), roots.nth(1), roots.nth(2)
    # 512×512 (+ its padding ring) in at most 240 css px, said in words
    width = big.locator("canvas").first.evaluate("(c) => c.getBoundingClientRect().width")
    assert 200 <= width <= 240, width
    assert "drawn scaled" in big.locator(".ck-rf-map").first.inner_text()
    with count_sent_ws_frames(page) as sent:
        read = hover(page, big, 2, 0, 255)
        page.wait_for_timeout(300)
    assert sent.count == 0
    from convkit import layers as L

    s = convkit_stack(
        (512, 512, 1),
        [L.Conv2D(1, 5, padding="same", name="big_a"), L.Conv2D(1, 3, strides=2, padding="same", name="big_b")],
    )
    assert [sorted(m["cells"]) for m in read] == core_cells(s, 2, 0, 255)
    print(screenshot(big, "receptive-field-512"))
    # Flatten and Dense mix every cell: a note instead of a grid; the chosen cell is on the last map with cells
    notes = clf.locator(".ck-rf-note")
    assert notes.count() == 2 and "flat mixes every cell" in notes.first.inner_text()
    assert clf.get_attribute("data-chosen") == "2,4,4"
    print(screenshot(clf, "receptive-field-classifier"))
    # a 1-D stack: one row per map; the causal padding sits before the strip only
    strip_view = strip.evaluate("(el) => el.ckHeader().maps.map(m => [m.rows, m.ring])")
    assert strip_view[0] == [1, [0, 0, 4, 0]] and strip_view[1][0] == 1
    read = hover(page, strip, 2, 0, 0)
    s1 = convkit_stack(
        (24, 1),
        [
            L.Conv1D(1, 3, padding="causal", dilation_rate=2, name="causal"),
            L.Conv1D(1, 4, strides=2, padding="same", name="down"),
        ],
    )
    assert [sorted(m["cells"]) for m in read] == core_cells_1d(s1, 2, 0)
    assert strip.locator("[aria-live]").inner_text() == str(s1.receptive_field((0,), 1))
    print(screenshot(strip, "receptive-field-1d"))


def convkit_stack(shape: tuple[int, ...], layers: list[Any]) -> Any:
    import convkit

    return convkit.LayerStack((None, *shape), layers)


def core_cells_1d(stack: Any, k: int, c: int) -> list[list[int]]:
    rf = stack.receptive_field((c,), k - 1)
    return [sorted(np.flatnonzero(m.ravel()).tolist()) for m in [rf.mask, *rf.masks]]
