"""Issue 15: every family of shape mistakes, each raised by REAL TensorFlow 2.21 / Keras 3 inside the test (never a
pasted string), explained with the learner's numbers and a pasteable fix, in words that are not TensorFlow's."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

from convkit import layers as convkit_layers  # noqa: E402
from convkit.adapters.error_rules import clean_message  # noqa: E402
from convkit.adapters.errors import explain_error  # noqa: E402

pytestmark = pytest.mark.tf
K = keras.layers


def z(*shape):
    return np.zeros(shape, dtype=np.float32)


def seq(*layers):
    return keras.Sequential(list(layers))


def reused(layer, first, second):
    def run():
        layer(z(*first))
        layer(z(*second))

    return run


def predict(model, x):
    return lambda: model.predict(x, verbose=0)


def fit(model, x, y):
    def run():
        model.compile("adam", "mse")
        model.fit(x, y, verbose=0)

    return run


def decoder():
    i = keras.Input((28, 28, 1))
    e1 = K.Conv2D(8, 3, strides=2, padding="same")(i)
    d1 = K.Conv2DTranspose(1, 3, strides=2)(e1)
    K.Add()([d1, i])


def odd_unet():
    i = keras.Input((15, 15, 8))
    x = K.UpSampling2D()(K.MaxPooling2D()(i))
    K.Multiply()([i, x])


def concat_odd():
    i = keras.Input((15, 15, 8))
    x = K.Conv2DTranspose(8, 3, strides=2, padding="same")(K.Conv2D(8, 3, strides=2, padding="same")(i))
    K.Concatenate()([i, x])


@tf.function
def graph_conv(x, k):
    return tf.nn.conv2d(x, k, 1, "VALID")


def conv_model():
    return seq(keras.Input((28, 28, 3)), K.Conv2D(4, 3), K.Flatten(), K.Dense(2))


#: id -> (family, what raises, substrings the explanation must hold: the learner's numbers and the fix's code)
CASES = {
    # --- rank
    "conv2d_no_channel_axis": (
        "rank",
        lambda: seq(keras.Input((28, 28)), K.Conv2D(8, 3)),
        ["(None, 28, 28)", "keras.Input(shape=(28, 28, 1))", "x[..., None]"],
    ),
    "conv2d_no_batch_axis": (
        "rank",
        lambda: K.Conv2D(8, 3)(z(28, 28, 1)),
        ["(28, 28, 1)", "x[None]", "(1, 28, 28, 1)"],
    ),
    "conv3d_on_images": (
        "rank",
        lambda: seq(keras.Input((28, 28, 3)), K.Conv3D(8, 3)),
        ["(None, 28, 28, 3)", "images", "keras.layers.Conv2D("],
    ),
    "conv3d_on_image_batch": (
        "rank",
        lambda: K.Conv3D(8, 3)(z(2, 28, 28, 3)),
        ["(2, 28, 28, 3)", "keras.layers.Conv2D("],
    ),
    "conv2d_on_sequence": (
        "rank",
        lambda: seq(keras.Input((100, 8)), K.Conv2D(8, 3)),
        ["(None, 100, 8)", "a sequence", "keras.layers.Conv1D("],
    ),
    "conv1d_on_images": (
        "rank",
        lambda: seq(keras.Input((28, 28, 3)), K.Conv1D(8, 3)),
        ["(None, 28, 28, 3)", "(3, 3, 8)", "keras.layers.Conv2D("],
    ),
    "conv2d_on_volumes": (
        "rank",
        lambda: seq(keras.Input((8, 8, 8, 1)), K.Conv2D(8, 3)),
        ["(None, 8, 8, 8, 1)", "volumes", "keras.layers.Conv3D("],
    ),
    "pool2d_on_sequence": (
        "rank",
        lambda: seq(keras.Input((100, 8)), K.MaxPooling2D()),
        ["(None, 100, 8)", "keras.layers.MaxPooling1D(2)"],
    ),
    "pool1d_on_images": (
        "rank",
        lambda: seq(keras.Input((28, 28, 3)), K.MaxPooling1D()),
        ["(None, 28, 28, 3)", "keras.layers.MaxPooling2D(2)"],
    ),
    "pool3d_on_images": (
        "rank",
        lambda: seq(keras.Input((28, 28, 3)), K.AveragePooling3D(2)),
        ["(None, 28, 28, 3)", "keras.layers.AveragePooling2D(2)"],
    ),
    "global_pool_then_conv": (
        "rank",
        lambda: seq(keras.Input((28, 28, 3)), K.Conv2D(8, 3), K.GlobalAveragePooling2D(), K.Conv2D(8, 3)),
        ["(None, 8)", "keepdims=True", "(None, 1, 1, 8)", "Reshape((1, 1, 8))"],
    ),
    "dense_then_conv": (
        "rank",
        lambda: seq(keras.Input((28, 28, 3)), K.Flatten(), K.Dense(10), K.Conv2D(8, 3)),
        ["(None, 10)", "keras.layers.Reshape((1, 1, 10))"],
    ),
    "flatten_then_conv": (
        "rank",
        lambda: seq(keras.Input((28, 28, 1)), K.Flatten(), K.Conv2D(8, 3)),
        ["(None, 784)", "Reshape((1, 1, 784))"],
    ),
    # --- depth
    "conv_reused_on_other_depth": (
        "depth",
        reused(K.Conv2D(8, 3), (1, 8, 8, 3), (1, 8, 8, 1)),
        ["3 channels but received 1", "np.repeat(x, 3, axis=-1)"],
    ),
    "depthwise_reused": (
        "depth",
        reused(K.DepthwiseConv2D(3), (1, 8, 8, 3), (1, 8, 8, 4)),
        ["3 channels but received 4", "(3, 3, 3, 1)", "one filter per input channel"],
    ),
    "separable_reused": (
        "depth",
        reused(K.SeparableConv2D(4, 3), (1, 8, 8, 3), (1, 8, 8, 4)),
        ["3 channels but received 4", "create a new layer"],
    ),
    "dense_reused": (
        "depth",
        reused(K.Dense(2), (1, 4), (1, 5)),
        ["4 input features but received 5", "GlobalAveragePooling2D"],
    ),
    "groups_do_not_divide_channels": (
        "depth",
        lambda: seq(keras.Input((8, 8, 6)), K.Conv2D(8, 3, groups=4)),
        ["6 / 4 = 1.5", "groups=1 or 2", "keras.layers.Conv2D(8, 3, groups=2)"],
    ),
    "groups_do_not_divide_filters": (
        "depth",
        lambda: K.Conv2D(6, 3, groups=4),
        ["6 / 4 = 1.5", "filters=4 or 8", "keras.layers.Conv2D(8, 3, groups=4)"],
    ),
    "tfnn_kernel_depth_eager": (
        "depth",
        lambda: tf.nn.conv2d(tf.zeros((1, 8, 8, 3)), tf.zeros((3, 3, 4, 2)), 1, "VALID"),
        ["input has 3", "4 input channels", "tf.random.normal((3, 3, 3, 2))"],
    ),
    "tfnn_kernel_depth_graph": (
        "depth",
        lambda: graph_conv(tf.zeros((1, 8, 8, 3)), tf.zeros((3, 3, 4, 2))),
        ["(1, 8, 8, 3)", "(3, 3, 4, 2)", "tf.random.normal((3, 3, 3, 2))"],
    ),
    # --- size
    "kernel_larger_than_input": (
        "size",
        lambda: seq(keras.Input((4, 4, 3)), K.Conv2D(8, 5)),
        ["floor((4 + 0 + 0 - 5) / 1) + 1 = 0", 'padding="same"', "at most 4"],
    ),
    "kernel_larger_eager": (
        "size",
        lambda: K.Conv2D(2, 5)(z(1, 3, 3, 1)),
        ["floor((3 + 0 + 0 - 5) / 1) + 1 = -1", "output 3×3 here"],
    ),
    "pool_larger_than_input": (
        "size",
        lambda: seq(keras.Input((3, 3, 3)), K.MaxPooling2D(4)),
        ["floor((3 + 0 + 0 - 4) / 4) + 1 = 0", "output 1×1 here"],
    ),
    "strided_stack_shrinks": (
        "size",
        lambda: seq(keras.Input((16, 16, 1)), K.Conv2D(4, 3, strides=2), K.Conv2D(4, 3, strides=2), K.Conv2D(4, 5)),
        ["(None, 3, 3, 4)", "layer 3 of 3", 'padding="same"'],
    ),
    "tfnn_kernel_larger": (
        "size",
        lambda: tf.nn.conv2d(tf.zeros((1, 3, 3, 1)), tf.zeros((5, 5, 1, 1)), 1, "VALID"),
        ["floor((3 + 0 + 0 - 5) / 1) + 1 = -1", "ceil(3 / 1) = 3"],
    ),
    "cropping_more_than_size": (
        "size",
        lambda: seq(keras.Input((8, 8, 3)), K.Cropping2D(5)),
        ["8 - 5 - 5 = -2", "keras.layers.Cropping2D("],
    ),
    "cropping1d_more_than_length": (
        "size",
        lambda: seq(keras.Input((8, 3)), K.Cropping1D(5)),
        ["8 - 5 - 5 = -2", "keras.layers.Cropping1D("],
    ),
    # --- merge
    "add_channels_differ": (
        "merge",
        lambda: (lambda a: K.Add()([a, K.Conv2D(64, 3, padding="same")(a)]))(keras.Input((16, 16, 32))),
        ["(16, 16, 32) and (16, 16, 64)", "keras.layers.Conv2D(32, 1)"],
    ),
    "add_sizes_differ": (
        "merge",
        lambda: (lambda a: K.Add()([a, K.Conv2D(32, 3)(a)]))(keras.Input((16, 16, 32))),
        ["16 vs 14", "keras.layers.Cropping2D(((1, 1), (1, 1)))"],
    ),
    "decoder_not_mirroring": (
        "merge",
        decoder,
        ["29 vs 28", "keras.layers.Cropping2D(((0, 1), (0, 1)))", "output_padding=0"],
    ),
    "odd_size_unet": ("merge", odd_unet, ["15 vs 14", "keras.layers.ZeroPadding2D(((0, 1), (0, 1)))"]),
    "concatenate_odd_size": ("merge", concat_odd, ["15 vs 16", "Cropping2D((0, 1)"]),
    "reshape_size": (
        "merge",
        lambda: seq(keras.Input((28, 28, 1)), K.Reshape((10, 10))),
        ["28·28·1 = 784 vs 10·10 = 100", "-1"],
    ),
    # --- dense after the input size changed
    "flatten_size_depends_on_image": (
        "dense",
        predict(conv_model(), z(2, 32, 32, 3)),
        ["2704 input features but received 3600", "GlobalAveragePooling2D"],
    ),
    "fit_on_another_size": (
        "dense",
        fit(conv_model(), z(2, 32, 32, 3), z(2, 2)),
        ["2704", "3600", "GlobalAveragePooling2D"],
    ),
    "flatten_of_unknown_size": (
        "dense",
        lambda: seq(keras.Input((None, None, 3)), K.Conv2D(4, 3), K.Flatten(), K.Dense(3)),
        ["last axis is None", "keras.layers.GlobalAveragePooling2D()"],
    ),
    # --- constructor arguments
    "kernel_size_zero": ("arguments", lambda: K.Conv2D(8, 0), ["kernel_size=0", "keras.layers.Conv2D(8, 1)"]),
    "kernel_size_negative": ("arguments", lambda: K.Conv2D(8, -1), ["kernel_size=-1", "keras.layers.Conv2D(8, 1)"]),
    "strides_zero": ("arguments", lambda: K.Conv2D(8, 3, strides=0), ["strides=0", "keras.layers.Conv2D(8, 3)"]),
    "filters_zero": ("arguments", lambda: K.Conv2D(0, 3), ["filters=0", "keras.layers.Conv2D(32, 3)"]),
    "dense_units_zero": ("arguments", lambda: K.Dense(0), ["units=0", "keras.layers.Dense(32)"]),
    "pool_size_zero": ("arguments", lambda: K.MaxPooling2D(0), ["pool_size=0", "keras.layers.MaxPooling2D(1)"]),
    "padding_full": (
        "arguments",
        lambda: K.Conv2D(8, 3, padding="full"),
        ['"full"', "keras.layers.ZeroPadding2D(2), then keras.layers.Conv2D(8, 3)"],
    ),
    "padding_full_dilated": (
        "arguments",
        lambda: K.Conv2D(8, 3, padding="full", dilation_rate=2),
        ["k_eff - 1 = 4", "ZeroPadding2D(4)"],
    ),
    "padding_typo": (
        "arguments",
        lambda: K.Conv2D(8, 3, padding="smae"),
        ["'smae'", "keras.layers.Conv2D(8, 3, padding='same')"],
    ),
    "causal_in_2d": (
        "arguments",
        lambda: K.Conv2D(8, 3, padding="causal"),
        ["Conv1D", "keras.layers.ZeroPadding2D(((2, 0), (0, 0))), then keras.layers.Conv2D(8, 3)"],
    ),
    "causal_in_3d": (
        "arguments",
        lambda: K.Conv3D(4, 2, padding="causal"),
        ["Conv1D", "keras.layers.ZeroPadding3D(((1, 0), (0, 0), (0, 0)))"],
    ),
    "kernel_tuple_too_long": ("arguments", lambda: K.Conv2D(8, (3, 3, 3)), ["(3, 3, 3)", "keras.layers.Conv2D(8, 3)"]),
    "conv1d_kernel_tuple": ("arguments", lambda: K.Conv1D(8, (3, 5)), ["(3, 5)", "keras.layers.Conv1D(8, 3)"]),
    "upsampling_size_tuple": (
        "arguments",
        lambda: K.UpSampling2D((2, 2, 2)),
        ["(2, 2, 2)", "keras.layers.UpSampling2D(2)"],
    ),
    "zeropadding_entry": (
        "arguments",
        lambda: K.ZeroPadding2D(((1, 2, 3), (1, 1))),
        ["(1, 2, 3)", "((top, bottom), (left, right))", "keras.layers.ZeroPadding2D(((1, 3), (1, 1)))"],
    ),
    "cropping_tuple": (
        "arguments",
        lambda: K.Cropping2D((1, 2, 3)),
        ["(1, 2, 3)", "keras.layers.Cropping2D(((1, 1), (2, 2)))"],
    ),
    "output_padding_too_large": (
        "arguments",
        lambda: K.Conv2DTranspose(8, 3, strides=2, output_padding=2),
        ["output_padding 2 ≥ stride 2", "keras.layers.Conv2DTranspose(8, 3, strides=2, output_padding=1)"],
    ),
    "strides_with_dilation": (
        "arguments",
        lambda: K.Conv2D(8, 3, strides=2, dilation_rate=2),
        [
            "strides=(2, 2), dilation_rate=(2, 2)",
            "keras.layers.Conv2D(8, 3, dilation_rate=2), then keras.layers.MaxPooling2D(2)",
        ],
    ),
    "strides_with_dilation_1d": (
        "arguments",
        lambda: K.Conv1D(8, 3, strides=3, dilation_rate=2),
        ["keras.layers.Conv1D(8, 3, dilation_rate=2), then keras.layers.MaxPooling1D(3)"],
    ),
    # --- tf.nn
    "tfnn_explicit_padding_spatial_only": (
        "tfnn",
        lambda: tf.nn.conv2d(tf.zeros((1, 8, 8, 3)), tf.zeros((3, 3, 3, 2)), 1, [[1, 1], [1, 1]]),
        ["received 2", "padding=[[0, 0], [1, 1], [1, 1], [0, 0]]"],
    ),
    "tfnn_explicit_padding_no_channels": (
        "tfnn",
        lambda: tf.nn.conv2d(tf.zeros((1, 8, 8, 3)), tf.zeros((3, 3, 3, 2)), 1, [[0, 0], [2, 2], [1, 1]]),
        ["received 3", "padding=[[0, 0], [2, 2], [1, 1], [0, 0]]"],
    ),
    "tfnn_strides_of_length_3": (
        "tfnn",
        lambda: tf.nn.conv2d(tf.zeros((1, 8, 8, 3)), tf.zeros((3, 3, 3, 2)), [1, 2, 2], "VALID"),
        ["[1, 2, 2]", "strides=[1, 2, 2, 1]", "tf.nn.conv2d(x, kernel, 2, 'VALID')"],
    ),
    # --- model level
    "predict_without_batch_axis": (
        "model",
        predict(seq(keras.Input((28, 28, 3)), K.Conv2D(4, 3)), z(28, 28, 3)),
        ["(None, 28, 28, 3)", "model.predict(x[None])", "(1, 28, 28, 3)"],
    ),
    "labels_of_another_shape_mse": (
        "model",
        fit(conv_model(), z(2, 28, 28, 3), z(2, 5)),
        ["(None, 5)", "(None, 2)", "keras.layers.Dense(5)"],
    ),
    "labels_of_another_shape_crossentropy": (
        "model",
        lambda: (lambda m: (m.compile("adam", "categorical_crossentropy"), m.fit(z(2, 28, 28, 3), z(2, 5), verbose=0)))(
            conv_model()
        ),
        ["(None, 5)", "(None, 2)", "keras.utils.to_categorical(y, 2)"],
    ),
}

FAMILIES = {"rank", "depth", "size", "merge", "dense", "arguments", "tfnn", "model"}


def raised(build) -> BaseException:
    with pytest.raises(Exception) as info:
        build()
    return info.value


def test_the_table_covers_every_family_with_at_least_40_real_errors():
    assert {family for family, _, _ in CASES.values()} == FAMILIES
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_family_explained_with_numbers_and_fix(case):
    _, build, expected = CASES[case]
    exc = raised(build)
    explanation = explain_error(exc)
    assert explanation is not None, f"not explained: {type(exc).__name__}: {exc}"
    text = str(explanation)
    assert "Fix:" in text and explanation.title.strip()
    for part in expected:
        assert part in text, f"{part!r} missing from:\n{text}"
    tf_text = clean_message(str(exc)).splitlines()[0]
    assert tf_text not in text, "the explanation repeats TensorFlow's text"


# ---------------------------------------------------------------- convkit's own message, the same everywhere
SAME_AS_CONVKIT = {
    "strides_with_dilation": lambda: convkit_layers.Conv2D(8, 3, strides=2, dilation_rate=2),
    "causal_in_2d": lambda: convkit_layers.Conv2D(8, 3, padding="causal"),
    "output_padding_too_large": lambda: convkit_layers.Conv2DTranspose(8, 3, strides=2, output_padding=2),
    "kernel_size_zero": lambda: convkit_layers.Conv2D(8, 0),
    "strides_zero": lambda: convkit_layers.Conv2D(8, 3, strides=0),
    "padding_full": lambda: convkit_layers.Conv2D(8, 3, padding="full"),
    "groups_do_not_divide_filters": lambda: convkit_layers.Conv2D(6, 3, groups=4),
}


@pytest.mark.parametrize("case", SAME_AS_CONVKIT, ids=list(SAME_AS_CONVKIT))
def test_a_refused_configuration_reads_as_convkit_layers_say_it(case):
    with pytest.raises(ValueError) as convkit_says:
        SAME_AS_CONVKIT[case]()
    explanation = explain_error(raised(CASES[case][1]))
    assert explanation is not None and explanation.title == str(convkit_says.value)


# ---------------------------------------------------------------- oneDNN AbortedError: whichever path this CPU takes
def _pool_error():
    """A 4×4 max pool on a 3×3 input, run eagerly: oneDNN CPUs raise AbortedError, others may return an empty
    tensor; then the same layer in a model raises Keras' own error. Either way a real exception."""
    try:
        out = K.MaxPooling2D(4)(z(1, 3, 3, 1))
    except Exception as exc:  # noqa: BLE001 - whichever error this processor gives
        return exc
    assert 0 in tuple(out.shape)
    return raised(lambda: seq(keras.Input((3, 3, 1)), K.MaxPooling2D(4)))


def test_pool_larger_than_input_on_this_processor():
    exc = _pool_error()
    text = str(explain_error(exc))
    assert "floor((3 + 0 + 0 - 4) / 4) + 1 = 0" in text and 'padding="same"' in text
    assert "at most 3 fits" in text


def test_tfnn_pool_larger_than_input_on_this_processor():
    try:
        out = tf.nn.max_pool2d(tf.zeros((1, 3, 3, 1)), 4, 4, "VALID")
    except Exception as exc:  # noqa: BLE001 - whichever error this processor gives
        text = str(explain_error(exc))
        assert "floor((3 + 0 + 0 - 4) / 4) + 1 = 0" in text and "output 1×1 here" in text
    else:
        assert 0 in tuple(out.shape)  # no error on this CPU: the parser is tested on TF's message format below


ONEDNN_FORMAT = (
    "{{function_node __wrapped__Conv2D_device_/job:localhost/replica:0/task:0/device:CPU:0}} Compute received an "
    "exception:Status: 2, message: could not create a descriptor for a convolution forward propagation primitive, "
    "in file tensorflow/core/kernels/mkl/mkl_conv_ops.cc:1126 [Op:Conv2D] name: "
)


def test_parser_reads_the_documented_onednn_message_format_without_numbers():
    """A test of convkit's parser (not a raised error): TF's oneDNN text for a convolution carries no numbers; the
    explanation says what it means and how to fix it."""
    explanation = explain_error(RuntimeError(ONEDNN_FORMAT))
    assert explanation is not None
    text = str(explanation)
    assert "Conv2D" in text and "larger than its input" in text and 'padding="same"' in text
