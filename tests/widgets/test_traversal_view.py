"""The follow-the-kernel view of large grids: a pure function of the step that always contains the window."""

from __future__ import annotations

import numpy as np
import pytest

from convkit.core.traversal import traverse
from convkit.widgets._traversal_view import VIEW_MARGIN, ZOOM_ABOVE, axis_view, view_header
from convkit.widgets.traversal import KernelTraversal


@pytest.mark.parametrize(("size", "kernel", "strides", "dilation"), [
    pytest.param(128, 3, 4, 1, id="example_3"),
    pytest.param(68, 5, 1, 1, id="example_2_padded"),
    pytest.param(512, 3, 1, 1, id="large"),
    pytest.param(300, 7, 9, 1, id="stride_larger_than_kernel"),
    pytest.param(200, 5, 1, 9, id="dilated_span_37"),
    pytest.param(1000, 40, 40, 1, id="huge_window"),
])
def test_every_window_lies_inside_its_view(size: int, kernel: int, strides: int, dilation: int) -> None:
    t = traverse(size, kernel, strides, dilation_rate=dilation)
    span = t.effective_kernel[0]
    v = axis_view(size, span, strides)
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
    v = axis_view(ZOOM_ABOVE, 3, 1)
    assert not v.zoomed and v.length == ZOOM_ABOVE and v.origin(37) == 0


def test_header_view_of_example_3_and_1d() -> None:
    h = KernelTraversal((128, 128), 3, strides=4)._canvas.header
    rows, cols = h["view"]["input"]
    assert rows == cols == {"size": 128, "length": 32, "window": 3, "margin": 2, "page": 24}
    assert [a["length"] for a in h["view"]["output"]] == [32, 32], "the 32×32 output is drawn whole"
    one = KernelTraversal(1000, 5, strides=2, padding="same")._canvas.header["view"]
    assert one["input"][0]["size"] == 1 and one["input"][1]["size"] == 1003
    assert one["output"][1] == {"size": 500, "length": 32, "window": 1, "margin": 2, "page": 27}
    assert view_header(h) == h["view"]
