"""Depth mistakes: a layer reused on another channel depth (its kernel was built for the first), depthwise layers,
``groups`` that do not divide the channels or filters, and ``tf.nn`` kernels whose depth is not the input's."""

from __future__ import annotations

import re
from typing import Any

from ..core.explain import AxisEntry, Explanation
from ..core.words import count, format_shape, noun
from .error_rules_common import (
    Unreadable,
    Where,
    _class_from_name,
    _explanation,
    _keras_layer,
    _model_input_depth,
    _number,
    _shape,
    _stack_context,
)

__all__ = ["DEPTH_RULES", "INCOMPATIBLE"]


INCOMPATIBLE = re.compile(
    r"Input (\d+)(?: with name '[^']*')? of layer '([^']+)' is incompatible with the layer: (.*)", re.S
)


def _channel_mismatch(msg: str, model: Any, input_shape: Any, where: Where) -> Explanation | None:
    m = INCOMPATIBLE.search(msg)
    if not m:
        return None
    detail = re.search(
        r"expected axis (-?\d+) of input shape to have value (\d+), but received input with shape (\([^)]*\))",
        m.group(3),
    )
    if not detail:
        return None
    name, shape = m.group(2), _shape(detail.group(3))
    axis, expected = _number(detail.group(1)), _number(detail.group(2))
    if not -len(shape) <= axis < len(shape):
        raise Unreadable(detail.group(0)[:80])
    got = shape[axis]
    layer = _keras_layer(model, name)
    cls = type(layer).__name__ if layer is not None else _class_from_name(name)
    is_dense = cls == "Dense" or (len(shape) == 2 and not cls[:1].isupper())  # unknown layer on (batch, features)
    what = f"{cls} '{name}'" if cls else f"layer '{name}'"
    notes: list[str] = []
    fixes: list[str] = []
    if is_dense and len(shape) == 2:
        title = f"{what} was built for {expected} input features but received {got} (input shape {format_shape(shape)})"
        notes.append(
            "A Dense layer's weights are a (features_in, units) matrix fixed when it is first built, so "
            "every later input must have the same last axis."
        )
        notes.append("After Flatten, the feature count is height·width·channels: a different image size changes it.")
        context, tr = _stack_context(model, input_shape)
        if context:
            notes.append("Sizes through the model for this input: " + "; ".join(context))
        fixes.append("feed images of the size the model was built for (resize them), or")
        fixes.append("use GlobalAveragePooling2D instead of Flatten: it gives `channels` features for any image size.")
    else:
        kind = "kernels" if cls.startswith(("Conv", "Depthwise", "Separable")) else "weights"
        title = (
            f"{what} was built for inputs with {count(expected, 'channel')} but received {got}: "
            f"shape {format_shape(shape)}"
        )
        notes.append(
            f"Only the channel depth must agree between layers: the layer's {kind} were created for "
            f"{count(expected, 'channel', 'input ')} (axis {axis}), sizes along the other axes may change freely."
        )
        if layer is None and where.layer is not None and getattr(where.layer, "name", None) == name:
            layer = where.layer
        if layer is not None and getattr(layer, "kernel", None) is not None:
            notes.append(f"kernel shape: {format_shape(tuple(layer.kernel.shape))} (..., in_channels={expected}, out)")
        if cls.startswith("Depthwise"):
            notes.append(
                f"{cls} keeps one filter per input channel (depth_multiplier of them), so its kernel is tied to "
                f"the {expected} channels it first saw; a new {cls} for the {got}-channel tensor has {got}·multiplier."
            )
        if expected == 3 and got == 1:
            fixes.append("give grey images 3 channels, e.g. np.repeat(x, 3, axis=-1), or")
        elif expected == 1 and got == 3:
            fixes.append("convert colour images to grey (1 channel), e.g. x.mean(axis=-1, keepdims=True), or")
        if _model_input_depth(model) == expected:
            fixes.append(
                f"the model was declared for {expected}-channel inputs: feed it data with {expected} "
                f"{noun(expected, 'channel')}, or declare it for {count(got, 'channel')} with keras.Input(shape=(..., {got})) — a "
                "layer cannot change its input depth once built."
            )
        else:
            fixes.append(
                f"feed this layer a tensor with {count(expected, 'channel')}, the kind it was first built on (often "
                f"the previous layer's output, not the original images), or create a new layer for the "
                f"{got}-channel tensor — a layer cannot change its input depth once built."
            )
    return _explanation(
        title,
        [AxisEntry("channels" if not is_dense else "features", f"expected {expected}, received {got}", got)],
        notes,
        fixes,
    )


def _divisors(n: int) -> list[int]:
    """The divisors of ``n`` (bounded: ``n`` is at most MAX_DIM, and only up to sqrt(n) is tried)."""
    small = [d for d in range(1, int(n**0.5) + 1) if n % d == 0]
    return sorted({*small, *(n // d for d in small)})


def _choices(values: list[int]) -> str:
    shown = values if len(values) <= 8 else [*values[:7], values[-1]]
    return ", ".join(map(str, shown[:-1])) + f" or {shown[-1]}" if len(shown) > 1 else str(shown[0])


def _convkit_refusal(cls: str, *args: Any, input_shape: Any = None, **kwargs: Any) -> str:
    """convkit's own message for the configuration (``""`` when convkit accepts it)."""
    from .. import layers as convkit_layers

    try:
        layer = getattr(convkit_layers, cls)(*args, **kwargs)
        if input_shape is not None:
            layer.compute_output_shape(input_shape)
    except (ValueError, TypeError) as err:
        return str(err)
    return ""


def _groups(msg: str, model: Any, input_shape: Any, where: Where) -> Explanation | None:
    channels = re.search(
        r"The number of input channels must be evenly divisible by the number of groups\. Received groups=(\d+), "
        r"but the input has (\d+) channels \(full input shape is (\([^)]*\))\)",
        msg,
    )
    filters = re.search(
        r"The number of filters must be evenly divisible by the number of groups\. Received: groups=(\d+), "
        r"filters=(\d+)",
        msg,
    )
    if not (channels or filters):
        return None
    layer = where.layer
    if channels:
        groups, depth, shape = _number(channels.group(1)), _number(channels.group(2)), _shape(channels.group(3))
        rank = len(shape) - 2
        if groups < 1 or depth < 1 or not 1 <= rank <= 3:
            raise Unreadable(channels.group(0)[:80])
        n_filters = getattr(layer, "filters", None) or groups
        cls = type(layer).__name__ if layer is not None else f"Conv{rank}D"
        name = getattr(layer, "name", None) or f"conv{rank}d"
        title = _convkit_refusal(cls, n_filters, 1, groups=groups, name=name, input_shape=shape) or (
            f"{cls}: the input's {depth} channels cannot be split into groups={groups} equal groups"
        )
        valid = [g for g in _divisors(depth) if n_filters % g == 0]
        axes = [AxisEntry("channels", f"{depth} / {groups} = {depth / groups:g}  ← not a whole number", depth)]
        notes = [
            "A grouped convolution splits the input channels into `groups` equal parts and gives each its own "
            "filters, so groups must divide the input channels and the filters alike."
        ]
        fixes = [f"groups={_choices(valid)} (the divisors of {depth} that also divide filters={n_filters})."]
        if layer is not None and layer.name:
            fixes.append(f"e.g. keras.layers.{cls}({n_filters}, {_kernel_text(layer)}, groups={valid[-1]}).")
        return _explanation(title, axes, notes, fixes)
    assert filters is not None
    groups, n_filters = _number(filters.group(1)), _number(filters.group(2))
    if groups < 1 or n_filters < 1:
        raise Unreadable(filters.group(0)[:80])
    cls = type(layer).__name__ if layer is not None else (where.init[0] if where.init else "Conv2D")
    title = _convkit_refusal(cls, n_filters, 1, groups=groups) or (
        f"filters={n_filters} cannot be split into groups={groups} equal groups"
    )
    lower, upper = n_filters // groups * groups, (n_filters // groups + 1) * groups
    axes = [AxisEntry("filters", f"{n_filters} / {groups} = {n_filters / groups:g}  ← not a whole number", n_filters)]
    notes = ["Each of the `groups` groups makes filters / groups output channels, so groups must divide filters."]
    near = [str(v) for v in (lower, upper) if v >= 1]
    fixes = [
        f"filters={' or '.join(near)} (multiples of {groups}), or groups={_choices(_divisors(n_filters))} "
        f"(the divisors of {n_filters}), e.g. keras.layers.{cls}({upper}, 3, groups={groups})."
    ]
    return _explanation(title, axes, notes, fixes)


def _kernel_text(layer: Any) -> str:
    kernel = getattr(layer, "kernel_size", 3)
    return str(kernel[0]) if isinstance(kernel, tuple) and len(set(kernel)) == 1 else str(kernel)


def _tfnn_depth(msg: str, model: Any, input_shape: Any, where: Where) -> Explanation | None:
    eager = re.search(r"input depth must be evenly divisible by filter depth: (\d+) vs (\d+) \[Op:(\w+)\]", msg)
    graph = re.search(
        r"Depth of input \((\d+)\) is not a multiple of input depth of filter \((\d+)\) for '\{\{node [^}]*\}\} = "
        r"(\w+)",
        msg,
    )
    m = eager or graph
    if not m:
        return None
    depth, kernel_depth, op = _number(m.group(1)), _number(m.group(2)), m.group(3)
    if depth < 1 or kernel_depth < 1:
        raise Unreadable(m.group(0)[:80])
    shapes = re.search(r"with input shapes: (\[[^\]]*\]), (\[[^\]]*\])", msg)
    x_shape = kernel = None
    if shapes:
        x_shape, kernel = _shape(shapes.group(1)), _shape(shapes.group(2))
    elif len(where.call) >= 2 and hasattr(where.call[0], "shape") and hasattr(where.call[1], "shape"):
        x_shape = tuple(None if d is None else int(d) for d in where.call[0].shape)
        kernel = tuple(None if d is None else int(d) for d in where.call[1].shape)
    title = f"tf.nn {op}: the kernel is made for {count(kernel_depth, 'input channel')} but the input has {depth}"
    notes = [
        "A tf.nn convolution kernel has the shape (*kernel_size, in_channels, out_channels): its in_channels "
        "must equal the input's last axis (or divide it, for a grouped convolution)."
    ]
    if x_shape and kernel:
        notes.append(f"input shape {format_shape(x_shape)}, kernel shape {format_shape(kernel)}")
    axes = [AxisEntry("channels", f"input {depth} vs kernel {kernel_depth}", depth)]
    if kernel and len(kernel) >= 3:
        fixed = (*kernel[:-2], depth, kernel[-1])
        fixes = [f"make the kernel {format_shape(fixed)}, e.g. tf.random.normal({format_shape(fixed)})."]
    else:
        fixes = [f"give the kernel {depth} input channels: its second-to-last axis must be {depth}."]
    return _explanation(title, axes, notes, fixes)


DEPTH_RULES = (_channel_mismatch, _groups, _tfnn_depth)
