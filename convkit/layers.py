"""``convkit.layers``: Keras-mirroring layer specs, e.g. ``convkit.layers.Conv2D(32, 3, strides=2)``.

Every class takes the same arguments as ``keras.layers.<Name>`` in Keras 3.15 and answers, without TensorFlow,
``compute_output_shape``, ``count_params``, ``explain``, ``spatial_axes``, ``to_keras_code``. The merge layers
(``Add``, ``Concatenate``, ...) combine branches in a hand-built :class:`convkit.LayerStack`.

>>> from convkit import layers
>>> layers.Conv2D(32, 3, strides=2, padding="valid").compute_output_shape((3, 28, 28, 3))
(3, 13, 13, 32)
>>> print(layers.Conv2D(64, 3, padding="same").explain((3, 13, 13, 32)).axes[0])
height: ceil(13 / 1) = 13; padding max((13 - 1)·1 + 3 - 13, 0) = 2 → before 1, after 1
"""

from __future__ import annotations

from .core.layers import (
    LAYERS,
    Activation,
    AveragePooling1D,
    AveragePooling2D,
    AveragePooling3D,
    BatchNormalization,
    Conv1D,
    Conv1DTranspose,
    Conv2D,
    Conv2DTranspose,
    Conv3D,
    Conv3DTranspose,
    Cropping1D,
    Cropping2D,
    Cropping3D,
    Dense,
    DepthwiseConv1D,
    DepthwiseConv2D,
    Dropout,
    Flatten,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAveragePooling3D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    GlobalMaxPooling3D,
    Layer,
    LayerNormalization,
    MaxPooling1D,
    MaxPooling2D,
    MaxPooling3D,
    ReLU,
    Reshape,
    SeparableConv1D,
    SeparableConv2D,
    UpSampling1D,
    UpSampling2D,
    UpSampling3D,
    ZeroPadding1D,
    ZeroPadding2D,
    ZeroPadding3D,
)

from .core.merge import MERGE_LAYERS, Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract

__all__ = ["Layer", "LAYERS", "MERGE_LAYERS", *LAYERS, *MERGE_LAYERS]
