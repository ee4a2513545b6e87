"""What the traversal widget sends to the browser: a small JSON header and a few binary arrays.

Everything here comes from the core and the renderer's rules: geometry from the params' traversal, numbers from
``convolve``/``pool`` (:mod:`._traversal_values`), the formula lines from ``format_axis``, the views of a large
grid from :mod:`convkit.render._traversal_view` (the exporter's paging rule: the header carries each axis' page),
and the sentences from :mod:`convkit.render.traversal_words`. The browser only indexes the arrays and fills the
sentence templates, so playback needs no message to the kernel.

Binary arrays (little-endian, C-order, sent once per change of settings):

``origins``   ``(num_steps, rank)`` of ``header["index_dtype"]`` (int16 or int32): the input coordinate of every
              step's first tap (``Traversal.origins()``; negative inside the before-padding). Step ``i`` writes
              output cell ``unravel_index(i, output_size)`` (the core's C-order).
``offsets``   ``(num_taps, rank)`` of the same dtype: ``Traversal.tap_offsets()`` (kernel index × dilation);
              the taps of step ``i`` are ``origins[i] + offsets``.
``coverage``  ``input_size`` of ``header["coverage_dtype"]`` (uint8/uint16/uint32): ``Traversal.coverage``.
``texts``     numbers mode only (else empty): UTF-8, one value per line: the input cells of channel 0, the kernel
              taps (channel 0, filter 0) and the outputs in step order (filter 0's, bias included); ``header["numbers"]["counts"]`` says
              how many of each. The cells, the multiply-sum and the exports write exactly these.

``depth``     numbers mode only (else empty): ``header["depth_view"]["dtype"]`` (float32 when every value is one
              exactly, else float64): the input ``(cells, in_channels)``, the weights ``(output planes, channels
              read, taps)`` and the bias ``(output planes,)`` (:class:`convkit.render._traversal_depth.DepthModel`);
              the browser computes each step's per-channel sums from them (no per-step text is sent).

Header ``"sentences"``: ``{"step": StepTemplate.as_json(), "sum": SumTemplate.as_json() or None}``; header
``"depth_view"``: what the depth view draws (kind, channels read per output plane, groups, depth multiplier,
the group colours) and the sizes of ``depth``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ..core.args import axis_names
from ..core.explain import axis_notes, format_axis
from ..core.traversal import Traversal
from ..render._traversal_depth import GROUP_COLORS, MAX_PLANES, DepthModel, depth_model
from ..render._traversal_view import AxisView, input_views, output_views
from ..render.traversal_words import (
    StepTemplate,
    SumTemplate,
    depth_sentence,
    fmt,
    step_template,
    sum_template,
    title_sentence,
)
from ._traversal_params import TraversalParams, too_large_reason
from ._traversal_values import ShownValues, check_numbers, shown_values

__all__ = ["BUFFERS", "Payload", "build_payload", "decode", "depth_line", "title_line"]

#: The binary arrays the canvas receives (empty bytes when not used).
BUFFERS = ("origins", "offsets", "coverage", "texts", "depth")


def decode(data: bytes, dtype: str, shape: tuple[int, ...]) -> np.ndarray:
    """Read one of the payload's binary arrays back (what the browser does with typed arrays)."""
    return np.frombuffer(data, dtype=np.dtype(dtype).newbyteorder("<")).reshape(shape)


@dataclass(frozen=True)
class Payload:
    """The header (JSON-able dict) and binary arrays for one set of settings, and what they were made from.

    The widget's public :attr:`~convkit.widgets.traversal.KernelTraversal.payload`: :meth:`array` reads a binary
    array back as the browser does, :meth:`step_sentence` / :meth:`sum_sentence` fill the templates exactly as
    the browser does.
    """

    header: dict[str, Any]
    buffers: dict[str, bytes] = field(default_factory=dict)
    traversal: Traversal | None = None
    values: ShownValues | None = None
    steps: StepTemplate | None = None
    sums: SumTemplate | None = None
    depth: DepthModel | None = None

    def array(self, name: str) -> np.ndarray:
        """``"origins"``, ``"offsets"`` or ``"coverage"`` decoded (shapes as in the module's docstring)."""
        h = self.header
        shapes = {
            "origins": (h["num_steps"], h["rank"]),
            "offsets": (h["num_taps"], h["rank"]),
            "coverage": tuple(h["input_size"]),
        }
        if name not in shapes or not self.buffers.get(name):
            raise ValueError(
                f"The payload has no array {name!r} (arrays: origins, offsets, coverage; none when "
                f"the settings are too large to draw). Received: name={name!r}"
            )
        dtype = h["coverage_dtype"] if name == "coverage" else h["index_dtype"]
        return decode(self.buffers[name], dtype, shapes[name])

    def texts(self) -> tuple[list[str], list[str], list[str]]:
        """The value texts the browser reads from ``texts``: input cells, kernel taps, outputs."""
        counts = self.header["numbers"]["counts"]
        lines = self.buffers["texts"].decode("utf-8").split("\n")
        a, b = counts[0], counts[0] + counts[1]
        return lines[:a], lines[a:b], lines[b:]

    def depth_sentence(self, step: int, plane: int = 0) -> str:
        """The depth view's sentence for ``step`` and output plane ``plane`` (the live region says it)."""
        if self.depth is None:
            raise ValueError(f"No steps are drawn for these settings: {self.header['too_large']}")
        return self.depth.sentence(step, plane)

    def step_sentence(self, step: int) -> str:
        """The widget's step sentence for ``step`` (0-based)."""
        if self.steps is None:
            raise ValueError(f"No steps are drawn for these settings: {self.header['too_large']}")
        return self.steps.fill(step)

    def sum_sentence(self, step: int) -> str | None:
        """The widget's multiply-sum sentence for ``step`` (``None`` without numbers)."""
        if self.sums is None:
            return None
        x, w, y = self.texts()
        return self.sums.fill(step, x, w or None, y)


def depth_line(params: TraversalParams) -> str:
    """The channel story of ``params`` (:func:`convkit.render.traversal_words.depth_sentence`)."""
    return depth_sentence(
        in_channels=params.in_channels,
        operation=params.operation,
        kind=params.kind,
        filters=params.filters,
        depth_multiplier=params.depth_multiplier,
        groups=params.groups,
    )


def title_line(params: TraversalParams) -> str:
    """The title of ``params`` (:func:`convkit.render.traversal_words.title_sentence`)."""
    return title_sentence(
        params.traversal,
        operation=params.operation,
        kind=params.kind,
        in_channels=params.in_channels,
        output_depth=params.output_depth,
        padding=params.padding,
    )


def _formula_lines(t: Traversal) -> list[str]:
    lines = [format_axis(a, name) for a, name in zip(t.axes, axis_names(t.rank))]
    notes = dict.fromkeys(note for a in t.axes for note in axis_notes(a))
    return lines + list(notes)


def _view(v: AxisView) -> dict[str, int]:
    return {**asdict(v), "page": v.page}


def _index_dtype(*arrays: np.ndarray) -> np.dtype:
    lo = min((int(a.min()) for a in arrays if a.size), default=0)
    hi = max((int(a.max()) for a in arrays if a.size), default=0)
    return np.dtype("<i2") if -(2**15) <= lo and hi < 2**15 else np.dtype("<i4")


def _count_dtype(counts: np.ndarray) -> np.dtype:
    top = int(counts.max()) if counts.size else 0
    return np.dtype("u1") if top < 2**8 else np.dtype("<u2") if top < 2**16 else np.dtype("<u4")


def build_payload(
    params: TraversalParams,
    numbers: Any = None,
    *,
    palettes: dict[str, dict[str, str]] | None = None,
    phase: str = "depthwise",
) -> Payload:
    """Header + binary arrays for ``params``; raises ``ValueError``/``TypeError`` for impossible ``numbers``."""
    from ..render.style import palette

    t = params.traversal
    checked = check_numbers(numbers, params)
    vin, vout = input_views(t), output_views(t)
    header: dict[str, Any] = {
        "version": 2,
        "rank": params.rank,
        "operation": params.operation,
        "kind": params.kind,
        "input_size": list(t.input_size),
        "kernel_size": list(t.kernel_size),
        "strides": list(t.strides),
        "dilation_rate": list(t.dilation_rate),
        "padding_mode": t.padding_mode,
        "padding": [list(p) for p in t.padding],
        "padded_size": list(t.padded_size),
        "effective_kernel": list(t.effective_kernel),
        "output_size": list(t.output_size),
        "in_channels": params.in_channels,
        "output_depth": params.output_depth,
        "num_steps": t.num_steps,
        "num_taps": t.num_taps,
        "title": title_line(params),
        "formula": _formula_lines(t),
        "depth": depth_line(params),
        "palette": palettes or {"light": palette("light").as_dict(), "dark": palette("dark").as_dict()},
        "view": {"input": [_view(vin.rows), _view(vin.cols)], "output": [_view(vout.rows), _view(vout.cols)]},
        "numbers": None,
        "sentences": None,
        "too_large": too_large_reason(params),
    }
    if header["too_large"]:
        return Payload(header, dict.fromkeys(BUFFERS, b""), t)
    origins, offsets, counts = t.origins(), t.tap_offsets(), t.coverage
    idx, cnt = _index_dtype(origins, offsets), _count_dtype(counts)
    steps = step_template(t, params.operation)
    header.update(
        index_dtype=idx.name,
        coverage_dtype=cnt.name,
        unread_cells=int(np.count_nonzero(counts == 0)),
        unread_fraction=t.unread_fraction,
        max_coverage=int(counts.max()),
    )
    buffers = {
        "origins": np.ascontiguousarray(origins, idx).tobytes(),
        "offsets": np.ascontiguousarray(offsets, idx).tobytes(),
        "coverage": np.ascontiguousarray(counts, cnt).tobytes(),
        "texts": b"",
    }
    values = sums = None
    if checked is not None:
        values = shown_values(params, checked)
        reads = params.in_channels // params.groups if params.kind == "conv" else 1  # the channels one filter reads
        bias = None if values.grid_bias is None else fmt(values.grid_bias, values.whole)
        sums = sum_template(t, params.operation, reads, bias)
        w_text = values.w_text or []
        buffers["texts"] = "\n".join([*values.x_text, *w_text, *values.y_text]).encode("utf-8")
        header["numbers"] = {
            "channels": sums.channels,
            "pool": params.is_pool,
            "counts": [len(values.x_text), len(w_text), len(values.y_text)],
        }
    header["sentences"] = {"step": steps.as_json(), "sum": None if sums is None else sums.as_json()}
    depth = _depth(params, values, phase)
    header["depth_view"], buffers["depth"] = _depth_arrays(depth)
    return Payload(header, buffers, t, values, steps, sums, depth)


def _depth(params: TraversalParams, values: ShownValues | None, phase: str = "depthwise") -> DepthModel:
    if values is None:
        return depth_model(params, phase=phase)
    if phase == "pointwise" and params.kind == "separable":
        return depth_model(params, values.x, values.pointwise, values.bias, phase=phase, depthwise_out=values.y_all)
    bias = values.plane_bias if values.plane_bias is not None else values.bias  # per drawn plane (separable: 0)
    return depth_model(params, values.x, values.kernel, bias)


def _depth_arrays(m: DepthModel) -> tuple[dict[str, Any], bytes]:
    """The depth view's header entry and binary values (see the module's docstring)."""
    parts = [a for a in (m.x, m.weights, m.bias) if a is not None]
    exact = all(np.array_equal(a.astype(np.float32), a) for a in parts)
    dtype = np.dtype("<f4") if exact else np.dtype("<f8")
    header = {
        "kind": m.kind,
        "plane_size": list(m.plane_size),
        "operation": m.operation,
        "in_channels": m.in_channels,
        "output_depth": m.output_depth,
        "reads": m.reads,
        "groups": m.groups,
        "depth_multiplier": m.depth_multiplier,
        "max_planes": MAX_PLANES,
        "group_colors": list(GROUP_COLORS),
        "numbers": m.x is not None,
        "whole": m.whole,
        "dtype": dtype.name,
        "counts": [0 if a is None else int(a.size) for a in (m.x, m.weights, m.bias)],
    }
    data = b"".join(np.ascontiguousarray(a, dtype).tobytes() for a in parts)
    return header, data
