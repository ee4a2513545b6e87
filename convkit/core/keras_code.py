"""Keras source code for a layer stack: what a learner pastes into a notebook to build the same model.

Pure string building: each layer spec writes its own constructor call (``layer.to_keras_code()``,
e.g. ``keras.layers.Conv2D(32, 3, strides=2)``); this module adds the input and the wiring.
A sequential stack becomes ``keras.Sequential([...])``, a graph a functional ``keras.Model``.
"""

from __future__ import annotations

from typing import Any

from .words import format_shape

__all__ = ["stack_to_keras_code", "input_code"]

MODEL_INPUT = -1  # same value as convkit.core.trace.MODEL_INPUT


def input_code(input_shape: tuple[int | None, ...]) -> str:
    """``keras.Input(shape=(28, 28, 3), batch_size=3)`` for the full shape ``(3, 28, 28, 3)``."""
    dims = tuple(input_shape[1:])
    shape = format_shape(dims)
    batch = input_shape[0] if input_shape else None
    return f"keras.Input(shape={shape}, batch_size={batch})" if batch is not None else f"keras.Input(shape={shape})"


def _layer_code(layer: Any, index: int) -> str:
    to_code = getattr(layer, "to_keras_code", None)
    if not callable(to_code):
        raise ValueError(
            f"Layer {index} ({getattr(layer, 'name', type(layer).__name__)!r}) cannot be written as Keras code: "
            f"it has no to_keras_code(). Received: layers[{index}]={layer!r}"
        )
    return str(to_code())


def stack_to_keras_code(stack: Any) -> str:
    """Python source that defines ``model`` with the stack's input shape (batch size included) and layers.

    ``stack`` is a :class:`convkit.LayerStack` (anything with ``input_shape``, ``layers``, ``inputs``,
    ``is_sequential`` and ``name``).
    """
    name = f", name={stack.name!r}" if getattr(stack, "name", None) else ""
    lines = ["import keras", ""]
    if stack.is_sequential:
        lines.append("model = keras.Sequential([")
        lines.append(f"    {input_code(stack.input_shape)},")
        for i, layer in enumerate(stack.layers):
            lines.append(f"    {_layer_code(layer, i)},")
        lines.append(f"]{name})")
        return "\n".join(lines) + "\n"
    lines.append(f"inputs = {input_code(stack.input_shape)}")
    # a layer object used twice (shared weights) is defined once and called twice
    counts: dict[int, int] = {}
    for layer in stack.layers:
        counts[id(layer)] = counts.get(id(layer), 0) + 1
    shared: dict[int, str] = {}
    for i, layer in enumerate(stack.layers):
        if counts[id(layer)] > 1 and id(layer) not in shared:
            shared[id(layer)] = f"shared_{len(shared)}"
            lines.append(f"{shared[id(layer)]} = {_layer_code(layer, i)}")
    consumed: set[int] = set()
    for i, (layer, srcs) in enumerate(zip(stack.layers, stack.inputs)):
        consumed.update(srcs)
        args = ["inputs" if s == MODEL_INPUT else f"x{s}" for s in (srcs or (MODEL_INPUT,))]
        call = shared.get(id(layer)) or _layer_code(layer, i)
        arg = f"[{', '.join(args)}]" if getattr(layer, "window", None) == "merge" else args[0]
        lines.append(f"x{i} = {call}({arg})")
    outputs = [f"x{i}" for i in range(len(stack.layers)) if i not in consumed]
    out = outputs[0] if len(outputs) == 1 else "[" + ", ".join(outputs) + "]"
    if not stack.layers:
        out = "inputs"
    lines.append(f"model = keras.Model(inputs=inputs, outputs={out}{name})")
    return "\n".join(lines) + "\n"
