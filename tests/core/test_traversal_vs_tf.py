"""Traversal geometry and numeric convolution/pooling against real TensorFlow.

Geometry: with an all-ones kernel, the gradient of ONE output cell w.r.t. the input is non-zero exactly
on the cells that step reads (one batch item per checked step, so one gradient call checks many steps).
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
tf = pytest.importorskip("tensorflow")

from convkit.core.numeric import convolve, pool  # noqa: E402
from convkit.core.traversal import traverse  # noqa: E402

pytestmark = pytest.mark.tf


def tf_cpu_3d_quirk(size, k_eff, strides, padding):
    """True where TF's CPU 3-D ops (Conv3D, MaxPool3D, AvgPool3D) leave TensorFlow's documented "same" rule.

    When ``(ceil(n/s) - 1)·s + k_eff < n`` the documented total padding ``P`` is clamped to 0; Eigen's 3-D
    kernels keep it negative and start the first window ``trunc(-P/2)`` cells in. 1-D and 2-D ops follow
    the documented rule, and so does convkit (see
    ``test_3d_same_with_negative_padding_follows_the_documented_rule``). Where this is True, TF's answer depends on
    the processor, so the comparisons below skip those configurations.
    """
    if len(size) != 3 or padding != "same":
        return False
    return any((-(-n // s) - 1) * s + k < n for n, k, s in zip(size, k_eff, strides))


SETTINGS = settings(deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def geometry(draw, modes=("valid", "same")):
    rank = draw(st.integers(1, 3))
    kernel = tuple(draw(st.integers(1, 4 if rank < 3 else 3)) for _ in range(rank))
    dilated = draw(st.booleans())
    strides = (1,) * rank if dilated else tuple(draw(st.integers(1, 3)) for _ in range(rank))
    dilation = tuple(draw(st.integers(1, 3)) for _ in range(rank)) if dilated else (1,) * rank
    padding = draw(st.sampled_from(modes))
    k_eff = [(k - 1) * d + 1 for k, d in zip(kernel, dilation)]
    top = 10 if rank < 3 else 6
    size = tuple(draw(st.integers(k if padding == "valid" else 1, max(k, top))) for k in k_eff)
    assume(not tf_cpu_3d_quirk(size, k_eff, strides, padding))
    return size, kernel, strides, padding, dilation


def _read_masks_by_gradient(t, step_indices, conv):
    """Gradient of y[b, out(step_b), 0] w.r.t. x[b] under an all-ones kernel, for every checked step.

    Run as a ``tf.function``: eager Conv3D gradients fail on this TF build (missing data_format attr).
    """
    kernel = tf.ones((*t.kernel_size, 1, 1), tf.float64)
    picks = [[b, *t.steps[i].output_index, 0] for b, i in enumerate(step_indices)]

    @tf.function
    def gradient(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = conv(x, kernel)
            loss = tf.reduce_sum(tf.gather_nd(y, picks))
        return y.shape, tape.gradient(loss, x)

    out_shape, grad = gradient(tf.zeros((len(step_indices), *t.input_size, 1), tf.float64))
    assert tuple(out_shape[1:-1]) == t.output_size
    return grad.numpy()[..., 0]


def _check_geometry(t, conv):
    rng = np.random.default_rng(t.num_steps)
    indices = list(range(t.num_steps))
    if len(indices) > 24:  # always the corners of the output, plus a random sample
        indices = sorted({0, t.num_steps - 1, *rng.choice(t.num_steps, 22, replace=False).tolist()})
    grads = _read_masks_by_gradient(t, indices, conv)
    for b, i in enumerate(indices):
        np.testing.assert_array_equal(grads[b] != 0, t.reads(i), err_msg=f"step {i}: {t.steps[i].output_index}")
        # each read cell is read by exactly one tap of the step, so its gradient is exactly 1
        np.testing.assert_array_equal(grads[b], t.reads(i).astype(float))


@SETTINGS
@given(geometry())
def test_steps_read_what_tensorflow_reads(config):
    size, kernel, strides, padding, dilation = config
    t = traverse(size, kernel, strides, padding, dilation)
    _check_geometry(
        t, lambda x, w: tf.nn.convolution(x, w, strides=strides, padding=padding.upper(), dilations=dilation)
    )
    # coverage: TF's gradient of the sum of all outputs is how often each input cell is read
    kernel_ones = tf.ones((*kernel, 1, 1), tf.float64)

    @tf.function
    def coverage(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.nn.convolution(x, kernel_ones, strides=strides, padding=padding.upper(), dilations=dilation)
            loss = tf.reduce_sum(y)
        return tape.gradient(loss, x)

    np.testing.assert_array_equal(coverage(tf.zeros((1, *size, 1), tf.float64)).numpy()[0, ..., 0], t.coverage)


@pytest.mark.parametrize(
    "size, kernel, strides, padding",
    [
        ((28, 28), 3, 2, "same"),
        ((28, 28), 3, 2, "valid"),
        ((7, 8), 4, 3, "same"),
        ((6, 6), 2, 2, "same"),
        ((9, 10), (2, 4), (3, 1), "same"),
    ],
    ids=["same_asymmetric", "example_1", "even_kernel_stride_same", "even_kernel_divisible", "mixed"],
)
def test_named_geometry(size, kernel, strides, padding):
    t = traverse(size, kernel, strides, padding)
    _check_geometry(t, lambda x, w: tf.nn.convolution(x, w, strides=strides, padding=padding.upper()))


@settings(deadline=None, max_examples=15)
@given(
    st.tuples(st.integers(1, 9), st.integers(1, 9)),
    st.tuples(st.integers(1, 3), st.integers(1, 3)),
    st.tuples(st.integers(1, 3), st.integers(1, 3)),
    st.tuples(*(st.tuples(st.integers(0, 2), st.integers(0, 2)),) * 2),
)
def test_explicit_padding_geometry(size, kernel, strides, padding):
    size = tuple(max(n, k - b - a) for n, k, (b, a) in zip(size, kernel, padding))
    t = traverse(size, kernel, strides, padding)
    explicit = [[0, 0], *map(list, padding), [0, 0]]
    _check_geometry(t, lambda x, w: tf.nn.conv2d(x, w, strides=strides, padding=explicit))


@settings(deadline=None, max_examples=15)
@given(st.integers(1, 12), st.integers(1, 4), st.integers(1, 3), st.booleans())
def test_causal_matches_keras_conv1d(n, k, s, dilate):
    keras = pytest.importorskip("keras")
    strides, dilation = (1, s) if dilate else (s, 1)
    t = traverse(n, k, strides, "causal", dilation)
    layer = keras.layers.Conv1D(
        1,
        k,
        strides=strides,
        padding="causal",
        dilation_rate=dilation,
        use_bias=False,
        kernel_initializer="ones",
        dtype="float64",
    )
    _check_geometry(t, lambda x, w: layer(x))
    rng = np.random.default_rng(n * 100 + k)
    x, w = rng.normal(size=(2, n, 2)), rng.normal(size=(k, 2, 3))
    layer = keras.layers.Conv1D(
        3, k, strides=strides, padding="causal", dilation_rate=dilation, use_bias=False, dtype="float64"
    )
    layer.build((None, n, 2))
    layer.set_weights([w])
    np.testing.assert_allclose(convolve(x, w, strides, "causal", dilation), layer(x).numpy(), rtol=1e-10, atol=1e-12)


@SETTINGS
@given(geometry(), st.integers(1, 3), st.integers(1, 3), st.integers(1, 2), st.integers(0, 2**32 - 1))
def test_convolve_matches_tf(config, c_in, c_out, batch, seed):
    size, kernel, strides, padding, dilation = config
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, *size, c_in))
    w = rng.normal(size=(*kernel, c_in, c_out))
    expected = tf.nn.convolution(x, w, strides=strides, padding=padding.upper(), dilations=dilation).numpy()
    got = convolve(x, w, strides, padding, dilation)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
    got32 = convolve(x.astype(np.float32), w.astype(np.float32), strides, padding, dilation)
    expected32 = tf.nn.convolution(
        x.astype(np.float32), w.astype(np.float32), strides=strides, padding=padding.upper(), dilations=dilation
    )
    assert got32.dtype == np.float32
    np.testing.assert_allclose(got32, expected32.numpy(), rtol=1e-5, atol=1e-5)


def test_convolve_article_example_1_matches_tf():
    rng = np.random.default_rng(1)
    x, w = rng.normal(size=(3, 28, 28, 3)), rng.normal(size=(3, 3, 3, 32))
    y = convolve(x, w, strides=2)
    np.testing.assert_allclose(y, tf.nn.convolution(x, w, strides=2, padding="VALID").numpy(), rtol=1e-10, atol=1e-12)
    w2 = rng.normal(size=(3, 3, 32, 64))
    expected = tf.nn.convolution(y, w2, padding="SAME").numpy()
    np.testing.assert_allclose(convolve(y, w2, padding="same"), expected, rtol=1e-10, atol=1e-10)
    assert expected.shape == (3, 13, 13, 64)


@SETTINGS
@given(
    st.integers(1, 3),
    st.data(),
    st.sampled_from(["valid", "same"]),
    st.sampled_from(["max", "average"]),
    st.integers(0, 2**32 - 1),
)
def test_pool_matches_tf(rank, data, padding, mode, seed):
    size = tuple(data.draw(st.integers(1, 3)) for _ in range(rank))
    strides = data.draw(st.one_of(st.none(), st.tuples(*(st.integers(1, 3) for _ in range(rank)))))
    shape = tuple(data.draw(st.integers(p if padding == "valid" else 1, 8 if rank < 3 else 5)) for p in size)
    stride = size if strides is None else strides
    assume(not tf_cpu_3d_quirk(shape, size, stride, padding))
    x = np.random.default_rng(seed).normal(size=(data.draw(st.integers(1, 2)), *shape, data.draw(st.integers(1, 3))))
    x = x.astype(np.float32)  # MaxPool3D has no float64 kernel
    op = tf.nn.max_pool if mode == "max" else tf.nn.avg_pool
    expected = op(x, size, stride, padding.upper()).numpy()
    got = pool(x, size, strides, padding, mode)
    assert got.dtype == np.float32 and got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("op", ["conv3d", "max_pool3d", "avg_pool3d"])
def test_3d_same_with_negative_padding_follows_the_documented_rule(op):
    """convkit follows TF's documented "same" rule; TF's own CPU 3-D kernels differ by processor.

    n=7, k=1, s=4, "same": out 2, P = (2-1)·4 + 1 - 7 = -2 → documented padding (0, 0): cells 0 and 4 are read.
    On some processors TF's Conv3D/MaxPool3D/AvgPool3D keep P negative and start ``trunc(-P/2) = 1`` cell in
    (cells 1 and 5); on others they follow the documented rule. Either TF answer is accepted; convkit's is fixed.
    """
    size, kernel, strides = (7, 1, 1), (1, 1, 1), (4, 1, 1)
    assert tf_cpu_3d_quirk(size, kernel, strides, "same")
    x = np.arange(7, dtype=np.float32).reshape(1, 7, 1, 1, 1)
    t = traverse(size, kernel, strides, "same")
    assert t.padding[0] == (0, 0) and [s.origin[0] for s in t.steps] == [0, 4]
    if op == "conv3d":
        got = convolve(x, np.ones((1, 1, 1, 1, 1), np.float32), strides, "same")
        expected = tf.nn.convolution(x, np.ones((1, 1, 1, 1, 1), np.float32), strides=strides, padding="SAME")
    else:
        mode = "max" if op == "max_pool3d" else "average"
        got = pool(x, kernel, strides, "same", mode)
        expected = (tf.nn.max_pool if mode == "max" else tf.nn.avg_pool)(x, kernel, strides, "SAME")
    np.testing.assert_array_equal(got.ravel(), [0.0, 4.0])
    documented, shifted = [0.0, 4.0], [1.0, 5.0]
    assert expected.numpy().ravel().tolist() in (documented, shifted)


def test_tf_2d_follows_the_documented_same_rule():
    x = np.arange(7, dtype=np.float32).reshape(1, 7, 1, 1)
    expected = tf.nn.max_pool(x, (1, 1), (4, 1), "SAME").numpy()
    np.testing.assert_array_equal(pool(x, (1, 1), (4, 1), "same"), expected)
    np.testing.assert_array_equal(expected.ravel(), [0.0, 4.0])
