"""Execute every learner notebook top to bottom (nbclient, a real ipykernel) and check what a learner sees.

* no cell produces an error;
* the ``article-shapes`` cells print the article's shapes exactly, one tuple per line;
* every ``your-turn`` cell, re-run with a deliberately wrong edit (a kernel larger than the input, "valid"
  padding), shows convkit's explanation instead of a traceback;
* no cell shows anything on stderr (JupyterLab's red box), with the environment a learner's own ``jupyter lab``
  has: ``TF_CPP_MIN_LOG_LEVEL`` is removed from the kernel's environment, whatever the test run sets;
* ``with convkit.explained():`` around a one-layer channel mistake, left to propagate, shows the explanation
  and no traceback.

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
                "04_same_padding_the_whole_truth", "06_transposed_convolution")
PLAIN_NOTEBOOKS = ("00_start_here", "05_exercises")
ARTICLE_SHAPES = {
    "01_example_strided_valid": "(3, 13, 13, 32)\n(3, 13, 13, 64)\n",
    "02_example_same_padding": "(5, 64, 64, 16)\n(5, 64, 64, 32)\n",
    "03_example_large_stride": "(2, 32, 32, 8)\n(2, 32, 32, 16)\n",
}
EDITED_TAG = "edited-your-turn"
CELL_TIMEOUT = 300
#: environment variables a learner's kernel does not have (CI sets TF_CPP_MIN_LOG_LEVEL for its own logs; pytest
#: sets PYTEST_CURRENT_TEST, and ipykernel then stops forwarding file-descriptor output such as TensorFlow's
#: start-up lines, which would hide exactly the stderr these tests look for)
LOG_SETTINGS = ("TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS", "PYTEST_CURRENT_TEST")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


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
    return run_notebook(nb, workdir)


def run_notebook(nb, workdir: Path) -> tuple[object, float]:
    """Execute ``nb`` in a fresh kernel whose environment has no TensorFlow log settings (as a learner's has)."""
    saved = {name: os.environ.pop(name) for name in LOG_SETTINGS if name in os.environ}
    try:
        start = time.perf_counter()
        client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3", allow_errors=True,
                                         resources={"metadata": {"path": str(workdir)}})
        client.execute(cwd=str(workdir))
        return nb, time.perf_counter() - start
    finally:
        os.environ.update(saved)


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


def stderr_outputs(nb) -> list[str]:
    return [f"cell {c.id}: {o.text!r}" for c in nb.cells if c.cell_type == "code"
            for o in c.outputs if o.output_type == "stream" and o.name == "stderr"]


@pytest.mark.parametrize("name", ALL)
def test_no_cell_shows_stderr(run, name):
    """No red box: TensorFlow's start-up lines are gone, and nothing else writes to stderr."""
    nb, _ = run(name)
    assert not stderr_outputs(nb), "\n".join(stderr_outputs(nb))


@pytest.mark.tf
def test_the_set_up_cell_imports_tensorflow_quietly(run):
    """The set-up cell's own words are true: it imports TensorFlow and the import printed nothing."""
    pytest.importorskip("tensorflow")
    nb, _ = run("01_example_strided_valid")
    setup = next(c for c in nb.cells if c.cell_type == "code" and "import tensorflow as tf" in c.source)
    assert "quiet_tensorflow()" in setup.source and "TF_CPP_MIN_LOG_LEVEL" in setup.source
    assert not [o for o in setup.outputs if o.output_type in ("stream", "error")], setup.outputs


EXPLAINED_CELLS = [
    "from convkit.adapters.quiet_tf import quiet_tensorflow\nwith quiet_tensorflow():\n    import tensorflow as tf\n"
    "import convkit",
    "conv = tf.keras.layers.Conv2D(8, kernel_size=3)\nconv(tf.zeros((1, 10, 10, 32)))  # built for 32 channels",
    "with convkit.explained():\n    conv(tf.zeros((1, 10, 10, 3)))   # 3 channels: the mistake",
]


def output_text(cell) -> str:
    """Everything the cell shows, as plain text, ANSI colour codes removed."""
    parts = []
    for o in cell.outputs:
        if o.output_type == "stream":
            parts.append(o.text)
        elif o.output_type in ("display_data", "execute_result"):
            parts.append(str(o.data.get("text/plain", "")))
        elif o.output_type == "error":
            parts.append("\n".join(o.traceback))
    return ANSI.sub("", "\n".join(parts))


@pytest.mark.tf
def test_explained_shows_the_explanation_without_a_traceback(tmp_path):
    """A channel mistake inside ``with convkit.explained():`` that reaches IPython (not caught) shows the
    explanation and at most ~20 lines, no traceback and no frames of convkit's or TensorFlow's code."""
    pytest.importorskip("tensorflow")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in EXPLAINED_CELLS])
    run_notebook(nb, tmp_path)
    setup, build, mistake = nb.cells
    assert not [o for o in setup.outputs + build.outputs if o.output_type == "error"]
    errors = [o for o in mistake.outputs if o.output_type == "error"]
    assert [o.ename for o in errors] == ["ShapeError"], mistake.outputs  # still an exception: the cell fails
    text = output_text(mistake)
    assert "Traceback" not in text and "File " not in text and "Cell In[" not in text
    assert "site-packages" not in text and "convkit/" not in text and "tensorflow/" not in text
    lines = [line for line in text.splitlines() if line.strip()]
    assert 2 <= len(lines) <= 20, text
    words = " ".join(text.split())
    assert "32" in words and "3" in words and "channel" in words, text  # the explanation, in these numbers
    assert not stderr_outputs(nb)


QUIET_PROBE = r'''
import os, sys
from convkit.adapters.quiet_tf import quiet_tensorflow
with quiet_tensorflow():
    os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n")
    os.write(2, b"I0000 00:00:1796161050.366322    6840 port.cc:153] oneDNN custom operations are on.\n")
    os.write(2, b"I0000 00:00:1796161050.441605    6840 cpu_feature_guard.cc:227] This binary is optimized.\n")
    os.write(2, b"To enable the following instructions: AVX2, rebuild TensorFlow.\n")
    os.write(2, b"E0000 00:00:1796161050.500000    6840 loader.cc:9] a real error\n")
    os.write(2, b"\nplain text on stderr\n")
os.write(2, b"after the import\n")
print(os.environ["TF_CPP_MIN_LOG_LEVEL"])
'''


@pytest.mark.parametrize("level, kept", [(None, ["a real error", "plain text"]),
                                         ("0", ["oneDNN", "cpu_feature_guard", "To enable", "a real error"])],
                         ids=["default", "level_0_kept"])
def test_quiet_tensorflow_drops_only_what_the_log_level_hides(level, kept):
    """Without TensorFlow: the records written to file descriptor 2 during the block are filtered by
    TF_CPP_MIN_LOG_LEVEL (default 2: INFO and WARNING dropped), other text is kept, and descriptor 2 works
    again afterwards."""
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in LOG_SETTINGS}
    if level is not None:
        env["TF_CPP_MIN_LOG_LEVEL"] = level
    result = subprocess.run([sys.executable, "-c", QUIET_PROBE], capture_output=True, text=True, env=env,
                            timeout=60, check=True)
    assert result.stdout.strip() == (level or "2")
    assert "absl::InitializeLog" not in result.stderr and result.stderr.endswith("after the import\n")
    for text in kept:
        assert text in result.stderr
    if level is None:
        assert "oneDNN" not in result.stderr and "To enable" not in result.stderr
