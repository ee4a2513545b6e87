"""What a transposed-convolution picture shows, computed once from the core: the widget and the exports read it.

A :class:`TransposeModel` holds, per drawn axis, the *scatter table* ``targets[i, j]``: the cell of the drawn
output grid that tap ``j`` of input cell ``i`` adds to. The drawn grid is the uncropped result plus the cells
``output_padding`` appends (:attr:`TransposeModel.grid_size`); the crop frame is ``[crop_before, crop_before +
output)`` on it. A 2-D step's taps are the product of its two axes' rows, so the tables stay small (``n × k`` per
axis) for a 512×512 input too.

* ``operation="conv"``: :func:`~convkit.core.traversal_transpose.traverse_transpose` (``targets = i·s + j·d``);
  numbers from :func:`~convkit.core.numeric_transpose.convolve_transpose`.
* ``operation="upsample"``, ``"nearest"``: the transposed convolution with a ones kernel of size ``s`` and stride
  ``s`` (each cell copied ``s`` times per axis). ``"bilinear"``: Keras' (TensorFlow's half-pixel) weights, one
  ``(n_out, n_in)`` matrix per axis; the scatter of cell ``i`` is its column of non-zero weights.

A 3-D layer is drawn one plane at a time: the picture is its (height, width) plane, and the depth axis is told
in words (which output planes an input plane reaches).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.numeric_transpose import convolve_transpose
from ..core.traversal_transpose import TransposedTraversal, traverse_transpose

__all__ = ["TransposeModel", "bilinear_weights", "build_model", "MAX_NUMBER_CELLS"]

#: Numbers mode draws values in cells: at most this many output cells (a 32×32 output).
MAX_NUMBER_CELLS = 1024


def bilinear_weights(n_in: int, factor: int) -> np.ndarray:
    """``(n_in·factor, n_in)`` float64: TensorFlow's bilinear resize (half-pixel centres) along one axis.

    >>> bilinear_weights(2, 2)
    array([[1.  , 0.  ],
           [0.75, 0.25],
           [0.25, 0.75],
           [0.  , 1.  ]])
    """
    n_out = n_in * factor
    src = (np.arange(n_out) + 0.5) / factor - 0.5
    low = np.floor(src)
    lerp = src - low
    lo = np.clip(low, 0, n_in - 1).astype(int)
    hi = np.clip(low + 1, 0, n_in - 1).astype(int)
    w = np.zeros((n_out, n_in))
    np.add.at(w, (np.arange(n_out), lo), 1 - lerp)
    np.add.at(w, (np.arange(n_out), hi), lerp)
    return w


@dataclass(frozen=True, slots=True, eq=False)
class TransposeModel:
    """The drawn geometry and numbers (see the module docstring). Arrays are read-only."""

    operation: str
    interpolation: str
    full_rank: int  # the layer's rank (3: drawn one plane at a time)
    traversal: TransposedTraversal | None  # None for bilinear upsampling
    input_size: tuple[int, ...]  # drawn axes
    output_size: tuple[int, ...]
    grid_size: tuple[int, ...]
    crop_before: tuple[int, ...]
    kernel_size: tuple[int, ...]
    targets: tuple[np.ndarray, ...]  # per axis (n_in, k) int32, -1: no tap
    weights: tuple[np.ndarray, ...] | None  # per axis (n_in, k) float64 (bilinear)
    grid_overlap: np.ndarray  # int32, grid_size: taps landing on every drawn cell
    depth: tuple[int, int, int] | None  # 3-D: (input planes, output planes, the plane shown)
    values: dict[str, np.ndarray] | None  # numbers mode (see build_model)

    @property
    def rank(self) -> int:
        return len(self.input_size)

    @property
    def num_steps(self) -> int:
        return math.prod(self.input_size)

    @property
    def has_direct(self) -> bool:
        """Whether the zero-stuffed view exists (a transposed convolution or nearest upsampling)."""
        return self.traversal is not None

    @property
    def overlap(self) -> np.ndarray:
        """Taps per output cell (the crop applied): the core's ``TransposedTraversal.overlap`` when there is one."""
        sl = tuple(slice(b, b + o) for b, o in zip(self.crop_before, self.output_size))
        return self.grid_overlap[sl]

    def step_cells(self, step: int) -> list[tuple[int, ...]]:
        """The drawn grid cells step ``step`` adds to, in tap order."""
        index = np.unravel_index(step, self.input_size)
        rows = [t[i][t[i] >= 0].tolist() for t, i in zip(self.targets, index)]
        out: list[tuple[int, ...]] = [()]
        for r in rows:
            out = [(*o, v) for o in out for v in r]
        return out


def _uncropped_overlap(targets: tuple[np.ndarray, ...], grid: tuple[int, ...]) -> np.ndarray:
    counts = []
    for t, n in zip(targets, grid):
        counts.append(np.bincount(t[t >= 0].ravel(), minlength=n).astype(np.int32))
    out = counts[0]
    for c in counts[1:]:
        out = np.multiply.outer(out, c)
    return np.asarray(out, dtype=np.int32)


def build_model(
    input_size: tuple[int, ...],
    kernel_size: tuple[int, ...],
    strides: tuple[int, ...],
    padding: str,
    output_padding: tuple[int, ...] | None,
    dilation_rate: tuple[int, ...],
    *,
    operation: str = "conv",
    interpolation: str = "nearest",
    numbers: tuple[np.ndarray, Any] | None = None,
    depth_slice: int = 0,
    plane: int = 0,
) -> TransposeModel:
    """The model of one setting (arguments already normalised to one entry per axis of the layer's rank).

    ``numbers`` is ``(x, kernel)``: ``x`` ``(*input_size, C_in)``, ``kernel`` ``(*k, filters, C_in)`` (conv) or
    ``None`` (upsampling). ``values`` then holds ``x``, ``contrib`` (``(num_steps, taps)``: what each tap of each
    step adds, summed over input channels, for output plane ``plane``: a filter, or the channel an upsampling
    copies), ``grid`` (the drawn grid's final values), ``output`` and
    ``parts`` (``(*output_size, C_in)``: each output cell's sum per input channel; they add up to ``output``).

    >>> m = build_model((3, 3), (3, 3), (2, 2), "valid", None, (1, 1))
    >>> m.grid_size, m.overlap[:3, :3].tolist()
    ((7, 7), [[1, 1, 2], [1, 1, 2], [2, 2, 4]])
    """
    full_rank = len(input_size)
    if operation == "upsample" and interpolation == "bilinear":
        t = None
        mats = [bilinear_weights(n, f) for n, f in zip(input_size, strides)]
        width = max(int((m != 0).sum(axis=0).max()) for m in mats)
        tables, weights = [], []
        for m in mats:
            tab = np.full((m.shape[1], width), -1, np.int32)
            wt = np.zeros((m.shape[1], width))
            for i in range(m.shape[1]):
                nz = np.nonzero(m[:, i])[0]
                tab[i, : len(nz)] = nz
                wt[i, : len(nz)] = m[nz, i]
            tables.append(tab)
            weights.append(wt)
        out_size = tuple(n * f for n, f in zip(input_size, strides))
        grid, before, kernel = out_size, (0,) * full_rank, tuple(int(w) for w in [width] * full_rank)
        targets: tuple[np.ndarray, ...] = tuple(tables)
        wts: tuple[np.ndarray, ...] | None = tuple(weights)
    else:
        t = traverse_transpose(input_size, kernel_size, strides, padding, output_padding, dilation_rate)
        before = tuple(c[0] for c in t.crop)
        grid = tuple(u + a for u, a in zip(t.uncropped_size, t.added))
        targets = tuple(
            (np.arange(n, dtype=np.int32)[:, None] * s + np.arange(k, dtype=np.int32)[None, :] * d)
            for n, k, s, d in zip(t.input_size, t.kernel_size, t.strides, t.dilation_rate)
        )
        out_size, kernel, wts = t.output_size, t.kernel_size, None
    depth = None
    drawn = slice(0, full_rank)
    if full_rank == 3:
        depth = (input_size[0], out_size[0], depth_slice)
        drawn = slice(1, 3)
    targets = targets[drawn]
    values = None
    if numbers is not None:
        values = _numbers(t, targets, wts, numbers, operation, kernel_size, strides, plane)
    model = TransposeModel(
        operation=operation,
        interpolation=interpolation,
        full_rank=full_rank,
        traversal=t,
        input_size=tuple(input_size[drawn]),
        output_size=tuple(out_size[drawn]),
        grid_size=tuple(grid[drawn]),
        crop_before=tuple(before[drawn]),
        kernel_size=tuple(kernel[drawn]),
        targets=targets,
        weights=None if wts is None else wts[drawn],
        grid_overlap=_uncropped_overlap(targets, tuple(grid[drawn])),
        depth=depth,
        values=values,
    )
    for arr in (*model.targets, model.grid_overlap, *(model.weights or ())):
        arr.flags.writeable = False
    return model


def _numbers(
    t: TransposedTraversal | None,
    targets: tuple[np.ndarray, ...],
    wts: tuple[np.ndarray, ...] | None,
    numbers: tuple[np.ndarray, Any],
    operation: str,
    kernel_size: tuple[int, ...],
    strides: tuple[int, ...],
    plane: int = 0,
) -> dict[str, np.ndarray]:
    x, kernel = numbers
    x = np.asarray(x, np.float64)
    rank = x.ndim - 1
    c_in = x.shape[-1]
    if operation == "conv":
        assert t is not None
        k: np.ndarray | None = np.asarray(kernel, np.float64)[..., plane : plane + 1, :]  # the chosen filter
    else:  # upsampling works per channel: the chosen channel, a ones kernel (nearest)
        x, c_in = x[..., plane : plane + 1], 1
        k = np.ones((*strides, 1, 1)) if t is not None else None
    if t is not None and k is not None:
        grid = convolve_transpose(x[None], k, t.strides, "valid", None, t.dilation_rate)[0, ..., 0]
        grid = np.pad(grid, [(0, a) for a in t.added])
        parts = np.stack(
            [
                convolve_transpose(
                    x[None, ..., c : c + 1],
                    k[..., c : c + 1],
                    t.strides,
                    t.padding_mode,
                    t.output_padding,
                    t.dilation_rate,
                )[0, ..., 0]
                for c in range(c_in)
            ],
            axis=-1,
        )
        output = convolve_transpose(x[None], k, t.strides, t.padding_mode, t.output_padding, t.dilation_rate)[0, ..., 0]
        flat_k = k[..., 0, :].reshape(-1, c_in)  # (taps, C_in), C-order over the kernel
        contrib = x.reshape(-1, c_in) @ flat_k.T  # (steps, taps)
    else:
        assert wts is not None
        mats = [bilinear_weights(n, f) for n, f in zip(x.shape[:rank], strides)]
        out = x[..., 0]
        for ax, m in enumerate(mats):
            out = np.moveaxis(np.tensordot(m, np.moveaxis(out, ax, 0), axes=(1, 0)), 0, ax)
        grid = output = out
        parts = out[..., None]
        contrib = x[..., 0].reshape(-1, 1) * _product_weights(wts).reshape(x[..., 0].size, -1)
    return {"x": x, "contrib": contrib, "grid": grid, "output": output, "parts": parts}


def _product_weights(wts: tuple[np.ndarray, ...]) -> np.ndarray:
    """``(*n_in, k_1·k_2)``: the weight of every tap of every input cell (the product of the axes' weights)."""
    if len(wts) == 1:
        return wts[0]
    (nh, kh), (nw, kw) = wts[0].shape, wts[1].shape
    out: np.ndarray = np.einsum("ab,cd->acbd", wts[0], wts[1]).reshape(nh, nw, kh * kw)
    return out
