"""Reading a convkit or Keras layer into :class:`~convkit.widgets.traversal.KernelTraversal` settings.

Only the class name, ``get_config()`` and (for ``numbers="weights"``) ``get_weights()`` are read, so a Keras layer
is understood without importing TensorFlow.
"""

from __future__ import annotations

from typing import Any

from ..core.args import normalize_shape

__all__ = ["SUPPORTED", "layer_numbers", "layer_settings"]

#: The layers ``KernelTraversal.from_layer`` draws.
SUPPORTED = (
    "Conv1D, Conv2D, DepthwiseConv1D/2D, SeparableConv1D/2D (its depthwise part), "
    "MaxPooling1D/2D and AveragePooling1D/2D"
)
_FAMILIES = {
    "Conv": "conv",
    "DepthwiseConv": "depthwise",
    "SeparableConv": "separable",
    "MaxPooling": "max",
    "MaxPool": "max",
    "AveragePooling": "average",
    "AvgPool": "average",
}


def layer_settings(layer: Any, input_shape: Any) -> dict[str, Any]:
    """``KernelTraversal`` keyword arguments for a convkit/Keras layer applied to ``input_shape``."""
    name = type(layer).__name__
    base, rank = name[:-2], name[-2:]
    if rank not in ("1D", "2D") or base not in _FAMILIES or not hasattr(layer, "get_config"):
        raise TypeError(f"KernelTraversal.from_layer draws {SUPPORTED}. Received: layer of type {name}")
    config = dict(layer.get_config())
    rank_n = int(rank[0])
    shape = normalize_shape(input_shape, name="input_shape")  # a clear refusal for anything but a shape
    if len(shape) == rank_n + 2:
        shape = shape[1:]
    if len(shape) != rank_n + 1:
        raise ValueError(
            f"`input_shape` of a {name} must be (batch, {'length' if rank_n == 1 else 'height, width'}, channels) "
            f"(batch optional). Received: input_shape={shape!r}"
        )
    first = (config.get("data_format") or "channels_last") == "channels_first"
    spatial, channels = (shape[1:], shape[0]) if first else (shape[:-1], shape[-1])
    if any(s is None for s in spatial) or channels is None:
        raise ValueError(
            f"`input_shape` needs known spatial sizes and channels to draw. Received: input_shape={shape!r}"
        )
    family = _FAMILIES[base]
    settings: dict[str, Any] = {
        "input_size": tuple(spatial),
        "in_channels": channels,
        "padding": config.get("padding", "valid"),
    }
    if family in ("max", "average"):
        pool_size = config["pool_size"]
        strides = config.get("strides")
        settings.update(kernel_size=pool_size, strides=pool_size if strides is None else strides, operation=family)
        return settings
    settings.update(
        kernel_size=config["kernel_size"],
        strides=config.get("strides", 1),
        dilation_rate=config.get("dilation_rate", 1),
        kind=family,
    )
    if family == "conv":
        settings.update(filters=config["filters"], groups=config.get("groups", 1))
    else:
        settings["depth_multiplier"] = config.get("depth_multiplier", 1)
        if family == "separable":
            settings["filters"] = config["filters"]
    return settings


def layer_numbers(layer: Any, settings: dict[str, Any]) -> tuple[Any, ...] | bool:
    """``numbers`` for ``from_layer(..., numbers="weights")``: demo input values (every channel) and the built
    Keras layer's own weights, from ``layer.get_weights()`` (no TensorFlow import); pooling has none (``True``)."""
    from ._traversal_params import TraversalParams, demo_numbers

    if settings.get("operation", "conv") != "conv":
        return True
    name = type(layer).__name__
    get_weights = getattr(layer, "get_weights", None)
    if not callable(get_weights):
        raise TypeError(
            f'numbers="weights" reads a built Keras layer\'s weights (layer.get_weights()); a {name} has none. '
            f"Use numbers=True for demo values. Received: layer of type {name}"
        )
    weights = list(get_weights())
    if not weights:
        raise ValueError(
            f'numbers="weights" needs the {name}\'s weights, and it has none yet: build it first: '
            f"layer.build(shape) or call it on an input. Received: layer={getattr(layer, 'name', name)!r} (not built)"
        )
    x = demo_numbers(TraversalParams.create(**settings))[0]
    return (x, *weights)
