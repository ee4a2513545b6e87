"""A live Keras 3 model → a :class:`convkit.LayerStack` of convkit layer specs.

Keras and TensorFlow are imported lazily inside the functions here, never at module import, so
``import convkit.adapters.keras`` stays cheap; the placeholder spec :class:`~convkit.core.reported.KerasLayer` (in the core) needs no Keras.

The graph is read from the model's symbolic tensors (Keras 3 API): every layer call is a node whose
output ``KerasTensor`` has a ``_keras_history`` ``(operation, node_index, tensor_index)`` and whose
inputs are the node's ``input_tensors``. Nodes are ordered topologically, ties broken by
``model.operations`` order (the order ``model.summary()`` shows).
"""

from __future__ import annotations

import heapq
import inspect
from collections.abc import Sequence
from typing import Any

from ..core.layers.base import Layer
from ..core.merge import MERGE_LAYERS, MergeLayer
from ..core.reported import KerasLayer
from ..core.trace import MODEL_INPUT
from ..core.words import format_shape

__all__ = ["KerasLayer", "stack_from_keras", "layer_from_keras"]

Shape = tuple[int | None, ...]
SpecClass = type[Layer] | type[MergeLayer]


# --- single layers ------------------------------------------------------------------------------------

_DROP_SUFFIXES = ("_initializer", "_regularizer", "_constraint")


def _spec_kwargs(spec_cls: SpecClass, config: dict[str, Any]) -> dict[str, Any]:
    """The Keras config keys the spec's constructor takes, without weights' initialisers/regularisers/dtype."""
    params = inspect.signature(spec_cls.__init__).parameters
    kwargs = {}
    for key, value in config.items():
        if key in ("dtype", "trainable", "autocast") or (key not in params and key != "name"):
            continue
        if key == "activation" and value == "linear":
            continue  # Keras' default (None) reads back as "linear": keep the code short
        if key.endswith(_DROP_SUFFIXES) and value is not None and not isinstance(value, str):
            continue
        if key == "activation" and not (value is None or isinstance(value, str)):
            continue
        if isinstance(value, list):
            value = tuple(tuple(v) if isinstance(v, list) else v for v in value)
        kwargs[key] = value
    return kwargs


def _spec_class(op: Any) -> SpecClass | None:
    import keras

    if not isinstance(op, keras.layers.Layer) or isinstance(op, keras.Model):
        return None
    name = type(op).__name__
    if name in MERGE_LAYERS and type(op).__module__.startswith("keras.src.layers"):
        return MERGE_LAYERS[name]
    from .. import layers as convkit_layers

    cls: type[Layer] | None = getattr(convkit_layers, name, None)
    if cls is None or not type(op).__module__.startswith("keras.src.layers"):
        return None  # a user subclass or a layer convkit does not model
    return cls


def layer_from_keras(op: Any, input_shapes: Sequence[Shape], output_shape: Shape) -> Any:
    """A convkit spec for one Keras layer call, or a :class:`KerasLayer` placeholder.

    ``input_shapes``/``output_shape`` are what Keras computed for this call (batch included).
    """
    spec_cls = _spec_class(op)
    reason = None
    if spec_cls is not None:
        try:
            return spec_cls(**_spec_kwargs(spec_cls, op.get_config()))
        except (TypeError, ValueError) as err:
            reason = f"convkit could not rebuild it: {err}"
    try:
        import keras

        serialized = keras.layers.serialize(op) if isinstance(op, keras.layers.Layer) else None
    # Keras' own Layer.get_config raises NotImplementedError for custom layers that do not define it:
    # such a layer is still shown, only without its serialised config.
    except (TypeError, ValueError, NotImplementedError):
        serialized = None
    params = op.count_params() if hasattr(op, "count_params") and getattr(op, "built", True) else 0
    return KerasLayer(op.name, type(op).__name__, tuple(input_shapes), output_shape, params, serialized, reason)


# --- the graph ----------------------------------------------------------------------------------------


def _shape(tensor: Any) -> Shape:
    return tuple(None if d is None else int(d) for d in tensor.shape)


def _model_input(model: Any) -> Any:
    try:
        inputs = list(model.inputs)
    except (AttributeError, ValueError):
        inputs = []
    if not inputs:
        raise ValueError(
            f"The Keras model {getattr(model, 'name', '')!r} has no input yet, so its shapes are unknown. Start it "
            "with keras.Input(shape=(28, 28, 3)) (add batch_size=... to see the batch), or call "
            "model.build((None, 28, 28, 3)) first. Received: model.inputs=[]"
        )
    if len(inputs) != 1:
        raise ValueError(
            "convkit shows models with one input; this one has "
            f"{len(inputs)}: {', '.join(format_shape(_shape(t)) for t in inputs)}. Build one branch as its own model. "
            f"Received: len(model.inputs)={len(inputs)}"
        )
    return inputs[0]


def _collect_nodes(model: Any, model_input: Any) -> list[tuple[Any, int]]:
    """Every (operation, node_index) between the input and the outputs, in computation order."""
    ops = getattr(model, "operations", None) or model.layers  # Sequential has only ``layers``
    order = {id(op): i for i, op in enumerate(ops)}
    nodes: dict[tuple[int, int], tuple[Any, int]] = {}
    parents: dict[tuple[int, int], set[tuple[int, int]]] = {}
    stack = list(model.outputs)
    while stack:
        tensor = stack.pop()
        if tensor is model_input:
            continue
        op, node_index, _ = tensor._keras_history
        key = (id(op), node_index)
        if key in nodes:
            continue
        node = op._inbound_nodes[node_index]
        nodes[key] = (op, node_index)
        parents[key] = set()
        for t in node.input_tensors:
            if t is not model_input:
                h = t._keras_history
                parents[key].add((id(h.operation), h.node_index))
            stack.append(t)
    # Kahn's algorithm, ties broken by the model's operation order
    children: dict[tuple[int, int], list[tuple[int, int]]] = {k: [] for k in nodes}
    for k, ps in parents.items():
        for p in ps:
            children[p].append(k)
    waiting = {k: len(ps) for k, ps in parents.items()}
    ready = [(order.get(k[0], len(order)), k[1], k) for k, n in waiting.items() if n == 0]
    heapq.heapify(ready)
    out = []
    while ready:
        *_, key = heapq.heappop(ready)
        out.append(nodes[key])
        for c in children[key]:
            waiting[c] -= 1
            if waiting[c] == 0:
                heapq.heappush(ready, (order.get(c[0], len(order)), c[1], c))
    return out


def stack_from_keras(model: Any) -> Any:
    """The :class:`convkit.LayerStack` of a built Keras 3 model (Sequential or functional, one input).

    Layer specs come from ``convkit.layers`` (merge layers from :mod:`convkit.core.merge`); a layer convkit
    does not model becomes a :class:`KerasLayer` placeholder. The batch size is the model Input's.
    """
    from ..core.stack import LayerStack

    model_input = _model_input(model)
    keras_nodes = _collect_nodes(model, model_input)
    produced: dict[int, int] = {id(model_input): MODEL_INPUT}
    layers: list[Any] = []
    wiring: list[tuple[int, ...]] = []
    specs: dict[int, Any] = {}  # one spec per Keras layer object, so shared layers stay shared
    for op, node_index in keras_nodes:
        node = op._inbound_nodes[node_index]
        ins = list(node.input_tensors)
        missing = [t for t in ins if id(t) not in produced]
        if missing:
            raise ValueError(
                f"Layer {op.name!r} reads a tensor that does not come from the model's input "
                f"({format_shape(_shape(missing[0]))}); convkit shows models with one input. "
                f"Received: layer={op.name!r}"
            )
        outs = list(node.outputs)
        if id(op) not in specs:
            specs[id(op)] = layer_from_keras(op, [_shape(t) for t in ins], _shape(outs[0]))
        layers.append(specs[id(op)])
        srcs = tuple(produced[id(t)] for t in ins)
        wiring.append(() if srcs == (MODEL_INPUT,) else srcs)
        for t in outs:
            produced[id(t)] = len(layers) - 1
    return LayerStack(_shape(model_input), layers, wiring, name=getattr(model, "name", None))
