"""Reading a convkit or Keras transposed convolution / upsampling layer into ``TransposedKernelTraversal`` settings.

Only the class name and ``get_config()`` are read, so a Keras layer is understood without importing TensorFlow.
"""

from __future__ import annotations

from typing import Any

from ..core.args import normalize_shape

__all__ = ["TRANSPOSED", "SUPPORTED", "is_transposed", "transposed_settings"]

#: The class names ``TransposedKernelTraversal.from_layer`` draws.
TRANSPOSED = ("Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose", "UpSampling1D", "UpSampling2D")
SUPPORTED = "Conv1DTranspose, Conv2DTranspose, Conv3DTranspose (one plane at a time), UpSampling1D and UpSampling2D"


def is_transposed(layer: Any) -> bool:
    """Whether ``layer`` is one of :data:`TRANSPOSED` (by class name)."""
    return type(layer).__name__ in TRANSPOSED


def transposed_settings(layer: Any, input_shape: Any) -> dict[str, Any]:
    """Keyword arguments for a convkit/Keras layer applied to ``input_shape`` (batch dimension optional).

    >>> from convkit.core.layers import UpSampling2D
    >>> transposed_settings(UpSampling2D(2, interpolation="bilinear"), (4, 4, 3))["interpolation"]
    'bilinear'
    """
    name = type(layer).__name__
    if name not in TRANSPOSED or not hasattr(layer, "get_config"):
        raise TypeError(f"TransposedKernelTraversal.from_layer draws {SUPPORTED}. Received: layer of type {name}")
    rank = int(name[name.index("D") - 1]) if name.startswith("Conv") else int(name[-2])
    config = dict(layer.get_config())
    shape = normalize_shape(input_shape, name="input_shape")
    if len(shape) == rank + 2:
        shape = shape[1:]
    if len(shape) != rank + 1:
        axes = ("length", "height, width", "depth, height, width")[rank - 1]
        raise ValueError(
            f"`input_shape` of a {name} must be (batch, {axes}, channels) (batch optional). "
            f"Received: input_shape={shape!r}"
        )
    first = (config.get("data_format") or "channels_last") == "channels_first"
    spatial, channels = (shape[1:], shape[0]) if first else (shape[:-1], shape[-1])
    if any(s is None for s in spatial) or channels is None:
        raise ValueError(
            f"`input_shape` needs known spatial sizes and channels to draw. Received: input_shape={shape!r}"
        )
    settings: dict[str, Any] = {"input_size": tuple(spatial), "in_channels": channels}
    if name.startswith("UpSampling"):
        size = config.get("size", 2)
        settings.update(
            operation="upsample",
            strides=size,
            kernel_size=size,
            interpolation=config.get("interpolation", "nearest"),
        )
        return settings
    settings.update(
        kernel_size=config["kernel_size"],
        strides=config.get("strides", 1),
        padding=config.get("padding", "valid"),
        output_padding=config.get("output_padding"),
        dilation_rate=config.get("dilation_rate", 1),
        filters=config["filters"],
    )
    return settings
