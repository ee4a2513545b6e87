"""convkit's own import graph: no cycle (function-local and ``import_module`` imports included) and every
edge points down the layers of docs (widgets -> render -> core; checks -> core; adapters -> core)."""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "convkit"

#: part -> the parts it may import (besides itself); the top-level modules are the public front door
ALLOWED = {
    "core": set(),
    "render": {"core"},
    "widgets": {"render", "core"},
    "checks": {"core"},
    "adapters": {"core"},
    "serverext": set(),
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def _resolve(current: str, is_package: bool, level: int, target: str | None) -> str:
    base = current.split(".") if is_package else current.split(".")[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join([*base, target] if target else base)


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """Every convkit module ``name`` imports, wherever the import statement stands."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    found: set[str] = set()

    def add(target: str) -> None:
        while target and target not in known:
            target = target.rpartition(".")[0]
        if target and target != name:
            found.add(target)

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("convkit"):
                    add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(name, is_package, node.level, node.module) if node.level else (node.module or "")
            if not base.startswith("convkit"):
                continue
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                add(candidate if candidate in known else base)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module":
            if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                target = node.args[0].value
                if target.startswith("."):
                    level = len(target) - len(target.lstrip("."))
                    target = _resolve(name, is_package, level, target.lstrip(".") or None)
                if target.startswith("convkit"):
                    add(target)
    return found


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: imports_of(name, path, known) for name, path in mods.items()}


def part(name: str) -> str | None:
    pieces = name.split(".")
    return pieces[1] if len(pieces) > 2 or (len(pieces) == 2 and pieces[1] in ALLOWED) else None


def test_the_scanner_sees_function_local_imports():
    known = set(modules())
    edges = imports_of("convkit.widgets.traversal", PACKAGE / "widgets" / "traversal.py", known)
    assert any(e.startswith("convkit.render") for e in edges)


def test_no_import_cycle_among_convkit_modules():
    edges = graph()
    # the package itself re-exports lazily by name; an edge *into* a package's __init__ from its own
    # submodules is an import of that package's public names, not a cycle through its code
    sorter = graphlib.TopologicalSorter(
        {m: {d for d in deps if not m.startswith(d + ".")} for m, deps in edges.items()}
    )
    try:
        sorter.prepare()
    except graphlib.CycleError as err:
        pytest.fail(f"import cycle: {' -> '.join(err.args[1])}")


def test_every_edge_points_down_the_layers():
    wrong = []
    for module, deps in graph().items():
        source = part(module)
        if source is None:
            continue
        for dep in deps:
            target = part(dep)
            if target is not None and target != source and target not in ALLOWED[source]:
                wrong.append(f"{module} -> {dep}")
    assert not wrong, "imports against the layers:\n" + "\n".join(sorted(wrong))
