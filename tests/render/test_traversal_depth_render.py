"""The exported depth view: one drawn plane per input channel (or a few and "… N more channels"), the kernel's
footprint on every plane it reads, at the window's place, joined into one cuboid; output planes; the sentence."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convkit import KernelTraversal
from convkit.render._traversal_depth import MAX_PLANES
from convkit.render._traversal_depth_draw import depth_figure, save_depth
from convkit.render.traversal_words import shown_planes

CASES = [
    pytest.param(dict(input_size=(28, 28), in_channels=3, filters=32), 3, 0, id="article_3_to_32"),
    pytest.param(dict(input_size=(13, 13), in_channels=32, filters=64), 32, 26, id="article_32_to_64"),
    pytest.param(dict(input_size=(64, 64), in_channels=64, filters=8), 64, 58, id="depth_64"),
    pytest.param(dict(input_size=(28, 28), in_channels=512, filters=16), 512, 506, id="depth_512"),
    pytest.param(dict(input_size=(12, 12), in_channels=8, filters=4, groups=2), 4, 2, id="grouped"),
    pytest.param(dict(input_size=(9, 9), in_channels=4, kind="depthwise", depth_multiplier=2), 1, 0, id="depthwise"),
    pytest.param(dict(input_size=(8, 8), in_channels=5, operation="max", kernel_size=2), 1, 0, id="max_pool"),
    pytest.param(dict(input_size=12, in_channels=3, filters=2), 3, 0, id="conv1d"),
]


def gids(fig, prefix: str) -> dict[str, object]:
    return {a.get_gid(): a for a in fig.findobj() if (a.get_gid() or "").startswith(prefix)}


@pytest.mark.parametrize(("settings_", "reads", "hidden"), CASES)
@pytest.mark.parametrize("plane", [0, -1])
def test_planes_footprints_and_elision(settings_, reads, hidden, plane) -> None:
    kw = {"kernel_size": 3, **settings_}
    w = KernelTraversal(**kw)
    m = w.payload.depth
    plane = plane % m.output_depth
    step = w.num_steps // 2
    fig = depth_figure(m, step, plane)
    planes = gids(fig, "depth-input-")
    c = kw["in_channels"]
    assert len(planes) == min(c, MAX_PLANES)
    assert m.reads == reads
    more = [a for a in gids(fig, "depth-more-input").values()]
    assert more[0].get_text() == (f"… {hidden} more channels" if hidden else "")
    # a footprint on every drawn plane the filter reads, none elsewhere
    read = set(m.channels(plane))
    shown = {int(g.rsplit("-", 1)[1]) for g in planes}
    feet = gids(fig, "depth-footprint-")
    assert {int(g.rsplit("-", 1)[1]) for g in feet} == read & shown
    # each footprint sits at the window's place on its plane (numpy reference from the traversal)
    t = w.traversal
    origin = t.origins()[step]
    size = np.asarray(t.input_size)
    lo = np.clip(origin, 0, size) / size
    hi = np.clip(origin + np.asarray(t.effective_kernel), 0, size) / size
    for gid, fp in feet.items():
        rect = planes["depth-input-" + gid.rsplit("-", 1)[1]]
        x0 = (fp.get_x() - rect.get_x()) / rect.get_width()
        assert x0 == pytest.approx(lo[-1])
        assert (fp.get_x() + fp.get_width() - rect.get_x()) / rect.get_width() == pytest.approx(
            max(hi[-1], lo[-1] + 0.02)
        )
        if t.rank == 2:
            assert (fp.get_y() - rect.get_y()) / rect.get_height() == pytest.approx(lo[0])
    cuboid = list(gids(fig, "depth-cuboid").values())
    assert len(cuboid) == 4
    if len(feet) > 1:
        assert all(len(line.get_xdata()) == 2 for line in cuboid)
    outputs = gids(fig, "depth-output-")
    assert len(outputs) == min(m.output_depth, MAX_PLANES) and f"depth-output-{plane}" in outputs
    text = " ".join(a.get_text() for a in gids(fig, "depth-sentence-").values()).split()
    assert text == m.sentence(step, plane).split()


def test_update_moves_the_footprints() -> None:
    w = KernelTraversal((10, 10), 3, in_channels=3, filters=2, numbers=True)
    fig = depth_figure(w.payload.depth, 0, 1)
    art = fig.convkit_depth
    before = [f.get_x() for f in art.footprints.values()]
    art.update(5)
    after = [f.get_x() for f in art.footprints.values()]
    assert all(b < a for a, b in zip(after, before))
    assert " ".join(t.get_text() for t in art.sentence_lines).split() == w.payload.depth_sentence(5, 1).split()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_save_depth_files(tmp_path, theme) -> None:
    w = KernelTraversal((6, 6), 3, in_channels=4, filters=3, numbers=True)
    gif = save_depth(w.payload.depth, tmp_path / "d.gif", steps=range(5), theme=theme, dpi=50)
    assert gif.read_bytes()[:6] == b"GIF89a"
    png = w.save(tmp_path / "d.png", view="depth", theme=theme, dpi=50)
    assert png.read_bytes()[:4] == b"\x89PNG"
    svg = w.save(tmp_path / "d.svg", view="depth")
    assert b'id="depth-input-3"' in svg.read_bytes()
    with pytest.raises(ValueError, match="Received: view='side'"):
        w.save(tmp_path / "d.png", view="side")


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 600), st.data())
def test_shown_planes_property(total, data) -> None:
    reads = data.draw(st.integers(1, total))
    start = data.draw(st.integers(0, total - reads))
    planes, hidden = shown_planes(total, start, reads, MAX_PLANES)
    assert planes == sorted(set(planes)) and all(0 <= p < total for p in planes)
    assert len(planes) == min(total, MAX_PLANES) and hidden == total - len(planes)
    used = set(range(start, start + reads))
    # the planes in use come first: all of them when they fit, else their first and last ones
    if reads <= MAX_PLANES:
        assert used <= set(planes)
    else:
        assert set(planes) <= used and start in planes and start + reads - 1 in planes
