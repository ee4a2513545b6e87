"""Every learner notebook runs in a real JupyterLab without errors, and its widgets show up.

Screenshots of each notebook go to the artifacts dir (env ``CONVKIT_ARTIFACTS`` or ``build/artifacts/browser/``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .lab import (
    REPO_ROOT,
    WIDGET_PROBLEMS,
    LabServer,
    assert_no_errors,
    open_notebook,
    run_all,
    screenshot,
    sign_notebook,
    wait_js,
    wait_kernel_idle,
    widget_problems,
)

NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))
NOTEBOOK_PARAMS = [pytest.param(p.name, id=p.name) for p in NOTEBOOKS] or [
    pytest.param(None, id="no-notebooks", marks=pytest.mark.skip(reason="no notebooks yet in notebooks/"))
]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
RUN_TIMEOUT = 240.0  # the notebooks import TensorFlow
SAVED_WIDGET_SHOWN_JS = """(problems) => {
  const outputs = [...document.querySelectorAll('.jp-OutputArea-output')];
  const shown = outputs.flatMap(o => [...o.querySelectorAll('.jupyter-widgets, .convkit-widget')])
    .some(e => e.offsetWidth > 0 && e.offsetHeight > 0);
  return shown && !outputs.some(o => problems.some(p => o.innerText.includes(p)));
}"""


def assert_widgets_visible(panel: Any) -> int:
    """Every ``.convkit-widget`` in the panel is visible; return how many there are."""
    widgets = panel.locator(".convkit-widget")
    hidden = [i for i in range(widgets.count()) if not widgets.nth(i).is_visible()]
    assert not hidden, f"convkit widgets #{hidden} of {widgets.count()} are not visible"
    return widgets.count()


@pytest.mark.parametrize("name", NOTEBOOK_PARAMS)
def test_notebook_runs_in_lab(page: Any, lab_server: LabServer, name: str) -> None:
    panel = open_notebook(page, lab_server, name)
    wait_kernel_idle(page)
    run_all(page, timeout=RUN_TIMEOUT)
    assert_no_errors(page)
    assert_widgets_visible(panel)
    screenshot(panel, f"run-{name}")


def _has_widget_output(nb: Any) -> bool:
    return any(
        WIDGET_VIEW in out.get("data", {})
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
    )


def execute_with_widget_state(source: Path, timeout: float = RUN_TIMEOUT) -> Any:
    """Execute a notebook with nbclient, keeping the widget state in its metadata; return the notebook."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(str(source), as_version=4)
    client = NotebookClient(
        nb,
        timeout=int(timeout),
        kernel_name="python3",
        store_widget_state=True,
        resources={"metadata": {"path": str(source.parent)}},
    )
    client.execute()
    return nb


def widget_notebook_candidates(paths: list[Path]) -> list[Path]:
    """Notebooks whose code mentions widgets (cheap filter before executing any)."""
    import nbformat

    found = []
    for path in paths:
        nb = nbformat.read(str(path), as_version=4)
        if any(c.cell_type == "code" and "widget" in c.source.lower() for c in nb.cells):
            found.append(path)
    return found


def test_saved_widget_state_renders_without_running(page: Any, lab_server: LabServer, notebooks_dir: Path) -> None:
    """A notebook executed with stored widget state, and trusted, shows its widgets when opened without running."""
    import nbformat

    for source in widget_notebook_candidates(sorted(notebooks_dir.glob("*.ipynb"))):
        nb = execute_with_widget_state(source)
        if _has_widget_output(nb):
            break
    else:
        pytest.skip(f"no notebook in {notebooks_dir} displays a widget yet")
    assert nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json"), "no widget state saved"
    saved = lab_server.root_dir / f"saved-state-{source.name}"
    nbformat.write(nb, str(saved))
    sign_notebook(saved, lab_server.data_dir)

    panel = open_notebook(page, lab_server, saved.name)
    try:
        wait_js(page, f"a saved widget of {saved.name} to render", SAVED_WIDGET_SHOWN_JS, 60, list(WIDGET_PROBLEMS))
    except TimeoutError as err:
        raise AssertionError(f"{err}; outputs with problems: {widget_problems(page)}") from err
    assert_widgets_visible(panel)
    screenshot(panel, f"saved-state-{source.name}")
