"""What rehearsal learners write and the reference grader that says what they should score."""

from __future__ import annotations

import copy
import json

import pytest
from answers import KINDS, AnswerKey, fill, plan_for, reference_scores, wrong_version  # noqa: E402

from .conftest import REPO

SOURCE = REPO / "notebooks" / "05_exercises.ipynb"


def _cell(source: str, grade_id: str, *, solution=False, grade=False, points=None) -> dict:
    meta = {"grade_id": grade_id, "solution": solution, "grade": grade, "locked": not solution, "schema_version": 3}
    if grade:
        meta["points"] = points
    return {
        "cell_type": "code",
        "source": source,
        "metadata": {"nbgrader": meta},
        "outputs": [],
        "execution_count": None,
    }


def _tiny(tmp_path):
    """Two answers, three graded cells: a(1) checks x, b(2) checks y, c(4) checks both."""
    source = {
        "cells": [
            _cell("### BEGIN SOLUTION\nx = 3\n### END SOLUTION", "x_answer", solution=True),
            _cell("assert x == 3", "a", grade=True, points=1),
            _cell("### BEGIN SOLUTION\ny = (1, 2)\n### END SOLUTION", "y_answer", solution=True),
            _cell("assert y == (1, 2)", "b", grade=True, points=2),
            _cell("assert x + len(y) == 5", "c", grade=True, points=4),
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    release = copy.deepcopy(source)
    for c in release["cells"]:
        if c["metadata"]["nbgrader"]["solution"]:
            c["source"] = "raise NotImplementedError()"
    path = tmp_path / "tiny.ipynb"
    path.write_text(json.dumps(source))
    return path, AnswerKey.from_notebooks(source, release)


def test_wrong_version_bumps_every_whole_number():
    assert wrong_version("ex = (None, 13, 8, 16)").strip() == "ex = (None, 14, 9, 17)"
    assert wrong_version("flag = True\nr = 2.5").strip() == "flag = True\nr = 2.5"  # bools and floats stay


def test_reference_grader_applies_nbgrader_rule(tmp_path):
    path, key = _tiny(tmp_path)
    assert key.max_score == 7
    plans = {
        "right": key.uniform("right"),
        "blank": key.uniform("blank"),
        "wrong": key.uniform("wrong"),
        "mixed": {"x_answer": "right", "y_answer": "blank"},
    }
    scores = reference_scores(path, {name: key.answers(plan) for name, plan in plans.items()})
    assert scores["right"] == {"a": 1, "b": 2, "c": 4}
    assert scores["blank"] == {"a": 0, "b": 0, "c": 0}
    # wrong: x = 4 and y = (2, 3): a and b fail, and so does c (4 + 2 != 5)
    assert scores["wrong"] == {"a": 0, "b": 0, "c": 0}
    # x right, y missing: a passes; b and c fail with NameError; the run goes on after the error
    assert scores["mixed"] == {"a": 1, "b": 0, "c": 0}


def test_fill_replaces_only_the_named_answer_cells(tmp_path):
    path, key = _tiny(tmp_path)
    notebook = json.loads(path.read_text())
    fill(notebook, {"y_answer": "y = (9,)"})
    sources = [c["source"] for c in notebook["cells"]]
    assert sources[2] == "y = (9,)" and sources[0].startswith("### BEGIN SOLUTION") and sources[1] == "assert x == 3"


def test_plans_are_fixed_and_mix_all_three_kinds():
    source = json.loads(SOURCE.read_text())
    release = copy.deepcopy(source)
    for c in release["cells"]:
        if c["metadata"].get("nbgrader", {}).get("solution"):
            c["source"] = "raise NotImplementedError()"
    key = AnswerKey.from_notebooks(source, release)
    plans = [plan_for(key, i) for i in range(30)]
    assert plans == [plan_for(key, i) for i in range(30)]  # fixed per learner
    assert all(set(p.values()) == set(KINDS) for p in plans)
    assert len({tuple(sorted(p.items())) for p in plans}) == 30  # every learner answers differently


def test_the_exercise_notebook_solutions_score_full_marks_and_blanks_zero():
    source = json.loads(SOURCE.read_text())
    release = copy.deepcopy(source)
    for c in release["cells"]:
        if c["metadata"].get("nbgrader", {}).get("solution"):
            c["source"] = "raise NotImplementedError()"
    key = AnswerKey.from_notebooks(source, release)
    scores = reference_scores(SOURCE, {"r": key.answers(key.uniform("right")), "b": key.answers(key.uniform("blank"))})
    assert sum(scores["r"].values()) == key.max_score > 0
    assert sum(scores["b"].values()) == 0


def test_answer_key_refuses_a_notebook_without_nbgrader_cells():
    empty = {"cells": [{"cell_type": "code", "source": "x = 1", "metadata": {}}]}
    with pytest.raises(ValueError, match="Received: 0 answer cells, 0 graded cells"):
        AnswerKey.from_notebooks(empty, empty)
