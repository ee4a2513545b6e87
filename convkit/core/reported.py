"""The "shapes reported by Keras" placeholder: a layer convkit does not model, replayed from Keras' shapes.

The Keras adapter (:mod:`convkit.adapters.keras`) builds these for layers without a convkit spec; everything else
(trace, summary, diagram, editor) treats them through the :class:`~convkit.core.spec.LayerSpec` contract.
Like every spec it is an immutable value (``dataclasses.replace`` or :meth:`KerasLayer.replace` makes a copy).

>>> layer = KerasLayer("attn", "MultiHeadAttention", [(None, 8, 16)], (None, 8, 16), 1088)
>>> layer.compute_output_shape((4, 8, 16)), layer.window, layer.modelled
((4, 8, 16), <LayerKind.ELEMENTWISE: 'elementwise'>, False)
"""

from __future__ import annotations

import ast
import dataclasses
from dataclasses import dataclass, field
from typing import Any

from .explain import Explanation
from .spec import LayerKind
from .words import format_shape

__all__ = ["KerasLayer"]

Shape = tuple[int | None, ...]


@dataclass(frozen=True, eq=True)
class KerasLayer:
    """Placeholder for a Keras layer convkit does not model: it replays the shapes Keras reported.

    ``modelled`` is ``False``; the summary shows the type as "(from Keras)". A shape-preserving
    placeholder passes any input through; any other one accepts only the input Keras saw (batch size
    aside) and refuses others with a message, since convkit cannot compute its arithmetic.
    """

    name: str
    class_name: str
    input_shapes: tuple[Shape, ...]
    output_shape: Shape
    params: int
    serialized: dict[str, Any] | None = field(default=None, compare=False)
    reason: str | None = None

    modelled = False
    rank = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "input_shapes", tuple(tuple(s) for s in self.input_shapes))
        object.__setattr__(self, "output_shape", tuple(self.output_shape))
        object.__setattr__(self, "params", int(self.params))

    def __hash__(self) -> int:
        return hash((self.name, self.class_name, self.input_shapes, self.output_shape, self.params))

    def replace(self, **changes: Any) -> KerasLayer:
        """A copy with ``changes`` applied (the fields above)."""
        return dataclasses.replace(self, **changes)

    @property
    def window(self) -> LayerKind:
        if len(self.input_shapes) > 1:
            return LayerKind.MERGE
        return LayerKind.ELEMENTWISE if self.preserves_shape else LayerKind.RESHAPE

    @property
    def preserves_shape(self) -> bool:
        return len(self.input_shapes) == 1 and self.input_shapes[0][1:] == self.output_shape[1:]

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "class_name": self.class_name, "output_shape": self.output_shape}

    def __repr__(self) -> str:  # shorter than the dataclass repr, which would print the whole Keras config
        ins = " + ".join(map(format_shape, self.input_shapes))
        return f"KerasLayer({self.class_name} {self.name!r}: {ins} → {format_shape(self.output_shape)})"

    def _check(self, input_shape: Any) -> tuple[Shape, ...]:
        shapes = tuple(tuple(s) for s in input_shape) if self.window == "merge" else (tuple(input_shape),)
        if self.preserves_shape:
            return shapes
        if len(shapes) != len(self.input_shapes) or any(a[1:] != b[1:] for a, b in zip(shapes, self.input_shapes)):
            raise ValueError(
                f"{self.class_name} '{self.name}' is a Keras layer convkit does not model: it only knows the "
                f"output Keras reported for the input {' + '.join(map(format_shape, self.input_shapes))}. Rebuild the "
                f"Keras model and call convkit.LayerStack.from_keras(model) again. "
                f"Received: input_shape={' + '.join(map(format_shape, shapes))}"
            )
        return shapes

    def compute_output_shape(self, input_shape: Any) -> Shape:
        shapes = self._check(input_shape)
        batch = shapes[0][0] if shapes[0] else None
        if self.preserves_shape:
            return shapes[0]
        return (batch, *self.output_shape[1:])

    def count_params(self, input_shape: Any) -> int:
        self._check(input_shape)
        return self.params

    def spatial_axes(self, input_shape: Any) -> tuple[()]:
        return ()

    def explain(self, input_shape: Any) -> Explanation:
        out = self.compute_output_shape(input_shape)
        note = "convkit does not model this layer: the shapes are the ones Keras reported"
        notes = (note,) if self.reason is None else (note, self.reason)
        head = f"{self.class_name} '{self.name}' (from Keras): {format_shape(input_shape)} → {format_shape(out)}"
        return Explanation(head, (), notes)

    def to_keras_code(self) -> str:
        if self.serialized is not None:
            text = repr(self.serialized)
            try:
                if ast.literal_eval(text) == self.serialized:
                    return f"keras.layers.deserialize({text})"
            except (ValueError, SyntaxError):
                pass
        raise ValueError(
            f"{self.class_name} '{self.name}' came from Keras and its configuration cannot be written as Python "
            f"literals; build that layer by hand. Received: layer={self!r}"
        )
