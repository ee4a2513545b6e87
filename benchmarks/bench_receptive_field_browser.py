"""Hover highlight frames per second of ReceptiveFieldView in Chromium, and kernel messages during hovers.

    python benchmarks/bench_receptive_field_browser.py           # 10 layers of 64×64 maps, and 2 layers of 512×512
    python benchmarks/bench_receptive_field_browser.py --quick   # the 64×64 stack only, shorter windows

Starts an isolated JupyterLab and the system Chromium (the helpers of tests/browser/lab.py), displays the view and
prints, side by side:

* the page's bare ``requestAnimationFrame`` rate (the ceiling of this browser on this machine);
* "mouse": Playwright moves the real mouse over the last map, a new cell every move, for a few seconds: highlight
  frames drawn per second and hover moves per second (Playwright's own round trips bound how fast it can move);
* "every frame": the page itself chooses a new cell on every animation frame (the view's test hook), the fastest
  a learner's hover can ask: highlight frames per second;
* the time per highlight (computing the masks of all 11 maps and painting them), from the view's own counter, and
  the main thread's time per frame (Chrome's TaskDuration; layout + style recalculation apart);
* websocket frames the page sent to the kernel during the hovers.

Targets: 60 highlight frames/s (where the browser itself reaches 60) and 0 kernel messages.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from _browser_bench import BARE_RAF_JS, widget_notebook  # noqa: E402

from tests.browser.lab import (  # noqa: E402
    LabServer,
    count_sent_ws_frames,
    launch_chromium,
    open_notebook,
    run_all,
    track_websockets,
    wait_js,
    wait_kernel_idle,
)

TARGET_FPS = 60.0
TEN_64 = (
    "convkit.ReceptiveFieldView(convkit.LayerStack((None, 64, 64, 1), "
    "[L.Conv2D(1, 3, padding='same', dilation_rate=1 + i % 3) for i in range(10)]))"
)
TWO_512 = "convkit.ReceptiveFieldView(convkit.LayerStack((None, 512, 512, 1), [L.Conv2D(1, 5, padding='same')] * 2))"
#: Choose a new cell of map k on every animation frame for ``ms`` milliseconds; resolves to the frames requested.
EVERY_FRAME_JS = """([el, k, ms]) => new Promise(resolve => {
  const m = el.ckHeader().maps[k]; let n = 0; const t0 = performance.now();
  const f = (t) => {
    n++; el.ckChoose(k, (n * 7) % m.rows, (n * 13) % m.cols);
    if (t - t0 < ms) requestAnimationFrame(f); else resolve(n);
  };
  requestAnimationFrame(f);
})"""


def _notebook(root: Path, cases: list[tuple[str, str]]) -> str:
    return widget_notebook(
        root, "bench_receptive_field_browser.ipynb", "import convkit\nfrom convkit import layers as L", cases
    )


_METRICS = ("TaskDuration", "ScriptDuration", "LayoutDuration", "RecalcStyleDuration")
_CDP: list[Any] = []


def _task_seconds() -> dict[str, float]:
    if not _CDP:
        return dict.fromkeys(_METRICS, 0.0)
    metrics = {m["name"]: m["value"] for m in _CDP[0].send("Performance.getMetrics")["metrics"]}
    return {k: float(metrics.get(k, 0.0)) for k in _METRICS}


def _counters(root: Any) -> tuple[int, float]:
    return int(root.get_attribute("data-frames") or 0), float(root.get_attribute("data-draw-ms") or 0)


def _mouse(page: Any, root: Any, k: int, seconds: float) -> dict[str, float]:
    canvas = root.locator(".ck-rf-map").nth(k).locator("canvas")
    box = canvas.bounding_box()
    m = root.evaluate(f"(el) => el.ckHeader().maps[{k}]")
    rows, cols = m["rows"] + m["ring"][0] + m["ring"][1], m["cols"] + m["ring"][2] + m["ring"][3]
    with count_sent_ws_frames(page) as sent:
        f0, d0 = _counters(root)
        c0 = _task_seconds()
        t0, moves = time.monotonic(), 0
        while time.monotonic() - t0 < seconds:
            i, j = m["ring"][0] + (moves * 7) % m["rows"], m["ring"][2] + (moves * 13) % m["cols"]
            page.mouse.move(box["x"] + (j + 0.5) * box["width"] / cols, box["y"] + (i + 0.5) * box["height"] / rows)
            moves += 1
        page.wait_for_timeout(100)
        f1, d1 = _counters(root)
        c1 = _task_seconds()
        dt = time.monotonic() - t0
        during = sent.count
    frames = f1 - f0
    return {
        "fps": frames / dt,
        "moves_per_s": moves / dt,
        "ms": (d1 - d0) / max(frames, 1),
        "messages": during,
        **_per_frame(c0, c1, frames),
    }


def _per_frame(c0: dict[str, float], c1: dict[str, float], frames: int) -> dict[str, float]:
    """Main-thread milliseconds per highlight frame (Chrome's metrics over the window / frames drawn)."""
    return {k: 1000 * (c1[k] - c0[k]) / max(frames, 1) for k in _METRICS}


def _every_frame(page: Any, root: Any, k: int, seconds: float) -> dict[str, float]:
    with count_sent_ws_frames(page) as sent:
        f0, d0 = _counters(root)
        c0 = _task_seconds()
        t0 = time.monotonic()
        asked = page.evaluate(EVERY_FRAME_JS, [root.element_handle(), k, seconds * 1000])
        dt = time.monotonic() - t0
        c1 = _task_seconds()
        page.wait_for_timeout(100)
        f1, d1 = _counters(root)
        during = sent.count
    frames = f1 - f0
    return {
        "fps": frames / dt,
        "moves_per_s": asked / dt,
        "ms": (d1 - d0) / max(frames, 1),
        "messages": during,
        **_per_frame(c0, c1, frames),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the 64×64 stack only, 2 s windows")
    parser.add_argument("--screenshots", type=Path, default=None, help="save a PNG of each view here")
    args = parser.parse_args()
    seconds = 2.0 if args.quick else 4.0
    cases = [("ten_64", TEN_64)] + ([] if args.quick else [("two_512", TWO_512)])
    from playwright.sync_api import sync_playwright

    with LabServer(None) as lab, sync_playwright() as pw:
        name = _notebook(lab.root_dir, cases)
        browser = launch_chromium(pw)
        page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        track_websockets(page)
        open_notebook(page, lab, name)
        wait_kernel_idle(page)
        run_all(page, timeout=180)
        cdp = page.context.new_cdp_session(page)
        cdp.send("Performance.enable")
        _CDP.append(cdp)
        bare = page.evaluate(BARE_RAF_JS, 2000)
        print(f"browser: bare requestAnimationFrame rate {bare:.1f}/s (ceiling on this machine)")
        print(
            f"{'stack':<10} {'hover':<12} {'highlight fps':>14} {'hovers/s':>9} {'ms/highlight':>13} "
            f"{'main ms/frame':>14} {'layout+style ms':>16} {'kernel msgs':>12}"
        )
        worst_fps, messages = float("inf"), 0
        for i, (label, _code) in enumerate(cases):
            root = page.locator(".convkit-rf").nth(i)
            wait_js(page, f"{label} to draw", "(el) => Number(el.dataset.frames) > 0", 120, root.element_handle())
            root.scroll_into_view_if_needed()
            last = len(root.evaluate("(el) => el.ckHeader().maps")) - 1
            for mode, measure in (("mouse", _mouse), ("every frame", _every_frame)):
                r = measure(page, root, last, seconds)
                messages += int(r["messages"])
                if label == "ten_64" and mode == "every frame":
                    worst_fps = min(worst_fps, r["fps"])
                print(
                    f"{label:<10} {mode:<12} {r['fps']:>14.1f} {r['moves_per_s']:>9.1f} {r['ms']:>13.2f} "
                    f"{r['TaskDuration']:>14.2f} {r['LayoutDuration'] + r['RecalcStyleDuration']:>16.2f} "
                    f"{r['messages']:>12}"
                )
            if args.screenshots is not None:
                args.screenshots.mkdir(parents=True, exist_ok=True)
                root.screenshot(path=str(args.screenshots / f"bench-{label}.png"))
        browser.close()
    target = min(TARGET_FPS, bare * 0.95)
    print(
        f"10 layers of 64×64, a new cell every frame: {worst_fps:.1f} highlight frames/s (target {TARGET_FPS:.0f}; "
        f"browser ceiling {bare:.1f}); kernel messages during hovers: {messages} (target 0)"
    )
    return 0 if worst_fps >= target and messages == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
