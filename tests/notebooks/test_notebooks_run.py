"""Execute every learner notebook top to bottom (nbclient, a real ipykernel) and check what a learner sees.

* no cell produces an error;
* the ``article-shapes`` cells print the article's shapes exactly, one tuple per line;
* every ``your-turn`` cell, re-run with a deliberately wrong edit (a kernel larger than the input, "valid"
  padding), shows convkit's explanation instead of a traceback.

Each notebook runs once (cached for the module), in its own temporary folder.
"""

from __future__ import annotations

import copy
import os
import re
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

pytestmark = [pytest.mark.notebooks, pytest.mark.slow]

NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"
TF_NOTEBOOKS = ("01_example_strided_valid", "02_example_same_padding", "03_example_large_stride",
                "04_same_padding_the_whole_truth")
PLAIN_NOTEBOOKS = ("00_start_here", "05_exercises")
ARTICLE_SHAPES = {
    "01_example_strided_valid": "(3, 13, 13, 32)\n(3, 13, 13, 64)\n",
    "02_example_same_padding": "(5, 64, 64, 16)\n(5, 64, 64, 32)\n",
    "03_example_large_stride": "(2, 32, 32, 8)\n(2, 32, 32, 16)\n",
}
EDITED_TAG = "edited-your-turn"
CELL_TIMEOUT = 300


def _params(names):
    return [pytest.param(n, id=n, marks=[pytest.mark.tf] if n in TF_NOTEBOOKS else []) for n in names]


ALL = _params(PLAIN_NOTEBOOKS + TF_NOTEBOOKS)


def wrong_edit(source: str) -> str:
    """The your-turn cell with a kernel larger than the input and "valid" padding."""
    assert re.search(r"^kernel_size = ", source, re.M) and re.search(r"^input_size = ", source, re.M), \
        "your-turn cells start with input_size = ... and kernel_size = ... lines"
    source = re.sub(r"^kernel_size = .*$", "kernel_size = input_size + 5   # deliberately too large", source,
                    flags=re.M)
    if re.search(r"^padding = ", source, re.M):
        source = re.sub(r"^padding = .*$", 'padding = "valid"', source, flags=re.M)
    return source


def execute(name: str, workdir: Path) -> tuple[object, float]:
    """Run ``name`` plus a wrongly edited copy of each your-turn cell appended at the end (same kernel)."""
    nb = nbformat.read(NOTEBOOK_DIR / f"{name}.ipynb", as_version=4)
    for cell in [c for c in nb.cells if "your-turn" in c.metadata.get("tags", [])]:
        edited = copy.deepcopy(cell)
        edited.source = wrong_edit(cell.source)
        edited.metadata["tags"] = [EDITED_TAG]
        edited.id = f"{cell.id}-edited"
        nb.cells.append(edited)
    if name in PLAIN_NOTEBOOKS:  # these must start fast: no TensorFlow import, not even indirectly
        probe = nbformat.v4.new_code_cell('import sys\nprint("tensorflow loaded:", "tensorflow" in sys.modules)')
        probe.metadata["tags"] = ["probe"]
        nb.cells.append(probe)
    env_before = os.environ.get("TF_CPP_MIN_LOG_LEVEL")
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
    try:
        start = time.perf_counter()
        client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3", allow_errors=True,
                                         resources={"metadata": {"path": str(workdir)}})
        client.execute(cwd=str(workdir))
        return nb, time.perf_counter() - start
    finally:
        if env_before is None:
            os.environ.pop("TF_CPP_MIN_LOG_LEVEL", None)
        else:
            os.environ["TF_CPP_MIN_LOG_LEVEL"] = env_before


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    cache: dict[str, tuple[object, float]] = {}

    def _run(name: str):
        if name in TF_NOTEBOOKS:
            pytest.importorskip("tensorflow")
        if name not in cache:
            cache[name] = execute(name, tmp_path_factory.mktemp(name))
        return cache[name]

    yield _run
    total = sum(seconds for _, seconds in cache.values())
    print(f"\nnotebooks executed: {len(cache)}, total {total:.1f} s "
          + ", ".join(f"{n} {s:.1f} s" for n, (_, s) in cache.items()))


def tagged(nb, tag: str) -> list:
    return [c for c in nb.cells if c.cell_type == "code" and tag in c.metadata.get("tags", [])]


def stdout_of(cell) -> str:
    return "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")


def texts_of(cell) -> list[str]:
    out = []
    for o in cell.outputs:
        if o.output_type == "stream":
            out.append(o.text)
        elif o.output_type in ("display_data", "execute_result"):
            out.extend(str(v) for k, v in o.data.items() if k.startswith("text/"))
    return out


def test_notebook_list_is_complete():
    found = {p.stem for p in NOTEBOOK_DIR.glob("*.ipynb")}
    assert found == set(PLAIN_NOTEBOOKS + TF_NOTEBOOKS)


@pytest.mark.parametrize("name", ALL)
def test_runs_without_errors(run, name):
    nb, _ = run(name)
    errors = [f"cell {c.id}: {o.ename}: {o.evalue}" for c in nb.cells if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error"]
    assert not errors, "\n".join(errors)
    assert all(c.execution_count for c in nb.cells if c.cell_type == "code" and c.source.strip())


@pytest.mark.parametrize("name", _params(ARTICLE_SHAPES))
def test_article_shapes_printed_exactly(run, name):
    nb, _ = run(name)
    cells = tagged(nb, "article-shapes")
    assert len(cells) == 1
    assert stdout_of(cells[0]) == ARTICLE_SHAPES[name]


@pytest.mark.parametrize("name", _params(n for n in PLAIN_NOTEBOOKS + TF_NOTEBOOKS if n != "05_exercises"))
def test_your_turn_cells_show_the_formula(run, name):
    nb, _ = run(name)
    cells = tagged(nb, "your-turn")
    assert cells, "every learner notebook has a your-turn cell"
    for cell in cells:
        text = "\n".join(texts_of(cell))
        assert "height:" in text and "width:" in text and "→" in text


@pytest.mark.parametrize("name", _params(n for n in PLAIN_NOTEBOOKS + TF_NOTEBOOKS if n != "05_exercises"))
def test_a_wrong_edit_is_explained_not_a_traceback(run, name):
    nb, _ = run(name)
    cells = tagged(nb, EDITED_TAG)
    assert cells
    for cell in cells:
        assert not [o for o in cell.outputs if o.output_type == "error"]
        plain = [o.data["text/plain"] for o in cell.outputs
                 if o.output_type == "display_data" and "text/plain" in o.data]
        html = [o.data["text/html"] for o in cell.outputs if o.output_type == "display_data" and "text/html" in o.data]
        assert len(plain) == 1 and plain[0].startswith("convkit: Conv2D(") and "cannot run on input" in plain[0]
        assert "kernel" in plain[0] and "larger than" in plain[0]
        assert html and "convkit-trial-error" in html[0]
        assert "Traceback" not in "\n".join(texts_of(cell))


@pytest.mark.parametrize("name", _params(PLAIN_NOTEBOOKS))
def test_plain_notebooks_do_not_import_tensorflow(run, name):
    nb, _ = run(name)
    assert stdout_of(tagged(nb, "probe")[0]) == "tensorflow loaded: False\n"


@pytest.mark.tf
def test_the_coverage_numbers_match_the_article(run):
    pytest.importorskip("tensorflow")
    nb, _ = run("01_example_strided_valid")
    text = "\n".join(stdout_of(c) for c in nb.cells if c.cell_type == "code")
    assert "rows never read: [27]" in text and "never read: 7.0%" in text
    nb, _ = run("03_example_large_stride")
    text = "\n".join(stdout_of(c) for c in nb.cells if c.cell_type == "code")
    assert "never read: 43.75%" in text


@pytest.mark.tf
def test_same_padding_split_checked_against_tensorflow(run):
    pytest.importorskip("tensorflow")
    nb, _ = run("04_same_padding_the_whole_truth")
    text = "\n".join(stdout_of(c) for c in nb.cells if c.cell_type == "code")
    assert '"SAME" equals padding (0, 1): True' in text
    assert '"SAME" equals padding (1, 1): False' in text
    assert "convkit.convolve equals tf.nn.conv2d 'SAME': True" in text
    assert "28   14  (0, 1)" in text and "27   14  (1, 1)" in text
    assert "equals the hand-padded convolution: True" in text


@pytest.mark.parametrize("name", ALL)
def test_figures_are_shown_as_images(run, name):
    nb, _ = run(name)
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            if o.output_type in ("display_data", "execute_result") and \
                    str(o.data.get("text/plain", "")).startswith("<Figure size"):
                assert "image/png" in o.data, f"cell {cell.id} shows a figure as text only"
