"""Shape trace through a stack of layers: shapes, parameters, receptive field and jump per layer.

A trace asks each layer spec for its output shape (``compute_output_shape``) in turn. The first
layer that refuses its input stops the trace: its entry carries the reason (``error``) and every
later entry has ``input_shape``/``output_shape`` ``None``.

Receptive field ``r`` and jump ``j`` (the distance, in input pixels, between two neighbouring
outputs) are tracked per spatial axis, starting at ``r = j = 1`` for the model input:

* convolution / pooling (``k_eff = (k - 1)·d + 1``, stride ``s``): ``r_out = r_in + (k_eff - 1)·j_in``,
  ``j_out = j_in·s``;
* transposed convolution: ``j_out = j_in / s`` and ``r_out = r_in + (k_eff - 1)·j_out``. The jump
  (and so the receptive field) may be fractional: such values are :class:`fractions.Fraction`,
  whole values are plain ``int``;
* global pooling: the window is the whole input of the layer, ``r_out = r_in + (n - 1)·j_in`` with
  ``n`` its spatial size (so a strided "valid" layer that skips the last rows shows up as a field
  smaller than the image); the jump becomes ``None`` (no spatial axes are left);
* Flatten, Reshape, and Dense on a flat vector mix every position: the receptive field is ``None``
  ("all of the input"); Dense on an image acts on the channel axis only (a 1×1 convolution) and
  passes the field through, as do the shape-preserving layers, padding and cropping;
* UpSampling by ``u``: ``j_out = j_in / u``, field unchanged;
* merge layers (Add, Concatenate, ...): the largest field of their inputs, the finest jump;
* a Keras layer convkit does not model (``modelled is False``) passes the field through only when it
  keeps the shape and has no weights (an activation, noise...); otherwise the field is unknown (``None``).

>>> from convkit.core.layers import Conv2D, Conv2DTranspose
>>> t = trace((None, 28, 28, 1), [Conv2D(8, 3, strides=2), Conv2D(8, 3), Conv2DTranspose(8, 3, strides=4)])
>>> [(e.receptive_field, e.jump) for e in t.entries]
[((3, 3), (2, 2)), ((7, 7), (2, 2)), ((8, 8), (Fraction(1, 2), Fraction(1, 2)))]
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .args import normalize_shape, plain_number, refuse_unordered, short_repr, take_items

__all__ = ["MAX_LAYERS", "MODEL_INPUT", "Trace", "TraceEntry", "trace", "check_layers", "format_number"]

#: Index standing for the model input inside a multi-input ``inputs`` tuple, e.g. ``(MODEL_INPUT, 3)``
#: for an Add of the input and entry 3. A single-input layer fed by the model input has ``inputs == ()``.
MODEL_INPUT = -1
#: Most layers a trace takes (far more than any model a learner builds; refused above with a message).
MAX_LAYERS = 100_000

Number = "int | Fraction"
Shape = tuple[int | None, ...]


def _simplify(value: Fraction | int) -> int | Fraction:
    if isinstance(value, Fraction) and value.denominator == 1:
        return int(value)
    return value


def format_number(value: int | Fraction | None) -> str:
    """``7`` → ``"7"``, ``Fraction(1, 2)`` → ``"1/2"``, ``None`` → ``"all"`` (for receptive fields)."""
    if value is None:
        return "all"
    return str(_simplify(value))


@dataclass(frozen=True, slots=True)
class TraceEntry:
    """One layer of a trace.

    ``input_shape`` is the shape fed to the layer (for a merge layer, a tuple of the shapes of its
    inputs); ``None`` when an earlier layer is invalid. ``output_shape``, ``params``,
    ``receptive_field``, ``jump`` and ``explanation`` are ``None`` when this or an earlier layer is
    invalid; ``receptive_field`` is also ``None`` when the layer mixes every position (Flatten,
    Dense after Flatten) and ``jump`` when no spatial axis is left. ``error`` is the layer's
    ``ValueError`` message. ``inputs`` holds the indices of the entries feeding this one (``()``: the
    model input; :data:`MODEL_INPUT` inside a tuple of several).
    """

    index: int
    layer: Any
    input_shape: Shape | tuple[Shape, ...] | None
    output_shape: Shape | None
    error: str | None
    params: int | None
    receptive_field: tuple[int | Fraction, ...] | None
    jump: tuple[int | Fraction, ...] | None
    explanation: Any
    inputs: tuple[int, ...]

    @property
    def is_valid(self) -> bool:
        """The layer accepted its input."""
        return self.output_shape is not None

    @property
    def reached(self) -> bool:
        """``False`` when an earlier layer is invalid, so this one never got an input."""
        return self.input_shape is not None

    @property
    def name(self) -> str:
        return str(getattr(self.layer, "name", type(self.layer).__name__))

    @property
    def is_merge(self) -> bool:
        return getattr(self.layer, "window", None) == "merge"


@dataclass(frozen=True, slots=True)
class Trace:
    """The result of :func:`trace`: ``input_shape`` and one :class:`TraceEntry` per layer."""

    input_shape: Shape
    entries: tuple[TraceEntry, ...]

    @property
    def output_shape(self) -> Shape | None:
        """Output of the last layer (the input shape for an empty stack); ``None`` if invalid."""
        if not self.entries:
            return self.input_shape
        return self.entries[-1].output_shape

    @property
    def first_error(self) -> TraceEntry | None:
        """The first entry whose layer refused its input, or ``None``."""
        return next((e for e in self.entries if e.error is not None), None)

    @property
    def errors(self) -> tuple[TraceEntry, ...]:
        """Every entry with an error (a graph can have invalid layers on separate branches)."""
        return tuple(e for e in self.entries if e.error is not None)

    @property
    def is_valid(self) -> bool:
        return all(e.is_valid for e in self.entries)

    @property
    def total_params(self) -> int:
        """Sum of the parameters of the layers that could be built (all of them when valid).

        A layer object used by several entries (shared weights) counts once, as in Keras.
        """
        seen: dict[int, int] = {}
        for e in self.entries:
            if e.params is not None:
                seen.setdefault(id(e.layer), e.params)
        return sum(seen.values())

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[TraceEntry]:
        return iter(self.entries)

    def __getitem__(self, index: int) -> TraceEntry:
        return self.entries[index]


# --- graph wiring -------------------------------------------------------------------------------


def _as_list(value: Any, name: str, example: str) -> tuple[Any, ...]:
    """``tuple(value)`` for a list-like argument of at most ``MAX_LAYERS`` items; a clear error for anything else."""
    refuse_unordered(value, name)
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, Iterator)) or hasattr(value, "shape"):
        raise TypeError(f"`{name}` must be a list, e.g. {name}={example}. Received: {name}={short_repr(value)}")
    items = take_items(value, MAX_LAYERS)
    if items is None:
        raise ValueError(f"`{name}` has more than {MAX_LAYERS:,} entries. Received: {name}={short_repr(value)}")
    return items


def _normalize_inputs(inputs: Sequence[Any] | None, n_layers: int) -> tuple[tuple[int, ...], ...]:
    if inputs is None:
        return tuple(() if i == 0 else (i - 1,) for i in range(n_layers))
    wiring = _as_list(inputs, "inputs", "[(), (0,), (-1, 1)]")
    if len(wiring) != n_layers:
        raise ValueError(
            f"`inputs` must list the inputs of every layer ({n_layers} layers). Received: len(inputs)={len(wiring)}"
        )
    out = []
    for i, item in enumerate(wiring):
        item = plain_number(item)
        where = (
            f"Layer {i} can only read the model input ({MODEL_INPUT}) or an earlier layer (0..{i - 1}), given as an "
            f"index or a tuple of indices: list the layers in the order they are computed. "
            f"Received: inputs[{i}]={short_repr(item)}"
        )
        if isinstance(item, int) and not isinstance(item, bool):
            srcs: tuple[Any, ...] = (item,)
        elif isinstance(item, (tuple, list)) and len(item) <= max(i + 1, 1):
            srcs = tuple(plain_number(src) for src in item)
        else:
            raise ValueError(where)
        for src in srcs:
            if isinstance(src, bool) or not isinstance(src, int) or not MODEL_INPUT <= src < i:
                raise ValueError(where)
        out.append(() if srcs == (MODEL_INPUT,) else srcs)
    return tuple(out)


def check_layers(layers: Any) -> tuple[Any, ...]:
    """The layers as a tuple, each a layer spec *instance*; a clear ``TypeError`` for anything else.

    >>> check_layers("abc")
    Traceback (most recent call last):
    ...
    TypeError: `layers` must be a list, e.g. layers=[convkit.layers.Conv2D(32, 3)]. Received: layers='abc'
    """
    if callable(getattr(layers, "compute_output_shape", None)) and not isinstance(layers, type):
        raise TypeError(
            "`layers` must be a list of layer specs; to use one layer, put it in a list: "
            f"[{short_repr(layers)}]. Received: layers={short_repr(layers)}"
        )
    checked = _as_list(layers, "layers", "[convkit.layers.Conv2D(32, 3)]")
    for i, layer in enumerate(checked):
        if isinstance(layer, type):
            raise TypeError(
                f"layers[{i}] is the class {layer.__name__}, not a layer: call it with its arguments, e.g. "
                f"{_example_call(layer)}. Received: layers[{i}]={short_repr(layer)}"
            )
        if not callable(getattr(layer, "compute_output_shape", None)):
            raise TypeError(
                f"Every layer must be a convkit layer spec such as convkit.layers.Conv2D(32, 3); layer {i} is "
                f"not. For a Keras model use convkit.LayerStack.from_keras(model). "
                f"Received: layers[{i}]={short_repr(layer)}"
            )
    return checked


#: typical arguments of the layers that need some (any other class is shown called with none)
_EXAMPLES = (
    ("Conv", "(32, 3)"),
    ("Separable", "(32, 3)"),
    ("Depthwise", "(3)"),
    ("Dense", "(10)"),
    ("Activation", '("relu")'),
    ("Dropout", "(0.5)"),
    ("Reshape", "((7, 7, 1))"),
)


def _example_call(cls: type) -> str:
    """``"Conv2D(32, 3) rather than Conv2D"``: a call of the class with typical arguments."""
    name = cls.__name__
    args = next((a for prefix, a in _EXAMPLES if name.startswith(prefix)), "()")
    return f"{name}{args} rather than {name}"


# --- receptive field and jump -------------------------------------------------------------------

_Values = tuple[int | Fraction, ...]
_Field = tuple[_Values | None, _Values | None]  # (receptive_field, jump)


def _input_field(shape: Shape) -> _Field:
    n = len(shape) - 2
    if n < 1:
        return None, None
    return (1,) * n, (1,) * n


def _spatial_sizes(layer: Any, shape: Shape) -> tuple[int | None, ...]:
    if getattr(layer, "data_format", "channels_last") == "channels_first":
        return tuple(shape[2:])
    return tuple(shape[1:-1])


def _window_field(r: _Values, j: _Values, axes: Sequence[Any], transposed: bool) -> _Field:
    r_out: list[int | Fraction] = []
    j_out: list[int | Fraction] = []
    for r_i, j_i, ax in zip(r, j, axes):
        k_eff, s = ax.effective_kernel, ax.strides
        if transposed:
            jo = _simplify(Fraction(j_i) / s)
            ro = r_i + (k_eff - 1) * jo
        else:
            jo = j_i * s
            ro = r_i + (k_eff - 1) * j_i
        r_out.append(_simplify(ro))
        j_out.append(_simplify(jo))
    return tuple(r_out), tuple(j_out)


#: Input cells each upsampled cell reads along an axis, per interpolation (only these are traced).
_UPSAMPLING_TAPS = {"nearest": 1, "bilinear": 2}


def _layer_field(layer: Any, in_shape: Shape, out_shape: Shape, field: _Field) -> _Field:
    r, j = field
    window = getattr(layer, "window", None)
    cls = type(layer).__name__
    if window in ("conv", "depthwise", "separable", "pool", "transpose"):
        axes = tuple(layer.spatial_axes(in_shape))
        if r is None or j is None or len(r) != len(axes):
            return None, None
        return _window_field(r, j, axes, transposed=window == "transpose")
    if window == "global_pool":
        sizes = _spatial_sizes(layer, in_shape)
        known = tuple(n for n in sizes if n is not None)
        if r is None or j is None or len(r) != len(sizes) or len(known) != len(sizes):
            return None, None
        return tuple(_simplify(r_i + (n - 1) * j_i) for r_i, n, j_i in zip(r, known, j)), None
    if cls.startswith("UpSampling"):
        size = getattr(layer, "size", None)
        if r is None or j is None or size is None:
            return None, None
        factors: tuple[int, ...] = (size,) * len(j) if isinstance(size, int) else tuple(size)
        # nearest copies one input cell; bilinear mixes the two input cells around each output (half-pixel centres)
        taps = _UPSAMPLING_TAPS.get(getattr(layer, "interpolation", "nearest"))
        if taps is None:
            return None, None  # a wider interpolation kernel convkit does not trace
        r = tuple(_simplify(r_i + (taps - 1) * j_i) for r_i, j_i in zip(r, j))
        return r, tuple(_simplify(Fraction(j_i) / u) for j_i, u in zip(j, factors))
    if window == "dense":
        # Dense acts on the last axis only: on an image it is a 1x1 convolution.
        if len(in_shape) > 2 or j is None:
            return r, j
        return None, None
    if window == "reshape" and not (cls.startswith("ZeroPadding") or cls.startswith("Cropping")):
        if cls == "Flatten" and len(in_shape) <= 2:
            return r, j
        return None, None
    if getattr(layer, "modelled", True) is False and (
        tuple(in_shape[1:]) != tuple(out_shape[1:]) or bool(getattr(layer, "params", 0))
    ):
        return None, None  # a layer convkit does not model, with weights or a new shape: unknown
    # shape-preserving layers, padding, cropping
    return r, j


def _merge_field(fields: Sequence[_Field]) -> _Field:
    rs = [f[0] for f in fields if f[0] is not None]
    js = [f[1] for f in fields if f[1] is not None]
    if len(rs) != len(fields) or len({len(r) for r in rs}) != 1:
        return None, None
    r = tuple(max(vals) for vals in zip(*rs))
    if len(js) != len(fields) or len({len(jj) for jj in js}) != 1:
        return r, None
    return r, tuple(min(vals) for vals in zip(*js))


# --- the trace ----------------------------------------------------------------------------------


def trace(input_shape: Sequence[int | None], layers: Sequence[Any], inputs: Sequence[Any] | None = None) -> Trace:
    """Push ``input_shape`` through ``layers`` and record every layer's shapes, parameters and receptive field.

    Parameters
    ----------
    input_shape : tuple
        Full input shape, batch first (``None`` allowed), e.g. ``(3, 28, 28, 3)``.
    layers : sequence of layer specs
        ``convkit.layers`` objects (anything with ``compute_output_shape``, ``count_params``,
        ``explain`` and ``spatial_axes``), merge specs from :mod:`convkit.core.merge`.
    inputs : sequence, optional
        For a graph: per layer, the indices of the entries it reads (``()`` or :data:`MODEL_INPUT`
        for the model input), in computation order. ``None``: a sequential stack.

    Returns
    -------
    Trace

    Examples
    --------
    >>> import convkit
    >>> t = convkit.trace((3, 28, 28, 3), [convkit.layers.Conv2D(32, 3, strides=2),
    ...                                    convkit.layers.Conv2D(64, 3, padding="same")])
    >>> [e.output_shape for e in t.entries]
    [(3, 13, 13, 32), (3, 13, 13, 64)]
    >>> t.entries[-1].receptive_field, t.entries[-1].jump
    ((7, 7), (2, 2))
    """
    shape = normalize_shape(input_shape, name="input_shape")
    layers = check_layers(layers)
    wiring = _normalize_inputs(inputs, len(layers))
    in_field = _input_field(shape)
    outputs: list[Shape | None] = []
    fields: list[_Field] = []
    entries: list[TraceEntry] = []
    for i, (layer, srcs) in enumerate(zip(layers, wiring)):
        src_shapes = [shape if s == MODEL_INPUT else outputs[s] for s in (srcs or (MODEL_INPUT,))]
        src_fields = [in_field if s == MODEL_INPUT else fields[s] for s in (srcs or (MODEL_INPUT,))]
        is_merge = getattr(layer, "window", None) == "merge"
        in_shape: Any = tuple(src_shapes) if is_merge else src_shapes[0]
        if not is_merge and len(src_shapes) != 1:
            raise ValueError(
                f"Layer {i} ({short_repr(getattr(layer, 'name', layer))}) takes one input but is wired to "
                f"{len(srcs)}: only merge layers (Add, Concatenate, ...) read several. Received: inputs[{i}]={srcs!r}"
            )
        if any(s is None for s in src_shapes):
            entries.append(TraceEntry(i, layer, None, None, None, None, None, None, None, srcs))
            outputs.append(None)
            fields.append((None, None))
            continue
        arg = list(in_shape) if is_merge else in_shape
        try:
            out = tuple(layer.compute_output_shape(arg))
            # Keras refuses to build weights of unknown size (e.g. Dense on a None axis): invalid too
            params = int(layer.count_params(arg))
            explanation = None if is_merge else layer.explain(in_shape)
        except ValueError as exc:
            entries.append(TraceEntry(i, layer, in_shape, None, str(exc), None, None, None, None, srcs))
            outputs.append(None)
            fields.append((None, None))
            continue
        field = _merge_field(src_fields) if is_merge else _layer_field(layer, in_shape, out, src_fields[0])
        entries.append(TraceEntry(i, layer, in_shape, out, None, params, field[0], field[1], explanation, srcs))
        outputs.append(out)
        fields.append(field)
    return Trace(shape, tuple(entries))
