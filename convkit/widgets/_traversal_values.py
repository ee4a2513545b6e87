"""Numbers mode of a :class:`~convkit.widgets.traversal.KernelTraversal`: the ``numbers`` setting checked, and
the values it shows (every input channel, every filter's weights and bias, every output) computed by the core and
written as text.

:func:`check_numbers` is the one place that reads a learner's ``numbers``: ``None``/``False`` (off), ``True``
(small integer demo values on every channel and filter, bias included) or arrays in Keras' layouts,
``(x, kernel)`` or ``(x, kernel, bias)``:

- ``x``: ``(1, *input_size, in_channels)`` or ``(*input_size, in_channels)`` (one channel: ``input_size`` too);
- ``kernel``: ``(*kernel_size, in_channels // groups, filters)`` for a convolution (grouped too),
  ``(*kernel_size, in_channels, depth_multiplier)`` for a depthwise one, or ``kernel_size`` alone (the same
  weights on every channel and filter);
- separable: ``(x, depthwise_kernel, pointwise_kernel[, bias])`` as ``SeparableConv2D.get_weights()``, the
  pointwise kernel ``(*(1,)*rank, in_channels·depth_multiplier, filters)`` (``(x, depthwise_kernel)`` draws the
  depthwise phase only);
- ``bias``: ``(filters,)`` (depthwise: ``(in_channels·depth_multiplier,)``);
- pooling: ``x`` alone.

Anything that is not an array of finite real numbers of the right shape is refused with a ``ValueError``/
``TypeError`` that names the value (strings, complex numbers, ``10**400``, ragged lists ...).
:func:`shown_values` computes what the picture shows with :func:`convkit.core.step_arithmetic.layer_output` /
:func:`convkit.pool`; its texts are :func:`convkit.core.words.number_texts`, the exporter's, so both write the
same digits. The work is bounded up front (:data:`MAX_NUMBERS_VALUES` input values and weights,
:data:`MAX_NUMBERS_WORK` multiply-adds for every filter's output).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.words import integral, number_texts, short_repr
from ._traversal_params import MAX_NUMBERS_CELLS, MAX_NUMBERS_VALUES, TraversalParams, demo_numbers

__all__ = ["MAX_ABS_VALUE", "MAX_NUMBERS_WORK", "Numbers", "ShownValues", "check_numbers", "shown_values"]

#: Largest magnitude of a value in numbers mode (products and sums stay far from float overflow).
MAX_ABS_VALUE = 1e100
#: Largest number of multiply-adds numbers mode spends on every filter's output (:attr:`ShownValues.y_all`);
#: above it only filter 0's output is computed (the per-step arithmetic is always complete).
MAX_NUMBERS_WORK = 2**27


@dataclass(frozen=True)
class Numbers:
    """The checked numbers, in Keras' layouts: ``x`` ``(1, *input_size, C)``, ``kernel`` (``None`` for pooling),
    ``bias`` (``None`` for pooling, zeros when not given), ``pointwise`` ``(C·M, F)`` (separable only) and
    ``bias_given``: whether the layer has a bias (given, or the demo values' one): the grid's sum line says it."""

    x: np.ndarray
    kernel: np.ndarray | None = None
    bias: np.ndarray | None = None
    pointwise: np.ndarray | None = None
    bias_given: bool = False


@dataclass(frozen=True)
class ShownValues:
    """What numbers mode shows.

    ``x`` ``(1, *input_size, C)`` and ``kernel`` (Keras' layout, ``None`` for pooling) as checked; ``y`` output
    plane 0 of what the grid draws, in step order: filter 0's multiply-sum over every channel it reads plus its
    bias (the layer's output, the grid's output cells and the sum line's right-hand side; a separable's
    depthwise phase has no bias); the texts of the input cells of channel 0, of the kernel taps (channel 0,
    filter 0) and of ``y``; ``grid_bias`` the bias the grid's sum line writes (``None`` when the layer has none:
    not given, pooling, a separable's depthwise phase).

    For the depth view: ``bias`` as Keras holds it (``(filters,)``; depthwise ``(C·M,)``; zeros when none was given;
    ``None`` for pooling), ``pointwise`` ``(C·M, F)`` (separable, when given), ``y_all`` every output plane the
    picture draws, bias included, ``(num_steps, planes)`` (planes: ``filters``; depthwise and the depthwise phase
    of a separable: ``C·M``, no bias for the separable; pooling: ``C``), or ``None`` when that is more than
    :data:`MAX_NUMBERS_WORK` multiply-adds; ``y_pointwise`` a separable's layer output ``(num_steps, filters)``;
    ``plane_bias`` the bias of each plane of ``y_all`` (zeros for a separable's depthwise phase; ``None`` for
    pooling); ``whole`` whether every number is whole (the one formatting rule of every text: :func:`channel_texts` ...).
    """

    x: np.ndarray
    kernel: np.ndarray | None
    y: np.ndarray
    x_text: list[str]
    w_text: list[str] | None
    y_text: list[str]
    bias: np.ndarray | None = None
    pointwise: np.ndarray | None = None
    y_all: np.ndarray | None = None
    y_pointwise: np.ndarray | None = None
    whole: bool = True
    plane_bias: np.ndarray | None = None
    grid_bias: float | None = None

    def channel_texts(self, channel: int) -> list[str]:
        """The texts of input channel ``channel``'s cells, C-order (the same rule as every other text)."""
        return number_texts(self.x[0, ..., channel], self.whole)

    def bias_texts(self) -> list[str]:
        """The texts of the bias, one per filter (``[]`` for pooling)."""
        return [] if self.bias is None else number_texts(self.bias, self.whole)

    def y_texts(self, plane: int) -> list[str] | None:
        """The texts of output plane ``plane`` of ``y_all`` in step order (``None`` when not computed)."""
        return None if self.y_all is None else number_texts(self.y_all[:, plane], self.whole)


_POSITIONS = {"x": 0, "kernel": 1}


def _real_array(value: Any, what: str, position: int | None = None) -> np.ndarray:
    """``value`` as a float64 array of finite real numbers, or a clear refusal naming it (``what``: ``x`` is
    ``numbers[0]``, ``kernel`` is ``numbers[1]``, else ``position``)."""
    shown = f"Received: numbers[{_POSITIONS.get(what, position)}]={short_repr(value)}"
    if isinstance(value, (str, bytes)):
        raise TypeError(f"`numbers` {what} must be an array of numbers, not text. {shown}")
    try:
        array = np.asarray(value)
    except (ValueError, TypeError, OverflowError):
        raise TypeError(
            f"`numbers` {what} must be an array of numbers (nested lists of equal length work too). {shown}"
        ) from None
    if array.dtype.kind == "c":
        raise TypeError(
            f"`numbers` {what} must hold real numbers, not complex ones: use the real part "
            f"(x.real) if that is what you mean. {shown}"
        )
    if array.dtype.kind not in "biuf":
        raise TypeError(f"`numbers` {what} must hold real numbers (ints or floats), not {array.dtype} values. {shown}")
    if array.size > MAX_NUMBERS_VALUES:
        raise ValueError(
            f"`numbers` {what} holds {array.size:,} values; numbers mode handles at most {MAX_NUMBERS_VALUES:,}. "
            f"Use fewer channels or filters, or numbers=None. {shown}"
        )
    array = array.astype(np.float64)
    if array.size and not (np.isfinite(array).all() and np.abs(array).max() <= MAX_ABS_VALUE):
        raise ValueError(
            f"`numbers` {what} must hold finite numbers of at most {MAX_ABS_VALUE:g} in size (no nan or inf). {shown}"
        )
    return array


def _check_size(params: TraversalParams) -> None:
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
            f"input or numbers=None. Received: in_channels={params.in_channels}"
        )
    weights = _weight_count(params)
    if weights > MAX_NUMBERS_VALUES:
        raise ValueError(
            f"Numbers mode holds every weight: this layer has {weights:,}, more than the {MAX_NUMBERS_VALUES:,} it "
            f"handles. Use fewer channels or filters, a smaller kernel or numbers=None. "
            f"Received: in_channels={params.in_channels}, filters={params.filters}"
        )


def _weight_count(params: TraversalParams) -> int:
    taps = math.prod(params.kernel_size)
    c, m, f = params.in_channels, params.depth_multiplier, params.filters
    if params.is_pool:
        return 0
    if params.kind == "conv":
        return taps * (c // params.groups) * f
    return taps * c * m + (c * m * f if params.kind == "separable" else 0)


def _pair(numbers: Any, params: TraversalParams) -> tuple[Any, ...]:
    """The learner's ``numbers`` as a tuple of arrays (pooling: ``(x,)``), or a refusal saying what is expected."""
    if params.is_pool:
        if isinstance(numbers, (tuple, list)) and len(numbers) == 2 and numbers[1] is None:
            return (numbers[0],)
        if isinstance(numbers, tuple) and len(numbers) == 1:
            return numbers
        return (numbers,)
    if isinstance(numbers, str) and numbers == "weights":
        raise TypeError(
            'numbers="weights" reads a built Keras layer\'s weights: use KernelTraversal.from_layer(layer, '
            "input_shape, numbers=\"weights\"), or numbers=True for demo values. Received: numbers='weights'"
        )
    most = 4 if params.kind == "separable" else 3
    if isinstance(numbers, np.ndarray) or not isinstance(numbers, (tuple, list)) or not 2 <= len(numbers) <= most:
        layouts = (
            "(x, depthwise_kernel), (x, depthwise_kernel, pointwise_kernel) or "
            "(x, depthwise_kernel, pointwise_kernel, bias)"
            if params.kind == "separable"
            else "(x, kernel) or (x, kernel, bias)"
        )
        raise TypeError(
            f"`numbers` must be None, True, or arrays {layouts}. "
            f"Received: numbers={short_repr(numbers)} (of type {type(numbers).__name__})"
        )
    if numbers[1] is None:
        raise ValueError("`numbers` needs kernel weights for a convolution: numbers=(x, kernel). Received: kernel=None")
    return tuple(numbers)


def _input(value: Any, params: TraversalParams) -> np.ndarray:
    x = _real_array(value, "x")
    size, c = params.input_size, params.in_channels
    shapes = ((size,) if c == 1 else ()) + ((*size, c), (1, *size, c))  # one channel may leave its axis out
    if x.shape not in shapes:
        raise ValueError(
            f"`numbers` x must have shape {' or '.join(map(str, shapes))} for input_size={size} and "
            f"in_channels={c}. Received: x.shape={x.shape}"
        )
    return x.reshape(1, *size, c)


def _kernel(value: Any, params: TraversalParams) -> np.ndarray:
    """The kernel in Keras' layout: ``(*k, C // groups, filters)`` or depthwise ``(*k, C, M)``."""
    kernel = _real_array(value, "kernel")
    k, c = params.kernel_size, params.in_channels
    depthwise = params.kind != "conv"
    depth, last = (c, params.depth_multiplier) if depthwise else (c // params.groups, params.filters)
    if kernel.shape == k:  # the same weights on every channel and filter
        kernel = np.broadcast_to(kernel.reshape(*k, 1, 1), (*k, depth, last)).copy()
    if kernel.shape != (*k, depth, last):
        if depthwise:
            want = f"(*kernel_size, in_channels, depth_multiplier) = {(*k, depth, last)}"
            fix = "one kernel per input channel and per depth_multiplier"
        else:
            groups = f" // groups {params.groups}" if params.groups > 1 else ""
            want = f"(*kernel_size, in_channels{groups}, filters) = {(*k, depth, last)}"
            fix = f"the kernel's depth {depth} must match the channels each filter reads"
        raise ValueError(
            f"`numbers` kernel must have shape {k} or {want} ({fix}; set the layer's settings to the kernel's "
            f"if they differ). Received: kernel.shape={kernel.shape}"
        )
    return kernel


def _pointwise(value: Any, params: TraversalParams) -> np.ndarray:
    pw = _real_array(value, "pointwise kernel", 2)
    planes, f = params.in_channels * params.depth_multiplier, params.filters
    if pw.shape not in ((planes, f), (*(1,) * params.rank, planes, f)):
        raise ValueError(
            f"`numbers` pointwise kernel must have shape {(*(1,) * params.rank, planes, f)} "
            f"(1×1, in_channels·depth_multiplier, filters). Received: pointwise.shape={pw.shape}"
        )
    return pw.reshape(planes, f)


def _bias(value: Any, params: TraversalParams, position: int) -> np.ndarray:
    planes = params.in_channels * params.depth_multiplier if params.kind == "depthwise" else params.filters
    bias = _real_array(value, "bias", position)
    if bias.shape != (planes,):
        what = "in_channels·depth_multiplier" if params.kind == "depthwise" else "filters"
        raise ValueError(
            f"`numbers` bias must have shape ({planes},): one per output plane ({what}). "
            f"Received: bias.shape={bias.shape}"
        )
    return bias


def check_numbers(numbers: Any, params: TraversalParams) -> Numbers | None:
    """``None`` (numbers off), or the checked :class:`Numbers` (see the module's docstring for the layouts)."""
    if numbers is None or numbers is False or (isinstance(numbers, np.bool_) and not numbers):
        return None
    _check_size(params)
    if numbers is True or isinstance(numbers, np.bool_):
        x, kernel, bias, pointwise = demo_numbers(params)
        return Numbers(x, kernel, bias, pointwise, bias_given=bias is not None)
    parts = _pair(numbers, params)
    x = _input(parts[0], params)
    if params.is_pool:
        return Numbers(x)
    kernel = _kernel(parts[1], params)
    pointwise = bias = None
    rest = list(parts[2:])
    if params.kind == "separable" and rest and rest[0] is not None and np.ndim(rest[0]) >= 2:
        pointwise = _pointwise(rest.pop(0), params)
    if rest and rest[0] is not None:
        bias = _bias(rest[0], params, len(parts) - 1)
    if rest[1:]:
        raise TypeError(
            "`numbers` for a separable convolution is (x, depthwise_kernel, pointwise_kernel, bias). "
            f"Received: numbers of length {len(parts)}"
        )
    given = bias is not None
    if bias is None:
        bias = np.zeros(params.in_channels * params.depth_multiplier if params.kind == "depthwise" else params.filters)
    return Numbers(x, kernel, bias, pointwise, bias_given=given)


def _work(params: TraversalParams, planes: int) -> int:
    t = params.traversal
    reads = params.in_channels // params.groups if params.kind == "conv" else 1
    return t.num_steps * t.num_taps * reads * planes


def shown_values(params: TraversalParams, checked: Numbers) -> ShownValues:
    """Every output plane (when the work is bounded), filter 0's sum, and the texts of channel 0 / filter 0."""
    from ..core.numeric import pool
    from ..core.step_arithmetic import layer_output

    x, kernel, n = checked.x, checked.kernel, params.traversal.num_steps
    y_all = y_pointwise = plane_bias = grid_bias = None
    if params.is_pool or kernel is None:
        y_all = pool(x, params.kernel_size, params.strides, str(params.padding), params.operation).reshape(n, -1)
        y0, w = y_all[:, 0], None
    else:
        geometry = (params.strides, params.padding, params.dilation_rate)
        kind = params.kind
        planes = kernel.shape[-2] * kernel.shape[-1] if kind != "conv" else kernel.shape[-1]
        plane_bias = np.zeros(planes) if kind == "separable" else checked.bias
        if checked.bias_given and kind != "separable" and plane_bias is not None:
            grid_bias = float(plane_bias[0])
        if _work(params, planes) <= MAX_NUMBERS_WORK:
            raw = layer_output(x, kernel, *geometry, kind=kind, groups=params.groups).reshape(n, planes)
            y_all = raw + (0.0 if plane_bias is None else plane_bias)
            y0 = y_all[:, 0].copy()
            if kind == "separable" and checked.pointwise is not None:
                y_pointwise = raw @ checked.pointwise + (0.0 if checked.bias is None else checked.bias)
        else:  # filter 0 alone: it reads channels 0 … reads - 1
            first = kernel[..., :1] if kind == "conv" else kernel[..., :1, :1]
            xs = x[..., : first.shape[-2]]
            y0 = layer_output(xs, first, *geometry).reshape(-1) + (0.0 if plane_bias is None else plane_bias[0])
        w = kernel[..., 0, 0].reshape(-1)  # C-order over the kernel = the core's tap order
    whole = integral(x, kernel, checked.bias, checked.pointwise)
    x0 = x[0, ..., 0]
    return ShownValues(
        x,
        kernel,
        y0,
        number_texts(x0, whole),
        None if w is None else number_texts(w, whole),
        number_texts(y0, whole),
        checked.bias,
        checked.pointwise,
        y_all,
        y_pointwise,
        whole,
        plane_bias,
        grid_bias,
    )
