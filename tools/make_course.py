"""Create an nbgrader course folder for convkit's exercise notebook.

    python tools/make_course.py ~/convkit-course
    cd ~/convkit-course
    nbgrader generate_assignment convkit_shapes --force     # release/ without solutions or hidden tests

The folder gets ``nbgrader_config.py`` (course root = the folder itself, a sqlite gradebook inside it, a
generous per-cell timeout, and autograding that does not warn about the test cells' hidden tests) and
``source/<assignment>/05_exercises.ipynb`` copied from ``notebooks/``.
An existing config is left alone unless ``--force`` is given; the source notebook is always refreshed.

The copy carries no jupytext pairing. ``notebooks/05_exercises.ipynb`` is paired with its MyST source
(``formats: ipynb,md:myst``), and JupyterLab with jupytext would write a ``05_exercises.md`` next to any copy it
saves; nbgrader copies every file of ``source/<assignment>/`` into the release, so that file, solutions and hidden
tests included, would reach the learners. A paired ``.md`` already in the source folder is deleted for that reason.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SOURCE_NOTEBOOK = ROOT / "notebooks" / "05_exercises.ipynb"
ASSIGNMENT = "convkit_shapes"

CONFIG = '''\
"""nbgrader configuration for the convkit exercises (made by convkit's tools/make_course.py)."""
import os

from nbformat import NotebookNode
from nbgrader.preprocessors import (CheckCellMetadata, ClearHiddenTests, ClearOutput, DeduplicateIds,
                                    OverwriteCells, OverwriteKernelspec)

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

HERE = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.root = HERE
c.CourseDirectory.course_id = {course_id!r}
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(HERE, "gradebook.db")
# The exercises import only convkit (no TensorFlow), but a generous limit keeps a slow grading machine safe.
c.ExecutePreprocessor.timeout = 300


class OverwriteCellsKnowingHiddenTests(OverwriteCells):
    """nbgrader's OverwriteCells, without its false alarm on test cells with hidden tests.

    The gradebook keeps each locked cell's checksum as it is in source/, hidden tests included, but learners
    receive the cell without them, so nbgrader 0.9 warns "Attribute 'checksum' ... has changed!" for every
    such cell of every submission (jupyter/nbgrader#1961) and then puts the source back. Here a cell that is
    exactly what was released gets its source back first, so no warning; a locked cell a learner really
    edited still gets the warning, and is restored as before.
    """

    def preprocess_cell(self, cell, resources, cell_index):
        meta = cell.metadata.get("nbgrader", {{}})
        if meta.get("locked") and meta.get("grade_id"):
            try:
                source = self.gradebook.find_source_cell(meta["grade_id"], self.notebook_id, self.assignment_id)
            except Exception:  # not in the gradebook: nbgrader's own code reports it
                source = None
            if source is not None and source.locked and cell.source != source.source:
                released = NotebookNode(source=source.source)
                ClearHiddenTests(parent=self)._remove_hidden_test_region(released)
                if cell.source == released.source:
                    cell.source = source.source
        return super().preprocess_cell(cell, resources, cell_index)


c.Autograde.sanitize_preprocessors = [ClearOutput, DeduplicateIds, OverwriteKernelspec,
                                      OverwriteCellsKnowingHiddenTests, CheckCellMetadata]
'''


def make_course(folder: Path, *, course_id: str = "convkit", assignment: str = ASSIGNMENT, force: bool = False) -> Path:
    """Write the course folder; return the path of the source notebook."""
    folder = folder.expanduser().resolve()
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "nbgrader_config.py"
    if force or not config.exists():
        config.write_text(CONFIG.format(course_id=course_id), encoding="utf-8")
    target = folder / "source" / assignment / SOURCE_NOTEBOOK.name
    target.parent.mkdir(parents=True, exist_ok=True)
    notebook = nbformat.read(SOURCE_NOTEBOOK, as_version=4)
    notebook.metadata.pop("jupytext", None)
    nbformat.write(notebook, target)
    paired = target.with_suffix(".md")
    if paired.exists():
        paired.unlink()
        print(f"deleted {paired}: nbgrader would release it with the solutions in it")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="course folder to create (or refresh)")
    parser.add_argument("--course-id", default="convkit")
    parser.add_argument("--assignment", default=ASSIGNMENT)
    parser.add_argument("--force", action="store_true", help="overwrite an existing nbgrader_config.py")
    args = parser.parse_args(argv)
    target = make_course(args.folder, course_id=args.course_id, assignment=args.assignment, force=args.force)
    print(f"source notebook: {target}")
    print(f"next: cd {args.folder} && nbgrader generate_assignment {args.assignment} --force")
    return 0


if __name__ == "__main__":
    sys.exit(main())
