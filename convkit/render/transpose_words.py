"""Every sentence the transposed-convolution widget and its exports show, in one place.

Step sentences are templates with ``{name}`` fields; the browser gets the templates in the payload's header and
fills them with the same fields :func:`step_fields` computes here, so the widget, the exported frames and
``str()`` say the same sentence.

>>> from convkit.render._transpose_model import build_model
>>> m = build_model((13, 13), (3, 3), (2, 2), "valid", (1, 1), (1, 1))
>>> step_sentence(m, "scatter", 0)
'step 1/169 · input[0, 0] × kernel adds a 3×3 patch to output rows 0–2, cols 0–2'
>>> step_sentence(m, "direct", 0)
'step 1/784 · output[0, 0] = flipped kernel over the stuffed input rows 0–2, cols 0–2: 1 of 9 taps on an input cell'
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from ._transpose_model import TransposeModel
from .traversal_words import fmt, times
from .words import format_shape

__all__ = [
    "TEMPLATES",
    "VIEW_NAMES",
    "title_sentence",
    "filter_reset",
    "crop_sentence",
    "overlap_sentence",
    "depth_sentence",
    "step_fields",
    "step_sentence",
    "sum_sentence",
    "fill",
    "refusal_kept",
    "CONTROL_REASONS",
    "output_padding_reset",
]

#: The views' names, as the toggle and the exports say them.
VIEW_NAMES = {"scatter": "Scatter", "direct": "Zero-stuffed"}

TEMPLATES = {
    "scatter": "step {n}/{total} · input[{cell}] × kernel adds a {patch} patch to output {span}{cut}",
    "scatter_nearest": "step {n}/{total} · input[{cell}] is copied into output {span}",
    "scatter_bilinear": "step {n}/{total} · input[{cell}] spreads over output {span} with bilinear weights",
    "scatter_empty": "step {n}/{total} · input[{cell}]: every tap falls in the crop (adds nothing)",
    "cut": " ({cropped} of its {taps} taps cut by the crop)",
    "direct": (
        "step {n}/{total} · output[{cell}] = flipped kernel over the stuffed input {span}: "
        "{real} of {taps} taps on an input cell"
    ),
    "sum_scatter": "adds {value} × kernel; scattered cell [{first}] now holds {now}",
    "sum_scatter_nearest": "copies {value}; scattered cell [{first}] now holds {now}",
    "sum_scatter_bilinear": "spreads {value} × bilinear weights; scattered cell [{first}] now holds {now}",
    "sum_direct": "output[{cell}] = {value}{parts}",
    "part": "channel {c}: {v}",
    "zoom": "following the kernel: showing {shown} of {size}",
}


def fill(template: str, fields: dict[str, Any]) -> str:
    """``{name}`` fields replaced by ``fields[name]`` (the browser does the same with the same templates).

    >>> fill("a {x} b", {"x": 2})
    'a 2 b'
    """
    return re.sub(r"\{(\w+)\}", lambda m: str(fields[m.group(1)]), template)


def _layer_name(model: TransposeModel) -> str:
    if model.operation == "upsample":
        return f"UpSampling{model.full_rank}D"
    return f"Conv{model.full_rank}DTranspose"


def title_sentence(model: TransposeModel, in_channels: int = 1, filters: int = 1, plane: int = 0) -> str:
    """``Conv2DTranspose: input 13×13×1, kernel 3×3, strides 2×2, padding valid, output_padding 1×1 → output 28×28×1``.

    >>> from convkit.render._transpose_model import build_model
    >>> title_sentence(build_model((4,), (2,), (2,), "valid", None, (1,), operation="upsample"))
    'UpSampling1D (nearest): input 4×1, size 2 → output 8×1'
    """
    t = model.traversal
    size = (model.depth[0],) if model.depth else ()
    out_size = (model.depth[1],) if model.depth else ()
    shape_in = times((*size, *model.input_size))
    shape_out = times((*out_size, *model.output_size))
    if model.operation == "upsample":
        factor = model.grid_size[-1] // model.input_size[-1] if model.rank == 1 else None
        sizes = (
            str(factor)
            if factor is not None
            else times(tuple(o // n for o, n in zip(model.output_size, model.input_size)))
        )
        drawn = f" · channel {plane} drawn" if in_channels > 1 else ""
        return (
            f"{_layer_name(model)} ({model.interpolation}): input {shape_in}×{in_channels}, size {sizes} "
            f"→ output {shape_out}×{in_channels}{drawn}"
        )
    assert t is not None
    op = t.output_padding
    ops = "None" if op is None else times(tuple(int(v or 0) for v in op))
    dil = f", dilation {times(t.dilation_rate)}" if max(t.dilation_rate) > 1 else ""
    return (
        f"{_layer_name(model)}: input {shape_in}×{in_channels}, kernel {times(t.kernel_size)}, strides "
        f"{times(t.strides)}{dil}, padding {t.padding_mode}, output_padding {ops} → output {shape_out}×{filters}"
        + (f" · filter {plane} drawn" if filters > 1 else "")
    )


def crop_sentence(model: TransposeModel) -> str:
    """What the frame on the output grid means (the crop and the cells ``output_padding`` adds)."""
    t = model.traversal
    if t is None:
        return "no crop: bilinear upsampling writes every output cell"
    axes = ("rows", "cols") if model.rank == 2 else ("cells",)
    drawn = slice(1, 3) if model.full_rank == 3 else slice(0, model.rank)
    parts = []
    for name, (before, after), added in zip(axes, t.crop[drawn], t.added[drawn]):
        bits = []
        if before or after:
            bits.append(f"{before} cut before, {after} cut after")
        if added:
            bits.append(f"{added} added after (no tap reaches them: 0)")
        parts.append(f"{name}: {', '.join(bits) if bits else 'nothing cut'}")
    u = times(t.uncropped_size[drawn])
    return f"frame = the output {times(model.output_size)} kept from the scattered {u}; " + "; ".join(parts)


def overlap_sentence(model: TransposeModel) -> str:
    """The legend of the overlap-count map.

    >>> from convkit.render._transpose_model import build_model
    >>> overlap_sentence(build_model((3, 3), (3, 3), (2, 2), "valid", None, (1, 1)))
    'overlap: kernel taps landing on each output cell, 1 to 4 (uneven counts make the checkerboard)'
    """
    ov = model.overlap
    hi, lo = int(ov.max()), int(ov.min())
    if model.operation == "upsample":
        return f"overlap: input cells reaching each output cell, {lo} to {hi}"
    even = "every cell gets the same count" if hi == lo else "uneven counts make the checkerboard"
    low = "0 (cells no tap reaches)" if lo == 0 else str(lo)
    return f"overlap: kernel taps landing on each output cell, {low} to {hi} ({even})"


def depth_sentence(model: TransposeModel) -> str:
    """3-D layers: which plane is drawn and which output planes it reaches ('' for 1-D and 2-D)."""
    if model.depth is None or model.traversal is None:
        return ""
    n_in, n_out, d = model.depth
    a = model.traversal.axes[0]
    before = model.traversal.crop[0][0]
    lo = max(d * a.strides - before, 0)
    hi = min(d * a.strides - before + a.effective_kernel, n_out) - 1
    return (
        f"depth: input plane {d} of {n_in} (0-based) drawn; its kernel copies reach output planes {lo}–{hi} of "
        f"{n_out} (the picture shows one plane at a time: change depth_slice)"
    )


def _span(lo: list[int], hi: list[int]) -> str:
    if len(lo) == 1:
        return f"cells {lo[0]}–{hi[0]}"
    return f"rows {lo[0]}–{hi[0]}, cols {lo[1]}–{hi[1]}"


def step_fields(model: TransposeModel, view: str, step: int) -> tuple[str, dict[str, Any]]:
    """The template name and fields of ``step`` in ``view`` (the browser computes the same from the arrays)."""
    if view == "direct":
        t = model.traversal
        assert t is not None
        cell = [int(v) for v in np.unravel_index(step, model.output_size)]
        k_eff = [(k - 1) * d + 1 for k, d in zip(model.kernel_size, t.dilation_rate[-model.rank :])]
        real = _direct_real(model, cell)
        return "direct", {
            "n": step + 1,
            "total": int(np.prod(model.output_size)),
            "cell": ", ".join(map(str, cell)),
            "span": _span(cell, [c + k - 1 for c, k in zip(cell, k_eff)]),
            "real": real,
            "taps": int(np.prod(model.kernel_size)),
        }
    index = [int(v) for v in np.unravel_index(step, model.input_size)]
    rows = [tab[i] for tab, i in zip(model.targets, index)]
    inside = [
        [v - b for v in r.tolist() if v >= 0 and 0 <= v - b < o]
        for r, b, o in zip(rows, model.crop_before, model.output_size)
    ]
    taps = int(np.prod([int((r >= 0).sum()) for r in rows]))
    kept = int(np.prod([len(r) for r in inside]))
    fields: dict[str, Any] = {"n": step + 1, "total": model.num_steps, "cell": ", ".join(map(str, index))}
    if kept == 0:
        return "scatter_empty", fields
    fields["span"] = _span([min(r) for r in inside], [max(r) for r in inside])
    if model.operation == "upsample":
        return f"scatter_{model.interpolation}", fields
    fields["patch"] = times(model.kernel_size)
    fields["cut"] = fill(TEMPLATES["cut"], {"cropped": taps - kept, "taps": taps}) if kept < taps else ""
    return "scatter", fields


def _direct_real(model: TransposeModel, cell: list[int]) -> int:
    """How many taps of output cell ``cell``'s direct window read an input cell (not an inserted or padded 0)."""
    t = model.traversal
    assert t is not None
    axes = t.axes[-model.rank :]
    count = 1
    for o, a, b, n in zip(cell, axes, model.crop_before, model.input_size):
        # tap j (flipped) reads input cell i when i·s + (k-1-j)·d = o + b
        hits = 0
        for j in range(a.kernel_size):
            pos = o + b - (a.kernel_size - 1 - j) * a.dilation_rate
            if pos >= 0 and pos % a.strides == 0 and pos // a.strides < n:
                hits += 1
        count *= hits
    return count


def step_sentence(model: TransposeModel, view: str, step: int) -> str:
    """The narration of ``step`` in ``view`` (``"scatter"`` or ``"direct"``)."""
    name, fields = step_fields(model, view, step)
    return fill(TEMPLATES[name], fields)


def sum_sentence(model: TransposeModel, view: str, step: int) -> str:
    """Numbers mode: what the step adds (scatter) or the cell's value with its per-channel parts (direct)."""
    v = model.values
    if v is None:
        return ""
    whole = bool(np.all(np.mod(v["x"], 1) == 0) and np.all(np.mod(v["contrib"], 1) == 0))
    if view == "direct":
        cell = tuple(int(c) for c in np.unravel_index(step, model.output_size))
        parts = v["parts"][cell]
        shown = ""
        if len(parts) > 1:
            shown = " = " + " + ".join(
                fill(TEMPLATES["part"], {"c": c, "v": fmt(p, whole)}) for c, p in enumerate(parts)
            )
        return fill(
            TEMPLATES["sum_direct"],
            {"cell": ", ".join(map(str, cell)), "value": fmt(v["output"][cell], whole), "parts": shown},
        )
    cells = model.step_cells(step)
    first = cells[0]
    index = np.unravel_index(step, model.input_size)
    x = v["x"][index]
    value = fmt(float(x[0]), whole) if len(x) == 1 else format_shape([fmt(float(c), whole) for c in x])
    now = _accumulated(model, step, first)
    name = "sum_scatter" if model.operation == "conv" else f"sum_scatter_{model.interpolation}"
    return fill(TEMPLATES[name], {"value": value, "first": ", ".join(map(str, first)), "now": fmt(now, whole)})


def _accumulated(model: TransposeModel, step: int, cell: tuple[int, ...]) -> float:
    """The drawn grid's value at ``cell`` after steps 0..``step`` (the browser keeps the same running sum)."""
    v = model.values
    assert v is not None
    total = 0.0
    for s in range(step + 1):
        index = np.unravel_index(s, model.input_size)
        rows = [tab[i] for tab, i in zip(model.targets, index)]
        widths = [len(r) for r in rows]
        for flat in range(int(np.prod(widths))):
            js = np.unravel_index(flat, widths)
            if all(int(r[j]) == c for r, j, c in zip(rows, js, cell)):
                total += float(v["contrib"][s, flat])
    return total


def refusal_kept(message: str) -> str:
    """A refused change: the reason, that the picture is kept, and what was received (last, as in every refusal).

    >>> refusal_kept("`view` must be one of 'scatter', 'direct'. Received: view='x'")
    "`view` must be one of 'scatter', 'direct'. The picture keeps the last valid settings. Received: view='x'"
    """
    head, sep, received = message.rpartition(" Received: ")
    if not sep:
        return f"{message.rstrip('.')}. The picture keeps the last valid settings."
    return f"{head.rstrip('.')}. The picture keeps the last valid settings. Received: {received}"


#: Why a control of the widget is switched off (written next to the controls, one line each).
CONTROL_REASONS = {
    "upsample": "kernel, dilation, padding and output_padding: upsampling has none (it copies each cell size times)",
    "conv_interpolation": "interpolation: upsampling only (a transposed convolution learns its kernel)",
    "rank_interpolation": "interpolation: bilinear is UpSampling2D's; 1-D upsampling repeats",
    "rank3_operation": "operation: upsampling is drawn in 1-D and 2-D",
    "strided": "dilation: Keras refuses dilation_rate > 1 with strides > 1 (strides 1 first)",
    "dilated": "strides: Keras refuses strides > 1 with dilation_rate > 1 (dilation 1 first)",
}


def output_padding_reset(value: Any) -> str:
    """The note when a smaller stride sends ``output_padding`` back to ``None``.

    >>> output_padding_reset(1)
    'output_padding was 1 and must be smaller than the stride: it is None now'
    """
    return f"output_padding was {value!r} and must be smaller than the stride: it is None now"


def filter_reset(value: int, planes: int) -> str:
    """The note when fewer output planes send the drawn ``filter`` back to 0.

    >>> filter_reset(5, 4)
    'filter was 5 and there are 4 output planes now (0 to 3): it is 0 now'
    """
    return f"filter was {value} and there are {planes} output planes now (0 to {planes - 1}): it is 0 now"
