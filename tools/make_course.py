"""Create an nbgrader course folder for convkit's exercise notebook.

    python tools/make_course.py ~/convkit-course
    cd ~/convkit-course
    nbgrader generate_assignment convkit_shapes --force     # release/ without solutions or hidden tests

The folder gets ``nbgrader_config.py`` (course root = the folder itself, a sqlite gradebook inside it, a
generous per-cell timeout) and ``source/<assignment>/05_exercises.ipynb`` copied from ``notebooks/``.
An existing config is left alone unless ``--force`` is given; the source notebook is always refreshed.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE_NOTEBOOK = ROOT / "notebooks" / "05_exercises.ipynb"
ASSIGNMENT = "convkit_shapes"

CONFIG = '''\
"""nbgrader configuration for the convkit exercises (made by convkit's tools/make_course.py)."""
import os

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

HERE = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.root = HERE
c.CourseDirectory.course_id = {course_id!r}
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(HERE, "gradebook.db")
# The exercises import only convkit (no TensorFlow), but a generous limit keeps a slow grading machine safe.
c.ExecutePreprocessor.timeout = 300
'''


def make_course(folder: Path, *, course_id: str = "convkit", assignment: str = ASSIGNMENT,
                force: bool = False) -> Path:
    """Write the course folder; return the path of the source notebook."""
    folder = folder.expanduser().resolve()
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "nbgrader_config.py"
    if force or not config.exists():
        config.write_text(CONFIG.format(course_id=course_id), encoding="utf-8")
    target = folder / "source" / assignment / SOURCE_NOTEBOOK.name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SOURCE_NOTEBOOK, target)
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
