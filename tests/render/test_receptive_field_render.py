"""The receptive-field export on its artists and pixels: each map's image highlights exactly the core's mask (map
cells) and the padded zeros the view's geometry reads; the chosen cell, the ring and the words are the widget's;
PNG and SVG files are written; bad arguments are refused with the value named."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from matplotlib.figure import Figure

import convkit
from convkit import layers as L
from convkit.layers import Add
from convkit.render.receptive_field import (
    draw_receptive_field,
    receptive_field_png_bytes,
    ring_masks,
    save_receptive_field,
    view_geometry,
)
from convkit.render.style import palette
from convkit.widgets.receptive_field import ReceptiveFieldView

PNG = b"\x89PNG\r\n\x1a\n"


def rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])


def stack(shape: tuple[int, ...], layers: list[Any], inputs: list[Any] | None = None) -> convkit.LayerStack:
    return convkit.LayerStack((None, *shape), layers, inputs)


CASES = {
    "same_strided": (
        lambda: stack((9, 9, 1), [L.Conv2D(1, 3, padding="same"), L.Conv2D(1, 4, strides=2, padding="same")]),
        2,
        (0, 4),
    ),
    "dilated_pool": (
        lambda: stack((14, 12, 2), [L.Conv2D(2, 3, dilation_rate=2, padding="same"), L.MaxPooling2D(2)]),
        2,
        (6, 0),
    ),
    "residual": (
        lambda: stack(
            (8, 8, 1), [L.Conv2D(1, 3, padding="same"), L.Conv2D(1, 5, padding="same"), Add()], [(), (0,), (0, 1)]
        ),
        3,
        (7, 7),
    ),
    "causal_1d": (
        lambda: stack((16, 1), [L.Conv1D(1, 3, padding="causal", dilation_rate=3), L.Conv1D(1, 2, strides=2)]),
        2,
        (0, 5),
    ),
    "classifier": (lambda: stack((10, 10, 1), [L.Conv2D(1, 3, padding="same"), L.Flatten(), L.Dense(4)]), 1, (9, 0)),
}


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("name", list(CASES))
def test_images_highlight_the_core_masks_and_the_padding_read(name: str, theme: str) -> None:
    make, k, cell = CASES[name]
    s = make()
    geometry = view_geometry(s)
    rank = geometry.rank
    rf = s.receptive_field((cell[1],) if rank == 1 else cell, k - 1)
    out = draw_receptive_field(Figure(), s, k, cell, theme=theme)
    rings = ring_masks(geometry, k, cell)
    pal = palette(theme)
    assert out["sentence"].get_text() == str(rf)
    for i, (m, image) in enumerate(zip(geometry.maps, out["images"])):
        if not m.grid:
            assert image is None
            continue
        pixels = np.asarray(image.get_array())
        assert pixels.shape[:2] == m.ring_shape
        top, left = m.ring[0], m.ring[2]
        inside = np.zeros(m.ring_shape, dtype=bool)
        inside[top : top + m.rows, left : left + m.cols] = True
        is_read = np.all(np.isclose(pixels, rgb(pal.tap)), axis=-1)
        is_pad_read = np.all(np.isclose(pixels, rgb(pal.unread)), axis=-1)
        is_chosen = np.all(np.isclose(pixels, rgb(pal.output_current)), axis=-1)
        core = np.asarray(rf.mask if i == 0 else rf.masks[i - 1]).reshape(m.rows, m.cols)
        shown = (is_read | is_chosen)[inside].reshape(m.rows, m.cols)
        np.testing.assert_array_equal(shown, core, err_msg=f"map {i} ({m.name})")
        np.testing.assert_array_equal(is_pad_read, rings[i] & ~inside, err_msg=f"padding of map {i}")
        assert np.array_equal(np.argwhere(is_chosen), [[cell[0] + top, cell[1] + left]] if i == k else np.empty((0, 2)))
        untouched = ~(is_read | is_pad_read | is_chosen)
        assert np.all(np.isclose(pixels[untouched & inside], rgb(pal.input_cell)))
        assert np.all(np.isclose(pixels[untouched & ~inside], rgb(pal.padding_cell)))
        assert image.axes.get_title() == m.caption


def test_padding_reads_equal_the_core_count_for_a_single_layer() -> None:
    s = stack((7, 7, 1), [L.Conv2D(1, 5, strides=2, padding="same")])
    g = view_geometry(s)
    for cell in [(0, 0), (1, 3), (3, 3), (3, 0)]:
        rings = ring_masks(g, 1, cell)
        m = g.maps[0]
        inside = np.zeros(m.ring_shape, dtype=bool)
        inside[m.ring[0] : m.ring[0] + m.rows, m.ring[2] : m.ring[2] + m.cols] = True
        # one layer: each padded zero read once
        assert int((rings[0] & ~inside).sum()) == s.receptive_field(cell).total_padding_reads


def test_export_files_and_widget_save(tmp_path: Path) -> None:
    make, k, cell = CASES["same_strided"]
    s = make()
    png = save_receptive_field(s, tmp_path / "rf.png", k, cell)
    svg = save_receptive_field(s, tmp_path / "rf.svg", k, cell, theme="dark")
    assert png.read_bytes().startswith(PNG)
    text = svg.read_text(encoding="utf-8")
    assert "<svg" in text and "of its reads are padding" in text
    assert receptive_field_png_bytes(s, 0, (2, 2)).startswith(PNG)
    view = ReceptiveFieldView(s, layer=1, output_index=cell)
    saved = view.save(tmp_path / "view.png")
    assert saved.read_bytes().startswith(PNG)
    bundle = view.static_bundle()
    assert bundle is not None and view.sentence in bundle["text/html"] and bundle["image/png"]


@pytest.mark.parametrize(
    ("call", "words"),
    [
        pytest.param(lambda s, p: save_receptive_field(s, p / "rf.gif", 1, (0, 0)), "Received: path=", id="gif"),
        pytest.param(lambda s, p: draw_receptive_field(Figure(), s, 9, (0, 0)), "Received: map_index=9", id="map"),
        pytest.param(
            lambda s, p: draw_receptive_field(Figure(), s, 1, (0, 40)), "Received: output_index=(0, 40)", id="cell"
        ),
        pytest.param(
            lambda s, p: draw_receptive_field(Figure(), s, 0, (9, 0)), "Received: cell=(9, 0)", id="input_cell"
        ),
        pytest.param(
            lambda s, p: draw_receptive_field(Figure(), s, 1, (0, 0), theme="blue"), "Received: theme=", id="theme"
        ),
    ],
)
def test_bad_arguments(tmp_path: Path, call: Any, words: str) -> None:
    s = CASES["same_strided"][0]()
    with pytest.raises(ValueError) as info:
        call(s, tmp_path)
    assert words in str(info.value)
