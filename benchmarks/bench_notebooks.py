"""Run each learner notebook as a learner would and print time and memory; then replay a whole Binder session.

    python benchmarks/bench_notebooks.py [names...]          # per-notebook table, then the Binder session
    python benchmarks/bench_notebooks.py --no-browser        # per-notebook table only

Per notebook (nbclient, one kernel at a time): wall time from kernel start to the last cell, the peak resident
memory of its kernel process (and children) sampled with psutil every 20 ms, and the kernel's own ``ru_maxrss``
read in an extra last cell as a cross-check. Targets: every kernel <= 700 MB and all notebooks together <= 90 s.

Binder session (needs Playwright and Chromium, like tests/browser): a real JupyterLab with the configuration
``binder/postBuild`` installs, every notebook opened one after another in one page and run top to bottom, once
closing each tab and once leaving them all open. It prints the peak of the memory a container's cgroup charges
(resident pages of the server and kernels counted once), beside the PSS and RSS sums; RSS counts TensorFlow's
shared libraries once per kernel. Target: peak + the sampler's 64 MB step under Binder's 2 GB (2e9 bytes).
The load average is printed too: on a shared machine the times depend on it.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import psutil
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TARGET_KERNEL_MB = 700
TARGET_TOTAL_S = 90
MAXRSS_CELL = "import resource\nprint('ru_maxrss_kb', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"


class PeakRSS(threading.Thread):
    """Samples the RSS of a process and its children until stopped; keeps the peak (bytes)."""

    def __init__(self, pid: int, interval: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.interval = interval
        self.peak = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                procs = [self.process, *self.process.children(recursive=True)]
                self.peak = max(self.peak, sum(p.memory_info().rss for p in procs))
            except psutil.NoSuchProcess:
                return
            self._stop_event.wait(self.interval)

    def stop(self) -> int:
        self._stop_event.set()
        self.join(timeout=5)
        return self.peak


def run_notebook(path: Path) -> dict:
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(new_code_cell(MAXRSS_CELL))
    sampler: list[PeakRSS] = []

    def on_start(notebook) -> None:  # the kernel exists now: follow its process
        sampler.append(PeakRSS(client.km.provisioner.process.pid))
        sampler[0].start()

    with tempfile.TemporaryDirectory(prefix=f"bench-{path.stem}-") as workdir:
        client = NotebookClient(
            nb,
            timeout=300,
            kernel_name="python3",
            on_notebook_start=on_start,
            resources={"metadata": {"path": workdir}},
        )
        start = time.perf_counter()
        client.execute(cwd=workdir)
        wall = time.perf_counter() - start
    peak = sampler[0].stop() if sampler else 0
    maxrss_kb = next(
        int(line.split()[1])
        for o in nb.cells[-1].outputs
        if o.output_type == "stream"
        for line in o.text.splitlines()
        if line.startswith("ru_maxrss_kb")
    )
    return {"name": path.stem, "wall": wall, "peak_mb": peak / 2**20, "maxrss_mb": maxrss_kb / 1024}


def binder_session(names: list[str]) -> bool:
    """Replay the Binder session in both modes and print its memory figures; return whether the target holds."""
    from playwright.sync_api import sync_playwright

    from tests.browser.binder_session import BINDER_LIMIT_BYTES, STEP, binder_lab_server, run_session
    from tests.browser.lab import launch_chromium

    mb = 2**20
    print(
        f"\nBinder session: JupyterLab with binder/'s configuration, {len(names)} notebooks opened one after"
        " another in one page, each run top to bottom"
    )
    results = []
    with binder_lab_server(ROOT / "notebooks") as server, sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            for close in (True, False):
                start = time.perf_counter()
                result = run_session(browser, server, names, close_tabs=close)
                results.append((result, time.perf_counter() - start))
                print(result.report(), flush=True)
        finally:
            browser.close()
    limit = BINDER_LIMIT_BYTES / mb
    print(
        f"\n{'session':<13} {'peak counted MB':>15} {'PSS sum MB':>11} {'RSS sum MB':>11} {'RSS/counted':>11}"
        f" {'kernels':>8} {'wall s':>7}"
    )
    ok = True
    for result, wall in results:
        peak = result.peak
        fits = peak.counted + STEP < BINDER_LIMIT_BYTES and all(v.ran for v in result.visits)
        ok = ok and fits
        print(
            f"{result.name:<13} {peak.counted / mb:15.0f} {peak.pss / mb:11.0f} {peak.rss / mb:11.0f}"
            f" {peak.rss / peak.counted:11.2f} {peak.processes - 1:8d} {wall:7.1f}"
        )
        print(
            f"  target: peak + {STEP / mb:.0f} MB < {limit:.0f} MB (2 GB) -> {'PASS' if fits else 'FAIL'};"
            f" highest RSS sum sampled {result.peak_rss / mb:.0f} MB",
            flush=True,
        )
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="notebook names (default: all in notebooks/)")
    parser.add_argument("--no-browser", action="store_true", help="skip the Binder session in Chromium")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    paths = sorted((ROOT / "notebooks").glob("*.ipynb"))
    if args.names:
        paths = [p for p in paths if p.stem in args.names or p.name in args.names]
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} before the run")
    print(f"{'notebook':<36} {'wall s':>7} {'peak RSS MB':>12} {'ru_maxrss MB':>13}")
    rows = []
    for path in paths:
        row = run_notebook(path)
        rows.append(row)
        print(f"{row['name']:<36} {row['wall']:7.1f} {row['peak_mb']:12.0f} {row['maxrss_mb']:13.0f}", flush=True)
    total = sum(r["wall"] for r in rows)
    worst = max(max(r["peak_mb"], r["maxrss_mb"]) for r in rows)
    print(f"{'total':<36} {total:7.1f}")
    print(f"load average after the run: {os.getloadavg()[0]:.1f}")
    ok_mem, ok_time = worst <= TARGET_KERNEL_MB, total <= TARGET_TOTAL_S
    print(f"target: every kernel <= {TARGET_KERNEL_MB} MB: largest {worst:.0f} MB -> {'PASS' if ok_mem else 'FAIL'}")
    print(f"target: all notebooks <= {TARGET_TOTAL_S} s: {total:.1f} s -> {'PASS' if ok_time else 'FAIL'}")
    ok_session = True
    if not args.no_browser:
        ok_session = binder_session([p.name for p in paths])
    return 0 if ok_mem and ok_time and ok_session else 1


if __name__ == "__main__":
    sys.exit(main())
