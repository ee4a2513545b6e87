"""The depth view of a kernel traversal, as data: which planes are drawn, which channels a filter reads, and the
per-channel multiply-sums of a step.

A convolution reads a window of every input channel it is given: ``in_channels`` for a plain one,
``in_channels / groups`` for a grouped one, 1 for a depthwise one (and for pooling, which works on each channel
alone). :class:`DepthModel` holds that rule once, for the live widget (which receives its arrays and fills the
same sentence in ``traversal.js``: ``depthSentence``) and for the exported pictures (:mod:`._traversal_depth_draw`).

Large depths draw a few planes (:func:`shown_planes`: at most :data:`MAX_PLANES`, the channels the selected
filter reads first) and name the others (``… 58 more channels``); the arithmetic still covers every channel.

Weights are normalised to ``(output planes, channels read, taps)`` so every kind is read the same way: output
plane ``o`` reads channels ``start(o) … start(o) + reads - 1``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.traversal import Traversal
from .traversal_words import depth_step_sentence, integral, shown_planes

__all__ = ["GROUP_COLORS", "MAX_PLANES", "DepthModel", "depth_model", "shown_planes"]

#: At most this many planes of the input (and of the output) are drawn; the others are counted.
MAX_PLANES = 6
#: Colours of channel groups (Okabe–Ito, colour-blind safe; each group is also labelled g0, g1 …).
GROUP_COLORS = ("#E69F00", "#CC79A7", "#009E73", "#F0E442", "#D55E00", "#999999")
#: Above this many weights the depth view draws the planes and says which channels are read, without numbers.
MAX_DEPTH_WEIGHTS = 2**21


@dataclass(frozen=True)
class DepthModel:
    """What the depth view shows for one set of settings.

    ``kind`` is ``"conv"``, ``"grouped"``, ``"depthwise"``, ``"separable"`` (its depthwise phase), ``"pointwise"``
    (a separable's 1×1 phase: its input planes are the depthwise outputs, read at the step's output cell) or
    ``"pool"``; ``reads`` channels per output plane; ``x`` ``(cells, in_channels)`` and ``weights``
    ``(output_depth, reads, taps)`` (``None`` without numbers), ``bias`` ``(output_depth,)``.
    """

    traversal: Traversal
    kind: str
    operation: str
    in_channels: int
    output_depth: int
    reads: int
    groups: int
    depth_multiplier: int
    x: np.ndarray | None = None
    weights: np.ndarray | None = None
    bias: np.ndarray | None = None
    whole: bool = True

    def start(self, plane: int) -> int:
        """The first input channel output plane ``plane`` reads."""
        if self.kind in ("depthwise", "separable"):
            return plane // self.depth_multiplier
        if self.kind == "pool":
            return plane
        if self.kind == "grouped":
            return (plane // (self.output_depth // self.groups)) * self.reads
        return 0

    def group(self, channel: int) -> int:
        """The group of input ``channel`` (0 unless grouped)."""
        return channel // self.reads if self.kind == "grouped" else 0

    def channels(self, plane: int) -> list[int]:
        s = self.start(plane)
        return list(range(s, s + self.reads))

    def input_planes(self, plane: int) -> tuple[list[int], int]:
        """The input channels drawn while output plane ``plane`` is computed, and how many are not drawn."""
        return shown_planes(self.in_channels, self.start(plane), self.reads, MAX_PLANES)

    def output_planes(self, plane: int) -> tuple[list[int], int]:
        return shown_planes(self.output_depth, plane, 1, MAX_PLANES)

    @property
    def plane_size(self) -> tuple[int, ...]:
        """The spatial size of an input plane (pointwise: the depthwise output)."""
        t = self.traversal
        return tuple(t.output_size) if self.kind == "pointwise" else tuple(t.input_size)

    def cells(self, step: int) -> np.ndarray:
        """The flat input cell of every tap of ``step`` (C-order), -1 on padding (pointwise: the output cell)."""
        if self.kind == "pointwise":
            return np.array([step])
        t = self.traversal
        taps = t.origins()[step] + t.tap_offsets()
        inside = np.all((taps >= 0) & (taps < np.asarray(t.input_size)), axis=1)
        flat = np.ravel_multi_index(tuple(np.clip(taps, 0, np.asarray(t.input_size) - 1).T), t.input_size)
        return np.where(inside, flat, -1)

    def partials(self, step: int, plane: int) -> list[float] | None:
        """One multiply-sum (pooling: the max / mean) per channel ``plane`` reads, summed in tap order as the
        browser does; ``None`` without numbers."""
        if self.x is None:
            return None
        cells = [int(c) for c in self.cells(step)]
        out = []
        for j, ch in enumerate(self.channels(plane)):
            if self.kind == "pool":
                kept = [float(self.x[c, ch]) for c in cells if c >= 0]
                total = 0.0
                for v in kept:
                    total += v
                out.append(max(kept) if self.operation == "max" else total / len(kept))
                continue
            assert self.weights is not None
            w = self.weights[plane, j]
            total = 0.0
            for t, c in enumerate(cells):
                if c >= 0:
                    total += float(self.x[c, ch]) * float(w[t])
            out.append(total)
        return out

    def sentence(self, step: int, plane: int) -> str:
        """The narration of ``step`` for output plane ``plane`` (the widget's live region says the same)."""
        index = [int(i) for i in np.unravel_index(step, self.traversal.output_size)]
        partials = self.partials(step, plane)
        bias = None if self.bias is None or self.kind == "pool" else float(self.bias[plane])
        return depth_step_sentence(
            index,
            plane,
            kind=self.kind,
            operation=self.operation,
            channels=self.channels(plane),
            groups=self.groups,
            depth_multiplier=self.depth_multiplier,
            partials=partials,
            bias=bias,
            whole=self.whole,
        )


def _kind(params: Any, phase: str) -> str:
    if params.operation != "conv":
        return "pool"
    if params.kind == "separable" and phase == "pointwise":
        return "pointwise"
    if params.kind != "conv":
        return str(params.kind)
    return "grouped" if params.groups > 1 else "conv"


def _weights(kind: str, kernel: np.ndarray, c: int, out: int, reads: int, m: int) -> np.ndarray:
    """``(out, reads, taps)`` from a Keras-layout kernel ``(*k, depth, F)``."""
    k = kernel.reshape(-1, kernel.shape[-2], kernel.shape[-1])  # taps × depth × F
    if kind in ("depthwise", "separable"):  # (*k, C or 1, M)
        per = np.broadcast_to(k, (k.shape[0], c, k.shape[2])) if k.shape[1] == 1 else k
        mult = per.shape[2]
        planes = [per[:, o // m, (o % m) % mult] for o in range(out)]
        return np.stack(planes)[:, None, :]
    if k.shape[2] < out:  # one filter given: every filter shows its weights
        k = np.concatenate([k] * -(-out // k.shape[2]), axis=2)[:, :, :out]
    return np.ascontiguousarray(np.transpose(k[:, :reads, :out], (2, 1, 0)))


def depth_model(
    params: Any,
    x: np.ndarray | None = None,
    kernel: np.ndarray | None = None,
    bias: Any = None,
    *,
    phase: str = "depthwise",
    depthwise_out: np.ndarray | None = None,
) -> DepthModel:
    """The depth view of widget settings ``params`` (a ``TraversalParams``) and its checked numbers.

    ``x`` ``(1, *input_size, C)``; ``kernel`` in Keras' layout; ``bias`` ``(output_depth,)`` or ``None``.
    A separable convolution's ``phase="pointwise"`` reads ``depthwise_out`` ``(num_steps, C·M)`` with
    ``kernel`` the pointwise one ``(C·M, F)`` and the layer's bias.

    >>> import convkit
    >>> w = convkit.KernelTraversal((5, 5), 3, in_channels=3, filters=4, numbers=True)
    >>> m = depth_model(w._state.params, w.payload.values.x, w.payload.values.kernel)
    >>> m.reads, m.input_planes(2)
    (3, ([0, 1, 2], 0))
    """
    kind = _kind(params, phase)
    c, out = int(params.in_channels), int(params.output_depth)
    m = int(params.depth_multiplier)
    t = params.traversal
    if kind == "pointwise":  # the 1×1 phase: every depthwise output plane feeds every filter
        planes = c * m
        xp = wp = bp = None
        if depthwise_out is not None and kernel is not None:
            xp = np.ascontiguousarray(depthwise_out.reshape(-1, planes), np.float64)
            wp = np.ascontiguousarray(np.asarray(kernel, np.float64).reshape(planes, -1).T[:, :, None])
            bp = np.zeros(out) if bias is None else np.asarray(bias, np.float64).reshape(-1)[:out]
        whole = integral(xp, wp, bp) if xp is not None else True
        return DepthModel(t, kind, "conv", planes, out, planes, 1, m, xp, wp, bp, whole)
    reads = c // params.groups if kind == "grouped" else (1 if kind in ("pool", "depthwise", "separable") else c)
    if kind == "separable":
        out = c * m  # the depthwise phase
    xs = w = b = None
    whole = True
    if x is not None:
        taps = t.num_taps
        if kind == "pool" or kernel is not None and out * reads * taps <= MAX_DEPTH_WEIGHTS:
            xs = np.ascontiguousarray(x.reshape(-1, c), np.float64)
            if kernel is not None and kind != "pool":
                w = _weights(kind, np.asarray(kernel, np.float64), c, out, reads, m)
            b = np.zeros(out) if bias is None else np.asarray(bias, np.float64).reshape(-1)[:out]
            whole = integral(xs, w, b)
    return DepthModel(t, kind, str(params.operation), c, out, reads, int(params.groups), m, xs, w, b, whole)
