"""The traversal frame: padding, window, taps, output, numbers and coverage drawn where the core puts them.

Read from the artists (the input image holds one RGBA pixel per padded cell; the taps are one square per
kernel tap) and from Agg pixels, and compared with ``convkit.traverse`` / ``convkit.convolve`` / ``convkit.pool``.
"""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

import convkit
from convkit.render.style import palette
from convkit.render.traversal import draw_traversal, frame_figure

LIGHT = palette("light")

# conv_arithmetic's canonical cases and the article's examples: (input_size, kernel, strides, padding, dilation)
CASES = {
    "no_padding_no_strides": ((4, 4), 3, 1, "valid", 1),
    "no_padding_strides": ((5, 5), 3, 2, "valid", 1),
    "padding_strides_odd": ((6, 6), 3, 2, ((1, 1), (1, 1)), 1),
    "same_asymmetric": ((28, 28), 3, 2, "same", 1),
    "same_even_kernel": ((5, 5), 4, 1, "same", 1),
    "dilation": ((7, 7), 3, 1, "valid", 2),
    "example_1": ((28, 28), 3, 2, "valid", 1),
    "example_2": ((64, 64), 5, 1, "same", 1),
    "example_3": ((128, 128), 3, 4, "valid", 1),
    "strip_1d_same": (10, 3, 2, "same", 1),
    "strip_1d_causal": (9, 3, 1, "causal", 1),
}


def _traverse(name: str) -> convkit.Traversal:
    size, k, s, p, d = CASES[name]
    return convkit.traverse(size, k, strides=s, padding=p, dilation_rate=d)


def _draw(t, step=0, *, figsize=(8, 5), **kw):
    fig = Figure(figsize=figsize, dpi=72)
    ax = fig.add_axes((0.05, 0.2, 0.9, 0.7))
    return fig, draw_traversal(ax, t, step, **kw)


def _rgba8(color: str) -> np.ndarray:
    return (np.array(to_rgba(color)) * 255).round().astype(np.uint8)


def _is(image: np.ndarray, color: str) -> np.ndarray:
    return np.all(image == _rgba8(color), axis=-1)


def _padding_mask(t) -> np.ndarray:
    """Where padding cells are in the drawn (padded) input: from the traversal alone."""
    masks = []
    for (before, after), n in zip(t.padding, t.input_size):
        m = np.ones(n + before + after, bool)
        m[before : before + n] = False
        masks.append(m)
    if t.rank == 1:
        return masks[0][None, :]
    return masks[-2][:, None] | masks[-1][None, :]


def _tap_cells(art) -> set[tuple[int, int]]:
    """Padded (row, col) of every square of the taps collection (drawn in the view, which starts at
    ``art.origins[0]``: ``(0, 0)`` unless the input is zoomed)."""
    (r0, c0), _ = art.origins
    cells = set()
    for path in art.taps.get_paths():
        x0, y0 = path.vertices.min(axis=0)
        x1, y1 = path.vertices.max(axis=0)
        assert (x1 - x0, y1 - y0) == (1, 1)
        cells.add((int(y0) + r0, int(x0) + c0))
    return cells


def _in_view(art, full: np.ndarray) -> np.ndarray:
    """The part of a whole padded-input array that the input view shows."""
    (r0, c0), _ = art.origins
    g = art.geometry
    return full[r0 : r0 + g.vrows, c0 : c0 + g.vcols]


def _expected_taps(t, step: int) -> set[tuple[int, int]]:
    """Padded (row, col) of the taps of ``step``, from ``Traversal.steps``."""
    pads = [b for b, _ in t.padding]
    cells = set()
    for tap in t.steps[step].taps:
        padded = [i + p for i, p in zip(tap.input_index, pads)]
        cells.add((0, padded[0]) if t.rank == 1 else (padded[-2], padded[-1]))
    return cells


def _render(fig) -> np.ndarray:
    """The figure drawn by Agg, as RGBA pixels."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())


def _pixel(pixels: np.ndarray, ax, x: float, y: float) -> np.ndarray:
    """RGBA of the pixel at data point (x, y)."""
    px, py = ax.transData.transform((x, y))
    return pixels[int(pixels.shape[0] - py), int(px)]


# ---------------------------------------------------------------------------------------------- padding
@pytest.mark.parametrize("name", list(CASES))
def test_padding_cells_are_where_traverse_puts_them(name):
    t = _traverse(name)
    for step in sorted({0, t.num_steps // 2, t.num_steps - 1}):
        _, art = _draw(t, step)
        image = art.input_image.get_array()
        if not art.geometry.zoomed:  # the whole input; a zoomed one shows a view (tested further down)
            assert image.shape[:2] == ((1, t.padded_size[0]) if t.rank == 1 else t.padded_size)
        np.testing.assert_array_equal(_is(image, LIGHT.padding_cell), _in_view(art, _padding_mask(t)))
        np.testing.assert_array_equal(_is(image, LIGHT.input_cell), ~_in_view(art, _padding_mask(t)))


def test_same_asymmetric_pads_only_the_last_row_and_column():
    t = _traverse("same_asymmetric")
    assert t.padding == ((0, 1), (0, 1))
    _, art = _draw(t)
    pad = _is(art.input_image.get_array(), LIGHT.padding_cell)
    assert pad.shape == (29, 29)
    assert pad[-1].all() and pad[:, -1].all()
    assert not pad[0, :-1].any() and not pad[:-1, 0].any()  # the first row and column are input
    assert pad.sum() == 29 + 29 - 1
    assert [art.labels[k].get_text() for k in ("pad_top", "pad_bottom", "pad_left", "pad_right")] == [
        "pad 0",
        "pad 1",
        "pad 0",
        "pad 1",
    ]
    assert art.labels["input"].get_text() == "input 28×28 (+pad 0/1)"
    assert art.labels["output"].get_text() == "output 14×14"


def test_padding_is_hatched_not_colour_only():
    fig, art = _draw(_traverse("same_asymmetric"))
    hatched = [p for p in art.ax.patches if p.get_hatch() and p.get_visible()]
    boxes = {(p.get_x(), p.get_y(), p.get_width(), p.get_height()) for p in hatched}
    assert boxes == {(0, 28, 29, 1), (28, 0, 1, 28)}  # the bottom row, the right column


def test_valid_padding_has_no_pad_labels():
    _, art = _draw(_traverse("example_1"))
    assert not any(k.startswith("pad_") for k in art.labels)
    assert art.labels["input"].get_text() == "input 28×28"


# ---------------------------------------------------------------------------------------------- window
@pytest.mark.parametrize("name", list(CASES))
def test_taps_are_the_cells_of_the_current_step(name):
    t = _traverse(name)
    for step in sorted({0, t.num_steps // 2, t.num_steps - 1}):
        _, art = _draw(t, step)
        assert _tap_cells(art) == _expected_taps(t, step)
        x, y = art.window.get_xy()
        (r0, c0), _ = art.origins
        rows, cols = zip(*_expected_taps(t, step))
        assert (y + r0, x + c0) == (min(rows), min(cols))
        assert (art.window.get_height(), art.window.get_width()) == (max(rows) - y - r0 + 1, max(cols) - x - c0 + 1)


def test_dilation_gaps_are_left_unmarked():
    t = _traverse("dilation")  # 7×7, k=3, d=2: taps at 0, 2, 4 of each axis
    fig, art = _draw(t, step=4)  # output (1, 1): window rows 1..5, cols 1..5
    taps = _tap_cells(art)
    assert taps == {(r, c) for r in (1, 3, 5) for c in (1, 3, 5)}
    tap, plain = _rgba8(LIGHT.tap), _rgba8(LIGHT.input_cell)
    pixels = _render(fig)
    for r in range(1, 6):
        for c in range(1, 6):
            pixel = _pixel(pixels, art.ax, c + 0.3, r + 0.3)  # away from the values written in the cells
            expected = tap if (r, c) in taps else plain
            np.testing.assert_allclose(pixel, expected, atol=2, err_msg=f"cell {(r, c)}")


def test_window_reading_padding_keeps_the_hatch():
    t = _traverse("same_asymmetric")
    _, art = _draw(t, step=t.num_steps - 1)  # the last window reads the padding row and column
    assert (28, 28) in _tap_cells(art)
    assert any(p.get_hatch() and p.get_visible() and p.get_zorder() > art.taps.get_zorder() for p in art.ax.patches)


# ---------------------------------------------------------------------------------------------- output
@pytest.mark.parametrize("name", ["example_1", "same_asymmetric", "strip_1d_same"])
def test_computed_and_current_output_cells(name):
    t = _traverse(name)
    step = t.num_steps // 2 + 1
    _, art = _draw(t, step)
    out = art.output_image.get_array()
    order = np.arange(t.num_steps).reshape(out.shape[:2])
    np.testing.assert_array_equal(_is(out, LIGHT.output_done), order < step)
    np.testing.assert_array_equal(_is(out, LIGHT.output_current), order == step)
    np.testing.assert_array_equal(_is(out, LIGHT.output_cell), order > step)
    g = art.geometry
    row, col = np.unravel_index(step, out.shape[:2])
    assert art.current.get_xy() == (g.out_x0 + col, g.out_y0 + row)
    assert np.allclose(
        _pixel(_render(art.ax.figure), art.ax, g.out_x0 + col + 0.5, g.out_y0 + row + 0.5),
        _rgba8(LIGHT.output_current),
        atol=2,
    )


@pytest.mark.parametrize("name", ["same_asymmetric", "dilation", "strip_1d_causal", "example_2", "example_3"])
def test_update_equals_a_fresh_drawing(name):
    t = _traverse(name)
    _, moved = _draw(t, 0)
    for step in (1, t.num_steps - 1, 2, t.num_steps // 2, 0, -1):  # forward, back, jumps, negative
        changed = moved.update(step)
        _, fresh = _draw(t, step)
        assert moved.step == fresh.step
        np.testing.assert_array_equal(moved.output_image.get_array(), fresh.output_image.get_array())
        np.testing.assert_array_equal(moved.input_image.get_array(), fresh.input_image.get_array())
        assert moved.origins == fresh.origins  # the view a step shows depends on the step alone
        for a, b in zip(moved.overviews, fresh.overviews, strict=True):
            np.testing.assert_array_equal(a.image.get_array(), b.image.get_array())
            assert a.marker.get_bbox().bounds == b.marker.get_bbox().bounds
        assert _tap_cells(moved) == _tap_cells(fresh)
        assert moved.step_text.get_text() == fresh.step_text.get_text()
        assert moved.taps in changed and moved.window in changed


def test_step_line_names_the_output_cell_and_the_input_it_reads():
    _, art = _draw(_traverse("example_1"), 5)
    assert art.step_text.get_text() == "kernel 3×3 · step 6/169 · output[0, 5] reads rows 0–2, cols 10–12"
    _, art = _draw(_traverse("same_asymmetric"), -1)
    assert "output[13, 13] reads rows 26–28, cols 26–28" in art.step_text.get_text()


# ---------------------------------------------------------------------------------------------- numbers
def _sum_result(art) -> float:
    return float(art.sum_text.get_text().rsplit("= ", 1)[1])


@pytest.mark.parametrize(
    "name",
    ["no_padding_strides", "padding_strides_odd", "same_even_kernel", "dilation", "strip_1d_same", "strip_1d_causal"],
)
def test_numbers_sum_equals_convolve(name):
    t = _traverse(name)
    rng = np.random.default_rng(3)
    x = rng.integers(-3, 4, size=t.input_size)
    kernel = rng.integers(-2, 3, size=t.kernel_size)
    size, k, s, p, d = CASES[name]
    expected = convkit.convolve(x[None, ..., None], kernel[..., None, None], strides=s, padding=p, dilation_rate=d)[
        0, ..., 0
    ]
    _, art = _draw(t, 0, numbers=(x, kernel))
    for step in range(t.num_steps):
        art.update(step)
        index = np.unravel_index(step, t.output_size)
        line = art.sum_text.get_text()
        assert line.startswith("output[" + ", ".join(map(str, index)) + "] = ")
        assert _sum_result(art) == expected[index]
        if t.num_taps <= 12:  # one value·weight term per tap (padding taps as 0·w)
            assert line.count("·") == t.num_taps
        else:  # long sums keep their first and last terms
            assert line.count("·") == 12 and "… + " in line and f"({t.num_taps} terms)" in line


def test_numbers_terms_are_value_times_weight():
    t = convkit.traverse((3, 3), 2)
    x, kernel = np.arange(9).reshape(3, 3), np.array([[1, 0], [2, -1]])
    _, art = _draw(t, 3, numbers=(x, kernel))  # output (1, 1): x[1:3, 1:3] = [[4, 5], [7, 8]]
    assert art.sum_text.get_text() == "output[1, 1] = 4·1 + 5·0 + 7·2 + 8·(-1) = 10"


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_pooling_value_equals_pool(mode, padding):
    from convkit.core.axis import pool_axis
    from convkit.core.traversal import traversal_from_axes

    t = traversal_from_axes([pool_axis(5, 2, 2, padding), pool_axis(5, 2, 2, padding)])
    x = np.random.default_rng(0).integers(0, 9, size=(5, 5))
    expected = convkit.pool(x[None, ..., None].astype(float), 2, padding=padding, mode=mode)[0, ..., 0]
    _, art = _draw(t, 0, numbers=x, operation=mode)
    for step in range(t.num_steps):
        art.update(step)
        assert _sum_result(art) == pytest.approx(expected[np.unravel_index(step, t.output_size)])
        assert art.sum_text.get_text().split("= ", 1)[1].startswith("max(" if mode == "max" else "mean(")
    assert art.step_text.get_text().startswith(f"{'max' if mode == 'max' else 'average'}-pool window 2×2")


def test_numbers_in_cells_for_small_grids_only():
    _, small = _draw(_traverse("no_padding_strides"))  # numbers=None: an example for small inputs
    assert small.numbers is not None and small.sum_text is not None
    assert len(small._input_text_at) == 25 and len(small._weight_texts) == 9
    _, big = _draw(_traverse("example_3"), numbers=True)  # asked for, but the cells are too small to write in
    assert big.sum_text is not None and not big._input_text_at
    _, off = _draw(_traverse("no_padding_strides"), numbers=False)
    assert off.sum_text is None


def test_numbers_with_wrong_shapes_are_refused():
    t = _traverse("no_padding_strides")
    with pytest.raises(ValueError, match=r"shape \(5, 5\).*Received: x \(numbers\[0\]\) of shape \(4, 4\)"):
        _draw(t, numbers=(np.zeros((4, 4)), np.zeros((3, 3))))
    with pytest.raises(ValueError, match=r"kernel \(numbers\[1\]\)"):
        _draw(t, numbers=(np.zeros((5, 5)), np.zeros((2, 2))))
    with pytest.raises(TypeError, match="pair"):
        _draw(t, numbers=np.zeros((5, 5)))


# ---------------------------------------------------------------------------------------------- coverage
def test_coverage_marks_exactly_the_unread_cells_of_example_3():
    t = _traverse("example_3")
    for step in (0, 40, 555, t.num_steps - 1):
        _, art = _draw(t, step, coverage=True)
        image = art.input_image.get_array()
        np.testing.assert_array_equal(_is(image, LIGHT.unread), _in_view(art, t.unread_mask))
    assert "43.75% of input never read" in art.labels["coverage"].get_text()


def test_coverage_crosses_on_big_cells():
    t = _traverse("example_1")  # row and column 27 are never read: 55 cells
    fig = frame_figure(t, 0, coverage=True)
    art = fig.convkit_artists
    crosses = art._marks.get_offsets()
    assert len(crosses) == 55
    assert {(int(y), int(x)) for x, y in crosses} == set(zip(*np.nonzero(t.unread_mask)))
    assert "7.02% of input never read (55 of 784 cells)" in art.labels["coverage"].get_text()


# ---------------------------------------------------------------------------------------------- ranks, sizes
def test_1d_is_a_strip_and_3d_draws_the_plane_of_the_window():
    _, strip = _draw(_traverse("strip_1d_same"))
    assert strip.input_image.get_array().shape[:2] == (1, 11)
    assert strip.output_image.get_array().shape[:2] == (1, 5)
    t = convkit.traverse((6, 6, 6), 3, padding="same")
    _, art = _draw(t, 0)
    assert art.input_image.get_array().shape[:2] == (8, 8)
    assert "input depth 0" in art.slice_text.get_text() and "output depth 0" in art.slice_text.get_text()
    art.update(t.num_steps - 1)
    assert "input depth 5" in art.slice_text.get_text() and "output depth 5" in art.slice_text.get_text()
    assert _tap_cells(art) == {(r, c) for r in (5, 6, 7) for c in (5, 6, 7)}


@pytest.mark.parametrize("size", [130, 512])
def test_large_inputs_draw_a_view_and_an_overview(size):
    """A large input is still one image per grid, but of the view (32×32 cells), with the whole grid as a
    small overview image (at most one data pixel per drawn pixel); the view's cells are big enough for borders.
    (Before issue 9 the whole grid was drawn at under a pixel a cell, without borders.)"""
    t = convkit.traverse((size, size), 3, padding="same")
    fig = frame_figure(t, t.num_steps // 2, coverage=True, numbers=True)
    art = fig.convkit_artists
    g = art.geometry
    assert len(art.ax.images) == 4  # input view, output view, their two overviews
    assert art.input_image.get_array().shape[:2] == (g.vrows, g.vcols) == (32, 32)
    assert art.output_image.get_array().shape[:2] == (g.out_vrows, g.out_vcols) == (32, 32)
    px = fig.dpi / 72
    for ov in art.overviews:
        rows, cols = ov.image.get_array().shape[:2]
        assert rows <= ov.box.h * art.cell_pts * px + 1 and cols <= ov.box.w * art.cell_pts * px + 1
    assert art._grid is not None and not art._input_text_at  # borders, but no values in a zoomed view
    FigureCanvasAgg(fig).draw()


def test_dark_theme_uses_the_dark_palette():
    dark = palette("dark")
    fig = frame_figure(_traverse("same_asymmetric"), 3, theme="dark")
    assert to_rgba(fig.get_facecolor()) == to_rgba(dark.background)
    art = fig.convkit_artists
    assert _is(art.input_image.get_array(), dark.padding_cell).sum() == 57
    assert to_rgba(art.step_text.get_color()) == to_rgba(dark.text)


@pytest.mark.parametrize("name", ["same_asymmetric", "dilation", "example_3", "strip_1d_causal"])
def test_frame_figure_keeps_every_text_inside_and_apart(name):
    t = _traverse(name)
    fig = frame_figure(t, t.num_steps - 1, coverage=True)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    art = fig.convkit_artists
    texts = [a for a in art.ax.texts if a.get_visible() and a.get_text() and a.get_zorder() < 6]  # not in cells
    boxes = [a.get_window_extent(renderer) for a in texts]
    for text, box in zip(texts, boxes):
        assert box.x0 >= 0 and box.y0 >= 0, text.get_text()
        assert box.x1 <= fig.bbox.width + 1 and box.y1 <= fig.bbox.height + 1, text.get_text()
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a.intersection(a, b) is None or a.intersection(a, b).width * a.intersection(a, b).height < 4


def test_bad_arguments_are_refused():
    t = _traverse("example_1")
    with pytest.raises(ValueError, match=r"between 0 and 168.*Received: step=169"):
        _draw(t, 169)
    with pytest.raises(ValueError, match="Received: step=2.0"):
        _draw(t, 2.0)
    with pytest.raises(ValueError, match=r"operation.*Received: operation='min'"):
        _draw(t, operation="min")
    with pytest.raises(ValueError, match="theme"):
        _draw(t, theme="blue")
    with pytest.raises(TypeError, match="Traversal"):
        _draw((28, 28))
    _, art = _draw(t)
    with pytest.raises(ValueError, match="Received: step=-170"):
        art.update(-170)


def test_drawing_needs_no_pyplot():
    import subprocess
    import sys

    code = (
        "import sys, convkit; from convkit.render.traversal import frame_figure; "
        "frame_figure(convkit.traverse((5, 5), 3)); print('matplotlib.pyplot' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---------------------------------------------------------------------------------------------- legible at every size
# Issue 9: the article's sizes (28, 64, 128) and 512, and the general cases a zoomed view must handle.
LARGE = {
    "example_1": lambda: _traverse("example_1"),
    "example_2": lambda: _traverse("example_2"),
    "example_3": lambda: _traverse("example_3"),
    "512_stride_2": lambda: convkit.traverse((512, 512), 3, strides=2),
    "512_same": lambda: convkit.traverse((512, 512), 3, padding="same"),
    "dilated_100": lambda: convkit.traverse((100, 100), 3, dilation_rate=4, padding="same"),
    "wide_8x300": lambda: convkit.traverse((8, 300), (3, 5), strides=(1, 3)),
    "strip_1d_300": lambda: convkit.traverse(300, 5, strides=2, padding="same"),
    "3d_6x90x90": lambda: convkit.traverse((6, 90, 90), 3, strides=2, padding="same"),
    "4096_stride_64": lambda: convkit.traverse((4096, 4096), 3, strides=64),
}


def _pool_64():
    from convkit.core.axis import pool_axis
    from convkit.core.traversal import traversal_from_axes

    return traversal_from_axes([pool_axis(256, 8, 8, "valid"), pool_axis(256, 8, 8, "valid")])


LARGE["max_pool_256"] = _pool_64


def _extents(fig):
    """(artist, window extent) of every drawn artist of the frame's axes."""
    from matplotlib.axis import Axis
    from matplotlib.spines import Spine

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    ax = fig.convkit_artists.ax
    out = []
    for a in ax.get_children():
        if a is ax.patch or isinstance(a, (Spine, Axis)) or not a.get_visible():
            continue
        if hasattr(a, "get_text") and not a.get_text():
            continue
        box = a.get_window_extent(renderer)
        if np.all(np.isfinite(box.get_points())) and box.width > 0 and box.height > 0:
            out.append((a, box))
    return out


@pytest.mark.parametrize("coverage", [False, True], ids=["plain", "coverage"])
@pytest.mark.parametrize("name", list(LARGE))
def test_every_artist_is_inside_the_figure(name, coverage):
    """Nothing is clipped: every artist (grids, overviews, outlines, rings, labels) lies inside the figure,
    at the first, a middle and the last step (the widest step lines, the views at both ends)."""
    t = LARGE[name]()
    operation = "max" if name.startswith("max_pool") else "conv"
    for step in (0, t.num_steps // 2 + 1, t.num_steps - 1):
        fig = frame_figure(t, step, coverage=coverage, operation=operation, dpi=72)
        extents = _extents(fig)
        assert len(extents) > 8
        for artist, box in extents:
            where = f"{type(artist).__name__} {getattr(artist, 'get_text', lambda: '')()!r} at step {step}"
            assert box.x0 >= -1 and box.y0 >= -1, where
            assert box.x1 <= fig.bbox.width + 1 and box.y1 <= fig.bbox.height + 1, where


@pytest.mark.parametrize("name", ["example_1", "example_2", "example_3", "512_stride_2", "strip_1d_300"])
def test_locators_and_labels_do_not_overlap(name):
    """Texts stay apart from each other and from the rings that point out tiny cells (none are needed at
    the automatic size: every cell is at least 8 pixels there)."""
    t = LARGE[name]()
    fig = frame_figure(t, t.num_steps - 1, coverage=True)
    art = fig.convkit_artists
    assert all(ring is None for ring in art._rings)
    extents = _extents(fig)
    texts = [(a, b) for a, b in extents if hasattr(a, "get_text") and a.get_zorder() < 6]
    boxes = [b for _, b in texts]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            overlap = a.intersection(a, b)
            assert overlap is None or overlap.width * overlap.height < 4, texts[i][0].get_text()


@pytest.mark.parametrize("dpi", [72, 150])
@pytest.mark.parametrize("name", list(LARGE))
def test_automatic_frames_draw_cells_of_at_least_8_pixels(name, dpi):
    t = LARGE[name]()
    fig = frame_figure(t, 0, dpi=dpi)
    art = fig.convkit_artists
    assert art.cell_pts * dpi / 72 >= 8 - 1e-6
    assert art._grid is not None  # and so every view has its cell borders


def _luminance(rgb) -> np.ndarray:
    return np.asarray(rgb, float)[..., :3] @ [0.2126, 0.7152, 0.0722]


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_grid_lines_are_visible_at_128(theme):
    """Example 3 (128×128, stride 4): every cell border of the input view shows in the pixels, so the unread
    rows and columns between the windows can be counted."""
    t = _traverse("example_3")
    fig = frame_figure(t, 0, theme=theme, dpi=150)
    art = fig.convkit_artists
    pixels = _render(fig)
    g, cell = art.geometry, _luminance(_rgba8(palette(theme).input_cell))
    row = g.vrows - 2.5  # far from the window (top-left at step 0)
    contrasts = []
    for k in range(1, g.vcols):
        px, py = art.ax.transData.transform((k, row))
        y = int(pixels.shape[0] - py)
        strip = _luminance(pixels[y, int(px) - 1 : int(px) + 2])
        contrasts.append(np.abs(strip - cell).max())
    assert min(contrasts) >= 15, contrasts  # of 255: a visible line at every border


def _inside(inner, outer) -> bool:
    (r0, c0, r1, c1), (R0, C0, R1, C1) = inner, outer
    return R0 <= r0 and C0 <= c0 and r1 <= R1 and c1 <= C1


@pytest.mark.parametrize(
    "name",
    [
        "example_2",
        "example_3",
        "512_same",
        "dilated_100",
        "wide_8x300",
        "strip_1d_300",
        "3d_6x90x90",
        "4096_stride_64",
        "max_pool_256",
    ],
)
def test_the_view_follows_the_kernel(name):
    """Above 40 cells a side the view is a window around the kernel (and the current output cell): at every
    step tried, the window lies inside the view, the view is marked on the overview of the whole grid, and
    a drawn cell is at least 8 pixels."""
    t = LARGE[name]()
    operation = "max" if name.startswith("max_pool") else "conv"
    fig = frame_figure(t, 0, operation=operation, dpi=150)
    art = fig.convkit_artists
    g = art.geometry
    assert g.in_view.zoomed and art.overviews and art.overviews[0].which == "input"
    assert art.cell_pts * fig.dpi / 72 >= 8
    n = t.num_steps
    seen = set()
    for step in sorted({0, 1, 7, n // 3, n // 2, n // 2 + 1, n - 2, n - 1}):
        art.update(step)
        (r0, c0), (o0, q0) = art.origins
        seen.add((r0, c0))
        taps = _expected_taps(t, step)
        rows, cols = zip(*taps)
        window = (min(rows), min(cols), max(rows) + 1, max(cols) + 1)
        assert _inside(window, (r0, c0, r0 + g.vrows, c0 + g.vcols)), (step, window, art.origins)
        assert _tap_cells(art) == taps
        out_r, out_c = art._cells.output_cell(step)
        assert o0 <= out_r < o0 + g.out_vrows and q0 <= out_c < q0 + g.out_vcols
        ov = art.overviews[0]  # the marked box is the view, scaled to the overview
        x, y, w, h = ov.marker.get_bbox().bounds
        sx, sy = ov.box.w / g.cols, ov.box.h / g.rows
        centre = (ov.box.x + (c0 + g.vcols / 2) * sx, ov.box.y + (r0 + g.vrows / 2) * sy)
        assert x <= centre[0] <= x + w and y <= centre[1] <= y + h
        assert w >= g.vcols * sx - 1e-9 and h >= g.vrows * sy - 1e-9
    assert len(seen) > 1  # the view moved with the kernel


def test_the_view_keeps_a_margin_and_pages_by_whole_strides():
    t = _traverse("example_3")  # 128×128, kernel 3, stride 4: a 32-cell view pages by 24 cells
    _, art = _draw(t, 0)
    view = art.geometry.in_view.cols
    assert (view.length, view.margin) == (32, 2)
    for col in range(0, 126, 4):
        start = view.origin(col)
        assert start <= col and col + 3 <= start + 32
        assert start in (0, 96) or (col - start >= 2 and start + 32 - (col + 3) >= 2)
    assert sorted({view.origin(c) for c in range(0, 126, 4)}) == [0, 22, 46, 70, 94, 96]  # 24 = 6 strides


def test_unread_cells_are_marked_at_512():
    """512×512, kernel 3, stride 2, "valid": row and column 511 are never read. Far from them the view shows
    no unread cell, but the overview marks both with bars beside it; at the end they are coloured and
    crossed in the view."""
    t = LARGE["512_stride_2"]()
    fig = frame_figure(t, 0, coverage=True, dpi=150)
    art = fig.convkit_artists
    unread = palette("light").unread
    assert not _is(art.input_image.get_array(), unread).any()
    ov = art.overviews[0]
    bars = [np.asarray(p.vertices) for p in ov.ticks.get_paths()]
    assert len(bars) == 2  # one run of columns (511) and one of rows (511)
    px = fig.dpi / 72 * art.cell_pts
    for bar in bars:
        w, h = np.ptp(bar, axis=0) * px
        assert min(w, h) >= 4 - 1e-6  # visible however small a cell of the overview is
    pixels = _render(fig)
    near = _is(pixels, unread)
    assert near.sum() >= 2 * 3 * 3  # the bars are painted in the unread colour
    art.update(t.num_steps - 1)
    image = art.input_image.get_array()
    np.testing.assert_array_equal(_is(image, unread), _in_view(art, t.unread_mask))
    assert _is(image, unread).any() and len(art._marks.get_offsets()) == _is(image, unread).sum()


def test_unread_bars_of_example_3_and_4096():
    for t, runs in ((_traverse("example_3"), 32), (LARGE["4096_stride_64"](), 64)):
        fig = frame_figure(t, 0, coverage=True)
        ov = fig.convkit_artists.overviews[0]
        assert len(ov.ticks.get_paths()) == 2 * runs  # every unread run of rows and of columns
        image = ov.image.get_array()
        assert max(image.shape[:2]) <= 256
