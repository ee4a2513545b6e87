"""Named, hand-checked cases for convkit's layer specs (no TensorFlow needed).

Every expected value below was worked out by hand from the formulas in convkit.core.axis (and checked against
Keras 3.15 by test_layers_vs_keras.py). Ids follow conv_arithmetic's names and the article's examples.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

import convkit
from convkit import layers as L
from convkit.core.layers import LAYERS
from convkit.core.spec import LayerKind

# (id, layers applied in order, input shape, expected output shape, expected params of the LAST layer)
CASES = [
    # the article's three examples (batch sizes 3, 5, 2) and the layer that follows each
    ("example_1", [L.Conv2D(32, 3, strides=2, padding="valid")], (3, 28, 28, 3), (3, 13, 13, 32), 896),
    ("example_1_next", [L.Conv2D(64, 3, padding="same")], (3, 13, 13, 32), (3, 13, 13, 64), 18496),
    ("example_2", [L.Conv2D(16, 5, padding="same")], (5, 64, 64, 1), (5, 64, 64, 16), 416),
    ("example_2_next", [L.Conv2D(32, 3, padding="same")], (5, 64, 64, 16), (5, 64, 64, 32), 4640),
    ("example_3", [L.Conv2D(8, 3, strides=4)], (2, 128, 128, 3), (2, 32, 32, 8), 224),
    ("example_3_next", [L.Conv2D(16, 3, padding="same")], (2, 32, 32, 8), (2, 32, 32, 16), 1168),
    # conv_arithmetic
    ("no_padding_no_strides", [L.Conv2D(1, 3)], (1, 4, 4, 1), (1, 2, 2, 1), 10),
    ("no_padding_strides", [L.Conv2D(1, 3, strides=2)], (1, 5, 5, 1), (1, 2, 2, 1), 10),
    ("padding_strides_odd", [L.ZeroPadding2D(1), L.Conv2D(1, 3, strides=2)], (1, 6, 6, 1), (1, 3, 3, 1), 10),
    ("same_padding", [L.Conv2D(1, 3, padding="same")], (1, 5, 5, 1), (1, 5, 5, 1), 10),
    ("same_asymmetric", [L.Conv2D(1, 3, strides=2, padding="same")], (1, 28, 28, 1), (1, 14, 14, 1), 10),
    ("same_even_kernel", [L.Conv2D(1, 4, padding="same")], (1, 5, 5, 1), (1, 5, 5, 1), 17),
    ("dilation", [L.Conv2D(1, 3, dilation_rate=2)], (1, 7, 7, 1), (1, 3, 3, 1), 10),
    ("dilation_same", [L.Conv2D(1, 3, dilation_rate=2, padding="same")], (1, 7, 7, 1), (1, 7, 7, 1), 10),
    ("no_padding_no_strides_transposed", [L.Conv2DTranspose(1, 3)], (1, 2, 2, 1), (1, 4, 4, 1), 10),
    ("no_padding_strides_transposed", [L.Conv2DTranspose(1, 3, strides=2)], (1, 2, 2, 1), (1, 5, 5, 1), 10),
    ("same_transposed_op_none", [L.Conv2DTranspose(1, 3, strides=2, padding="same")], (1, 7, 7, 1), (1, 14, 14, 1), 10),
    ("same_transposed_op_0", [L.Conv2DTranspose(1, 3, 2, "same", 0)], (1, 7, 7, 1), (1, 13, 13, 1), 10),
    ("same_transposed_op_1", [L.Conv2DTranspose(1, 3, 2, "same", 1)], (1, 7, 7, 1), (1, 14, 14, 1), 10),
    ("valid_transposed_k_lt_s_op_none", [L.Conv1DTranspose(1, 1, strides=3)], (1, 4, 1), (1, 12, 1), 2),
    ("valid_transposed_k_lt_s_op_0", [L.Conv1DTranspose(1, 1, strides=3, output_padding=0)], (1, 4, 1), (1, 10, 1), 2),
    ("dilation_transposed", [L.Conv1DTranspose(2, 3, dilation_rate=2)], (1, 4, 3), (1, 8, 2), 20),
    ("causal", [L.Conv1D(1, 3, padding="causal")], (1, 10, 1), (1, 10, 1), 4),
    ("causal_strides", [L.Conv1D(1, 3, strides=2, padding="causal")], (1, 10, 1), (1, 5, 1), 4),
    ("causal_dilation", [L.Conv1D(1, 3, dilation_rate=2, padding="causal")], (1, 10, 1), (1, 10, 1), 4),
    ("channels_first", [L.Conv2D(8, 3, strides=2, data_format="channels_first")], (2, 3, 28, 28), (2, 8, 13, 13), 224),
    ("unknown_sizes", [L.Conv2D(8, 3, strides=2)], (None, None, 28, 3), (None, None, 13, 8), 224),
    ("conv3d", [L.Conv3D(4, (1, 3, 3), padding="same")], (1, 5, 8, 8, 2), (1, 5, 8, 8, 4), 76),
    ("groups", [L.Conv2D(8, 3, groups=2)], (1, 8, 8, 4), (1, 6, 6, 8), 152),
    ("depthwise", [L.DepthwiseConv2D(3, depth_multiplier=2)], (1, 8, 8, 4), (1, 6, 6, 8), 80),
    ("depthwise_1d_same", [L.DepthwiseConv1D(3, padding="same", use_bias=False)], (1, 9, 4), (1, 9, 4), 12),
    ("separable", [L.SeparableConv2D(16, 3)], (1, 8, 8, 4), (1, 6, 6, 16), 116),
    ("separable_strided", [L.SeparableConv1D(4, 3, strides=2, depth_multiplier=2)], (1, 9, 3), (1, 4, 4), 46),
    # pooling (strides default to pool_size)
    ("max_pool_default", [L.MaxPooling2D()], (None, 13, 13, 32), (None, 6, 6, 32), 0),
    ("max_pool_same", [L.MaxPooling2D(3, strides=2, padding="same")], (1, 7, 7, 1), (1, 4, 4, 1), 0),
    ("avg_pool_1d", [L.AveragePooling1D(2)], (1, 5, 3), (1, 2, 3), 0),
    (
        "avg_pool_3d_channels_first",
        [L.AveragePooling3D(2, data_format="channels_first")],
        (1, 3, 4, 5, 6),
        (1, 3, 2, 2, 3),
        0,
    ),
    ("global_avg", [L.GlobalAveragePooling2D()], (None, 7, 7, 64), (None, 64), 0),
    ("global_max_keepdims", [L.GlobalMaxPooling2D(keepdims=True)], (None, 7, 7, 64), (None, 1, 1, 64), 0),
    ("global_channels_first", [L.GlobalMaxPooling1D(data_format="channels_first")], (2, 16, 10), (2, 16), 0),
    # reshaping
    ("zero_padding_asymmetric", [L.ZeroPadding2D(((0, 1), (0, 1)))], (None, 28, 28, 3), (None, 29, 29, 3), 0),
    ("zero_padding_1d", [L.ZeroPadding1D((2, 0))], (1, 5, 3), (1, 7, 3), 0),
    ("cropping", [L.Cropping2D(((1, 2), (3, 4)))], (1, 28, 28, 3), (1, 25, 21, 3), 0),
    ("cropping_3d_int", [L.Cropping3D(1)], (1, 4, 5, 6, 2), (1, 2, 3, 4, 2), 0),
    ("upsampling", [L.UpSampling2D(2)], (1, 7, 7, 3), (1, 14, 14, 3), 0),
    ("upsampling_1d", [L.UpSampling1D(3)], (1, 5, 2), (1, 15, 2), 0),
    ("flatten", [L.Flatten()], (None, 13, 13, 32), (None, 5408), 0),
    ("flatten_unknown", [L.Flatten()], (None, None, 32), (None, None), 0),
    ("reshape_infer", [L.Reshape((-1, 4))], (2, 8, 3), (2, 6, 4), 0),
    # dense and shape-preserving layers
    ("dense", [L.Dense(10)], (None, 5408), (None, 10), 54090),
    ("dense_rank3", [L.Dense(10)], (2, 5, 8), (2, 5, 10), 90),
    ("dense_lora", [L.Dense(5, lora_rank=2)], (None, 7), (None, 5), 64),
    ("batch_norm", [L.BatchNormalization()], (None, 13, 13, 32), (None, 13, 13, 32), 128),
    ("batch_norm_renorm", [L.BatchNormalization(renorm=True)], (None, 7, 6, 4), (None, 7, 6, 4), 28),
    ("layer_norm", [L.LayerNormalization()], (None, 10, 16), (None, 10, 16), 32),
    ("layer_norm_axes", [L.LayerNormalization(axis=[1, 2])], (None, 7, 6, 4), (None, 7, 6, 4), 84),
    ("activation", [L.Activation("relu")], (2, 3), (2, 3), 0),
    ("relu", [L.ReLU(6.0)], (None, 4, 4, 8), (None, 4, 4, 8), 0),
    ("dropout", [L.Dropout(0.5)], (None, 10), (None, 10), 0),
]


@pytest.mark.parametrize(("stack", "shape", "expected", "params"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_named_cases(stack: list, shape: tuple, expected: tuple, params: int) -> None:
    for layer in stack:
        before = shape
        shape = layer.compute_output_shape(shape)
    assert shape == expected
    assert stack[-1].count_params(before) == params


def test_same_asymmetric_padding_goes_after() -> None:
    axes = L.Conv2D(1, 3, strides=2, padding="same").spatial_axes((1, 28, 28, 1))
    assert [(a.pad_before, a.pad_after, a.output) for a in axes] == [(0, 1, 14), (0, 1, 14)]


def test_causal_padding_is_all_before() -> None:
    (axis,) = L.Conv1D(1, 3, dilation_rate=2, padding="causal").spatial_axes((None, 10, 1))
    assert (axis.pad_before, axis.pad_after, axis.padding) == (4, 0, "causal")


def test_transposed_output_padding_none_vs_0() -> None:
    none = L.Conv2DTranspose(1, 3, strides=2, padding="same").spatial_axes((1, 7, 7, 1))
    zero = L.Conv2DTranspose(1, 3, strides=2, padding="same", output_padding=0).spatial_axes((1, 7, 7, 1))
    assert [a.output for a in none] == [14, 14] and [a.output for a in zero] == [13, 13]
    assert none[0].output_padding is None and zero[0].output_padding == 0


def test_pooling_spatial_axes_use_pool_size_as_stride() -> None:
    axes = L.MaxPooling2D((2, 3)).spatial_axes((1, 13, 13, 1))
    assert [(a.kernel_size, a.strides, a.output) for a in axes] == [(2, 2, 6), (3, 3, 4)]


def test_spatial_axes_empty_for_layers_without_a_window() -> None:
    assert L.Dense(3).spatial_axes((None, 4)) == ()
    assert L.Flatten().spatial_axes((None, 4, 4)) == ()
    assert L.GlobalMaxPooling2D().spatial_axes((None, 4, 4, 2)) == ()


@pytest.mark.parametrize("name", list(LAYERS))
def test_every_layer_has_window_rank_and_keras_name(name: str) -> None:
    cls = getattr(L, name)
    assert cls.__name__ == name and LAYERS[name] is cls
    assert isinstance(cls.window, LayerKind) and cls.window is not LayerKind.UNKNOWN
    digit = re.search(r"(\d)D", name)
    assert cls.rank == (int(digit.group(1)) if digit else 0)


@pytest.mark.parametrize(
    ("name", "window"),
    [("Conv2D", "conv"), ("DepthwiseConv1D", "depthwise"), ("SeparableConv2D", "separable"),
     ("Conv3DTranspose", "transpose"), ("AveragePooling2D", "pool"), ("GlobalMaxPooling3D", "global_pool"),
     ("Cropping2D", "reshape"), ("Reshape", "reshape"), ("Dense", "dense"), ("ReLU", "elementwise")],
)  # fmt: skip
def test_window_kinds(name: str, window: str) -> None:
    assert getattr(L, name).window == window


def test_names_default_to_keras_snake_case_and_are_unique() -> None:
    a, b = L.Conv2DTranspose(1, 3), L.Conv2DTranspose(1, 3)
    assert a.name.startswith("conv2d_transpose") and a.name != b.name
    assert L.ReLU().name.startswith("re_lu")
    assert L.GlobalAveragePooling2D().name.startswith("global_average_pooling2d")
    assert L.Conv2D(1, 3, name="stem").name == "stem"


def test_get_config_holds_normalised_arguments() -> None:
    config = L.Conv2D(32, 3, strides=2, padding="VALID", name="c").get_config()
    assert config["name"] == "c"
    assert (config["filters"], config["kernel_size"], config["strides"], config["padding"]) == (
        32,
        (3, 3),
        (2, 2),
        "valid",
    )
    assert config["data_format"] == "channels_last" and config["dilation_rate"] == (1, 1)
    assert L.MaxPooling2D(3).get_config()["strides"] == (3, 3)
    assert L.ZeroPadding2D(1).get_config()["padding"] == ((1, 1), (1, 1))
    assert L.Cropping1D(2).get_config()["cropping"] == (2, 2)


def test_arguments_that_do_not_affect_shapes_paste_in() -> None:
    layer = L.Conv2D(16, 3, activation="relu", kernel_initializer="he_normal", kernel_regularizer="l2",
                     bias_constraint="non_neg", input_shape=(28, 28, 1), trainable=False)  # fmt: skip
    assert layer.activation == "relu" and layer.kernel_initializer == "he_normal"
    assert layer.declared_input_shape == (None, 28, 28, 1)
    assert layer.compute_output_shape((None, 28, 28, 1)) == (None, 26, 26, 16)


@pytest.mark.parametrize(
    ("layer", "code"),
    [
        (L.Conv2D(32, 3, strides=2, padding="valid"), 'keras.layers.Conv2D(32, 3, strides=2, padding="valid")'),
        (L.Conv2D(64, (3, 3), padding="SAME"), 'keras.layers.Conv2D(64, 3, padding="same")'),
        (L.Conv2D(8, (1, 3), activation="relu"), 'keras.layers.Conv2D(8, (1, 3), padding="valid", activation="relu")'),
        (L.Conv2DTranspose(8, 3, 2, "same", 1), 'keras.layers.Conv2DTranspose(8, 3, strides=2, padding="same", output_padding=1)'),
        (L.MaxPooling2D(), 'keras.layers.MaxPooling2D(2, padding="valid")'),
        (L.MaxPooling2D(3, 2), 'keras.layers.MaxPooling2D(3, strides=2, padding="valid")'),
        (L.ZeroPadding2D(((0, 1), (0, 1))), "keras.layers.ZeroPadding2D(padding=((0, 1), (0, 1)))"),
        (L.Dense(10, name="head"), 'keras.layers.Dense(10, name="head")'),
        (L.Reshape([7, 7, 64]), "keras.layers.Reshape((7, 7, 64))"),
        (L.Dropout(0.25), "keras.layers.Dropout(0.25)"),
    ],
)  # fmt: skip
def test_to_keras_code(layer: L.Layer, code: str) -> None:
    assert layer.to_keras_code() == code


def test_values_without_source_become_named_placeholders() -> None:
    code = L.Dense(4, activation=lambda x: x).to_keras_code()
    assert code == "keras.layers.Dense(4, activation=activation)"
    compile(code, "<code>", "eval")


def test_repr_is_readable() -> None:
    assert repr(L.Conv2D(32, 3, strides=2)) == "Conv2D(32, kernel_size=(3, 3), strides=(2, 2), padding='valid')"
    assert repr(L.Flatten()) == "Flatten()"
    assert repr(L.Dense(4, name="out")) == "Dense(4, name='out')"


def test_positional_order_follows_keras() -> None:
    # Conv2D(filters, kernel_size, strides, padding, data_format, dilation_rate, groups)
    layer = L.Conv2D(4, 3, 1, "same", "channels_first", 2, 2)
    assert (layer.padding, layer.data_format, layer.dilation_rate, layer.groups) == (
        "same",
        "channels_first",
        (2, 2),
        2,
    )
    # Conv3DTranspose has data_format BEFORE output_padding, unlike 1-D/2-D
    t3 = L.Conv3DTranspose(4, 3, 2, "valid", "channels_first", 1)
    assert (t3.data_format, t3.output_padding) == ("channels_first", (1, 1, 1))
    t2 = L.Conv2DTranspose(4, 3, 2, "valid", 1, "channels_first")
    assert (t2.output_padding, t2.data_format) == ((1, 1), "channels_first")
    # DepthwiseConv2D(kernel_size, strides, padding, depth_multiplier, ...)
    assert L.DepthwiseConv2D(3, 1, "valid", 4).depth_multiplier == 4
    # SeparableConv2D(filters, kernel_size, strides, padding, data_format, dilation_rate, depth_multiplier)
    assert L.SeparableConv2D(8, 3, 1, "valid", None, 1, 3).depth_multiplier == 3
    with pytest.raises(TypeError):
        L.AveragePooling2D()  # pool_size is required in Keras 3
    with pytest.raises(TypeError):
        L.Conv2D(8)  # kernel_size is required


# ------------------------------------------------------------------ refusals Keras makes at construction
@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda: L.Conv2D(8, 3, strides=2, dilation_rate=2), "strides=(2, 2), dilation_rate=(2, 2)"),
        (lambda: L.Conv1DTranspose(8, 3, strides=2, dilation_rate=2), "dilation_rate=(2,)"),
        (lambda: L.Conv2DTranspose(8, 3, strides=2, output_padding=2), "output_padding=(2, 2), strides=(2, 2)"),
        (lambda: L.Conv2DTranspose(8, 3, output_padding=1), "output_padding=(1, 1)"),
        (lambda: L.Conv2D(0, 3), "filters=0"),
        (lambda: L.Conv2D(-4, 3), "filters=-4"),
        (lambda: L.Conv2D(6, 3, groups=4), "filters=6, groups=4"),
        (lambda: L.Conv2D(8, 3, groups=0), "groups=0"),
        (lambda: L.Conv2D(8, 0), "kernel_size=0"),
        (lambda: L.Conv2D(8, (3, 3, 3)), "kernel_size=(3, 3, 3)"),
        (lambda: L.Conv2D(8, 3, strides=(1,)), "strides=(1,)"),
        (lambda: L.Conv2D(8, 3, padding="full"), "padding='full'"),
        (lambda: L.Conv2D(8, 3, padding="causal"), "padding='causal'"),
        (lambda: L.Conv3D(8, 3, padding="causal"), "padding='causal'"),
        (lambda: L.DepthwiseConv1D(3, padding="causal"), "padding='causal'"),
        (lambda: L.SeparableConv1D(4, 3, padding="causal"), "padding='causal'"),
        (lambda: L.Conv2D(8, 3, padding=(1, 1)), "padding=(1, 1)"),
        (lambda: L.Conv2D(8, 3, data_format="NHWC"), "data_format='NHWC'"),
        (lambda: L.Conv2D(8, 3, activation="ReLU"), "activation='ReLU'"),
        (lambda: L.Conv2D(8, 3, foo=1), "foo=1"),
        (lambda: L.DepthwiseConv2D(3, depth_multiplier=0), "depth_multiplier=0"),
        (lambda: L.MaxPooling2D(padding="SAME"), "padding='SAME'"),
        (lambda: L.MaxPooling2D(2, strides=0), "strides=0"),
        (lambda: L.UpSampling1D((2,)), "size=(2,)"),
        (lambda: L.UpSampling2D(interpolation="cubic"), "interpolation='cubic'"),
        (lambda: L.ZeroPadding2D(-1), "padding=-1"),
        (lambda: L.ZeroPadding2D((1, 2, 3)), "padding=(1, 2, 3)"),
        (lambda: L.Cropping2D(((1, 2, 3), 1)), "(1, 2, 3)"),
        (lambda: L.Reshape((2, -1, -1)), "target_shape=(2, -1, -1)"),
        (lambda: L.Reshape((0, 3)), "target_shape=(0, 3)"),
        (lambda: L.Dense(0), "units=0"),
        (lambda: L.Dense(2.0), "units=2.0"),
        (lambda: L.Dropout(1.5), "rate=1.5"),
        (lambda: L.ReLU(max_value=-1), "max_value=-1"),
        (lambda: L.BatchNormalization(axis=1.5), "axis=1.5"),
        (lambda: L.LayerNormalization(axis="x"), "axis='x'"),
    ],
)
def test_construction_refusals_name_the_value(make, fragment: str) -> None:
    with pytest.raises((ValueError, TypeError)) as info:
        make()
    assert fragment in str(info.value)
    assert "Received" in str(info.value)


# ------------------------------------------------------------------ refusals at compute_output_shape
@pytest.mark.parametrize(
    ("layer", "shape", "fragment"),
    [
        (L.Conv2D(8, 5), (1, 4, 28, 3), "zero or negative along height"),
        (L.Conv2D(8, 3, dilation_rate=3), (1, 6, 6, 3), "dilated by 3 spans 7"),
        (L.Conv2D(8, 3, groups=2), (1, 8, 8, 3), "3 channels cannot be split into groups=2"),
        (L.Conv2D(8, 3), (1, 8, 8, None), "channels"),
        (L.MaxPooling2D(3), (1, 2, 9, 4), "zero or negative along height"),
        (L.Cropping2D(((2, 2), (0, 0))), (1, 4, 9, 1), "leaves nothing along height"),
        (L.Reshape((5, -1)), (1, 4, 3), "not divisible by 5"),
        (L.Reshape((5, 3)), (1, 4, 3), "total size must be unchanged"),
        (L.Dense(3), (4,), "rank 2 or more"),
        (L.Dense(3), (4, None), "None"),
        (L.BatchNormalization(axis=3), (1, 4, 3), "out of bounds"),
        (L.LayerNormalization(axis=[1, 5]), (1, 4, 3), "out of bounds"),
        (L.LayerNormalization(axis=[0, -3]), (2, 1, 1), "the same axis twice"),
        (L.GlobalMaxPooling1D(), (1, 5, 5, 2), "rank 3"),
        (L.Flatten(), (), "rank 1 or more"),
    ],
)
def test_compute_output_shape_refusals(layer: L.Layer, shape: tuple, fragment: str) -> None:
    with pytest.raises(ValueError) as info:
        layer.compute_output_shape(shape)
    assert fragment in str(info.value)
    assert layer.name in str(info.value)


def test_input_rank_errors_name_the_layer_and_layout() -> None:
    layer = L.Conv2D(8, 3, name="conv2d_1")
    with pytest.raises(ValueError) as info:
        layer.compute_output_shape((28, 28, 3))
    message = str(info.value)
    assert message.startswith("Conv2D 'conv2d_1' expects input of rank 4 (batch, height, width, channels)")
    assert "batch dimension" in message and "Received: input_shape=(28, 28, 3)" in message
    first = L.Conv1D(8, 3, data_format="channels_first", name="c1")
    with pytest.raises(ValueError, match=r"\(batch, channels, length\)"):
        first.compute_output_shape((2, 3, 4, 5))


# ------------------------------------------------------------------ where convkit is stricter than Keras
@pytest.mark.parametrize(
    ("layer", "shape"),
    [
        # Keras' compute_output_shape returns (1, 0, 4, 1) and (1, 0, 1): a 0-sized axis that fails at execution
        (L.Conv2DTranspose(1, 2, padding="same", output_padding=0), (1, 1, 5, 1)),
        (L.Conv1DTranspose(1, 4, padding="same", output_padding=0), (1, 1, 1)),
    ],
)
def test_empty_outputs_keras_would_only_fail_on_at_execution(layer: L.Layer, shape: tuple) -> None:
    with pytest.raises(ValueError, match="zero or negative"):
        layer.compute_output_shape(shape)


@pytest.mark.parametrize(
    "make",
    [
        lambda: L.ZeroPadding2D(-1),  # Keras: compute_output_shape shrinks the input; tf.pad then refuses
        lambda: L.MaxPooling2D(2, strides=0),  # Keras: OverflowError inside compute_output_shape
        lambda: L.MaxPooling2D(2, padding="SAME"),  # Keras: compute_output_shape refuses, eager call accepts
        lambda: L.Conv2D(3.0, 3),  # Keras: output channels 3.0 from compute_output_shape
        lambda: L.Conv2D(3, (True, 3)),  # Keras: True counted as 1
        lambda: L.Reshape((None, 3)),  # Keras: None acts like -1; convkit asks for -1
    ],
)
def test_values_keras_lets_through_but_convkit_refuses(make) -> None:
    with pytest.raises((ValueError, TypeError)):
        make()


def test_import_does_not_load_heavy_modules() -> None:
    code = (
        "import sys, convkit.core.layers, convkit.layers, convkit.core.explain\n"
        "heavy = [m for m in ('tensorflow', 'keras', 'matplotlib', 'ipywidgets') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_public_module_reexports_everything() -> None:
    assert set(LAYERS) <= set(L.__all__)
    assert convkit.layers is L
    assert all(getattr(L, name) is LAYERS[name] for name in LAYERS)
