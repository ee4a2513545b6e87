"""A 28×28 transposed traversal (Conv2DTranspose, kernel 3, strides 2) in JupyterLab: frames per second in Chromium,
messages sent to the kernel during playback, and the time its GIF export takes.

    python benchmarks/bench_transpose_browser.py

Starts an isolated JupyterLab and the system Chromium (tests/browser/lab.py), plays the widget at 60 steps/s in both
views and prints, side by side: the page's bare requestAnimationFrame rate (this machine's ceiling), the widget's
drawn frames per second (its ``data-frames`` counter), steps per second, and the websocket frames the page sent to
the kernel while playing. Then times ``w.save("…gif")`` (60 frames) in this process.
Targets: 60 frames/s where the bare rate allows it, 0 kernel messages, GIF export ≤ 3 s.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from _browser_bench import BARE_RAF_JS  # noqa: E402

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

CODE = "import convkit\nw = convkit.TransposedKernelTraversal((28, 28), 3, strides=2, speed=60, loop=True)\nw"


def _gif_seconds() -> tuple[float, float, int]:
    from convkit import TransposedKernelTraversal

    w = TransposedKernelTraversal((28, 28), 3, strides=2)
    with tempfile.TemporaryDirectory() as tmp:
        t0, c0 = time.perf_counter(), time.process_time()
        out = w.save(Path(tmp) / "t.gif")
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        from PIL import Image

        with Image.open(out) as gif:
            frames = gif.n_frames
    return seconds, cpu, frames


def main() -> int:
    import nbformat
    from playwright.sync_api import sync_playwright

    with LabServer(None) as lab, sync_playwright() as pw:
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
        nb.cells = [nbformat.v4.new_code_cell(CODE)]
        nbformat.write(nb, str(lab.root_dir / "bench_transpose.ipynb"))
        browser = launch_chromium(pw)
        page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        track_websockets(page)
        open_notebook(page, lab, "bench_transpose.ipynb")
        wait_kernel_idle(page)
        run_all(page, timeout=120)
        root = page.locator(".convkit-transpose").first
        wait_js(page, "the widget to draw", "(el) => Number(el.dataset.frames) > 0", 60, root.element_handle())
        root.scroll_into_view_if_needed()
        bare = page.evaluate(BARE_RAF_JS, 2000)
        print(f"browser: bare requestAnimationFrame rate {bare:.1f}/s (ceiling on this machine)")
        print(f"{'view':<14} {'fps':>6} {'steps/s':>8} {'kernel msgs':>12}")
        for view in ("scatter", "direct"):
            root.locator(f".ck-view[data-view='{view}']").click()
            page.wait_for_timeout(500)
            with count_sent_ws_frames(page) as sent:
                root.locator(".ck-play").click()
                wait_js(page, "playback", "(el) => el.dataset.playing === 'true'", 10, root.element_handle())
                f0, s0, t0 = (
                    int(root.get_attribute("data-frames")),
                    int(root.get_attribute("data-step")),
                    time.monotonic(),
                )
                page.wait_for_timeout(3000)
                f1, s1, t1 = (
                    int(root.get_attribute("data-frames")),
                    int(root.get_attribute("data-step")),
                    time.monotonic(),
                )
                during = sent.count
            root.locator(".ck-play").click()
            steps = (s1 - s0) % 10**9
            print(f"{view:<14} {(f1 - f0) / (t1 - t0):>6.1f} {steps / (t1 - t0):>8.1f} {during:>12}")
        browser.close()
        lab.delete_sessions()
    seconds, cpu, frames = _gif_seconds()
    load = os.getloadavg()[0]
    print(
        f"GIF export (28×28, Conv2DTranspose 3, strides 2, scatter view): {frames} frames in {seconds:.2f} s "
        f"({cpu:.2f} s of CPU; load average {load:.1f} on {os.cpu_count()} cores)"
    )
    print("targets: 60 frames/s where the bare rate allows it; 0 kernel messages; GIF export <= 3 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
