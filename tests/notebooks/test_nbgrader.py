"""The exercise notebook as an nbgrader assignment: release, autograde learners, feedback.

A temporary course folder is made with ``tools/make_course.py``; nbgrader runs as a subprocess of this
interpreter, with the virtualenv's ``bin`` first on PATH (nbgrader calls ``alembic`` by name).

Besides the scores and the hints, the cycle must be quiet and fair: autograde warns about no checksum for
notebooks handed in as released (and still warns when a learner edits a locked test cell), the feedback page
shows every "Not yet" line whole, and no exercise's visible output (the release run as a learner runs it)
contains its answer.
"""

from __future__ import annotations

import ast
import html
import json
import os
import re
import shutil
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
MAX_SCORE = 32.0

#: the answers, as they would appear in an output if a check leaked them
ANSWERS = [
    "(None, 13, 8, 16)",
    "(None, 13, 9, 8)",
    "(1, 2)",
    "(None, 14, 14, 4)",
    "(None, 14, 14, 8)",
    "(None, 13, 13, 8)",
    "(None, 4, 4, 32)",
    "(None, 32)",
    "'conv_2'",
    '"conv_2"',
    "(None, 18, 18, 8)",
    "(None, 20, 20, 8)",
    "(3, 3, 32, 64)",
    "18496",
]

#: a learner who gets some parts right: grade_id of the answer cell -> new source
PARTLY_RIGHT = {
    "ex1_answer": "ex1 = (None, 14, 9, 16)",  # ceil instead of floor: 1 of 3
    "ex3_answer": 'ex3a_strides, ex3a_padding = 2, "same"\nex3b_strides, ex3b_padding = 2, "same"',  # 1 of 2
    "ex4_answer": "ex4 = (2, 1)",  # total right, split swapped: 1 of 2
    "ex5_answer": "ex5a = 9\nex5b = (None, 14, 14, 4)",  # k·d: 1 of 2
    "ex7_answer": 'ex7_layer = "conv_3"\nex7_filters = 64',  # wrong layer, right number: 1 of 2
    "ex8_answer": "ex8a = (None, 14, 14, 8)\nex8b = (None, 14, 14, 8)",  # 1 of 2
    "ex9_answer": "ex9a = (None, 5, 5, 32)\nex9b = (None, 32)",  # 1 of 2
    "ex10_answer": (
        "import math\n\n\ndef output_size(n, k, s, padding):\n"
        "    return (n - k) // s + 1 if padding == 'valid' else n // s\n"
    ),  # 2 of 4
    "ex11_answer": "ex11a = (None, 18, 18, 8)\nex11b = (None, 18, 18, 8)\nex11c = 0",  # 1 of 3
    "ex12_answer": "ex12a = (3, 3, 3, 32)\nex12b = (3, 3, 64, 64)\nex12c = 18432",  # depth, bias: 1 of 3
    "ex13_answer": (
        'ex13a_kernel_size, ex13a_strides, ex13a_padding = 2, 2, "valid"\n'
        'ex13b_kernel_size, ex13b_strides, ex13b_padding = 3, 16, "same"'
    ),  # another right setting for 13a, 224 -> 14 for 13b: 1 of 2
    # ex2 untouched (right, 3 points); ex6 left as in the release (0 of 2)
}
PARTLY_RIGHT_SCORE = 1 + 3 + 1 + 1 + 1 + 0 + 1 + 1 + 1 + 2 + 1 + 1 + 1
#: in the partly right submission: exercises answered wrongly, and their answers that must not leak
LEAK_CHECK = {
    "ex1_spatial": "(None, 13, 8, 16)",
    "ex3b": None,
    "ex4_split": "(1, 2)",
    "ex7_layer": "conv_2",
    "ex8b": "(None, 13, 13, 8)",
    "ex9a": "(None, 4, 4, 32)",
    "ex11b": "(None, 20, 20, 8)",
    "ex11c": None,
    "ex12b": "(3, 3, 32, 64)",
    "ex12c": "18496",
    "ex13b": None,
}
#: a learner who overwrites a locked test cell (and answers 9b wrongly): grade_id -> new source
TAMPERED = {"ex9_answer": "ex9a = (None, 4, 4, 32)\nex9b = (None, 1, 1, 32)", "ex9b": "# Exercise 9b\npass"}
#: answers that are not literal assignments in the solution cells: what each exercise's output must not show
KEY_WORDS = {6: ["same", "kernel_size=1", "smaller kernel"], 10: ["ceil", "//", "floor("]}
#: the feedback page shows "Not yet" lines in a box that does not wrap
FEEDBACK_WIDTH = 76


def nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    """Run ``nbgrader *args`` in ``course``; fail on a non-zero exit. Returns stdout and stderr (nbgrader logs
    its warnings on stderr)."""
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["JUPYTER_CONFIG_DIR"] = str(course / ".jupyter")  # no user config leaks in
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args], cwd=course, env=env, capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def cells_by_id(nb) -> dict:
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if "nbgrader" in c.metadata}


def submit(course: Path, student: str, nb) -> None:
    folder = course / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / NOTEBOOK)


def words(text: str) -> str:
    """``text`` with every run of white space (line breaks of wrapped feedback included) made one space."""
    return " ".join(text.split())


def error_text(cell) -> str:
    ansi = re.compile(r"\x1b\[[0-9;]*m")
    return "\n".join(
        ansi.sub("", "\n".join([o.ename, o.evalue, *o.traceback]))
        for o in cell.get("outputs", [])
        if o.output_type == "error"
    )


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = tmp_path_factory.mktemp("course")
    subprocess.run(
        [sys.executable, str(ROOT / "tools" / "make_course.py"), str(course)], check=True, capture_output=True
    )
    config = (course / "nbgrader_config.py").read_text()
    assert "CourseDirectory.root" in config and "sqlite:///" in config and "timeout = 300" in config
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    source = nbformat.read(course / "source" / ASSIGNMENT / NOTEBOOK, as_version=4)
    release = nbformat.read(course / "release" / ASSIGNMENT / NOTEBOOK, as_version=4)

    submit(course, "full", source)  # the source with its solutions
    submit(course, "empty", release)  # the release as handed out
    partly = nbformat.read(course / "release" / ASSIGNMENT / NOTEBOOK, as_version=4)
    cells = cells_by_id(partly)
    ex2 = cells_by_id(source)["ex2_answer"].source
    cells["ex2_answer"].source = ex2
    for grade_id, new_source in PARTLY_RIGHT.items():
        cells[grade_id].source = new_source
    submit(course, "partly", partly)
    autograde = nbgrader(course, "autograde", ASSIGNMENT)
    (course / "autograde.log").write_text(autograde.stdout + autograde.stderr)

    tampered = nbformat.read(course / "release" / ASSIGNMENT / NOTEBOOK, as_version=4)
    for grade_id, new_source in TAMPERED.items():
        cells_by_id(tampered)[grade_id].source = new_source
    submit(course, "tampered", tampered)
    autograde = nbgrader(course, "autograde", ASSIGNMENT, "--student", "tampered")
    (course / "autograde-tampered.log").write_text(autograde.stdout + autograde.stderr)

    nbgrader(course, "generate_feedback", ASSIGNMENT)
    return course


@pytest.fixture(scope="module")
def release_run(course, tmp_path_factory):
    """The release notebook executed as a learner runs it before answering anything (what the learner sees)."""
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(course / "release" / ASSIGNMENT / NOTEBOOK, as_version=4)
    workdir = tmp_path_factory.mktemp("release_run")
    nbclient.NotebookClient(
        nb, timeout=300, kernel_name="python3", allow_errors=True, resources={"metadata": {"path": str(workdir)}}
    ).execute(cwd=str(workdir))
    return nb


def test_release_has_no_solutions_and_no_hidden_tests(course):
    text = (course / "release" / ASSIGNMENT / NOTEBOOK).read_text()
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "HIDDEN TESTS", "check_output_shape(ex1"):
        assert marker not in text
    for literal in ("ex1 = (None, 13, 8, 16)", "ex4 = (1, 2)", 'ex7_layer = "conv_2"', "math.ceil(n / s)"):
        assert literal not in text
    release = nbformat.read(course / "release" / ASSIGNMENT / NOTEBOOK, as_version=4)
    source = nbformat.read(course / "source" / ASSIGNMENT / NOTEBOOK, as_version=4)
    answers = [c for c in release.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert len(answers) == 13
    assert all("raise NotImplementedError()" in c.source for c in answers)
    graded = [c for c in release.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert len(graded) >= 24 and sum(c.metadata["nbgrader"]["points"] for c in graded) == MAX_SCORE
    assert all(c.metadata["nbgrader"]["locked"] for c in graded)
    assert "tensorflow" not in json.dumps(source.cells)


def test_scores(course):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        scores = {s: gb.find_submission(ASSIGNMENT, s).score for s in ("full", "empty", "partly", "tampered")}
        max_score = gb.find_submission(ASSIGNMENT, "full").max_score
    assert max_score == MAX_SCORE
    assert scores["full"] == MAX_SCORE
    assert scores["empty"] == 0
    assert 0 < scores["partly"] < MAX_SCORE
    assert scores["partly"] == PARTLY_RIGHT_SCORE
    assert scores["tampered"] == 1  # ex9a only: the restored hidden test of 9b fails the wrong answer


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
    assert "rounded up" in words(error_text(graded["ex1_spatial"]))
    assert "swapped" in words(error_text(graded["ex4_split"]))
    assert "k·d" in words(error_text(graded["ex5a"]))
    assert "made by the layer before" in words(error_text(graded["ex7_layer"]))
    assert "only when output_padding is None" in words(error_text(graded["ex8b"]))
    assert "rounded down" in words(error_text(graded["ex10_same"]))
    assert not re.search(r"(?<![\w.])7(?![\w.])", error_text(graded["ex5a"]))
    assert "the floor dropped them on the way down" in words(error_text(graded["ex11c"]))
    assert "the kernel's depth is off" in words(error_text(graded["ex12b"]))
    assert "one bias" in words(error_text(graded["ex12c"]))
    assert "your layer takes 224 to 14" in words(error_text(graded["ex13b"]))


def test_untouched_release_fails_with_not_implemented(course):
    graded = cells_by_id(nbformat.read(course / "autograded" / "empty" / ASSIGNMENT / NOTEBOOK, as_version=4))
    answers = [c for g, c in graded.items() if c.metadata["nbgrader"].get("solution") and g != "ex10_answer"]
    assert len(answers) == 12 and all("NotImplementedError" in error_text(c) for c in answers)
    # the function of exercise 10 is defined fine; calling it raises, so both of its checks fail
    assert "NotImplementedError" in error_text(graded["ex10_valid"])
    assert "NotImplementedError" in error_text(graded["ex10_same"])


def test_feedback_html_does_not_leak_answers(course):
    feedback = (course / "feedback" / "partly" / ASSIGNMENT / NOTEBOOK.replace(".ipynb", ".html")).read_text()
    assert "Not yet" in feedback
    for answer in ("(None, 13, 8, 16)", "(None, 13, 13, 8)", "(None, 4, 4, 32)", "(1, 2)"):
        assert answer not in feedback


def test_autograde_warns_about_no_checksum_for_notebooks_handed_in_as_released(course):
    """nbgrader keeps the checksum of each test cell with its hidden tests, which learners never see; the course
    configuration compares a handed-in cell with what was released instead (jupyter/nbgrader#1961)."""
    log = (course / "autograde.log").read_text()
    assert "Autograding" in log or "autograd" in log.lower(), log[:2000]  # the log is nbgrader's, not empty
    assert "checksum" not in log.lower(), [line for line in log.splitlines() if "checksum" in line.lower()][:5]
    own = [line for line in log.splitlines() if line.startswith("[AutogradeApp | WARNING]")]
    assert not own, own[:5]  # nbgrader's own warnings (the kernel's note about TCP is not about the course)


def test_an_edited_locked_cell_is_still_reported_and_restored(course):
    log = (course / "autograde-tampered.log").read_text()
    warnings = [line for line in log.splitlines() if "checksum" in line.lower()]
    assert len(warnings) == 1 and "ex9b" in warnings[0], warnings
    graded = cells_by_id(nbformat.read(course / "autograded" / "tampered" / ASSIGNMENT / NOTEBOOK, as_version=4))
    assert "check_output_shape(ex9b" in graded["ex9b"].source and "NotYet" in error_text(graded["ex9b"])


def feedback_errors(page: str) -> list[str]:
    """The text of each error output on a feedback page (HTML tags and entities removed)."""
    boxes = re.findall(r'<div class="[^"]*output_error[^"]*">\s*<pre>(.*?)</pre>', page, flags=re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", box)).strip("\n") for box in boxes]


def test_feedback_lines_are_short_enough_to_be_shown_whole(course):
    """The feedback page shows errors in ``<pre>`` boxes that do not wrap: every line must fit."""
    page = (course / "feedback" / "partly" / ASSIGNMENT / NOTEBOOK.replace(".ipynb", ".html")).read_text()
    errors = [e for e in feedback_errors(page) if "Not yet" in e]
    assert len(errors) >= 8, errors
    long = [line for e in errors for line in e.splitlines() if len(line) > FEEDBACK_WIDTH]
    assert not long, long
    graded = cells_by_id(nbformat.read(course / "autograded" / "partly" / ASSIGNMENT / NOTEBOOK, as_version=4))
    for grade_id in ("ex1_spatial", "ex4_split", "ex7_layer", "ex10_same"):  # each message is there, whole
        message = [o.evalue for o in graded[grade_id].outputs if o.output_type == "error"][0]
        assert words(message) in [words(e) for e in errors], message


MEASURE_BOXES = """
import json, sys
from playwright.sync_api import sync_playwright
chromium, url = sys.argv[1], sys.argv[2]
args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
out = {}
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path=chromium, args=args)
    try:
        for width in (800, 1280):
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto(url)
            out[width] = page.evaluate('''() => [...document.querySelectorAll('.output_error pre')]
                .filter(e => e.textContent.includes('Not yet'))
                .map(e => [e.scrollWidth, e.clientWidth, e.textContent.slice(0, 60)])''')
            page.close()
    finally:
        browser.close()
print(json.dumps(out))
"""


def test_feedback_boxes_fit_in_an_800_pixel_window(course):
    """Measured in Chromium when it is available: no "Not yet" box scrolls sideways at 800 or 1280 pixels.

    Playwright runs in a Python of its own: in the whole suite the browser tests' session already holds
    Playwright's event loop in this process, and a second sync session here would refuse to start.
    """
    pytest.importorskip("playwright.sync_api")
    chromium = os.environ.get("CONVKIT_CHROMIUM") or shutil.which("chromium")
    if not chromium:
        pytest.skip("no Chromium (set CONVKIT_CHROMIUM)")
    page_path = course / "feedback" / "partly" / ASSIGNMENT / NOTEBOOK.replace(".ipynb", ".html")
    result = subprocess.run(
        [sys.executable, "-c", MEASURE_BOXES, chromium, page_path.as_uri()],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    for width, boxes in measured.items():
        assert len(boxes) >= 8, (width, boxes)
        assert not [b for b in boxes if b[0] > b[1]], (width, [b for b in boxes if b[0] > b[1]])


def exercise_of(cell) -> int | None:
    match = re.match(r"ex(\d+)", cell.metadata.get("nbgrader", {}).get("grade_id", ""))
    return int(match.group(1)) if match else None


def solution_values(source_nb) -> dict[int, list[str]]:
    """Per exercise, the texts its answer would appear as: each literal assigned in its solution cell
    (repr, and the spatial part of a shape), plus :data:`KEY_WORDS`."""
    keys: dict[int, list[str]] = {n: list(v) for n, v in KEY_WORDS.items()}
    for cell in source_nb.cells:
        if not cell.metadata.get("nbgrader", {}).get("solution"):
            continue
        body = cell.source.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0]
        try:
            tree = ast.parse(re.sub(r"^\s+", "", body, flags=re.M))
        except SyntaxError:  # a function body (exercise 10): covered by KEY_WORDS
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                try:
                    value = ast.literal_eval(node.value)
                except ValueError:
                    continue
                values = value if isinstance(node.targets[0], ast.Tuple) else (value,)
                for v in values:
                    texts = [repr(v)]
                    if isinstance(v, tuple) and len(v) >= 3:
                        texts.append(", ".join(map(str, v[1:-1])))
                    keys.setdefault(exercise_of(cell), []).extend(texts)
    return keys


def test_no_exercise_shows_its_answer_in_its_own_output(course, release_run):
    source = nbformat.read(course / "source" / ASSIGNMENT / NOTEBOOK, as_version=4)
    keys = solution_values(source)
    assert set(keys) == set(range(1, 14)), keys
    assert "(None, 13, 8, 16)" in keys[1] and "'conv_2'" in keys[7] and "same" in keys[6]
    shown: dict[int, str] = {}
    exercise = None
    for cell in release_run.cells:
        exercise = exercise_of(cell) or exercise
        if cell.cell_type == "code" and exercise:
            text = []
            for o in cell.outputs:
                if o.output_type == "stream":
                    text.append(o.text)
                elif o.output_type == "error":
                    text += [o.ename, o.evalue]
                elif "data" in o:
                    text += [str(v) for k, v in o.data.items() if k.startswith("text/")]
            shown[exercise] = shown.get(exercise, "") + "\n".join(text)
    assert "stops here" in shown[6] and "(None, 2, 2, 8)" in shown[6], shown[6]  # ex6 still shows the problem
    for n, texts in keys.items():
        for answer in texts:
            pattern = rf"(?<![\w.]){re.escape(answer)}(?![\w.])" if re.match(r"^[\w']+$", answer) else re.escape(answer)
            assert not re.search(pattern, shown.get(n, "")), f"exercise {n} shows {answer!r}: {shown.get(n)}"
