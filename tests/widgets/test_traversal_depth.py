"""The depth view of KernelTraversal: its payload (sent once, binary, no per-step text), the filter and "all
filters" settings, each channel's partial sum plus the bias equal to TensorFlow's output cell, and the widget's
sentence equal to the export's text (and to ``str(arithmetic(step, filter))``)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convkit import KernelTraversal
from convkit.widgets._traversal_payload import decode

RNG = np.random.default_rng(12)
SVG = "{http://www.w3.org/2000/svg}g"


def tf_output(kind: str, x: np.ndarray, kernel: np.ndarray, bias: np.ndarray, **kw) -> np.ndarray:
    """TensorFlow's output of the layer (the ground truth), batch dropped."""
    import keras
    import tensorflow as tf

    c = x.shape[-1]
    if kind == "depthwise":
        layer = keras.layers.DepthwiseConv2D(kernel.shape[:2], depth_multiplier=kernel.shape[-1], **kw)
    elif kind == "pool":
        return tf.nn.max_pool2d(x[None], kernel.shape[:2], kw.get("strides", 1), "VALID").numpy()[0]
    else:
        layer = keras.layers.Conv2D(kernel.shape[-1], kernel.shape[:2], groups=c // kernel.shape[-2], **kw)
    layer.build((1, *x.shape))
    layer.set_weights([kernel, bias])
    return np.asarray(layer(x[None]))[0]


LAYERS = [
    pytest.param("conv", dict(in_channels=3, filters=4), (3, 3, 3, 4), 4, id="plain_3_to_4"),
    pytest.param("conv", dict(in_channels=6, filters=4, groups=2), (3, 3, 3, 4), 4, id="grouped_2"),
    pytest.param("conv", dict(in_channels=16, filters=8, strides=2), (3, 3, 16, 8), 8, id="plain_16_to_8_stride2"),
    pytest.param(
        "depthwise", dict(in_channels=3, kind="depthwise", depth_multiplier=2), (3, 3, 3, 2), 6, id="depthwise_m2"
    ),
]


def weights_or_skip(w: KernelTraversal, shape) -> None:
    values = w.payload.values
    if values is None or values.kernel is None or values.kernel.shape != shape:
        pytest.skip("numbers in Keras layouts (depth-core) are not in this checkout yet")


@pytest.mark.slow
@pytest.mark.parametrize(("kind", "kw", "kshape", "planes"), LAYERS)
def test_partials_plus_bias_equal_tensorflow(kind, kw, kshape, planes) -> None:
    x = RNG.normal(size=(9, 9, kw["in_channels"]))
    kernel = RNG.normal(size=kshape)
    bias = RNG.normal(size=planes)
    strides = kw.pop("strides", 1)
    w = KernelTraversal((9, 9), 3, strides=strides, numbers=(x, kernel, bias), **kw)
    weights_or_skip(w, kshape)
    y = tf_output(kind, x, kernel, bias, strides=strides)
    m = w.payload.depth
    assert m.output_depth == planes == y.shape[-1]
    for step in (0, w.num_steps // 2, w.num_steps - 1):
        cell = np.unravel_index(step, w.traversal.output_size)
        for f in range(planes):
            partials = m.partials(step, f)
            assert len(partials) == m.reads
            assert sum(partials) + m.bias[f] == pytest.approx(y[(*cell, f)], rel=1e-4, abs=1e-4)


def test_pooling_is_per_channel() -> None:
    x = RNG.integers(0, 9, size=(6, 6, 4)).astype(float)
    w = KernelTraversal((6, 6), 2, in_channels=4, operation="max", numbers=(x, None))
    m = w.payload.depth
    assert m.reads == 1 and m.output_depth == 4 and [m.channels(c) for c in range(4)] == [[0], [1], [2], [3]]
    y = x.reshape(3, 2, 3, 2, 4).max(axis=(1, 3))  # numpy reference
    for step in range(9):
        for c in range(4):
            assert m.partials(step, c) == [y[step // 3, step % 3, c]]
    assert (
        w.payload.depth_sentence(4, 2)
        == f"output[1, 1], channel 2 = max of channel 2's window = {int(y[1, 1, 2])} (each channel alone)"
    )


def test_payload_is_binary_and_sent_once() -> None:
    w = KernelTraversal((64, 64), 3, in_channels=16, filters=8, numbers=True)
    h = w.payload.header["depth_view"]
    assert h["kind"] == "conv" and h["reads"] == 16 and h["output_depth"] == 8 and h["numbers"]
    nx, nw, nb = h["counts"]
    assert (nx, nw, nb) == (64 * 64 * 16, 8 * 16 * 9, 8)
    data = decode(w.payload.buffers["depth"], h["dtype"], (nx + nw + nb,))
    np.testing.assert_array_equal(data[:nx], w.payload.values.x.reshape(-1))
    total = sum(len(b) for b in w.payload.buffers.values())
    assert total <= 2 * 1024 * 1024  # the bound for this case
    assert w._canvas.depth == w.payload.buffers["depth"]
    before = w._canvas.depth
    w.step = 100
    w.filter = 3
    assert w._canvas.depth is before and w._canvas.filter == 3  # per-step / per-filter: no new arrays


def test_large_depth_stays_bounded() -> None:
    w = KernelTraversal((64, 64), 3, in_channels=512, filters=512)
    m = w.payload.depth
    assert m.input_planes(0) == ([0, 1, 2, 3, 510, 511], 506)
    assert w.payload.buffers["depth"] == b""
    assert w.payload.depth_sentence(0, 7) == "output[0, 0], filter 7 reads channels 0–511 (kernel depth 512)"


SETTINGS_REFUSED = [
    pytest.param("filter", 4, "`filter` must be an integer from 0 to 3", id="filter_past_last"),
    pytest.param("filter", -1, "Received: filter=-1", id="filter_negative"),
    pytest.param("filter", 1.5, "Received: filter=1.5", id="filter_float"),
    pytest.param("filter", True, "Received: filter=True", id="filter_bool"),
    pytest.param("show_filters", 1, "`show_filters` must be True or False", id="show_filters_int"),
]


@pytest.mark.parametrize(("name", "value", "message"), SETTINGS_REFUSED)
def test_refused_settings_keep_the_state(name, value, message) -> None:
    w = KernelTraversal((7, 7), 3, in_channels=3, filters=4, filter=2)
    setattr(w, name, value)
    assert message in w.message and w.filter == 2 and w.show_filters is False
    with pytest.raises((ValueError, TypeError), match="Received"):
        KernelTraversal((7, 7), 3, in_channels=3, filters=4, **{name: value})


def test_filter_follows_fewer_planes() -> None:
    w = KernelTraversal((7, 7), 3, in_channels=3, filters=8, filter=7, show_filters=True)
    assert w._canvas.filter == 7 and w._canvas.show_filters
    w.filters = 4
    assert w.filter == 3 and "showing filter 3" in w.message + w._note.value


def svg_sentence(path) -> str:
    root = ET.parse(path).getroot()
    parts = []
    for g in root.iter(SVG):
        if (g.get("id") or "").startswith("depth-sentence-"):
            parts.append("".join(g.itertext()).strip())
    return " ".join(p for p in parts if p)


SENTENCES = [
    pytest.param(dict(input_size=(8, 8), in_channels=3, filters=4, numbers=True), id="numbers_3_to_4"),
    pytest.param(dict(input_size=(8, 8), in_channels=12, filters=2, numbers=True), id="numbers_12_elided"),
    pytest.param(dict(input_size=(8, 8), in_channels=4, filters=4, groups=2, numbers=True), id="grouped"),
    pytest.param(dict(input_size=(6, 6), in_channels=2, kind="depthwise", depth_multiplier=2, numbers=True), id="dw"),
    pytest.param(dict(input_size=(8, 8), in_channels=64, filters=8), id="no_numbers_64"),
    pytest.param(
        dict(
            input_size=(6, 6),
            in_channels=2,
            filters=2,
            numbers=(RNG.normal(size=(6, 6, 2)), RNG.normal(size=(3, 3, 2, 2))),
        ),
        id="floats",
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize("kw", SENTENCES)
def test_widget_sentence_equals_export_and_arithmetic(kw, tmp_path) -> None:
    w = KernelTraversal(kernel_size=3, **kw)
    plane = w.payload.depth.output_depth - 1
    w.filter = plane
    for step in (0, w.num_steps - 1):
        w.step = step
        said = w.payload.depth_sentence(step, plane)
        path = w.save(tmp_path / f"s{step}.svg", view="depth")
        assert svg_sentence(path).split() == said.split()
        if hasattr(w, "arithmetic") and w.payload.values is not None:
            assert str(w.arithmetic(step, plane)) == said


@settings(max_examples=60, deadline=None)
@given(
    st.integers(5, 9),
    st.sampled_from([1, 2, 3]),
    st.sampled_from([(1, 1), (2, 1), (2, 2), (4, 2)]),
    st.sampled_from(["valid", "same"]),
    st.integers(1, 2),
)
def test_partials_property_numpy(size, k, chans_groups, padding, stride) -> None:
    """Partials + bias equal a numpy convolution (the reference), for plain and grouped layers."""
    c, groups = chans_groups
    f = 2 * groups
    rng = np.random.default_rng(size * 7 + k)
    x = rng.integers(-4, 5, size=(size, size, c)).astype(float)
    kernel = rng.integers(-2, 3, size=(k, k, c // groups, f)).astype(float)
    bias = rng.integers(-2, 3, size=f).astype(float)
    w = KernelTraversal(
        (size, size),
        k,
        strides=stride,
        padding=padding,
        in_channels=c,
        filters=f,
        groups=groups,
        numbers=(x, kernel, bias),
    )
    weights_or_skip(w, kernel.shape)
    m, t = w.payload.depth, w.traversal
    (pt, _), (pl, _) = t.padding
    xp = np.pad(x, ((pt, t.padding[0][1]), (pl, t.padding[1][1]), (0, 0)))
    for step in range(0, w.num_steps, max(1, w.num_steps // 5)):
        r, col = np.unravel_index(step, t.output_size)
        for o in range(f):
            g = o // (f // groups)
            window = xp[
                r * stride : r * stride + k,
                col * stride : col * stride + k,
                g * (c // groups) : (g + 1) * (c // groups),
            ]
            want = float(np.sum(window * kernel[..., o]) + bias[o])
            assert sum(m.partials(step, o)) + m.bias[o] == want


@pytest.mark.slow
def test_separable_phases_equal_tensorflow() -> None:
    """Depthwise phase: each channel its own kernel; pointwise phase: the 1×1 kernel mixing every depthwise output,
    plus the bias, equal to keras.layers.SeparableConv2D."""
    import keras

    x = RNG.normal(size=(7, 7, 3))
    dw, pw, bias = RNG.normal(size=(3, 3, 3, 2)), RNG.normal(size=(1, 1, 6, 4)), RNG.normal(size=4)
    w = KernelTraversal(
        (7, 7), 3, in_channels=3, kind="separable", depth_multiplier=2, filters=4, numbers=(x, dw, pw, bias)
    )
    if w.payload.values is None or w.payload.values.pointwise is None:
        pytest.skip("separable numbers (depth-core) are not in this checkout yet")
    layer = keras.layers.SeparableConv2D(4, 3, depth_multiplier=2)
    layer.build((1, 7, 7, 3))
    layer.set_weights([dw, pw, bias])
    y = np.asarray(layer(x[None]))[0]
    assert w.payload.depth.kind == "separable" and w.payload.depth.output_depth == 6
    w.filter = 5
    w.phase = "pointwise"
    assert w.message == "" and w.filter == 3  # 4 filters in the pointwise phase
    m = w.payload.depth
    assert m.kind == "pointwise" and m.reads == 6 and m.plane_size == (5, 5)
    for step in (0, 12, 24):
        cell = np.unravel_index(step, (5, 5))
        for f in range(4):
            assert sum(m.partials(step, f)) + m.bias[f] == pytest.approx(y[(*cell, f)], rel=1e-4, abs=1e-4)
    assert w.payload.depth_sentence(12, 1).startswith(
        "output[2, 2], filter 1 (pointwise 1×1, mixing depthwise outputs) = "
    )
    w.phase = "sideways"
    assert "`phase` must be 'depthwise'" in w.message and w.phase == "pointwise"
