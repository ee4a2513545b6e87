"""GIF / PNG / SVG export of a traversal, and the PNG bytes a widget shows."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

import convkit
from convkit.render.export import (
    EXPORT_DPI,
    FORMATS,
    SLIDE_FRAMES,
    _BlitFrames,
    save_traversal,
    slide_steps,
    traversal_png_bytes,
)
from convkit.render.style import palette
from convkit.render.traversal import _build_figure

SAME = convkit.traverse((5, 5), 3, strides=2, padding="same")  # 9 steps, padding (1, 1)
EXAMPLE_1 = convkit.traverse((28, 28), 3, strides=2)


def _frames(path: Path) -> list[np.ndarray]:
    with Image.open(path) as gif:
        out = []
        for i in range(gif.n_frames):
            gif.seek(i)
            out.append(np.asarray(gif.convert("RGB")))
        return out


def test_gif_has_one_frame_per_step(tmp_path):
    out = save_traversal(SAME, tmp_path / "same.gif", progress=False)
    assert out == tmp_path / "same.gif"
    assert out.read_bytes()[:6] == b"GIF89a"
    with Image.open(out) as gif:
        assert gif.n_frames == SAME.num_steps
        assert gif.info["loop"] == 0 and gif.info["duration"] == pytest.approx(125, abs=10)


def test_gif_steps_and_fps(tmp_path):
    out = save_traversal(EXAMPLE_1, str(tmp_path / "ex1.gif"), steps=range(0, 169, 40), fps=2, progress=False)
    with Image.open(out) as gif:
        assert gif.n_frames == 5 and gif.info["duration"] == 500


@pytest.mark.parametrize(
    "kw",
    [{}, {"coverage": True}, {"theme": "dark"}, {"operation": "max"}],
    ids=["plain", "coverage", "dark", "max_pool"],
)
def test_gif_frames_look_like_full_redraws(tmp_path, kw):
    """The blitted frames (update + moving artists over a cached background) match a full draw of each step."""
    frames = _frames(save_traversal(SAME, tmp_path / "f.gif", progress=False, **kw))
    for step in (0, 4, 8):
        fig, _ = _build_figure(SAME, step, dpi=EXPORT_DPI, **kw)  # save_traversal's default dpi
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        full = np.asarray(canvas.buffer_rgba())[..., :3].astype(int)
        diff = np.abs(frames[step].astype(int) - full).max(axis=-1)
        assert diff.shape == full.shape[:2]
        assert diff.mean() < 1.5, step  # text is anti-aliased a little differently, nothing else
        assert (diff > 64).mean() < 0.01, step


def test_blitting_survives_jumps_and_going_back():
    fig, art = _build_figure(EXAMPLE_1, 0, dpi=50)
    frames = _BlitFrames(fig, art)
    for step in (0, 1, 2, 150, 3, 168):
        got = frames.frame(step)[..., :3].astype(int)
        ref_fig, _ = _build_figure(EXAMPLE_1, step, dpi=50)
        canvas = FigureCanvasAgg(ref_fig)
        canvas.draw()
        assert np.abs(got - np.asarray(canvas.buffer_rgba())[..., :3]).max(axis=-1).mean() < 2.5, step


def test_gif_keeps_the_theme_colours_exact(tmp_path):
    frames = _frames(save_traversal(SAME, tmp_path / "c.gif", progress=False))
    colours = {tuple(c) for c in np.unique(frames[-1].reshape(-1, 3), axis=0)}
    light = palette("light")
    for role in ("background", "padding_cell", "input_cell", "tap", "output_done", "output_current"):
        rgb = tuple(int(light.as_dict()[role][i : i + 2], 16) for i in (1, 3, 5))
        assert rgb in colours, role


def test_png_one_step(tmp_path):
    out = save_traversal(EXAMPLE_1, tmp_path / "ex1.png", step=5)
    with Image.open(out) as png:
        assert png.format == "PNG"
        pixels = np.asarray(png.convert("RGB"))
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 20  # not blank
    assert (pixels == [0x56, 0xB4, 0xE9]).all(axis=-1).sum() > 100  # the taps are drawn


def test_svg_is_xml_with_the_formula_as_text(tmp_path):
    out = save_traversal(EXAMPLE_1, tmp_path / "ex1.svg", step=3)
    root = ET.parse(out).getroot()
    assert root.tag.endswith("svg")
    text = "".join(root.itertext())
    assert "height: floor((28 + 0 + 0 - 3) / 2) + 1 = 13" in text
    assert "step 4/169" in text


@pytest.mark.parametrize("name", ["frames.mp4", "frame.jpg", "noextension"])
def test_unknown_extension_is_refused(tmp_path, name):
    with pytest.raises(ValueError, match=rf"{', '.join(FORMATS)}.*Received: path='.*{name}'"):
        save_traversal(SAME, tmp_path / name)
    assert not (tmp_path / name).exists()


def test_bad_steps_and_fps_are_refused(tmp_path):
    with pytest.raises(ValueError, match="between 0 and 8"):
        save_traversal(SAME, tmp_path / "a.gif", steps=[0, 9], progress=False)
    with pytest.raises(ValueError, match="no step"):
        save_traversal(SAME, tmp_path / "a.gif", steps=[], progress=False)
    with pytest.raises(ValueError, match="Received: fps=0"):
        save_traversal(SAME, tmp_path / "a.gif", fps=0, progress=False)
    with pytest.raises(TypeError, match="progress"):
        save_traversal(SAME, tmp_path / "a.gif", progress="yes")


def test_progress_callable_and_bar(tmp_path, capsys):
    calls = []
    save_traversal(SAME, tmp_path / "p.gif", progress=lambda done, total: calls.append((done, total)))
    assert calls == [(i, 9) for i in range(1, 10)]
    save_traversal(SAME, tmp_path / "q.gif")  # 9 frames: too short for a bar
    assert "GIF frames" not in capsys.readouterr().err
    save_traversal(EXAMPLE_1, tmp_path / "r.gif", steps=range(25))
    assert "GIF frames" in capsys.readouterr().err


def test_png_bytes_for_widgets():
    data = traversal_png_bytes(SAME, 4, theme="dark")
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(io.BytesIO(data)) as png:
        corner = png.convert("RGB").getpixel((2, 2))
    assert corner == (0x1E, 0x1E, 0x1E)  # the dark theme's background


def test_gif_frame_size_follows_dpi(tmp_path):
    sizes = []
    for dpi in (50, 100):
        with Image.open(save_traversal(SAME, tmp_path / f"d{dpi}.gif", steps=[0], dpi=dpi, progress=False)) as gif:
            sizes.append(gif.size)
    assert sizes[1][0] == pytest.approx(2 * sizes[0][0], abs=2)
    with pytest.raises(ValueError, match="Received: dpi=0"):
        save_traversal(SAME, tmp_path / "d.png", dpi=0)


# ---------------------------------------------------------------------------------------------- issue 9: slides
EXAMPLE_3 = convkit.traverse((128, 128), 3, strides=4)  # 1,024 steps


def test_default_gif_suits_a_slide_and_steps_all_gives_the_run(tmp_path):
    """A long run exports 60 representative frames by default; ``steps="all"`` gives every step."""
    short = save_traversal(EXAMPLE_1, tmp_path / "slide.gif", dpi=30, progress=False)
    with Image.open(short) as gif:
        assert gif.n_frames == SLIDE_FRAMES == 60
    every = save_traversal(EXAMPLE_1, tmp_path / "all.gif", steps="all", dpi=30, progress=False)
    with Image.open(every) as gif:
        assert gif.n_frames == EXAMPLE_1.num_steps == 169


def test_default_steps_of_example_3():
    steps = slide_steps(EXAMPLE_3)
    assert len(steps) == 60 and steps == sorted(set(steps))
    assert steps[:12] == list(range(12))  # the kernel sliding along the first row
    assert {31, 32} <= set(steps)  # the change to the second row
    assert steps[-4:] == [1020, 1021, 1022, 1023]  # the end of the run
    gaps = np.diff(steps[18:-4])
    assert gaps.max() - gaps.min() <= 1  # the rest evenly spread
    assert slide_steps(SAME) == list(range(9))  # short runs: every step


def test_example_3_frames_follow_the_kernel_like_full_redraws(tmp_path):
    """Blitting over a zoomed view (the view moves, jumps back, the output view too) looks like a full draw."""
    steps = [0, 1, 6, 7, 500, 2, 1023, 1022]
    frames = _frames(save_traversal(EXAMPLE_3, tmp_path / "e3.gif", steps=steps, dpi=50, progress=False, coverage=True))
    assert len(frames) == len(steps)
    for frame, step in zip(frames, steps):
        fig, _ = _build_figure(EXAMPLE_3, step, dpi=50, coverage=True)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        full = np.asarray(canvas.buffer_rgba())[..., :3].astype(int)
        diff = np.abs(frame.astype(int) - full).max(axis=-1)
        assert diff.mean() < 2.5 and (diff > 64).mean() < 0.01, step


def test_duration_and_fps(tmp_path):
    out = save_traversal(SAME, tmp_path / "slow.gif", steps=[0, 1, 2], duration=250, progress=False)
    with Image.open(out) as gif:
        assert gif.n_frames == 3 and gif.info["duration"] == 250
    with pytest.raises(ValueError, match=r"not both.*Received: fps=4, duration=250"):
        save_traversal(SAME, tmp_path / "a.gif", fps=4, duration=250)
    with pytest.raises(ValueError, match="Received: duration=5"):
        save_traversal(SAME, tmp_path / "a.gif", duration=5)
    with pytest.raises(ValueError, match="Received: fps=60"):
        save_traversal(SAME, tmp_path / "a.gif", fps=60)
    with pytest.raises(TypeError, match=r'"all".*Received: steps=\'some\''):
        save_traversal(SAME, tmp_path / "a.gif", steps="some")


def test_gif_frames_are_written_as_they_come(tmp_path):
    """The writer keeps one frame: each earlier frame is already in the file when the next one arrives."""
    from convkit.render._traversal_gif import GifStream

    rng = np.random.default_rng(0)
    exact = np.array([[255, 255, 255], [0, 0, 0]], np.uint8)
    sizes = []
    with GifStream(tmp_path / "s.gif", exact) as gif:
        for _ in range(4):
            gif.add(rng.integers(0, 255, size=(40, 60, 3), dtype=np.uint8), 100)
            sizes.append((tmp_path / "s.gif").stat().st_size)
        gif.add(np.zeros((40, 60, 3), np.uint8), 100)
        gif.add(np.zeros((40, 60, 3), np.uint8), 100)  # the same picture again: one frame shown longer
    assert sizes[0] < sizes[1] < sizes[2] < sizes[3]
    assert gif.frames_written == 5
    with Image.open(tmp_path / "s.gif") as im:
        assert im.n_frames == 5
        im.seek(4)
        assert im.info["duration"] == 200 and not np.asarray(im.convert("RGB")).any()


def test_png_defaults_to_a_legible_resolution(tmp_path):
    out = save_traversal(EXAMPLE_1, tmp_path / "ex1.png")
    with Image.open(out) as png:
        assert png.info["dpi"][0] == pytest.approx(EXPORT_DPI, abs=0.5) and EXPORT_DPI >= 150
    fig, art = _build_figure(EXAMPLE_1, 0, dpi=EXPORT_DPI)
    assert art.cell_pts * EXPORT_DPI / 72 >= 8


def test_png_size_follows_what_is_drawn_not_the_input(tmp_path):
    """A 4096×4096 input with stride 64 draws views of at most 64 cells: the PNG is no bigger than 28×28's
    by more than the overview and the longer labels."""
    big = convkit.traverse((4096, 4096), 3, strides=64)
    with Image.open(save_traversal(big, tmp_path / "big.png", step=2000, coverage=True)) as png:
        big_size = png.size
    with Image.open(save_traversal(EXAMPLE_1, tmp_path / "small.png", coverage=True)) as png:
        small_size = png.size
    assert big_size[0] <= 2.5 * small_size[0] and big_size[1] <= 2 * small_size[1]
    assert max(big_size) <= 2400
