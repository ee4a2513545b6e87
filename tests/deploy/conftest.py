"""Tests of deploy/: the local class hub and its rehearsal, and the Zero to JupyterHub values.

``deploy/local`` is put on ``sys.path`` (its modules import each other by name, as the hub config does).
Without configurable-http-proxy the hub tests are skipped with the reason; under ``CI=true`` they fail.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LOCAL = REPO / "deploy" / "local"
if str(LOCAL) not in sys.path:
    sys.path.insert(0, str(LOCAL))

IN_CI = os.environ.get("CI") == "true"


def missing(reason: str, *, module_level: bool = False) -> None:
    """Skip locally, fail under ``CI=true`` (where everything the tests need must be installed)."""
    if IN_CI:
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=module_level)


def require_modules(*names: str) -> None:
    """At a test module's top: skip it (locally) or fail (under CI) unless every module imports."""
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError:
            missing(
                f"{name} is not installed (pip install jupyterhub jupyterhub-idle-culler nbgrader==0.9.6 "
                "pyyaml jsonschema)",
                module_level=True,
            )


@pytest.fixture
def chp() -> str:
    """The configurable-http-proxy command, found the way the hub finds it."""
    from hub_process import ChpNotFound, find_chp

    try:
        return find_chp()
    except ChpNotFound as exc:
        missing(str(exc))
        raise  # not reached
