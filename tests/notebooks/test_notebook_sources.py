"""The notebooks' sources are jupytext MyST files paired with the committed ``.ipynb``: converting either file with
the jupytext command line gives the other one's cells, every cell's id is written in its options, and an edit made
in JupyterLab (through jupytext's contents manager) writes both files and renames no cell."""

from __future__ import annotations

import doctest
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
jupytext = pytest.importorskip("jupytext")

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
SOURCES = sorted(NOTEBOOKS.glob("*.md"))
SYNC = ROOT / "tools" / "sync_notebooks.py"
MAKE_COURSE = ROOT / "tools" / "make_course.py"


def _tool(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


sync = _tool("sync_notebooks", SYNC)


def read(path: Path):
    return nbformat.read(path, as_version=4)


def jupytext_cli(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "jupytext", "--quiet", *args], check=True, capture_output=True, text=True)


def test_every_notebook_has_a_myst_source():
    assert [p.stem for p in SOURCES] == sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
    assert len(SOURCES) == 7
    for path in SOURCES:
        assert read(path.with_suffix(".ipynb")).metadata.jupytext.formats == "ipynb,md:myst"
        header = path.read_text(encoding="utf-8").split("\n---\n", 1)[0]
        assert "formats: ipynb,md:myst" in header and "format_name: myst" in header


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_jupytext_to_ipynb_gives_the_committed_cells(source, tmp_path):
    out = tmp_path / f"{source.stem}.ipynb"
    jupytext_cli("--to", "ipynb", str(source), "-o", str(out))
    converted, committed = read(out), read(source.with_suffix(".ipynb"))
    assert len(converted.cells) == len(committed.cells)
    for new, old in zip(converted.cells, committed.cells):
        assert new.cell_type == old.cell_type, old.id
        assert new.source == old.source, old.id
        assert new.metadata == old.metadata, old.id
        # jupytext gives a text file's cells random ids; the id written in the options is the committed one
        assert new.metadata["id"] == old.id, old.id
        if old.cell_type == "code":
            assert old.outputs == [] and old.execution_count is None, old.id
    assert converted.metadata.kernelspec == committed.metadata.kernelspec
    assert converted.metadata.jupytext.formats == committed.metadata.jupytext.formats


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_jupytext_to_myst_gives_the_committed_source(source, tmp_path):
    """What jupytext writes from the notebook (as JupyterLab does on save) is the committed ``.md``, byte for byte
    (but for the version of jupytext named in the header)."""
    out = tmp_path / source.name
    jupytext_cli("--to", "md:myst", str(source.with_suffix(".ipynb")), "-o", str(out))
    written, committed = out.read_text(encoding="utf-8"), source.read_text(encoding="utf-8")
    assert sync.same_text(written, committed)
    assert written.count("\n") == committed.count("\n")


def test_sync_check_passes():
    result = subprocess.run([sys.executable, str(SYNC), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_every_cell_has_its_id_in_its_options_and_plain_latex(source):
    nb = jupytext.read(source)
    ids = [cell.metadata.get("id") for cell in nb.cells]
    assert all(ids) and len(set(ids)) == len(ids), ids
    text = source.read_text(encoding="utf-8")
    assert "\\\\" not in text and "{{" not in text, "doubled backslashes or braces left from the Python sources"
    if source.stem == "05_exercises":
        assert ids == [cell.metadata.nbgrader.grade_id for cell in nb.cells]
        assert text.count('"nbgrader": {') == sum(c.cell_type == "markdown" for c in nb.cells)
    if source.stem == "00_start_here":
        assert r"\left\lfloor \frac{n - k_\text{eff}}{s} \right\rfloor" in text


def _copy_pair(name: str, folder: Path) -> None:
    folder.mkdir()
    for ext in (".md", ".ipynb"):
        shutil.copy2(NOTEBOOKS / f"{name}{ext}", folder / f"{name}{ext}")


def test_an_edit_saved_in_lab_writes_both_files_and_renames_no_cell(tmp_path):
    """JupyterLab saves through jupytext's contents manager: insert a cell and edit another as an instructor would,
    then the sync tool gives the new cell an id of its own and leaves every other id alone."""
    manager = pytest.importorskip("jupytext.sync_contentsmanager")
    name = "02_example_same_padding"
    folder = tmp_path / "lab"
    _copy_pair(name, folder)
    cm = manager.TextFileContentsManager(root_dir=str(folder))
    model = cm.get(f"{name}.ipynb")
    before = [cell.id for cell in model["content"].cells]
    model["content"].cells.insert(3, nbformat.v4.new_code_cell("images.shape"))
    model["content"].cells[0].source += "\n\nAn instructor's note."
    cm.save(model, f"{name}.ipynb")

    text = (folder / f"{name}.md").read_text(encoding="utf-8")
    assert "An instructor's note." in text and "images.shape" in text  # the .md was saved too
    saved = [cell.id for cell in read(folder / f"{name}.ipynb").cells]
    assert saved[:3] + saved[4:] == before

    assert (
        subprocess.run([sys.executable, str(SYNC), "--check", "--dir", str(folder)], capture_output=True).returncode
        == 1
    )
    subprocess.run([sys.executable, str(SYNC), "--dir", str(folder)], check=True, capture_output=True)
    synced = [cell.id for cell in read(folder / f"{name}.ipynb").cells]
    assert synced == before[:3] + ["images-shape"] + before[3:]
    assert jupytext.read(folder / f"{name}.md").cells[3].metadata["id"] == "images-shape"
    assert subprocess.run([sys.executable, str(SYNC), "--check", "--dir", str(folder)]).returncode == 0


def test_a_pair_opens_in_lab_whatever_its_file_times(tmp_path):
    """After a git clone (Binder) either file may be the newer one; jupytext opens the pair because they agree."""
    manager = pytest.importorskip("jupytext.sync_contentsmanager")
    name = "00_start_here"
    folder = tmp_path / "clone"
    _copy_pair(name, folder)
    md = folder / f"{name}.md"
    os.utime(md, (md.stat().st_atime, md.stat().st_mtime - 60))  # the .ipynb a minute newer
    model = manager.TextFileContentsManager(root_dir=str(folder)).get(f"{name}.ipynb")
    assert [c.id for c in model["content"].cells] == [c.id for c in read(NOTEBOOKS / f"{name}.ipynb").cells]


def test_a_copied_cell_gets_a_new_id(tmp_path):
    nb = read(NOTEBOOKS / "05_exercises.ipynb")
    nb.cells.insert(5, nbformat.from_dict(nb.cells[4]))  # a pasted copy keeps its original's options
    cleaned = sync.clean(nb)
    ids = [cell.id for cell in cleaned.cells]
    assert ids[4] == "ex1_spatial" and ids[5] == "ex1_spatial-2" and len(set(ids)) == len(ids)
    assert all(cell.metadata["id"] == cell.id for cell in cleaned.cells)


def test_sync_tool_examples_run():
    result = doctest.testmod(sync)
    assert result.failed == 0 and result.attempted > 0


def test_course_source_is_not_paired(tmp_path):
    """nbgrader copies every file of ``source/<assignment>/`` into the release: a paired ``.md`` (solutions
    included) must never sit there, so the course's source notebook carries no jupytext pairing."""
    course = tmp_path / "course"
    target = course / "source" / "convkit_shapes" / "05_exercises.ipynb"
    target.parent.mkdir(parents=True)
    target.with_suffix(".md").write_text("### BEGIN SOLUTION\n", encoding="utf-8")  # left by an earlier pairing
    subprocess.run([sys.executable, str(MAKE_COURSE), str(course)], check=True, capture_output=True)
    made = read(target)
    assert "jupytext" not in made.metadata
    assert not target.with_suffix(".md").exists()
    committed = read(NOTEBOOKS / "05_exercises.ipynb")
    assert [(c.id, c.source, c.metadata) for c in made.cells] == [(c.id, c.source, c.metadata) for c in committed.cells]
