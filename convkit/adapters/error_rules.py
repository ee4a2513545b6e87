"""The recognisers behind :func:`convkit.adapters.errors.explain_error`: one function per TF/Keras message.

Each recogniser takes the cleaned message (see :func:`clean_message`), the optional Keras model and input
shape, and returns an :class:`~convkit.core.explain.Explanation` or ``None``. Numbers come from the
message (regular expressions); sizes are recomputed with :mod:`convkit.core.axis`, formula text comes
from :mod:`convkit.core.explain`, and the model context from convkit's own trace.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import Any

from ..core.args import MAX_DIM, MAX_RANK, axis_names
from ..core.axis import ConvAxis, conv_axis, effective_kernel_size, pool_axis
from ..core.explain import AxisEntry, Explanation, axis_formula
from ..core.words import (
    channel_depths_fix,
    concatenate_sizes_fix,
    count,
    format_dims,
    format_shape,
    noun,
    spatial_sizes_fix,
)

__all__ = ["RECOGNISERS", "Unreadable", "clean_message"]

Shape = tuple[int | None, ...]


class Unreadable(Exception):
    """Raised by a recogniser that found its message but cannot make sense of the numbers in it.

    :func:`~convkit.adapters.errors.explain_error` turns it into ``None`` ("not an error convkit explains"),
    so an odd message (a stride of 0, a 5,000-digit size, an empty shape) leaves the learner's own error as it is.
    """


# --- parsing ------------------------------------------------------------------------------------------

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_NUM_OR_NONE = re.compile(r"None|-?\d+")


def clean_message(message: str) -> str:
    """The core message: ANSI codes removed, Keras' "Exception encountered when calling" wrapper and
    tf.function's "in user code" preamble stripped."""
    text = _ANSI.sub("", message)
    wrapped = re.search(
        r"Exception encountered when calling [^\n]*\n\n(.*?)(?:\n\nArguments received by|\Z)", text, re.S
    )
    if wrapped:
        text = wrapped.group(1)
    if "in user code:" in text:
        found = re.findall(r"^\s*(?:\w+Error|\w+Exception): (.*)$", text, re.M)
        if found:
            text = found[-1]
    return text.strip()


def _number(token: str) -> int:
    """One integer of a message; :class:`Unreadable` beyond convkit's sizes (no 5,000-digit ``int()``)."""
    if len(token.lstrip("-")) > len(str(MAX_DIM)) or abs(int(token)) > MAX_DIM:
        raise Unreadable(token[:20])
    return int(token)


def _shape(text: str) -> Shape:
    """``"(None, 4, 4, 3)"``, ``"[None 3 3 3]"`` or ``"[1,4,4,3]"`` → ``(None, 4, 4, 3)``."""
    tokens = _NUM_OR_NONE.findall(text)
    if len(tokens) > MAX_RANK:
        raise Unreadable(text[:40])
    return tuple(None if t == "None" else _number(t) for t in tokens)


def _ints(text: str) -> tuple[int, ...]:
    tokens = re.findall(r"\d+", text)
    if len(tokens) > MAX_RANK:
        raise Unreadable(text[:40])
    return tuple(_number(t) for t in tokens)


def _sizes(*values: Any) -> None:
    """:class:`Unreadable` unless every value is a positive int (``None`` allowed: an unknown size)."""
    for value in values:
        if value is not None and not (isinstance(value, int) and value >= 1):
            raise Unreadable(str(value))


def _window(spatial: Shape, *per_axis: Sequence[int]) -> None:
    """:class:`Unreadable` unless there are 1 to 3 spatial axes and one positive number per axis in each tuple."""
    if not 1 <= len(spatial) <= 3 or any(len(values) != len(spatial) for values in per_axis):
        raise Unreadable(f"{spatial} {per_axis}")
    _sizes(*spatial)
    for values in per_axis:
        _sizes(*values)
        if None in values:
            raise Unreadable(str(values))


def _keras_layer(model: Any, name: str | None) -> Any:
    if model is None or not name:
        return None
    get = getattr(model, "get_layer", None)
    if get is None:
        return None
    try:
        return get(name)
    except ValueError:
        return None


def _model_input_depth(model: Any) -> int | None:
    """The channel depth of a model's (first) declared input, ``None`` when unknown."""
    try:
        shape = tuple(model.inputs[0].shape)
        return int(shape[-1]) if shape and shape[-1] is not None else None
    except (AttributeError, IndexError, TypeError, ValueError):
        return None


def _class_from_name(name: str) -> str:
    """Keras' default layer name → its class (``"conv2d_7"`` → ``"Conv2D"``); the name itself when unknown."""
    from ..core.layers import LAYERS
    from ..core.layers.base import snake_case

    base = re.sub(r"_\d+$", "", name)
    return next((cls for cls in LAYERS if snake_case(cls) == base), base)


def _stack_context(model: Any, input_shape: Sequence[int | None] | None) -> tuple[list[str], Any]:
    """Convkit's trace of ``model`` (fed ``input_shape`` when given): one line per layer up to the first error."""
    if model is None:
        return [], None
    from .keras import stack_from_keras

    try:
        stack = stack_from_keras(model)
        if input_shape is not None:
            stack = stack.with_input_shape(input_shape)
    except (ValueError, TypeError, AttributeError):
        return [], None
    lines = []
    for e in stack.trace.entries:
        if e.error is not None:
            lines.append(f"{e.name}: {format_shape(e.input_shape) if not e.is_merge else e.input_shape} → INVALID")
            break
        if e.output_shape is None:
            break
        lines.append(f"{e.name}: → {format_shape(e.output_shape)}")
    return lines, stack.trace


def _explanation(title: str, axes: Sequence[AxisEntry], notes: Sequence[str], fixes: Sequence[str]) -> Explanation:
    return Explanation(title, tuple(axes), tuple(notes) + tuple(f"Fix: {f}" for f in fixes))


# --- recognisers --------------------------------------------------------------------------------------

Recogniser = Callable[[str, Any, Any], "Explanation | None"]


def _refused_axis(n: int, k: int, s: int, d: int) -> ConvAxis:
    """The "valid" axis Keras refused, with the non-positive size the formula gives (for the text only)."""
    k_eff = effective_kernel_size(k, d)
    return ConvAxis(n, k, s, d, "valid", 0, 0, (n - k_eff) // s + 1)


def _refused_entry(axis: ConvAxis) -> AxisEntry:
    return AxisEntry("axis", axis_formula(axis) + "  ← not positive", axis.output)


def _too_small(
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


def _conv_too_small(msg: str, model: Any, input_shape: Any) -> Explanation | None:
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
    return _too_small(
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


def _pool_too_small(msg: str, model: Any, input_shape: Any) -> Explanation | None:
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
    return _too_small(
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


def _negative_dimension(msg: str, model: Any, input_shape: Any) -> Explanation | None:
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


def _eager_negative_output(msg: str, model: Any, input_shape: Any) -> Explanation | None:
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


_INCOMPATIBLE = re.compile(
    r"Input (\d+)(?: with name '[^']*')? of layer '([^']+)' is incompatible with the layer: (.*)", re.S
)


def _channel_mismatch(msg: str, model: Any, input_shape: Any) -> Explanation | None:
    m = _INCOMPATIBLE.search(msg)
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
        if layer is not None and getattr(layer, "kernel", None) is not None:
            notes.append(f"kernel shape: {format_shape(tuple(layer.kernel.shape))} (..., in_channels={expected}, out)")
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


def _rank_mismatch(msg: str, model: Any, input_shape: Any) -> Explanation | None:
    m = _INCOMPATIBLE.search(msg)
    if not m:
        return None
    detail = re.search(r"expected (min_)?ndim=(\d+), found ndim=(\d+)\. Full shape received: (\([^)]*\))", m.group(3))
    if not detail:
        return None
    name, want, found, shape = m.group(2), _number(detail.group(2)), _number(detail.group(3)), _shape(detail.group(4))
    if not (1 <= want <= MAX_RANK and 0 <= found <= MAX_RANK):
        raise Unreadable(detail.group(0)[:80])
    layer = _keras_layer(model, name)
    cls = type(layer).__name__ if layer is not None else _class_from_name(name)
    rank = want - 2
    layout = "(batch, " + ", ".join(axis_names(rank)) + ", channels)" if rank >= 1 else f"{want} axes"
    title = f"{cls} '{name}' needs {want}-D input {layout} but received {found}-D {format_shape(shape)}"
    notes = ["The batch axis comes first and the channel axis last, even for one image or one grey channel."]
    fixes = []
    if found == 2 and want > 3:
        notes.append(
            "A 2-D input (batch, features) is what Flatten or Dense produce: a convolution after them "
            "has no spatial axes left to slide over."
        )
        fixes.append(
            "put Flatten after the last convolution/pooling layer, or restore the axes with "
            "keras.layers.Reshape((height, width, channels))."
        )
    elif found == want - 1 and shape and shape[0] is None:
        fixes.append(
            f"add the channel axis: keras.Input(shape={format_shape((*shape[1:], 1))}) and x[..., None] "
            "(or np.expand_dims(x, -1)) for grey images."
        )
    elif found == want - 1:
        fixes.append(
            f"add the batch axis: x[None] (or np.expand_dims(x, 0)) gives {format_shape((1, *shape))}; "
            f"if the channel axis is what is missing, use x[..., None] to get {format_shape((*shape, 1))}."
        )
    else:
        fixes.append(f"reshape the input to {layout}.")
    return _explanation(title, [AxisEntry("rank", f"expected {want}, received {found}", found)], notes, fixes)


def _dense_on_image(msg: str, model: Any, input_shape: Any) -> Explanation | None:
    m = re.search(
        r"Arguments `target` and `output` must have the same rank \(ndim\)\. Received: "
        r"target\.shape=(\([^)]*\)), output\.shape=(\([^)]*\))",
        msg,
    )
    m = m or re.search(
        r"Argument `output` must have rank \(ndim\) `target\.ndim - 1`\. Received: "
        r"target\.shape=(\([^)]*\)), output\.shape=(\([^)]*\))",
        msg,
    )
    if not m:
        return None
    target, output = _shape(m.group(1)), _shape(m.group(2))
    if len(output) <= 2:
        return None
    spatial = output[1:-1]
    title = (
        f"The model outputs {format_shape(output)}, one prediction per position, but the labels are "
        f"{format_shape(target)}"
    )
    notes = [
        "Dense acts on the last axis only: on a (batch, height, width, channels) tensor it is a 1×1 "
        "convolution, so the height and width survive to the output."
    ]
    axes = [AxisEntry("output", f"Dense on {format_shape(output[:-1] + ('c',))} → {format_shape(output)}", output[-1])]
    fixes = []
    context, tr = _stack_context(model, input_shape)
    feed = None
    if tr is not None:
        dense = [
            e for e in tr.entries if type(e.layer).__name__ == "Dense" and e.input_shape and len(e.input_shape) > 2
        ]
        if dense:
            feed = dense[0].input_shape
            notes.append(f"'{dense[0].name}' receives {format_shape(feed)}.")
    if feed is not None and None not in feed[1:]:
        flat = math.prod(feed[1:])
        fixes.append(
            f"add keras.layers.Flatten() before Dense: {'·'.join(map(str, feed[1:]))} = {count(flat, 'feature')}."
        )
        fixes.append(
            f"or keras.layers.GlobalAveragePooling2D(): {count(feed[-1], 'feature')} (one per channel), for any image size."
        )
    else:
        fixes.append(
            "add keras.layers.Flatten() (height·width·channels features) or "
            "keras.layers.GlobalAveragePooling2D() (one feature per channel) before the Dense layer."
        )
    if spatial:
        notes.append(
            f"The extra axes {format_shape(spatial)} are the spatial positions the Dense layer was applied at."
        )
    return _explanation(title, axes, notes, fixes)


def _undefined_features(msg: str, model: Any, input_shape: Any) -> Explanation | None:
    m = re.search(
        r"Shapes used to initialize variables must be fully-defined \(no `None` dimensions\)\. "
        r"Received: shape=(\([^)]*\)) for variable path='([^']*)'",
        msg,
    )
    m2 = re.search(r"The last dimension of the inputs to a Dense layer should be defined\. Found None", msg)
    if not (m or m2):
        return None
    shape = _shape(m.group(1)) if m else ()
    path = m.group(2) if m else ""
    parts = path.split("/")
    name = parts[-2] if len(parts) >= 2 else "dense"
    weights = format_shape(shape) if shape else ""
    title = f"Layer '{name}' cannot create its weights {weights}: its input's last axis is None"
    notes = [
        "The weight matrix needs the number of input features, but the input's last axis is unknown.",
        "Flatten of an image whose height/width are None (keras.Input(shape=(None, None, 3))) gives "
        "(batch, None): the feature count depends on the image size.",
    ]
    fixes = [
        "use keras.layers.GlobalAveragePooling2D() instead of Flatten: it gives one feature per channel "
        "for any image size, or",
        "give the Input a fixed size, e.g. keras.Input(shape=(28, 28, 3)).",
    ]
    entry = AxisEntry("features", f"weights shape {format_shape(shape)} with None input features", None)
    return _explanation(title, [entry], notes, fixes)


def _merge_mismatch(msg: str, model: Any, input_shape: Any) -> Explanation | None:
    m = re.search(r"Inputs have incompatible shapes\. Received shapes (\([^)]*\)) and (\([^)]*\))", msg)
    concat = re.search(
        r"A `Concatenate` layer requires inputs with matching shapes except for the concatenation "
        r"axis\. Received: input_shape=\[(.*)\]",
        msg,
    )
    if m:
        a, b = _shape(m.group(1)), _shape(m.group(2))
        if not a or not b:
            raise Unreadable(m.group(0)[:80])
        what = "An element-wise merge (Add, Subtract, Multiply, Average, Maximum, Minimum)"
        title = f"{what} needs equal shapes; received {format_shape(a)} and {format_shape(b)} (batch axis left out)"
        axes = [
            AxisEntry(f"axis {i + 1}", f"{x} vs {y}", None)
            for i, (x, y) in enumerate(zip(a, b))
            if x != y and 1 not in (x, y)
        ]
        notes = ["Element-wise merges add or multiply value by value, so every axis must match (or be 1)."]
        fixes = []
        if a[:-1] == b[:-1]:
            fixes.append(channel_depths_fix(a[-1], b[-1], len(a) - 1))
        else:
            fixes.append(spatial_sizes_fix())
        return _explanation(title, axes, notes, fixes)
    if concat:
        shapes = [_shape(s) for s in re.findall(r"\([^)]*\)", concat.group(1))]
        if len(shapes) < 2:
            return None
        a = shapes[0]
        if any(len(s) != len(a) for s in shapes) or len(shapes) > MAX_RANK:
            raise Unreadable(concat.group(0)[:80])
        diffs = [(i, [s[i] for s in shapes]) for i in range(1, len(a) - 1) if len({s[i] for s in shapes}) > 1]
        title = (
            "Concatenate needs equal shapes except along its axis (the channels, by default); received "
            + " and ".join(format_shape(s) for s in shapes)
        )
        axes = [AxisEntry(f"axis {i}", " vs ".join(map(str, vals)), None) for i, vals in diffs]
        notes = ["Concatenate stacks tensors along one axis (axis=-1: channels); every other axis must match."]
        fixes = [concatenate_sizes_fix(len(a) - 2)]
        for i, vals in diffs:
            known = [v for v in vals if v is not None]
            if len(known) == len(vals) == 2:
                diff = abs(known[0] - known[1])
                fixes.append(
                    f"axis {i} differs by {diff}: e.g. Cropping2D(({diff // 2}, {diff - diff // 2}), ...) on "
                    f"the larger branch."
                )
                break
        return _explanation(title, axes, notes, fixes)
    return None


def _reshape_size(msg: str, model: Any, input_shape: Any) -> Explanation | None:
    m = re.search(
        r"The total size of the tensor must be unchanged\. Received: input_shape=(\([^)]*\)), "
        r"target_shape=(\([^)]*\))",
        msg,
    )
    if not m:
        return None
    src, dst = _shape(m.group(1)), _shape(m.group(2))
    n_src, n_dst = math.prod(d for d in src if d), math.prod(d for d in dst if d and d > 0)
    title = f"Reshape{format_shape(dst)} cannot hold the {n_src} values of {format_shape(src)}"
    axes = [AxisEntry("values", f"{'·'.join(map(str, src))} = {n_src} vs {'·'.join(map(str, dst))} = {n_dst}", n_dst)]
    fixes = [
        "choose a target shape whose sizes multiply to the same number of values (batch excluded), "
        "or use -1 for one axis to let Keras compute it."
    ]
    return _explanation(title, axes, ["Reshape only rearranges values: it cannot add or drop any."], fixes)


RECOGNISERS: tuple[Recogniser, ...] = (
    _conv_too_small,
    _pool_too_small,
    _negative_dimension,
    _eager_negative_output,
    _channel_mismatch,
    _rank_mismatch,
    _dense_on_image,
    _undefined_features,
    _merge_mismatch,
    _reshape_size,
)
