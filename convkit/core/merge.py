"""Merge layers (Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate) as shape specs.

They take a *list* of input shapes and mirror Keras 3's rules (``keras/src/layers/merging``):
element-wise merges need equal shapes (a size 1 broadcasts, as in Keras); ``Concatenate`` needs
equal shapes except along its axis, whose sizes add up. They have no weights.

>>> Add().compute_output_shape([(None, 16, 16, 32), (None, 16, 16, 32)])
(None, 16, 16, 32)
>>> Concatenate().compute_output_shape([(2, 8, 8, 16), (2, 8, 8, 32)])
(2, 8, 8, 48)
"""

from __future__ import annotations

import json
import numbers
from collections.abc import Sequence
from typing import Any

from .args import MAX_RANK, normalize_shape, plain_number, short_repr
from .layers.base import (  # Keras' naming rule, one counter per name for every layer
    FrozenLayerError,
    FrozenSpecMeta,
    _auto_name,
)
from .words import channel_depths_fix, concatenate_sizes_fix, format_shape, sentence, spatial_sizes_fix

__all__ = [
    "MergeLayer",
    "Add",
    "Subtract",
    "Multiply",
    "Average",
    "Maximum",
    "Minimum",
    "Concatenate",
    "MERGE_LAYERS",
]

Shape = tuple[int | None, ...]


class MergeLayer(metaclass=FrozenSpecMeta):
    """Base of the merge specs: several inputs, one output, no weights.

    Immutable like every spec: ``replace(**changes)`` makes a changed copy; equal when the configuration is.

    ``window`` is ``"merge"`` and ``n_inputs`` is ``None`` (any number ≥ 2; ``Subtract`` takes exactly 2).
    """

    window = "merge"
    modelled = True
    min_inputs = 2
    max_inputs: int | None = None

    def __init__(self, *, name: str | None = None, **kwargs: Any) -> None:
        unknown = set(kwargs) - {"dtype", "trainable"}
        if unknown:
            raise TypeError(
                f"{type(self).__name__} got unexpected keyword arguments {sorted(unknown)}. "
                f"Received: {', '.join(f'{k}={short_repr(kwargs[k])}' for k in sorted(unknown))}"
            )
        if name is not None and not isinstance(name, str):
            raise TypeError(
                f'`name` must be a string such as "add_1", or None for an automatic name. '
                f"Received: name={short_repr(name)}"
            )
        self._given_name = name is not None
        self.name = name if name is not None else _auto_name(type(self).__name__)

    _frozen = False

    def __setattr__(self, name: str, value: Any) -> None:
        if self._frozen:
            raise FrozenLayerError(
                f"{type(self).__name__} specs are immutable, so `{name}` cannot be assigned. Make a changed copy "
                f"instead: layer = layer.replace({name}={short_repr(value)}). Received: {name}={short_repr(value)}"
            )
        object.__setattr__(self, name, value)

    def replace(self, **changes: Any) -> MergeLayer:
        """A new spec with ``changes`` applied (validated like a fresh one); the name is kept unless changed."""
        arguments = {**self._code_args(), "name": self.name, **changes}
        new = type(self)(**arguments)
        object.__setattr__(new, "_given_name", self._given_name or "name" in changes)
        return new

    def _identity(self) -> tuple[Any, ...]:
        return (type(self), tuple(sorted(self._code_args().items())), self.name if self._given_name else None)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MergeLayer):
            return NotImplemented
        return self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash(self._identity())

    # -- spec protocol -------------------------------------------------------------------------
    @property
    def rank(self) -> None:
        return None

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name}

    def count_params(self, input_shapes: Sequence[Sequence[int | None]]) -> int:
        self.compute_output_shape(input_shapes)
        return 0

    def spatial_axes(self, input_shapes: Any) -> tuple[()]:
        return ()

    def explain(self, input_shapes: Sequence[Sequence[int | None]]) -> None:
        return None

    def to_keras_code(self) -> str:
        args = [f"{k}={v!r}" for k, v in self._code_args().items()]
        if self._given_name:
            args.append(f"name={json.dumps(self.name)}")
        return f"keras.layers.{type(self).__name__}({', '.join(args)})"

    def _code_args(self) -> dict[str, Any]:
        return {}

    def __repr__(self) -> str:
        args = [f"{k}={v!r}" for k, v in self._code_args().items()]
        if self._given_name:
            args.append(f"name={self.name!r}")
        return f"{type(self).__name__}({', '.join(args)})"

    # -- shapes ---------------------------------------------------------------------------------
    def _check_list(self, input_shapes: Any) -> list[tuple[int | None, ...]]:
        cls = type(self).__name__
        if (
            isinstance(input_shapes, (str, bytes))
            or not isinstance(input_shapes, Sequence)
            or not input_shapes
            or len(input_shapes) > 10_000
            or not all(isinstance(s, (tuple, list)) for s in input_shapes)
        ):
            raise ValueError(
                f"{cls} merges several tensors, so it needs a list of input shapes, one per branch "
                f"(in a Keras model: `{cls}()([a, b])`). Received: input_shapes={short_repr(input_shapes)}"
            )
        shapes = [normalize_shape(s, name="input_shape") for s in input_shapes]
        if any(not s for s in shapes):
            raise ValueError(
                f"{cls} needs input shapes with the batch axis first, e.g. (None, 16, 16, 32); an empty shape () "
                f"has no axes at all. Received: input_shapes={short_repr(input_shapes)}"
            )
        if len(shapes) < self.min_inputs or (self.max_inputs is not None and len(shapes) > self.max_inputs):
            want = f"exactly {self.min_inputs}" if self.max_inputs == self.min_inputs else f"at least {self.min_inputs}"
            raise ValueError(
                f"{cls} needs {want} inputs. Received: {len(shapes)} input(s) with shapes "
                f"{', '.join(format_shape(s) for s in shapes)}"
            )
        batches = {s[0] for s in shapes if s} - {None}
        if len(batches) > 1:
            raise ValueError(
                f"{cls} cannot merge tensors with different batch sizes. "
                f"Received shapes {', '.join(format_shape(s) for s in shapes)}"
            )
        return shapes

    def compute_output_shape(self, input_shapes: Sequence[Sequence[int | None]]) -> tuple[int | None, ...]:
        shapes = self._check_list(input_shapes)
        out = shapes[0]
        for shape in shapes[1:]:
            out = self._pair(out, shape)
        return out

    def _pair(self, a: Shape, b: Shape) -> Shape:
        cls = type(self).__name__
        if len(a) != len(b):
            raise ValueError(
                f"{cls} needs equal shapes; received {format_shape(a)} and {format_shape(b)} "
                f"({len(a)} and {len(b)} dimensions). Reshape one branch so both match."
            )
        out: list[int | None] = [a[0] if a[0] is not None else b[0]]
        for i, j in zip(a[1:], b[1:]):
            if i is None or j is None:
                out.append(None)
            elif i == j or j == 1:
                out.append(i)
            elif i == 1:
                out.append(j)
            else:
                raise ValueError(self._mismatch(a, b))
        return tuple(out)

    def _mismatch(self, a: Shape, b: Shape) -> str:
        cls = type(self).__name__
        fix = channel_depths_fix(a[-1], b[-1], len(a) - 2) if a[:-1] == b[:-1] else spatial_sizes_fix()
        return f"{cls} needs equal shapes; received {format_shape(a)} and {format_shape(b)}. {sentence(fix)}"


class Add(MergeLayer):
    """Element-wise sum of its inputs (``keras.layers.Add``)."""


class Subtract(MergeLayer):
    """First input minus the second (``keras.layers.Subtract``): exactly two inputs."""

    max_inputs = 2


class Multiply(MergeLayer):
    """Element-wise product (``keras.layers.Multiply``)."""


class Average(MergeLayer):
    """Element-wise mean (``keras.layers.Average``)."""


class Maximum(MergeLayer):
    """Element-wise maximum (``keras.layers.Maximum``)."""


class Minimum(MergeLayer):
    """Element-wise minimum (``keras.layers.Minimum``)."""


class Concatenate(MergeLayer):
    """Stacks its inputs along ``axis`` (default the channel axis, -1) (``keras.layers.Concatenate``).

    >>> Concatenate(axis=-1).compute_output_shape([(None, 32, 32, 16), (None, 32, 32, 8)])
    (None, 32, 32, 24)
    """

    min_inputs = 1
    axis: int

    def __init__(self, axis: int = -1, *, name: str | None = None, **kwargs: Any) -> None:
        axis = plain_number(axis)
        if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
            raise TypeError(
                f"`axis` must be an integer such as -1 (the channel axis). Received: axis={short_repr(axis)}"
            )
        if not -MAX_RANK <= axis < MAX_RANK:
            raise ValueError(
                f"`axis` must name an axis of a tensor (no tensor has more than {MAX_RANK}), e.g. -1 for the "
                f"channels. Received: axis={short_repr(axis)}"
            )
        self.axis = int(axis)
        super().__init__(name=name, **kwargs)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "axis": self.axis}

    def _code_args(self) -> dict[str, Any]:
        return {"axis": self.axis}

    def compute_output_shape(self, input_shapes: Sequence[Sequence[int | None]]) -> tuple[int | None, ...]:
        shapes = self._check_list(input_shapes)
        rank = len(shapes[0])
        if rank == 1:
            raise ValueError(
                f"Concatenate joins tensors along an axis other than the batch axis, but the input shape "
                f"{format_shape(shapes[0])} has only the batch axis. Give each branch a feature axis, e.g. "
                f"keras.layers.Reshape((1,)). Received: axis={self.axis}, input_shapes={short_repr(input_shapes)}"
            )
        if not -rank <= self.axis < rank or self.axis % rank == 0:
            allowed = "1 or -1" if rank == 2 else f"1 to {rank - 1}, or -{rank - 1} to -1"
            raise ValueError(
                f"Concatenate's `axis` must name a non-batch axis of a {rank}-D input ({allowed}). "
                f"Received: axis={self.axis}"
            )
        axis = self.axis % rank
        out = list(shapes[0])
        for shape in shapes[1:]:
            if len(shape) != rank or any(
                i != axis and a is not None and b is not None and a != b
                for i, (a, b) in enumerate(zip(out[1:], shape[1:]), start=1)
            ):
                where = "channel" if axis == rank - 1 else f"axis {self.axis}"
                raise ValueError(
                    f"Concatenate needs equal shapes except along the {where} axis; received "
                    f"{format_shape(shapes[0])} and {format_shape(shape)}. Make the other sizes match: "
                    f"{concatenate_sizes_fix(rank - 2)} Received: axis={self.axis}"
                )
            before, added = out[axis], shape[axis]
            out[axis] = None if before is None or added is None else before + added
            if out[0] is None:
                out[0] = shape[0]
        return tuple(out)


#: class name -> spec class, for the Keras adapter
MERGE_LAYERS: dict[str, type[MergeLayer]] = {
    cls.__name__: cls for cls in (Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate)
}
