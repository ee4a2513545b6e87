"""The spawner and spawn hook of the local class hub (``deploy/local/jupyterhub_config.py``).

Two things a stock local-process spawner does not do for a class:

* **nbgrader student ids.** Every server of :class:`~jupyterhub.spawner.SimpleLocalProcessSpawner` runs as the
  hub's own Unix user, and nbgrader 0.9 takes the student id from the Unix user: every learner would submit as
  the same student and overwrite the others. :func:`write_nbgrader_config` (the ``pre_spawn_hook``) writes each
  learner's ``~/.jupyter/nbgrader_config.py`` with their hub name as ``student_id``, the exchange root and the
  course id, and turns formgrader off for everyone who is not an instructor.
* **Memory.** A local process has no container limit. :class:`MemoryGuardSpawner` checks the resident memory of
  each server and its kernels whenever the hub polls it (``Spawner.poll_interval``) and, above
  ``Spawner.mem_limit``, kills the largest kernel, the way a container's out-of-memory killer would. Jupyter
  restarts a dead kernel, so the learner sees "kernel restarted" and keeps their saved work.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

import psutil
from jupyterhub.spawner import SimpleLocalProcessSpawner

__all__ = ["MemoryGuardSpawner", "largest_over_limit", "learner_files", "write_nbgrader_config"]

FORMGRADER_OFF = {
    "ServerApp": {
        "jpserver_extensions": {
            "nbgrader.server_extensions.formgrader": False,
            "nbgrader.server_extensions.course_list": False,
        }
    }
}


def tree_rss(pid: int) -> tuple[int, list[psutil.Process]]:
    """Total resident bytes of a process and its descendants, and the descendants themselves."""
    root = psutil.Process(pid)
    children = root.children(recursive=True)
    total = 0
    for proc in [root, *children]:
        try:
            total += proc.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total, children


def largest_over_limit(pid: int, limit: int) -> tuple[int, psutil.Process | None]:
    """The process tree's RSS and, when it exceeds ``limit`` bytes, its largest descendant (else None).

    The server process itself is never chosen: killing it would lose the learner's session, while a killed
    kernel is restarted by Jupyter.
    """
    total, children = tree_rss(pid)
    if limit <= 0 or total <= limit or not children:
        return total, None

    def rss(proc: psutil.Process) -> int:
        try:
            return proc.memory_info().rss
        except psutil.NoSuchProcess:
            return 0

    return total, max(children, key=rss)


class MemoryGuardSpawner(SimpleLocalProcessSpawner):
    """SimpleLocalProcessSpawner that enforces ``mem_limit`` on each server's kernels when it polls."""

    async def poll(self) -> int | None:
        status = await super().poll()
        if status is None and self.pid and self.mem_limit:
            try:
                total, victim = largest_over_limit(self.pid, int(self.mem_limit))
            except psutil.NoSuchProcess:
                return status
            if victim is not None:
                self.log.warning(
                    "memory guard: %s uses %d MB > mem_limit %d MB; killing its largest kernel (pid %d)",
                    self.user.name,
                    total >> 20,
                    int(self.mem_limit) >> 20,
                    victim.pid,
                )
                try:
                    os.kill(victim.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        return status


def learner_files(
    name: str, *, exchange: str, course_id: str, instructor: bool, course_root: str | None = None
) -> dict[str, str]:
    """The files (relative to the user's home) that make nbgrader see ``name`` as that user."""
    lines = [
        '"""Written by convkit\'s class hub before each spawn: nbgrader identity and exchange."""',
        "c = get_config()  # noqa: F821",
        f"c.CourseDirectory.course_id = {course_id!r}",
        f"c.Exchange.root = {exchange!r}",
    ]
    if instructor:
        # no student_id here: collect and autograde would then take only that one student's work
        if course_root:
            lines.append(f"c.CourseDirectory.root = {course_root!r}")
    else:
        lines.append(f"c.CourseDirectory.student_id = {name!r}")
    files = {".jupyter/nbgrader_config.py": "\n".join(lines) + "\n"}
    if not instructor:
        files[".jupyter/jupyter_server_config.json"] = json.dumps(FORMGRADER_OFF, indent=1) + "\n"
    return files


def write_nbgrader_config(spawner: Any, settings: dict[str, Any]) -> None:
    """``pre_spawn_hook`` body: write :func:`learner_files` into the spawner's home directory."""
    name = spawner.user.name
    home = Path(spawner.home_dir)
    instructor = name in settings["instructors"]
    files = learner_files(
        name,
        exchange=settings["exchange"],
        course_id=settings["course_id"],
        instructor=instructor,
        course_root=str(home / settings["course_folder"]) if instructor else None,
    )
    for relative, text in files.items():
        path = home / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    spawner.log.info("class hub: wrote nbgrader identity for %s (%s)", name, "instructor" if instructor else "learner")
