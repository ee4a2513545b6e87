"""Numbers mode in Keras' layouts: what KernelTraversal accepts and refuses, numbers=True on every channel and
filter, numbers="weights" from a real built Keras layer, and KernelTraversal.arithmetic()."""

from __future__ import annotations

import os

import numpy as np
import pytest

import convkit
from convkit.core.numeric import convolve
from convkit.core.step_arithmetic import StepArithmetic, layer_output
from convkit.widgets.traversal import KernelTraversal

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
RNG = np.random.default_rng(3)


def ints(*shape):
    return RNG.integers(-3, 4, size=shape).astype(np.float64)


# ----------------------------------------------------------------------------------------------- accepted layouts
ACCEPTED = [
    pytest.param(dict(in_channels=3, filters=2), (ints(1, 5, 5, 3), ints(3, 3, 3, 2)), id="batch_x_keras_kernel"),
    pytest.param(dict(in_channels=3, filters=2), (ints(5, 5, 3), ints(3, 3, 3, 2), ints(2)), id="x_kernel_bias"),
    pytest.param(dict(), (ints(5, 5), ints(3, 3)), id="one_channel_shortcut"),
    pytest.param(dict(in_channels=2, filters=3), (ints(5, 5, 2), ints(3, 3)), id="spatial_kernel_on_every_filter"),
    pytest.param(dict(in_channels=4, filters=6, groups=2), (ints(5, 5, 4), ints(3, 3, 2, 6), ints(6)), id="grouped"),
    pytest.param(
        dict(in_channels=3, kind="depthwise", depth_multiplier=2),
        (ints(5, 5, 3), ints(3, 3, 3, 2), ints(6)),
        id="depthwise_bias_per_plane",
    ),
    pytest.param(
        dict(in_channels=2, filters=4, kind="separable", depth_multiplier=2),
        (ints(5, 5, 2), ints(3, 3, 2, 2), ints(1, 1, 4, 4), ints(4)),
        id="separable_get_weights_order",
    ),
    pytest.param(
        dict(in_channels=2, filters=4, kind="separable"), (ints(5, 5, 2), ints(3, 3, 2, 1)), id="separable_dw_only"
    ),
]


@pytest.mark.parametrize("settings, numbers", ACCEPTED)
def test_accepted_layouts_compute_every_plane(settings, numbers) -> None:
    w = KernelTraversal((5, 5), 3, numbers=numbers, **settings)
    v = w.payload.values
    assert v is not None and v.x.shape == (1, 5, 5, w.in_channels)
    kind, groups = w.kind, w.groups
    bias = v.plane_bias
    raw = layer_output(v.x, v.kernel, kind=kind, groups=groups)[0].reshape(w.num_steps, -1)
    np.testing.assert_array_equal(v.y_all, raw + bias)
    np.testing.assert_array_equal(v.y, (raw + bias)[:, 0])  # the grid's cells and sum line: filter 0, its bias in
    if kind == "separable":
        assert not v.plane_bias.any()
        if v.pointwise is not None:
            np.testing.assert_array_equal(v.y_pointwise, raw @ v.pointwise + v.bias)
    for step in (0, w.num_steps - 1):
        for plane in range(v.y_all.shape[1]):
            a = w.arithmetic(step, plane)
            assert a.value == v.y_all[step, plane]


REFUSED = [
    pytest.param(
        dict(in_channels=3, filters=2),
        (ints(5, 5, 3), ints(3, 3, 2, 2)),
        r"kernel must have shape \(3, 3\) or \(\*kernel_size, in_channels, filters\) = \(3, 3, 3, 2\).*kernel\.shape=\(3, 3, 2, 2\)",
        id="kernel_depth",
    ),
    pytest.param(
        dict(in_channels=3, filters=4),
        (ints(5, 5, 3), ints(3, 3, 3, 2)),
        r"= \(3, 3, 3, 4\).*Received: kernel.shape=\(3, 3, 3, 2\)",
        id="kernel_filters",
    ),
    pytest.param(
        dict(in_channels=4, filters=2, groups=2),
        (ints(5, 5, 4), ints(3, 3, 4, 2)),
        r"in_channels // groups 2, filters\) = \(3, 3, 2, 2\)",
        id="grouped_kernel_depth",
    ),
    pytest.param(
        dict(in_channels=3, filters=2),
        (ints(5, 5, 3), ints(3, 3, 3, 2), ints(3)),
        r"bias must have shape \(2,\): one per output plane \(filters\).*Received: bias.shape=\(3,\)",
        id="bias_shape",
    ),
    pytest.param(
        dict(in_channels=2, kind="depthwise", depth_multiplier=2),
        (ints(5, 5, 2), ints(3, 3, 2, 1)),
        r"in_channels, depth_multiplier\) = \(3, 3, 2, 2\)",
        id="depthwise_multiplier",
    ),
    pytest.param(
        dict(in_channels=2, filters=3, kind="separable"),
        (ints(5, 5, 2), ints(3, 3, 2, 1), ints(1, 1, 2, 4)),
        r"pointwise kernel must have shape \(1, 1, 2, 3\).*pointwise.shape=\(1, 1, 2, 4\)",
        id="pointwise_shape",
    ),
    pytest.param(
        dict(in_channels=2),
        (ints(5, 5, 3), ints(3, 3, 2, 1)),
        r"x must have shape \(5, 5, 2\) or \(1, 5, 5, 2\).*Received: x.shape=\(5, 5, 3\)",
        id="x_channels",
    ),
    pytest.param(dict(), (ints(5, 5), ints(3, 3), ints(1), ints(1)), r"or \(x, kernel, bias\)", id="too_many"),
    pytest.param(dict(), "weights", r'from_layer\(layer, input_shape, numbers="weights"\)', id="weights_string"),
    pytest.param(dict(), (ints(5, 5), ints(3, 3), "b"), r"not text. Received: numbers\[2\]='b'", id="text_bias"),
]


@pytest.mark.parametrize("settings, numbers, match", REFUSED)
def test_refused_layouts_say_what_is_expected(settings, numbers, match) -> None:
    with pytest.raises((ValueError, TypeError), match=match):
        KernelTraversal((5, 5), 3, numbers=numbers, **settings)


def test_a_change_the_numbers_do_not_fit_is_refused_and_kept() -> None:
    w = KernelTraversal((5, 5), 3, in_channels=2, filters=2, numbers=(ints(5, 5, 2), ints(3, 3, 2, 2)))
    w.filters = 5
    assert w.filters == 2 and "(3, 3, 2, 5)" in w.message and "kernel.shape=(3, 3, 2, 2)" in w.message


# ----------------------------------------------------------------------------------------------- numbers=True
@pytest.mark.parametrize(
    "settings, kernel_shape, bias_shape",
    [
        pytest.param(dict(in_channels=3, filters=4), (3, 3, 3, 4), (4,), id="plain"),
        pytest.param(dict(in_channels=4, filters=6, groups=2), (3, 3, 2, 6), (6,), id="grouped"),
        pytest.param(dict(in_channels=3, kind="depthwise", depth_multiplier=2), (3, 3, 3, 2), (6,), id="depthwise"),
        pytest.param(dict(in_channels=2, filters=3, kind="separable"), (3, 3, 2, 1), (3,), id="separable"),
    ],
)
def test_numbers_true_fills_every_channel_filter_and_bias(settings, kernel_shape, bias_shape) -> None:
    w = KernelTraversal((6, 6), 3, numbers=True, **settings)
    v = w.payload.values
    assert v.kernel.shape == kernel_shape and v.bias.shape == bias_shape
    for c in range(w.in_channels):
        channel = v.x[0, ..., c]
        assert np.all(channel == np.round(channel)) and 0 <= channel.min() and channel.max() <= 9
        assert len(set(channel.ravel())) > 1 and len(v.channel_texts(c)) == 36
    assert len({tuple(v.kernel[..., f].ravel()) for f in range(kernel_shape[-1])}) == kernel_shape[-1]
    assert np.all(np.abs(v.bias) <= 2) and v.whole and v.bias_texts() == [str(int(b)) for b in v.bias]
    if w.kind == "separable":
        assert v.pointwise.shape == (2, 3) and v.y_pointwise.shape == (w.num_steps, 3)
    a = w.arithmetic(w.num_steps - 1, filter=v.y_all.shape[1] - 1)
    assert a.value == v.y_all[-1, -1] and str(a) == w.payload.depth_sentence(w.num_steps - 1, v.y_all.shape[1] - 1)


def test_numbers_true_on_pooling_keeps_channels_apart() -> None:
    w = KernelTraversal((6, 6), 2, operation="max", in_channels=3, numbers=True)
    v = w.payload.values
    assert v.kernel is None and v.bias is None and v.y_all.shape == (9, 3)
    a = w.arithmetic(4, filter=2)
    assert a.kind == "pool" and a.channel_indices == (2,) and a.value == v.y_all[4, 2]


def test_512_channels_at_64x64_are_bounded() -> None:
    w = KernelTraversal((64, 64), 3, in_channels=512, filters=512, numbers=True)
    v = w.payload.values
    assert v.y_all is None  # every filter's output would be 9e9 multiply-adds: filter 0 only
    assert v.y.shape == (62 * 62,) and v.x.nbytes + v.kernel.nbytes < 40 * 2**20
    a = w.arithmetic(100, filter=511)
    assert len(a.channels) == 512
    cell = convolve(v.x, v.kernel[..., 511:512])[0].reshape(-1)[100] + v.bias[511]
    assert a.value == cell and "(512 terms)" in str(a)
    with pytest.raises(ValueError, match=r"Numbers mode computes every input channel.*in_channels=2048"):
        KernelTraversal((64, 64), 3, in_channels=2048, numbers=True)
    with pytest.raises(ValueError, match=r"Numbers mode holds every weight.*filters=1024"):
        KernelTraversal((8, 8), 3, in_channels=1024, filters=1024, numbers=True)


# ----------------------------------------------------------------------------------------------- arithmetic()
def test_arithmetic_defaults_and_refusals() -> None:
    w = KernelTraversal((5, 5), 3, in_channels=2, filters=3, numbers=True, step=4)
    a = w.arithmetic()
    assert isinstance(a, StepArithmetic) and a.step == 4 and a.filter == 0 and a.output_index == (1, 1)
    assert a.channel_indices == (0, 1) and a.value == w.payload.values.y_all[4, 0]
    with pytest.raises(ValueError, match=r"`step` must be an integer from 0 to 8.*Received: step=9"):
        w.arithmetic(9)
    with pytest.raises(ValueError, match=r"`filter` must be an integer from 0 to 2.*Received: filter=3"):
        w.arithmetic(0, 3)
    with pytest.raises(ValueError, match="separable convolutions only"):
        w.arithmetic(0, phase="pointwise")
    w.numbers = None
    with pytest.raises(ValueError, match=r"turn numbers on: numbers=True.*Received: numbers=None"):
        w.arithmetic()


def test_arithmetic_separable_phases() -> None:
    w = KernelTraversal((5, 5), 3, in_channels=2, filters=3, kind="separable", depth_multiplier=2, numbers=True)
    v = w.payload.values
    d = w.arithmetic(2, 3)
    assert d.kind == "separable" and d.bias == 0.0 and d.value == v.y_all[2, 3]
    p = w.arithmetic(2, 2, phase="pointwise")
    assert p.kind == "pointwise" and len(p.channels) == 4 and p.value == v.y_pointwise[2, 2]
    with pytest.raises(ValueError, match=r"from 0 to 2"):
        w.arithmetic(2, 3, phase="pointwise")
    only_dw = KernelTraversal(
        (5, 5), 3, in_channels=2, filters=3, kind="separable", numbers=(ints(5, 5, 2), ints(3, 3, 2, 1))
    )
    with pytest.raises(ValueError, match="pointwise phase needs the 1×1 weights"):
        only_dw.arithmetic(0, 0, phase="pointwise")


def test_arithmetic_is_complete_when_the_picture_is_too_large() -> None:
    w = KernelTraversal(5000, 3, in_channels=2, numbers=True)  # a strip too long to draw
    assert w.payload.header["too_large"] and w.payload.values is None
    a = w.arithmetic(4997)
    assert len(a.channels) == 2 and a.output_index == (4997,)


# ----------------------------------------------------------------------------------------------- from_layer weights
@pytest.mark.tf
@pytest.mark.parametrize(
    "make, shape",
    [
        pytest.param(lambda k: k.layers.Conv2D(4, 3, strides=2, padding="same"), (None, 7, 7, 3), id="conv2d"),
        pytest.param(lambda k: k.layers.Conv2D(4, 3, groups=2), (None, 6, 6, 4), id="conv2d_groups"),
        pytest.param(lambda k: k.layers.Conv1D(3, 3, padding="causal", dilation_rate=2), (None, 12, 2), id="conv1d"),
        pytest.param(lambda k: k.layers.DepthwiseConv2D(3, depth_multiplier=2), (None, 6, 6, 3), id="depthwise"),
        pytest.param(lambda k: k.layers.SeparableConv2D(5, 3, padding="same"), (None, 6, 6, 2), id="separable"),
        pytest.param(lambda k: k.layers.Conv2D(2, 3, use_bias=False), (None, 5, 5, 2), id="no_bias"),
    ],
)
def test_from_layer_weights_match_the_keras_layer(make, shape) -> None:
    keras = pytest.importorskip("keras")
    layer = make(keras)
    layer.build(shape)
    weights = layer.get_weights()
    w = KernelTraversal.from_layer(layer, shape, numbers="weights")
    v = w.payload.values
    np.testing.assert_array_equal(v.kernel, weights[0])
    y = np.asarray(layer(v.x.astype(np.float32)))[0].reshape(w.num_steps, -1)
    phase = "pointwise" if w.kind == "separable" else None
    if phase:
        np.testing.assert_array_equal(v.pointwise.reshape(weights[1].shape), weights[1])
    for step in sorted({0, w.num_steps // 2, w.num_steps - 1}):
        for f in range(y.shape[1]):
            a = w.arithmetic(step, f, phase=phase)
            np.testing.assert_allclose(a.value, y[step, f], rtol=1e-5, atol=1e-5)


@pytest.mark.tf
def test_from_layer_weights_refuses_an_unbuilt_layer() -> None:
    keras = pytest.importorskip("keras")
    with pytest.raises(ValueError, match=r"build it first: layer.build\(shape\) or call it on an input"):
        KernelTraversal.from_layer(keras.layers.Conv2D(4, 3), (None, 6, 6, 3), numbers="weights")
    layer = keras.layers.Conv2D(4, 3)
    layer.build((None, 6, 6, 3))
    with pytest.raises(ValueError, match=r"kernel.shape=\(3, 3, 3, 4\)"):  # built on 3 channels, drawn on 2
        KernelTraversal.from_layer(layer, (None, 6, 6, 2), numbers="weights")


def test_from_layer_weights_of_a_spec_and_pooling() -> None:
    with pytest.raises(TypeError, match=r"numbers=\"weights\" reads a built Keras layer's weights"):
        KernelTraversal.from_layer(convkit.layers.Conv2D(4, 3), (None, 6, 6, 3), numbers="weights")
    p = KernelTraversal.from_layer(convkit.layers.MaxPooling2D(2), (None, 6, 6, 3), numbers="weights")
    assert p.payload.values.y_all.shape == (9, 3)
