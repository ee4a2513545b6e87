"""Model level (issue 15): ``with convkit.explained():`` around building a 6-layer model whose 4th layer fails
names that layer with its position and shows convkit's trace of layers 1–3 with their shapes."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

import convkit  # noqa: E402
from convkit.adapters.errors import ShapeError  # noqa: E402

pytestmark = pytest.mark.tf
K = keras.layers

BEFORE = (
    "1. c1 (Conv2D): (None, 16, 16, 3) → (None, 14, 14, 8)",
    "2. p1 (MaxPooling2D): (None, 14, 14, 8) → (None, 7, 7, 8)",
    "3. c2 (Conv2D): (None, 7, 7, 8) → (None, 3, 3, 8)",
)


def six_layers():
    """Layers 1–3 shrink 16×16 to 3×3; layer 4's 5×5 kernel no longer fits; 5 and 6 are never reached."""
    return [
        K.Conv2D(8, 3, name="c1"),
        K.MaxPooling2D(name="p1"),
        K.Conv2D(8, 3, strides=2, name="c2"),
        K.Conv2D(8, 5, name="too_big"),
        K.Flatten(name="flat"),
        K.Dense(2, name="out"),
    ]


def sequential():
    keras.Sequential([keras.Input((16, 16, 3)), *six_layers()])


def functional():
    x = inputs = keras.Input((16, 16, 3))
    for layer in six_layers():
        x = layer(x)
    keras.Model(inputs, x)


def explained_text(build, cause="Computed output size would be zero or negative") -> str:
    with pytest.raises(ShapeError) as info:
        with convkit.explained(show=False):
            build()
    assert cause in str(info.value.__cause__)  # TensorFlow's own error is kept as the cause
    return str(info.value)


def test_sequential_names_layer_4_of_6_and_shows_layers_1_to_3():
    text = explained_text(sequential)
    assert "Where: layer 4 of 6, 'too_big' (Conv2D), receiving (None, 3, 3, 8)." in text
    for line in BEFORE:
        assert line in text
    assert "flat" not in text and "'out'" not in text  # layers after the failing one are not shown
    assert "floor((3 + 0 + 0 - 5) / 1) + 1 = -1" in text and 'padding="same"' in text


def test_functional_names_layer_4_and_shows_layers_1_to_3():
    text = explained_text(functional)
    assert "Where: layer 4, 'too_big' (Conv2D), receiving (None, 3, 3, 8)." in text  # the model is not built yet
    for line in BEFORE:
        assert line in text


def test_first_layer_failing_has_no_trace_before_it():
    text = explained_text(lambda: keras.Sequential([keras.Input((4, 4, 3)), K.Conv2D(8, 5, name="first"), K.Flatten()]))
    assert "Where: layer 1 of 2, 'first' (Conv2D)" in text and "Shapes up to it" not in text


def test_a_branch_in_a_functional_model_traces_its_own_path():
    def build():
        inputs = keras.Input((16, 16, 3))
        a = K.Conv2D(8, 3, name="a")(inputs)
        b = K.Conv2D(8, 3, padding="same", name="b")(inputs)
        K.Add(name="join")([a, b])

    text = explained_text(build, cause="Inputs have incompatible shapes")
    assert "'join' (Add)" in text and "(14, 14, 8) and (16, 16, 8)" in text
    assert "1. a (Conv2D): (None, 16, 16, 3) → (None, 14, 14, 8)" in text


def test_predict_on_another_size_traces_the_model_read_from_the_traceback():
    """``model.predict`` on 32×32 images of a model built for 28×28: no model passed, convkit finds it."""
    model = keras.Sequential([keras.Input((28, 28, 3)), K.Conv2D(4, 3, name="c"), K.Flatten(name="f"), K.Dense(2)])
    text = explained_text(
        lambda: model.predict(tf.zeros((2, 32, 32, 3)), verbose=0), cause="is incompatible with the layer"
    )
    assert "built for 2704 input features but received 3600" in text
    assert "c: → (2, 30, 30, 4); f: → (2, 3600)" in text and "GlobalAveragePooling2D" in text
