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
from convkit.render.export import FORMATS, _BlitFrames, save_traversal, traversal_png_bytes
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


@pytest.mark.parametrize("kw", [{}, {"coverage": True}, {"theme": "dark"}, {"operation": "max"}],
                         ids=["plain", "coverage", "dark", "max_pool"])
def test_gif_frames_look_like_full_redraws(tmp_path, kw):
    """The blitted frames (update + moving artists over a cached background) match a full draw of each step."""
    frames = _frames(save_traversal(SAME, tmp_path / "f.gif", progress=False, **kw))
    for step in (0, 4, 8):
        fig, _ = _build_figure(SAME, step, dpi=100, **kw)  # save_traversal's default dpi
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
        rgb = tuple(int(light.as_dict()[role][i:i + 2], 16) for i in (1, 3, 5))
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
