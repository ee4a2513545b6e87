"""Transposed convolutions: ``Conv1DTranspose``, ``Conv2DTranspose``, ``Conv3DTranspose`` (Keras 3.15 arguments).

Keras picks the output size from ``padding`` and ``output_padding`` (see :func:`convkit.core.axis.transposed_axis`):

>>> Conv2DTranspose(8, 3, strides=2, padding="same").compute_output_shape((None, 7, 7, 16))
(None, 14, 14, 8)
>>> Conv2DTranspose(8, 3, strides=2, padding="same", output_padding=0).compute_output_shape((None, 7, 7, 16))
(None, 13, 13, 8)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..args import (
    check_positive_int,
    normalize_data_format,
    normalize_padding,
    normalize_tuple,
)
from ..axis import TransposedAxis, transposed_axis
from ..spec import LayerKind
from ..words import short_repr
from . import _checks as checks
from .base import Shape
from .window import WindowLayer, kernel_volume, product_text

__all__ = ["Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose"]


class _ConvTranspose(WindowLayer):
    window = LayerKind.TRANSPOSE
    _always = ("padding",)
    #: set with the other weight options by ``_set_weight_options`` (they never change a shape)
    activation: Any
    use_bias: bool

    def __init__(
        self,
        filters: int,
        kernel_size: int | Sequence[int],
        strides: int | Sequence[int] = 1,
        padding: str = "valid",
        output_padding: int | Sequence[int] | None = None,
        data_format: str | None = None,
        dilation_rate: int | Sequence[int] = 1,
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
        cls = type(self).__name__
        self.filters = check_positive_int(filters, "filters")
        self.kernel_size = normalize_tuple(kernel_size, self.rank, "kernel_size")
        self.strides = normalize_tuple(strides, self.rank, "strides")
        if isinstance(padding, str) and padding.lower() == "causal":
            raise ValueError(
                f'`padding="causal"` exists only for Conv1D; {cls} accepts "valid" or "same". '
                f"Received: padding={short_repr(padding)}"
            )
        self.padding = normalize_padding(padding)
        self.output_padding = (
            None
            if output_padding is None
            else normalize_tuple(output_padding, self.rank, "output_padding", allow_zero=True)
        )
        self.data_format = normalize_data_format(data_format)
        self.dilation_rate = normalize_tuple(dilation_rate, self.rank, "dilation_rate")
        if self.output_padding is not None:
            for i, (op, s) in enumerate(zip(self.output_padding, self.strides)):
                if op >= s:
                    raise ValueError(
                        f"`output_padding` must be smaller than `strides` on every axis; on axis {i} it is {op} "
                        f"but the stride is {s}. It only picks one of the {s} sizes a stride-{s} convolution maps "
                        f"to the same output; use output_padding=None to let Keras choose. "
                        f"Received: output_padding={self.output_padding}, strides={self.strides}"
                    )
        checks.check_strides_dilation(self.strides, self.dilation_rate, cls)
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

    def _axis(self, size: int | None, index: int, name: str) -> TransposedAxis:
        op = None if self.output_padding is None else self.output_padding[index]
        return transposed_axis(
            size, self.kernel_size[index], self.strides[index], self.padding, op, self.dilation_rate[index], axis=name
        )

    def _output_channels(self, channels: int | None) -> int:
        return self.filters

    def _window_notes(self) -> tuple[str, ...]:
        """TensorFlow cannot run padding="same" with output_padding when k_eff mod 2 + output_padding = 0.

        Keras' size ``(n - 1)·s`` maps back to ``n - 1`` inputs under "same", so TensorFlow's kernel raises
        "Size of out_backprop doesn't match computed" for every input (other Keras backends run it).
        """
        if self.padding != "same" or self.output_padding is None:
            return ()
        notes = []
        for i, (k, d, op) in enumerate(zip(self.kernel_size, self.dilation_rate, self.output_padding)):
            k_eff = (k - 1) * d + 1
            if k_eff % 2 + op == 0:
                notes.append(
                    f"warning: with the TensorFlow backend this layer fails when run: on axis {i} the even kernel "
                    f'(k_eff={k_eff}) and output_padding=0 give (n - 1)·s, which "same" maps back to n - 1 '
                    f"inputs, not n. Use output_padding=None, or output_padding >= 1 with strides >= 2"
                )
        return tuple(notes)

    def _channels_note(self, channels: int | None) -> str:
        if channels is None:
            return f"channels: filters = {self.filters} (each kernel's depth will equal the input's channels)"
        return f"channels: filters = {self.filters} (the kernel's depth {channels} must equal the input's channels {channels})"

    def _weights(self, shape: Shape) -> tuple[int, ...]:
        return (*self.kernel_size, self.filters, self._require_channels(shape))

    def count_params(self, input_shape: Any) -> int:
        shape = self._input(input_shape)
        self.compute_output_shape(shape)
        return kernel_volume(self._weights(shape)) + (self.filters if self.use_bias else 0)

    def _params_note(self, shape: Shape) -> str | None:
        _, channels, _ = self._split(shape)
        if channels is None:
            return None
        bias = f" + {self.filters}" if self.use_bias else ""
        return f"params: {product_text(self._weights(shape))}{bias} = {self.count_params(shape)}"


class Conv1DTranspose(_ConvTranspose):
    """``keras.layers.Conv1DTranspose``: input ``(batch, length, channels)``."""

    rank = 1


class Conv2DTranspose(_ConvTranspose):
    """``keras.layers.Conv2DTranspose``: input ``(batch, height, width, channels)``.

    >>> print(Conv2DTranspose(8, 3, strides=2).explain((1, 7, 7, 4)).axes[0])
    height: (7 - 1)·2 + 3 + 0 = 15
    """

    rank = 2


class Conv3DTranspose(_ConvTranspose):
    """``keras.layers.Conv3DTranspose`` (note Keras' order: ``data_format`` comes before ``output_padding``)."""

    rank = 3

    def __init__(
        self,
        filters: int,
        kernel_size: int | Sequence[int],
        strides: int | Sequence[int] = (1, 1, 1),
        padding: str = "valid",
        data_format: str | None = None,
        output_padding: int | Sequence[int] | None = None,
        dilation_rate: int | Sequence[int] = (1, 1, 1),
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
        super().__init__(
            filters,
            kernel_size,
            strides=strides,
            padding=padding,
            output_padding=output_padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint,
            name=name,
            **kwargs,
        )
