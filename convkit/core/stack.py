"""``LayerStack``: an immutable stack (or small graph) of layer specs with its shape trace (pure core).

A stack holds an input shape (batch first) and layer specs; its :class:`~convkit.core.trace.Trace`
is computed once, on first use. Edits (:meth:`LayerStack.replace`, :meth:`~LayerStack.insert`,
:meth:`~LayerStack.remove`, :meth:`~LayerStack.move`, :meth:`~LayerStack.with_input_shape`) return a
new stack and leave the old one as it was, so a widget can keep an undo history of plain values.

>>> import convkit
>>> from convkit import layers as L
>>> s = convkit.LayerStack((3, 28, 28, 3), [L.Conv2D(32, 3, strides=2), L.Conv2D(64, 3, padding="same")])
>>> s.output_shape
(3, 13, 13, 64)
>>> s.replace(0, L.Conv2D(32, 3, strides=2, padding="same")).output_shape
(3, 14, 14, 64)

The views (``diagram()``, ``editor()``) and ``from_keras`` are thin conveniences of the public
:class:`convkit.LayerStack` (``convkit/stack.py``), which subclasses this one: the core imports nothing above it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from .args import normalize_shape
from .summary import Summary, build_summary
from .trace import MODEL_INPUT, Trace, check_layers, trace
from .words import short_repr

if TYPE_CHECKING:
    from .receptive_field import ReceptiveField

__all__ = ["LayerStack", "StackExplanation", "Wiring"]

Wiring = tuple[tuple[int, ...], ...]
_Stack = TypeVar("_Stack", bound="LayerStack")


def _sequential_wiring(n: int) -> Wiring:
    return tuple(() if i == 0 else (i - 1,) for i in range(n))


class LayerStack:
    """Layer specs fed by one input shape; sequential unless ``inputs`` wires a graph.

    Parameters
    ----------
    input_shape : tuple
        Full input shape, batch first, e.g. ``(3, 28, 28, 3)`` or ``(None, 28, 28, 3)``.
    layers : sequence
        ``convkit.layers`` specs (and merge specs ``Add``, ``Concatenate``, ... for graphs).
    inputs : sequence, optional
        For a graph, per layer the indices of the layers it reads (``()``: the model input; inside a tuple
        of several, ``-1`` is the model input), in computation order. ``None`` (default): each layer reads
        the previous one.
    name : str, optional
        Shown in summaries and used as the Keras model name by :meth:`to_keras_code`.

    Examples
    --------
    >>> import convkit
    >>> from convkit import layers as L
    >>> from convkit.layers import Add
    >>> s = convkit.LayerStack((None, 16, 16, 32), [L.Conv2D(32, 3, padding="same"), Add()], inputs=[(), (-1, 0)])
    >>> s.output_shape
    (None, 16, 16, 32)
    """

    __slots__ = ("_input_shape", "_layers", "_inputs", "_trace", "_name")

    def __init__(
        self,
        input_shape: Sequence[int | None],
        layers: Sequence[Any],
        inputs: Sequence[Any] | None = None,
        *,
        name: str | None = None,
    ) -> None:
        self._input_shape = normalize_shape(input_shape, name="input_shape")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"`name` must be a string or None. Received: name={short_repr(name)}")
        self._layers = check_layers(layers)  # a list of layer instances (a class, a string, a set... refused)
        self._name = name
        # validates the wiring (and the layers) right away, so a bad stack fails where it is built
        self._trace: Trace = trace(self._input_shape, self._layers, inputs)
        wiring = tuple(e.inputs for e in self._trace.entries)
        self._inputs: Wiring | None = None if wiring == _sequential_wiring(len(wiring)) else wiring

    # -- values --------------------------------------------------------------------------------
    @property
    def input_shape(self) -> tuple[int | None, ...]:
        return self._input_shape

    @property
    def layers(self) -> tuple[Any, ...]:
        return self._layers

    @property
    def inputs(self) -> Wiring:
        """Per layer, the indices of the layers feeding it (``()``: the model input)."""
        return self._inputs if self._inputs is not None else _sequential_wiring(len(self._layers))

    @property
    def is_sequential(self) -> bool:
        return self._inputs is None

    @property
    def name(self) -> str | None:
        return self._name

    @property
    def trace(self) -> Trace:
        """The shape trace, computed once when the stack was built."""
        return self._trace

    @property
    def output_shape(self) -> tuple[int | None, ...] | None:
        """Shape after the last layer, ``None`` when a layer refuses its input (see ``trace.first_error``)."""
        return self.trace.output_shape

    @property
    def is_valid(self) -> bool:
        return self.trace.is_valid

    def count_params(self) -> int:
        """Total trainable + non-trainable parameters, equal to Keras' ``model.count_params()``."""
        return self.trace.total_params

    def __len__(self) -> int:
        return len(self._layers)

    def __getitem__(self, index: int) -> Any:
        return self._layers[index]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._layers)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LayerStack):
            return NotImplemented
        return (
            self._input_shape == other._input_shape
            and self.inputs == other.inputs
            and len(self._layers) == len(other._layers)
            and all(a is b or _same_layer(a, b) for a, b in zip(self._layers, other._layers))
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        wiring = "" if self.is_sequential else f", inputs={list(self.inputs)!r}"
        layers = ", ".join(repr(layer) for layer in self._layers)
        return f"LayerStack({self._input_shape!r}, [{layers}]{wiring})"

    # -- views ---------------------------------------------------------------------------------
    def summary(self) -> Summary:
        """The per-layer table: ``print(stack.summary())`` or display it in a notebook."""
        return build_summary(self.trace, title=self._name)

    def receptive_field(self, output_index: Any, layer: int = -1) -> ReceptiveField:
        """What output cell ``output_index`` of ``layer`` depends on, through every earlier layer.

        See :func:`convkit.core.receptive_field.receptive_field` (the per-stack tables are built once and cached).

        >>> import convkit
        >>> from convkit import layers as L
        >>> s = convkit.LayerStack((None, 11, 11, 1), [L.Conv2D(1, 3, strides=4), L.Conv2D(1, 3)])
        >>> s.receptive_field((0, 0), layer=0).size
        (3, 3)
        """
        from .receptive_field import receptive_field

        return receptive_field(self, output_index, layer)

    def explain(self) -> StackExplanation:
        """Every layer's arithmetic in the learner's numbers (``str()`` for text, HTML in a notebook)."""
        return StackExplanation(self.trace)

    def _repr_html_(self) -> str | None:
        return self.summary()._repr_html_()

    def to_keras_code(self) -> str:
        """Python source defining ``model``, a Keras model with this stack's layers and input shape.

        Sequential stacks become ``keras.Sequential([keras.Input(...), ...])``, graphs a functional model.
        """
        from .keras_code import stack_to_keras_code

        return stack_to_keras_code(self)

    @classmethod
    def _adopt(cls: type[_Stack], other: LayerStack) -> _Stack:
        """``other`` as an instance of ``cls`` (a subclass adding views), sharing its already computed trace."""
        if isinstance(other, cls) and type(other) is cls:
            return other
        new = object.__new__(cls)
        for slot in LayerStack.__slots__:
            object.__setattr__(new, slot, getattr(other, slot))
        return new

    # -- edits (each returns a new stack) ------------------------------------------------------
    def _new(self, layers: Sequence[Any], inputs: Wiring | None, input_shape: Any = None) -> LayerStack:
        shape = self._input_shape if input_shape is None else input_shape
        return type(self)(shape, layers, inputs, name=self._name)

    def _index(self, i: int, what: str, *, allow_end: bool = False) -> int:
        n = len(self._layers)
        top = n if allow_end else n - 1
        if isinstance(i, bool) or not isinstance(i, int):
            raise TypeError(f"`{what}` must be an integer layer index. Received: {what}={i!r}")
        j = i + n if i < 0 else i
        if not 0 <= j <= top:
            raise IndexError(
                f"`{what}` must be a layer index between {-n} and {top} (the stack has {n} layers). "
                f"Received: {what}={i}"
            )
        return j

    def replace(self, i: int, layer: Any) -> LayerStack:
        """A new stack with layer ``i`` replaced by ``layer`` (same wiring)."""
        i = self._index(i, "i")
        layers = list(self._layers)
        layers[i] = layer
        return self._new(layers, self._inputs)

    def insert(self, i: int, layer: Any) -> LayerStack:
        """A new stack with ``layer`` inserted before position ``i`` (``i == len(stack)`` appends).

        In a graph the new layer takes over the inputs of the layer now at ``i``, which then reads it.
        """
        i = self._index(i, "i", allow_end=True)
        layers = list(self._layers)
        layers.insert(i, layer)
        if self._inputs is None:
            return self._new(layers, None)

        def shift(src: int) -> int:
            return src + 1 if src >= i else src

        wiring: list[tuple[int, ...]] = []
        for k, srcs in enumerate(self._inputs):
            new = tuple(shift(s) for s in srcs)
            if k == i:
                wiring.append(new)  # the inserted layer reads what layer i read
                new = (i,)
            wiring.append(new)
        if i == len(self._inputs):
            wiring.append((i - 1,) if i else ())
        return self._new(layers, tuple(wiring))

    def remove(self, i: int) -> LayerStack:
        """A new stack without layer ``i``; in a graph, its readers read its input instead."""
        i = self._index(i, "i")
        layers = list(self._layers)
        del layers[i]
        if self._inputs is None:
            return self._new(layers, None)
        removed = self._inputs[i] or (MODEL_INPUT,)
        wiring: list[tuple[int, ...]] = []
        for k, srcs in enumerate(self._inputs):
            if k == i:
                continue
            new: list[int] = []
            for s in srcs or (MODEL_INPUT,):
                if s != i:
                    new.append(s - 1 if s > i else s)
                    continue
                if len(removed) > 1 and getattr(self._layers[k], "window", None) != "merge":
                    raise ValueError(
                        f"Cannot remove layer {i} ({_layer_name(self._layers[i])}): it merges {len(removed)} "
                        f"branches and layer {k} ({_layer_name(self._layers[k])}) takes one input. Remove the "
                        f"branches first, or replace the layer instead. Received: i={i}"
                    )
                new.extend(removed)
            wiring.append(() if tuple(new) == (MODEL_INPUT,) else tuple(new))
        return self._new(layers, tuple(wiring))

    def move(self, i: int, j: int) -> LayerStack:
        """A new sequential stack with layer ``i`` moved to position ``j``.

        Graphs refuse: moving a layer would rewire branches; use remove and insert.
        """
        i = self._index(i, "i")
        j = self._index(j, "j")
        if self._inputs is not None:
            raise ValueError(
                "move() works on sequential stacks only: in a graph it would rewire branches. "
                f"Use stack.remove(i).insert(j, layer) instead. Received: i={i}, j={j}"
            )
        layers = list(self._layers)
        layer = layers.pop(i)
        layers.insert(j, layer)
        return self._new(layers, None)

    def with_input_shape(self, shape: Sequence[int | None]) -> LayerStack:
        """The same layers fed a different input shape (batch first)."""
        return self._new(self._layers, self._inputs, normalize_shape(shape, name="shape"))

    def append(self, layer: Any) -> LayerStack:
        """A new stack with ``layer`` added at the end."""
        return self.insert(len(self._layers), layer)


def _layer_name(layer: Any) -> str:
    return str(getattr(layer, "name", type(layer).__name__))


def _same_layer(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    get_a, get_b = getattr(a, "get_config", None), getattr(b, "get_config", None)
    if callable(get_a) and callable(get_b):
        return bool(get_a() == get_b())
    return False


class StackExplanation:
    """Per-layer arithmetic of a stack: ``str()`` is plain text, ``_repr_html_`` the same as HTML."""

    __slots__ = ("trace",)

    def __init__(self, trace_: Trace) -> None:
        self.trace = trace_

    def __str__(self) -> str:
        from .summary import explanation_lines

        return "\n".join(explanation_lines(self.trace))

    def _repr_html_(self) -> str | None:
        from .summary import explanation_html

        return explanation_html(self.trace)

    def __repr__(self) -> str:
        return str(self)
