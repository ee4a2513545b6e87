"""Shared behaviour of the sliding-window layers: convolutions (plain, depthwise, separable, transposed) and pooling.

Each spatial axis is one :class:`~convkit.core.axis.ConvAxis` or :class:`~convkit.core.axis.TransposedAxis`
from :mod:`convkit.core.axis`; output shapes, explanations and the trace's receptive fields all come from them.
"""

from __future__ import annotations

import math
from abc import abstractmethod
from typing import Any

from ..args import axis_names
from ..axis import ConvAxis, TransposedAxis
from ..explain import AxisEntry, axis_entry, unread_notes
from .base import Shape, SpatialLayer

__all__ = ["WindowLayer"]


class WindowLayer(SpatialLayer):
    """A layer with one window per spatial axis. Subclasses define ``_axis`` and ``_output_channels``."""

    @abstractmethod
    def _axis(self, size: int | None, index: int, name: str) -> ConvAxis | TransposedAxis:
        """Defined by each concrete layer."""

    def _output_channels(self, channels: int | None) -> int | None:
        return channels

    #: layers with weights need the input's channels to build their kernel (Keras refuses None there)
    _needs_channels = True

    def _check_channels(self, channels: int | None, shape: Shape) -> None:
        """Refuse channel counts the layer cannot take (None for weighted layers; subclasses add more)."""
        if channels is None and self._needs_channels:
            raise ValueError(
                f"{self.label} needs the input's channels to build its kernel (the kernel's depth must equal "
                f"them), but they are None, so Keras cannot build the layer. Give the channel dimension a size. "
                f"Received: input_shape={shape}"
            )

    def spatial_axes(self, input_shape: Any) -> tuple[ConvAxis | TransposedAxis, ...]:
        """One arithmetic object per spatial axis (``height``, ``width``...), from :mod:`convkit.core.axis`."""
        shape, _, spatial = self._split(input_shape)
        names = axis_names(self.rank)
        try:
            return tuple(self._axis(size, i, names[i]) for i, size in enumerate(spatial))
        except ValueError as err:
            raise ValueError(f"{self.label}: {err}, input_shape={shape}") from None

    def compute_output_shape(self, input_shape: Any) -> Shape:
        shape, channels, _ = self._split(input_shape)
        self._check_channels(channels, shape)
        axes = self.spatial_axes(shape)
        return self._join(shape[0], tuple(a.output for a in axes), self._output_channels(channels))

    # ----------------------------------------------------------------- explanation
    def _window_notes(self) -> tuple[str, ...]:
        return ()

    def _channels_note(self, channels: int | None) -> str:
        return f"channels: unchanged ({channels})"

    def _explain_entries(self, shape: Shape) -> tuple[tuple[AxisEntry, ...], tuple[str, ...]]:
        _, channels, _ = self._split(shape)
        axes = self.spatial_axes(shape)
        names = axis_names(self.rank)
        entries = tuple(axis_entry(a, n) for a, n in zip(axes, names))
        notes = (*self._window_notes(), self._channels_note(channels))
        conv_axes = [a for a in axes if isinstance(a, ConvAxis)]
        if len(conv_axes) == len(axes):
            notes += unread_notes(conv_axes, names)
        return entries, notes

    def _require_channels(self, shape: Shape, what: str = "count its weights") -> int:
        _, channels, _ = self._split(shape)
        if channels is None:
            raise ValueError(
                f"{self.label} needs to know the input's channels to {what}, but they are None. "
                f"Give the channel dimension a size. Received: input_shape={shape}"
            )
        return channels


def kernel_volume(kernel_size: tuple[int, ...]) -> int:
    return math.prod(kernel_size)


def product_text(values: tuple[int | None, ...]) -> str:
    return "·".join(str(v) for v in values)
