"""THROWAWAY: checks the browser infra against a temp widget notebook. Delete before handing back."""
from __future__ import annotations
from pathlib import Path
from typing import Any
import nbformat, pytest
from .lab import LabServer, assert_no_errors, count_sent_ws_frames, open_notebook, run_all, screenshot, wait_kernel_idle
from .test_notebooks_in_browser import assert_widgets_visible, test_saved_widget_state_renders_without_running  # noqa: F401


@pytest.fixture(scope="session")
def notebooks_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("nbs")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell("# scratch"),
                nbformat.v4.new_code_cell("import ipywidgets\ns = ipywidgets.IntSlider().add_class('convkit-widget')\ns"),
                nbformat.v4.new_code_cell(""),
                nbformat.v4.new_code_cell("print(1 + 1)")]
    nbformat.write(nb, str(d / "widget.ipynb"))
    return d


def test_scratch_run(page: Any, lab_server: LabServer) -> None:
    panel = open_notebook(page, lab_server, "widget.ipynb")
    wait_kernel_idle(page)
    run_all(page, timeout=60)
    assert_no_errors(page)
    assert assert_widgets_visible(panel) == 1
    with count_sent_ws_frames(page) as idle:
        page.wait_for_timeout(1500)
    assert idle.count == 0, idle.frames
    with count_sent_ws_frames(page) as busy:
        page.locator(".convkit-widget .noUi-handle").focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(1000)
    print("frames on slide:", busy.count)
    assert busy.count > 0
    assert page.locator(".convkit-widget .widget-readout").inner_text().strip() == "1"
    print(screenshot(panel, "scratch"))


def test_scratch_error_detected(page: Any, lab_server: LabServer) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("import sys; print('warn', file=sys.stderr)"),
                nbformat.v4.new_code_cell("1/0"), nbformat.v4.new_code_cell("x = 1")]
    nbformat.write(nb, str(lab_server.root_dir / "bad.ipynb"))
    open_notebook(page, lab_server, "bad.ipynb")
    wait_kernel_idle(page)
    with pytest.raises(AssertionError, match="ZeroDivisionError"):
        run_all(page, timeout=60)
    with pytest.raises(AssertionError, match="stderr output") as e:
        assert_no_errors(page, settle=1)
    print(e.value)
