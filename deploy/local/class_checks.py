"""The rehearsal's verdicts: each function compares what happened with what should have, and returns problems.

A problem is one sentence naming the learner (or the service) and what differs. An empty list means it held.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

import psutil
from hub_api import Hub, UserServer
from hub_process import HubProcess

__all__ = ["Learner", "PeakMemory", "check_formgrader", "check_grades", "check_culler", "p95", "summary_line"]


@dataclass
class Learner:
    """One learner of the rehearsal and what happened to them."""

    name: str
    index: int
    plan: dict[str, str]
    token: str = ""
    role: str | None = None  # "killed", "double", "late" or None
    spawn_s: float | None = None
    respawn_s: float | None = None
    intact_after_kill: bool | None = None
    submissions: int = 0
    error: str | None = None


def p95(values: list[float]) -> float:
    """The 95th percentile (nearest rank); nan for no values."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)] if ordered else float("nan")


def summary_line(learners: int, figures: dict) -> str:
    """The rehearsal's last line."""
    return (
        f"learners {learners}  submitted {figures.get('submitted', 0)}  graded {figures.get('graded', 0)}  "
        f"lost {figures.get('lost', learners)}  p95_spawn_s {figures.get('p95_spawn_s', float('nan')):.1f}  "
        f"peak_rss_mb {figures.get('peak_rss_mb', 0):.0f}"
    )


class PeakMemory(threading.Thread):
    """Samples, each second, the RSS of the hub's process tree plus this driver's children (nbgrader, kernels)."""

    def __init__(self, hub: HubProcess, interval: float = 1.0) -> None:
        super().__init__(daemon=True)
        self.hub, self.interval, self.peak = hub, interval, 0
        self._stop_event = threading.Event()

    def sample(self) -> int:
        procs = self.hub.remember_descendants() + psutil.Process().children(recursive=True)
        total = 0
        for p in {p.pid: p for p in procs}.values():
            try:
                total += p.memory_info().rss
            except psutil.NoSuchProcess:
                pass
        return total

    def run(self) -> None:
        while not self._stop_event.wait(self.interval):
            self.peak = max(self.peak, self.sample())

    def stop(self) -> int:
        self._stop_event.set()
        if self.ident is not None:  # it was started
            self.join(10)
        return self.peak


def check_formgrader(instructor: UserServer, learner: UserServer) -> list[str]:
    """Formgrader answers on the instructor's server and is absent from a learner's."""
    problems = []
    if (status := instructor.formgrader_status()) != 200:
        problems.append(f"formgrader on the instructor's server answered {status}, expected 200")
    if (status := learner.formgrader_status()) != 404:
        problems.append(f"formgrader on {learner.name}'s server answered {status}; learners must not have it")
    return problems


def check_grades(
    people: list[Learner],
    inbound: dict[str, list[str]],
    grades: dict[str, dict],
    expected: dict[str, dict[str, float]],
    draft_score: dict[str, float],
) -> tuple[dict, list[str]]:
    """Compare the exchange and the gradebook with what each learner did and deserved.

    ``inbound``: student id -> submission folders; ``grades``: from :meth:`course.Course.grades`;
    ``expected``: learner -> graded cell -> points; ``draft_score``: expected score of each double submitter's
    first submission. Returns (figures: submitted, graded, lost, misgraded; problems).
    """
    problems = []
    names = {p.name for p in people}
    if strangers := sorted(set(inbound) - names):
        problems.append(
            f"submissions under ids that are no learner's: {strangers} (one student for everyone? "
            "see the nbgrader identity in class_spawner.py)"
        )
    figures = {
        "submitted": sum(1 for p in people if inbound.get(p.name)),
        "graded": sum(1 for p in people if grades.get(p.name, {}).get("score") is not None),
        "misgraded": 0,
    }
    for p in people:
        if (have := len(inbound.get(p.name, []))) != p.submissions:
            problems.append(f"{p.name}: {have} submissions in the exchange, made {p.submissions}")
        if p.name not in grades:
            continue
        got, want = grades[p.name], expected[p.name]
        wrong_cells = {
            g: (got["cells"].get(g), e) for g, e in want.items() if abs((got["cells"].get(g) or 0.0) - e) > 1e-9
        }
        if wrong_cells or abs((got["score"] or 0.0) - sum(want.values())) > 1e-9:
            figures["misgraded"] += 1
            problems.append(
                f"{p.name}: scored {got['score']}, expected {sum(want.values())}; cells (got, expected): {wrong_cells}"
            )
        if got["late"] != (p.role == "late"):
            problems.append(f"{p.name}: flagged late={got['late']}, expected late={p.role == 'late'}")
        if p.role == "killed" and not p.intact_after_kill:
            problems.append(f"{p.name}: the work saved before the server was killed was not intact")
        if p.role == "double" and abs(draft_score[p.name] - sum(want.values())) < 1e-9:
            problems.append(f"{p.name}: first and second submission deserve the same score: the check has no teeth")
    lost = [p.name for p in people if p.name not in grades]
    figures["lost"] = len(lost)
    if lost:
        problems.append(f"lost (no graded submission): {lost}")
    return figures, problems


def check_culler(hub: Hub, hubp: HubProcess, users: list[str], wait: float = 300) -> tuple[float, list[str]]:
    """The hub's idle-culler service runs; the same program with a 1 s timeout stops every idle server.

    Returns (seconds until no server was left, problems). The extra culler is stopped by pid.
    """
    problems = []
    service = hub.services().get("idle-culler", {})
    if not service.get("pid") or not psutil.pid_exists(service["pid"]):
        problems.append(f"the idle-culler hub service is not running: {service}")
    env = dict(os.environ, JUPYTERHUB_API_TOKEN=hubp.driver_token, JUPYTERHUB_API_URL=hubp.api)
    culler = subprocess.Popen(
        [sys.executable, "-m", "jupyterhub_idle_culler", "--timeout=1", "--cull-every=2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    start = time.monotonic()
    try:
        running = list(users)
        while running and time.monotonic() - start < wait:
            time.sleep(1)
            running = [u for u in users if hub.server(u)]
        if running:
            problems.append(f"the idle culler left {len(running)} servers running after {wait:.0f} s")
        return time.monotonic() - start, problems
    finally:
        culler.terminate()
        try:
            culler.wait(10)
        except subprocess.TimeoutExpired:
            culler.kill()
            culler.wait(10)
