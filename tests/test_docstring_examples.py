"""The README's runnable example stays true (every docstring example in the package runs through pytest's
``--doctest-modules``, configured in pyproject.toml)."""

from __future__ import annotations

import re
from pathlib import Path


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
