"""Numeric transposed convolution: a brute-force reference, the direct (zero-stuffed) view, the adjoint of
``convolve``, shapes of the layer specs, bad input, and (marked ``tf``) real ``keras.ops.conv_transpose``."""

from __future__ import annotations

import itertools
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import convkit
import convkit.layers as ck
from convkit.core.numeric import MAX_MULTIPLY_ADDS, convolve
from convkit.core.numeric_transpose import MAX_TRANSPOSE_ELEMENTS, convolve_transpose, flip_kernel, zero_stuff
from convkit.core.traversal_transpose import traverse_transpose

SETTINGS = settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def configs(draw, max_size=(6, 5, 3)):
    """(x, kernel, strides, padding, output_padding, dilation): small arrays, every kind of argument."""
    rank = draw(st.integers(1, 3))
    kernel_size = tuple(draw(st.integers(1, 4 if rank < 3 else 3)) for _ in range(rank))
    dilated = draw(st.booleans())
    strides = (1,) * rank if dilated else tuple(draw(st.integers(1, 3)) for _ in range(rank))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(rank)) if dilated else (1,) * rank
    padding = draw(st.sampled_from(["valid", "same"]))
    op = draw(st.sampled_from([None, "zero", "one"]))
    op = None if op is None else tuple(min(s - 1, 0 if op == "zero" else 1) for s in strides)
    size = tuple(draw(st.integers(1, max_size[rank - 1])) for _ in range(rank))
    if padding == "same" and op is not None:  # Keras' output would be empty
        k_eff = [(k - 1) * d + 1 for k, d in zip(kernel_size, dilation)]
        assume(all((n - 1) * s + ke % 2 + o > 0 for n, s, ke, o in zip(size, strides, k_eff, op)))
    batch, c_in, filters = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.normal(size=(batch, *size, c_in))
    kernel = rng.normal(size=(*kernel_size, filters, c_in))
    return x, kernel, strides, padding, op, dilation


def brute_force(x, kernel, strides, padding, op, dilation):
    """By the definition, in plain Python: each input cell adds ``x · kernel`` where its taps land, then the crop.

    Only the crop and output size come from the geometry (checked against Keras in test_traversal_transpose.py).
    """
    t = traverse_transpose(x.shape[1:-1], kernel.shape[:-2], strides, padding, op, dilation)
    out = np.zeros((x.shape[0], *t.output_size, kernel.shape[-2]))
    for cell in itertools.product(*map(range, t.input_size)):
        for tap in itertools.product(*map(range, t.kernel_size)):
            o = tuple(i * s + j * d - b for i, j, s, d, (b, _) in zip(cell, tap, strides, dilation, t.crop))
            if all(0 <= v < n for v, n in zip(o, t.output_size)):
                out[(slice(None), *o)] += x[(slice(None), *cell)] @ kernel[tap].T
    return out


@SETTINGS
@given(configs())
def test_matches_brute_force(config):
    x, kernel, *args = config
    np.testing.assert_allclose(
        convolve_transpose(x, kernel, *args), brute_force(x, kernel, *args), rtol=1e-12, atol=1e-12
    )


@SETTINGS
@given(configs())
def test_direct_view_gives_the_same_numbers(config):
    """Zero-stuff the input, pad it by ``direct_padding``, slide the flipped kernel: the same array, cell by cell."""
    x, kernel, strides, padding, op, dilation = config
    t = traverse_transpose(x.shape[1:-1], kernel.shape[:-2], strides, padding, op, dilation)
    direct = convolve(zero_stuff(x, strides), flip_kernel(kernel), 1, t.direct_padding, dilation)
    np.testing.assert_allclose(
        convolve_transpose(x, kernel, strides, padding, op, dilation), direct, rtol=1e-12, atol=1e-12
    )


@SETTINGS
@given(configs())
def test_is_the_adjoint_of_convolve(config):
    """TensorFlow's definition: <convolve(z, w), x> == <z, convolve_transpose(x, w)> for every z of the output's
    shape, wherever the forward convolution maps the output size back to the input size."""
    x, kernel, strides, padding, op, dilation = config
    y = convolve_transpose(x, kernel, strides, padding, op, dilation)
    z = np.random.default_rng(0).normal(size=y.shape)
    back = convolve(z, kernel, strides, padding, dilation)  # kernel (*k, filters, C_in) is Conv's (*k, in, out)
    assume(back.shape == x.shape)  # "same" with an even kernel and output_padding=0 has no forward partner
    assert np.vdot(back, x) == pytest.approx(np.vdot(z, y), rel=1e-10, abs=1e-10)


@SETTINGS
@given(configs())
def test_shape_matches_the_layer_specs(config):
    x, kernel, strides, padding, op, dilation = config
    rank = x.ndim - 2
    layer = getattr(
        ck, f"Conv{rank}DTranspose"
    )(  # keywords: Conv3DTranspose puts data_format before output_padding
        kernel.shape[-2], kernel.shape[:-2], strides, padding, output_padding=op, dilation_rate=dilation
    )
    assert convolve_transpose(x, kernel, strides, padding, op, dilation).shape == layer.compute_output_shape(x.shape)
    assert layer.count_params(x.shape) == kernel.size + kernel.shape[-2]


def test_kernel_3_stride_2_scatter_by_hand():
    """Two input cells, kernel (1, 2, 3), stride 2: the patches [1, 2, 3] and [10, 20, 30] overlap on cell 2."""
    y = convolve_transpose(np.array([1.0, 10.0]).reshape(1, 2, 1), np.array([1.0, 2.0, 3.0]).reshape(3, 1, 1), 2)
    np.testing.assert_array_equal(y[0, :, 0], [1, 2, 13, 20, 30])
    same = convolve_transpose(
        np.array([1.0, 10.0]).reshape(1, 2, 1), np.array([1.0, 2.0, 3.0]).reshape(3, 1, 1), 2, "same"
    )
    np.testing.assert_array_equal(same[0, :, 0], [1, 2, 13, 20])  # "same": 2·2 = 4 cells, the last one cropped


def test_overlap_is_the_output_of_ones():
    """With ones in and an all-ones kernel, each output cell is its overlap count: the checkerboard in numbers."""
    t = traverse_transpose((5, 5), 3, strides=2, padding="same")
    y = convolve_transpose(np.ones((1, 5, 5, 1)), np.ones((3, 3, 1, 1)), strides=2, padding="same")
    np.testing.assert_array_equal(y[0, ..., 0], t.overlap)


def test_example_1_decoder_shape():
    x = np.random.default_rng(1).normal(size=(2, 13, 13, 32))
    y = convolve_transpose(x, np.ones((3, 3, 16, 32)), strides=2, output_padding=1)
    assert y.shape == (2, 28, 28, 16)
    assert not y[:, 27].any() and not y[:, :, 27].any()  # the added row and column: no tap lands there


def test_dtypes():
    x, w = np.ones((1, 3, 1), np.float32), np.ones((2, 1, 1), np.float32)
    assert convolve_transpose(x, w, 2).dtype == np.float32
    assert convolve_transpose(np.ones((1, 3, 1), int), np.ones((2, 1, 1), int), 2).dtype == np.float64
    assert convolve_transpose([[[1.0], [2.0]]], [[[1.0]]]).tolist() == [[[1.0], [2.0]]]


def test_public_api_names():
    assert convkit.convolve_transpose is convolve_transpose


@pytest.mark.parametrize(
    "x_shape, k_shape, kwargs, exc, fragment",
    [
        (
            (1, 5, 5, 3),
            (3, 3, 3, 8),
            {},
            ValueError,
            r"last dimension 8 must equal the input's channels 3.*"
            r"\(3, 3, 8, 3\)",
        ),
        (
            (5, 5, 3),
            (3, 3, 2, 3),
            {},
            ValueError,
            r"without its batch dimension, add it: x\[None\], shape \(1, 5, 5, 3\)",
        ),
        ((5, 3), (3, 2, 3), {}, ValueError, r"\(batch, \*spatial, channels\).*x.shape=\(5, 3\)"),
        ((1, 5, 5, 3), (3, 2, 3), {}, ValueError, r"transposed layout.*4 dimensions.*kernel.shape=\(3, 2, 3\)"),
        ((1, 5, 5, 3), (3, 0, 2, 3), {}, ValueError, r"empty dimension"),
        ((1, 5, 5, 3), (3, 3, 2, 3), {"output_padding": 2, "strides": 2}, ValueError, r"output_padding=2"),
        ((1, 5, 5, 3), (3, 3, 2, 3), {"strides": 2, "dilation_rate": 2}, ValueError, r"strides > 1"),
        ((1, 5, 5, 3), (3, 3, 2, 3), {"padding": "full"}, ValueError, r"Received: padding='full'"),
    ],
)
def test_bad_arguments(x_shape, k_shape, kwargs, exc, fragment):
    with pytest.raises(exc, match=fragment):
        convolve_transpose(np.ones(x_shape), np.ones(k_shape), **kwargs)


def test_bad_arrays():
    with pytest.raises(TypeError, match="real numbers"):
        convolve_transpose(np.ones((1, 3, 1), bool), np.ones((2, 1, 1)))
    with pytest.raises(ValueError, match="rectangular"):
        convolve_transpose([[[1.0], [2.0, 3.0]]], np.ones((2, 1, 1)))
    with pytest.raises(ValueError, match=r"1 to 3 spatial axes.*kernel.shape=\(2, 1\)"):
        flip_kernel(np.ones((2, 1)))
    with pytest.raises(ValueError, match=r"strides"):
        zero_stuff(np.ones((1, 3, 1)), 0)


def test_limits_refuse_before_allocating():
    """Broadcast views: nothing of the stated size exists, and the refusal comes before anything is built."""
    x = np.broadcast_to(np.float32(1), (1, 512, 512, 64))
    with pytest.raises(ValueError, match=rf"multiply-adds.*at most {MAX_MULTIPLY_ADDS:,}"):
        convolve_transpose(x, np.broadcast_to(np.float32(1), (5, 5, 64, 64)))
    x = np.broadcast_to(np.float32(1), (1, 2048, 2048, 1))
    with pytest.raises(ValueError, match=rf"output would hold 67,108,864 numbers.*at most {MAX_TRANSPOSE_ELEMENTS:,}"):
        convolve_transpose(x, np.broadcast_to(np.float32(1), (1, 1, 16, 1)))
    with pytest.raises(ValueError, match=r"output is too large to trace"):
        convolve_transpose(np.broadcast_to(np.float32(1), (1, 3000, 3000, 1)), np.ones((1, 1, 1, 1)), strides=2)


def test_zero_stuff_and_flip_kernel():
    x = np.arange(4.0).reshape(1, 2, 2, 1)
    np.testing.assert_array_equal(zero_stuff(x, (2, 3))[0, ..., 0], [[0, 0, 0, 1], [0, 0, 0, 0], [2, 0, 0, 3]])
    w = np.arange(12.0).reshape(2, 1, 2, 3)  # (*k, filters=2, C_in=3)
    f = flip_kernel(w)
    assert f.shape == (2, 1, 3, 2)
    assert f[0, 0, 2, 1] == w[1, 0, 1, 2]


# -- against TensorFlow / Keras ------------------------------------------------------------------------------
def _tf():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return pytest.importorskip("tensorflow"), pytest.importorskip("keras")


#: TensorFlow's CPU kernels refuse these legal Keras configurations (Keras' other backends run them)
TF_LIMITS = ("not yet support dilation rates larger than 1", "Size of out_backprop doesn't match computed")


def keras_formula(x, kernel, strides, padding, op, dilation):
    """Keras' own definition, as its JAX backend computes it: Keras' padding arithmetic
    (``compute_conv_transpose_padding_args_for_jax``) around the stuffed input, then TensorFlow's forward
    convolution (stride 1, ``"VALID"``) with the flipped kernel. Stuffing and flipping are done here, not by convkit.
    """
    tf, _ = _tf()
    utils = pytest.importorskip("keras.src.backend.common.backend_utils")
    rank = x.ndim - 2
    pads = utils.compute_conv_transpose_padding_args_for_jax(
        x.shape, kernel.shape, list(strides), padding, None if op is None else list(op), list(dilation)
    )
    stuffed = np.zeros((x.shape[0], *((n - 1) * s + 1 for n, s in zip(x.shape[1:-1], strides)), x.shape[-1]))
    stuffed[(slice(None), *(slice(None, None, s) for s in strides))] = x
    padded = np.pad(stuffed, [(0, 0), *pads, (0, 0)])
    forward = np.flip(kernel, axis=tuple(range(rank))).swapaxes(-1, -2).astype(np.float64)
    return tf.nn.convolution(padded, forward, padding="VALID", dilations=list(dilation)).numpy()


def keras_conv_transpose(x, kernel, strides, padding, op, dilation):
    """``keras.ops.conv_transpose`` where TensorFlow runs it on this CPU, else Keras' formula (and which one ran)."""
    tf, keras = _tf()
    try:
        y = keras.ops.conv_transpose(x, kernel, strides, padding, op, dilation_rate=dilation)
        return np.asarray(y), "keras.ops"
    except tf.errors.AbortedError:  # oneDNN refuses some legal cases (float32); not a Keras refusal
        pass
    except tf.errors.InvalidArgumentError as err:
        if not any(limit in str(err) for limit in TF_LIMITS):
            raise
    return keras_formula(x, kernel, strides, padding, op, dilation), "formula"


@pytest.mark.tf
@settings(deadline=None, max_examples=80, suppress_health_check=[HealthCheck.too_slow])
@given(configs())
def test_matches_keras_ops_conv_transpose(config):
    x, kernel, strides, padding, op, dilation = config
    expected, _ = keras_conv_transpose(x, kernel, strides, padding, op, dilation)
    got = convolve_transpose(x, kernel, strides, padding, op, dilation)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9)
    # float32, as a learner's model runs (oneDNN where the processor has it): the same numbers to float32 precision
    x32, k32 = x.astype(np.float32), kernel.astype(np.float32)
    expected32, _ = keras_conv_transpose(x32, k32, strides, padding, op, dilation)
    got32 = convolve_transpose(x32, k32, strides, padding, op, dilation)
    assert got32.dtype == np.float32
    np.testing.assert_allclose(got32, expected32, rtol=1e-4, atol=1e-4)


@pytest.mark.tf
@settings(deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(configs())
def test_shape_matches_keras_layers(config):
    """The output shape is that of Keras' Conv*Transpose layer, even where TensorFlow cannot execute it."""
    _, keras = _tf()
    x, kernel, strides, padding, op, dilation = config
    layer = getattr(keras.layers, f"Conv{x.ndim - 2}DTranspose")(
        kernel.shape[-2], kernel.shape[:-2], strides, padding, output_padding=op, dilation_rate=dilation
    )
    expected = tuple(layer.compute_output_shape(x.shape))
    assert convolve_transpose(x, kernel, strides, padding, op, dilation).shape == expected


@pytest.mark.tf
def test_formula_reference_agrees_with_keras_ops_wherever_tensorflow_runs():
    """The fallback reference is trusted only because it equals keras.ops.conv_transpose on every case TF runs."""
    rng = np.random.default_rng(3)
    ran, runnable = 0, 0
    for rank, k, s, padding, op, d in itertools.product(
        (1, 2, 3), (1, 2, 3, 4), (1, 2, 3), ("valid", "same"), (None, 0, 1), (1, 2)
    ):
        if (op is not None and op >= s) or (s > 1 and d > 1):
            continue
        size = (4, 3, 2)[:rank]
        x, w = rng.normal(size=(1, *size, 2)), rng.normal(size=(*(k,) * rank, 3, 2))
        ops = None if op is None else (op,) * rank
        y, which = keras_conv_transpose(x, w, (s,) * rank, padding, ops, (d,) * rank)
        if which == "keras.ops":
            ran += 1
            np.testing.assert_allclose(keras_formula(x, w, (s,) * rank, padding, ops, (d,) * rank), y, atol=1e-10)
        # every TensorFlow build runs float64 without dilation, except "same" + output_padding=0 + an even kernel
        runnable += d == 1 and not (padding == "same" and op == 0 and k % 2 == 0)
    assert ran >= runnable > 150


@pytest.mark.tf
@pytest.mark.parametrize(
    "x_shape, kernel_size, strides, padding, op",
    [
        ((2, 13, 13, 4), 3, 2, "valid", 1),  # Example 1's decoder: 13 -> 28
        ((1, 7, 7, 3), 3, 2, "same", None),  # 7 -> 14
        ((1, 7, 7, 3), 3, 2, "same", 0),  # 7 -> 13
        ((1, 6, 6, 2), 4, 2, "same", None),  # kernel divisible by stride: no checkerboard
        ((1, 5, 3), 2, 3, "valid", None),  # stride > kernel: gaps
        ((1, 3, 4, 5, 2), (2, 3, 1), (1, 2, 3), "same", None),
    ],
    ids=["example_1_decoder", "same_op_none", "same_op_0", "even_kernel_divisible", "stride_gt_kernel", "volume"],
)
def test_named_cases_match_keras_layer(x_shape, kernel_size, strides, padding, op):
    """Through a real Keras layer with the same kernel (use_bias=False), as a learner would check it."""
    tf, keras = _tf()
    rank = len(x_shape) - 2
    rng = np.random.default_rng(7)
    x = rng.normal(size=x_shape)
    layer = getattr(keras.layers, f"Conv{rank}DTranspose")(
        3, kernel_size, strides, padding, output_padding=op, use_bias=False, dtype="float64"
    )
    layer.build(x_shape)
    kernel = rng.normal(size=layer.kernel.shape)
    layer.set_weights([kernel])
    try:
        expected = layer(x).numpy()
    except tf.errors.AbortedError:
        expected = keras_formula(x, kernel, layer.strides, padding, layer.output_padding, layer.dilation_rate)
    np.testing.assert_allclose(convolve_transpose(x, kernel, strides, padding, op), expected, rtol=1e-10, atol=1e-10)
