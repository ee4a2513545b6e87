"""The base of convkit's Keras-mirroring layer specs.

A layer spec takes exactly the constructor arguments of ``keras.layers.<Name>`` (Keras 3.15), normalises
them once in ``__init__``, and then answers questions about shapes without TensorFlow:
``compute_output_shape``, ``count_params``, ``explain``, ``spatial_axes``. Every constructor argument is
stored as an attribute of the same name, so ``get_config``, ``__repr__`` and ``to_keras_code`` are derived
from ..words import short_repr
from the constructor's signature.
"""

from __future__ import annotations

import inspect
import json
import re
import threading
from abc import ABCMeta
from typing import Any, ClassVar

import numpy as np

from ..args import axis_names, normalize_shape
from ..axis import ConvAxis, TransposedAxis
from ..explain import AxisEntry, Explanation
from ..spec import LayerKind
from ..words import short_repr
from ._checks import check_bool, check_regularizer, weight_options

__all__ = ["Layer", "SpatialLayer", "snake_case", "Shape", "FrozenLayerError", "FrozenSpecMeta"]

Shape = tuple[int | None, ...]

_NAME_COUNTS: dict[str, int] = {}
_NAME_LOCK = threading.Lock()

#: keyword arguments every Keras layer accepts (``keras.layers.Layer.__init__``)
_BASE_KWARGS = ("trainable", "dtype", "autocast", "input_shape", "input_dim", "activity_regularizer")

#: arguments that accept "an int for every axis": written as one int in Keras code when all equal
_COLLAPSIBLE = frozenset({"kernel_size", "strides", "dilation_rate", "pool_size", "output_padding", "size"})
_PAIRED = frozenset({"padding", "cropping"})
_CATEGORY = {"initializer": "initializers", "regularizer": "regularizers", "constraint": "constraints"}


def snake_case(name: str) -> str:
    """Keras' default-name rule: ``"Conv2DTranspose"`` → ``"conv2d_transpose"``, ``"ReLU"`` → ``"re_lu"``."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _auto_name(class_name: str) -> str:
    base = snake_case(class_name)
    with _NAME_LOCK:
        count = _NAME_COUNTS.get(base, 0)
        _NAME_COUNTS[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


def _same(a: Any, b: Any) -> bool:
    if a is b:
        return True
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return False
    return bool(a == b)


def _key_default(value: Any) -> Any:
    """A JSON stand-in for configuration values with no JSON form (arrays, callables, objects)."""
    if isinstance(value, np.ndarray):
        return {"array": value.tolist(), "dtype": str(value.dtype)}
    if isinstance(value, (tuple, set, frozenset)):
        return list(value)
    return f"{type(value).__module__}.{type(value).__qualname__}:{value!r}"


_PROTOTYPES: dict[tuple[Any, ...], Any] = {}
_PROTOTYPES_MAX = 512
_BUILDING_PROTOTYPE = threading.local()


def _prototype(cls: type, required: tuple[tuple[str, Any], ...]) -> Any:
    """The spec of ``cls`` built from ``required`` alone (its defaults for everything else), cached.

    ``None`` while a prototype is itself being built (a prototype needs no shown-argument list).
    """
    if getattr(_BUILDING_PROTOTYPE, "active", False):
        return None
    try:
        key = (cls, json.dumps(required, default=_key_default))
    except (TypeError, ValueError):
        key = None
    if key is not None and key in _PROTOTYPES:
        return _PROTOTYPES[key]
    _BUILDING_PROTOTYPE.active = True
    try:
        proto = cls(**dict(required), name="prototype")
    finally:
        _BUILDING_PROTOTYPE.active = False
    if key is not None:
        if len(_PROTOTYPES) >= _PROTOTYPES_MAX:
            _PROTOTYPES.clear()
        _PROTOTYPES[key] = proto
    return proto


def _code_value(name: str, value: Any) -> str:
    """Python source for one argument value, Keras-docs style (``3`` for ``(3, 3)``)."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, tuple) and value and name in _PAIRED and all(isinstance(v, tuple) for v in value):
        if all(v[0] == v[1] for v in value):
            value = tuple(v[0] for v in value)
        else:
            return repr(value)
    if isinstance(value, tuple) and value and (name in _COLLAPSIBLE or name in _PAIRED):
        if all(v == value[0] for v in value):
            return repr(value[0])
    if callable(value) and getattr(value, "__module__", "").startswith("keras"):
        if inspect.isfunction(value) and name == "activation":
            return json.dumps(value.__name__)
        category = _CATEGORY.get(name.rsplit("_", 1)[-1])
        if category is not None and hasattr(value, "get_config"):
            args = ", ".join(f"{k}={v!r}" for k, v in value.get_config().items())
            return f"keras.{category}.{type(value).__name__}({args})"
    text = repr(value)
    try:
        compile(text, "<value>", "eval")
    except SyntaxError:
        # a value with no source form (a lambda, an arbitrary object): name it, so running the code
        # stops with "name 'activation' is not defined" right where the learner must fill it in
        return name
    return text


class FrozenLayerError(AttributeError):
    """Raised on assignment to a layer spec: specs are immutable values; ``replace(...)`` makes a changed copy."""


class FrozenSpecMeta(ABCMeta):
    """Freezes a spec once its whole ``__init__`` (subclasses included) has run (layer and merge specs).

    Each class keeps its constructor's signature (``inspect.signature(Conv2D)`` is Keras' own), which a
    metaclass ``__call__`` would otherwise hide.
    """

    def __init__(cls, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(name, bases, namespace, **kwargs)
        # the class's own constructor (mypy reads cls.__init__ as the metaclass's)
        signature = inspect.signature(cls.__init__)  # type: ignore[misc]
        cls.__signature__ = signature.replace(parameters=list(signature.parameters.values())[1:])

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        spec = super().__call__(*args, **kwargs)
        cls._before_freezing(spec)
        object.__setattr__(spec, "_frozen", True)
        return spec

    def _before_freezing(cls, spec: Any) -> None:
        """What a family computes once, at construction, before its specs become immutable."""


class _SpecMeta(FrozenSpecMeta):
    """Layer specs also compute, once, which arguments their repr and Keras code write."""

    def _before_freezing(cls, spec: Any) -> None:
        object.__setattr__(spec, "_shown", spec._compute_shown_arguments())


class Layer(metaclass=_SpecMeta):
    """Base of every layer spec. Subclasses define ``__init__`` with Keras' signature.

    Parameters
    ----------
    name : str, optional
        The layer's name; by default Keras' rule (``"conv2d"``, then ``"conv2d_1"``...).
    **kwargs
        The keyword arguments every Keras layer takes (``trainable``, ``dtype``, ``input_shape``...), stored so
        Keras code pastes in; anything else is refused as Keras refuses it.

    Notes
    -----
    Class attributes used by the stack, summary, diagram and traversal widget:

    * ``window``: the kind of layer, a :class:`~convkit.core.spec.LayerKind` (a ``str``: ``"conv"``,
      ``"depthwise"``, ``"separable"``, ``"transpose"``, ``"pool"``, ``"global_pool"``, ``"reshape"``, ``"dense"``,
      ``"elementwise"``);
    * ``rank``: the number of spatial axes (0 for non-spatial layers).

    ``compute_output_shape`` refuses (``ValueError``) what Keras refuses when the layer is called on a
    symbolic input of that shape (wrong rank, channels not divisible by ``groups``, unknown channels for a
    layer with weights...) and outputs with an empty axis, which Keras' own ``compute_output_shape``
    sometimes returns although running the layer then fails.

    Examples
    --------
    >>> from convkit.core.layers import Conv2D
    >>> layer = Conv2D(32, 3, strides=2, padding="valid", name="c")
    >>> layer.compute_output_shape((3, 28, 28, 3)), layer.count_params((3, 28, 28, 3))
    ((3, 13, 13, 32), 896)
    >>> layer.to_keras_code()
    'keras.layers.Conv2D(32, 3, strides=2, padding="valid", name="c")'
    >>> (layer.window, layer.rank)
    (<LayerKind.CONV: 'conv'>, 2)
    """

    window: ClassVar[LayerKind] = LayerKind.ELEMENTWISE
    rank: ClassVar[int] = 0
    #: arguments written positionally by ``to_keras_code`` and ``__repr__`` (default: the required ones)
    _positional: ClassVar[tuple[str, ...] | None] = None
    #: arguments always written, even at their default (padding: what the shape depends on)
    _always: ClassVar[tuple[str, ...]] = ()
    #: extra keyword arguments this Keras class accepts through ``**kwargs`` (e.g. ``lora_rank``)
    _extra_kwargs: ClassVar[tuple[str, ...]] = ()
    _params_cache: ClassVar[dict[type, tuple[inspect.Parameter, ...]]] = {}
    #: the arguments ``repr`` and ``to_keras_code`` write, set once by the metaclass after ``__init__``
    _shown: tuple[str, ...]

    def __init__(self, *, name: str | None = None, **kwargs: Any) -> None:
        cls = type(self).__name__
        self._given_name = name is not None
        if name is None:
            name = _auto_name(cls)
        elif not isinstance(name, str) or not name or "/" in name:
            raise ValueError(
                f"`name` must be a non-empty string without '/', e.g. name=\"conv_1\". Received: name={short_repr(name)}"
            )
        self.name = name
        unknown = {k: v for k, v in kwargs.items() if k not in _BASE_KWARGS and k not in self._extra_kwargs}
        if unknown:
            raise ValueError(
                f"Unrecognized keyword arguments passed to {cls}: {unknown}. Check the spelling against "
                f"keras.layers.{cls}'s arguments. Received: {', '.join(f'{k}={short_repr(v)}' for k, v in unknown.items())}"
            )
        if "trainable" in kwargs:
            check_bool(kwargs["trainable"], "trainable")
        if "autocast" in kwargs:
            check_bool(kwargs["autocast"], "autocast")
        if "activity_regularizer" in kwargs:
            check_regularizer(kwargs["activity_regularizer"], "activity_regularizer")
        if kwargs.get("input_shape") is not None:
            shape = kwargs["input_shape"]
            if isinstance(shape, (str, bytes)) or not hasattr(shape, "__iter__"):
                raise TypeError(
                    f"`input_shape` must be a tuple of the per-sample dimensions (no batch), e.g. (28, 28, 3). "
                    f"Received: input_shape={short_repr(shape)}"
                )
            normalize_shape((None, *shape), name="input_shape")
        if kwargs.get("input_dim") is not None:
            normalize_shape((None, kwargs["input_dim"]), name="input_dim")
        self._base_kwargs = dict(kwargs)

    def _set_weight_options(self, **options: Any) -> None:
        """Check and store the weight-only options (activation, use_bias, initializers, ...) of a constructor.

        Each constructor passes its options by name, as Keras assigns them; see :func:`._checks.weight_options`.
        """
        for option, value in weight_options(options).items():
            setattr(self, option, value)

    # ----------------------------------------------------------------- immutability
    _frozen: bool = False

    def __setattr__(self, name: str, value: Any) -> None:
        if self._frozen:
            raise FrozenLayerError(
                f"{type(self).__name__} specs are immutable, so `{name}` cannot be assigned: a stack or a picture "
                f"built from this layer would silently disagree with it. Make a changed copy instead: "
                f"layer = layer.replace({name}={short_repr(value)}). Received: {name}={short_repr(value)}"
            )
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        raise FrozenLayerError(
            f"{type(self).__name__} specs are immutable: `{name}` cannot be deleted. Use layer.replace(...)."
        )

    def constructor_arguments(self) -> dict[str, Any]:
        """The arguments that rebuild this spec: ``type(layer)(**layer.constructor_arguments())`` equals it."""
        arguments = {p.name: getattr(self, p.name) for p in self._params()}
        arguments.update(self._base_kwargs)
        if self._given_name:
            arguments["name"] = self.name
        return arguments

    def replace(self, **changes: Any) -> Layer:
        """A new spec with ``changes`` applied, validated like a freshly built one; ``self`` is unchanged.

        The name is kept unless ``name=`` is among the changes.

        >>> from convkit.core.layers import Conv2D
        >>> conv = Conv2D(32, 3, strides=2, name="c")
        >>> conv.replace(filters=64)
        Conv2D(64, kernel_size=(3, 3), strides=(2, 2), padding='valid', name='c')
        >>> conv.replace(strides=0)
        Traceback (most recent call last):
        ...
        ValueError: `strides` must be a positive integer (>= 1). Received: strides=0
        """
        known = {p.name for p in self._params()} | set(_BASE_KWARGS) | set(self._extra_kwargs) | {"name"}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise TypeError(
                f"{type(self).__name__}.replace() got unknown argument(s) {', '.join(unknown)}: it takes the "
                f"arguments of keras.layers.{type(self).__name__}. Received: "
                + ", ".join(f"{k}={short_repr(changes[k])}" for k in unknown)
            )
        arguments = {**self.constructor_arguments(), **changes}
        given_name = self._given_name or "name" in changes
        arguments.setdefault("name", self.name)
        new = type(self)(**arguments)
        object.__setattr__(new, "_given_name", given_name)
        return new

    def _identity(self) -> tuple[Any, ...]:
        """What equality and hashing compare: the class and the configuration (the name only if given)."""
        config = {k: v for k, v in self.constructor_arguments().items()}
        return (type(self), json.dumps(config, sort_keys=True, default=_key_default))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Layer):
            return NotImplemented
        return self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash(self._identity())

    # ----------------------------------------------------------------- constructor arguments
    @classmethod
    def _params(cls) -> tuple[inspect.Parameter, ...]:
        if cls not in Layer._params_cache:
            params = inspect.signature(cls.__init__).parameters.values()
            Layer._params_cache[cls] = tuple(
                p for p in params if p.name not in ("self", "name") and p.kind is p.POSITIONAL_OR_KEYWORD
            )
        return Layer._params_cache[cls]

    @property
    def declared_input_shape(self) -> Shape | None:
        """The ``input_shape=``/``input_dim=`` a Keras user passed (batch ``None`` prepended), else ``None``."""
        if self._base_kwargs.get("input_shape") is not None:
            return (None, *self._base_kwargs["input_shape"])
        if self._base_kwargs.get("input_dim") is not None:
            return (None, self._base_kwargs["input_dim"])
        return None

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments as normalised (``kernel_size=(3, 3)``...), plus ``name``."""
        config: dict[str, Any] = {"name": self.name}
        config.update((p.name, getattr(self, p.name)) for p in self._params())
        config.update(self._base_kwargs)
        return config

    def _shown_arguments(self) -> list[str]:
        """Names of the arguments worth writing: required, always-shown, and those not at their default."""
        return list(self._shown)

    def _compute_shown_arguments(self) -> tuple[str, ...]:
        """Computed once, at construction (specs are immutable): no layer is built when one is printed."""
        params = self._params()
        fixed = {p.name for p in params if p.default is p.empty} | set(self._positional_names())
        # defaults can depend on required arguments (pooling strides default to pool_size): compare with the
        # spec built from the same required arguments and nothing else, cached per class and arguments
        proto = _prototype(type(self), tuple((n, getattr(self, n)) for n in sorted(fixed)))
        if proto is None:
            return tuple(p.name for p in params)
        return tuple(
            p.name
            for p in params
            if p.name in fixed or p.name in self._always or not _same(getattr(self, p.name), getattr(proto, p.name))
        )

    def _positional_names(self) -> tuple[str, ...]:
        if self._positional is not None:
            return self._positional
        return tuple(p.name for p in self._params() if p.default is p.empty)

    def to_keras_code(self) -> str:
        """Source that recreates this layer in Keras, e.g. ``keras.layers.Conv2D(32, 3, strides=2, padding="valid")``.

        Only non-default arguments are written (plus ``padding`` for sliding-window layers).
        """
        positional = self._positional_names()
        parts = [_code_value(n, getattr(self, n)) for n in positional]
        parts += [f"{n}={_code_value(n, getattr(self, n))}" for n in self._shown_arguments() if n not in positional]
        parts += [f"{k}={_code_value(k, v)}" for k, v in self._written_base_kwargs().items()]
        if self._given_name:
            parts.append(f"name={json.dumps(self.name)}")
        return f"keras.layers.{type(self).__name__}({', '.join(parts)})"

    def _written_base_kwargs(self) -> dict[str, Any]:
        """Base keyword arguments worth writing: not Keras' defaults (a Keras config carries them all)."""
        defaults = {"trainable": True, "autocast": True, "dtype": None, "rms_scaling": False}
        out = {}
        for key, value in self._base_kwargs.items():
            if key in defaults and _same(value, defaults[key]):
                continue
            if key == "dtype" and isinstance(value, dict) and value.get("config", {}).get("name") == "float32":
                continue  # Keras' serialised default policy
            out[key] = value
        return out

    def __repr__(self) -> str:
        shown = self._shown_arguments()
        first = self._positional_names()[:1]
        parts = [repr(getattr(self, n)) for n in first]
        parts += [f"{n}={getattr(self, n)!r}" for n in shown if n not in first]
        parts += [f"{k}={v!r}" for k, v in self._written_base_kwargs().items()]
        if self._given_name:
            parts.append(f"name={self.name!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    # ----------------------------------------------------------------- shapes
    @property
    def label(self) -> str:
        """``Conv2D 'conv2d_1'``: how messages name this layer."""
        return f"{type(self).__name__} '{self.name}'"

    def _layout(self) -> str:
        return "(batch, ...)"

    def _input(self, input_shape: Any, *, rank: int | None = None, min_rank: int = 1) -> Shape:
        """Validate a full input shape (batch first) and its rank; messages name the layer."""
        try:
            shape = normalize_shape(input_shape)
        except (TypeError, ValueError) as err:
            raise type(err)(f"{self.label}: {err}") from None
        if (rank is not None and len(shape) != rank) or len(shape) < min_rank:
            expected = f"rank {rank}" if rank is not None else f"rank {min_rank} or more"
            hint = ""
            if rank is not None and len(shape) == rank - 1:
                hint = (
                    missing_axis_hint(shape, rank)
                    if getattr(self, "data_format", None) != "channels_first"
                    else f" Did you leave out the batch dimension? Write it first, e.g. {(None, *shape)}."
                )
            raise ValueError(
                f"{self.label} expects input of {expected} {self._layout()}, but received a shape of rank "
                f"{len(shape)}.{hint} Received: input_shape={short_repr(input_shape)}"
            )
        return shape

    def compute_output_shape(self, input_shape: Any) -> Shape:
        """Output shape, batch included, equal to Keras 3's (shape-preserving layers)."""
        return self._input(input_shape)

    def count_params(self, input_shape: Any) -> int:
        """Number of weights, equal to Keras' ``layer.count_params()`` after ``build(input_shape)``."""
        self.compute_output_shape(input_shape)
        return 0

    def spatial_axes(self, input_shape: Any) -> tuple[ConvAxis | TransposedAxis, ...]:
        """Per-spatial-axis arithmetic (ConvAxis/TransposedAxis) for sliding-window layers, else ``()``."""
        self.compute_output_shape(input_shape)
        return ()

    def _explain_entries(self, shape: Shape) -> tuple[tuple[AxisEntry, ...], tuple[str, ...]]:
        return (), ("shape unchanged: this layer works on each value (or normalises) without moving any",)

    def explain(self, input_shape: Any) -> Explanation:
        """The layer's arithmetic for this input, in the learner's numbers (``str()`` or HTML in a notebook)."""
        shape = self._input(input_shape)
        output = self.compute_output_shape(shape)
        entries, notes = self._explain_entries(shape)
        params = self._params_note(shape)
        if params:
            notes = (*notes, params)
        return Explanation(f"{self.label}: {shape} → {output}", entries, notes, shape, output)

    def _params_note(self, shape: Shape) -> str | None:
        return None


def missing_axis_hint(shape: Shape, rank: int) -> str:
    """Which axis a shape one short of ``rank`` most likely lacks, told from its numbers (a leading sentence).

    A leading ``None`` is the batch axis, so the channels are missing; a small last axis (1, 3 or 4, smaller than
    the others) is the channels, so the batch is missing; otherwise either may be.

    >>> missing_axis_hint((None, 28, 28), 4)
    ' The batch axis (None) is there, so the channel axis is missing: write it last, e.g. (None, 28, 28, 1) for grey images.'
    >>> missing_axis_hint((28, 28, 3), 4)
    ' Did you leave out the batch dimension? Write it first, e.g. (None, 28, 28, 3).'
    """
    if len(shape) != rank - 1:
        return ""
    with_channels = (*shape, 1)
    with_batch = (None, *shape)
    if shape and shape[0] is None:
        return (
            f" The batch axis (None) is there, so the channel axis is missing: write it last, e.g. "
            f"{with_channels} for grey images."
        )
    last, rest = (shape[-1], shape[:-1]) if shape else (None, ())
    if last in (1, 3, 4) and all(d is None or d > last for d in rest):
        return f" Did you leave out the batch dimension? Write it first, e.g. {with_batch}."
    return (
        f" One axis is missing: the batch axis first, e.g. {with_batch}, or the channel axis last, e.g. "
        f"{with_channels} for grey images."
    )


class SpatialLayer(Layer):
    """A layer whose input is ``(batch, *spatial, channels)`` or ``(batch, channels, *spatial)``."""

    data_format: str = "channels_last"

    def _layout(self) -> str:
        names = ", ".join(axis_names(self.rank))
        if self.data_format == "channels_first":
            return f"(batch, channels, {names})"
        return f"(batch, {names}, channels)"

    def _split(self, input_shape: Any) -> tuple[Shape, int | None, Shape]:
        """Checked shape → ``(shape, channels, spatial sizes)``."""
        shape = self._input(input_shape, rank=self.rank + 2)
        if self.data_format == "channels_first":
            return shape, shape[1], shape[2:]
        return shape, shape[-1], shape[1:-1]

    def _join(self, batch: int | None, spatial: Shape, channels: int | None) -> Shape:
        if self.data_format == "channels_first":
            return (batch, channels, *spatial)
        return (batch, *spatial, channels)
