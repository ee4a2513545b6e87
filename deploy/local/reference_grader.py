"""Score answers the way nbgrader does, without nbgrader: read a JSON request on stdin, print JSON scores.

Request: ``{"notebook": <source .ipynb>, "answers": {learner: {answer grade_id: source}}}``. For each learner,
the notebook's code cells run in order in a fresh namespace, the learner's text in place of each named answer
cell; a graded cell earns its points when it raises nothing (an error elsewhere does not stop the run, as with
nbgrader's ``allow_errors``). Output: ``{learner: {graded grade_id: points earned}}``.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys


def score(cells: list[dict], answers: dict[str, str]) -> dict[str, float]:
    namespace: dict = {"__name__": "__main__"}
    earned = {}
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        meta = cell.get("metadata", {}).get("nbgrader", {})
        gid = meta.get("grade_id")
        source = answers.get(gid, cell["source"])
        try:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                exec(compile(source, f"<cell {gid}>", "exec"), namespace)  # noqa: S102 (the course's own cells)
            ok = True
        except BaseException:  # noqa: BLE001 (any error fails the cell, exactly like a notebook error output)
            ok = False
        if meta.get("grade"):
            earned[gid] = float(meta["points"]) if ok else 0.0
    return earned


def main() -> int:
    request = json.load(sys.stdin)
    with open(request["notebook"], encoding="utf-8") as f:
        cells = json.load(f)["cells"]
    for cell in cells:
        if isinstance(cell["source"], list):
            cell["source"] = "".join(cell["source"])
    result = {learner: score(cells, answers) for learner, answers in request["answers"].items()}
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
