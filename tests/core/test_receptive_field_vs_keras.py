"""Receptive fields against real Keras: the gradient support of one output cell equals ``.mask`` and ``.masks``.

Random Sequential and functional stacks (Add and channel Concatenate blocks) of the supported layers run as real
Keras layers with all-ones kernels, zero biases, no activation and a positive input; ``tf.GradientTape`` takes the
gradient of one output cell (summed over its channels) with respect to the input and to every entry's output.
Max pooling is checked on its window: its Keras twin is the average pooling of the same window (max pooling's
gradient goes to the argmax only), and the dependency tables of both are the same (checked below).
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

import convkit  # noqa: E402
from convkit import layers as L  # noqa: E402
from convkit.core.merge import Add, Concatenate  # noqa: E402
from convkit.core.receptive_field import stack_dependencies  # noqa: E402

pytestmark = pytest.mark.tf

TOP = 12  # largest spatial size anywhere in a stack
SETTINGS = settings(deadline=None, max_examples=120, suppress_health_check=[HealthCheck.too_slow])


# --- random layers ----------------------------------------------------------------------------------------


@st.composite
def window_layer(draw, rank: int, channels: int):
    """One sliding-window or per-axis layer of the given rank (None when the drawn configuration is refused)."""
    kind = draw(
        st.sampled_from(["conv", "conv", "depthwise", "separable", "transpose", "avg", "max", "pad", "crop", "up"])
    )
    k = tuple(draw(st.integers(1, 4)) for _ in range(rank))
    dilated = draw(st.integers(0, 3)) == 0
    s = (1,) * rank if dilated else tuple(draw(st.integers(1, 3)) for _ in range(rank))
    d = tuple(draw(st.integers(1, 2)) for _ in range(rank)) if dilated else (1,) * rank
    pad = draw(st.sampled_from(["valid", "same"] + (["causal"] if rank == 1 else [])))
    n = "1D" if rank == 1 else "2D"
    if kind == "conv":
        return getattr(L, f"Conv{n}")(draw(st.integers(1, 2)), k, strides=s, padding=pad, dilation_rate=d)
    pad = "valid" if pad == "causal" else pad
    if kind == "depthwise":
        return getattr(L, f"DepthwiseConv{n}")(k, strides=s, padding=pad, dilation_rate=d)
    if kind == "separable":
        return getattr(L, f"SeparableConv{n}")(draw(st.integers(1, 2)), k, strides=s, padding=pad, dilation_rate=d)
    if kind == "transpose":
        op = None if draw(st.booleans()) else tuple(draw(st.integers(0, si - 1)) for si in s)
        return getattr(L, f"Conv{n}Transpose")(1, k, strides=s, padding=pad, output_padding=op, dilation_rate=d)
    if kind in ("avg", "max"):
        cls = "AveragePooling" if kind == "avg" else "MaxPooling"
        return getattr(L, f"{cls}{n}")(k, strides=s, padding=pad)
    if kind == "pad":
        pairs = tuple((draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in range(rank))
        return getattr(L, f"ZeroPadding{n}")(pairs[0] if rank == 1 else pairs)
    if kind == "crop":
        pairs = tuple((draw(st.integers(0, 1)), draw(st.integers(0, 1))) for _ in range(rank))
        return getattr(L, f"Cropping{n}")(pairs[0] if rank == 1 else pairs)
    if rank == 1:
        return L.UpSampling1D(draw(st.integers(1, 3)))
    # bilinear factors 1 and 2 only: TF computes half-pixel weights in float32, exact for them
    bilinear = draw(st.booleans())
    size = tuple(draw(st.integers(1, 2 if bilinear else 3)) for _ in range(2))
    return L.UpSampling2D(size, interpolation="bilinear" if bilinear else "nearest")


def _spatial(shape):
    return tuple(shape[1:-1])


def _fits(layer, shape) -> tuple | None:
    """The layer's output shape when Keras' rules accept ``shape`` and it stays small, else None."""
    try:
        out = layer.compute_output_shape(shape)
    except ValueError:
        return None
    if any(m > TOP for m in _spatial(out)):
        return None
    if "Transpose" in type(layer).__name__ and layer.padding == "same":
        # TF has no "same" transposed convolution whose output maps back to another input size
        if any(-(-m // s) != n for m, s, n in zip(_spatial(out), layer.strides, _spatial(shape))):
            return None
    return out


@st.composite
def sequential_stacks(draw):
    rank = draw(st.sampled_from([1, 2, 2]))
    channels = draw(st.integers(1, 2))
    shape = (None, *(draw(st.integers(3, TOP)) for _ in range(rank)), channels)
    layers = []
    current = shape
    for _ in range(draw(st.integers(1, 5))):
        try:
            layer = draw(window_layer(rank, channels))
        except (ValueError, TypeError):
            continue  # a configuration Keras refuses (e.g. strides > 1 with dilation > 1)
        out = _fits(layer, current)
        if out is None:
            continue
        layers.append(layer)
        current = out
    if draw(st.integers(0, 4)) == 0:
        layers.append(draw(st.sampled_from([L.BatchNormalization(), L.ReLU(), L.Dense(2)])))
    assume(layers)
    return convkit.LayerStack(shape, layers)


@st.composite
def functional_stacks(draw):
    """Blocks of a chain: each a window layer, or a branch pair merged by Add / channel Concatenate."""
    rank = draw(st.sampled_from([1, 2, 2]))
    shape = (None, *(draw(st.integers(3, TOP)) for _ in range(rank)), 2)
    layers, inputs, shapes = [], [], []
    current, src = shape, -1

    def add(layer, srcs, out):
        layers.append(layer)
        inputs.append(srcs)
        shapes.append(out)
        return out, len(layers) - 1

    for _ in range(draw(st.integers(1, 3))):
        if len(layers) >= 5:
            break
        if draw(st.booleans()):
            try:
                layer = draw(window_layer(rank, 2))
            except (ValueError, TypeError):
                continue
            out = _fits(layer, current)
            if out is None:
                continue
            current, src = add(layer, (src,) if src != -1 else (), out)
            continue
        # a branch: a "same" stride-1 convolution (maybe dilated) beside the shortcut or a second branch
        k = tuple(draw(st.integers(1, 4)) for _ in range(rank))
        d = tuple(draw(st.integers(1, 2)) for _ in range(rank))
        conv = getattr(L, f"Conv{rank}D")(current[-1], k, padding="same", dilation_rate=d)
        a_out, a = add(conv, (src,) if src != -1 else (), current)
        if draw(st.booleans()) and len(layers) < 4:
            k2 = tuple(draw(st.integers(1, 3)) for _ in range(rank))
            b_out, b = add(
                getattr(L, f"Conv{rank}D")(current[-1], k2, padding="same"), (src,) if src != -1 else (), current
            )
        else:
            b = src
        merge = Add() if draw(st.booleans()) else Concatenate()
        out = merge.compute_output_shape([current, current])
        current, src = add(merge, (b, a), out)
    assume(layers)
    return convkit.LayerStack(shape, layers, inputs=[tuple(i) for i in inputs])


# --- Keras' gradients ---------------------------------------------------------------------------------------


def _keras_layer(spec):
    """The real Keras layer of a spec; max pooling's twin is average pooling over the same window."""
    code = spec.to_keras_code().replace("MaxPooling", "AveragePooling")
    return eval(code, {"keras": keras})  # noqa: S307 (our own generated source)


def _set_ones(layer) -> None:
    weights = []
    for w in layer.weights:
        zero = any(tag in w.path for tag in ("bias", "beta", "moving_mean"))
        weights.append(np.zeros(w.shape) if zero else np.ones(w.shape))
    if weights:
        layer.set_weights(weights)


def keras_supports(stack, layer: int, index: tuple[int, ...]) -> list[np.ndarray]:
    """Gradient support of output ``index`` of ``layer`` w.r.t. the input, then w.r.t. every entry's output."""
    rng = np.random.default_rng(0)
    x = tf.constant(rng.uniform(0.5, 1.5, size=(1, *stack.input_shape[1:])), dtype=tf.float32)
    klayers = [_keras_layer(spec) for spec in stack.layers]
    outs = []
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        for i, (kl, srcs) in enumerate(zip(klayers, stack.inputs)):
            args = [x if s == -1 else outs[s] for s in (srcs or (-1,))]
            want = stack.trace.entries[i].output_shape
            shapes = [tuple(a.shape) for a in args]
            arg = args if len(args) > 1 else args[0]
            got = kl.compute_output_shape(shapes if len(args) > 1 else shapes[0])  # asked before running it
            assert tuple(got[1:]) == tuple(want[1:]), (i, got, want)
            kl(arg)  # builds the weights
            _set_ones(kl)
            y = kl(arg)
            outs.append(y)
        target = tf.reduce_sum(outs[layer][(0, *index)])
    sources = [x, *outs]
    grads = tape.gradient(target, sources)
    masks = []
    for g, t in zip(grads, sources):
        if g is None:
            masks.append(np.zeros(t.shape[1:-1], dtype=bool))
        else:
            masks.append((np.abs(g.numpy()[0]) > 0).any(axis=-1))
    return masks


def _check(stack, data) -> None:
    deps = stack_dependencies(stack)
    layer = data.draw(st.integers(0, len(deps) - 1), label="layer")
    shape = deps[layer].out_shape
    index = tuple(data.draw(st.integers(0, n - 1), label=f"index[{a}]") for a, n in enumerate(shape))
    rf = stack.receptive_field(index, layer=layer)
    try:
        supports = keras_supports(stack, layer, index)
    except tf.errors.AbortedError:
        assume(False)  # legal "same" transposed cases TF's CPU kernels abort on
        raise
    np.testing.assert_array_equal(rf.mask, supports[0], err_msg="mask")
    for e, (mine, theirs) in enumerate(zip(rf.masks, supports[1:])):
        np.testing.assert_array_equal(mine, theirs, err_msg=f"masks[{e}] ({stack.layers[e].name})")


@SETTINGS
@given(stack=sequential_stacks(), data=st.data())
def test_sequential_stacks_match_keras_gradients(stack, data) -> None:
    _check(stack, data)


@SETTINGS
@given(stack=functional_stacks(), data=st.data())
def test_functional_stacks_match_keras_gradients(stack, data) -> None:
    _check(stack, data)


@pytest.mark.parametrize(
    "spec",
    [
        L.Conv2DTranspose(1, 3, strides=2, padding="same"),
        L.Conv2DTranspose(1, 4, strides=3, padding="same", output_padding=1),
        L.Conv2DTranspose(1, 2, strides=3),
        L.Conv1DTranspose(1, 3, strides=2, dilation_rate=1, output_padding=0),
        L.UpSampling2D((2, 1), interpolation="bilinear"),
        L.AveragePooling2D(3, strides=2, padding="same"),
        L.Conv1D(1, 3, padding="causal", dilation_rate=2),
    ],
    ids=lambda s: s.to_keras_code().replace("keras.layers.", ""),
)
def test_named_layers_every_cell(spec) -> None:
    rank = spec.rank
    stack = convkit.LayerStack((None, *(5,) * rank, 1), [spec])
    out = stack_dependencies(stack)[0].out_shape
    for index in np.ndindex(*out):
        index = tuple(int(i) for i in index)
        rf = stack.receptive_field(index)
        np.testing.assert_array_equal(rf.mask, keras_supports(stack, 0, index)[0], err_msg=str(index))


def test_max_pooling_reads_its_window() -> None:
    a = stack_dependencies(convkit.LayerStack((None, 7, 6, 1), [L.MaxPooling2D(3, strides=2, padding="same")]))[0]
    b = stack_dependencies(convkit.LayerStack((None, 7, 6, 1), [L.AveragePooling2D(3, strides=2, padding="same")]))[0]
    for x, y in zip(a.axes, b.axes):
        np.testing.assert_array_equal(x.indptr, y.indptr)
        np.testing.assert_array_equal(x.indices, y.indices)
        np.testing.assert_array_equal(x.pad_reads, y.pad_reads)
