"""The rehearsal's verdicts catch what they are there to catch (fed with made-up outcomes; no hub needed)."""

from __future__ import annotations

import subprocess
import sys

from .conftest import LOCAL, require_modules

require_modules("jupyterhub")

from class_checks import Learner, check_grades, p95, summary_line  # noqa: E402

EXPECTED = {"ada": {"q1": 2.0, "q2": 0.0}, "bo": {"q1": 2.0, "q2": 1.0}, "cy": {"q1": 0.0, "q2": 0.0}}


def _people() -> list[Learner]:
    people = [
        Learner("ada", 0, {}, role="killed", intact_after_kill=True, submissions=1),
        Learner("bo", 1, {}, role="double", submissions=2),
        Learner("cy", 2, {}, role="late", submissions=1),
    ]
    return people


def _inbound() -> dict[str, list[str]]:
    return {"ada": ["ada+a+t1+x"], "bo": ["bo+a+t1+x", "bo+a+t2+y"], "cy": ["cy+a+t3+z"]}


def _grades() -> dict[str, dict]:
    return {
        name: {"score": sum(cells.values()), "cells": dict(cells), "late": name == "cy"}
        for name, cells in EXPECTED.items()
    }


def _check(inbound=None, grades=None, people=None, drafts=None):
    return check_grades(
        people or _people(), inbound or _inbound(), grades or _grades(), EXPECTED, drafts or {"bo": 0.0}
    )


def test_a_class_where_everything_held_has_no_problem():
    figures, problems = _check()
    assert problems == []
    assert figures == {"submitted": 3, "graded": 3, "lost": 0, "misgraded": 0}


def test_everyone_submitting_as_one_unix_user_is_caught():
    figures, problems = _check(inbound={"root": ["root+a+t1+x", "root+a+t2+y"]})
    assert figures["submitted"] == 0
    assert any("no learner's: ['root']" in p for p in problems)


def test_a_misgraded_cell_is_caught_even_when_the_total_agrees():
    grades = _grades()
    grades["bo"]["cells"] = {"q1": 1.0, "q2": 2.0}  # same total 3, wrong cells
    figures, problems = _check(grades=grades)
    assert figures["misgraded"] == 1 and any(p.startswith("bo: scored 3.0, expected 3.0") for p in problems)


def test_lost_work_late_flags_and_lost_resubmissions_are_caught():
    grades = _grades()
    del grades["ada"]
    grades["cy"]["late"] = False
    inbound = _inbound()
    inbound["bo"] = inbound["bo"][:1]
    figures, problems = _check(grades=grades, inbound=inbound)
    assert figures["lost"] == 1 and "lost (no graded submission): ['ada']" in problems
    assert "cy: flagged late=False, expected late=True" in problems
    assert "bo: 1 submissions in the exchange, made 2" in problems


def test_a_crash_that_lost_saved_work_is_caught():
    people = _people()
    people[0].intact_after_kill = False
    _, problems = _check(people=people)
    assert "ada: the work saved before the server was killed was not intact" in problems


def test_a_double_submission_that_cannot_tell_first_from_second_is_reported():
    _, problems = _check(drafts={"bo": 3.0})
    assert any("check has no teeth" in p for p in problems)


def test_summary_line_and_p95():
    assert p95([1.0, 2.0, 3.0, 4.0]) == 4.0 and p95(list(map(float, range(1, 21)))) == 19.0
    line = summary_line(4, {"submitted": 4, "graded": 4, "lost": 0, "p95_spawn_s": 7.46, "peak_rss_mb": 1234.4})
    assert line == "learners 4  submitted 4  graded 4  lost 0  p95_spawn_s 7.5  peak_rss_mb 1234"


def test_rehearsal_needs_one_learner_per_fault():
    result = subprocess.run(
        [sys.executable, str(LOCAL / "class_rehearsal.py"), "--learners", "2"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "Received: --learners 2" in result.stderr
