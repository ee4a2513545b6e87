"""Pooling: ``MaxPooling1D/2D/3D``, ``AveragePooling1D/2D/3D`` and the ``Global*Pooling*`` layers.

A pooling window is a convolution window without weights or dilation whose stride defaults to the pool size:

>>> MaxPooling2D().compute_output_shape((None, 13, 13, 32))
(None, 6, 6, 32)
>>> GlobalAveragePooling2D(keepdims=True).compute_output_shape((None, 7, 7, 64))
(None, 1, 1, 64)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..args import axis_names, normalize_data_format, normalize_tuple
from ..axis import ConvAxis, pool_axis
from ..explain import AxisEntry
from ..spec import LayerKind
from ..words import short_repr
from ._checks import check_bool
from .base import Shape, SpatialLayer
from .window import WindowLayer

__all__ = [
    "MaxPooling1D",
    "MaxPooling2D",
    "MaxPooling3D",
    "AveragePooling1D",
    "AveragePooling2D",
    "AveragePooling3D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "GlobalMaxPooling3D",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalAveragePooling3D",
]


def _pool_padding(value: Any) -> str:
    """Keras' pooling layers do not lower-case ``padding``: only ``"valid"`` and ``"same"`` work."""
    if not isinstance(value, str):
        raise TypeError(
            f'Pooling `padding` must be the string "valid" or "same". Received: padding={short_repr(value)}'
        )
    if value not in ("valid", "same"):
        hint = f' Keras pooling layers only accept lower case: write padding="{value.lower()}".' * (
            value.lower() in ("valid", "same")
        )
        raise ValueError(f'Pooling `padding` must be "valid" or "same".{hint} Received: padding={short_repr(value)}')
    return value


class _Pooling(WindowLayer):
    window = LayerKind.POOL
    mode = "max"
    _needs_channels = False
    _always = ("padding",)
    _positional = ("pool_size",)

    def __init__(
        self,
        pool_size: int | Sequence[int],
        strides: int | Sequence[int] | None = None,
        padding: str = "valid",
        data_format: str | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, **kwargs)
        self.pool_size = normalize_tuple(pool_size, self.rank, "pool_size")
        self.strides_defaulted = strides is None
        self.strides = self.pool_size if strides is None else normalize_tuple(strides, self.rank, "strides")
        self.padding = _pool_padding(padding)
        self.data_format = normalize_data_format(data_format)

    def _axis(self, size: int | None, index: int, name: str) -> ConvAxis:
        return pool_axis(size, self.pool_size[index], self.strides[index], self.padding, axis=name)

    def _window_notes(self) -> tuple[str, ...]:
        if self.strides_defaulted:
            return (f"strides default to pool_size: strides = {self.pool_size}",)
        return ()

    def _channels_note(self, channels: int | None) -> str:
        what = "maximum" if self.mode == "max" else "average"
        return f"channels: unchanged ({channels}): each window's {what} is taken per channel; no weights"


class _Average(_Pooling):
    mode = "average"


class MaxPooling1D(_Pooling):
    """``keras.layers.MaxPooling1D``: input ``(batch, length, channels)``."""

    rank = 1

    def __init__(
        self,
        pool_size: int | Sequence[int] = 2,
        strides: int | Sequence[int] | None = None,
        padding: str = "valid",
        data_format: str | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(pool_size, strides, padding, data_format, name, **kwargs)


class MaxPooling2D(_Pooling):
    """``keras.layers.MaxPooling2D``: input ``(batch, height, width, channels)``."""

    rank = 2

    def __init__(
        self,
        pool_size: int | Sequence[int] = (2, 2),
        strides: int | Sequence[int] | None = None,
        padding: str = "valid",
        data_format: str | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(pool_size, strides, padding, data_format, name, **kwargs)


class MaxPooling3D(_Pooling):
    """``keras.layers.MaxPooling3D``: input ``(batch, depth, height, width, channels)``."""

    rank = 3

    def __init__(
        self,
        pool_size: int | Sequence[int] = (2, 2, 2),
        strides: int | Sequence[int] | None = None,
        padding: str = "valid",
        data_format: str | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(pool_size, strides, padding, data_format, name, **kwargs)


class AveragePooling1D(_Average):
    """``keras.layers.AveragePooling1D`` (``pool_size`` is required in Keras 3)."""

    rank = 1


class AveragePooling2D(_Average):
    """``keras.layers.AveragePooling2D`` (``pool_size`` is required in Keras 3)."""

    rank = 2


class AveragePooling3D(_Average):
    """``keras.layers.AveragePooling3D`` (``pool_size`` is required in Keras 3)."""

    rank = 3


class _GlobalPooling(SpatialLayer):
    window = LayerKind.GLOBAL_POOL
    mode = "max"

    def __init__(self, data_format: str | None = None, keepdims: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format)
        self.keepdims = check_bool(keepdims, "keepdims")

    def compute_output_shape(self, input_shape: Any) -> Shape:
        shape, channels, _ = self._split(input_shape)
        if self.keepdims:
            return self._join(shape[0], (1,) * self.rank, channels)
        return (shape[0], channels)

    def _explain_entries(self, shape: Shape) -> tuple[tuple[AxisEntry, ...], tuple[str, ...]]:
        _, channels, spatial = self._split(shape)
        what = "max" if self.mode == "max" else "mean"
        result = "1 (keepdims=True)" if self.keepdims else "removed"
        entries = tuple(
            AxisEntry(name, f"{what} over all {size} → {result}", 1 if self.keepdims else None)
            for name, size in zip(axis_names(self.rank), spatial)
        )
        return entries, (f"channels: unchanged ({channels}): one {what} per channel; no weights",)


class _GlobalAverage(_GlobalPooling):
    mode = "average"


class GlobalMaxPooling1D(_GlobalPooling):
    """``keras.layers.GlobalMaxPooling1D``: ``(batch, length, channels)`` → ``(batch, channels)``."""

    rank = 1


class GlobalMaxPooling2D(_GlobalPooling):
    """``keras.layers.GlobalMaxPooling2D``: ``(batch, height, width, channels)`` → ``(batch, channels)``."""

    rank = 2


class GlobalMaxPooling3D(_GlobalPooling):
    """``keras.layers.GlobalMaxPooling3D``: ``(batch, depth, height, width, channels)`` → ``(batch, channels)``."""

    rank = 3


class GlobalAveragePooling1D(_GlobalAverage):
    """``keras.layers.GlobalAveragePooling1D``: ``(batch, length, channels)`` → ``(batch, channels)``."""

    rank = 1


class GlobalAveragePooling2D(_GlobalAverage):
    """``keras.layers.GlobalAveragePooling2D``: ``(batch, height, width, channels)`` → ``(batch, channels)``."""

    rank = 2


class GlobalAveragePooling3D(_GlobalAverage):
    """``keras.layers.GlobalAveragePooling3D``: ``(batch, depth, height, width, channels)`` → ``(batch, channels)``."""

    rank = 3
