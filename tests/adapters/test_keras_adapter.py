"""LayerStack.from_keras against real Keras 3 / TensorFlow: shapes, parameters, graphs, placeholders, code."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

import convkit  # noqa: E402
from convkit import layers as L  # noqa: E402
from convkit.adapters.keras import KerasLayer  # noqa: E402
from convkit.core.merge import Add, Concatenate  # noqa: E402

pytestmark = pytest.mark.tf
K = keras.layers


# --- models -------------------------------------------------------------------------------------------


def example_1():
    return keras.Sequential(
        [
            keras.Input((28, 28, 3), batch_size=3),
            K.Conv2D(32, 3, strides=2, padding="valid"),
            K.Conv2D(64, 3, padding="same"),
        ],
        name="example_1",
    )


def example_2():
    return keras.Sequential(
        [keras.Input((64, 64, 1), batch_size=5), K.Conv2D(16, 5, padding="same"), K.Conv2D(32, 3, padding="same")],
        name="example_2",
    )


def example_3():
    return keras.Sequential(
        [
            keras.Input((128, 128, 3), batch_size=2),
            K.Conv2D(8, 3, strides=4, padding="valid"),
            K.Conv2D(16, 3, padding="same"),
        ],
        name="example_3",
    )


def vgg_like():
    return keras.Sequential(
        [
            keras.Input((32, 32, 3), batch_size=4),
            K.Conv2D(16, 3, padding="same", activation="relu"),
            K.Conv2D(16, 3, padding="same", activation="relu"),
            K.MaxPooling2D(2),
            K.Conv2D(32, 3, padding="same", activation="relu"),
            K.Conv2D(32, 3, padding="same", activation="relu"),
            K.MaxPooling2D(2),
            K.Conv2D(64, 3, padding="same", activation="relu"),
            K.MaxPooling2D(2),
            K.Flatten(),
            K.Dense(64, activation="relu"),
            K.Dropout(0.5),
            K.Dense(10, activation="softmax"),
        ],
        name="vgg_like",
    )


def resnet_like():
    inputs = keras.Input((32, 32, 3), batch_size=2)
    x = K.Conv2D(16, 3, padding="same", use_bias=False)(inputs)
    x = K.BatchNormalization()(x)
    stem = K.ReLU()(x)
    y = K.Conv2D(32, 3, strides=2, padding="same")(stem)
    y = K.BatchNormalization()(y)
    y = K.Activation("relu")(y)
    y = K.Conv2D(32, 3, padding="same")(y)
    shortcut = K.Conv2D(32, 1, strides=2)(stem)
    x = K.Add()([y, shortcut])
    x = K.ReLU()(x)
    x = K.GlobalAveragePooling2D()(x)
    outputs = K.Dense(10)(x)
    return keras.Model(inputs, outputs, name="resnet_like")


def unet_like():
    inputs = keras.Input((32, 32, 1), batch_size=2)
    c1 = K.Conv2D(8, 3, padding="same", activation="relu")(inputs)
    p1 = K.MaxPooling2D(2)(c1)
    c2 = K.Conv2D(16, 3, padding="same", activation="relu")(p1)
    p2 = K.MaxPooling2D(2)(c2)
    b = K.Conv2D(32, 3, padding="same", activation="relu")(p2)
    u2 = K.Conv2DTranspose(16, 3, strides=2, padding="same")(b)
    m2 = K.Concatenate()([u2, c2])
    c3 = K.Conv2D(16, 3, padding="same", activation="relu")(m2)
    u1 = K.Conv2DTranspose(8, 3, strides=2, padding="same")(c3)
    m1 = K.Concatenate()([u1, c1])
    c4 = K.Conv2D(8, 3, padding="same", activation="relu")(m1)
    outputs = K.Conv2D(1, 1, activation="sigmoid")(c4)
    return keras.Model(inputs, outputs, name="unet_like")


MODELS = {
    "example_1": example_1,
    "example_2": example_2,
    "example_3": example_3,
    "vgg_like": vgg_like,
    "resnet_like": resnet_like,
    "unet_like": unet_like,
}


def executed_shapes(model) -> dict[str, tuple]:
    """Output shape of every layer, from running the model on a real tensor (channels_last)."""
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    probe = keras.Model(model.inputs, [layer.output for layer in layers])
    x = np.random.default_rng(0).random(tuple(model.inputs[0].shape), dtype=np.float32)
    outputs = probe([x])
    return {layer.name: tuple(out.shape) for layer, out in zip(layers, outputs)}


@pytest.mark.parametrize("name", list(MODELS))
def test_from_keras_shapes_equal_tensorflow(name):
    model = MODELS[name]()
    stack = convkit.LayerStack.from_keras(model)
    real = executed_shapes(model)
    assert stack.input_shape == tuple(model.inputs[0].shape)
    assert stack.trace.is_valid
    got = {e.name: e.output_shape for e in stack.trace.entries}
    assert got == real
    assert stack.output_shape == tuple(model.outputs[0].shape)
    assert stack.count_params() == model.count_params()
    # every layer of these models is modelled by convkit
    assert all(getattr(layer, "modelled", True) for layer in stack.layers)


def test_article_batch_sizes():
    assert convkit.LayerStack.from_keras(example_1()).output_shape == (3, 13, 13, 64)
    assert convkit.LayerStack.from_keras(example_2()).output_shape == (5, 64, 64, 32)
    assert convkit.LayerStack.from_keras(example_3()).output_shape == (2, 32, 32, 16)


def test_functional_wiring_resnet():
    stack = convkit.LayerStack.from_keras(resnet_like())
    names = [e.name for e in stack.trace.entries]
    add = next(e for e in stack.trace.entries if isinstance(e.layer, Add))
    assert len(add.inputs) == 2
    feeding = {names[i] for i in add.inputs}
    assert any(n.startswith("conv2d") for n in feeding)
    shortcut = next(e for e in stack.trace.entries if e.layer.get_config().get("kernel_size") == (1, 1))
    assert shortcut.index in add.inputs
    # the shortcut reads the stem's ReLU, like the main branch's first convolution
    assert stack.trace.entries[shortcut.inputs[0]].name.startswith("re_lu")
    assert not stack.is_sequential


def test_functional_wiring_unet_concatenate():
    stack = convkit.LayerStack.from_keras(unet_like())
    cats = [e for e in stack.trace.entries if isinstance(e.layer, Concatenate)]
    assert [e.output_shape for e in cats] == [(2, 16, 16, 32), (2, 32, 32, 16)]
    # the receptive field grows through the encoder and the jump comes back to 1 after two up-samplings
    last = stack.trace.entries[-1]
    assert last.jump == (1, 1)
    assert last.receptive_field[0] > 20


def test_unmodelled_layer_becomes_placeholder():
    model = keras.Sequential(
        [
            keras.Input((8, 8, 3), batch_size=2),
            K.Conv2D(4, 3),
            K.LeakyReLU(),
            K.GaussianNoise(0.1),
            K.Permute((3, 1, 2)),
        ]
    )
    stack = convkit.LayerStack.from_keras(model)
    kinds = [type(layer) for layer in stack.layers]
    assert kinds[0] is L.Conv2D and kinds[1:] == [KerasLayer] * 3
    assert [getattr(layer, "modelled", True) for layer in stack.layers] == [True, False, False, False]
    assert stack.output_shape == (2, 4, 6, 6) == tuple(model.outputs[0].shape)
    text = str(stack.summary())
    assert "LeakyReLU (from Keras)" in text and "Permute (from Keras)" in text
    # shape-preserving placeholders follow an edited input; others refuse with a message
    edited = stack.with_input_shape((2, 10, 10, 3))
    assert edited.trace.entries[2].output_shape == (2, 8, 8, 4)
    assert edited.trace.first_error.index == 3
    assert "convkit does not model" in edited.trace.first_error.error
    # its code round-trips through keras.layers.deserialize
    namespace: dict = {}
    exec(stack.to_keras_code(), namespace)
    assert tuple(namespace["model"].outputs[0].shape) == (2, 4, 6, 6)


def test_unbuilt_model_is_refused_with_advice():
    model = keras.Sequential([K.Conv2D(4, 3)])
    with pytest.raises(ValueError, match="keras.Input"):
        convkit.LayerStack.from_keras(model)


def test_batch_size_none_when_input_has_none():
    model = keras.Sequential([keras.Input((28, 28, 1)), K.Conv2D(8, 3)])
    assert convkit.LayerStack.from_keras(model).output_shape == (None, 26, 26, 8)


def test_summary_accepts_keras_model():
    text = str(convkit.summary(example_1()))
    assert "(3, 13, 13, 32)" in text and "19,392" in text
    # and an input shape override
    assert "(7, 13, 13, 64)" in str(convkit.summary(example_1(), input_shape=(7, 28, 28, 3)))


def _keras_outputs(code: str) -> dict[str, tuple]:
    namespace: dict = {}
    exec(code, namespace)
    model = namespace["model"]
    return model, {layer.name: tuple(layer.output.shape) for layer in model.layers}


@pytest.mark.parametrize("name", list(MODELS))
def test_to_keras_code_round_trip(name):
    stack = convkit.LayerStack.from_keras(MODELS[name]())
    model, shapes = _keras_outputs(stack.to_keras_code())
    assert [e.output_shape for e in stack.trace.entries] == [shapes[e.name] for e in stack.trace.entries]
    assert model.count_params() == stack.count_params()


def test_to_keras_code_hand_built_stacks():
    seq = convkit.LayerStack((3, 28, 28, 3), [L.Conv2D(32, 3, strides=2), L.MaxPooling2D(2), L.Flatten(), L.Dense(10)])
    model, _ = _keras_outputs(seq.to_keras_code())
    assert "keras.Sequential" in seq.to_keras_code()
    x = np.zeros((3, 28, 28, 3), dtype=np.float32)
    assert tuple(model(x).shape) == seq.output_shape == (3, 10)
    graph = convkit.LayerStack(
        (2, 16, 16, 8),
        [L.Conv2D(8, 3, padding="same"), L.Conv2D(8, 3, padding="same"), Add(), Concatenate()],
        inputs=[(), (0,), (-1, 1), (2, 0)],
    )
    model, _ = _keras_outputs(graph.to_keras_code())
    assert "keras.Model" in graph.to_keras_code()
    assert tuple(model(np.zeros((2, 16, 16, 8), dtype=np.float32)).shape) == graph.output_shape == (2, 16, 16, 16)
    assert model.count_params() == graph.count_params()


def test_nested_model_ops_and_shared_layers():
    inner = keras.Sequential([keras.Input((16, 16, 8)), K.Conv2D(8, 3, padding="same")], name="inner")
    a = keras.Input((16, 16, 8), batch_size=2)
    y = keras.ops.add(a, inner(a))  # an op, not a layer
    z = K.Conv2D(4, 3, strides=2)(y)
    shared = K.Conv2D(4, 1)
    out = K.Add()([shared(z), shared(z)])
    model = keras.Model(a, out)
    stack = convkit.LayerStack.from_keras(model)
    assert [type(layer).__name__ for layer in stack.layers] == [
        "KerasLayer",
        "KerasLayer",
        "Conv2D",
        "Conv2D",
        "Conv2D",
        "Add",
    ]
    assert stack.layers[3] is stack.layers[4]  # the shared layer stays one object
    assert stack.count_params() == model.count_params() == 896  # shared weights count once
    assert stack.output_shape == tuple(model.outputs[0].shape) == (2, 7, 7, 4)
    # the nested model has weights convkit does not see: the receptive field after it is unknown
    assert stack.trace.entries[2].receptive_field is None
    rows = stack.summary().rows
    assert rows[0].layer_text == "inner (Sequential (from Keras))" and rows[2].receptive_field == "?"
    with pytest.raises(ValueError, match="cannot be written as Python literals"):
        stack.to_keras_code()
