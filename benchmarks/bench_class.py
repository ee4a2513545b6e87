"""A class of 30 rehearsed on this machine: spawn times, collect/autograde time and peak memory.

    python benchmarks/bench_class.py [--learners 30]

Runs ``deploy/local/class_rehearsal.py``'s rehearsal (a real JupyterHub with configurable-http-proxy, one
local server per learner, the nbgrader exchange, the three faults) and prints its figures. Targets, from
issue 16: every learner submitted and graded, none lost, every fault survived. Times and memory are printed,
not asserted: they depend on what else the machine runs (the load average is printed before and after).
Needs configurable-http-proxy (see ``deploy/local/hub_process.find_chp``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "deploy" / "local"))

from class_rehearsal import p95, rehearse, summary_line  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=30)
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    n = args.learners
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} before the run", flush=True)
    start = time.monotonic()
    problems, fig = rehearse(n, log=lambda m: print(f"  {m}", flush=True))
    wall = time.monotonic() - start
    spawns = fig.get("spawn_s", [])
    print(f"load average after the run: {os.getloadavg()[0]:.1f}")
    print(f"{'figure':<44} {'value':>10}")
    rows = [
        ("learners", n),
        ("hub start, s", fig.get("hub_start_s")),
        ("spawn p50, s", statistics.median(spawns) if spawns else None),
        ("spawn p95, s", p95(spawns) if spawns else None),
        ("spawn max, s", max(spawns) if spawns else None),
        ("respawn after the kill, s", (fig.get("respawn_s") or [None])[0]),
        ("whole class: spawn, fetch, answer, submit, s", fig.get("class_work_s")),
        ("collect, s", fig.get("collect_s")),
        ("autograde (whole class), s", fig.get("autograde_s")),
        ("autograde per learner, s", fig["autograde_s"] / n if "autograde_s" in fig else None),
        ("idle culler stops every server, s", fig.get("cull_s")),
        ("peak RSS, hub + proxy + servers + grading, MB", fig.get("peak_rss_mb")),
        ("peak RSS per learner, MB", fig["peak_rss_mb"] / n if "peak_rss_mb" in fig else None),
        ("wall time of the rehearsal, s", wall),
    ]
    for label, value in rows:
        text = "-" if value is None else (f"{value:10.1f}" if isinstance(value, float) else f"{value:10d}")
        print(f"{label:<44} {text:>10}")
    ok = not problems and fig.get("lost") == 0 and fig.get("graded") == n and fig.get("submitted") == n
    for problem in problems:
        print(f"PROBLEM: {problem}")
    print(f"target: {n}/{n} submitted and graded, 0 lost, every fault survived -> {'PASS' if ok else 'FAIL'}")
    print(summary_line(n, fig))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
