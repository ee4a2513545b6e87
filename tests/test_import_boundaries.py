"""Import direction, checked in fresh interpreters: the core loads no drawing, widget or TensorFlow code,
and ``import convkit`` (plus its lazy core names) never loads TensorFlow."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import pytest

HEAVY = ("matplotlib", "ipywidgets", "anywidget", "tensorflow", "keras")


def _loaded_after(code: str) -> dict[str, bool]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps({{m: m in sys.modules for m in {HEAVY!r}}}))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


CORE = ["convkit.core.traversal", "convkit.core.numeric", "convkit.core.axis", "convkit.core.args"]


def test_core_loads_no_drawing_widgets_or_tensorflow():
    modules = list(CORE)
    if importlib.util.find_spec("convkit.core.layers") is not None:
        modules.append("convkit.core.layers")
    loaded = _loaded_after("\n".join(f"import {m}" for m in modules))
    assert not any(loaded.values()), f"importing {modules} loaded {[m for m, v in loaded.items() if v]}"


def test_core_layers_if_present():
    if importlib.util.find_spec("convkit.core.layers") is None:
        pytest.skip("convkit.core.layers does not exist yet")
    loaded = _loaded_after("import convkit.core.layers")
    assert not any(loaded.values()), loaded


def test_import_convkit_and_core_names_load_no_tensorflow():
    code = "import convkit\nconvkit.traverse, convkit.convolve, convkit.pool, convkit.Traversal"
    if importlib.util.find_spec("convkit.layers") is not None:
        code += "\nconvkit.layers"
    loaded = _loaded_after(code)
    assert not loaded["tensorflow"] and not loaded["keras"], loaded


def test_bare_import_convkit_loads_nothing_heavy():
    loaded = _loaded_after("import convkit")
    assert not any(loaded.values()), loaded
