"""How many typical learner mistakes ``convkit.explain_error`` explains (issue 15): a script, not a test.

Each mistake of the catalogue is raised by real TensorFlow/Keras here (nothing pasted), then explained; the script
prints one line per mistake, then "explained K of N (P%)" and the families with mistakes left unexplained. A mistake
that raises nothing on this machine (TF's oneDNN kernels differ between processors) is counted apart.

Run: ``python benchmarks/bench_error_coverage.py`` (``-v`` also prints every explanation's first line).
"""

from __future__ import annotations

import argparse
import os
from collections import defaultdict

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from convkit.adapters.errors import explain_error  # noqa: E402

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


def functional(*steps):
    def run():
        x = inputs = keras.Input((16, 16, 8))
        for step in steps:
            x = step(inputs, x)

    return run


def fit_model(model, x, y, loss="mse"):
    def run():
        model.compile("adam", loss)
        model.fit(x, y, verbose=0)

    return run


@tf.function
def graph_conv(x, k):
    return tf.nn.conv2d(x, k, 1, "VALID")


def classifier():
    return seq(keras.Input((28, 28, 3)), K.Conv2D(4, 3), K.Flatten(), K.Dense(2))


CATALOGUE = [
    # rank
    ("rank", "grey images without a channel axis", lambda: seq(keras.Input((28, 28)), K.Conv2D(8, 3))),
    ("rank", "one image without a batch axis", lambda: K.Conv2D(8, 3)(z(28, 28, 1))),
    ("rank", "Conv3D on images", lambda: seq(keras.Input((28, 28, 3)), K.Conv3D(8, 3))),
    ("rank", "Conv1D on images", lambda: seq(keras.Input((28, 28, 3)), K.Conv1D(8, 3))),
    ("rank", "Conv2D on a sequence", lambda: seq(keras.Input((100, 8)), K.Conv2D(8, 3))),
    ("rank", "Conv2D on volumes", lambda: seq(keras.Input((8, 8, 8, 1)), K.Conv2D(8, 3))),
    ("rank", "MaxPooling2D on a sequence", lambda: seq(keras.Input((100, 8)), K.MaxPooling2D())),
    ("rank", "MaxPooling1D on images", lambda: seq(keras.Input((28, 28, 3)), K.MaxPooling1D())),
    (
        "rank",
        "conv after GlobalAveragePooling2D",
        lambda: seq(keras.Input((28, 28, 3)), K.GlobalAveragePooling2D(), K.Conv2D(8, 3)),
    ),
    ("rank", "conv after Dense", lambda: seq(keras.Input((28, 28, 3)), K.Flatten(), K.Dense(10), K.Conv2D(8, 3))),
    # depth
    ("depth", "conv reused on another depth", reused(K.Conv2D(8, 3), (1, 8, 8, 3), (1, 8, 8, 1))),
    ("depth", "DepthwiseConv2D reused", reused(K.DepthwiseConv2D(3), (1, 8, 8, 3), (1, 8, 8, 4))),
    ("depth", "groups not dividing the channels", lambda: seq(keras.Input((8, 8, 6)), K.Conv2D(8, 3, groups=4))),
    ("depth", "groups not dividing the filters", lambda: K.Conv2D(6, 3, groups=4)),
    (
        "depth",
        "tf.nn kernel depth (eager)",
        lambda: tf.nn.conv2d(tf.zeros((1, 8, 8, 3)), tf.zeros((3, 3, 4, 2)), 1, "VALID"),
    ),
    ("depth", "tf.nn kernel depth (tf.function)", lambda: graph_conv(tf.zeros((1, 8, 8, 3)), tf.zeros((3, 3, 4, 2)))),
    ("depth", "color images into a grey model", lambda: seq(keras.Input((8, 8, 1)), K.Conv2D(4, 3))(z(1, 8, 8, 3))),
    # size
    ("size", "kernel larger than the input", lambda: seq(keras.Input((4, 4, 3)), K.Conv2D(8, 5))),
    (
        "size",
        "dilated kernel larger than the input",
        lambda: seq(keras.Input((6, 6, 1)), K.Conv2D(8, 3, dilation_rate=3)),
    ),
    ("size", "pool larger than the input", lambda: seq(keras.Input((3, 3, 3)), K.MaxPooling2D(4))),
    ("size", "pool larger than the input, eager (oneDNN)", lambda: K.MaxPooling2D(4)(z(1, 3, 3, 1))),
    ("size", "tf.nn.max_pool2d larger than the input", lambda: tf.nn.max_pool2d(tf.zeros((1, 3, 3, 1)), 4, 4, "VALID")),
    (
        "size",
        "strided stack shrinks to nothing",
        lambda: seq(keras.Input((16, 16, 1)), *[K.Conv2D(4, 3, strides=2) for _ in range(4)]),
    ),
    (
        "size",
        "stack shrinks at predict time",
        lambda: seq(keras.Input((None, None, 1)), K.Conv2D(8, 3, strides=2), K.Conv2D(8, 3))(z(1, 4, 4, 1)),
    ),
    ("size", "cropping more than the size", lambda: seq(keras.Input((8, 8, 3)), K.Cropping2D(5))),
    ("size", "Cropping1D more than the length", lambda: seq(keras.Input((8, 3)), K.Cropping1D(5))),
    # merge
    ("merge", "Add after a valid conv", functional(lambda i, x: K.Add()([i, K.Conv2D(8, 3)(x)]))),
    ("merge", "Add with other channels", functional(lambda i, x: K.Add()([i, K.Conv2D(16, 3, padding="same")(x)]))),
    ("merge", "Concatenate after a valid conv", functional(lambda i, x: K.Concatenate()([i, K.Conv2D(8, 3)(x)]))),
    (
        "merge",
        "decoder not mirroring its encoder",
        functional(lambda i, x: K.Add()([i, K.Conv2DTranspose(8, 3, strides=2)(K.MaxPooling2D()(x))])),
    ),
    ("merge", "Reshape to another size", lambda: seq(keras.Input((28, 28, 1)), K.Reshape((10, 10)))),
    # dense
    ("dense", "predict on another image size", lambda: classifier().predict(z(2, 32, 32, 3), verbose=0)),
    ("dense", "fit on another image size", fit_model(classifier(), z(2, 32, 32, 3), z(2, 2))),
    ("dense", "Flatten of unknown size", lambda: seq(keras.Input((None, None, 3)), K.Flatten(), K.Dense(3))),
    (
        "dense",
        "Dense on a 4-D tensor, then fit",
        fit_model(
            seq(keras.Input((8, 8, 1)), K.Conv2D(4, 3), K.Dense(10)),
            z(2, 8, 8, 1),
            z(2, 10),
            "categorical_crossentropy",
        ),
    ),
    # arguments
    ("arguments", "kernel_size=0", lambda: K.Conv2D(8, 0)),
    ("arguments", "strides=-1", lambda: K.Conv2D(8, 3, strides=-1)),
    ("arguments", "filters=0", lambda: K.Conv2D(0, 3)),
    ("arguments", "padding='full'", lambda: K.Conv2D(8, 3, padding="full")),
    ("arguments", "padding typo", lambda: K.Conv2D(8, 3, padding="vaild")),
    ("arguments", "causal padding in Conv2D", lambda: K.Conv2D(8, 3, padding="causal")),
    ("arguments", "kernel_size tuple of 3 in Conv2D", lambda: K.Conv2D(8, (3, 3, 3))),
    ("arguments", "ZeroPadding2D entry of 3", lambda: K.ZeroPadding2D(((1, 2, 3), (1, 1)))),
    ("arguments", "Cropping2D tuple of 3", lambda: K.Cropping2D((1, 2, 3))),
    ("arguments", "output_padding >= strides", lambda: K.Conv2DTranspose(8, 3, strides=2, output_padding=2)),
    ("arguments", "strides with dilation", lambda: K.Conv2D(8, 3, strides=2, dilation_rate=2)),
    ("arguments", "pool_size=0", lambda: K.MaxPooling2D(0)),
    # tf.nn
    (
        "tfnn",
        "explicit padding, spatial pairs only",
        lambda: tf.nn.conv2d(tf.zeros((1, 8, 8, 3)), tf.zeros((3, 3, 3, 2)), 1, [[1, 1], [1, 1]]),
    ),
    (
        "tfnn",
        "tf.nn.conv2d kernel larger than the input",
        lambda: tf.nn.conv2d(tf.zeros((1, 3, 3, 1)), tf.zeros((5, 5, 1, 1)), 1, "VALID"),
    ),
    (
        "tfnn",
        "tf.nn.conv2d strides list of 3",
        lambda: tf.nn.conv2d(tf.zeros((1, 8, 8, 3)), tf.zeros((3, 3, 3, 2)), [1, 2, 2], "VALID"),
    ),
    # model
    (
        "model",
        "predict without a batch axis",
        lambda: seq(keras.Input((28, 28, 3)), K.Conv2D(4, 3)).predict(z(28, 28, 3), verbose=0),
    ),
    ("model", "labels of another shape than the output", fit_model(classifier(), z(2, 28, 28, 3), z(2, 5))),
    (
        "model",
        "predict on grey images, model built for colour",
        lambda: classifier().predict(z(2, 28, 28, 1), verbose=0),
    ),
    ("model", "channels_first conv on the CPU", lambda: K.Conv2D(4, 3, data_format="channels_first")(z(1, 3, 8, 8))),
    ("arguments", "UpSampling2D size 0", lambda: K.UpSampling2D(0)),
    ("arguments", "Dense(0)", lambda: K.Dense(0)),
    ("rank", "LSTM on images", lambda: seq(keras.Input((28, 28, 3)), K.LSTM(8))),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true")
    verbose = parser.parse_args().verbose
    explained, raised, silent = 0, 0, []
    missed: dict[str, list[str]] = defaultdict(list)
    for family, name, build in CATALOGUE:
        try:
            build()
        except Exception as exc:  # noqa: BLE001 - every error a mistake raises is what is measured
            raised += 1
            explanation = explain_error(exc)
            status = "explained" if explanation is not None else "NOT explained"
            if explanation is not None:
                explained += 1
            else:
                missed[family].append(f"{name} ({type(exc).__name__}: {str(exc).splitlines()[0][:70]})")
            line = f"{family:<10} {name:<48} {type(exc).__name__:<22} {status}"
            print(line + (f"\n           → {explanation.title[:110]}" if verbose and explanation else ""))
        else:
            silent.append(name)
            print(f"{family:<10} {name:<48} {'(no error on this CPU)':<22} -")
    print()
    print(f"explained {explained} of {raised} ({100 * explained / max(raised, 1):.0f}%)")
    if silent:
        print(f"raised nothing on this machine: {', '.join(silent)}")
    if missed:
        print("families not (fully) explained:")
        for family, names in missed.items():
            for name in names:
                print(f"  {family}: {name}")
    else:
        print("families not explained: none")


if __name__ == "__main__":
    main()
