"""``Dense`` and the shape-preserving layers: ``Activation``, ``ReLU``, ``Dropout``, ``BatchNormalization``,
``LayerNormalization`` (Keras 3.15 arguments).

>>> Dense(10).compute_output_shape((None, 5408))
(None, 10)
>>> BatchNormalization().count_params((None, 13, 13, 32))   # gamma, beta, moving mean, moving variance
128
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

from ..args import MAX_DIM, check_nonnegative_int
from ..explain import AxisEntry
from ..spec import LayerKind
from ..words import short_repr
from . import _checks as checks
from .base import Layer, Shape

__all__ = ["Dense", "Activation", "ReLU", "Dropout", "BatchNormalization", "LayerNormalization"]


def _known(layer: Layer, shape: Shape, axis: int, what: str) -> int:
    """The size of ``axis``; Keras cannot build a weighted layer when it is None, so neither do we."""
    size = shape[axis]
    if size is None:
        raise ValueError(
            f"{layer.label} needs the size of axis {axis} to {what}, but it is None, so Keras cannot build the "
            f"layer. Give that dimension a size. Received: input_shape={shape}"
        )
    return size


class Dense(Layer):
    """``keras.layers.Dense``: acts on the last axis only; ``(..., in) → (..., units)``."""

    window = LayerKind.DENSE
    #: set with the other weight options by ``_set_weight_options`` (they never change a shape)
    activation: Any
    use_bias: bool

    def __init__(
        self,
        units: int,
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        lora_rank: int | None = None,
        lora_alpha: float | None = None,
        quantization_config: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            hint = f" Write units={int(units)}." if isinstance(units, numbers.Integral) and int(units) > 0 else ""
            raise (ValueError if isinstance(units, int) else TypeError)(
                f"`units` must be a positive Python integer (the number of output features).{hint} "
                f"Received: units={short_repr(units)}"
            )
        if units > MAX_DIM:
            raise ValueError(
                f"`units` is too large: convkit accepts sizes up to {MAX_DIM:,}. Received: units={short_repr(units)}"
            )
        self.units = units
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
        self.lora_rank = None if lora_rank is None else check_nonnegative_int(lora_rank, "lora_rank")
        self.lora_alpha = checks.check_real(lora_alpha, "lora_alpha", allow_none=True)
        self.quantization_config = quantization_config

    def _layout(self) -> str:
        return "(batch, ..., features)"

    def compute_output_shape(self, input_shape: Any) -> Shape:
        shape = self._input(input_shape, min_rank=2)
        _known(self, shape, -1, "build its kernel (features × units)")
        return (*shape[:-1], self.units)

    def _parts(self, shape: Shape) -> tuple[int, int, int]:
        features = _known(self, shape, -1, "count its weights (the kernel is features × units)")
        bias = self.units if self.use_bias else 0
        lora = (self.lora_rank or 0) * (features + self.units)
        return features, bias, lora

    def count_params(self, input_shape: Any) -> int:
        shape = self._input(input_shape, min_rank=2)
        self.compute_output_shape(shape)
        features, bias, lora = self._parts(shape)
        return features * self.units + bias + lora

    def _explain_entries(self, shape: Shape) -> tuple[tuple[AxisEntry, ...], tuple[str, ...]]:
        shape = self._input(shape, min_rank=2)
        entry = AxisEntry("features", f"{shape[-1]} → units = {self.units}", self.units)
        notes = ("only the last axis changes: every other axis is kept as it is",) if len(shape) > 2 else ()
        return (entry,), notes

    def _params_note(self, shape: Shape) -> str | None:
        if shape[-1] is None:
            return None
        features, bias, lora = self._parts(shape)
        text = f"params: {features}·{self.units}{f' + {bias}' if bias else ''}"
        text += f" + {self.lora_rank}·({features} + {self.units}) (LoRA)" if lora else ""
        return f"{text} = {features * self.units + bias + lora}"


class Activation(Layer):
    """``keras.layers.Activation``: applies ``activation`` to every value; shape unchanged."""

    def __init__(self, activation: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.activation = checks.check_activation(activation)


class ReLU(Layer):
    """``keras.layers.ReLU``: shape unchanged."""

    def __init__(
        self,
        max_value: float | None = None,
        negative_slope: float = 0.0,
        threshold: float = 0.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.max_value = checks.check_real(max_value, "max_value", minimum=0.0, allow_none=True)
        self.negative_slope = checks.check_real(negative_slope, "negative_slope", minimum=0.0)
        self.threshold = checks.check_real(threshold, "threshold", minimum=0.0)


class Dropout(Layer):
    """``keras.layers.Dropout``: zeroes a fraction ``rate`` of values while training; shape unchanged."""

    def __init__(
        self,
        rate: float,
        noise_shape: Sequence[int | None] | None = None,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.rate = checks.check_real(rate, "rate", minimum=0, maximum=1)
        if noise_shape is not None:
            if isinstance(noise_shape, (str, bytes)) or not hasattr(noise_shape, "__iter__"):
                raise TypeError(
                    f"`noise_shape` must be a tuple of integers or None. Received: noise_shape={short_repr(noise_shape)}"
                )
            for dim in noise_shape:
                if dim is not None and (not isinstance(dim, int) or isinstance(dim, bool) or dim <= 0):
                    raise ValueError(
                        f"Every entry of `noise_shape` must be a positive integer or None. "
                        f"Received: noise_shape={short_repr(noise_shape)}"
                    )
            noise_shape = tuple(noise_shape)
        self.noise_shape = noise_shape
        if seed is not None and (not isinstance(seed, numbers.Integral) or isinstance(seed, bool)):
            raise TypeError(f"`seed` must be an integer or None. Received: seed={short_repr(seed)}")
        self.seed = seed


def _check_axis(layer: BatchNormalization | LayerNormalization, axis: int, shape: Shape) -> None:
    if not -len(shape) <= axis < len(shape):
        raise ValueError(
            f"{layer.label}: axis {axis} is out of bounds for an input of rank {len(shape)} (valid: "
            f"{-len(shape)} to {len(shape) - 1}; -1 is the channels of channels_last data). "
            f"Received: axis={layer.axis}, input_shape={shape}"
        )


class BatchNormalization(Layer):
    """``keras.layers.BatchNormalization``: shape unchanged; 4 vectors along ``axis`` (gamma, beta, moving
    mean, moving variance; 3 more with ``renorm=True``)."""

    axis: int
    center: bool
    scale: bool
    renorm: bool

    def __init__(
        self,
        axis: int = -1,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        moving_mean_initializer: Any = "zeros",
        moving_variance_initializer: Any = "ones",
        beta_regularizer: Any = None,
        gamma_regularizer: Any = None,
        beta_constraint: Any = None,
        gamma_constraint: Any = None,
        renorm: bool = False,
        renorm_clipping: dict[str, float] | None = None,
        renorm_momentum: float = 0.99,
        synchronized: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not isinstance(axis, numbers.Integral) or isinstance(axis, bool):
            raise TypeError(
                f"`axis` must be an integer, e.g. axis=-1 (channels last). Received: axis={short_repr(axis)}"
            )
        self.axis = int(axis)
        self.momentum = checks.check_real(momentum, "momentum")
        self.epsilon = checks.check_real(epsilon, "epsilon")
        self.center = checks.check_bool(center, "center")
        self.scale = checks.check_bool(scale, "scale")
        self._set_weight_options(
            beta_initializer=beta_initializer,
            gamma_initializer=gamma_initializer,
            moving_mean_initializer=moving_mean_initializer,
            moving_variance_initializer=moving_variance_initializer,
            beta_regularizer=beta_regularizer,
            gamma_regularizer=gamma_regularizer,
            beta_constraint=beta_constraint,
            gamma_constraint=gamma_constraint,
        )
        self.renorm = checks.check_bool(renorm, "renorm")
        if renorm_clipping is not None and not isinstance(renorm_clipping, dict):
            raise TypeError(
                f"`renorm_clipping` must be a dict with keys 'rmax', 'rmin', 'dmax', or None. "
                f"Received: renorm_clipping={short_repr(renorm_clipping)}"
            )
        if self.renorm and renorm_clipping:
            unknown = set(renorm_clipping) - {"rmax", "rmin", "dmax"}
            if unknown:
                raise ValueError(
                    f"`renorm_clipping` accepts the keys 'rmax', 'rmin', 'dmax' only. "
                    f"Received: renorm_clipping={short_repr(renorm_clipping)}"
                )
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = checks.check_real(renorm_momentum, "renorm_momentum")
        self.synchronized = checks.check_bool(synchronized, "synchronized")

    def compute_output_shape(self, input_shape: Any) -> Shape:
        shape = self._input(input_shape)
        _check_axis(self, self.axis, shape)
        _known(self, shape, self.axis, "build its vectors (gamma, beta, moving mean and variance)")
        return shape

    def _vectors(self) -> int:
        return 2 + self.center + self.scale + 3 * self.renorm

    def count_params(self, input_shape: Any) -> int:
        shape = self.compute_output_shape(input_shape)
        return self._vectors() * _known(self, shape, self.axis, "count its weights")

    def _explain_entries(self, shape: Shape) -> tuple[tuple[AxisEntry, ...], tuple[str, ...]]:
        return (), (
            f"shape unchanged: each of the {shape[self.axis]} entries along axis {self.axis} is normalised "
            "over the batch and the other axes",
        )

    def _params_note(self, shape: Shape) -> str | None:
        size = shape[self.axis]
        if size is None:
            return None
        parts = (
            (["gamma"] if self.scale else []) + (["beta"] if self.center else []) + ["moving mean", "moving variance"]
        )
        parts += ["moving stddev", "renorm mean", "renorm stddev"] if self.renorm else []
        return f"params: {self._vectors()}·{size} = {self.count_params(shape)} ({', '.join(parts)})"


class LayerNormalization(Layer):
    """``keras.layers.LayerNormalization``: shape unchanged; gamma and beta over the ``axis`` dimensions."""

    _extra_kwargs = ("rms_scaling",)
    axis: int | list[int]
    center: bool
    scale: bool

    def __init__(
        self,
        axis: int | Sequence[int] = -1,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        beta_regularizer: Any = None,
        gamma_regularizer: Any = None,
        beta_constraint: Any = None,
        gamma_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            for a in axis:
                if not isinstance(a, numbers.Integral) or isinstance(a, bool):
                    raise TypeError(
                        f"`axis` must be an int or a list of ints, but it contains {short_repr(a)}. Received: axis={short_repr(axis)}"
                    )
            self.axis = [int(a) for a in axis]
        elif isinstance(axis, numbers.Integral) and not isinstance(axis, bool):
            self.axis = int(axis)
        else:
            raise TypeError(f"`axis` must be an int or a list/tuple of ints. Received: axis={short_repr(axis)}")
        self.epsilon = checks.check_real(epsilon, "epsilon")
        self.center = checks.check_bool(center, "center")
        self.scale = checks.check_bool(scale, "scale")
        self._set_weight_options(
            beta_initializer=beta_initializer,
            gamma_initializer=gamma_initializer,
            beta_regularizer=beta_regularizer,
            gamma_regularizer=gamma_regularizer,
            beta_constraint=beta_constraint,
            gamma_constraint=gamma_constraint,
        )
        self.rms_scaling = checks.check_bool(kwargs.get("rms_scaling", False), "rms_scaling")

    def _axes(self) -> list[int]:
        return self.axis if isinstance(self.axis, list) else [self.axis]

    def compute_output_shape(self, input_shape: Any) -> Shape:
        shape = self._input(input_shape)
        for axis in self._axes():
            _check_axis(self, axis, shape)
            if self._vectors():
                _known(self, shape, axis, "build gamma and beta")
        canonical = [a % len(shape) for a in self._axes()]
        if len(set(canonical)) != len(canonical):
            raise ValueError(
                f"{self.label}: `axis` names the same axis twice (on a rank-{len(shape)} input it means axes "
                f"{canonical}); TensorFlow cannot normalise over a repeated axis. List each axis once. "
                f"Received: axis={self.axis}, input_shape={shape}"
            )
        return shape

    def _vectors(self) -> int:
        return int(self.scale or self.rms_scaling) + int(self.center and not self.rms_scaling)

    def count_params(self, input_shape: Any) -> int:
        shape = self.compute_output_shape(input_shape)
        if not self._vectors():
            return 0
        return self._vectors() * math.prod(_known(self, shape, a, "count its weights") for a in self._axes())

    def _explain_entries(self, shape: Shape) -> tuple[tuple[AxisEntry, ...], tuple[str, ...]]:
        return (), (f"shape unchanged: each sample is normalised over axis {self.axis}",)

    def _params_note(self, shape: Shape) -> str | None:
        sizes = [shape[a] for a in self._axes()]
        if None in sizes:
            return None
        return f"params: {self._vectors()}·{'·'.join(map(str, sizes))} = {self.count_params(shape)} (gamma, beta)"
