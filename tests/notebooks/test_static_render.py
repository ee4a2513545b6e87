"""Static renderers show a picture for every widget.

Every learner notebook is executed the way ``jupyter nbconvert --to html --execute`` does it (nbclient with
``store_widget_state=True``), then exported with nbconvert's default ``HTMLExporter``, offline. With the widget
state saved, that exporter writes each widget output as a ``<script>`` only a CDN widget manager can draw, so the
picture must come from a separate static output right after it: an ``<img class="convkit-static-fallback">``
with a real PNG and a meaningful ``alt`` text. The test counts widget views and pictures output by output.
"""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
nbconvert = pytest.importorskip("nbconvert")
bs4 = pytest.importorskip("bs4")

pytestmark = [pytest.mark.notebooks, pytest.mark.slow]

NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"
NOTEBOOKS = sorted(p.stem for p in NOTEBOOK_DIR.glob("*.ipynb"))
TF_NOTEBOOKS = ("01_example_strided_valid", "02_example_same_padding", "03_example_large_stride",
                "04_same_padding_the_whole_truth", "06_transposed_convolution")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
#: Code that displays a convkit widget (a traversal, a stack editor, or a receptive-field view).
WIDGET_CODE = re.compile(r"KernelTraversal|\.editor\(|StackEditor|ReceptiveFieldView")
#: How a static picture's alt text starts: a traversal (its grids, or its depth view), a stack, a receptive field.
ALT_STARTS = ("Kernel traversal picture, step", "Kernel traversal depth view, step", "Layer-stack diagram",
              "Receptive-field picture:", "Transposed convolution picture.")
PNG = b"\x89PNG\r\n\x1a\n"


def _params():
    return [pytest.param(n, id=n, marks=[pytest.mark.tf] if n in TF_NOTEBOOKS else []) for n in NOTEBOOKS]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """name -> (executed notebook, HTML); each notebook executed once, in its own temporary folder."""
    cache: dict[str, tuple[object, str]] = {}

    def get(name: str):
        if name not in cache:
            workdir = tmp_path_factory.mktemp(name)
            nb = nbformat.read(NOTEBOOK_DIR / f"{name}.ipynb", as_version=4)
            env_before = os.environ.get("TF_CPP_MIN_LOG_LEVEL")
            os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
            try:
                nbclient.NotebookClient(nb, timeout=300, kernel_name="python3", store_widget_state=True,
                                        resources={"metadata": {"path": str(workdir)}}).execute(cwd=str(workdir))
            finally:
                if env_before is None:
                    os.environ.pop("TF_CPP_MIN_LOG_LEVEL", None)
                else:
                    os.environ["TF_CPP_MIN_LOG_LEVEL"] = env_before
            body, _ = nbconvert.HTMLExporter().from_notebook_node(nb)
            cache[name] = (nb, body)
        return cache[name]

    return get


def _output_children(html: str) -> list[list[object]]:
    """Per code cell of the exported page, its output elements (``.jp-OutputArea-child``) in order."""
    soup = bs4.BeautifulSoup(html, "html.parser")
    cells = soup.select("div.jp-Cell.jp-CodeCell")
    return [cell.select("div.jp-OutputArea-child") for cell in cells]


def _is_widget_view(child) -> bool:
    return child.select_one(f'script[type="{WIDGET_VIEW}"]') is not None


def _fallback_img(child):
    return child.select_one("img.convkit-static-fallback")


@pytest.mark.parametrize("name", _params())
def test_every_widget_has_a_picture_in_offline_html(exported, name: str) -> None:
    nb, html = exported(name)
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    views = [o for c in nb.cells for o in c.get("outputs", []) if WIDGET_VIEW in o.get("data", {})]
    assert all(o["data"][WIDGET_VIEW]["model_id"] in state for o in views), \
        "widget state was saved for every view (what makes nbconvert render the widget script)"
    if any(c.cell_type == "code" and WIDGET_CODE.search(c.source) for c in nb.cells):
        assert views, f"{name} has widget code but no widget output"

    widget_count = picture_count = 0
    for cell_index, children in enumerate(_output_children(html)):
        for i, child in enumerate(children):
            if _is_widget_view(child):
                widget_count += 1
                after = children[i + 1] if i + 1 < len(children) else None
                img = _fallback_img(after) if after is not None else None
                assert img is not None, f"{name}: code cell {cell_index}'s widget has no static picture after it"
                assert not _is_widget_view(after)
            img = _fallback_img(child)
            if img is None:
                continue
            picture_count += 1
            src = img.get("src", "")
            assert src.startswith("data:image/png;base64,"), f"{name}: picture not embedded: {src[:40]}"
            assert base64.b64decode(src.split(",", 1)[1])[:8] == PNG
            alt = img.get("alt", "")
            assert len(alt) > 40 and any(start in alt for start in ALT_STARTS), alt
    print(f"{name}: {widget_count} widget views, {picture_count} pictures")
    assert widget_count == len(views), "every widget output of the notebook is in the page"
    assert picture_count == widget_count, f"{name}: {widget_count} widgets but {picture_count} pictures"


@pytest.mark.parametrize("name", _params())
def test_static_output_keeps_png_and_text_for_other_renderers(exported, name: str) -> None:
    """GitHub, nbviewer and LaTeX/PDF pick other types of the same bundle: ``image/png`` and ``text/plain``."""
    nb, _ = exported(name)
    for cell in nb.cells:
        outputs = cell.get("outputs", [])
        for i, o in enumerate(outputs):
            data = o.get("data", {})
            if WIDGET_VIEW not in data:
                continue
            assert "image/png" not in data, "the PNG lives in the static output, not twice"
            assert data["text/plain"].startswith(
                ("KernelTraversal: ", "StackEditor: ", "ReceptiveFieldView: ", "TransposedKernelTraversal: ")), \
                data["text/plain"]
            static = outputs[i + 1]["data"]
            assert set(static) == {"text/html", "image/png", "text/plain"}
            assert base64.b64decode(static["image/png"])[:8] == PNG
            assert static["text/plain"].startswith(("Picture of step", "Diagram of", "Picture: "))
