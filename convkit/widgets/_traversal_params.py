"""The layer settings of a :class:`~convkit.widgets.traversal.KernelTraversal`, normalised by the core.

:class:`TraversalParams` holds what a learner can change about the layer (input size, kernel, strides, padding,
dilation, operation, channels) together with the core's :class:`~convkit.core.traversal.Traversal` of them. It is
built only by :meth:`TraversalParams.create` / :meth:`TraversalParams.replace`, and the normalising is the core's:
kernel, strides and dilation go through :func:`convkit.core.args.normalize_tuple`, the whole convolution through
:func:`convkit.core.traversal.traverse` (padding modes, explicit pairs, "strides with dilation", output size,
size limits) and pooling through :func:`convkit.core.axis.pool_axis`. The fields are then *read back* from the
traversal, so the widget can hold nothing the core would not. What is the widget's own: it draws 1-D and 2-D
layers, pooling windows are not dilated, and the channel settings (``groups`` must divide them).

So a params object always has a usable :attr:`TraversalParams.traversal`; :func:`too_large_reason` says when
one is too large for the canvas (the widget then shows the numbers and a message instead of the picture).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from ..core.args import axis_names, check_positive_int, normalize_tuple
from ..core.axis import pool_axis
from ..core.traversal import Traversal, traversal_from_axes, traverse
from ..core.words import short_repr

__all__ = [
    "KINDS",
    "MAX_DRAW_CELLS",
    "MAX_DRAW_LENGTH",
    "MAX_NUMBERS_CELLS",
    "MAX_NUMBERS_VALUES",
    "OPERATIONS",
    "TraversalParams",
    "demo_numbers",
    "normalize_padding_pairs",
    "too_large_reason",
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
_SETTINGS = (
    "input_size",
    "kernel_size",
    "strides",
    "padding",
    "dilation_rate",
    "operation",
    "in_channels",
    "filters",
    "kind",
    "depth_multiplier",
    "groups",
)


def _rank(value: Any) -> int:
    """1 for an int (a strip), else the length of a tuple of 1 or 2 sizes (what the widget draws)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return 1
    if isinstance(value, (tuple, list)) and 1 <= len(value) <= 2:
        return len(value)
    raise ValueError(
        "`input_size` must be an integer (a 1-D strip) or a tuple of 1 or 2 spatial sizes, without batch or "
        "channel dimension, e.g. input_size=(28, 28). KernelTraversal draws 1-D and 2-D layers. "
        f"Received: input_size={short_repr(value)}"
    )


def _choice(value: Any, allowed: tuple[str, ...], name: str) -> str:
    if isinstance(value, str) and value.lower() in allowed:
        return value.lower()
    choices = ", ".join(f'"{a}"' for a in allowed)
    raise ValueError(f"`{name}` must be one of {choices}. Received: {name}={short_repr(value)}")


def _padding_setting(t: Traversal) -> str | tuple[tuple[int, int], ...]:
    """The padding as the widget keeps it: the core's mode, or its per-axis pairs when explicit."""
    return t.padding if t.padding_mode == "explicit" else t.padding_mode


def normalize_padding_pairs(input_size: tuple[int, ...], padding: Any) -> tuple[tuple[int, int], ...] | None:
    """Per-axis ``(before, after)`` of ``padding`` as the core reads it, without checking any kernel;
    ``None`` for "same"/"causal" (whose amounts depend on the kernel) or a padding the core refuses."""
    try:
        t = traverse(input_size, 1, 1, padding)
    except (ValueError, TypeError):
        return None
    return None if t.padding_mode in ("same", "causal") else t.padding


@dataclass(frozen=True, slots=True)
class TraversalParams:
    """Normalised, valid settings of a kernel traversal picture, with their traversal (``create``/``replace``)."""

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
    traversal: Traversal = field(default=None, compare=False, repr=False)  # type: ignore[assignment]

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
    def create(
        cls,
        input_size: Any,
        kernel_size: Any,
        strides: Any = None,
        padding: Any = "valid",
        dilation_rate: Any = 1,
        **rest: Any,
    ) -> TraversalParams:
        """Normalise every argument with the core and check the combination; raise ``ValueError``/``TypeError``.

        ``strides=None`` is Keras' default: 1 for a convolution, the pool size for pooling
        (``keras.layers.MaxPooling2D(strides=None)`` means ``strides = pool_size``).
        """
        unknown = set(rest) - set(_SETTINGS)
        if unknown:
            raise TypeError(f"Unknown setting(s) {sorted(unknown)}. Received: {short_repr(rest)}")
        rank = _rank(input_size)
        size = normalize_tuple(input_size, rank, "input_size")
        operation = _choice(rest.get("operation", "conv"), OPERATIONS, "operation")
        kind = _choice(rest.get("kind", "conv"), KINDS, "kind")
        channels = {
            name: check_positive_int(rest.get(name, 1), name)
            for name in ("in_channels", "filters", "depth_multiplier", "groups")
        }
        if operation == "conv":
            t = traverse(size, kernel_size, 1 if strides is None else strides, padding, dilation_rate)
        else:
            t = _pool_traversal(size, kernel_size, strides, padding, dilation_rate, operation)
        params = cls(
            t.input_size,
            t.kernel_size,
            t.strides,
            _padding_setting(t),
            t.dilation_rate,
            operation,
            kind=kind,
            traversal=t,
            **channels,
        )
        params._check_groups()
        return params

    def replace(self, **changes: Any) -> TraversalParams:
        """A new valid set of params with ``changes`` applied.

        A new ``input_size`` of another rank broadcasts the other per-axis settings when they are the same on
        every axis (a 3×3 kernel becomes a length-3 kernel); otherwise the change is refused.
        ``strides=None`` recomputes Keras' default stride for the new operation and kernel (see :meth:`create`).
        """
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "traversal"}
        if "input_size" in changes:
            new_rank = _rank(changes["input_size"])
            if new_rank != self.rank:
                values.update(self._broadcast(new_rank, changes))
        values.update(changes)
        return TraversalParams.create(**values)

    def _broadcast(self, new_rank: int, changes: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        received = f"Received: input_size={short_repr(changes['input_size'])}"
        for name in ("kernel_size", "strides", "dilation_rate"):
            if name not in changes:
                old = getattr(self, name)
                if len(set(old)) != 1:
                    raise ValueError(
                        f"Cannot change to {new_rank}-D input: `{name}`={old} differs per axis. "
                        f"Set {name} too, e.g. w.update(input_size=..., {name}=...). {received}"
                    )
                out[name] = old[0]
        if "padding" not in changes and not isinstance(self.padding, str):
            if len(set(self.padding)) != 1:
                raise ValueError(
                    f"Cannot change to {new_rank}-D input: explicit padding {self.padding} differs "
                    f"per axis. Set padding too. {received}"
                )
            out["padding"] = self.padding[0]
        return out

    def _check_groups(self) -> None:
        if self.groups > 1 and (self.in_channels % self.groups or self.filters % self.groups):
            raise ValueError(
                f"`groups` must divide both the input channels and the filters (Keras' rule): each group of "
                f"{self.in_channels}/{self.groups} channels gets its own filters. "
                f"Received: groups={self.groups}, in_channels={self.in_channels}, filters={self.filters}"
            )

    def axes(self) -> tuple[Any, ...]:
        """One :class:`~convkit.core.axis.ConvAxis` per spatial axis (the traversal's)."""
        return self.traversal.axes


def _pool_traversal(
    size: tuple[int, ...], pool_size: Any, strides: Any, padding: Any, dilation_rate: Any, operation: str
) -> Traversal:
    """A pooling window's traversal: :func:`~convkit.core.axis.pool_axis` per axis (no dilation)."""
    rank = len(size)
    dilation = normalize_tuple(dilation_rate, rank, "dilation_rate")
    if max(dilation) > 1:
        raise ValueError(
            f"Pooling windows are not dilated: use dilation_rate=1 with operation={operation!r}. "
            f"Received: dilation_rate={dilation}"
        )
    pool = normalize_tuple(pool_size, rank, "kernel_size")
    stride = pool if strides is None else normalize_tuple(strides, rank, "strides")
    names = axis_names(rank)
    return traversal_from_axes([pool_axis(n, k, s, padding, axis=a) for n, k, s, a in zip(size, pool, stride, names)])


def too_large_reason(params: TraversalParams) -> str | None:
    """Why the widget will not draw these settings (too many cells for a canvas), or ``None``."""
    padded = params.traversal.padded_size
    if params.rank == 1 and padded[0] > MAX_DRAW_LENGTH:
        return (
            f"too large to draw: the padded strip has {padded[0]:,} cells and the widget draws at most "
            f"{MAX_DRAW_LENGTH:,}. Use a shorter input, or save(...) a picture."
        )
    cells = math.prod(padded)
    if params.rank == 2 and cells > MAX_DRAW_CELLS:
        return (
            f"too large to draw: the padded input {padded[0]}×{padded[1]} has {cells:,} cells and the widget "
            f"draws at most {MAX_DRAW_CELLS:,} (1024×1024). Use a smaller input."
        )
    return None


def demo_numbers(
    params: TraversalParams, seed: int = 0
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """Small integers for ``numbers=True`` (reproducible), on every channel and every filter, in Keras' layouts:
    input values 0..9 ``(1, *input_size, C)``, kernel weights -1..2 (``(*k, C // groups, filters)``; depthwise
    ``(*k, C, depth_multiplier)``), bias -2..2 (``(filters,)``; depthwise ``(C·M,)``) and a separable's pointwise
    weights -1..2 ``(C·M, filters)``. Pooling gets ``x`` only (the others ``None``).

    >>> x, kernel, bias, pointwise = demo_numbers(TraversalParams.create((4, 4), 3, in_channels=3, filters=2))
    >>> x.shape, kernel.shape, bias.shape, pointwise is None
    ((1, 4, 4, 3), (3, 3, 3, 2), (2,), True)
    """
    rng = np.random.default_rng(seed)
    c, m, f = params.in_channels, params.depth_multiplier, params.filters
    x = rng.integers(0, 10, size=(1, *params.input_size, c)).astype(np.float64)
    if params.is_pool:
        return x, None, None, None
    depthwise = params.kind != "conv"
    depth, last = (c, m) if depthwise else (c // params.groups, f)
    kernel = rng.integers(-1, 3, size=(*params.kernel_size, depth, last)).astype(np.float64)
    bias = rng.integers(-2, 3, size=c * m if params.kind == "depthwise" else f).astype(np.float64)
    pointwise = rng.integers(-1, 3, size=(c * m, f)).astype(np.float64) if params.kind == "separable" else None
    return x, kernel, bias, pointwise
