"""Model-level context: which layer of a Sequential or functional model failed, its position ("layer 4 of 6"), and
convkit's trace of the layers before it, all read from the exception's traceback; and ``model.predict``/``fit`` on
inputs of another rank or size than the model was built for.

Keras filters its tracebacks, but keeps the frames that hold what is needed here: ``Sequential.build`` (its loop
variables ``layer`` and ``x``), Keras' ``error_handler`` (``args``: the layer and its input) and a layer's
``__init__`` (its arguments). Nothing here imports TensorFlow unless Keras is already loaded.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from ..core.explain import AxisEntry, Explanation
from ..core.words import format_shape
from .error_rules_common import Shape, Where, _explanation, _shape, _stack_context

__all__ = ["MODEL_RULES", "where_of", "with_place"]

_MAX_FRAMES = 200


def _tensor_shape(value: Any) -> Shape | None:
    try:
        return tuple(None if d is None else int(d) for d in value.shape)
    except (AttributeError, TypeError, ValueError):
        return None


def _frames(exc: BaseException) -> list[Any]:
    frames: list[Any] = []
    tb = exc.__traceback__
    while tb is not None and len(frames) < _MAX_FRAMES:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    return frames


def where_of(exc: BaseException, raw: str) -> Where:
    """The failing layer, its input, its place in the model and the trace before it (fields left empty when unknown).

    >>> where_of(ValueError("no traceback"), "no traceback").layer is None
    True
    """
    keras = sys.modules.get("keras")
    if keras is None:
        return Where(raw=raw)
    try:
        return _where(exc, raw, keras)
    except Exception:  # noqa: BLE001 - the context is a bonus: a Keras internal we misread must not hide the error
        return Where(raw=raw)


def _where(exc: BaseException, raw: str, keras: Any) -> Where:
    layer_cls, model_cls = keras.layers.Layer, keras.Model
    layer = x = sequential = init = model = None
    model_input: Shape | None = None
    call: tuple[Any, ...] = ()
    for frame in _frames(exc):
        local = frame.f_locals
        me = local.get("self")
        name = frame.f_code.co_name
        if name == "__init__" and isinstance(me, layer_cls) and not isinstance(me, model_cls) and init is None:
            init = (type(me).__name__, {k: v for k, v in local.items() if k not in ("self", "kwargs", "__class__")})
        elif name == "build" and isinstance(me, keras.Sequential) and isinstance(local.get("layer"), layer_cls):
            sequential, layer, x = me, local["layer"], local.get("x")
        elif name == "error_handler":
            args = local.get("args")
            if isinstance(args, tuple) and args:
                if isinstance(args[0], model_cls) and model is None and len(args) > 1:
                    model, model_input = args[0], _tensor_shape(args[1])
                elif isinstance(args[0], layer_cls) and not isinstance(args[0], model_cls):
                    layer, x = args[0], args[1] if len(args) > 1 else None
                elif not isinstance(args[0], layer_cls):
                    call = args
    if init is not None:
        return Where(raw=raw, init=init)
    if layer is None:
        return Where(raw=raw, call=call, model=model, model_input=model_input)
    shape = _tensor_shape(x) if x is not None and not isinstance(x, (list, tuple)) else None
    before, position = _before(keras, x)
    total = None
    if sequential is not None:
        layers = [op for op in sequential._layers if not isinstance(op, keras.layers.InputLayer)]
        if layer in layers:
            position, total = layers.index(layer) + 1, len(layers)
    return Where(
        raw=raw,
        layer=layer,
        layer_input=shape,
        position=position,
        total=total,
        before=before,
        call=call,
        model=model,
        model_input=model_input,
    )


def _root(tensor: Any) -> Any:
    """The model input a symbolic tensor comes from (following the first input of each node)."""
    for _ in range(10_000):
        history = getattr(tensor, "_keras_history", None)
        if history is None:
            return None
        node = history.operation._inbound_nodes[history.node_index]
        if not node.input_tensors:
            return tensor
        tensor = node.input_tensors[0]
    return None


def _before(keras: Any, x: Any) -> tuple[tuple[str, ...], int | None]:
    """convkit's trace of the layers between the model input and ``x`` (a symbolic tensor), and the position of the
    layer that reads ``x``."""
    tensors = list(x) if isinstance(x, (list, tuple)) else [x]
    if not tensors or not all(hasattr(t, "_keras_history") for t in tensors):
        return (), None
    roots = {id(r): r for r in (_root(t) for t in tensors)}
    if len(roots) != 1 or None in roots.values():
        return (), None
    root = next(iter(roots.values()))
    if all(t is root for t in tensors):
        return (), 1
    partial = keras.Model(root, tensors if len(tensors) > 1 else tensors[0])
    lines, trace = _stack_context(partial, None)
    if trace is None:
        return (), None
    rows = []
    for i, entry in enumerate(trace.entries, start=1):
        kind = type(entry.layer).__name__
        rows.append(
            f"{i}. {entry.name} ({kind}): {format_shape(entry.input_shape)} → {format_shape(entry.output_shape)}"
        )
    return tuple(rows), len(rows) + 1


def with_place(explanation: Explanation, where: Where) -> Explanation:
    """``explanation`` with the failing layer's name and position, and the shapes of the layers before it.

    >>> from convkit.core.explain import Explanation
    >>> with_place(Explanation("title"), Where()).notes  # no layer known: unchanged
    ()
    """
    if where.layer is None:
        return explanation
    name, kind = getattr(where.layer, "name", "?"), type(where.layer).__name__
    of = f" of {where.total}" if where.total else ""
    place = f"layer {where.position}{of}, " if where.position else "layer "
    received = f", receiving {format_shape(where.layer_input)}" if where.layer_input else ""
    notes = [f"Where: {place}'{name}' ({kind}){received}."]
    if where.before:
        notes.append("Shapes up to it (convkit's trace):")
        notes.extend(f"  {line}" for line in where.before)
    return Explanation(explanation.title, explanation.axes, (*notes, *explanation.notes))


def _model_input(msg: str, model: Any, input_shape: Any, where: Where) -> Explanation | None:
    m = re.search(r"Expected shape (\([^)]*\)), but input has incompatible shape (\([^)]*\))", msg)
    if not m or "Invalid input shape for input" not in msg:
        return None
    want, got = _shape(m.group(1)), _shape(m.group(2))
    if not want:
        return None
    title = f"The model was built for inputs {format_shape(want)} but received {format_shape(got)}"
    notes = [f"keras.Input(shape={format_shape(want[1:])}) fixes every axis but the batch: data must have that shape."]
    fixes = []
    if len(got) == len(want) - 1 and tuple(got) == tuple(want[1:]):
        notes.append("The data has no batch axis: one example is still a batch of 1.")
        fixes.append(f"model.predict(x[None]) (or np.expand_dims(x, 0)) gives {format_shape((1, *got))}.")
    elif len(got) == len(want) - 1 and tuple(got[: -0 or None]) == tuple(want[:-1]):
        fixes.append(f"add the channel axis: x[..., None] gives {format_shape((*got, 1))}.")
    elif len(got) == len(want):
        diff = [i for i, (a, b) in enumerate(zip(want, got)) if a is not None and a != b]
        notes.append("Axes that differ: " + ", ".join(f"axis {i}: {want[i]} vs {got[i]}" for i in diff))
        fixes.append(
            f"resize the data to {format_shape(want[1:])} (e.g. tf.image.resize(x, {list(want[1:-1])})), or build "
            "the model with keras.Input(shape=(None, None, channels)) and GlobalAveragePooling2D instead of Flatten."
        )
    else:
        fixes.append(f"reshape the data to {format_shape(want)} (batch first, channels last).")
    axes = [AxisEntry("input", f"expected {format_shape(want)}, received {format_shape(got)}", None)]
    return _explanation(title, axes, notes, fixes)


def _labels_shape(msg: str, model: Any, input_shape: Any, where: Where) -> Explanation | None:
    """``fit`` with labels of another shape than the model's output (mse's "Dimensions must be equal", or
    crossentropy's "must have the same shape")."""
    loss = re.search(
        r"Dimensions must be equal, but are (\d+) and (\d+) for '\{\{node compile_loss/(\w+)/[^}]*\}\}[^']*' "
        r"with input shapes: (\[[^\]]*\]), (\[[^\]]*\])",
        msg,
    )
    same = re.search(
        r"Arguments `target` and `output` must have the same shape\. Received: target\.shape=(\([^)]*\)), "
        r"output\.shape=(\([^)]*\))",
        msg,
    )
    if loss:
        target, output = _shape(loss.group(4).replace("?", "None")), _shape(loss.group(5).replace("?", "None"))
        name = loss.group(3)
    elif same:
        target, output, name = _shape(same.group(1)), _shape(same.group(2)), "the loss"
    else:
        return None
    if not target or not output or len(target) != len(output) or len(output) < 2:
        return None
    want, got = target[-1], output[-1]
    title = f"The labels are {format_shape(target)} but the model outputs {format_shape(output)}: {name} compares them"
    notes = [
        "The loss compares each prediction with its label value by value, so the model's last layer must make as "
        "many values per example as a label has."
    ]
    fixes = [
        f"end the model with keras.layers.Dense({want}) ({want} values per example, one per class), or",
        f"give labels of shape {format_shape((None, got))}: e.g. keras.utils.to_categorical(y, {got}) for {got} classes.",
    ]
    axes = [AxisEntry("values per example", f"labels {want} vs outputs {got}", got)]
    return _explanation(title, axes, notes, fixes)


MODEL_RULES = (_model_input, _labels_shape)
