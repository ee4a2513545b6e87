"""The layer-stack diagram: boxes, names and labels, skip connectors, error colouring, layout without overlaps,
encoder–decoder rows, export."""

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
from convkit.render.stack_labels import count_text, error_reason, layer_label, shape_text
from convkit.render.stack_layout import plan
from convkit.render.style import palette

LOOK_DIR = Path("/tmp/convkit-look")


def example_1() -> convkit.LayerStack:
    return convkit.LayerStack(
        (3, 28, 28, 3), [L.Conv2D(32, 3, strides=2, padding="valid"), L.Conv2D(64, 3, padding="same")]
    )


def vgg_like() -> convkit.LayerStack:
    body = []
    for filters in (64, 128, 256, 512):
        body += [L.Conv2D(filters, 3, padding="same"), L.Conv2D(filters, 3, padding="same"), L.MaxPooling2D()]
    return convkit.LayerStack((None, 128, 128, 3), [*body, L.Flatten(), L.Dense(256), L.Dropout(0.5), L.Dense(10)])


def invalid_stack() -> convkit.LayerStack:
    return convkit.LayerStack(
        (1, 8, 8, 3), [L.Conv2D(8, 3), L.MaxPooling2D(), L.Conv2D(16, 5), L.Conv2D(16, 3), L.Flatten(), L.Dense(10)]
    )


def branch_stack() -> convkit.LayerStack:
    """A residual block written with convkit's own wiring (no TensorFlow)."""
    layers = [
        L.Conv2D(16, 3, padding="same"),
        L.Conv2D(16, 3, padding="same"),
        convkit_add(),
        L.MaxPooling2D(),
        L.GlobalAveragePooling2D(),
        L.Dense(10),
    ]
    return convkit.LayerStack((2, 32, 32, 16), layers, [(), (0,), (1, -1), (2,), (3,), (4,)])


def convkit_add():
    from convkit.core.merge import Add

    return Add()


def unet() -> convkit.LayerStack:
    """The U-Net of the issue, named the way Keras names a fresh model's layers (no TensorFlow needed)."""
    from convkit.core.merge import Concatenate

    layers = [
        L.Conv2D(16, 3, padding="same", name="conv2d"),
        L.MaxPooling2D(name="max_pooling2d"),
        L.Conv2D(32, 3, padding="same", name="conv2d_1"),
        L.MaxPooling2D(name="max_pooling2d_1"),
        L.Conv2D(64, 3, padding="same", name="conv2d_2"),
        L.Conv2DTranspose(32, 3, strides=2, padding="same", name="conv2d_transpose"),
        Concatenate(name="concatenate"),
        L.Conv2D(32, 3, padding="same", name="conv2d_3"),
        L.Conv2DTranspose(16, 3, strides=2, padding="same", name="conv2d_transpose_1"),
        Concatenate(name="concatenate_1"),
        L.Conv2D(16, 3, padding="same", name="conv2d_4"),
        L.Conv2D(1, 1, name="conv2d_5"),
    ]
    wiring = [(), (0,), (1,), (2,), (3,), (4,), (5, 2), (6,), (7,), (8, 0), (9,), (10,)]
    return convkit.LayerStack((None, 64, 64, 1), layers, wiring, name="unet")


def deep_unet() -> convkit.LayerStack:
    """Four levels down from 128×128 and back up: four nested skip connections."""
    from convkit.core.merge import Concatenate

    layers, wiring, skips = [], [], []
    filters = (8, 16, 32, 64)
    for depth, f in enumerate(filters):
        wiring.append((len(layers) - 1,) if layers else ())
        layers.append(L.Conv2D(f, 3, padding="same", name=f"down{depth}"))
        skips.append(len(layers) - 1)
        wiring.append((len(layers) - 1,))
        layers.append(L.MaxPooling2D(name=f"pool{depth}"))
    wiring.append((len(layers) - 1,))
    layers.append(L.Conv2D(128, 3, padding="same", name="bottom"))
    for depth, f in reversed(list(enumerate(filters))):
        wiring.append((len(layers) - 1,))
        layers.append(L.Conv2DTranspose(f, 2, strides=2, name=f"up{depth}"))
        wiring.append((len(layers) - 1, skips[depth]))
        layers.append(Concatenate(name=f"cat{depth}"))
        wiring.append((len(layers) - 1,))
        layers.append(L.Conv2D(f, 3, padding="same", name=f"dec{depth}"))
    return convkit.LayerStack((1, 128, 128, 3), layers, wiring, name="deep_unet")


def resnet_like() -> convkit.LayerStack:
    """A stem, a strided residual block whose shortcut is a 1×1 convolution of the stem, and a head."""
    layers = [
        L.Conv2D(16, 3, padding="same", name="stem"),
        L.Conv2D(32, 3, strides=2, padding="same", name="conv_a"),
        L.Conv2D(32, 3, padding="same", name="conv_b"),
        L.Conv2D(32, 1, strides=2, name="shortcut"),
        convkit_add(),
        L.ReLU(name="relu"),
        L.GlobalAveragePooling2D(name="pool"),
        L.Dense(10, name="logits"),
    ]
    return convkit.LayerStack((2, 32, 32, 3), layers, [(), (0,), (1,), (0,), (2, 3), (4,), (5,), (6,)])


def dense_block() -> convkit.LayerStack:
    """One Concatenate of the input and three earlier outputs (three branches into one arrow) and an Add that
    reads a tensor that two branches leave from."""
    from convkit.core.merge import Add, Concatenate

    layers = [
        L.Conv2D(8, 3, padding="same", name="c0"),
        L.Conv2D(8, 3, padding="same", name="c1"),
        L.Conv2D(8, 3, padding="same", name="c2"),
        Concatenate(name="cat"),
        L.Conv2D(8, 1, name="mix"),
        Add(name="add"),
    ]
    return convkit.LayerStack((1, 16, 16, 8), layers, [(), (0,), (1,), (-1, 0, 1, 2), (3,), (4, 0)])


def sequence_stack() -> convkit.LayerStack:
    return convkit.LayerStack(
        (4, 100, 8),
        [
            L.Conv1D(16, 5, padding="causal", dilation_rate=2),
            L.MaxPooling1D(),
            L.Conv1DTranspose(8, 3, strides=2, padding="same"),
            L.GlobalAveragePooling1D(),
            L.Dense(3),
        ],
    )


STACKS = {
    "example_1": example_1,
    "vgg_like": vgg_like,
    "invalid": invalid_stack,
    "branch": branch_stack,
    "sequence_1d": sequence_stack,
    "unet": unet,
    "deep_unet": deep_unet,
    "resnet_like": resnet_like,
    "dense_block": dense_block,
}
GRAPHS = ["branch", "unet", "deep_unet", "resnet_like", "dense_block"]


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
    # the summary's wording (render/words.window_label): ↑ for a transposed stride, the dilation written out
    assert layer_label(L.Conv2DTranspose(8, 3, strides=2, padding="same")).startswith("Conv2DTranspose 3×3 ↑2 same")
    assert layer_label(L.Conv1D(4, 5, padding="causal", dilation_rate=2)).startswith("Conv1D 5 causal, dilation 2")


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


def test_every_box_shows_the_name_of_its_layer() -> None:
    for name in ("unet", "resnet_like", "invalid"):
        stack = STACKS[name]()
        art = draw_stack_figure(stack).convkit_artists
        assert [t.name.get_text() for t in art.tensors] == ["input"] + [e.name for e in stack.trace.entries]
        for t in art.tensors:  # the name stands right above the shape, under the box, on the same centre line
            assert t.name.get_position()[0] == pytest.approx(t.label.get_position()[0])
            assert t.name.get_position()[1] > t.label.get_position()[1]
            assert t.name.get_position()[1] < min(f.get_xy()[:, 1].min() for f in t.faces)


def test_counts_read_in_the_singular_for_one() -> None:
    assert layer_label(L.Conv2D(1, 1)).endswith("\n1 filter")
    assert layer_label(L.Dense(1)) == "Dense\n1 unit"
    assert layer_label(L.Dense(2)) == "Dense\n2 units"
    assert count_text(1, "filter") == "1 filter" and count_text(0, "filter") == "0 filters"
    texts = [lay.label.get_text() for lay in draw_stack_figure(unet()).convkit_artists.layers]
    assert texts[-1].endswith("1 filter") and not any("1 filters" in t for t in texts)


def test_unet_skips_are_separate_labelled_connectors() -> None:
    pal = palette("light")
    art = draw_stack_figure(unet()).convkit_artists
    skips = {(s.source, s.target): s for s in art.skips}
    assert set(skips) == {(3, 7), (1, 10)}  # conv2d_1 -> concatenate, conv2d -> concatenate_1
    assert skips[(3, 7)].label.get_text() == "skip: conv2d_1 (32×32×32)"
    assert skips[(1, 10)].label.get_text() == "skip: conv2d (64×64×16)"
    main_lines = {id(p) for p in art.connectors} | {id(lay.arrow) for lay in art.layers}
    for skip in skips.values():
        assert skip.into_merge and id(skip.line) not in main_lines  # an artist of its own
        assert mcolors.to_rgb(skip.line.get_edgecolor()) == mcolors.to_rgb(pal.window)
        assert mcolors.to_rgb(skip.label.get_color()) == mcolors.to_rgb(pal.window)
        end = skip.line.get_path().vertices[-1]
        target = art.layers[skip.target - 1].arrow.get_path().vertices
        assert end[1] == pytest.approx(target[0][1]) and target[:, 0].min() <= end[0] <= target[:, 0].max()
    assert [len(lay.branches) for lay in art.layers].count(1) == 2


def test_branch_into_a_plain_layer_is_labelled_branch() -> None:
    art = draw_stack_figure(resnet_like()).convkit_artists
    labels = sorted(s.label.get_text() for s in art.skips)
    assert labels == ["branch: stem (32×32×16)", "skip: conv_b (16×16×32)"]
    assert [s.into_merge for s in sorted(art.skips, key=lambda s: s.label.get_text())] == [False, True]


def _first_box_x(art, rows: list[list[int]]) -> list[float]:
    return [min(art.tensors[row[0]].faces[0].get_xy()[:, 0]) for row in rows]


def test_unet_gets_one_row_per_resolution_stepping_in_and_out() -> None:
    stack = unet()
    layout_plan = plan(stack, True)
    assert layout_plan.encoder_decoder
    rows = layout_plan.layout.rows
    sizes = [{layout_plan.nodes[i].shape[1] for i in row} for row in rows]
    assert sizes == [{64}, {32}, {16}, {32}, {64}]  # down the encoder, back up the decoder
    art = draw_stack_figure(stack).convkit_artists
    xs = _first_box_x(art, rows)
    assert xs[0] < xs[1] < xs[2] and xs[2] > xs[3] > xs[4]  # the rows draw a "<"
    assert xs[0] == pytest.approx(xs[4]) and xs[1] == pytest.approx(xs[3])  # same resolution, same column
    for name in ("vgg_like", "resnet_like", "dense_block", "branch", "example_1"):
        assert not plan(STACKS[name](), True).encoder_decoder, name


def test_deep_unet_skips_nest() -> None:
    art = draw_stack_figure(deep_unet()).convkit_artists
    channels = {}
    for s in art.skips:
        v = s.line.get_path().vertices
        channels[s.label.get_text().split()[1]] = v[:, 0].min()  # the channel is the route's leftmost stretch
    assert len(channels) == 4
    assert channels["down0"] < channels["down1"] < channels["down2"] < channels["down3"]  # outer spans more rows


def _segments(patch) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    v = patch.get_path().vertices
    return [((a[0], a[1]), (b[0], b[1])) for a, b in itertools.pairwise(v) if (a != b).any()]


def _shared(seg_a, seg_b, tol: float = 0.02) -> bool:
    """True when two axis-parallel segments run along the same line for a stretch."""
    (ax0, ay0), (ax1, ay1) = seg_a
    (bx0, by0), (bx1, by1) = seg_b
    if abs(ax0 - ax1) < 1e-9 and abs(bx0 - bx1) < 1e-9 and abs(ax0 - bx0) < tol:
        return min(max(ay0, ay1), max(by0, by1)) - max(min(ay0, ay1), min(by0, by1)) > tol
    if abs(ay0 - ay1) < 1e-9 and abs(by0 - by1) < 1e-9 and abs(ay0 - by0) < tol:
        return min(max(ax0, ax1), max(bx0, bx1)) - max(min(ax0, ax1), min(bx0, bx1)) > tol
    return False


@pytest.mark.parametrize("name", GRAPHS)
def test_no_two_routes_share_a_segment(name: str) -> None:
    art = draw_stack_figure(STACKS[name]()).convkit_artists
    assert art.skips
    lines = [s.line for s in art.skips] + list(art.connectors) + [lay.arrow for lay in art.layers]
    for (i, a), (j, b) in itertools.combinations(enumerate(lines), 2):
        if i >= len(art.skips) and j >= len(art.skips):
            continue  # two lines of the main flow: not this test's business
        for sa in _segments(a):
            for sb in _segments(b):
                assert not _shared(sa, sb), f"{name}: route {i} and line {j} share {sa} / {sb}"


def _box_bounds(tensor) -> tuple[float, float, float, float]:
    xy = [p for f in tensor.faces for p in f.get_xy()]
    xs, ys = [p[0] for p in xy], [p[1] for p in xy]
    return min(xs), min(ys), max(xs), max(ys)


@pytest.mark.parametrize("name", GRAPHS)
def test_routes_go_around_the_boxes(name: str) -> None:
    art = draw_stack_figure(STACKS[name]()).convkit_artists
    boxes = [_box_bounds(t) for t in art.tensors]
    for s in art.skips:
        for (x0, y0), (x1, y1) in _segments(s.line):
            for k, (bx0, by0, bx1, by1) in enumerate(boxes):
                inside_x = min(x0, x1) < bx1 - 0.01 and max(x0, x1) > bx0 + 0.01
                inside_y = min(y0, y1) < by1 - 0.01 and max(y0, y1) > by0 + 0.01
                assert not (inside_x and inside_y), f"{s.label.get_text()!r} crosses box {k}"


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("name", list(STACKS))
def test_no_text_on_a_box(name: str, theme: str) -> None:
    fig = draw_stack_figure(STACKS[name](), theme=theme)
    renderer = FigureCanvasAgg(fig).get_renderer()
    boxes = [f.get_window_extent(renderer) for t in fig.convkit_artists.tensors for f in t.faces]
    for text in fig.convkit_artists.texts:
        extent = text.get_window_extent(renderer)
        assert not any(extent.overlaps(b) for b in boxes), f"{text.get_text()!r} lies on a box"


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
    labels = fig.convkit_artists.shape_labels + fig.convkit_artists.name_labels
    assert {mcolors.to_hex(t.get_color()) for t in labels} == {pal.text.lower()}
    art = draw_stack_figure(unet(), theme="dark").convkit_artists
    assert {mcolors.to_hex(s.line.get_edgecolor()) for s in art.skips} == {pal.window.lower()}
    assert {mcolors.to_hex(s.label.get_bbox_patch().get_facecolor()) for s in art.skips} == {pal.background.lower()}
    assert {mcolors.to_hex(lay.arrow.get_edgecolor()) for lay in art.layers} == {pal.text.lower()}


def test_bad_theme_and_extension_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="theme"):
        draw_stack_figure(example_1(), theme="blue")
    with pytest.raises(ValueError, match=r"Received: path="):
        save_stack(example_1(), tmp_path / "diagram.pdf")
    with pytest.raises(ValueError, match=r'"light" or "dark" for a file. Received: theme=\'auto\''):
        save_stack(example_1(), tmp_path / "diagram.png", theme="auto")


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


@pytest.mark.tf
def test_unet_from_keras_reads_as_encoder_decoder() -> None:
    keras = pytest.importorskip("keras")
    K = keras.layers
    inp = keras.Input((64, 64, 1))
    first, second = K.Conv2D(16, 3, padding="same"), K.Conv2D(32, 3, padding="same")
    c1 = first(inp)
    c2 = second(K.MaxPooling2D()(c1))
    b = K.Conv2D(64, 3, padding="same")(K.MaxPooling2D()(c2))
    m2 = K.Concatenate()([K.Conv2DTranspose(32, 3, strides=2, padding="same")(b), c2])
    c3 = K.Conv2D(32, 3, padding="same")(m2)
    m1 = K.Concatenate()([K.Conv2DTranspose(16, 3, strides=2, padding="same")(c3), c1])
    out = K.Conv2D(1, 1)(K.Conv2D(16, 3, padding="same")(m1))
    stack = convkit.LayerStack.from_keras(keras.Model(inp, out))
    assert plan(stack, True).encoder_decoder
    fig = draw_stack_figure(stack)
    art = fig.convkit_artists
    assert sorted(s.label.get_text() for s in art.skips) == sorted(
        [f"skip: {second.name} (32×32×32)", f"skip: {first.name} (64×64×16)"]
    )
    assert [t.name.get_text() for t in art.tensors][1:] == [e.name for e in stack.trace.entries]
    boxes = _text_boxes(fig)
    assert not any(a.overlaps(b) for (_, a), (_, b) in itertools.combinations(boxes, 2))
    LOOK_DIR.mkdir(parents=True, exist_ok=True)
    save_stack(stack, LOOK_DIR / "unet_from_keras_light.png")
    save_stack(stack, LOOK_DIR / "unet_from_keras_dark.png", theme="dark")


@pytest.mark.slow
def test_a_200_layer_residual_stack_still_draws() -> None:
    """66 residual blocks (199 layers): every tensor, name and skip drawn, no two texts on top of each other."""
    from convkit.core.merge import Add

    layers, wiring = [L.Conv2D(8, 3, padding="same")], [()]
    for _ in range(66):
        start = len(layers) - 1
        layers += [L.Conv2D(8, 3, padding="same"), L.Conv2D(8, 3, padding="same"), Add()]
        wiring += [(start,), (start + 1,), (start + 2, start)]
    stack = convkit.LayerStack((None, 32, 32, 8), layers, wiring)
    fig = draw_stack_figure(stack)
    art = fig.convkit_artists
    assert len(art.tensors) == 200 and len(art.skips) == 66 and fig.get_size_inches()[0] <= 14
    renderer = FigureCanvasAgg(fig).get_renderer()
    boxes = sorted((t.get_window_extent(renderer) for t in art.texts), key=lambda b: b.y0)
    for i, a in enumerate(boxes):  # sorted by their bottoms: only those starting below a's top can overlap it
        for b in itertools.takewhile(lambda b, a=a: b.y0 < a.y1, boxes[i + 1 :]):
            assert not a.overlaps(b)
