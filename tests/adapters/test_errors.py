"""explain_error / explained on REAL exceptions raised by TensorFlow 2.21 / Keras 3.15 (never hand-typed)."""

from __future__ import annotations

import json
import os
import pathlib
import re

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

import convkit  # noqa: E402
from convkit.adapters.errors import ShapeError, explain_error  # noqa: E402

pytestmark = pytest.mark.tf
K = keras.layers


def raised(fn) -> BaseException:
    """Run ``fn`` and return what TensorFlow/Keras raised."""
    with pytest.raises(Exception) as info:
        fn()
    return info.value


def text_of(exc, **kw) -> str:
    explanation = explain_error(exc, **kw)
    assert explanation is not None, f"not recognised: {exc}"
    text = str(explanation)
    assert "Fix:" in text
    return text


def test_conv_kernel_larger_than_input():
    exc = raised(lambda: keras.Sequential([keras.Input((4, 4, 3)), K.Conv2D(8, 5)]))
    text = text_of(exc)
    assert "floor((4 + 0 + 0 - 5) / 1) + 1 = 0" in text
    assert "5×5 kernel is larger than the 4×4 input" in text
    assert 'padding="same"' in text and "output 4×4 here" in text
    assert "at most 4 fits" in text


def test_dilated_kernel_spans_more_than_the_input():
    exc = raised(lambda: keras.Sequential([keras.Input((6, 6, 1)), K.Conv2D(8, 3, dilation_rate=3)]))
    text = text_of(exc)
    assert "floor((6 + 0 + 0 - 7) / 1) + 1 = 0" in text and "kernel spans 7" in text


def test_pool_window_larger_than_input():
    exc = raised(lambda: keras.Sequential([keras.Input((3, 3, 3)), K.MaxPooling2D(4)]))
    text = text_of(exc)
    assert "floor((3 + 0 + 0 - 4) / 4) + 1 = 0" in text
    assert "pool window" in text and "output 1×1 here" in text


def test_stack_shrinks_to_zero_with_model_context():
    model = keras.Sequential(
        [keras.Input((None, None, 1)), K.Conv2D(8, 3, strides=2), K.Conv2D(8, 3, strides=2), K.Conv2D(8, 3)]
    )
    exc = raised(lambda: model.predict(np.zeros((1, 8, 8, 1), dtype=np.float32), verbose=0))
    text = text_of(exc, model=model, input_shape=(1, 8, 8, 1))
    assert "subtracting" not in text  # the explanation is in convkit's words
    assert "floor((1 + 0 + 0 - 3) / 1) + 1 = -1" in text
    # convkit's trace of the model shows where the size went
    assert "(1, 3, 3, 8)" in text and "(1, 1, 1, 8)" in text and "INVALID" in text


def test_eager_conv_negative_output():
    model = keras.Sequential(
        [keras.Input((None, None, 1)), K.Conv2D(8, 3, strides=2), K.Conv2D(8, 3, strides=2), K.Conv2D(8, 3)]
    )
    exc = raised(lambda: model(np.zeros((1, 8, 8, 1), dtype=np.float32)))
    text = text_of(exc)
    assert "floor((1 + 0 + 0 - 3) / 1) + 1 = -1" in text and "Conv2D" in text


def test_graph_mode_negative_dimension():
    @tf.function
    def conv(x, k):
        return tf.nn.conv2d(x, k, 1, "VALID")

    exc = raised(lambda: conv(tf.zeros((1, 4, 4, 3)), tf.zeros((5, 5, 3, 2))))
    text = text_of(exc)
    assert "kernel (5) is larger than the input (4)" in text and "floor((4 + 0 + 0 - 5) / 1) + 1 = 0" in text


def test_conv_built_for_3_channels_called_on_1():
    conv = K.Conv2D(8, 3)
    conv(np.zeros((1, 8, 8, 3), dtype=np.float32))
    exc = raised(lambda: conv(np.zeros((1, 8, 8, 1), dtype=np.float32)))
    model = keras.Sequential([keras.Input((8, 8, 3)), conv])
    text = text_of(exc, model=model)
    assert "built for inputs with 3 channels but received 1" in text
    assert "Only the channel depth must agree" in text and "(3, 3, 3, 8)" in text
    assert "np.repeat(x, 3, axis=-1)" in text


def test_dense_input_mismatch_after_image_size_change():
    model = keras.Sequential([keras.Input((28, 28, 1)), K.Conv2D(8, 3), K.Flatten(), K.Dense(3)])
    exc = raised(lambda: model.predict(np.zeros((2, 32, 32, 1), dtype=np.float32), verbose=0))
    text = text_of(exc, model=model, input_shape=(2, 32, 32, 1))
    assert "built for 5408 input features but received 7200" in text
    assert "(2, 7200)" in text  # convkit's trace for the new input
    assert "GlobalAveragePooling2D" in text


def test_dense_on_a_4d_tensor_then_fit():
    model = keras.Sequential([keras.Input((28, 28, 1)), K.Conv2D(8, 3), K.Dense(10)])
    model.compile("adam", "categorical_crossentropy")
    exc = raised(lambda: model.fit(np.zeros((2, 28, 28, 1)), np.zeros((2, 10)), verbose=0))
    text = text_of(exc, model=model)
    assert "(None, 26, 26, 10)" in text and "Dense acts on the last axis only" in text
    assert "26·26·8 = 5408 features" in text and "GlobalAveragePooling2D(): 8 features" in text


def test_dense_after_flatten_of_unknown_size():
    exc = raised(lambda: keras.Sequential([keras.Input((None, None, 3)), K.Conv2D(4, 3), K.Flatten(), K.Dense(3)]))
    text = text_of(exc)
    assert "last axis is None" in text and "(None, 3)" in text
    assert "GlobalAveragePooling2D" in text and "keras.Input(shape=(28, 28, 3))" in text


def test_conv2d_given_a_3d_input():
    exc = raised(lambda: keras.Sequential([keras.Input((28, 28)), K.Conv2D(8, 3)]))
    text = text_of(exc)
    assert "needs 4-D input (batch, height, width, channels) but received 3-D (None, 28, 28)" in text
    assert "keras.Input(shape=(28, 28, 1))" in text


def test_conv2d_given_one_image_without_batch():
    exc = raised(lambda: K.Conv2D(8, 3)(np.zeros((28, 28, 1), dtype=np.float32)))
    text = text_of(exc)
    assert "x[None]" in text and "(1, 28, 28, 1)" in text


def test_conv_after_flatten():
    exc = raised(lambda: keras.Sequential([keras.Input((28, 28, 1)), K.Flatten(), K.Conv2D(8, 3)]))
    text = text_of(exc)
    assert "(None, 784)" in text and "Flatten after the last convolution" in text


def test_add_mismatched_channels():
    def build():
        a = keras.Input((16, 16, 32))
        x = K.Conv2D(64, 3, padding="same")(a)
        K.Add()([a, x])

    text = text_of(raised(build))
    assert "(16, 16, 32) and (16, 16, 64)" in text and "Conv2D(32, 1)" in text


def test_add_mismatched_sizes():
    def build():
        a = keras.Input((16, 16, 32))
        x = K.Conv2D(32, 3)(a)
        K.Add()([a, x])

    text = text_of(raised(build))
    assert "16 vs 14" in text and 'padding="same"' in text


def test_concatenate_mismatch():
    def build():
        a = keras.Input((16, 16, 32))
        x = K.Conv2D(32, 3)(a)
        K.Concatenate()([a, x])

    text = text_of(raised(build))
    assert "(None, 16, 16, 32) and (None, 14, 14, 32)" in text and "16 vs 14" in text
    assert "Cropping2D((1, 1)" in text


def test_reshape_size():
    exc = raised(lambda: keras.Sequential([keras.Input((28, 28, 1)), K.Reshape((10, 10))]))
    text = text_of(exc)
    assert "28·28·1 = 784 vs 10·10 = 100" in text


def test_explained_reraises_a_shape_error_with_the_explanation(capsys):
    with pytest.raises(ShapeError) as info:
        with convkit.explained():
            keras.Sequential([keras.Input((4, 4, 3)), K.Conv2D(8, 5)])
    err = info.value
    assert isinstance(err, ValueError)
    assert "floor((4 + 0 + 0 - 5) / 1) + 1 = 0" in str(err)
    assert "Computed output size would be zero or negative" in str(err.__cause__)
    assert err.explanation.title in capsys.readouterr().err  # shown before the traceback


def test_unrelated_errors_pass_through_untouched():
    original = ValueError("could not convert string to float: 'abc'")
    assert explain_error(original) is None
    with pytest.raises(ValueError) as info:
        with convkit.explained(show=False):
            raise original
    assert info.value is original
    with pytest.raises(ZeroDivisionError):
        with convkit.explained(show=False):
            _ = 1 / 0
    # a real Keras error that is not about shapes ("full" padding is a shape mistake convkit explains, issue 15)
    exc = raised(lambda: K.Conv2D(8, 3, activation="no_such_activation"))
    assert explain_error(exc) is None
    with pytest.raises(type(exc)) as info:
        with convkit.explained(show=False):
            raise exc
    assert info.value is exc


def test_ipython_reports_a_shape_error_by_its_explanation_alone(capsys):
    """In IPython the explained error prints no traceback: the explanation (shown once) and one line."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.push({"keras": keras, "convkit": convkit, "np": np})
    shell.run_cell("conv = keras.layers.Conv2D(8, 3); conv(np.zeros((1, 8, 8, 32), 'float32'));")
    capsys.readouterr()
    result = shell.run_cell("with convkit.explained():\n    conv(np.zeros((1, 8, 8, 3), 'float32'))")
    assert isinstance(result.error_in_exec, ShapeError)
    out = capsys.readouterr()
    text = out.out + out.err
    assert "Traceback" not in text and "File " not in text and "keras/src" not in text
    assert text.count("built for inputs with 32 channels but received 3") == 1  # not repeated
    assert "ShapeError: see the explanation above" in text
    assert len(text.strip().splitlines()) <= 20


def test_shape_error_renders_its_explanation_when_not_shown():
    exc = raised(lambda: keras.Sequential([keras.Input((4, 4, 3)), K.Conv2D(8, 5)]))
    with pytest.raises(ShapeError) as info:
        with convkit.explained(show=False):
            raise exc
    lines = info.value._render_traceback_()
    assert lines[0] == "ShapeError:" and "floor((4 + 0 + 0 - 5) / 1) + 1 = 0" in "\n".join(lines)
    assert not any("Traceback" in line for line in lines)


def test_channel_fix_names_the_tensor_when_a_built_layer_is_fed_another_depth():
    conv_a, conv_b = K.Conv2D(32, 3), K.Conv2D(64, 3)
    model = keras.Sequential([keras.Input((28, 28, 3)), conv_a, conv_b])
    exc = raised(lambda: conv_b(np.zeros((1, 28, 28, 3), dtype=np.float32)))
    text = text_of(exc, model=model)
    assert "built for inputs with 32 channels but received 3" in text
    assert "feed this layer a tensor with 32 channels" in text and "previous layer's output" in text
    assert "declared for" not in text  # the model's Input (3 channels) is not what is wrong


def test_channel_fix_names_the_input_when_the_data_has_another_depth():
    model = keras.Sequential([keras.Input((8, 8, 1)), K.Conv2D(4, 3)])
    exc = raised(lambda: model(np.zeros((1, 8, 8, 3), dtype=np.float32)))
    text = text_of(exc, model=model)
    assert "built for inputs with 1 channel but received 3" in text  # singular
    assert "declared for 1-channel inputs" in text and "keras.Input(shape=(..., 3))" in text


# ------------------------------------------------------------------ odd messages (issue 11)
CORPUS_FILE = pathlib.Path(__file__).parent / "tf_messages.json"


def _corpus_cases() -> dict:
    """The errors behind tests/adapters/tf_messages.json, the corpus tests/test_fuzz_public_api.py mutates."""

    def negative_model():
        return keras.Sequential(
            [keras.Input((None, None, 1)), K.Conv2D(8, 3, strides=2), K.Conv2D(8, 3, strides=2), K.Conv2D(8, 3)]
        )

    @tf.function
    def conv(x, k):
        return tf.nn.conv2d(x, k, 1, "VALID")

    built = K.Conv2D(8, 3, name="conv2d_built")
    dense = keras.Sequential([keras.Input((28, 28, 1)), K.Conv2D(8, 3), K.Flatten(), K.Dense(3)])
    on_image = keras.Sequential([keras.Input((28, 28, 1)), K.Conv2D(8, 3), K.Dense(10)])

    def built_on_3_channels():
        built(np.zeros((1, 8, 8, 3), dtype=np.float32))
        built(np.zeros((1, 8, 8, 1), dtype=np.float32))

    def fit_on_image():
        on_image.compile("adam", "categorical_crossentropy")
        on_image.fit(np.zeros((2, 28, 28, 1)), np.zeros((2, 10)), verbose=0)

    def merge(kind, filters, padding):
        a = keras.Input((16, 16, 32))
        kind()([a, K.Conv2D(filters, 3, padding=padding)(a)])

    return {
        "conv_too_small": lambda: keras.Sequential([keras.Input((4, 4, 3)), K.Conv2D(8, 5)]),
        "conv_dilated": lambda: keras.Sequential([keras.Input((6, 6, 1)), K.Conv2D(8, 3, dilation_rate=3)]),
        "pool_too_small": lambda: keras.Sequential([keras.Input((3, 3, 3)), K.MaxPooling2D(4)]),
        "negative_dimension": lambda: negative_model().predict(np.zeros((1, 8, 8, 1), np.float32), verbose=0),
        "eager_negative": lambda: negative_model()(np.zeros((1, 8, 8, 1), dtype=np.float32)),
        "graph_negative": lambda: conv(tf.zeros((1, 4, 4, 3)), tf.zeros((5, 5, 3, 2))),
        "channel_mismatch": built_on_3_channels,
        "dense_features": lambda: dense.predict(np.zeros((2, 32, 32, 1), dtype=np.float32), verbose=0),
        "dense_on_image": fit_on_image,
        "undefined_features": lambda: keras.Sequential(
            [keras.Input((None, None, 3)), K.Conv2D(4, 3), K.Flatten(), K.Dense(3)]
        ),
        "rank_3d": lambda: keras.Sequential([keras.Input((28, 28)), K.Conv2D(8, 3)]),
        "rank_no_batch": lambda: K.Conv2D(8, 3)(np.zeros((28, 28, 1), dtype=np.float32)),
        "rank_after_flatten": lambda: keras.Sequential([keras.Input((28, 28, 1)), K.Flatten(), K.Conv2D(8, 3)]),
        "add_channels": lambda: merge(K.Add, 64, "same"),
        "add_sizes": lambda: merge(K.Add, 32, "valid"),
        "concatenate": lambda: merge(K.Concatenate, 32, "valid"),
        "reshape": lambda: keras.Sequential([keras.Input((28, 28, 1)), K.Reshape((10, 10))]),
    }


def _comparable(message: str) -> str:
    """The message without what changes from run to run: file paths, quoted source, Keras' name counters."""
    message = re.sub(r'File "[^"]*", line \d+, in (\w+)  \*\n[^\n]*\n', r'File "…", in \1\n', message)
    return re.sub(r"(?<=[a-z0-9])(_\d+)+\b", "", message)  # dense_1, conv2d_2_1 -> dense, conv2d


def test_message_corpus_is_what_tensorflow_raises(update_golden):
    live = {key: str(raised(build)) for key, build in _corpus_cases().items()}
    live = {key: re.sub(r'File "[^"]*", line', 'File "/home/learner/notebook.py", line', m) for key, m in live.items()}
    stored = json.loads(CORPUS_FILE.read_text())
    if update_golden:
        stored["messages"] = live
        CORPUS_FILE.write_text(json.dumps(stored, indent=1, ensure_ascii=False) + "\n")
    assert {k: _comparable(m) for k, m in live.items()} == {k: _comparable(m) for k, m in stored["messages"].items()}
    assert all(explain_error(ValueError(m)) is not None for m in live.values())


ODD_MESSAGES = {
    "strides 0": "Computed output size would be zero or negative. Received `inputs shape=(None, 4, 4, 3)`, "
    "`kernel shape=(5, 5, 3, 8)`, `dilation_rate=[1 1]`, `strides=(0, 0)`, `padding=valid`.",
    "huge stride": "Computed output size would be negative: -1 [input_size: 1, effective_filter_size: 3, "
    "stride: 99999999999999999999] [Op:Conv2D]",
    "size 0": "Negative dimension size caused by subtracting 3 from 0 for '{{node Conv2D}} = Conv2D[T=DT_FLOAT, "
    "strides=[1, 1, 1, 1]](x, k)' with input shapes: [1,0,0,3], [3,3,3,2].",
    "empty shapes": "Inputs have incompatible shapes. Received shapes () and ()",
    "5,000 digits": "Computed output size would be negative: -1 [input_size: "
    + "9" * 5000
    + ", effective_filter_size: 3, stride: 1] [Op:Conv2D]",
    "axis out of range": "Input 0 with name 'None' of layer 'conv2d' is incompatible with the layer: expected axis -9 "
    "of input shape to have value 3, but received input with shape (1, 8, 8, 1)",
    "rank 10**9": "Input 0 with name 'None' of layer 'conv2d' is incompatible with the layer: expected min_ndim="
    "1000000000, found ndim=3. Full shape received: (None, 28, 28)",
    "kernel without spatial axes": "Computed output size would be zero or negative. Received `inputs shape=(None, 3)`, "
    "`kernel shape=(3, 8)`, `dilation_rate=[]`, `strides=()`, `padding=valid`.",
    "ragged concatenate": "A `Concatenate` layer requires inputs with matching shapes except for the concatenation "
    "axis. Received: input_shape=[(None, 16, 16, 32), (None, 14)]",
}


@pytest.mark.parametrize("message", ODD_MESSAGES.values(), ids=ODD_MESSAGES.keys())
def test_numbers_that_make_no_sense_give_none(message):
    assert explain_error(ValueError(message)) is None


def test_explained_keeps_the_learners_error_if_convkit_itself_fails(monkeypatch):
    import convkit.adapters.errors as errors

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug in convkit")

    monkeypatch.setattr(errors, "explain_error", broken)
    original = ValueError("Inputs have incompatible shapes. Received shapes (8, 8, 3) and (4, 4, 3)")
    with pytest.raises(ValueError) as info:
        with convkit.explained(show=False):
            raise original
    assert info.value is original and not isinstance(info.value, ShapeError)
