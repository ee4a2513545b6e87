"""The committed notebooks are clean nbformat v4 files (no outputs) with the content the tests and nbgrader rely on.

That each one is what its jupytext MyST source gives is checked in test_notebook_sources.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
BINDER = "https://mybinder.org/v2/gh/convkit/convkit/HEAD?urlpath=lab/tree/notebooks/00_start_here.ipynb"


def read(path: Path):
    return nbformat.read(path, as_version=nbformat.NO_CONVERT)


def test_there_are_seven_notebooks():
    assert [p.stem[:2] for p in NOTEBOOKS] == ["00", "01", "02", "03", "04", "05", "06"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_valid_v4_without_outputs(path):
    nb = read(path)
    assert nb.nbformat == 4
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    ids = [c.id for c in nb.cells]
    assert len(set(ids)) == len(ids)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: cell {cell.id} has output"
        assert "execution" not in cell.metadata


def test_start_here_has_the_binder_link():
    text = (ROOT / "notebooks" / "00_start_here.ipynb").read_text()
    assert BINDER in text


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.stem[:2] in ("01", "02", "03")], ids=lambda p: p.stem)
def test_examples_have_one_article_shapes_cell_using_real_tensorflow(path):
    nb = read(path)
    cells = [c for c in nb.cells if "article-shapes" in c.metadata.get("tags", [])]
    assert len(cells) == 1
    assert cells[0].source.count("print(tuple(") == 2
    text = "\n".join(c.source for c in nb.cells)
    assert "tf.random.normal(" in text and text.count("tf.keras.layers.Conv2D(") >= 2
    assert "KernelTraversal.from_layer(" in text and "LayerStack(" in text and "convkit.explained()" in text


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.stem[:2] != "05"], ids=lambda p: p.stem)
def test_your_turn_cells_have_editable_variables_first(path):
    cells = [c for c in read(path).cells if "your-turn" in c.metadata.get("tags", [])]
    assert cells
    for cell in cells:
        for name in ("input_size", "kernel_size", "strides", "padding"):
            assert re.search(rf"^{name} = ", cell.source, re.M), f"{name} missing in {path.name}"
        assert "checks.try_layer(" in cell.source


def test_exercises_are_a_valid_nbgrader_source():
    nbgrader = pytest.importorskip("nbgrader.preprocessors")
    path = ROOT / "notebooks" / "05_exercises.ipynb"
    nb = read(path)
    nbgrader.CheckCellMetadata().preprocess(nb, {})  # raises on inconsistent nbgrader metadata
    meta = [c.metadata.get("nbgrader") for c in nb.cells]
    assert all(m and m["schema_version"] == 3 for m in meta)
    ids = [m["grade_id"] for m in meta]
    assert len(set(ids)) == len(ids)
    tests = [c for c in nb.cells if c.metadata.nbgrader["grade"]]
    solutions = [c for c in nb.cells if c.metadata.nbgrader["solution"]]
    assert len(solutions) == 13 and len(tests) >= 24
    assert sum(c.metadata.nbgrader["points"] for c in tests) == 32
    for cell in tests:
        assert cell.metadata.nbgrader["locked"]
        assert "### BEGIN HIDDEN TESTS" in cell.source and "### END HIDDEN TESTS" in cell.source
        hidden = cell.source.split("### BEGIN HIDDEN TESTS")[1]
        assert "checks.check_" in hidden
    for cell in solutions:
        assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source
    text = "\n".join(c.source for c in nb.cells)
    assert "tensorflow" not in text and "import tf" not in text


def test_exercise_code_fits_the_feedback_page():
    """nbgrader's feedback page shows each cell's code (hidden tests included) in a box that does not wrap:
    about 77 characters fit in an 800-pixel window."""
    nb = read(ROOT / "notebooks" / "05_exercises.ipynb")
    long = [
        (c.metadata.nbgrader["grade_id"], line)
        for c in nb.cells
        if c.cell_type == "code"
        for line in c.source.splitlines()
        if len(line) > 76
    ]
    assert not long, long


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.stem[:2] in ("01", "02", "03", "04", "06")], ids=lambda p: p.stem)
def test_tensorflow_is_imported_quietly_and_unchanged(path):
    """TensorFlow is imported inside ``quiet_tensorflow()`` (its start-up lines would be a red stderr box), and
    its CPU kernels are left as a learner's own TensorFlow has them (no TF_ENABLE_ONEDNN_OPTS)."""
    sources = [c.source for c in read(path).cells if c.cell_type == "code"]
    imports = [s for s in sources if re.search(r"^\s*import tensorflow", s, re.M)]
    assert len(imports) == 1
    assert re.search(r"^with quiet_tensorflow\(\):\n    import tensorflow as tf$", imports[0], re.M)
    assert "TF_ENABLE_ONEDNN_OPTS" not in "\n".join(sources)
