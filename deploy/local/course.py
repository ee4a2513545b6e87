"""The instructor's side of the rehearsal: the course folder, nbgrader commands, the exchange, the gradebook.

The instructor works in ``<their home>/course`` with the environment their hub server has (``HOME``, their
``~/.jupyter`` with the exchange root and course id written by the spawn hook), running nbgrader from the
command line as in a terminal of their server.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import psutil

__all__ = ["Course", "utc_stamp"]

ROOT = Path(__file__).resolve().parents[2]
MAKE_COURSE = ROOT / "tools" / "make_course.py"


def utc_stamp(when: datetime | None = None) -> str:
    """A time as nbgrader reads it (``2026-01-31 12:00:00.000000 UTC``)."""
    return (when or datetime.now(timezone.utc)).strftime("%Y-%m-%d %H:%M:%S.%f UTC")


def run_bounded(cmd: list[str], *, cwd: Path, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess:
    """Run ``cmd``; on timeout kill it and everything it started (kernels), by pid, then raise."""
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            family = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
        except psutil.NoSuchProcess:
            family = []
        for p in reversed(family):
            try:
                p.kill()
            except psutil.NoSuchProcess:
                pass
        proc.communicate()
        raise TimeoutError(f"{' '.join(cmd[2:])} did not finish within {timeout:.0f} s") from None
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


@dataclass
class Course:
    """The course of instructor ``home`` (``home/course``), its ``assignment`` and the exchange."""

    home: Path
    exchange: Path
    course_id: str = "convkit"
    assignment: str = "convkit_shapes"
    folder_name: str = "course"
    timeout: float = 900

    @property
    def folder(self) -> Path:
        return self.home / self.folder_name

    def make(self) -> None:
        """Create the course folder with the project's ``tools/make_course.py`` (source = notebooks/05)."""
        self.home.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                sys.executable,
                str(MAKE_COURSE),
                str(self.folder),
                "--course-id",
                self.course_id,
                "--assignment",
                self.assignment,
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )

    def nbgrader(self, *args: str) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "JPY_"))}
        env.update(
            HOME=str(self.home),
            JUPYTER_CONFIG_DIR=str(self.home / ".jupyter"),
            TF_CPP_MIN_LOG_LEVEL="2",
            PATH=str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", ""),
        )
        result = run_bounded([sys.executable, "-m", "nbgrader", *args], cwd=self.folder, env=env, timeout=self.timeout)
        if result.returncode != 0:
            raise RuntimeError(
                f"nbgrader {' '.join(args)} exited {result.returncode}:\n"
                f"{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
            )
        return result

    # --- release
    def set_duedate(self, when: datetime) -> None:
        self.nbgrader("db", "assignment", "add", self.assignment, f"--duedate={utc_stamp(when)}")

    def release(self, duedate: datetime) -> None:
        self.set_duedate(duedate)
        self.nbgrader("generate_assignment", self.assignment, "--force")
        self.nbgrader("release_assignment", self.assignment, "--force")

    @property
    def source_notebook(self) -> Path:
        return next((self.folder / "source" / self.assignment).glob("*.ipynb"))

    @property
    def release_notebook(self) -> Path:
        return next((self.folder / "release" / self.assignment).glob("*.ipynb"))

    # --- the exchange
    def inbound(self) -> dict[str, list[str]]:
        """Submissions waiting in the exchange: student id -> their submission folders (oldest first)."""
        folder = self.exchange / self.course_id / "inbound"
        found: dict[str, list[str]] = {}
        for entry in sorted(folder.iterdir()) if folder.is_dir() else []:
            student, assignment, *_ = entry.name.split("+")
            if assignment == self.assignment:
                found.setdefault(student, []).append(entry.name)
        for names in found.values():
            names.sort(key=lambda n: n.split("+")[2])
        return found

    # --- collect and grade
    def collect_and_autograde(self) -> tuple[float, float]:
        """``nbgrader collect`` then ``nbgrader autograde`` for the whole class; their wall times (s)."""
        start = time.monotonic()
        self.nbgrader("collect", self.assignment, "--update")
        collected = time.monotonic()
        self.nbgrader("autograde", self.assignment)
        return collected - start, time.monotonic() - collected

    def grades(self) -> dict[str, dict]:
        """From the gradebook: student -> {"score", "cells" (grade_id -> score), "late", "timestamp"}."""
        from nbgrader.api import Gradebook, MissingEntry

        out: dict[str, dict] = {}
        with Gradebook(f"sqlite:///{self.folder / 'gradebook.db'}") as gb:
            for student in gb.students:
                try:
                    sub = gb.find_submission(self.assignment, student.id)
                except MissingEntry:
                    continue
                cells = {g.name: g.score for nb in sub.notebooks for g in nb.grades}
                out[student.id] = {
                    "score": sub.score,
                    "cells": cells,
                    "late": sub.total_seconds_late > 0,
                    "timestamp": sub.timestamp,
                }
        return out
