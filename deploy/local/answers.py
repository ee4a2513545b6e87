"""What each rehearsal learner writes, and the score those answers should get.

Nothing here knows the exercises' numbers. Every answer is derived from the nbgrader source notebook:

* ``right``: the solution cell's own text;
* ``blank``: the released cell as handed out (``raise NotImplementedError()``);
* ``wrong``: the solution with every whole number in it increased by one (``(None, 13, 8, 16)`` becomes
  ``(None, 14, 9, 17)``); whether that still earns a part is left to the reference grader.

The expected score comes from :func:`reference_scores`: a separate Python process runs the *source* notebook's
code cells (with their hidden tests) in order, each learner's answers in place of the solutions, and gives each
graded cell its points when it raises nothing: nbgrader's own rule, applied without the exchange, the gradebook
or the learner's server. So if the exercise wording or numbers change, the expectation follows.
"""

from __future__ import annotations

import ast
import json
import random
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["KINDS", "AnswerKey", "plan_for", "fill", "reference_scores"]

KINDS = ("right", "wrong", "blank")
HERE = Path(__file__).resolve().parent


def _nbgrader(cell: dict) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _text(cell: dict) -> str:
    source = cell["source"]
    return "".join(source) if isinstance(source, list) else source


class _BumpInts(ast.NodeTransformer):
    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if type(node.value) is int:
            return ast.copy_location(ast.Constant(node.value + 1), node)
        return node


def wrong_version(source: str) -> str:
    """``source`` with each integer literal plus one (comments and markers dropped)."""
    tree = _BumpInts().visit(ast.parse(source))
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


@dataclass(frozen=True)
class AnswerKey:
    """The answer cells of an assignment: for each ``grade_id``, its text in each :data:`KINDS`."""

    texts: dict[str, dict[str, str]]
    points: dict[str, float]  # graded cell grade_id -> points

    @classmethod
    def from_notebooks(cls, source: dict, release: dict) -> AnswerKey:
        released = {_nbgrader(c)["grade_id"]: _text(c) for c in release["cells"] if _nbgrader(c).get("solution")}
        texts = {}
        for cell in source["cells"]:
            meta = _nbgrader(cell)
            if meta.get("solution") and cell["cell_type"] == "code":
                gid = meta["grade_id"]
                texts[gid] = {"right": _text(cell), "wrong": wrong_version(_text(cell)), "blank": released[gid]}
        points = {
            _nbgrader(c)["grade_id"]: float(_nbgrader(c)["points"])
            for c in source["cells"]
            if _nbgrader(c).get("grade")
        }
        if not texts or not points:
            raise ValueError(
                "the source notebook has no nbgrader answer cells or no graded cells; expected an "
                "nbgrader source notebook. Received: "
                f"{len(texts)} answer cells, {len(points)} graded cells"
            )
        return cls(texts, points)

    @property
    def max_score(self) -> float:
        return sum(self.points.values())

    def answers(self, plan: dict[str, str]) -> dict[str, str]:
        """The answer texts for ``plan`` (grade_id -> kind)."""
        return {gid: self.texts[gid][kind] for gid, kind in plan.items()}

    def uniform(self, kind: str) -> dict[str, str]:
        return {gid: kind for gid in self.texts}


def plan_for(key: AnswerKey, learner: int) -> dict[str, str]:
    """A fixed mix of right, wrong and blank answers for learner number ``learner`` (0, 1, 2, ...)."""
    rng = random.Random(f"convkit-class-rehearsal-{learner}")
    gids = sorted(key.texts)
    kinds = [KINDS[(learner + i) % 3] for i in range(len(gids))]  # every kind present when there are >= 3 cells
    rng.shuffle(kinds)
    return dict(zip(gids, kinds))


def fill(notebook: dict, answers: dict[str, str]) -> dict:
    """``notebook`` (nbformat JSON) with the answer cells named in ``answers`` replaced, in place."""
    for cell in notebook["cells"]:
        gid = _nbgrader(cell).get("grade_id")
        if gid in answers:
            cell["source"] = answers[gid]
    return notebook


def reference_scores(
    source_path: Path, answers: dict[str, dict[str, str]], timeout: float = 600
) -> dict[str, dict[str, float]]:
    """For each learner, the points each graded cell should get: ``{learner: {grade_id: points}}``.

    Runs ``reference_grader.py`` in a fresh interpreter (one fresh namespace per learner).
    """
    request = json.dumps({"notebook": str(source_path), "answers": answers})
    result = subprocess.run(
        [sys.executable, str(HERE / "reference_grader.py")],
        input=request,
        text=True,
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"the reference grader failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout)
