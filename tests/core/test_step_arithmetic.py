"""StepArithmetic: one output cell across the depth, against a numpy reference, convkit.convolve and TensorFlow.

Every case checks that ``value`` is the output cell (of the layer computed elsewhere) and that the channel partials
plus the bias are the value: plain, grouped, depthwise and separable (both phases) convolutions and pooling, 1-D and
2-D, with stride, dilation and valid/same/causal/explicit padding.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convkit.core.numeric import convolve, pool
from convkit.core.step_arithmetic import StepArithmetic, layer_output, step_arithmetic
from convkit.core.traversal import traverse
from convkit.core.words import arithmetic_sentence

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
RNG = np.random.default_rng(12)
SETTINGS = settings(deadline=None, max_examples=120, suppress_health_check=[HealthCheck.too_slow])


# ----------------------------------------------------------------------------------------------- numpy reference
def reference_cell(x, kernel, out_index, strides, pads, dilation, *, kind, groups=1, bias=None, pointwise=None, f=0):
    """The output cell by the definition, loop by loop (x ``(*spatial, C)``, Keras layouts, pads ``(before, …)``)."""
    rank = x.ndim - 1
    k = kernel.shape[:rank]
    c = x.shape[-1]

    def read(channel, tap):
        idx = tuple(o * s - p + j * d for o, s, p, j, d in zip(out_index, strides, pads, tap, dilation))
        inside = all(0 <= i < n for i, n in zip(idx, x.shape[:rank]))
        return float(x[idx + (channel,)]) if inside else 0.0

    def window(channel, weights):
        return sum(read(channel, tap) * float(weights[tap]) for tap in np.ndindex(*k))

    if kind == "conv":
        reads, per = c // groups, kernel.shape[-1] // groups
        start = (f // per) * reads
        total = sum(window(start + j, kernel[..., j, f]) for j in range(reads))
        return total + (0.0 if bias is None else float(bias[f]))
    m = kernel.shape[-1]
    if kind == "depthwise":
        return window(f // m, kernel[..., f // m, f % m]) + (0.0 if bias is None else float(bias[f]))
    depthwise = [window(p // m, kernel[..., p // m, p % m]) for p in range(c * m)]
    if pointwise is None:  # the depthwise phase
        return depthwise[f]
    return sum(d * float(pointwise[p, f]) for p, d in enumerate(depthwise)) + (0.0 if bias is None else float(bias[f]))


def ints(shape, lo=-3, hi=4):
    return RNG.integers(lo, hi, size=shape).astype(np.float64)


# ----------------------------------------------------------------------------------------------- named cases
# name, input size, kernel, strides, padding, dilation, kind, in channels, filters (depthwise: multiplier), groups
CASES = [
    ("plain_3_to_4_valid", (6, 6), (3, 3), 1, "valid", 1, "conv", 3, 4, 1),
    ("example_1_stride_2", (9, 9), (3, 3), 2, "valid", 1, "conv", 3, 5, 1),
    ("same_even_kernel_stride_2", (7, 8), (2, 2), 2, "same", 1, "conv", 2, 3, 1),
    ("dilation_2", (9, 9), (3, 3), 1, "same", 2, "conv", 2, 2, 1),
    ("explicit_padding", (5, 6), (3, 2), 1, ((2, 0), (1, 1)), 1, "conv", 2, 2, 1),
    ("grouped_2", (6, 6), (3, 3), 1, "same", 1, "conv", 4, 6, 2),
    ("grouped_3_stride_2", (7, 7), (3, 3), 2, "valid", 1, "conv", 6, 3, 3),
    ("depthwise_multiplier_2", (6, 6), (3, 3), 1, "same", 1, "depthwise", 3, 2, 1),
    ("depthwise_dilated", (9, 9), (2, 2), 1, "valid", 3, "depthwise", 2, 1, 1),
    ("separable", (6, 6), (3, 3), 2, "same", 1, "separable", 3, 4, 1),
    ("conv1d_causal_dilated", (12,), (3,), 1, "causal", 2, "conv", 2, 3, 1),
    ("conv1d_grouped_stride_3", (13,), (4,), 3, "same", 1, "conv", 4, 2, 2),
    ("depthwise1d_causal", (10,), (3,), 1, "causal", 1, "depthwise", 2, 3, 1),
    ("separable1d_valid", (11,), (3,), 2, "valid", 1, "separable", 2, 3, 1),
]


def build(case, integer=True):
    _, size, k, strides, padding, dilation, kind, c, f, groups = case
    t = traverse(size, k, strides, padding, dilation)
    x = ints((*size, c)) if integer else RNG.normal(size=(*size, c))
    if kind == "conv":
        kernel = ints((*k, c // groups, f)) if integer else RNG.normal(size=(*k, c // groups, f))
        bias, pointwise, planes = ints((f,)), None, f
    else:
        kernel = ints((*k, c, f)) if integer else RNG.normal(size=(*k, c, f))
        planes = c * f
        bias = ints((c * f,)) if kind == "depthwise" else ints((4 if kind == "separable" else f,))
        pointwise = ints((c * f, 4)) if kind == "separable" else None
        if kind == "separable":
            bias = ints((4,))
    return t, x, kernel, bias, pointwise, planes


def phases(case):
    return ("depthwise", "pointwise") if case[6] == "separable" else ("depthwise",)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_every_cell_equals_the_reference_and_the_layer(case) -> None:
    t, x, kernel, bias, pointwise, planes = build(case)
    kind, groups = case[6], case[9]
    pads = tuple(p for p, _ in t.padding)
    for phase in phases(case):
        pw = pointwise if phase == "pointwise" else None
        layer = layer_output(
            x[None],
            kernel,
            t.strides,
            case[4],
            t.dilation_rate,
            kind=kind,
            groups=groups,
            bias=None if kind == "separable" and pw is None else bias,
            pointwise=pw,
        )[0].reshape(t.num_steps, -1)
        for step in range(t.num_steps):
            for f in range(layer.shape[1]):
                a = step_arithmetic(
                    t,
                    x,
                    kernel,
                    step=step,
                    filter=f,
                    kind=kind,
                    groups=groups,
                    bias=bias,
                    pointwise=pointwise,
                    phase=phase,
                )
                ref = reference_cell(
                    x,
                    kernel,
                    a.output_index,
                    t.strides,
                    pads,
                    t.dilation_rate,
                    kind=kind,
                    groups=groups,
                    bias=None if kind == "separable" and pw is None else bias,
                    pointwise=pw,
                    f=f,
                )
                assert a.value == ref == layer[step, f], (step, f)  # small integers: exact
                total = 0.0
                for p in a.channels:
                    total += p
                assert total + a.bias == a.value
                assert len(a.channels) == len(a.channel_indices) == len(a.terms)


def test_channels_bias_and_terms_of_a_plain_step() -> None:
    x = np.arange(5 * 5 * 3.0).reshape(5, 5, 3) % 7
    kernel = np.arange(3 * 3 * 3 * 2.0).reshape(3, 3, 3, 2) % 3 - 1
    t = traverse((5, 5), 3, padding="same")
    a = step_arithmetic(t, x[None], kernel, step=0, filter=1, bias=[5, -2])
    assert a.kind == "conv" and a.output_index == (0, 0) and a.channel_indices == (0, 1, 2) and a.bias == -2.0
    assert len(a.terms[0]) == 9 and a.terms[0][0] == (0.0, kernel[0, 0, 0, 1])  # padding reads 0.0
    assert a.terms[0][4] == (x[0, 0, 0], kernel[1, 1, 0, 1])
    for c, pairs in enumerate(a.terms):
        assert a.channels[c] == sum(v * w for v, w in pairs)
    assert a.value == convolve(x[None], kernel, padding="same")[0, 0, 0, 1] - 2
    with pytest.raises(AttributeError):
        a.value = 0.0  # type: ignore[misc]
    assert isinstance(a, StepArithmetic)


def test_grouped_filter_reads_only_its_group() -> None:
    t = traverse((4, 4), 3)
    x, kernel = ints((4, 4, 6)), ints((3, 3, 2, 6))
    groups = [step_arithmetic(t, x, kernel, step=1, filter=f, groups=3).channel_indices for f in range(6)]
    assert groups == [(0, 1), (0, 1), (2, 3), (2, 3), (4, 5), (4, 5)]
    a = step_arithmetic(t, x, kernel, step=1, filter=3, groups=3)
    assert str(a).startswith("output[0, 1], filter 3 (group g1 of 3) = channel 2: ")


def test_depthwise_and_separable_phases() -> None:
    t = traverse((5, 5), 3)
    x, dw, pw = ints((5, 5, 2)), ints((3, 3, 2, 3)), ints((6, 4))
    d = step_arithmetic(t, x, dw, step=4, filter=5, kind="depthwise", bias=np.arange(6.0))
    assert d.channel_indices == (1,) and d.bias == 5.0 and len(d.channels) == 1
    assert str(d).startswith("output[1, 1], plane 5 (channel 1, kernel 2 of 3) = channel 1: ")
    s = step_arithmetic(t, x, dw, step=4, filter=5, kind="separable", bias=[1, 2, 3, 4])
    assert s.kind == "separable" and s.bias == 0.0 and s.value == d.value - 5.0  # no bias in the depthwise phase
    p = step_arithmetic(
        t, x, dw, step=4, filter=3, kind="separable", pointwise=pw, bias=[1, 2, 3, 4], phase="pointwise"
    )
    assert p.kind == "pointwise" and p.channel_indices == tuple(range(6)) and p.bias == 4.0
    assert all(len(pairs) == 1 for pairs in p.terms)
    assert p.terms[5][0][0] == s.value
    assert str(p).startswith("output[1, 1], filter 3 (pointwise 1×1, mixing depthwise outputs) = channel 0: ")
    with pytest.raises(ValueError, match="pointwise phase needs the 1×1 weights"):
        step_arithmetic(t, x, dw, step=0, kind="separable", phase="pointwise")


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_pooling_keeps_each_channel_apart(mode, padding) -> None:
    from convkit.core.axis import pool_axis
    from convkit.core.traversal import traversal_from_axes

    x = ints((5, 5, 3), 0, 9)
    t = traversal_from_axes([pool_axis(5, 2, 2, padding), pool_axis(5, 2, 2, padding)])
    y = pool(x[None], 2, 2, padding, mode)[0].reshape(t.num_steps, 3)
    for step in range(t.num_steps):
        for ch in range(3):
            a = step_arithmetic(t, x, step=step, filter=ch, operation=mode)
            assert a.kind == "pool" and a.channel_indices == (ch,) and a.bias == 0.0
            assert a.value == y[step, ch] and a.channels == (a.value,)
            assert "each channel alone" in str(a)


def test_sentence_is_the_core_words_and_long_depths_are_exact() -> None:
    t = traverse((3, 3), 3)
    x, kernel = np.ones((3, 3, 64)) * 0.5, np.ones((3, 3, 64, 1))
    a = step_arithmetic(t, x, kernel, step=0, bias=[-1.0])
    assert a.value == 64 * 4.5 - 1.0  # every partial counted, however many are written
    text = str(a)
    assert text.startswith("output[0, 0], filter 0 = channel 0: 4.5 + ") and "(64 terms)" in text
    assert text.endswith("(64 terms) + bias -1 = 287")
    assert text == arithmetic_sentence(
        a.output_index, 0, kind="conv", channels=a.channel_indices, partials=a.channels, bias=a.bias, whole=a.whole
    )
    from convkit.render.traversal_words import depth_step_sentence

    assert text == depth_step_sentence(
        a.output_index, 0, kind="conv", channels=a.channel_indices, partials=a.channels, bias=a.bias, whole=a.whole
    )


def test_negative_step_counts_from_the_end() -> None:
    t = traverse(6, 3)
    a = step_arithmetic(t, ints((6, 1)), ints((3, 1, 1)), step=-1)
    assert a.step == t.num_steps - 1 and a.output_index == (3,)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        pytest.param(dict(step=9), ValueError, r"`step` must be an integer from 0 to 8.*Received: step=9", id="step"),
        pytest.param(dict(step=0, filter=2), ValueError, r"this layer has 2.*Received: filter=2", id="filter"),
        pytest.param(dict(step=True), ValueError, r"Received: step=True", id="bool_step"),
        pytest.param(
            dict(step=0, kind="dense"), ValueError, r"`kind` must be one of.*Received: kind='dense'", id="kind"
        ),
        pytest.param(dict(step=0, groups=2), ValueError, r"`kernel` must have shape \(3, 3, 1, '…'\)", id="groups"),
        pytest.param(dict(step=0, bias=[1, 2, 3]), ValueError, r"`bias` must have shape \(2,\)", id="bias"),
        pytest.param(dict(step=0, operation="min"), ValueError, r"`operation` must be one of", id="operation"),
    ],
)
def test_refusals_name_the_value(kwargs, error, match) -> None:
    t = traverse((5, 5), 3)
    with pytest.raises(error, match=match):
        step_arithmetic(t, ints((5, 5, 2)), ints((3, 3, 2, 2)), **kwargs)


def test_shape_refusals() -> None:
    t = traverse((5, 5), 3)
    with pytest.raises(ValueError, match=r"`x` must have shape .*Received: x.shape=\(4, 4, 2\)"):
        step_arithmetic(t, np.zeros((4, 4, 2)), np.zeros((3, 3, 2, 1)), step=0)
    with pytest.raises(ValueError, match=r"depth 2.*Received: kernel.shape=\(3, 3, 3, 1\)"):
        step_arithmetic(t, np.zeros((5, 5, 2)), np.zeros((3, 3, 3, 1)), step=0)
    with pytest.raises(ValueError, match="depth_multiplier=3"):
        step_arithmetic(t, np.zeros((5, 5, 2)), np.zeros((3, 3, 2, 2)), step=0, kind="depthwise", depth_multiplier=3)
    with pytest.raises(TypeError, match="array of real numbers"):
        step_arithmetic(t, "abc", np.zeros((3, 3, 2, 1)), step=0)


# ----------------------------------------------------------------------------------------------- hypothesis
@st.composite
def layers(draw):
    rank = draw(st.integers(1, 2))
    kind = draw(st.sampled_from(["conv", "grouped", "depthwise", "separable"]))
    k = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    dilated = draw(st.booleans())
    strides = (1,) * rank if dilated else tuple(draw(st.integers(1, 3)) for _ in range(rank))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(rank)) if dilated else (1,) * rank
    modes = ["valid", "same", "explicit"] + (["causal"] if rank == 1 else [])
    padding = draw(st.sampled_from(modes))
    k_eff = [(n - 1) * d + 1 for n, d in zip(k, dilation)]
    if padding == "explicit":
        padding = tuple((draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in range(rank))
        size = tuple(max(1, e - sum(p)) + draw(st.integers(0, 5)) for e, p in zip(k_eff, padding))
    else:
        size = tuple(draw(st.integers(e if padding == "valid" else 1, e + 6)) for e in k_eff)
    groups = draw(st.integers(2, 3)) if kind == "grouped" else 1
    c = groups * draw(st.integers(1, 2)) if kind == "grouped" else draw(st.integers(1, 4))
    f = groups * draw(st.integers(1, 2)) if kind == "grouped" else draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**16))
    return size, k, strides, padding, dilation, "conv" if kind == "grouped" else kind, c, f, groups, seed


@given(layers(), st.data())
@SETTINGS
def test_property_value_is_convolve_and_partials_plus_bias_is_value(layer, data) -> None:
    size, k, strides, padding, dilation, kind, c, f, groups, seed = layer
    rng = np.random.default_rng(seed)
    t = traverse(size, k, strides, padding, dilation)
    x = rng.normal(size=(*size, c))
    depth, last = (c, f) if kind != "conv" else (c // groups, f)
    kernel = rng.normal(size=(*k, depth, last))
    pointwise = rng.normal(size=(c * f, 3)) if kind == "separable" else None
    planes = c * f if kind == "depthwise" else 3 if kind == "separable" else f
    bias = rng.normal(size=planes)
    phase = data.draw(st.sampled_from(["depthwise", "pointwise"])) if kind == "separable" else "depthwise"
    pw = pointwise if phase == "pointwise" else None
    layer_bias = None if kind == "separable" and pw is None else bias
    y = layer_output(
        x[None], kernel, strides, padding, dilation, kind=kind, groups=groups, bias=layer_bias, pointwise=pw
    )
    y = y[0].reshape(t.num_steps, -1)
    step = data.draw(st.integers(0, t.num_steps - 1))
    plane = data.draw(st.integers(0, y.shape[1] - 1))
    a = step_arithmetic(
        t, x, kernel, step=step, filter=plane, kind=kind, groups=groups, bias=bias, pointwise=pointwise, phase=phase
    )
    assert math.isclose(a.value, y[step, plane], rel_tol=1e-9, abs_tol=1e-9)
    total = 0.0
    for p in a.channels:
        total += p
    assert total + a.bias == a.value
    reads = {"conv": c // groups, "depthwise": 1, "separable": 1}[kind] if phase == "depthwise" else c * f
    assert len(a.channels) == reads
    if kind == "conv" and groups == 1:  # convkit.convolve directly
        assert math.isclose(
            a.value,
            convolve(x[None], kernel, strides, padding, dilation)[0].reshape(t.num_steps, -1)[step, plane]
            + bias[plane],
            rel_tol=1e-9,
            abs_tol=1e-9,
        )


# ----------------------------------------------------------------------------------------------- TensorFlow


def tf_layer_output(case, x, kernel, bias, pointwise, phase):
    """The same layer run by real Keras layers (their weights set to ours), float32 small integers: exact."""
    import keras

    _, size, k, strides, padding, dilation, kind, c, f, groups = case
    rank = len(size)
    pad = padding
    xin = x[None].astype(np.float32)
    if padding == "causal" and kind != "conv":  # Keras' depthwise/separable layers have no "causal": pad left
        padding = (((k[0] - 1) * (dilation if isinstance(dilation, int) else dilation[0]), 0),)
    if isinstance(padding, tuple):  # explicit pairs: pad, then "valid"
        xin = np.pad(xin, ((0, 0), *padding, (0, 0)))
        pad = "valid"
    common = dict(strides=strides, padding=pad, dilation_rate=dilation)
    if kind == "conv":
        cls = keras.layers.Conv1D if rank == 1 else keras.layers.Conv2D
        layer = cls(f, k, groups=groups, **common)
        weights = [kernel, bias]
    elif kind == "depthwise" or phase == "depthwise":
        cls = keras.layers.DepthwiseConv1D if rank == 1 else keras.layers.DepthwiseConv2D
        layer = cls(k, depth_multiplier=kernel.shape[-1], use_bias=kind == "depthwise", **common)
        weights = [kernel, bias] if kind == "depthwise" else [kernel]
    else:
        cls = keras.layers.SeparableConv1D if rank == 1 else keras.layers.SeparableConv2D
        layer = cls(pointwise.shape[1], k, depth_multiplier=kernel.shape[-1], **common)
        weights = [kernel, pointwise.reshape(*(1,) * rank, *pointwise.shape), bias]
    layer.build(xin.shape)
    layer.set_weights([np.asarray(w, np.float32) for w in weights])
    return np.asarray(layer(xin))[0]


@pytest.mark.tf
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_value_equals_real_keras_layers(case) -> None:
    pytest.importorskip("tensorflow")
    t, x, kernel, bias, pointwise, planes = build(case)
    for phase in phases(case):
        y = tf_layer_output(case, x, kernel, bias, pointwise, phase).reshape(t.num_steps, -1)
        for step in sorted({0, 1, t.num_steps // 2, t.num_steps - 1}):
            for f in range(y.shape[1]):
                a = step_arithmetic(
                    t,
                    x,
                    kernel,
                    step=step,
                    filter=f,
                    kind=case[6],
                    groups=case[9],
                    bias=bias,
                    pointwise=pointwise,
                    phase=phase,
                )
                assert a.value == float(y[step, f]), (case[0], phase, step, f)


@pytest.mark.tf
def test_value_equals_tf_nn_ops() -> None:
    tf = pytest.importorskip("tensorflow")
    t = traverse((7, 7), 3, 2, "same")
    x, kernel = ints((7, 7, 3)), ints((3, 3, 3, 4))
    y = tf.nn.convolution(x[None], kernel, strides=2, padding="SAME").numpy()[0].reshape(t.num_steps, 4)
    dw = ints((3, 3, 3, 2))
    yd = tf.nn.depthwise_conv2d(x[None], dw, [1, 2, 2, 1], "SAME").numpy()[0].reshape(t.num_steps, 6)
    for step in range(t.num_steps):
        for f in range(4):
            assert step_arithmetic(t, x, kernel, step=step, filter=f).value == y[step, f]
        for p in range(6):
            assert step_arithmetic(t, x, dw, step=step, filter=p, kind="depthwise").value == yd[step, p]


@pytest.mark.tf
@given(layers(), st.data())
@settings(deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow])
def test_property_value_equals_tensorflow(layer, data) -> None:
    pytest.importorskip("tensorflow")
    size, k, strides, padding, dilation, kind, c, f, groups, seed = layer
    rng = np.random.default_rng(seed)
    t = traverse(size, k, strides, padding, dilation)
    x = rng.integers(-3, 4, size=(*size, c)).astype(np.float64)
    depth, last = (c, f) if kind != "conv" else (c // groups, f)
    kernel = rng.integers(-3, 4, size=(*k, depth, last)).astype(np.float64)
    pointwise = rng.integers(-2, 3, size=(c * f, 3)).astype(np.float64) if kind == "separable" else None
    planes = c * f if kind == "depthwise" else 3 if kind == "separable" else f
    bias = rng.integers(-3, 4, size=planes).astype(np.float64)
    phase = data.draw(st.sampled_from(["depthwise", "pointwise"])) if kind == "separable" else "depthwise"
    case = ("property", size, k, strides, padding, dilation, kind, c, f, groups)
    y = tf_layer_output(case, x, kernel, bias, pointwise, phase).reshape(t.num_steps, -1)
    step = data.draw(st.integers(0, t.num_steps - 1))
    plane = data.draw(st.integers(0, y.shape[1] - 1))
    a = step_arithmetic(
        t, x, kernel, step=step, filter=plane, kind=kind, groups=groups, bias=bias, pointwise=pointwise, phase=phase
    )
    assert a.value == float(y[step, plane])
