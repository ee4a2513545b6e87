"""The project's contracts, run by the README's test command: lint, format, types and import layers.

Each tool is configured in pyproject.toml, so a bare ``ruff check``, ``ruff format --check``, ``mypy`` and
``lint-imports`` in the project root check the same thing as these tests.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    found = BIN / name
    if found.exists():
        return str(found)
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: it comes with the test extra (pip install -e '.[test]')")
    return path


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(("ruff", "check"), id="ruff-check"),
        pytest.param(("ruff", "format", "--check"), id="ruff-format"),
        pytest.param(("mypy",), id="mypy"),
        pytest.param(("lint-imports",), id="import-linter"),
    ],
)
def test_contract(command: tuple[str, ...]) -> None:
    result = _run(_tool(command[0]), *command[1:])
    assert result.returncode == 0, f"`{' '.join(command)}` failed:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}"


def test_the_package_ships_its_type_information() -> None:
    assert (ROOT / "convkit" / "py.typed").exists()
