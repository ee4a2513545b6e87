"""The exercise notebook as an nbgrader assignment: release, autograde three learners, feedback.

A temporary course folder is made with ``tools/make_course.py``; nbgrader runs as a subprocess of this
interpreter, with the virtualenv's ``bin`` first on PATH (nbgrader calls ``alembic`` by name).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbgrader")

pytestmark = [pytest.mark.notebooks, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENT = "convkit_shapes"
NOTEBOOK = "05_exercises.ipynb"
MAX_SCORE = 24.0

#: the answers, as they would appear in an output if a check leaked them
ANSWERS = ["(None, 13, 8, 16)", "(None, 13, 9, 8)", "(1, 2)", "(None, 14, 14, 4)", "(None, 14, 14, 8)",
           "(None, 13, 13, 8)", "(None, 4, 4, 32)", "(None, 32)", "'conv_2'", '"conv_2"']

#: a learner who gets some parts right: grade_id of the answer cell -> new source
PARTLY_RIGHT = {
    "ex1_answer": "ex1 = (None, 14, 9, 16)",                          # ceil instead of floor: 1 of 3
    "ex3_answer": 'ex3a_strides, ex3a_padding = 2, "same"\nex3b_strides, ex3b_padding = 2, "same"',  # 1 of 2
    "ex4_answer": "ex4 = (2, 1)",                                     # total right, split swapped: 1 of 2
    "ex5_answer": "ex5a = 9\nex5b = (None, 14, 14, 4)",               # k·d: 1 of 2
    "ex7_answer": 'ex7_layer = "conv_3"\nex7_filters = 64',           # wrong layer, right number: 1 of 2
    "ex8_answer": "ex8a = (None, 14, 14, 8)\nex8b = (None, 14, 14, 8)",  # 1 of 2
    "ex9_answer": "ex9a = (None, 5, 5, 32)\nex9b = (None, 32)",       # 1 of 2
    "ex10_answer": ("import math\n\n\ndef output_size(n, k, s, padding):\n"
                    "    return (n - k) // s + 1 if padding == 'valid' else n // s\n"),  # 2 of 4
    # ex2 untouched (right, 3 points); ex6 left as in the release (0 of 2)
}
PARTLY_RIGHT_SCORE = 1 + 3 + 1 + 1 + 1 + 0 + 1 + 1 + 1 + 2
#: in the partly right submission: exercises answered wrongly, and their answers that must not leak
LEAK_CHECK = {"ex1_spatial": "(None, 13, 8, 16)", "ex3b": None, "ex4_split": "(1, 2)", "ex7_layer": "conv_2",
              "ex8b": "(None, 13, 13, 8)", "ex9a": "(None, 4, 4, 32)"}


def nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["JUPYTER_CONFIG_DIR"] = str(course / ".jupyter")  # no user config leaks in
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def cells_by_id(nb) -> dict:
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if "nbgrader" in c.metadata}


def submit(course: Path, student: str, nb) -> None:
    folder = course / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / NOTEBOOK)


def error_text(cell) -> str:
    ansi = re.compile(r"\x1b\[[0-9;]*m")
    return "\n".join(ansi.sub("", "\n".join([o.ename, o.evalue, *o.traceback]))
                     for o in cell.get("outputs", []) if o.output_type == "error")


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = tmp_path_factory.mktemp("course")
    subprocess.run([sys.executable, str(ROOT / "tools" / "make_course.py"), str(course)], check=True,
                   capture_output=True)
    config = (course / "nbgrader_config.py").read_text()
    assert "CourseDirectory.root" in config and "sqlite:///" in config and "timeout = 300" in config
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    source = nbformat.read(course / "source" / ASSIGNMENT / NOTEBOOK, as_version=4)
    release = nbformat.read(course / "release" / ASSIGNMENT / NOTEBOOK, as_version=4)

    submit(course, "full", source)                     # the source with its solutions
    submit(course, "empty", release)                   # the release as handed out
    partly = nbformat.read(course / "release" / ASSIGNMENT / NOTEBOOK, as_version=4)
    cells = cells_by_id(partly)
    ex2 = cells_by_id(source)["ex2_answer"].source
    cells["ex2_answer"].source = ex2
    for grade_id, new_source in PARTLY_RIGHT.items():
        cells[grade_id].source = new_source
    submit(course, "partly", partly)

    nbgrader(course, "autograde", ASSIGNMENT)
    nbgrader(course, "generate_feedback", ASSIGNMENT)
    return course


def test_release_has_no_solutions_and_no_hidden_tests(course):
    text = (course / "release" / ASSIGNMENT / NOTEBOOK).read_text()
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "HIDDEN TESTS", "check_output_shape(ex1"):
        assert marker not in text
    for literal in ("ex1 = (None, 13, 8, 16)", "ex4 = (1, 2)", 'ex7_layer = "conv_2"', "math.ceil(n / s)"):
        assert literal not in text
    release = nbformat.read(course / "release" / ASSIGNMENT / NOTEBOOK, as_version=4)
    source = nbformat.read(course / "source" / ASSIGNMENT / NOTEBOOK, as_version=4)
    answers = [c for c in release.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert len(answers) == 10
    assert all("raise NotImplementedError()" in c.source for c in answers)
    graded = [c for c in release.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert len(graded) >= 16 and sum(c.metadata["nbgrader"]["points"] for c in graded) == MAX_SCORE
    assert all(c.metadata["nbgrader"]["locked"] for c in graded)
    assert "tensorflow" not in json.dumps(source.cells)


def test_scores(course):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        scores = {s: gb.find_submission(ASSIGNMENT, s).score for s in ("full", "empty", "partly")}
        max_score = gb.find_submission(ASSIGNMENT, "full").max_score
    assert max_score == MAX_SCORE
    assert scores["full"] == MAX_SCORE
    assert scores["empty"] == 0
    assert 0 < scores["partly"] < MAX_SCORE
    assert scores["partly"] == PARTLY_RIGHT_SCORE


def test_failed_checks_give_hints_not_answers(course):
    graded = cells_by_id(nbformat.read(course / "autograded" / "partly" / ASSIGNMENT / NOTEBOOK, as_version=4))
    everything = "\n".join(error_text(c) for c in graded.values())
    assert everything, "the partly right submission has failing checks"
    for answer in ANSWERS:
        assert answer not in everything, f"{answer} leaked into an error output"
    for grade_id, answer in LEAK_CHECK.items():
        text = error_text(graded[grade_id])
        assert text.startswith("NotYet\nNot yet: "), text
        assert "Traceback" not in text and "checks." not in text  # the hidden test's source is not shown
        if answer:
            assert answer not in text
    assert "rounded up" in error_text(graded["ex1_spatial"])
    assert "swapped" in error_text(graded["ex4_split"])
    assert "k·d" in error_text(graded["ex5a"])
    assert "made by the layer before" in error_text(graded["ex7_layer"])
    assert "only when output_padding is None" in error_text(graded["ex8b"])
    assert "rounded down" in error_text(graded["ex10_same"])
    assert not re.search(r"(?<![\w.])7(?![\w.])", error_text(graded["ex5a"]))


def test_untouched_release_fails_with_not_implemented(course):
    graded = cells_by_id(nbformat.read(course / "autograded" / "empty" / ASSIGNMENT / NOTEBOOK, as_version=4))
    answers = [c for g, c in graded.items() if c.metadata["nbgrader"].get("solution") and g != "ex10_answer"]
    assert len(answers) == 9 and all("NotImplementedError" in error_text(c) for c in answers)
    # the function of exercise 10 is defined fine; calling it raises, so both of its checks fail
    assert "NotImplementedError" in error_text(graded["ex10_valid"])
    assert "NotImplementedError" in error_text(graded["ex10_same"])


def test_feedback_html_does_not_leak_answers(course):
    feedback = (course / "feedback" / "partly" / ASSIGNMENT / NOTEBOOK.replace(".ipynb", ".html")).read_text()
    assert "Not yet" in feedback
    for answer in ("(None, 13, 8, 16)", "(None, 13, 13, 8)", "(None, 4, 4, 32)", "(1, 2)"):
        assert answer not in feedback
