"""Every learner notebook runs in a real JupyterLab without stderr, errors or blank widgets, and its widgets show
up: after Run All in the light theme and in JupyterLab Dark (both in the replayed Binder session of ``conftest.py``),
and from saved widget state without running. A test with deliberately broken outputs proves the checks catch them.

Screenshots of each notebook and of each convkit widget go to the artifacts dir (env ``CONVKIT_ARTIFACTS`` or
``build/artifacts/browser/``): ``run-*`` (light), ``dark-*``, ``saved-state-*``, ``problem-checks.png``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest

from .binder_session import DARK, BinderSession, Visit
from .lab import (
    REPO_ROOT,
    WIDGET_PROBLEMS,
    LabServer,
    assert_no_errors,
    notebook_problems,
    open_notebook,
    run_all,
    screenshot,
    screenshot_widgets,
    sign_notebook,
    top_widgets,
    wait_js,
    wait_kernel_idle,
    wait_traversals_drawn,
    widget_problems,
)

NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))
NOTEBOOK_PARAMS = [pytest.param(p.name, id=p.name) for p in NOTEBOOKS] or [
    pytest.param(None, id="no-notebooks", marks=pytest.mark.skip(reason="no notebooks yet in notebooks/"))
]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
RUN_TIMEOUT = 240.0  # the notebooks import TensorFlow
#: Code that makes a convkit widget: ``convkit.KernelTraversal(...)``, ``KernelTraversal.from_layer(...)``,
#: ``stack.editor()``.
WIDGET_CODE = re.compile(r"\bKernelTraversal\b|\.editor\(")
TRAVERSAL_CODE = re.compile(r"\bKernelTraversal\b")
SAVED_WIDGET_SHOWN_JS = """(problems) => {
  const outputs = [...document.querySelectorAll('.jp-OutputArea-output')];
  const shown = outputs.flatMap(o => [...o.querySelectorAll('.convkit-widget')])
    .some(e => e.offsetWidth > 0 && e.offsetHeight > 0);
  return shown && !outputs.some(o => problems.some(p => o.innerText.includes(p)));
}"""
# Counts canvas pixels that differ from the top-left (background) pixel; returns that pixel too.
CANVAS_JS = """(root) => {
  const c = root.querySelector('canvas');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let differ = 0;
  for (let i = 0; i < d.length; i += 16) {
    if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2]) differ++;
  }
  return {background: [d[0], d[1], d[2]], differ, samples: d.length / 16, width: c.width, height: c.height};
}"""


# --------------------------------------------------------------------------------------------- sources


def _read(path: Path) -> Any:
    import nbformat

    return nbformat.read(str(path), as_version=4)


def _shows_last(source: str) -> bool:
    """The cell ends in an expression (Jupyter displays it) or calls ``display(``."""
    if "display(" in source:
        return True
    code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
    try:
        body = ast.parse(code).body
    except SyntaxError:
        return True  # cannot tell: count it, the assertion message names the cell
    return bool(body) and isinstance(body[-1], ast.Expr)


def widget_cells(nb: Any) -> list[int]:
    """Indexes (in ``nb.cells``) of the code cells whose source displays a convkit widget."""
    return [
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and WIDGET_CODE.search(c.source) and _shows_last(c.source)
    ]


def _imports_tensorflow(nb: Any) -> bool:
    return any(
        c.cell_type == "code" and re.search(r"^\s*(import|from)\s+tensorflow\b", c.source, re.MULTILINE)
        for c in nb.cells
    )


def widget_notebook_candidates(paths: list[Path]) -> list[Path]:
    """Notebooks whose code displays a convkit widget, the ones without TensorFlow (fast to execute) first."""
    found = [(p, _read(p)) for p in paths]
    found = [(p, nb) for p, nb in found if widget_cells(nb)]
    return [p for p, nb in sorted(found, key=lambda item: (_imports_tensorflow(item[1]), item[0].name))]


def _has_widget_output(nb: Any) -> bool:
    return any(
        WIDGET_VIEW in out.get("data", {})
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
    )


def _saved_traversal_steps(nb: Any) -> list[int]:
    """``num_steps`` of every KernelTraversal canvas model in the saved widget state."""
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    steps = []
    for model in state.values():
        header = model.get("state", {}).get("header")
        if isinstance(header, dict) and "num_steps" in header:
            steps.append(int(header["num_steps"]))
    return steps


# --------------------------------------------------------------------------------------------- checks


def assert_widget_cells_show_widgets(panel: Any, nb: Any, name: str) -> int:
    """Each code cell that displays a convkit widget shows a visible one in its output; return how many."""
    cells = panel.locator(".jp-Notebook .jp-Cell")
    assert cells.count() == len(nb.cells), f"{name}: {cells.count()} cells in Lab, {len(nb.cells)} in the file"
    missing = []
    for i in widget_cells(nb):
        shown = cells.nth(i).locator(".jp-OutputArea .convkit-widget")
        if shown.count() == 0 or not shown.first.is_visible():
            missing.append(f"cell {i}: {nb.cells[i].source.splitlines()[-1]!r}")
    assert not missing, f"{name}: no visible convkit widget in the output of " + "; ".join(missing)
    widgets = top_widgets(panel)
    hidden = [i for i in range(widgets.count()) if not widgets.nth(i).is_visible()]
    assert not hidden, f"{name}: convkit widgets #{hidden} of {widgets.count()} are not visible"
    return widgets.count()


def assert_canvases_drawn(panel: Any) -> list[dict[str, Any]]:
    """Every KernelTraversal canvas in ``panel`` has a real picture on it (not just its background)."""
    roots = panel.locator(".convkit-traversal:not(.ck-too-large)")
    stats = [roots.nth(i).evaluate(CANVAS_JS) for i in range(roots.count())]
    for i, s in enumerate(stats):
        assert s["width"] > 100 and s["height"] > 50, f"traversal #{i}: canvas too small {s}"
        assert s["differ"] > s["samples"] * 0.1, f"traversal #{i}: canvas looks blank {s}"
    return stats


# --------------------------------------------------------------------------------------------- tests


def assert_visit_clean(visit: Visit, name: str) -> None:
    """The notebook ran to the end, showed no stderr/error/blank widget, and every widget cell shows a widget."""
    nb = _read(REPO_ROOT / "notebooks" / name)
    assert visit.ran and not visit.problems, f"{name}: " + "\n---\n".join(visit.problems)
    assert visit.cell_count == len(nb.cells), f"{name}: {visit.cell_count} cells in Lab, {len(nb.cells)} in the file"
    missing = [
        f"cell {i}: {nb.cells[i].source.splitlines()[-1]!r}" for i in widget_cells(nb) if i not in visit.widget_cells
    ]
    assert not missing, f"{name}: no convkit widget in the output of " + "; ".join(missing)
    assert len(visit.screenshots) == visit.widget_count, f"{name}: {visit.screenshots} for {visit.widget_count} widgets"
    assert all(p.stat().st_size > 0 for p in visit.screenshots + visit.panel_screenshots)


@pytest.mark.parametrize("name", NOTEBOOK_PARAMS)
def test_notebook_runs_in_lab(binder_session: BinderSession, name: str) -> None:
    """Light theme, in the replayed Binder session (each tab closed after its run): ``run-<name>*.png``."""
    assert_visit_clean(binder_session.closed.visit(name), name)


@pytest.mark.parametrize("name", NOTEBOOK_PARAMS)
def test_notebook_runs_in_dark_theme(binder_session: BinderSession, name: str) -> None:
    """JupyterLab Dark, in the replayed Binder session (tabs left open): the same checks, and every KernelTraversal
    draws on a dark background with light text. Screenshots: ``dark-<name>*.png``."""
    visit = binder_session.opened.visit(name)
    assert_visit_clean(visit, name)
    assert not visit.palette_problems, f"{name} in {DARK}: " + "; ".join(visit.palette_problems)


_BLANK_ESM = (
    'export default { render({ el }) { const c = document.createElement("canvas");'
    " c.width = 120; c.height = 60; el.append(c); } };"
)
_DRAWN_ESM = _BLANK_ESM.replace("el.append(c);", 'c.getContext("2d").fillRect(10, 10, 30, 30); el.append(c);')
_MISSING_VIEW = {"model_id": "no-such-model", "version_major": 2, "version_minor": 0}
#: Cells whose outputs the checks must catch (two stderr boxes, a blank canvas widget, a widget view whose model
#: does not exist), then cells they must leave alone (a drawn canvas widget, an ipywidgets slider, stdout).
PROBLEM_CELLS = [
    "import sys\nprint('written to sys.stderr', file=sys.stderr)",
    # like TensorFlow's C++ start-up lines; the pause lets ipykernel forward them while this cell still runs
    "import os, time\nos.write(2, b'written to file descriptor 2, the way C++ libraries log\\n')\ntime.sleep(1)",
    f"import anywidget\n\nclass Blank(anywidget.AnyWidget):\n    _esm = {_BLANK_ESM!r}\n\nBlank()",
    (
        f"from IPython.display import display\ndisplay({{'application/vnd.jupyter.widget-view+json': {_MISSING_VIEW!r}}},"
        " raw=True)"
    ),
    f"class Drawn(anywidget.AnyWidget):\n    _esm = {_DRAWN_ESM!r}\n\nDrawn()",
    "import ipywidgets\nipywidgets.IntSlider(description='fine')",
    "print('plain stdout')",
]


def test_problem_checks_catch_stderr_and_blank_widgets(page: Any, lab_server: LabServer) -> None:
    """The checks the notebook tests rely on really fail on stderr boxes, a blank widget and a missing widget."""
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in PROBLEM_CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nbformat.write(nb, str(lab_server.root_dir / "problems.ipynb"))
    panel = open_notebook(page, lab_server, "problems.ipynb")
    wait_kernel_idle(page)
    run_all(page, timeout=120)
    found = notebook_problems(panel, settle=5)
    stderr = [p for p in found if p.startswith("stderr output")]
    assert any("sys.stderr" in p for p in stderr) and any("file descriptor 2" in p for p in stderr), found
    assert any(p.startswith("blank widget") and "all one colour" in p for p in found), found
    assert any(p.startswith("widget did not render") and "Error displaying widget" in p for p in found), found
    assert len(found) == 4, "exactly the four problems, nothing about the drawn canvas, slider or stdout:\n" + (
        "\n---\n".join(found)
    )
    with pytest.raises(AssertionError, match="the notebook shows problems"):
        assert_no_errors(page, settle=1)
    screenshot(panel, "problem-checks")


def execute_with_widget_state(source: Path, timeout: float = RUN_TIMEOUT) -> Any:
    """Execute a notebook with nbclient, keeping the widget state in its metadata; return the notebook."""
    from nbclient import NotebookClient

    nb = _read(source)
    client = NotebookClient(
        nb,
        timeout=int(timeout),
        kernel_name="python3",
        store_widget_state=True,
        resources={"metadata": {"path": str(source.parent)}},
    )
    client.execute()
    return nb


def test_saved_widget_state_renders_without_running(page: Any, lab_server: LabServer, notebooks_dir: Path) -> None:
    """A notebook executed with stored widget state, and trusted, shows its widgets when opened without running."""
    import nbformat

    candidates = widget_notebook_candidates(sorted(notebooks_dir.glob("*.ipynb")))
    assert candidates, f"no notebook in {notebooks_dir} has code that displays a convkit widget ({WIDGET_CODE.pattern})"
    for source in candidates:
        nb = execute_with_widget_state(source)
        if _has_widget_output(nb):
            break
    else:
        raise AssertionError(f"none of {[p.name for p in candidates]} produced a widget-view output under nbclient")
    assert nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state"), "no widget state saved"
    saved_steps = _saved_traversal_steps(nb)
    if saved_steps:
        models = nb.metadata["widgets"][WIDGET_STATE]["state"].values()
        esm = [m["state"].get("_esm", "") for m in models if "header" in m.get("state", {})]
        assert esm and all("export default" in e for e in esm), "the anywidget ES module is not in the saved state"
    saved = lab_server.root_dir / f"saved-state-{source.name}"
    nbformat.write(nb, str(saved))
    sign_notebook(saved, lab_server.data_dir)

    panel = open_notebook(page, lab_server, saved.name)
    try:
        wait_js(page, f"a saved widget of {saved.name} to render", SAVED_WIDGET_SHOWN_JS, 60, list(WIDGET_PROBLEMS))
    except TimeoutError as err:
        raise AssertionError(f"{err}; outputs with problems: {widget_problems(page)}") from err
    count = assert_widget_cells_show_widgets(panel, nb, saved.name)
    assert count >= 1
    if saved_steps:  # the anywidget canvas drew from the saved header and binary buffers, with no kernel behind it
        wait_traversals_drawn(page, panel)
        shown = panel.locator(".convkit-traversal").evaluate_all("rs => rs.map(r => Number(r.dataset.numSteps))")
        assert shown == saved_steps, f"steps drawn {shown} != steps in the saved state {saved_steps}"
        assert_canvases_drawn(panel)
        # the saved picture is alive without a kernel: stepping redraws in the page, and the step sync (which has
        # no live comm here) raises nothing
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        root = panel.locator(".convkit-traversal").first
        frames = int(root.get_attribute("data-frames") or 0)
        root.locator(".ck-forward").click()
        wait_js(page, "a step forward in the saved view", "(el) => el.dataset.step === '1'", 10, root.element_handle())
        page.wait_for_timeout(600)  # past the widget's step-sync delay (300 ms)
        assert int(root.get_attribute("data-frames") or 0) > frames, "stepping did not redraw the canvas"
        assert not errors, f"page errors after stepping the saved widget: {errors}"
    prompts = panel.locator(".jp-CodeCell .jp-InputArea-prompt").all_inner_texts()
    assert not any("*" in p for p in prompts), f"a cell is running although nothing was run: {prompts}"
    screenshot(panel, f"saved-state-{source.stem}")
    screenshot_widgets(panel, f"saved-state-{source.stem}-widget")
