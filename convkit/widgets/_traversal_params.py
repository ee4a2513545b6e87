"""The settings of a :class:`~convkit.widgets.traversal.KernelTraversal`, normalised once and checked.

:class:`TraversalParams` holds what a learner can change (input size, kernel, strides, padding, dilation,
operation, channels). It is built and replaced only through :meth:`TraversalParams.create` /
:meth:`TraversalParams.replace`, which normalise the values Keras' way and raise ``ValueError``/``TypeError``
with the core's message when a combination is impossible. :func:`too_large_reason` says when a valid set is too
large for the widget to draw.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from ..core.args import check_positive_int, normalize_tuple
from ..core.axis import conv_axis, pool_axis
from ..core.traversal import Traversal, traversal_from_axes, traverse

__all__ = [
    "MAX_DRAW_CELLS",
    "MAX_DRAW_LENGTH",
    "MAX_NUMBERS_CELLS",
    "MAX_NUMBERS_VALUES",
    "OPERATIONS",
    "KINDS",
    "TraversalParams",
    "too_large_reason",
    "demo_numbers",
]

#: The widget draws 2-D inputs up to this many padded cells (1024×1024); larger ones get a message instead.
MAX_DRAW_CELLS = 1024 * 1024
#: The widget draws 1-D strips up to this many padded cells.
MAX_DRAW_LENGTH = 4096
#: Numbers mode (input values, kernel weights, multiply-sums) accepts inputs up to this many cells (256×256).
MAX_NUMBERS_CELLS = 256 * 256
#: ``operation``: a convolution, or a max / average pooling window.
OPERATIONS = ("conv", "max", "average")
#: ``kind`` of a convolution: a plain one, a depthwise one, or the depthwise part of a separable one.
KINDS = ("conv", "depthwise", "separable")
#: Numbers mode computes every input channel: at most this many input values (cells × channels, 32 MiB).
MAX_NUMBERS_VALUES = 2**22


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _uniform(values: tuple[Any, ...]) -> bool:
    return len(set(values)) == 1


def _normalize_input_size(value: Any) -> tuple[int, ...]:
    if _is_int(value):
        return (check_positive_int(value, "input_size"),)
    if isinstance(value, (tuple, list)) and 1 <= len(value) <= 2:
        return normalize_tuple(tuple(value), len(value), "input_size")
    raise ValueError(
        "`input_size` must be an integer (a 1-D strip) or a tuple of 1 or 2 spatial sizes, without batch or "
        "channel dimension, e.g. input_size=(28, 28). KernelTraversal draws 1-D and 2-D layers. "
        f"Received: input_size={value!r}"
    )


def _normalize_padding(value: Any, rank: int) -> str | tuple[tuple[int, int], ...]:
    """A mode string (``valid``/``same``/``causal``) or per-axis ``(before, after)`` pairs."""
    if isinstance(value, str):
        mode = value.lower()
        if mode not in ("valid", "same", "causal"):
            raise ValueError(
                '`padding` must be "valid", "same", "causal" (1-D only) or explicit (before, after) integers '
                f"per axis. Received: padding={value!r}"
            )
        if mode == "causal" and rank != 1:
            raise ValueError(
                f'`padding="causal"` exists only for 1-D convolutions (Conv1D); this input has {rank} spatial '
                f'axes. Use "valid", "same" or explicit (before, after) pairs. Received: padding={value!r}'
            )
        return mode
    if _is_int(value):
        value = ((value, value),) * rank
    elif rank == 1 and isinstance(value, (tuple, list)) and len(value) == 2 and all(_is_int(v) for v in value):
        value = (tuple(value),)
    if isinstance(value, (tuple, list)) and len(value) == rank:
        pairs = []
        for item in value:
            pair = (item, item) if _is_int(item) else item
            if not (isinstance(pair, (tuple, list)) and len(pair) == 2 and all(_is_int(p) and p >= 0 for p in pair)):
                break
            pairs.append((int(pair[0]), int(pair[1])))
        else:
            return tuple(pairs)
    raise ValueError(
        f'`padding` must be "valid", "same", "causal" (1-D), an integer, or {rank} (before, after) pairs of '
        f"non-negative integers, one per spatial axis, e.g. padding={((1, 1),) * rank!r}. Received: padding={value!r}"
    )


@dataclass(frozen=True, slots=True)
class TraversalParams:
    """Normalised, valid settings of a kernel traversal picture (``create``/``replace`` validate)."""

    input_size: tuple[int, ...]
    kernel_size: tuple[int, ...]
    strides: tuple[int, ...]
    padding: str | tuple[tuple[int, int], ...]
    dilation_rate: tuple[int, ...]
    operation: str = "conv"
    in_channels: int = 1
    filters: int = 1
    kind: str = "conv"
    depth_multiplier: int = 1
    groups: int = 1

    @property
    def rank(self) -> int:
        return len(self.input_size)

    @property
    def is_pool(self) -> bool:
        return self.operation != "conv"

    @property
    def output_depth(self) -> int:
        """Channels of the output: unchanged by pooling, ``C_in·M`` for depthwise, ``filters`` otherwise."""
        if self.is_pool:
            return self.in_channels
        if self.kind == "depthwise":
            return self.in_channels * self.depth_multiplier
        return self.filters

    @classmethod
    def create(cls, input_size: Any, kernel_size: Any, strides: Any = None, padding: Any = "valid",
               dilation_rate: Any = 1, **rest: Any) -> TraversalParams:
        """Normalise every argument (Keras' rules) and check the combination; raise ``ValueError``/``TypeError``.

        ``strides=None`` is Keras' default: 1 for a convolution, the pool size for pooling
        (``keras.layers.MaxPooling2D(strides=None)`` means ``strides = pool_size``).
        """
        size = _normalize_input_size(input_size)
        rank = len(size)
        operation = rest.pop("operation", "conv")
        if not isinstance(operation, str) or operation.lower() not in OPERATIONS:
            raise ValueError(f'`operation` must be "conv", "max" or "average". Received: operation={operation!r}')
        kind = rest.pop("kind", "conv")
        if kind not in KINDS:
            raise ValueError(f'`kind` must be "conv", "depthwise" or "separable". Received: kind={kind!r}')
        kernel = normalize_tuple(kernel_size, rank, "kernel_size")
        if strides is None:
            strides = 1 if operation.lower() == "conv" else kernel
        params = cls(
            input_size=size,
            kernel_size=kernel,
            strides=normalize_tuple(strides, rank, "strides"),
            padding=_normalize_padding(padding, rank),
            dilation_rate=normalize_tuple(dilation_rate, rank, "dilation_rate"),
            operation=operation.lower(),
            in_channels=check_positive_int(rest.pop("in_channels", 1), "in_channels"),
            filters=check_positive_int(rest.pop("filters", 1), "filters"),
            kind=kind,
            depth_multiplier=check_positive_int(rest.pop("depth_multiplier", 1), "depth_multiplier"),
            groups=check_positive_int(rest.pop("groups", 1), "groups"),
        )
        if rest:
            raise TypeError(f"Unknown setting(s) {sorted(rest)}. Received: {rest!r}")
        params.check()
        return params

    def replace(self, **changes: Any) -> TraversalParams:
        """A new valid set of params with ``changes`` applied.

        A new ``input_size`` of another rank broadcasts the other per-axis settings when they are the same on
        every axis (a 3×3 kernel becomes a length-3 kernel); otherwise the change is refused.
        ``strides=None`` recomputes Keras' default stride for the new operation and kernel (see :meth:`create`).
        """
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        if "input_size" in changes:
            new_rank = len(_normalize_input_size(changes["input_size"]))
            if new_rank != self.rank:
                for name in ("kernel_size", "strides", "dilation_rate"):
                    if name not in changes:
                        old = values[name]
                        if not _uniform(old):
                            raise ValueError(
                                f"Cannot change to {new_rank}-D input: `{name}`={old} differs per axis. "
                                f"Set {name} too, e.g. w.set(input_size=..., {name}=...). "
                                f"Received: input_size={changes['input_size']!r}"
                            )
                        values[name] = old[0]
                if "padding" not in changes and not isinstance(values["padding"], str):
                    if not _uniform(values["padding"]):
                        raise ValueError(
                            f"Cannot change to {new_rank}-D input: explicit padding {values['padding']} differs "
                            f"per axis. Set padding too. Received: input_size={changes['input_size']!r}"
                        )
                    values["padding"] = values["padding"][0]
        values.update(changes)
        return TraversalParams.create(**values)

    def check(self) -> None:
        """Raise the core's ``ValueError`` when these settings are impossible (nothing large is built)."""
        if self.groups > 1 and (self.in_channels % self.groups or self.filters % self.groups):
            raise ValueError(
                f"`groups` must divide both the input channels and the filters (Keras' rule): each group of "
                f"{self.in_channels}/{self.groups} channels gets its own filters. "
                f"Received: groups={self.groups}, in_channels={self.in_channels}, filters={self.filters}"
            )
        if self.is_pool:
            if max(self.dilation_rate) > 1:
                raise ValueError(
                    "Pooling windows are not dilated: use dilation_rate=1 with operation="
                    f"{self.operation!r}. Received: dilation_rate={self.dilation_rate}"
                )
            if self.padding not in ("valid", "same"):
                raise ValueError(
                    f'Pooling `padding` must be "valid" or "same". Received: padding={self.padding!r}'
                )
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                "`strides > 1` cannot be combined with `dilation_rate > 1` in one layer: TensorFlow and Keras "
                "refuse it. Use strides=1 with a dilated kernel, or dilation_rate=1 with strides (or two layers). "
                f"Received: strides={self.strides}, dilation_rate={self.dilation_rate}"
            )
        self.axes()

    def axes(self) -> list[Any]:
        """One :class:`~convkit.core.axis.ConvAxis` per spatial axis (raises when the output would be empty)."""
        from ..core.args import axis_names

        names = axis_names(self.rank)
        if self.is_pool:
            return [pool_axis(n, k, s, self.padding, axis=a)
                    for n, k, s, a in zip(self.input_size, self.kernel_size, self.strides, names)]
        pads = [self.padding] * self.rank if isinstance(self.padding, str) else list(self.padding)
        return [conv_axis(n, k, s, p, d, axis=a) for n, k, s, p, d, a in
                zip(self.input_size, self.kernel_size, self.strides, pads, self.dilation_rate, names)]

    def traversal(self) -> Traversal:
        """The core's traversal of these settings (``traverse``, or pooling axes for max/average)."""
        if self.is_pool:
            return traversal_from_axes(self.axes())
        return traverse(self.input_size, self.kernel_size, self.strides, self.padding, self.dilation_rate)


def too_large_reason(params: TraversalParams) -> str | None:
    """Why the widget will not draw these settings (too many cells for a canvas), or ``None``."""
    padded = tuple(a.padded_size for a in params.axes())
    if params.rank == 1 and padded[0] > MAX_DRAW_LENGTH:
        return (f"too large to draw: the padded strip has {padded[0]:,} cells and the widget draws at most "
                f"{MAX_DRAW_LENGTH:,}. Use a shorter input, or save(...) a picture.")
    cells = math.prod(padded)
    if params.rank == 2 and cells > MAX_DRAW_CELLS:
        return (f"too large to draw: the padded input {padded[0]}×{padded[1]} has {cells:,} cells and the widget "
                f"draws at most {MAX_DRAW_CELLS:,} (1024×1024). Use a smaller input.")
    return None


def demo_numbers(params: TraversalParams, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Small integer input values (0..9) and kernel weights (-1..2) for ``numbers=True`` (reproducible)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 10, size=(1, *params.input_size, params.in_channels)).astype(np.float64)
    depth = 1 if params.kind != "conv" else params.in_channels
    kernel = rng.integers(-1, 3, size=(*params.kernel_size, depth, 1)).astype(np.float64)
    return x, kernel
