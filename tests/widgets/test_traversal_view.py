"""The follow-the-kernel view of large grids: a pure function of the step that always contains the window, and
one rule for the widget and the exports (the widget's header carries the renderer's views)."""

from __future__ import annotations

import numpy as np
import pytest

from convkit.core.traversal import traverse
from convkit.render._traversal_view import VIEW_MARGIN, ZOOM_ABOVE, input_views, output_views
from convkit.widgets.traversal import KernelTraversal


@pytest.mark.parametrize(
    ("size", "kernel", "strides", "dilation"),
    [
        pytest.param(128, 3, 4, 1, id="example_3"),
        pytest.param(68, 5, 1, 1, id="example_2_padded"),
        pytest.param(512, 3, 1, 1, id="large"),
        pytest.param(300, 7, 9, 1, id="stride_larger_than_kernel"),
        pytest.param(200, 5, 1, 9, id="dilated_span_37"),
        pytest.param(1000, 40, 40, 1, id="huge_window"),
    ],
)
def test_every_window_lies_inside_its_view(size: int, kernel: int, strides: int, dilation: int) -> None:
    t = traverse(size, kernel, strides, dilation_rate=dilation)
    span = t.effective_kernel[0]
    v = input_views(t).cols
    assert v.zoomed and v.length >= span + 2 * VIEW_MARGIN + 1
    starts = t.origins()[:, 0]
    origins = np.array([v.origin(int(p)) for p in starts])
    assert (origins <= starts).all() and (starts + span <= origins + v.length).all()
    assert ((origins >= 0) & (origins + v.length <= size)).all()
    inner = (starts - origins >= VIEW_MARGIN) | (origins == 0)
    assert inner.all(), "the window keeps its margin from the view's start unless the grid starts there"
    pages = len(set(origins.tolist()))
    assert pages <= len(starts) // 2 + 1 or strides >= v.page, "consecutive steps mostly share a view"


def test_small_axes_are_drawn_whole() -> None:
    v = input_views(traverse(ZOOM_ABOVE, 3)).cols
    assert not v.zoomed and v.length == ZOOM_ABOVE and v.origin(37) == 0


def test_header_view_is_the_renderers_view_of_example_3_and_1d() -> None:
    w = KernelTraversal((128, 128), 3, strides=4)
    h = w.payload.header
    rows, cols = h["view"]["input"]
    assert rows == cols == {"size": 128, "length": 32, "window": 3, "margin": 2, "stride": 4, "page": 24}
    assert [a["length"] for a in h["view"]["output"]] == [32, 32], "the 32×32 output is drawn whole"
    vin, vout = input_views(w.traversal), output_views(w.traversal)
    assert (vin.rows.page, vin.cols.page) == (rows["page"], cols["page"])
    assert [vout.rows.length, vout.cols.length] == [32, 32]
    one = KernelTraversal(1000, 5, strides=2, padding="same")
    view = one.payload.header["view"]
    assert view["input"][0]["size"] == 1 and view["input"][1]["size"] == 1003
    assert view["output"][1] == {"size": 500, "length": 32, "window": 1, "margin": 2, "stride": 1, "page": 27}
    assert view["input"][1]["length"] == input_views(one.traversal).cols.length
