"""A whole class rehearsed on this machine: a real hub, 4 learners, the nbgrader exchange, three faults.

Runs ``deploy/local/class_rehearsal.py --learners 4`` as a learner-facing operator would and reads its verdict:
exit status 0, no PROBLEM line, and the exact last line with 4 submitted, 4 graded, 0 lost. Then checks that
nothing it started is still running (no process left with its working directory in the run's folder).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import psutil
import pytest

from .conftest import LOCAL, require_modules

pytestmark = pytest.mark.slow
require_modules("jupyterhub", "nbgrader", "jupyterhub_idle_culler")

LEARNERS = 4
TIMEOUT = 1500  # s: far above the ~2-3 minutes it takes on 2 busy cores; a hang still ends
LAST_LINE = re.compile(
    rf"^learners {LEARNERS}  submitted {LEARNERS}  graded {LEARNERS}  lost 0  "
    r"p95_spawn_s (\d+\.\d)  peak_rss_mb (\d+)$"
)


def _processes_in(folder: str) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cwd"]):
        cwd = proc.info.get("cwd") or ""
        if cwd.startswith(folder):
            found.append(proc)
    return found


def _stop_tree(proc: subprocess.Popen) -> None:
    """SIGTERM the rehearsal (it stops its hub), then SIGKILL it and its descendants by pid."""
    family = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(180)
    except subprocess.TimeoutExpired:
        pass
    for p in family:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass


def test_class_of_four_submits_and_is_graded_with_nothing_lost(chp, tmp_path):
    env = dict(os.environ, CONVKIT_CHP=chp, TF_CPP_MIN_LOG_LEVEL="2")
    proc = subprocess.Popen(
        [sys.executable, str(LOCAL / "class_rehearsal.py"), "--learners", str(LEARNERS), "--workdir", str(tmp_path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        out, _ = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        _stop_tree(proc)
        out = proc.communicate()[0]
        pytest.fail(f"the rehearsal did not finish within {TIMEOUT} s:\n{out[-4000:]}")
    lines = out.strip().splitlines()
    assert proc.returncode == 0, out[-4000:]
    assert not [ln for ln in lines if ln.startswith("PROBLEM")], out[-4000:]
    match = LAST_LINE.match(lines[-1])
    assert match, f"unexpected last line: {lines[-1]!r}"
    assert float(match[1]) > 0 and int(match[2]) > 100  # a hub, a proxy and 5 servers use well over 100 MB
    assert "instructor released the assignment through the exchange" in out
    leftovers = _processes_in(str(tmp_path))
    assert not leftovers, f"processes left running: {[(p.pid, p.name()) for p in leftovers]}"
    assert not list(tmp_path.iterdir()), "the rehearsal's folder was not removed"
