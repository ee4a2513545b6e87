"""The arithmetic of one step across the depth: one partial multiply-sum per input channel, the bias, the cell.

A convolution's output cell is a sum over every input channel it reads (``in_channels`` for a plain one,
``in_channels // groups`` for a grouped one, 1 for a depthwise one) of that channel's window times its kernel
slice, plus the filter's bias. :func:`step_arithmetic` takes the numbers in Keras' layouts and returns that sum
as a frozen :class:`StepArithmetic` whose ``str()`` is the narration in the learner's numbers
(:func:`convkit.core.words.arithmetic_sentence`, the sentence the widget and the exports say).

:func:`layer_output` computes every output cell of such a layer (plain, grouped, depthwise, separable) with
:func:`convkit.core.numeric.convolve`, so the widget's numbers and the per-step arithmetic come from the same core.

Layouts (channels last, as Keras' ``layer.get_weights()``):

- ``x``: ``(1, *spatial, in_channels)`` or ``(*spatial, in_channels)``;
- plain/grouped ``kernel``: ``(*kernel_size, in_channels // groups, filters)``; filter ``f`` reads group
  ``f // (filters // groups)``;
- depthwise ``kernel``: ``(*kernel_size, in_channels, depth_multiplier)``; output plane ``c·M + m`` is channel
  ``c`` with kernel ``m`` (TensorFlow's order);
- separable: the depthwise ``kernel`` above, ``pointwise`` ``(*(1,)*rank, in_channels·M, filters)``;
- ``bias``: ``(filters,)`` (depthwise: ``(in_channels·M,)``; separable: applied after the pointwise phase).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .args import short_repr
from .numeric import convolve
from .traversal import Step, Traversal
from .words import arithmetic_sentence, integral

__all__ = ["KINDS", "PHASES", "StepArithmetic", "layer_output", "step_arithmetic"]

#: ``kind`` of :func:`step_arithmetic`: a plain (or grouped, with ``groups``) convolution, depthwise, separable,
#: or pooling (``operation="max"``/``"average"``).
KINDS = ("conv", "depthwise", "separable")
#: The phases of a separable convolution.
PHASES = ("depthwise", "pointwise")


@dataclass(frozen=True, slots=True)
class StepArithmetic:
    """One output cell of one filter, channel by channel.

    Attributes
    ----------
    step, filter
        The step (0-based, C-order over the output) and the output plane (filter; depthwise: plane ``c·M + m``).
    output_index
        The output cell the step writes.
    kind
        ``"conv"``, ``"grouped"``, ``"depthwise"``, ``"separable"`` (its depthwise phase), ``"pointwise"``
        (a separable convolution's 1×1 phase) or ``"pool"``.
    channels
        One partial multiply-sum per input channel feeding the cell, in channel order (pooling: the window's max
        or mean of its one channel; pointwise: depthwise output times its 1×1 weight).
    channel_indices
        Which input channels those are (pointwise: which depthwise output channels).
    bias
        The filter's bias (0.0 when there is none; always 0.0 for pooling and the depthwise phase of a separable).
    value
        The partials summed in channel order, plus the bias: the output cell.
    terms
        Per channel, the ``(input value, weight)`` pairs in tap order. A padding tap reads 0.0. Pooling lists
        the window's cells that are not padding, each with weight 1.0.
    """

    step: int
    filter: int
    output_index: tuple[int, ...]
    kind: str
    channels: tuple[float, ...]
    channel_indices: tuple[int, ...]
    bias: float
    value: float
    terms: tuple[tuple[tuple[float, float], ...], ...]
    operation: str = "conv"
    groups: int = 1
    depth_multiplier: int = 1
    whole: bool = True

    def __str__(self) -> str:
        return arithmetic_sentence(
            self.output_index,
            self.filter,
            kind=self.kind,
            operation=self.operation,
            channels=self.channel_indices,
            groups=self.groups,
            depth_multiplier=self.depth_multiplier,
            partials=self.channels,
            bias=None if self.kind == "pool" else self.bias,
            whole=self.whole,
        )


# ----------------------------------------------------------------------------------------------- checks
def _array(value: Any, name: str) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"`{name}` must be an array of real numbers. Received: {name}={short_repr(value)}") from None
    return array


def _index(value: Any, size: int, name: str, what: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or not 0 <= value < size:
        raise ValueError(
            f"`{name}` must be an integer from 0 to {size - 1} ({what}). Received: {name}={short_repr(value)}"
        )
    return int(value)


def _input(traversal: Traversal, x: Any) -> np.ndarray:
    """``x`` as ``(*input_size, C)``."""
    array = _array(x, "x")
    size = traversal.input_size
    if array.ndim == len(size) + 2 and array.shape[0] == 1:
        array = array[0]
    if array.ndim != len(size) + 1 or array.shape[:-1] != size or array.shape[-1] < 1:
        raise ValueError(
            f"`x` must have shape (1, *input_size, in_channels) or (*input_size, in_channels) with input_size="
            f"{size}. Received: x.shape={np.shape(x)}"
        )
    return array


def _kernel(traversal: Traversal, kernel: Any, depth: int, name: str = "kernel") -> np.ndarray:
    array = _array(kernel, name)
    k = traversal.kernel_size
    if array.ndim != len(k) + 2 or array.shape[:-1] != (*k, depth) or array.shape[-1] < 1:
        raise ValueError(
            f"`{name}` must have shape {(*k, depth, '…')} (kernel size, then depth {depth}). "
            f"Received: {name}.shape={np.shape(kernel)}"
        )
    return array


def _bias(bias: Any, planes: int) -> np.ndarray:
    if bias is None:
        return np.zeros(planes)
    array = _array(bias, "bias").reshape(-1) if np.ndim(bias) else _array(bias, "bias")
    if array.shape != (planes,):
        raise ValueError(f"`bias` must have shape ({planes},): one per output plane. Received: bias={short_repr(bias)}")
    return array


def _choice(value: Any, allowed: tuple[str, ...], name: str) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"`{name}` must be one of {', '.join(map(repr, allowed))}. Received: {name}={value!r}")
    return value


# ------------------------------------------------------------------------------------------------ steps
def _taps(step: Step, xs: np.ndarray, channel: int) -> list[float]:
    """The input value of every tap of ``step`` on ``channel`` (0.0 on padding), in tap order."""
    return [0.0 if t.is_padding else float(xs[t.input_index + (channel,)]) for t in step.taps]


def _partial(values: list[float], weights: np.ndarray) -> tuple[float, tuple[tuple[float, float], ...]]:
    """The multiply-sum in tap order (a plain running sum, as the browser adds) and its pairs."""
    pairs = tuple(zip(values, (float(w) for w in weights.reshape(-1))))
    total = 0.0
    for v, w in pairs:
        total += v * w
    return total, pairs


def _total(partials: list[float], bias: float) -> float:
    total = 0.0
    for p in partials:
        total += p
    return total + bias


def step_arithmetic(
    traversal: Traversal,
    x: Any,
    kernel: Any = None,
    *,
    step: int,
    filter: int = 0,
    kind: str = "conv",
    groups: int = 1,
    depth_multiplier: int | None = None,
    bias: Any = None,
    pointwise: Any = None,
    phase: str = "depthwise",
    operation: str = "conv",
) -> StepArithmetic:
    """The arithmetic of output cell ``traversal.steps[step]`` for output plane ``filter``, channel by channel.

    Parameters
    ----------
    traversal
        The layer's geometry (:func:`~convkit.core.traversal.traverse`; pooling: a pooling traversal).
    x, kernel, bias, pointwise
        The numbers in Keras' layouts (see the module's docstring); ``kernel`` is ``None`` for pooling,
        ``pointwise`` only for ``kind="separable"`` with ``phase="pointwise"``.
    step, filter
        The step (0-based; negative counts from the end) and the output plane.
    kind, groups, depth_multiplier
        ``"conv"`` (``groups`` > 1: grouped), ``"depthwise"`` or ``"separable"``; ``depth_multiplier`` is read
        from the kernel when ``None``.
    phase
        Separable only: ``"depthwise"`` (output plane ``c·M + m`` of the depthwise step, no bias) or
        ``"pointwise"`` (filter ``filter`` of the 1×1 step that mixes every depthwise output at this cell, with
        the layer's bias).
    operation
        ``"conv"``, or ``"max"``/``"average"`` for pooling (each channel alone: ``filter`` is the channel).

    Examples
    --------
    >>> from convkit.core.traversal import traverse
    >>> x = np.arange(2 * 3 * 2.0).reshape(2, 3, 2)            # 2×3 input, 2 channels
    >>> kernel = np.ones((2, 2, 2, 3))                          # 2×2 kernel, depth 2, 3 filters
    >>> a = step_arithmetic(traverse((2, 3), 2), x, kernel, step=1, filter=2, bias=[0, 0, 1])
    >>> a.channels, a.bias, a.value
    ((24.0, 28.0), 1.0, 53.0)
    >>> print(a)
    output[0, 1], filter 2 = channel 0: 24 + channel 1: 28 + bias 1 = 53
    """
    t = traversal
    xs = _input(t, x)
    c = xs.shape[-1]
    n = t.num_steps
    step_i = _index(step + n if isinstance(step, (int, np.integer)) and step < 0 else step, n, "step", "a step")
    s = t.steps[step_i]
    if operation != "conv":
        _choice(operation, ("max", "average"), "operation")
        ch = _index(filter, c, "filter", "the channel: pooling keeps each channel apart")
        kept = [float(xs[tap.input_index + (ch,)]) for tap in s.taps if not tap.is_padding]
        total = 0.0
        for v in kept:
            total += v
        value = max(kept) if operation == "max" else total / len(kept)
        pairs = tuple((v, 1.0) for v in kept)
        whole = integral(np.asarray(kept), np.asarray([value]))
        return StepArithmetic(
            step_i, ch, s.output_index, "pool", (value,), (ch,), 0.0, value, (pairs,), operation, whole=whole
        )
    kind = _choice(kind, KINDS, "kind")
    if kind == "conv":
        if groups < 1 or c % groups:
            raise ValueError(f"`groups` must divide the input channels {c}. Received: groups={groups!r}")
        reads = c // groups
        w = _kernel(t, kernel, reads)
        f_total = w.shape[-1]
        if f_total % groups:
            raise ValueError(f"`groups` must divide the filters {f_total}. Received: groups={groups!r}")
        f = _index(filter, f_total, "filter", f"the filter: this layer has {f_total}")
        start = (f // (f_total // groups)) * reads
        b = float(_bias(bias, f_total)[f])
        partials, terms = [], []
        for j in range(reads):
            p, pairs = _partial(_taps(s, xs, start + j), w[..., j, f])
            partials.append(p)
            terms.append(pairs)
        name = "grouped" if groups > 1 else "conv"
        return _result(step_i, f, s, name, partials, tuple(range(start, start + reads)), b, terms, groups, 1)
    w = _kernel(t, kernel, c)
    m = w.shape[-1]
    if depth_multiplier is not None and depth_multiplier != m:
        raise ValueError(
            f"The kernel has {m} kernels per channel but depth_multiplier={depth_multiplier!r}: use a kernel of "
            f"shape {(*t.kernel_size, c, depth_multiplier)}. Received: kernel.shape={w.shape}"
        )
    if kind == "separable":
        phase = _choice(phase, PHASES, "phase")
    if kind == "depthwise" or phase == "depthwise":
        f = _index(filter, c * m, "filter", f"the output plane c·{m} + m: this layer has {c * m}")
        b = float(_bias(bias, c * m)[f]) if kind == "depthwise" else 0.0
        p, pairs = _partial(_taps(s, xs, f // m), w[..., f // m, f % m])
        return _result(step_i, f, s, kind, [p], (f // m,), b, [pairs], 1, m)
    if pointwise is None:
        raise ValueError(
            "The pointwise phase needs the 1×1 weights: pointwise=(…, in_channels·depth_multiplier, filters). "
            "Received: pointwise=None"
        )
    pw = _array(pointwise, "pointwise")
    pw = pw.reshape(-1, pw.shape[-1]) if pw.ndim >= 2 else pw
    if pw.ndim != 2 or pw.shape[0] != c * m or (np.ndim(pointwise) > 2 and math.prod(np.shape(pointwise)[:-2]) != 1):
        raise ValueError(
            f"`pointwise` must have shape {(*(1,) * t.rank, c * m, 'filters')}. "
            f"Received: pointwise.shape={np.shape(pointwise)}"
        )
    f = _index(filter, pw.shape[1], "filter", f"the filter: this layer has {pw.shape[1]}")
    b = float(_bias(bias, pw.shape[1])[f])
    depthwise = []
    for plane in range(c * m):
        p, _ = _partial(_taps(s, xs, plane // m), w[..., plane // m, plane % m])
        depthwise.append(p)
    partials = [d * float(pw[j, f]) for j, d in enumerate(depthwise)]
    terms = [((d, float(pw[j, f])),) for j, d in enumerate(depthwise)]
    return _result(step_i, f, s, "pointwise", partials, tuple(range(c * m)), b, terms, 1, m)


def _result(
    step: int,
    f: int,
    s: Step,
    kind: str,
    partials: list[float],
    indices: tuple[int, ...],
    bias: float,
    terms: list[tuple[tuple[float, float], ...]],
    groups: int,
    m: int,
) -> StepArithmetic:
    value = _total(partials, bias)
    flat = [v for pairs in terms for pair in pairs for v in pair]
    whole = integral(np.asarray(flat), np.asarray(partials), np.asarray([bias, value]))
    return StepArithmetic(
        step, f, s.output_index, kind, tuple(partials), indices, bias, value, tuple(terms), "conv", groups, m, whole
    )


# ----------------------------------------------------------------------------------------------- layers
def layer_output(
    x: Any,
    kernel: Any,
    strides: Any = 1,
    padding: Any = "valid",
    dilation_rate: Any = 1,
    *,
    kind: str = "conv",
    groups: int = 1,
    bias: Any = None,
    pointwise: Any = None,
) -> np.ndarray:
    """Every output cell of a plain, grouped, depthwise or separable convolution, as Keras computes it.

    ``x`` ``(N, *spatial, C)``, weights in Keras' layouts (module docstring). ``kind="separable"`` without
    ``pointwise`` returns the depthwise phase (``C·M`` planes, no bias). Each group / channel is one
    :func:`~convkit.core.numeric.convolve` (the same limits).

    >>> x = np.arange(8.0).reshape(1, 4, 2)
    >>> layer_output(x, np.ones((2, 1, 2)), kind="conv", groups=2)[0]
    array([[ 2.,  4.],
           [ 6.,  8.],
           [10., 12.]])
    >>> layer_output(x, np.ones((2, 2, 1)), kind="depthwise", bias=[0, 100])[0, :, 1]
    array([104., 108., 112.])
    """
    xs = _array(x, "x")
    w = _array(kernel, "kernel")
    kind = _choice(kind, KINDS, "kind")
    c = xs.shape[-1]
    if kind == "conv":
        if groups < 1 or c % groups or w.shape[-1] % groups:
            raise ValueError(
                f"`groups` must divide the input channels {c} and the filters {w.shape[-1]}. Received: groups={groups!r}"
            )
        r, fg = c // groups, w.shape[-1] // groups
        parts = [
            convolve(xs[..., g * r : (g + 1) * r], w[..., g * fg : (g + 1) * fg], strides, padding, dilation_rate)
            for g in range(groups)
        ]
        out = np.concatenate(parts, axis=-1)
    else:
        if w.shape[-2] != c:
            raise ValueError(
                f"A depthwise kernel must have shape (*kernel_size, {c}, depth_multiplier): one kernel per input "
                f"channel. Received: kernel.shape={w.shape}"
            )
        parts = [convolve(xs[..., i : i + 1], w[..., i : i + 1, :], strides, padding, dilation_rate) for i in range(c)]
        out = np.concatenate(parts, axis=-1)  # plane c·M + m
        if kind == "separable":
            if pointwise is None:
                return out
            pw = _array(pointwise, "pointwise")
            pw = pw.reshape(-1, pw.shape[-1])
            if pw.shape[0] != out.shape[-1]:
                raise ValueError(
                    f"`pointwise` must have shape (…, {out.shape[-1]}, filters). Received: pointwise.shape={pw.shape}"
                )
            out = np.tensordot(out, pw, axes=([out.ndim - 1], [0]))
    if bias is not None:
        out = out + _bias(bias, out.shape[-1])
    return out
