"""A whole class on one machine: a real JupyterHub, N learners, the nbgrader exchange, faults included.

    python deploy/local/class_rehearsal.py --learners 4

1. Starts the hub of ``jupyterhub_config.py`` (configurable-http-proxy, local-process servers, idle culler)
   on free 127.0.0.1 ports, in a temporary folder; creates an instructor and N learners with tokens (REST API).
2. The instructor makes the course with ``tools/make_course.py`` and releases ``05_exercises`` through the
   exchange, due tomorrow.
3. Every learner, concurrently and as themselves on their own hub-spawned server: fetches the assignment
   (nbgrader's server extension), writes a fixed mix of right, wrong and blank answers (contents API), submits.
   Faults: learner 1's server is killed mid-work and respawned (their saved work must be intact); learner 2
   submits twice (the second must count); learner 3 submits after the due date (must be flagged late).
4. The instructor collects and autogrades; each learner's per-cell score must equal what the reference grader
   (``answers.py``) expects for their answers. Then the idle culler program stops every idle server.

The last line is ``learners N  submitted N  graded N  lost 0  p95_spawn_s X  peak_rss_mb Y``; the exit status
is 1 when anything was lost, misgraded or a fault not survived, 2 when the rehearsal could not run. Every
process it started is stopped by pid, also on failure.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from answers import AnswerKey, fill, plan_for, reference_scores  # noqa: E402
from class_checks import Learner, PeakMemory, check_culler, check_formgrader, check_grades, p95, summary_line  # noqa: E402
from course import Course  # noqa: E402
from hub_api import Hub, HubError, UserServer  # noqa: E402
from hub_process import HubProcess  # noqa: E402

INSTRUCTOR = "instructor"
ROLES = {0: "killed", 1: "double", 2: "late"}
WAIT = 600  # the longest any one phase may wait on 2 shared cores


@dataclass
class Rehearsal:
    """One rehearsal run; :meth:`run` returns the list of problems (empty when everything held)."""

    learners: int
    root: Path
    log: Callable[[str], None] = print
    figures: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def run(self) -> list[str]:
        self.hubp = HubProcess(self.root, instructors=(INSTRUCTOR,))
        self.memory = PeakMemory(self.hubp)
        try:
            self._run()
        finally:
            self.figures["peak_rss_mb"] = max(self.memory.stop(), self.memory.sample()) / 2**20
            leftovers = self.hubp.stop()
            self.figures["killed_after_stop"] = len(leftovers)
        return self.problems

    # ------------------------------------------------------------------ phases
    def _run(self) -> None:
        hubp = self.hubp
        started = time.monotonic()
        hubp.start()
        self.memory.start()
        self.hub = Hub(hubp.api, hubp.driver_token)
        names = [f"learner{i + 1:02d}" for i in range(self.learners)]
        self.hub.create_users([INSTRUCTOR, *names])
        self.figures["hub_start_s"] = time.monotonic() - started
        self.log(f"hub up at {hubp.url} in {self.figures['hub_start_s']:.1f} s; {len(names)} learners created")

        course = self.course = Course(hubp.homes / INSTRUCTOR, hubp.exchange, course_id=hubp.course_id)
        course.make()
        self.hub.spawn(INSTRUCTOR)
        instructor = UserServer(hubp.url, INSTRUCTOR, self.hub.new_token(INSTRUCTOR))
        course.release(datetime.now(timezone.utc) + timedelta(days=1))
        self.log("instructor released the assignment through the exchange")

        source = json.loads(course.source_notebook.read_text(encoding="utf-8"))
        release = json.loads(course.release_notebook.read_text(encoding="utf-8"))
        self.key = key = AnswerKey.from_notebooks(source, release)
        people = [Learner(n, i, plan_for(key, i), role=ROLES.get(i)) for i, n in enumerate(names)]
        for person in people:
            person.token = self.hub.new_token(person.name)
        self.expected = self._expected(people)

        self.deadline_moved = threading.Event()
        t0 = time.monotonic()
        with ThreadPoolExecutor(max_workers=len(people)) as pool:
            futures = {pool.submit(self._learner, p): p for p in people}
            on_time = [f for f, p in futures.items() if p.role != "late"]
            for future in on_time:
                future.exception(timeout=WAIT)
            course.set_duedate(datetime.now(timezone.utc))  # the due date passes now
            time.sleep(1.0)
            self.deadline_moved.set()
            for future in futures:
                future.exception(timeout=WAIT)
        self.figures["class_work_s"] = time.monotonic() - t0
        self.people = people
        for p in people:
            if p.error:
                self.problems.append(f"{p.name}: {p.error}")
        spawns = [p.spawn_s for p in people if p.spawn_s is not None]
        self.figures["spawn_s"] = spawns
        self.figures["respawn_s"] = [p.respawn_s for p in people if p.respawn_s is not None]
        self.figures["p95_spawn_s"] = p95(spawns)
        self.figures["max_spawn_s"] = max(spawns, default=float("nan"))
        self.log(f"class worked in {self.figures['class_work_s']:.1f} s; spawn p95 {self.figures['p95_spawn_s']:.1f} s")

        last = people[-1]
        self.problems += check_formgrader(instructor, UserServer(hubp.url, last.name, last.token))
        inbound = course.inbound()
        collect_s, autograde_s = course.collect_and_autograde()
        self.figures.update(collect_s=collect_s, autograde_s=autograde_s)
        self.log(f"collect {collect_s:.1f} s, autograde {autograde_s:.1f} s")
        drafts = {p.name: self.draft_score(p) for p in people if p.role == "double"}
        figures, problems = check_grades(people, inbound, course.grades(), self.expected, drafts)
        self.figures.update(figures)
        self.problems += problems
        self.figures["cull_s"], problems = check_culler(self.hub, hubp, names + [INSTRUCTOR])
        self.problems += problems
        self.log(f"the idle culler stopped every server in {self.figures.get('cull_s', float('nan')):.1f} s")

    def _expected(self, people: list[Learner]) -> dict[str, dict[str, float]]:
        key = self.key
        answers = {p.name: key.answers(p.plan) for p in people}
        answers["_all_right"] = key.answers(key.uniform("right"))
        answers["_all_blank"] = key.answers(key.uniform("blank"))
        expected = reference_scores(self.course.source_notebook, answers)
        if sum(expected["_all_right"].values()) != key.max_score or sum(expected["_all_blank"].values()) != 0:
            raise RuntimeError(
                "the reference grader does not give the solutions full marks and the blank release "
                f"zero: {sum(expected['_all_right'].values())} and "
                f"{sum(expected['_all_blank'].values())} of {key.max_score}"
            )
        return expected

    def _draft_kind(self, person: Learner) -> str:
        final = sum(self.expected[person.name].values())
        return "right" if final < self.key.max_score else "blank"

    def draft_for(self, person: Learner) -> dict[str, str]:
        """A first submission whose expected score differs from the learner's final one."""
        return self.key.answers(self.key.uniform(self._draft_kind(person)))

    def draft_score(self, person: Learner) -> float:
        return sum(self.expected[f"_all_{self._draft_kind(person)}"].values())

    # ------------------------------------------------------------------ one learner
    def _learner(self, person: Learner) -> None:
        try:
            self._learner_steps(person)
        except Exception as exc:  # noqa: BLE001 (reported as a problem with the learner's name)
            person.error = f"{type(exc).__name__}: {exc}"

    def _learner_steps(self, person: Learner) -> None:
        hub, course = self.hub, self.course
        person.spawn_s = hub.spawn(person.name)
        me = UserServer(self.hubp.url, person.name, person.token)
        released = [a for a in me.assignments(course.course_id) if a["assignment_id"] == course.assignment]
        if not released:
            raise HubError("the released assignment is not listed")
        fetched = [
            a
            for a in me.assignment_action("fetch", course.course_id, course.assignment)
            if a["assignment_id"] == course.assignment and a["status"] == "fetched"
        ]
        if not fetched:
            raise HubError("fetch did not leave a fetched copy")
        path = fetched[0]["notebooks"][0]["path"]
        answers = self.key.answers(person.plan)
        notebook = me.read_notebook(path)
        if person.role == "killed":
            first = dict(list(answers.items())[: len(answers) // 2])
            me.save_notebook(path, fill(notebook, first))
            os.kill(hub.server_pid(person.name), signal.SIGKILL)
            hub.wait_stopped(person.name)
            person.respawn_s = hub.spawn(person.name)
            notebook = me.read_notebook(path)
            found = {
                c["metadata"]["nbgrader"]["grade_id"]: c["source"]
                for c in notebook["cells"]
                if c["metadata"].get("nbgrader", {}).get("grade_id") in first
            }
            person.intact_after_kill = found == first
        if person.role == "double":
            me.save_notebook(path, fill(notebook, self.draft_for(person)))
            me.assignment_action("submit", course.course_id, course.assignment)
            person.submissions += 1
            time.sleep(1.1)  # nbgrader orders submissions by their timestamps
        me.save_notebook(path, fill(notebook, answers))
        if person.role == "late" and not self.deadline_moved.wait(WAIT):
            raise HubError("the due date was never moved")
        me.assignment_action("submit", course.course_id, course.assignment)
        person.submissions += 1


def rehearse(learners: int, keep: bool = False, log=print, workdir: Path | None = None) -> tuple[list[str], dict]:
    """Run one rehearsal in a fresh folder (a new temporary one, or inside ``workdir``); return
    (problems, figures). The folder is removed afterwards unless ``keep``."""
    if learners < len(ROLES):
        raise ValueError(
            f"the rehearsal needs at least {len(ROLES)} learners, one for each fault "
            f"({', '.join(ROLES.values())}). Received: learners={learners}"
        )
    if workdir is not None:
        Path(workdir).mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="convkit-class-", dir=workdir))
    rehearsal = Rehearsal(learners, root, log=log)
    try:
        problems = rehearsal.run()
    finally:
        if keep:
            log(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    return problems, rehearsal.figures


def _stop_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds through every finally: the hub and its servers are stopped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=4, help="class size (at least 3)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (hub log, homes, course)")
    parser.add_argument("--workdir", type=Path, help="make the temporary folder inside this one")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    if args.learners < len(ROLES):
        parser.error(
            f"--learners must be at least {len(ROLES)} (one learner per fault). Received: --learners {args.learners}"
        )
    figures: dict = {}
    try:
        problems, figures = rehearse(
            args.learners, keep=args.keep, log=lambda m: print(m, flush=True), workdir=args.workdir
        )
        status = 1 if problems or figures.get("lost") or figures.get("misgraded") else 0
    except Exception as exc:  # noqa: BLE001 (the rehearsal could not run: say why, exit 2)
        problems, status = [f"the rehearsal could not run: {type(exc).__name__}: {exc}"], 2
    for problem in problems:
        print(f"PROBLEM: {problem}", flush=True)
    print(summary_line(args.learners, figures), flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
