"""Size mistakes: a kernel or pool window larger than its input, a stack that shrinks to nothing, and cropping more
than the size. (TF's oneDNN ``AbortedError`` for the same mistake is read in :mod:`.error_rules_onednn`.)"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ..core.args import axis_names
from ..core.axis import ConvAxis, conv_axis, effective_kernel_size, pool_axis
from ..core.explain import AxisEntry, Explanation, axis_formula
from ..core.words import format_dims, format_shape
from .error_rules_common import (
    Shape,
    Unreadable,
    Where,
    _explanation,
    _ints,
    _number,
    _shape,
    _sizes,
    _stack_context,
    _window,
)

__all__ = ["SIZE_RULES", "too_small"]


def _refused_axis(n: int, k: int, s: int, d: int) -> ConvAxis:
    """The "valid" axis Keras refused, with the non-positive size the formula gives (for the text only)."""
    k_eff = effective_kernel_size(k, d)
    return ConvAxis(n, k, s, d, "valid", 0, 0, (n - k_eff) // s + 1)


def _refused_entry(axis: ConvAxis) -> AxisEntry:
    return AxisEntry("axis", axis_formula(axis) + "  ← not positive", axis.output)


def too_small(
    kind: str,
    spatial: Shape,
    kernel: Sequence[int],
    strides: Sequence[int],
    dilation: Sequence[int],
    padding: str,
    model: Any,
    input_shape: Any,
    what: str,
) -> Explanation:
    names = axis_names(len(spatial))
    axes, bad = [], []
    for name, n, k, s, d in zip(names, spatial, kernel, strides, dilation):
        if n is None:
            continue
        try:
            axis = conv_axis(n, k, s, padding, d, axis=name)
            axes.append(AxisEntry(name, axis_formula(axis), axis.output))
        except ValueError:
            axis = _refused_axis(n, k, s, d)
            axes.append(
                AxisEntry(
                    name,
                    axis_formula(axis) + "  ← not positive",
                    axis.output,
                    (f"the {kind} spans {axis.effective_kernel} but the input is only {n} wide",),
                )
            )
            bad.append((name, n, k, s, d))
    size = format_dims(spatial)
    window = format_dims([effective_kernel_size(k, d) for k, d in zip(kernel, dilation)])
    notes = [
        f'With padding="{padding}" a window must fit inside the input: output = floor((n - k_eff) / s) + 1, '
        f"and it is zero or negative when the {window} {kind} is larger than the {size} input.",
    ]
    context, _ = _stack_context(model, input_shape)
    if context:
        notes.append("Sizes through the model: " + "; ".join(context))
    elif spatial and max(n or 0 for n in spatial) < 8:
        notes.append('Earlier strided or "valid" layers may have shrunk the input this far: check their outputs.')
    fixes = []
    same = []
    for name, n, k, s, d in bad:
        if kind == "pool window":
            same.append(str(pool_axis(n, k, s, "same", axis=name).output))
        else:
            same.append(str(conv_axis(n, k, s, "same", d, axis=name).output))
    if bad:
        fixes.append(f'padding="same" keeps the windows inside the padded input (output {format_dims(same)} here).')
        biggest = min((n - 1) // d + 1 for _, n, _, _, d in bad)
        dilated = " (with this dilation)" if any(b[4] > 1 for b in bad) else ""
        fixes.append(f"a smaller {kind}: at most {biggest} fits this input{dilated}.")
        need = max(effective_kernel_size(k, d) for _, _, k, _, d in bad)
        fixes.append(
            f"a larger input (at least {need} along each axis here), or fewer strided/pooling layers before it."
        )
    title = f"{what}: the {kind} does not fit the {size} input, so the output size would be zero or negative"
    return _explanation(title, axes, notes, fixes)


def _conv_too_small(msg: str, model: Any, input_shape: Any, where: Where) -> Explanation | None:
    m = re.search(
        r"Computed output size would be zero or negative\. Received `inputs shape=(\([^)]*\))`, "
        r"`kernel shape=(\([^)]*\))`, `dilation_rate=\[([^\]]*)\]`, `strides=(\([^)]*\))`, "
        r"`padding=(\w+)`",
        msg,
    )
    if not m:
        return None
    shape, kernel = _shape(m.group(1)), _ints(m.group(2))
    rank = len(kernel) - 2
    if rank < 1 or len(shape) != rank + 2:
        raise Unreadable(m.group(0)[:80])
    spatial = shape[1 : 1 + rank]
    strides, dilation, padding = _ints(m.group(4)), _ints(m.group(3)), _padding(m.group(5))
    _window(spatial, kernel[:rank], strides, dilation)
    return too_small(
        "kernel",
        spatial,
        kernel[:rank],
        strides,
        dilation,
        padding,
        model,
        input_shape,
        f"A convolution with input {format_shape(shape)}",
    )


def _padding(text: str) -> str:
    mode = text.lower()
    if mode not in ("valid", "same", "causal"):
        raise Unreadable(text[:20])
    return mode


def _pool_too_small(msg: str, model: Any, input_shape: Any, where: Where) -> Explanation | None:
    m = re.search(
        r"Computed output size would be zero or negative\. Received: `inputs\.shape=\[([^\]]*)\]`, "
        r"`pool_size=\[([^\]]*)\]`, `strides=(\([^)]*\))`, `padding=(\w+)`",
        msg,
    )
    if not m:
        return None
    shape, pool = _shape(m.group(1)), _ints(m.group(2))
    if len(shape) != len(pool) + 2:
        raise Unreadable(m.group(0)[:80])
    spatial = shape[1 : 1 + len(pool)]
    strides, padding = _ints(m.group(3)), _padding(m.group(4))
    if padding == "causal":
        raise Unreadable(padding)
    _window(spatial, pool, strides)
    return too_small(
        "pool window",
        spatial,
        pool,
        strides,
        (1,) * len(pool),
        padding,
        model,
        input_shape,
        f"A pooling layer with input {format_shape(shape)}",
    )


def _negative_dimension(msg: str, model: Any, input_shape: Any, where: Where) -> Explanation | None:
    m = re.search(
        r"Negative dimension size caused by subtracting (\d+) from (\d+) for '\{\{node ([^}]*)\}\} = (\w+)", msg
    )
    if not m:
        return None
    k, n, node, op = _number(m.group(1)), _number(m.group(2)), m.group(3), m.group(4)
    strides = re.search(r"strides=\[([^\]]*)\]", msg)
    s = _ints(strides.group(1)) if strides else ()
    stride = max(s[1:-1]) if len(s) > 2 else 1
    _sizes(k, n, stride)
    shapes = re.search(r"with input shapes: (\[[^\]]*\])", msg)
    kind = "pool window" if "Pool" in op else "kernel"
    axis = _refused_axis(n, k, stride, 1)
    title = f"TensorFlow op {op} ({node}): the {kind} ({k}) is larger than the input ({n}) along one axis"
    notes = [f'"Negative dimension": the output size floor((n - k) / s) + 1 = {axis.output} is not positive.']
    if shapes:
        notes.append(f"input shape: {format_shape(_shape(shapes.group(1)))}")
    context, _ = _stack_context(model, input_shape)
    if context:
        notes.append("Sizes through the model: " + "; ".join(context))
    fixes = [
        f'padding="same" (output ceil({n} / {stride}) = {conv_axis(n, k, stride, "same").output}).',
        f"a {kind} of at most {n}, or an input of at least {k} along that axis.",
    ]
    return _explanation(title, [_refused_entry(axis)], notes, fixes)


def _eager_negative_output(msg: str, model: Any, input_shape: Any, where: Where) -> Explanation | None:
    m = re.search(
        r"Computed output size would be negative: (-?\d+) \[input_size: (\d+), effective_filter_size: (\d+), "
        r"stride: (\d+)\] \[Op:(\w+)\]",
        msg,
    )
    if not m:
        return None
    n, k, stride, op = _number(m.group(2)), _number(m.group(3)), _number(m.group(4)), m.group(5)
    _sizes(n, k, stride)
    _number(m.group(1))
    kind = "pool window" if "Pool" in op else "kernel"
    axis = _refused_axis(n, k, stride, 1)
    title = f"TensorFlow op {op}: the {kind} (spanning {k}) is larger than the input ({n}) along one axis"
    notes = [
        f"TensorFlow computed the output size floor((n - k_eff) / s) + 1 = {axis.output} (it reports "
        f"{m.group(1)} before the + 1): it is not positive."
    ]
    context, _ = _stack_context(model, input_shape)
    if context:
        notes.append("Sizes through the model: " + "; ".join(context))
    fixes = [
        f'padding="same" (output ceil({n} / {stride}) = {conv_axis(n, k, stride, "same").output}).',
        f"a {kind} of at most {n}, a larger input (at least {k}), or fewer strided layers before it.",
    ]
    return _explanation(title, [_refused_entry(axis)], notes, fixes)


_CROPPING = (
    re.compile(
        r"Values in `cropping` argument should be smaller than the corresponding spatial dimension of the input\. "
        r"Received: input_shape=(\([^)]*\)), cropping=(\(.*\))"
    ),
    re.compile(
        r"`cropping` parameter of `Cropping1D` layer must be smaller than the input length\. "
        r"Received: input_shape=(\([^)]*\)), cropping=(\([^)]*\))"
    ),
)


def _pairs(text: str, rank: int) -> tuple[tuple[int, int], ...]:
    values = _ints(text)
    if len(values) != 2 * rank:
        raise Unreadable(text[:40])
    return tuple((values[2 * i], values[2 * i + 1]) for i in range(rank))


def _cropping_too_large(msg: str, model: Any, input_shape: Any, where: Where) -> Explanation | None:
    m = next((found for found in (rule.search(msg) for rule in _CROPPING) if found), None)
    if not m:
        return None
    shape = _shape(m.group(1))
    rank = len(shape) - 2
    if not 1 <= rank <= 3:
        raise Unreadable(m.group(1))
    spatial = shape[1:-1]
    _sizes(*spatial)
    crops = _pairs(m.group(2), rank)
    from .. import layers as convkit_layers

    name = getattr(where.layer, "name", None) or f"cropping{rank}d"
    refused = ""
    try:
        getattr(convkit_layers, f"Cropping{rank}D")(crops[0] if rank == 1 else crops, name=name).compute_output_shape(
            shape
        )
    except ValueError as err:
        refused = str(err)
    axes = []
    fits = []
    for axis, n, (before, after) in zip(axis_names(rank), spatial, crops):
        if n is None:
            fits.append((before, after))
            continue
        left = n - before - after
        axes.append(
            AxisEntry(axis, f"{n} - {before} - {after} = {left}" + ("  ← not positive" if left < 1 else ""), left)
        )
        if left >= 1:
            fits.append((before, after))
        else:
            keep = (n - 1) // 2
            fits.append((keep, n - 1 - keep) if before + after else (0, 0))
    title = refused or f"Cropping{rank}D crops more than the {format_dims(spatial)} input has"
    notes = [
        "Cropping removes `before` and `after` cells from each axis: what is left, n - before - after, must be ≥ 1."
    ]
    fixes = [
        f"crop less, at most n - 1 cells per axis in all: e.g. keras.layers.Cropping{rank}D({tuple(fits)!r}).",
        "or crop a larger tensor (one from before the strided/pooling layers that shrank it).",
    ]
    return _explanation(title, axes, notes, fixes)


SIZE_RULES = (
    _conv_too_small,
    _pool_too_small,
    _negative_dimension,
    _eager_negative_output,
    _cropping_too_large,
)
