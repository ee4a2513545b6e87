"""Convolutions: ``Conv1D/2D/3D``, ``DepthwiseConv1D/2D`` and ``SeparableConv1D/2D`` (Keras 3.15 arguments).

>>> Conv2D(32, 3, strides=2, padding="valid").compute_output_shape((3, 28, 28, 3))
(3, 13, 13, 32)
>>> DepthwiseConv2D(3, depth_multiplier=2).compute_output_shape((None, 8, 8, 4))
(None, 6, 6, 8)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..args import (
    check_nonnegative_int,
    check_positive_int,
    normalize_data_format,
    normalize_tuple,
)
from ..axis import ConvAxis, conv_axis
from ..spec import LayerKind
from ..words import count
from . import _checks as checks
from .base import Shape
from .window import WindowLayer, kernel_volume, product_text

__all__ = [
    "Conv1D",
    "Conv2D",
    "Conv3D",
    "DepthwiseConv1D",
    "DepthwiseConv2D",
    "SeparableConv1D",
    "SeparableConv2D",
]


class _ConvWindow(WindowLayer):
    """Arguments shared by every non-transposed convolution, normalised once."""

    _always = ("padding",)
    _causal_ok = False
    #: set with the other weight options by ``_set_weight_options`` (they never change a shape)
    activation: Any
    use_bias: bool

    def _set_window(self, kernel_size: Any, strides: Any, padding: Any, data_format: Any, dilation_rate: Any) -> None:
        self.kernel_size = normalize_tuple(kernel_size, self.rank, "kernel_size")
        self.strides = normalize_tuple(strides, self.rank, "strides")
        self.padding = checks.conv_padding(padding, type(self).__name__, causal=self._causal_ok)
        self.data_format = normalize_data_format(data_format)
        self.dilation_rate = normalize_tuple(dilation_rate, self.rank, "dilation_rate")

    def _axis(self, size: int | None, index: int, name: str) -> ConvAxis:
        return conv_axis(
            size, self.kernel_size[index], self.strides[index], self.padding, self.dilation_rate[index], axis=name
        )

    def _bias(self, count: int) -> int:
        return count if self.use_bias else 0


class _Conv(_ConvWindow):
    window = LayerKind.CONV
    _extra_kwargs = ("lora_rank", "lora_alpha")

    def __init__(
        self,
        filters: int,
        kernel_size: int | Sequence[int],
        strides: int | Sequence[int] = 1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate: int | Sequence[int] = 1,
        groups: int = 1,
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        *,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, **kwargs)
        self.filters = check_positive_int(filters, "filters")
        self._set_window(kernel_size, strides, padding, data_format, dilation_rate)
        self.groups = check_positive_int(groups, "groups")
        if self.filters % self.groups:
            raise ValueError(
                f"The number of filters must be divisible by the number of groups: each of the {self.groups} "
                f"groups makes filters / groups output channels. Choose filters as a multiple of {self.groups}. "
                f"Received: filters={self.filters}, groups={self.groups}"
            )
        checks.check_strides_dilation(self.strides, self.dilation_rate, type(self).__name__)
        self._set_weight_options(
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint,
        )
        if kwargs.get("lora_rank") is not None:
            check_nonnegative_int(kwargs["lora_rank"], "lora_rank")

    def _check_channels(self, channels: int | None, shape: Shape) -> None:
        super()._check_channels(channels, shape)  # refuses None: a kernel needs the channels
        if channels is not None and channels % self.groups:
            raise ValueError(
                f"{self.label}: the input's {count(channels, 'channel')} cannot be split into groups={self.groups} equal "
                f"groups. Use a groups value that divides {channels}, or change the previous layer's channels. "
                f"Received: input_shape={shape}, groups={self.groups}"
            )

    def _output_channels(self, channels: int | None) -> int:
        return self.filters

    def _channels_note(self, channels: int | None) -> str:
        if channels is None:
            return f"channels: filters = {self.filters} (each kernel's depth will equal the input's channels)"
        if self.groups == 1:
            return f"channels: filters = {self.filters} (the kernel's depth {channels} must equal the input's channels {channels})"
        return (
            f"channels: filters = {self.filters} (groups={self.groups}: each kernel has depth "
            f"{channels} / {self.groups} = {channels // self.groups})"
        )

    def _weights(self, shape: Shape) -> tuple[tuple[int, ...], int, int]:
        depth = self._require_channels(shape) // self.groups
        weights = (*self.kernel_size, depth, self.filters)
        lora = self._base_kwargs.get("lora_rank") or 0
        extra = lora * (kernel_volume(self.kernel_size) * depth + self.filters)
        return weights, self._bias(self.filters), extra

    def count_params(self, input_shape: Any) -> int:
        shape = self._input(input_shape)
        self.compute_output_shape(shape)
        weights, bias, extra = self._weights(shape)
        return kernel_volume(weights) + bias + extra

    def _params_note(self, shape: Shape) -> str | None:
        _, channels, _ = self._split(shape)
        if channels is None:
            return None
        weights, bias, extra = self._weights(shape)
        bias_text = f" + {bias}" if bias else ""
        lora_text = f" + {extra} (LoRA)" if extra else ""
        return f"params: {product_text(weights)}{bias_text}{lora_text} = {kernel_volume(weights) + bias + extra}"


class Conv1D(_Conv):
    """``keras.layers.Conv1D``: input ``(batch, length, channels)``; ``padding="causal"`` allowed."""

    rank = 1
    _causal_ok = True


class Conv2D(_Conv):
    """``keras.layers.Conv2D``: input ``(batch, height, width, channels)``.

    >>> print(Conv2D(32, 3, strides=2).explain((3, 28, 28, 3)).axes[0])
    height: floor((28 + 0 + 0 - 3) / 2) + 1 = 13
    """

    rank = 2


class Conv3D(_Conv):
    """``keras.layers.Conv3D``: input ``(batch, depth, height, width, channels)``."""

    rank = 3


def _tf_depthwise_note(layer: _ConvWindow) -> tuple[str, ...]:
    """TensorFlow's depthwise kernel runs only with equal height and width strides (Keras itself accepts others)."""
    if layer.rank == 2 and layer.strides[0] != layer.strides[1]:
        return (
            f"warning: with the TensorFlow backend this layer fails when run: TensorFlow's depthwise kernel "
            f"needs equal strides on height and width (strides={layer.strides})",
        )
    return ()


class _Depthwise(_ConvWindow):
    window = LayerKind.DEPTHWISE

    def __init__(
        self,
        kernel_size: int | Sequence[int],
        strides: int | Sequence[int] = 1,
        padding: str = "valid",
        depth_multiplier: int = 1,
        data_format: str | None = None,
        dilation_rate: int | Sequence[int] = 1,
        activation: Any = None,
        use_bias: bool = True,
        depthwise_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        depthwise_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        depthwise_constraint: Any = None,
        bias_constraint: Any = None,
        *,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, **kwargs)
        self._set_window(kernel_size, strides, padding, data_format, dilation_rate)
        self.depth_multiplier = check_positive_int(depth_multiplier, "depth_multiplier")
        self._set_weight_options(
            activation=activation,
            use_bias=use_bias,
            depthwise_initializer=depthwise_initializer,
            bias_initializer=bias_initializer,
            depthwise_regularizer=depthwise_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            depthwise_constraint=depthwise_constraint,
            bias_constraint=bias_constraint,
        )

    def _output_channels(self, channels: int | None) -> int | None:
        return None if channels is None else channels * self.depth_multiplier

    def _window_notes(self) -> tuple[str, ...]:
        return _tf_depthwise_note(self)

    def _channels_note(self, channels: int | None) -> str:
        dm = self.depth_multiplier
        if channels is None:
            return f"channels: input channels × depth_multiplier = None·{dm} = None"
        return (
            f"channels: input channels × depth_multiplier = {channels}·{dm} = {channels * dm} "
            f"(each input channel gets its own {dm} kernel{'s' if dm > 1 else ''}; channels are never mixed)"
        )

    def count_params(self, input_shape: Any) -> int:
        shape = self._input(input_shape)
        self.compute_output_shape(shape)
        out = self._require_channels(shape) * self.depth_multiplier
        return kernel_volume(self.kernel_size) * out + self._bias(out)

    def _params_note(self, shape: Shape) -> str | None:
        _, channels, _ = self._split(shape)
        if channels is None:
            return None
        weights = (*self.kernel_size, channels, self.depth_multiplier)
        bias = self._bias(channels * self.depth_multiplier)
        return f"params: {product_text(weights)}{f' + {bias}' if bias else ''} = {self.count_params(shape)}"


class DepthwiseConv1D(_Depthwise):
    """``keras.layers.DepthwiseConv1D``: one kernel per input channel (Keras 3 refuses ``padding="causal"``)."""

    rank = 1


class DepthwiseConv2D(_Depthwise):
    """``keras.layers.DepthwiseConv2D``: one kernel per input channel, ``depth_multiplier`` outputs each."""

    rank = 2


class _Separable(_ConvWindow):
    window = LayerKind.SEPARABLE

    def __init__(
        self,
        filters: int,
        kernel_size: int | Sequence[int],
        strides: int | Sequence[int] = 1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate: int | Sequence[int] = 1,
        depth_multiplier: int = 1,
        activation: Any = None,
        use_bias: bool = True,
        depthwise_initializer: Any = "glorot_uniform",
        pointwise_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        depthwise_regularizer: Any = None,
        pointwise_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        depthwise_constraint: Any = None,
        pointwise_constraint: Any = None,
        bias_constraint: Any = None,
        *,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, **kwargs)
        self.filters = check_positive_int(filters, "filters")
        self._set_window(kernel_size, strides, padding, data_format, dilation_rate)
        self.depth_multiplier = check_positive_int(depth_multiplier, "depth_multiplier")
        self._set_weight_options(
            activation=activation,
            use_bias=use_bias,
            depthwise_initializer=depthwise_initializer,
            pointwise_initializer=pointwise_initializer,
            bias_initializer=bias_initializer,
            depthwise_regularizer=depthwise_regularizer,
            pointwise_regularizer=pointwise_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            depthwise_constraint=depthwise_constraint,
            pointwise_constraint=pointwise_constraint,
            bias_constraint=bias_constraint,
        )

    def _output_channels(self, channels: int | None) -> int:
        return self.filters

    def _window_notes(self) -> tuple[str, ...]:
        return _tf_depthwise_note(self)

    def _channels_note(self, channels: int | None) -> str:
        dm = self.depth_multiplier
        middle = "None" if channels is None else str(channels * dm)
        return (
            f"channels: filters = {self.filters} (depthwise step: {channels}·{dm} = {middle} channels, "
            f"then a 1×1 pointwise convolution to {self.filters})"
        )

    def _parts(self, shape: Shape) -> tuple[tuple[int, ...], tuple[int, ...], int]:
        channels = self._require_channels(shape)
        depthwise = (*self.kernel_size, channels, self.depth_multiplier)
        pointwise = (channels * self.depth_multiplier, self.filters)
        return depthwise, pointwise, self._bias(self.filters)

    def count_params(self, input_shape: Any) -> int:
        shape = self._input(input_shape)
        self.compute_output_shape(shape)
        depthwise, pointwise, bias = self._parts(shape)
        return kernel_volume(depthwise) + kernel_volume(pointwise) + bias

    def _params_note(self, shape: Shape) -> str | None:
        _, channels, _ = self._split(shape)
        if channels is None:
            return None
        depthwise, pointwise, bias = self._parts(shape)
        text = f"params: {product_text(depthwise)} + {product_text(pointwise)}{f' + {bias}' if bias else ''}"
        return f"{text} = {self.count_params(shape)}"


class SeparableConv1D(_Separable):
    """``keras.layers.SeparableConv1D``: a depthwise convolution then a 1×1 convolution to ``filters``."""

    rank = 1


class SeparableConv2D(_Separable):
    """``keras.layers.SeparableConv2D``: a depthwise convolution then a 1×1 convolution to ``filters``."""

    rank = 2
