"""Tiny helpers the notebook text modules use to declare cells: ``(kind, source, metadata)`` tuples."""

from __future__ import annotations

BINDER_URL = "https://mybinder.org/v2/gh/convkit/convkit/HEAD?urlpath=lab/tree/notebooks/{name}.ipynb"
BINDER_BADGE = "https://mybinder.org/badge_logo.svg"


def md(source: str, **meta) -> tuple:
    """A markdown cell."""
    return ("md", source, meta or None)


def code(source: str, *tags: str, **meta) -> tuple:
    """A code cell; ``tags`` go to ``metadata.tags`` (e.g. ``article-shapes``, ``your-turn``)."""
    if tags:
        meta = {**meta, "tags": list(tags)}
    return ("code", source, meta or None)


def binder_badge(name: str) -> str:
    """Markdown for a "launch binder" badge opening ``notebooks/<name>.ipynb`` in JupyterLab."""
    return f"[![Launch on Binder]({BINDER_BADGE})]({BINDER_URL.format(name=name)})"


TF_SETUP = '''
# show matplotlib figures (the stack diagrams) as pictures in the notebook
%matplotlib inline
import numpy as np

# While it loads, TensorFlow logs notes (oneDNN, CPU features) on stderr before it reads
# TF_CPP_MIN_LOG_LEVEL. quiet_tensorflow() sets TF_CPP_MIN_LOG_LEVEL=2 (TensorFlow's C++ code
# then logs errors only) and drops the notes logged during the import; errors are still shown.
from convkit._quiet_tf import quiet_tensorflow
with quiet_tensorflow():
    import tensorflow as tf

import convkit
from convkit import checks, layers

tf.random.set_seed(0)  # the same random images every run
'''


# --------------------------------------------------------------------------- nbgrader cells (schema 3)
def _nbgrader(grade_id: str, *, solution: bool, grade: bool, locked: bool, points: int | None = None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def readonly_md(source: str, grade_id: str) -> tuple:
    """A locked markdown cell (instructions the learner cannot edit)."""
    return ("md", source, _nbgrader(grade_id, solution=False, grade=False, locked=True))


def readonly_code(source: str, grade_id: str) -> tuple:
    """A locked code cell (setup the learner runs but does not edit)."""
    return ("code", source, _nbgrader(grade_id, solution=False, grade=False, locked=True))


def answer(source: str, grade_id: str) -> tuple:
    """An answer cell: the part between ``### BEGIN SOLUTION``/``### END SOLUTION`` is removed on release."""
    return ("code", source, _nbgrader(grade_id, solution=True, grade=False, locked=False))


def graded(source: str, grade_id: str, points: int) -> tuple:
    """A locked autograder test cell worth ``points`` (all or nothing)."""
    return ("code", source, _nbgrader(grade_id, solution=False, grade=True, locked=True, points=points))
