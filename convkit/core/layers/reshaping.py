"""Reshaping layers: ``ZeroPadding1D/2D/3D``, ``Cropping1D/2D/3D``, ``UpSampling1D/2D/3D``, ``Flatten``, ``Reshape``.

>>> ZeroPadding2D(((0, 1), (0, 1))).compute_output_shape((None, 28, 28, 3))
(None, 29, 29, 3)
>>> Flatten().compute_output_shape((None, 13, 13, 32))
(None, 5408)
>>> Reshape((-1, 4)).compute_output_shape((2, 8, 3))
(2, 6, 4)
"""

from __future__ import annotations

import math
import numbers
from abc import abstractmethod
from collections.abc import Sequence
from typing import Any

from ..args import (
    MAX_DIM,
    MAX_RANK,
    axis_names,
    check_positive_int,
    normalize_data_format,
    normalize_tuple,
)
from ..explain import AxisEntry
from ..spec import LayerKind
from ..words import short_repr
from ._checks import pairs, plain_number
from .base import Layer, Shape, SpatialLayer
from .window import product_text

__all__ = [
    "ZeroPadding1D",
    "ZeroPadding2D",
    "ZeroPadding3D",
    "Cropping1D",
    "Cropping2D",
    "Cropping3D",
    "UpSampling1D",
    "UpSampling2D",
    "UpSampling3D",
    "Flatten",
    "Reshape",
]

INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic", "area")


class _PerAxis(SpatialLayer):
    """A spatial layer that changes each spatial size on its own and keeps the channels."""

    window = LayerKind.RESHAPE

    @abstractmethod
    def _size(self, size: int, index: int) -> int:
        """Defined by each concrete layer."""

    @abstractmethod
    def _text(self, size: int | None, index: int) -> str:
        """Defined by each concrete layer."""

    def compute_output_shape(self, input_shape: Any) -> Shape:
        shape, channels, spatial = self._split(input_shape)
        out = tuple(None if n is None else self._size(n, i) for i, n in enumerate(spatial))
        return self._join(shape[0], out, channels)

    def _explain_entries(self, shape: Shape) -> tuple[tuple[AxisEntry, ...], tuple[str, ...]]:
        _, channels, spatial = self._split(shape)
        _, _, out_spatial = self._split(self.compute_output_shape(shape))
        entries = tuple(
            AxisEntry(name, f"{self._text(n, i)} = {'None' if o is None else o}", o)
            for i, (name, n, o) in enumerate(zip(axis_names(self.rank), spatial, out_spatial))
        )
        return entries, (f"channels: unchanged ({channels}); no weights",)


def _n(size: int | None) -> str:
    return "None" if size is None else str(size)


class _ZeroPadding(_PerAxis):
    """``padding`` holds ``(before, after)`` per axis (one flat pair for 1-D, as in Keras' config)."""

    padding: Any  # tuple[int, int] in 1-D, else tuple[tuple[int, int], ...]

    def _pair(self, index: int) -> tuple[int, int]:
        pair: tuple[int, int] = self.padding if self.rank == 1 else self.padding[index]
        return pair

    def _size(self, size: int, index: int) -> int:
        return size + sum(self._pair(index))

    def _text(self, size: int | None, index: int) -> str:
        before, after = self._pair(index)
        return f"{_n(size)} + {before} + {after}"


class ZeroPadding1D(_ZeroPadding):
    """``keras.layers.ZeroPadding1D``: ``padding`` is an int or ``(before, after)``."""

    rank = 1

    def __init__(self, padding: int | Sequence[int] = 1, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format)
        self.padding = normalize_tuple(padding, 2, "padding", allow_zero=True)


class ZeroPadding2D(_ZeroPadding):
    """``keras.layers.ZeroPadding2D``: an int, ``(sym_h, sym_w)`` or ``((top, bottom), (left, right))``."""

    rank = 2

    def __init__(
        self,
        padding: int | Sequence[int] | Sequence[Sequence[int]] = (1, 1),
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format)
        self.padding = pairs(padding, 2, "padding")


class ZeroPadding3D(_ZeroPadding):
    """``keras.layers.ZeroPadding3D``: an int, 3 ints, or 3 ``(before, after)`` pairs."""

    rank = 3

    def __init__(
        self,
        padding: int | Sequence[int] | Sequence[Sequence[int]] = ((1, 1), (1, 1), (1, 1)),
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format)
        self.padding = pairs(padding, 3, "padding")


class _Cropping(_PerAxis):
    """``cropping`` holds ``(before, after)`` per axis (one flat pair for 1-D, as in Keras' config)."""

    cropping: Any  # tuple[int, int] in 1-D, else tuple[tuple[int, int], ...]

    def _pair(self, index: int) -> tuple[int, int]:
        pair: tuple[int, int] = self.cropping if self.rank == 1 else self.cropping[index]
        return pair

    def compute_output_shape(self, input_shape: Any) -> Shape:
        shape, _, spatial = self._split(input_shape)
        for index, size in enumerate(spatial):
            before, after = self._pair(index)
            if size is not None and size - before - after <= 0:
                raise ValueError(
                    f"{self.label}: cropping {before} + {after} from {size} leaves nothing along "
                    f"{axis_names(self.rank)[index]}; the cropping must be smaller than the input size. "
                    f"Received: cropping={self.cropping}, input_shape={shape}"
                )
        return super().compute_output_shape(shape)

    def _size(self, size: int, index: int) -> int:
        before, after = self._pair(index)
        return size - before - after

    def _text(self, size: int | None, index: int) -> str:
        before, after = self._pair(index)
        return f"{_n(size)} - {before} - {after}"


class Cropping1D(_Cropping):
    """``keras.layers.Cropping1D``: an int or ``(before, after)``; input ``(batch, length, channels)`` only."""

    rank = 1

    def __init__(self, cropping: int | Sequence[int] = (1, 1), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cropping = normalize_tuple(cropping, 2, "cropping", allow_zero=True)


class Cropping2D(_Cropping):
    """``keras.layers.Cropping2D``: an int, ``(sym_h, sym_w)`` or ``((top, bottom), (left, right))``."""

    rank = 2

    def __init__(
        self,
        cropping: int | Sequence[int] | Sequence[Sequence[int]] = ((0, 0), (0, 0)),
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.cropping = pairs(cropping, 2, "cropping")
        self.data_format = normalize_data_format(data_format)


class Cropping3D(_Cropping):
    """``keras.layers.Cropping3D``: an int, 3 ints, or 3 ``(before, after)`` pairs."""

    rank = 3

    def __init__(
        self,
        cropping: int | Sequence[int] | Sequence[Sequence[int]] = ((1, 1), (1, 1), (1, 1)),
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.cropping = pairs(cropping, 3, "cropping")
        self.data_format = normalize_data_format(data_format)


class _UpSampling(_PerAxis):
    size: Any  # an int in 1-D, else one int per axis

    def _factor(self, index: int) -> int:
        factor: int = self.size if self.rank == 1 else self.size[index]
        return factor

    def _size(self, size: int, index: int) -> int:
        return size * self._factor(index)

    def _text(self, size: int | None, index: int) -> str:
        return f"{_n(size)}·{self._factor(index)}"


class UpSampling1D(_UpSampling):
    """``keras.layers.UpSampling1D``: repeats each step ``size`` times (``size`` is a single int)."""

    rank = 1

    def __init__(self, size: int = 2, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(size, numbers.Integral) or isinstance(size, bool):
            raise TypeError(
                f"`size` of UpSampling1D must be a single integer, e.g. size=2. Received: size={short_repr(size)}"
            )
        self.size = check_positive_int(size, "size")


class UpSampling2D(_UpSampling):
    """``keras.layers.UpSampling2D``: repeats rows and columns (``interpolation`` does not change the shape)."""

    rank = 2

    def __init__(
        self,
        size: int | Sequence[int] = (2, 2),
        data_format: str | None = None,
        interpolation: str = "nearest",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.size = normalize_tuple(size, 2, "size")
        self.data_format = normalize_data_format(data_format)
        if not isinstance(interpolation, str):
            raise TypeError(f"`interpolation` must be a string. Received: interpolation={short_repr(interpolation)}")
        if interpolation.lower() not in INTERPOLATIONS:
            raise ValueError(
                f"`interpolation` must be one of {', '.join(repr(i) for i in INTERPOLATIONS)}. "
                f"Received: interpolation={short_repr(interpolation)}"
            )
        self.interpolation = interpolation.lower()


class UpSampling3D(_UpSampling):
    """``keras.layers.UpSampling3D``: repeats along depth, height and width."""

    rank = 3

    def __init__(self, size: int | Sequence[int] = (2, 2, 2), data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.size = normalize_tuple(size, 3, "size")
        self.data_format = normalize_data_format(data_format)


class Flatten(Layer):
    """``keras.layers.Flatten``: ``(batch, *dims)`` → ``(batch, Π dims)``; ``None`` if any dim is unknown."""

    window = LayerKind.RESHAPE

    def __init__(self, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format)

    def compute_output_shape(self, input_shape: Any) -> Shape:
        shape = self._input(input_shape)
        dims = tuple(d for d in shape[1:] if d is not None)
        if len(dims) < len(shape) - 1:
            return (shape[0], None)
        return (shape[0], math.prod(dims))

    def _explain_entries(self, shape: Shape) -> tuple[tuple[AxisEntry, ...], tuple[str, ...]]:
        dims = shape[1:]
        out = self.compute_output_shape(shape)[1]
        text = "·".join("None" if d is None else str(d) for d in dims) or "1 (no dimensions after the batch)"
        note = (
            "the order of values follows channels_last"
            if self.data_format == "channels_last"
            else ("channels_first input is moved to channels_last before flattening")
        )
        return (AxisEntry("features", f"{text} = {'None' if out is None else out}", out),), (note,)


class Reshape(Layer):
    """``keras.layers.Reshape``: ``target_shape`` excludes the batch; one ``-1`` is inferred."""

    window = LayerKind.RESHAPE

    def __init__(self, target_shape: Sequence[int], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        target_shape = plain_number(target_shape)
        if hasattr(target_shape, "__len__") and not isinstance(target_shape, (str, bytes)):
            if len(target_shape) > MAX_RANK:
                raise ValueError(
                    f"`target_shape` has {len(target_shape):,} entries, but a tensor has at most {MAX_RANK} axes. "
                    f"Give one size per axis, without the batch, e.g. target_shape=(7, 7, 64). "
                    f"Received: target_shape={short_repr(target_shape)}"
                )
        if isinstance(target_shape, (str, bytes)) or not hasattr(target_shape, "__iter__"):
            raise TypeError(
                "`target_shape` must be a tuple of integers without the batch dimension, e.g. target_shape=(7, 7, 64). "
                f"Received: target_shape={short_repr(target_shape)}"
            )
        dims = tuple(target_shape)
        for d in dims:
            if not isinstance(d, numbers.Integral) or isinstance(d, bool):
                raise TypeError(
                    f"`target_shape` must contain only integers (use -1 for one unknown size), but it contains "
                    f"{short_repr(d)}. Received: target_shape={short_repr(target_shape)}"
                )
            if d != -1 and not 1 <= int(d) <= MAX_DIM:
                raise ValueError(
                    "Every entry of `target_shape` must be a positive integer, or -1 once for a size to infer. "
                    f"Received: target_shape={short_repr(target_shape)}"
                )
        if dims.count(-1) > 1:
            raise ValueError(
                f"`target_shape` may contain -1 only once: Keras can infer one size, not {dims.count(-1)}. "
                f"Received: target_shape={short_repr(target_shape)}"
            )
        self.target_shape = tuple(int(d) for d in dims)

    def compute_output_shape(self, input_shape: Any) -> Shape:
        shape = self._input(input_shape)
        dims, target = tuple(d for d in shape[1:] if d is not None), self.target_shape
        if len(dims) < len(shape) - 1:
            return (shape[0], *(None if d == -1 else d for d in target))
        size, known = math.prod(dims), math.prod(d for d in target if d != -1)
        if -1 in target:
            if size % known:
                raise ValueError(
                    f"{self.label}: cannot reshape {size} values per sample ({product_text(dims)}) into "
                    f"{target}: {size} is not divisible by {known}. Received: input_shape={shape}, "
                    f"target_shape={target}"
                )
            return (shape[0], *(size // known if d == -1 else d for d in target))
        if size != known:
            raise ValueError(
                f"{self.label}: the total size must be unchanged, but the input has {product_text(dims)} = {size} "
                f"values per sample and target_shape {target} holds {known}. Received: input_shape={shape}, "
                f"target_shape={target}"
            )
        return (shape[0], *target)

    def _explain_entries(self, shape: Shape) -> tuple[tuple[AxisEntry, ...], tuple[str, ...]]:
        out = self.compute_output_shape(shape)
        dims = tuple(d for d in shape[1:] if d is not None)
        if len(dims) < len(shape) - 1:
            return (), ("values per sample: unknown (a dimension is None)",)
        size = math.prod(dims)
        notes = [f"values per sample: {product_text(dims) or '1'} = {size}"]
        if -1 in self.target_shape:
            known = math.prod(d for d in self.target_shape if d != -1)
            notes.append(f"-1 → {size} / {known} = {size // known}")
        notes.append(f"target: {product_text(out[1:])} = {size}")
        return (), tuple(notes)
