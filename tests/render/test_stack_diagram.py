"""The layer-stack diagram: boxes, labels, error colouring, layout without overlaps, export."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib.colors as mcolors
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

import convkit
from convkit import layers as L
from convkit.render.stack import draw_stack, draw_stack_figure, save_stack
from convkit.render.stack_labels import error_reason, layer_label, shape_text
from convkit.render.style import palette

LOOK_DIR = Path("/tmp/convkit-look")


def example_1() -> convkit.LayerStack:
    return convkit.LayerStack((3, 28, 28, 3), [L.Conv2D(32, 3, strides=2, padding="valid"),
                                               L.Conv2D(64, 3, padding="same")])


def vgg_like() -> convkit.LayerStack:
    body = []
    for filters in (64, 128, 256, 512):
        body += [L.Conv2D(filters, 3, padding="same"), L.Conv2D(filters, 3, padding="same"), L.MaxPooling2D()]
    return convkit.LayerStack((None, 128, 128, 3), [*body, L.Flatten(), L.Dense(256), L.Dropout(0.5), L.Dense(10)])


def invalid_stack() -> convkit.LayerStack:
    return convkit.LayerStack((1, 8, 8, 3), [L.Conv2D(8, 3), L.MaxPooling2D(), L.Conv2D(16, 5), L.Conv2D(16, 3),
                                             L.Flatten(), L.Dense(10)])


def branch_stack() -> convkit.LayerStack:
    """A residual block written with convkit's own wiring (no TensorFlow)."""
    layers = [L.Conv2D(16, 3, padding="same"), L.Conv2D(16, 3, padding="same"), convkit_add(),
              L.MaxPooling2D(), L.GlobalAveragePooling2D(), L.Dense(10)]
    return convkit.LayerStack((2, 32, 32, 16), layers, [(), (0,), (1, -1), (2,), (3,), (4,)])


def convkit_add():
    from convkit.core.merge import Add

    return Add()


def sequence_stack() -> convkit.LayerStack:
    return convkit.LayerStack((4, 100, 8), [L.Conv1D(16, 5, padding="causal", dilation_rate=2), L.MaxPooling1D(),
                                            L.Conv1DTranspose(8, 3, strides=2, padding="same"),
                                            L.GlobalAveragePooling1D(), L.Dense(3)])


STACKS = {
    "example_1": example_1,
    "vgg_like": vgg_like,
    "invalid": invalid_stack,
    "branch": branch_stack,
    "sequence_1d": sequence_stack,
}


def _trace_shapes(stack: convkit.LayerStack) -> list:
    return [stack.input_shape] + [e.output_shape for e in stack.trace.entries]


# ------------------------------------------------------------------------------------------------ boxes & labels


def test_example_1_one_box_per_tensor_labelled_with_trace_shapes() -> None:
    stack = example_1()
    fig = draw_stack_figure(stack)
    art = fig.convkit_artists
    assert len(art.tensors) == len(stack) + 1
    assert [t.label.get_text() for t in art.tensors] == ["(3, 28, 28, 3)", "(3, 13, 13, 32)", "(3, 13, 13, 64)"]
    assert [t.shape for t in art.tensors] == _trace_shapes(stack)
    assert all(len(t.faces) == 3 for t in art.tensors)  # front, top, side: pseudo-3-D
    assert all(t.state == "ok" for t in art.tensors)


@pytest.mark.parametrize("name", list(STACKS))
def test_labels_equal_trace_shapes(name: str) -> None:
    stack = STACKS[name]()
    art = draw_stack_figure(stack).convkit_artists
    assert len(art.tensors) == len(stack) + 1
    for tensor, shape in zip(art.tensors, _trace_shapes(stack)):
        expected = shape_text(shape) if shape is not None else ("✗ cannot compute", "not computed")
        assert tensor.label.get_text() in (expected if shape is None else (expected,))


def test_arrow_labels_name_kernel_stride_padding() -> None:
    art = draw_stack_figure(example_1()).convkit_artists
    first, second = (lay.label.get_text() for lay in art.layers)
    assert first.splitlines()[0] == "Conv2D 3×3 /2 valid"
    assert "32 filters" in first
    assert second.splitlines()[0] == "Conv2D 3×3 same"
    pool = layer_label(L.MaxPooling2D(3, strides=2, padding="same"))
    assert pool == "MaxPooling2D 3×3 /2 same"
    assert layer_label(L.Conv2DTranspose(8, 3, strides=2, padding="same")).startswith("Conv2DTranspose 3×3 ×2 same")
    assert layer_label(L.Conv1D(4, 5, padding="causal", dilation_rate=2)).startswith("Conv1D 5 causal dil 2")


def test_widths_monotone_in_spatial_size_and_depth_in_channels() -> None:
    sizes = convkit.LayerStack((1, 128, 128, 1), [L.MaxPooling2D() for _ in range(5)])  # 128 ... 4
    tensors = draw_stack_figure(sizes).convkit_artists.tensors
    widths = [t.size[0] for t in tensors]
    heights = [t.size[1] for t in tensors]
    assert widths == sorted(widths, reverse=True) and len(set(widths)) == len(widths)
    assert heights == widths  # square maps: square faces
    assert widths[-1] >= 0.5 and widths[0] <= 2.5  # log scale: 4 and 128 both visible
    depth_stack = convkit.LayerStack((1, 16, 16, 1), [L.Conv2D(c, 1) for c in (4, 16, 64, 512)])
    depths = [t.depth for t in draw_stack_figure(depth_stack).convkit_artists.tensors]
    assert depths == sorted(depths) and len(set(depths)) == len(depths)


def test_linear_scale_is_proportional() -> None:
    stack = convkit.LayerStack((1, 128, 128, 1), [L.MaxPooling2D(), L.MaxPooling2D()])
    widths = [t.size[0] for t in draw_stack_figure(stack, log_scale=False).convkit_artists.tensors]
    base = 0.25
    assert (widths[0] - base) / (widths[1] - base) == pytest.approx(2.0)
    assert (widths[1] - base) / (widths[2] - base) == pytest.approx(2.0)


def test_rectangular_map_and_bars() -> None:
    stack = convkit.LayerStack((1, 64, 8, 3), [L.Flatten()])
    tensors = draw_stack_figure(stack).convkit_artists.tensors
    width, height = tensors[0].size
    assert height > width  # 64 rows, 8 columns
    vector = tensors[1]
    assert vector.size[0] < 0.2 < vector.size[1] and vector.depth == 0 and len(vector.faces) == 1
    seq = draw_stack_figure(sequence_stack()).convkit_artists.tensors
    assert all(t.size[0] < 0.2 for t in seq)  # 1-D tensors and vectors are thin bars
    assert seq[0].size[1] > seq[2].size[1]  # length 100 taller than 50


def test_invalid_layer_in_error_colour_with_reason_and_later_not_computed() -> None:
    stack = invalid_stack()
    pal = palette("light")
    art = draw_stack_figure(stack).convkit_artists
    states = [t.state for t in art.tensors]
    assert states == ["ok", "ok", "ok", "error", "not_computed", "not_computed", "not_computed"]
    bad = art.tensors[3]
    error_rgb = mcolors.to_rgb(pal.error)
    assert mcolors.to_rgb(bad.faces[0].get_edgecolor()) == error_rgb
    assert mcolors.to_rgb(bad.faces[0].get_facecolor()) == error_rgb
    assert bad.reason is not None and mcolors.to_rgb(bad.reason.get_color()) == error_rgb
    reason = bad.reason.get_text().replace("\n", " ")
    assert "kernel 5 is larger than the input 3" in reason
    assert "Received" not in reason
    assert mcolors.to_rgb(art.layers[2].label.get_color()) == error_rgb
    for later in art.tensors[4:]:
        assert later.label.get_text() == "not computed"
        assert all(f.get_linestyle() == "--" for f in later.faces)
        assert mcolors.to_rgb(later.label.get_color()) == mcolors.to_rgb(pal.grid_line)
    assert art.layers[3].arrow.get_linestyle() == "--"


def test_error_reason_wraps_and_drops_received() -> None:
    text = error_reason("Conv2D 'c': the kernel 5 is larger than the input 3. " * 6 + "Received: input_shape=(1, 3)")
    lines = text.splitlines()
    assert 1 < len(lines) <= 7 and all(len(line) <= 34 for line in lines)
    assert "Received" not in text and not text.startswith("Conv2D 'c'")


def test_branch_draws_extra_path_into_merge() -> None:
    art = draw_stack_figure(branch_stack()).convkit_artists
    branches = [b for lay in art.layers for b in lay.branches]
    assert len(branches) == 1
    assert len(art.layers[2].branches) == 1  # the Add reads the model input besides layer 1
    vertices = branches[0].get_path().vertices
    top_of_input = art.tensors[0].faces[1].get_xy()[:, 1].max()
    assert vertices[:, 1].max() > top_of_input  # it goes over the boxes


# ------------------------------------------------------------------------------------------------ layout


def _text_boxes(fig: Figure) -> list:
    renderer = FigureCanvasAgg(fig).get_renderer()
    texts = [t for t in fig.convkit_artists.texts if t.get_text().strip()]
    return [(t.get_text(), t.get_window_extent(renderer)) for t in texts]


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("name", list(STACKS))
def test_no_text_overlaps_and_all_inside_the_figure(name: str, theme: str) -> None:
    fig = draw_stack_figure(STACKS[name](), theme=theme)
    boxes = _text_boxes(fig)
    for (ta, a), (tb, b) in itertools.combinations(boxes, 2):
        assert not a.overlaps(b), f"{ta!r} overlaps {tb!r}"
    width, height = fig.get_size_inches() * fig.dpi
    for text, box in boxes:
        assert box.x0 >= 0 and box.y0 >= 0 and box.x1 <= width and box.y1 <= height, f"{text!r} is cut off"


def test_long_stack_wraps_into_rows_without_overlaps() -> None:
    stack = vgg_like()
    fig = draw_stack_figure(stack)
    art = fig.convkit_artists
    ys = {round(t.faces[0].get_xy()[:, 1].mean(), 3) for t in art.tensors}
    assert len(ys) >= 3  # several rows
    assert fig.get_size_inches()[0] <= 14
    assert len(art.connectors) == len(stack)  # sequential: every layer linked to its input


def test_draw_into_small_axes_scales_text_and_keeps_it_apart() -> None:
    fig = Figure(figsize=(5, 2.5), dpi=100)
    ax = fig.add_subplot()
    art = draw_stack(ax, vgg_like())
    sizes = {t.get_fontsize() for t in art.shape_labels}
    assert max(sizes) < 9
    renderer = FigureCanvasAgg(fig).get_renderer()
    boxes = [t.get_window_extent(renderer) for t in art.texts]
    assert not any(a.overlaps(b) for a, b in itertools.combinations(boxes, 2))


def test_dark_theme_colours() -> None:
    pal = palette("dark")
    fig = draw_stack_figure(example_1(), theme="dark")
    assert mcolors.to_hex(fig.get_facecolor()) == pal.background.lower()
    labels = fig.convkit_artists.shape_labels
    assert {mcolors.to_hex(t.get_color()) for t in labels} == {pal.text.lower()}


def test_bad_theme_and_extension_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="theme"):
        draw_stack_figure(example_1(), theme="blue")
    with pytest.raises(ValueError, match=r"Received: path="):
        save_stack(example_1(), tmp_path / "diagram.pdf")


def test_stack_diagram_method_uses_this_renderer() -> None:
    fig = example_1().diagram(theme="dark")
    assert isinstance(fig, Figure)
    assert [t.get_text() for t in fig.convkit_artists.shape_labels][-1] == "(3, 13, 13, 64)"


# ------------------------------------------------------------------------------------------------ export


def test_png_and_svg_export_open(tmp_path: Path) -> None:
    png = save_stack(invalid_stack(), tmp_path / "stack.png")
    with Image.open(png) as im:
        im.load()
        assert im.format == "PNG" and im.width > 600 and im.height > 200
        pixels = im.convert("RGB")
        error = tuple(int(c * 255) for c in mcolors.to_rgb(palette("light").error))
        assert any(pixels.getpixel((x, y)) == error for x in range(0, im.width, 2) for y in range(0, im.height, 2))
    svg = save_stack(example_1(), tmp_path / "stack.SVG")
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    assert len(list(root.iter())) > 20


@pytest.mark.parametrize("name", list(STACKS))
def test_render_for_looking(name: str) -> None:
    """Writes the pictures looked at during development (and after any change) to /tmp/convkit-look/."""
    LOOK_DIR.mkdir(parents=True, exist_ok=True)
    for theme in ("light", "dark"):
        path = save_stack(STACKS[name](), LOOK_DIR / f"{name}_{theme}.png", theme=theme, dpi=110)
        assert path.stat().st_size > 5_000


@pytest.mark.tf
def test_resnet_like_from_keras_branches(tmp_path: Path) -> None:
    keras = pytest.importorskip("keras")
    inp = keras.Input((32, 32, 3), batch_size=2)
    x = keras.layers.Conv2D(16, 3, padding="same")(inp)
    y = keras.layers.Conv2D(16, 3, padding="same")(x)
    y = keras.layers.BatchNormalization()(y)
    y = keras.layers.ReLU()(y)
    y = keras.layers.Conv2D(16, 3, padding="same")(y)
    z = keras.layers.Add()([x, y])
    z = keras.layers.MaxPooling2D()(z)
    z = keras.layers.Conv2D(32, 3, strides=2)(z)
    out = keras.layers.Dense(10)(keras.layers.GlobalAveragePooling2D()(z))
    model = keras.Model(inp, out)
    stack = convkit.LayerStack.from_keras(model)
    fig = draw_stack_figure(stack)
    art = fig.convkit_artists
    assert [t.label.get_text() for t in art.tensors][1:] == [
        shape_text(tuple(layer.output.shape)) for layer in model.layers[1:]
    ]
    assert sum(len(lay.branches) for lay in art.layers) == 1
    boxes = _text_boxes(fig)
    assert not any(a.overlaps(b) for (_, a), (_, b) in itertools.combinations(boxes, 2))
    LOOK_DIR.mkdir(parents=True, exist_ok=True)
    save_stack(stack, LOOK_DIR / "resnet_like_light.png")
    save_stack(stack, LOOK_DIR / "resnet_like_dark.png", theme="dark")
