"""What the traversal widget sends to the browser: a small JSON header and a few binary arrays.

Everything here is computed from the core (``traverse``/``traversal_from_axes`` for geometry, ``convolve``/``pool``
for numbers, ``format_axis`` for the formula lines); the browser only indexes these arrays. The header's ``"view"``
(:func:`~convkit.widgets._traversal_view.view_header`) says how a large input or output is shown through a view
that follows the kernel.

Binary arrays (little-endian, C-order, sent once per change of settings):

``origins``   ``(num_steps, rank)`` of ``header["index_dtype"]`` (int16 or int32): the input coordinate of every
              step's first tap (``Traversal.origins()``; negative inside the before-padding). Step ``i`` writes
              output cell ``unravel_index(i, output_size)`` (the core's C-order).
``offsets``   ``(num_taps, rank)`` of the same dtype: ``Traversal.tap_offsets()`` (kernel index × dilation);
              the taps of step ``i`` are ``origins[i] + offsets``.
``coverage``  ``input_size`` of ``header["coverage_dtype"]`` (uint8/uint16/uint32): ``Traversal.coverage``.
``x_values``  float64 ``input_size``: input channel 0 (numbers mode only, else empty).
``w_values``  float64 ``(num_taps,)``: kernel weights of input channel 0, filter 0 (conv numbers mode only).
``y_values``  float64 ``(num_steps,)``: output channel 0 in step order, from ``convolve``/``pool``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core.traversal import Traversal
from ._traversal_params import (
    MAX_NUMBERS_CELLS,
    MAX_NUMBERS_VALUES,
    TraversalParams,
    demo_numbers,
    too_large_reason,
)
from ._traversal_view import view_header

__all__ = ["Payload", "build_payload", "decode", "normalize_numbers", "depth_line", "title_line"]

_LAYER_NAMES = {"conv": "Conv", "depthwise": "DepthwiseConv", "separable": "SeparableConv"}
_POOL_NAMES = {"max": "MaxPooling", "average": "AveragePooling"}


@dataclass(frozen=True)
class Payload:
    """The header (JSON-able dict) and the binary arrays for one set of settings."""

    header: dict[str, Any]
    buffers: dict[str, bytes] = field(default_factory=dict)
    traversal: Traversal | None = None


def _times(values: tuple[int, ...]) -> str:
    return "×".join(str(v) for v in values)


def _index_dtype(*arrays: np.ndarray) -> np.dtype:
    lo = min((int(a.min()) for a in arrays if a.size), default=0)
    hi = max((int(a.max()) for a in arrays if a.size), default=0)
    return np.dtype("<i2") if -(2**15) <= lo and hi < 2**15 else np.dtype("<i4")


def _count_dtype(counts: np.ndarray) -> np.dtype:
    top = int(counts.max()) if counts.size else 0
    return np.dtype("u1") if top < 2**8 else np.dtype("<u2") if top < 2**16 else np.dtype("<u4")


def decode(data: bytes, dtype: str, shape: tuple[int, ...]) -> np.ndarray:
    """Read one of the payload's binary arrays back (what the browser does with typed arrays)."""
    return np.frombuffer(data, dtype=np.dtype(dtype).newbyteorder("<")).reshape(shape)


def layer_name(params: TraversalParams) -> str:
    base = _POOL_NAMES[params.operation] if params.is_pool else _LAYER_NAMES[params.kind]
    return f"{base}{params.rank}D"


def depth_line(params: TraversalParams) -> str:
    """The channel story: only depth must match between layers, and what sets the output depth."""
    c = params.in_channels
    if params.is_pool:
        return f"input channels {c} · pooling works on each channel alone → output depth {c} (unchanged)"
    if params.kind == "depthwise":
        m = params.depth_multiplier
        return (f"input channels {c} · one kernel of depth 1 per channel × depth_multiplier {m} "
                f"→ output depth {c}·{m} = {c * m}")
    if params.kind == "separable":
        m, f = params.depth_multiplier, params.filters
        return (f"input channels {c} · depthwise part: one depth-1 kernel per channel × {m} → {c * m} · "
                f"pointwise 1×1 kernel depth {c * m} → filters {f} → output depth {f}")
    f = params.filters
    if params.groups > 1:
        g = params.groups
        return (f"input channels {c} in {g} groups · kernel depth {c // g} (must match {c}/{g}) → filters {f} "
                f"→ output depth {f}")
    return f"input channels {c} · kernel depth {c} (must match) → filters {f} → output depth {f}"


def title_line(params: TraversalParams, output_size: tuple[int, ...]) -> str:
    pad = params.padding if isinstance(params.padding, str) else f"explicit {list(map(list, params.padding))}"
    dil = f", dilation {_times(params.dilation_rate)}" if max(params.dilation_rate) > 1 else ""
    what = "pool" if params.is_pool else "kernel"
    return (f"{layer_name(params)}: input {_times(params.input_size)}×{params.in_channels}, {what} "
            f"{_times(params.kernel_size)}, strides {_times(params.strides)}{dil}, padding {pad} "
            f"→ output {_times(output_size)}×{params.output_depth}")


def _formula_lines(params: TraversalParams, axes: list[Any]) -> list[str]:
    from ..core.args import axis_names
    from ..core.explain import axis_notes, format_axis

    lines = [format_axis(a, name) for a, name in zip(axes, axis_names(params.rank))]
    notes = dict.fromkeys(note for a in axes for note in axis_notes(a))
    return lines + list(notes)


def normalize_numbers(numbers: Any, params: TraversalParams) -> tuple[np.ndarray, np.ndarray | None] | None:
    """``None``, or ``(x, kernel)`` shaped ``(1, *input_size, C_in)`` and ``(*kernel_size, depth, F)``.

    ``numbers=True`` picks small integers; ``(x, kernel)`` may leave out the batch and channel axes
    (``x`` of shape ``input_size``, ``kernel`` of shape ``kernel_size``); pooling needs no kernel.
    """
    if numbers is None or numbers is False:
        return None
    cells = int(np.prod(params.input_size))
    if cells > MAX_NUMBERS_CELLS:
        raise ValueError(
            f"Numbers mode shows the values of inputs up to {MAX_NUMBERS_CELLS:,} cells (256×256); this input has "
            f"{cells:,}. Use numbers=None or a smaller input. Received: input_size={params.input_size}"
        )
    values = cells * params.in_channels
    if values > MAX_NUMBERS_VALUES:
        raise ValueError(
            f"Numbers mode computes every input channel: {cells:,} cells × {params.in_channels:,} channels = "
            f"{values:,} values, more than the {MAX_NUMBERS_VALUES:,} it handles. Use fewer channels, a smaller "
            f"input or numbers=None. Received: in_channels={params.in_channels}")
    if params.groups > 1:
        raise ValueError(f"Numbers mode draws ungrouped layers only. Use numbers=None, or groups=1. "
                         f"Received: groups={params.groups}")
    if numbers is True:
        return demo_numbers(params)
    if isinstance(numbers, np.ndarray) or not isinstance(numbers, (tuple, list)) or len(numbers) != 2:
        if params.is_pool:
            numbers = (numbers, None)
        else:
            raise TypeError(
                "`numbers` must be None, True, or a pair (x, kernel) of arrays. "
                f"Received: numbers of type {type(numbers).__name__}"
            )
    x, kernel = (np.asarray(numbers[0], dtype=np.float64),
                 None if numbers[1] is None else np.asarray(numbers[1], dtype=np.float64))
    size, c = params.input_size, params.in_channels
    for shape in (size, (*size, c), (1, *size, c)):
        if x.shape == shape:
            x = x.reshape(1, *size, c)
            break
    else:
        raise ValueError(
            f"`numbers` x must have shape {size}, {(*size, c)} or {(1, *size, c)} for input_size={size} and "
            f"in_channels={c}. Received: x.shape={x.shape}"
        )
    if params.is_pool:
        return x, None
    if kernel is None:
        raise ValueError("`numbers` needs kernel weights for a convolution: numbers=(x, kernel). Received: kernel=None")
    depth = 1 if params.kind != "conv" else c
    k = params.kernel_size
    if kernel.shape == k:
        kernel = kernel.reshape(*k, 1, 1)
        if depth != 1:
            kernel = np.repeat(kernel, depth, axis=-2)
    if kernel.shape[:-1] != (*k, depth) or kernel.ndim != len(k) + 2:
        raise ValueError(
            f"`numbers` kernel must have shape {k} or {(*k, depth, 'filters')} (kernel depth {depth} must match "
            f"the input channels). Received: kernel.shape={kernel.shape}"
        )
    return x, kernel


def _numbers_buffers(params: TraversalParams, traversal: Traversal,
                     values: tuple[np.ndarray, np.ndarray | None]) -> dict[str, bytes]:
    from ..core.numeric import convolve, pool

    x, kernel = values
    if params.is_pool:
        y = pool(x[..., :1], params.kernel_size, params.strides, params.padding, params.operation)
        w = np.zeros(0)
    else:
        xs, ks = (x, kernel[..., :1]) if params.kind == "conv" else (x[..., :1], kernel[..., :1, :1])
        y = convolve(xs, ks, params.strides, params.padding, params.dilation_rate)
        w = kernel[..., 0, 0].reshape(-1)  # C-order over the kernel = the core's tap order
    return {
        "x_values": np.ascontiguousarray(x[0, ..., 0], "<f8").tobytes(),
        "w_values": np.ascontiguousarray(w, "<f8").tobytes(),
        "y_values": np.ascontiguousarray(y[0, ..., 0], "<f8").reshape(-1).tobytes(),
    }


def build_payload(params: TraversalParams, numbers: Any = None, *, coverage: bool = False,
                  palettes: dict[str, dict[str, str]] | None = None) -> Payload:
    """Header + binary arrays for ``params``; raises ``ValueError``/``TypeError`` for impossible settings."""
    from ..render.style import palette

    axes = params.axes()
    values = normalize_numbers(numbers, params)
    header: dict[str, Any] = {
        "version": 1,
        "rank": params.rank,
        "operation": params.operation,
        "kind": params.kind,
        "input_size": list(params.input_size),
        "kernel_size": list(params.kernel_size),
        "strides": list(params.strides),
        "dilation_rate": list(params.dilation_rate),
        "padding_mode": params.padding if isinstance(params.padding, str) else "explicit",
        "padding": [[a.pad_before, a.pad_after] for a in axes],
        "padded_size": [a.padded_size for a in axes],
        "effective_kernel": [a.effective_kernel for a in axes],
        "output_size": [a.output for a in axes],
        "in_channels": params.in_channels,
        "output_depth": params.output_depth,
        "formula": _formula_lines(params, axes),
        "depth": depth_line(params),
        "palette": palettes or {"light": palette("light").as_dict(), "dark": palette("dark").as_dict()},
        "coverage_shown": bool(coverage),
        "numbers": None,
        "too_large": too_large_reason(params),
    }
    header["view"] = view_header(header)
    if header["too_large"]:
        header.update(num_steps=int(np.prod(header["output_size"])), num_taps=int(np.prod(params.kernel_size)),
                      title=title_line(params, tuple(header["output_size"])))
        return Payload(header)
    traversal = params.traversal()
    origins, offsets = traversal.origins(), traversal.tap_offsets()
    counts = traversal.coverage
    idx, cnt = _index_dtype(origins, offsets), _count_dtype(counts)
    unread = int(np.count_nonzero(counts == 0))
    header.update(
        num_steps=traversal.num_steps,
        num_taps=traversal.num_taps,
        title=title_line(params, traversal.output_size),
        index_dtype=idx.name,
        coverage_dtype=cnt.name,
        unread_cells=unread,
        unread_fraction=traversal.unread_fraction,
        max_coverage=int(counts.max()),
    )
    buffers = {
        "origins": np.ascontiguousarray(origins, idx).tobytes(),
        "offsets": np.ascontiguousarray(offsets, idx).tobytes(),
        "coverage": np.ascontiguousarray(counts, cnt).tobytes(),
        "x_values": b"", "w_values": b"", "y_values": b"",
    }
    if values is not None:
        buffers.update(_numbers_buffers(params, traversal, values))
        header["numbers"] = {"channels": params.in_channels if params.kind == "conv" else 1,
                             "pool": params.is_pool}
    return Payload(header, buffers, traversal)
