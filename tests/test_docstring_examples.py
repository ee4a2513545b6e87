"""The runnable examples in the core's docstrings and in the README stay true."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import convkit.core

CORE_MODULES = sorted(
    name for _, name, _ in pkgutil.walk_packages(convkit.core.__path__, prefix="convkit.core.")
)


@pytest.mark.parametrize("module_name", ["convkit", *CORE_MODULES])
def test_docstring_examples(module_name: str) -> None:
    module = importlib.import_module(module_name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {module_name}"


def test_readme_first_look_runs() -> None:
    """The README's 'A first look' block runs and its commented results are what convkit returns."""
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    block = readme.split("## A first look", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    checked = 0
    for line in block.strip().splitlines():
        code, _, comment = line.partition("#")
        if not code.strip() or "KernelTraversal" in code:
            continue
        if comment.strip().startswith("(") and "=" not in code:
            value = eval(code, namespace)  # noqa: S307 - our own README
            assert repr(value) == comment.strip(), line
            checked += 1
        else:
            exec(code, namespace)  # noqa: S102
    assert checked >= 2
    assert re.search(r"python -m pytest", readme)
