"""In-browser frames per second of the KernelTraversal widget, and messages sent to the kernel per frame.

    python benchmarks/bench_traversal_browser.py            # Example 3 (128×128, k3, s4) and 512×512
    python benchmarks/bench_traversal_browser.py --quick    # Example 3 only, shorter windows

Starts an isolated JupyterLab and the system Chromium (same helpers as tests/browser/lab.py), runs a notebook
that displays the widget, plays it at several speeds and prints, side by side:

* the page's bare ``requestAnimationFrame`` rate (the ceiling of this browser on this machine),
* the widget's drawn frames per second (its ``data-frames`` counter) and steps per second,
* the main-thread time per frame (Chrome's ``TaskDuration`` metric over the window / frames drawn),
* websocket frames the page sent to the kernel during playback, per drawn frame,
* the drawn cell size and how often the background is redrawn (large inputs follow the kernel through a zoomed
  view that is redrawn only when it moves to a new page); 512×512 also with "follow kernel" off (the whole map at
  under 1 px per cell) for the ratio of the two.

Targets: 60 frames/s where the browser itself reaches 60; 0 kernel messages per frame; cells of at least 8 px.
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
BARE_RAF_JS = """(ms) => new Promise(resolve => {
  let n = 0; const t0 = performance.now();
  const f = (t) => { n++; if (t - t0 < ms) requestAnimationFrame(f); else resolve(n * 1000 / (t - t0)); };
  requestAnimationFrame(f);
})"""


def _notebook(root: Path, cases: list[tuple[str, str]]) -> str:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("import convkit")]
    nb.cells += [nbformat.v4.new_code_cell(f"{name} = {code}\n{name}") for name, code in cases]
    nbformat.write(nb, str(root / "bench_traversal_browser.ipynb"))
    return "bench_traversal_browser.ipynb"


_METRICS = ("TaskDuration", "ScriptDuration", "LayoutDuration", "RecalcStyleDuration")


def _task_seconds(cdp: Any) -> dict[str, float]:
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return {k: float(metrics.get(k, 0.0)) for k in _METRICS}


def _measure(page: Any, cdp: Any, root: Any, speed: float, seconds: float) -> dict[str, float]:
    root.locator(".ck-first").click()
    root.locator(".ck-speed").fill(str(speed))
    root.locator(".ck-loop").uncheck()  # speeds are picked so a window ends before the last step
    page.wait_for_timeout(500)  # let the one loop/step sync of the clicks above go out first
    with count_sent_ws_frames(page) as sent:
        root.locator(".ck-play").click()
        wait_js(page, "playback to start", "(el) => el.dataset.playing === 'true'", 10, root.element_handle())
        f0, s0, t0, c0 = (
            int(root.get_attribute("data-frames")),
            int(root.get_attribute("data-step")),
            time.monotonic(),
            _task_seconds(cdp),
        )
        b0 = int(root.get_attribute("data-base-draws") or 0)
        page.wait_for_timeout(seconds * 1000)
        f1, s1, t1, c1 = (
            int(root.get_attribute("data-frames")),
            int(root.get_attribute("data-step")),
            time.monotonic(),
            _task_seconds(cdp),
        )
        b1 = int(root.get_attribute("data-base-draws") or 0)
        during = sent.count
    root.locator(".ck-play").click()  # pause: this sends the one step sync
    frames, dt = f1 - f0, t1 - t0
    return {
        "fps": frames / dt,
        "steps_per_s": (s1 - s0) / dt,
        "ms_per_frame": 1000 * (c1["TaskDuration"] - c0["TaskDuration"]) / max(frames, 1),
        "messages": during,
        **{f"{k}_ms": 1000 * (c1[k] - c0[k]) / max(frames, 1) for k in _METRICS[1:]},
        "messages_per_frame": during / max(frames, 1),
        "base_per_frame": (b1 - b0) / max(frames, 1),
        "cell_px": float(root.get_attribute("data-cell-size") or 0),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Example 3 only, 2 s windows")
    args = parser.parse_args()
    seconds = 2.0 if args.quick else 3.5
    # (label, constructor, speeds in steps/s): Example 3 has 1,024 steps, 512×512 has 260,100
    cases = [("example_3", "convkit.KernelTraversal((128, 128), 3, strides=4)", (60, 240))]
    if not args.quick:
        cases.append(("big_512", "convkit.KernelTraversal((512, 512), 3)", (60, 5000)))
    from playwright.sync_api import sync_playwright

    with LabServer(None) as lab, sync_playwright() as pw:
        name = _notebook(lab.root_dir, [(label, code) for label, code, _ in cases])
        browser = launch_chromium(pw)
        page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        track_websockets(page)
        open_notebook(page, lab, name)
        wait_kernel_idle(page)
        run_all(page, timeout=120)
        cdp = page.context.new_cdp_session(page)
        cdp.send("Performance.enable")
        bare = page.evaluate(BARE_RAF_JS, 2000)
        print(f"browser: bare requestAnimationFrame rate {bare:.1f}/s (ceiling on this machine)")
        print(
            f"{'widget':<18} {'speed':>7} {'fps':>6} {'steps/s':>8} {'ms/frame':>9} {'kernel msgs':>12} "
            f"{'msgs/frame':>11} {'cell px':>8} {'bg/frame':>9}"
        )
        worst = 0.0
        per_frame: dict[str, float] = {}
        for i, (label, _code, speeds) in enumerate(cases):
            root = page.locator(".convkit-traversal").nth(i)
            wait_js(page, f"{label} to draw", "(el) => Number(el.dataset.frames) > 0", 60, root.element_handle())
            root.scroll_into_view_if_needed()
            views = [("", True)] + ([(" (whole map)", False)] if label == "big_512" else [])
            for suffix, follow in views:
                root.locator(".ck-follow").set_checked(follow)
                page.wait_for_timeout(300)
                for speed in speeds:
                    r = _measure(page, cdp, root, speed, seconds)
                    worst = max(worst, r["messages_per_frame"])
                    per_frame[f"{label}{suffix}@{speed}"] = r["ms_per_frame"]
                    print(
                        f"{label + suffix:<18} {speed:>7} {r['fps']:>6.1f} {r['steps_per_s']:>8.0f} "
                        f"{r['ms_per_frame']:>9.2f} {r['messages']:>12} {r['messages_per_frame']:>11.3f} "
                        f"{r['cell_px']:>8.1f} {r['base_per_frame']:>9.3f}   (script "
                        f"{r['ScriptDuration_ms']:.2f}, layout {r['LayoutDuration_ms']:.2f}, style "
                        f"{r['RecalcStyleDuration_ms']:.2f} ms/frame)"
                    )
        for speed in (60, 5000):
            a, b = per_frame.get(f"big_512@{speed}"), per_frame.get(f"big_512 (whole map)@{speed}")
            if a and b:
                print(f"512×512 at {speed} steps/s: follow view / whole map main-thread time per frame = {a / b:.2f}")
        print(
            f"targets: {TARGET_FPS:.0f} frames/s where the bare rate allows it; 0 kernel messages per frame "
            f"(worst seen: {worst:.3f})"
        )
        browser.close()
        lab.delete_sessions()
    return 0


if __name__ == "__main__":
    sys.exit(main())
