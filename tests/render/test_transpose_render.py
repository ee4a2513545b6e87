"""Frames of the transposed views: the overlap map checked by pixels, the crop frame, GIF frame counts, words."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from convkit.render._transpose_model import build_model
from convkit.render.style import palette
from convkit.render.transpose_traversal import draw_frame, frame_steps, overlap_colours, png_bytes, save


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def drawn(model, view: str = "scatter", step: int = 0, **kw):
    fig = Figure(figsize=(10, 6), dpi=80)
    FigureCanvasAgg(fig)
    draw_frame(fig, model, view, step, **kw)
    fig.canvas.draw()
    pixels = np.asarray(fig.canvas.buffer_rgba())[..., :3]
    return fig, pixels


def pixel(fig, pixels, ax_index: int, row: float, col: float) -> tuple[int, int, int]:
    """The colour at data point (col, row) of one panel (image rows go down; the buffer's y goes down too)."""
    ax = fig.axes[ax_index]
    x, y = ax.transData.transform((col, row))
    return tuple(int(v) for v in pixels[int(round(pixels.shape[0] - y)), int(round(x))])  # type: ignore[return-value]


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_overlap_map_by_pixels_is_the_checkerboard(theme: str) -> None:
    m = build_model((4, 4), (3, 3), (2, 2), "valid", None, (1, 1))
    fig, px = drawn(m, "scatter", m.num_steps - 1, show_overlap=True, theme=theme)
    colours = [rgb(c) for c in overlap_colours(theme)]
    seen = {}
    for (r, c), count in np.ndenumerate(m.grid_overlap):
        got = pixel(fig, px, 1, r + 0.3, c + 0.3)  # off centre: numbers are written in the middle
        assert got == colours[count - 1], (r, c, count, got)
        seen[count] = got
    assert sorted(seen) == [1, 2, 4] and len(set(seen.values())) == 3  # the checkerboard's three counts


def test_running_counts_grow_step_by_step() -> None:
    m = build_model((3, 3), (3, 3), (2, 2), "valid", None, (1, 1))
    colours = [rgb(c) for c in overlap_colours("light")]
    fig, px = drawn(m, "scatter", 0)
    assert pixel(fig, px, 1, 2.3, 2.3) == colours[0]  # cell (2, 2): one tap after the first step
    assert pixel(fig, px, 1, 4.3, 4.3) == rgb(palette("light").output_cell)  # not reached yet
    fig, px = drawn(m, "scatter", 4)
    assert pixel(fig, px, 1, 2.3, 2.3) == colours[3]  # four taps once the centre cell has added its patch


def test_crop_frame_is_drawn_where_same_crops() -> None:
    m = build_model((3, 3), (3, 3), (2, 2), "same", None, (1, 1))  # 7×7 scattered, 6×6 kept: 1 cut after
    assert m.grid_size == (7, 7) and m.output_size == (6, 6)
    fig, px = drawn(m, "scatter", 0)
    frame = rgb(palette("light").unread)
    ax = fig.axes[1]
    dashed = [p for p in ax.patches if p.get_linestyle() not in ("-", "solid")]
    assert len(dashed) == 1
    (x0, y0), w, h = dashed[0].get_xy(), dashed[0].get_width(), dashed[0].get_height()
    assert (x0, y0, w, h) == (-0.5, -0.5, 6, 6)
    # the frame's right edge passes between output column 5 and the cut column 6, in the frame colour
    line = [pixel(fig, px, 1, r, 5.5) for r in np.linspace(0, 5, 41)]
    assert sum(np.abs(np.subtract(p, frame)).max() < 40 for p in line) >= 10


def test_gif_frame_count_and_png_svg(tmp_path) -> None:
    m = build_model((3, 3), (3, 3), (2, 2), "same", (1, 1), (1, 1))
    out = save(m, tmp_path / "s.gif")
    with Image.open(out) as gif:
        assert gif.n_frames == len(frame_steps(m.num_steps)) == 9
    out = save(m, tmp_path / "d.gif", view="direct", steps=range(0, 36, 5))
    with Image.open(out) as gif:
        assert gif.n_frames == 8
    big = build_model((28, 28), (3, 3), (2, 2), "valid", None, (1, 1))
    assert len(frame_steps(big.num_steps)) == 60
    assert save(m, tmp_path / "a.svg").read_text().startswith("<?xml")
    assert png_bytes(big, 400, theme="dark")[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="view"):
        save(
            build_model((3, 3), (2, 2), (2, 2), "valid", None, (1, 1), operation="upsample", interpolation="bilinear"),
            tmp_path / "b.png",
            view="direct",
        )


def test_direct_view_marks_inserted_zeros_and_padding() -> None:
    m = build_model((3, 3), (3, 3), (2, 2), "valid", None, (1, 1))  # stuffed 5×5, padded by 2: 9×9
    p = palette("light")
    fig, px = drawn(m, "direct", 0)
    assert pixel(fig, px, 0, 0.3, 0.3) == rgb(p.padding_cell)
    assert pixel(fig, px, 0, 2.3, 2.3) == rgb(p.input_cell)  # input cell (0, 0)
    assert pixel(fig, px, 0, 3.3, 3.3) == rgb(p.background)  # an inserted zero
