"""Keras-mirroring layer specs: the constructor arguments of ``keras.layers.<Name>`` (Keras 3.15), answering
shape questions without TensorFlow.

>>> from convkit.core.layers import Conv2D
>>> Conv2D(32, 3, strides=2, padding="valid").compute_output_shape((3, 28, 28, 3))
(3, 13, 13, 32)

``LAYERS`` maps every supported Keras class name to its spec class (used by the Keras adapter).
"""

from __future__ import annotations

from .base import Layer, SpatialLayer
from .conv import (
    Conv1D,
    Conv2D,
    Conv3D,
    DepthwiseConv1D,
    DepthwiseConv2D,
    SeparableConv1D,
    SeparableConv2D,
)
from .core_layers import (
    Activation,
    BatchNormalization,
    Dense,
    Dropout,
    LayerNormalization,
    ReLU,
)
from .pooling import (
    AveragePooling1D,
    AveragePooling2D,
    AveragePooling3D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAveragePooling3D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    GlobalMaxPooling3D,
    MaxPooling1D,
    MaxPooling2D,
    MaxPooling3D,
)
from .reshaping import (
    Cropping1D,
    Cropping2D,
    Cropping3D,
    Flatten,
    Reshape,
    UpSampling1D,
    UpSampling2D,
    UpSampling3D,
    ZeroPadding1D,
    ZeroPadding2D,
    ZeroPadding3D,
)
from .transpose import Conv1DTranspose, Conv2DTranspose, Conv3DTranspose
from .window import WindowLayer

LAYER_NAMES = (
    "Conv1D", "Conv2D", "Conv3D",
    "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
    "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D",
    "MaxPooling1D", "MaxPooling2D", "MaxPooling3D",
    "AveragePooling1D", "AveragePooling2D", "AveragePooling3D",
    "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
    "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
    "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D",
    "Cropping1D", "Cropping2D", "Cropping3D",
    "UpSampling1D", "UpSampling2D", "UpSampling3D",
    "Flatten", "Dense", "Reshape",
    "Activation", "ReLU", "Dropout", "BatchNormalization", "LayerNormalization",
)  # fmt: skip

#: Keras class name → convkit layer spec class
LAYERS: dict[str, type[Layer]] = {name: globals()[name] for name in LAYER_NAMES}

# written out (not ``*LAYER_NAMES``) so type checkers see every class as exported
__all__ = [
    "Layer", "SpatialLayer", "WindowLayer", "LAYERS", "LAYER_NAMES",
    "Conv1D", "Conv2D", "Conv3D",
    "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
    "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D",
    "MaxPooling1D", "MaxPooling2D", "MaxPooling3D",
    "AveragePooling1D", "AveragePooling2D", "AveragePooling3D",
    "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
    "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
    "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D",
    "Cropping1D", "Cropping2D", "Cropping3D",
    "UpSampling1D", "UpSampling2D", "UpSampling3D",
    "Flatten", "Dense", "Reshape",
    "Activation", "ReLU", "Dropout", "BatchNormalization", "LayerNormalization",
]  # fmt: skip
