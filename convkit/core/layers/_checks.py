"""Checks for constructor arguments that do not affect shapes but that Keras refuses at construction.

They let Keras code paste in unchanged (``activation="relu"``, ``kernel_initializer="he_normal"``...) and
refuse what Keras 3.15 refuses (an unknown activation name, a non-boolean ``use_bias``...). Names are
Keras' own lookup tables, copied here so the core never imports Keras.
"""

from __future__ import annotations

import numbers
from typing import Any

from ..args import normalize_tuple
from ..words import check_strides_dilation, short_repr  # the one strides-with-dilation check

__all__ = [
    "check_bool",
    "check_real",
    "check_activation",
    "check_initializer",
    "check_regularizer",
    "check_constraint",
    "conv_padding",
    "check_strides_dilation",
]

ACTIVATIONS = frozenset(
    "celu elu exponential gelu glu hard_shrink hard_sigmoid hard_silu hard_swish hard_tanh leaky_relu linear "
    "log_sigmoid log_softmax mish relu relu6 selu sigmoid silu soft_shrink softmax softplus softsign sparse_plus "
    "sparse_sigmoid sparsemax squareplus swish tanh tanh_shrink threshold".split()
)
INITIALIZERS = frozenset(
    "Constant GlorotNormal GlorotUniform HeNormal HeUniform Identity IdentityInitializer LecunNormal LecunUniform "
    "Ones Orthogonal OrthogonalInitializer RandomNormal RandomUniform STFT STFTInitializer TruncatedNormal "
    "VarianceScaling Zeros constant glorot_normal glorot_uniform he_normal he_uniform identity lecun_normal "
    "lecun_uniform normal one ones orthogonal random_normal random_uniform stft truncated_normal uniform "
    "variance_scaling zero zeros".split()
)
REGULARIZERS = frozenset("L1 L1L2 L2 OrthogonalRegularizer l1 l1l2 l2 orthogonal_regularizer".split())
CONSTRAINTS = frozenset("MaxNorm MinMaxNorm NonNeg UnitNorm max_norm min_max_norm non_neg unit_norm".split())


def check_bool(value: Any, name: str) -> bool:
    """``True``/``False`` (numpy booleans too); anything else is a ``TypeError``."""
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return bool(value)
    raise TypeError(
        f"`{name}` must be True or False. Received: {name}={short_repr(value)} (of type {type(value).__name__})"
    )


def check_real(
    value: Any,
    name: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    allow_none: bool = False,
) -> Any:
    """A real number (not a bool, not NaN) within ``[minimum, maximum]``; returned unchanged."""
    if value is None and allow_none:
        return None
    value = plain_number(value)
    shown = short_repr(value)
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        expected = "a number or None" if allow_none else "a number"
        raise TypeError(f"`{name}` must be {expected}. Received: {name}={shown} (of type {type(value).__name__})")
    if value != value:  # NaN; no float() conversion, which overflows on huge ints and Fractions
        raise ValueError(f"`{name}` must be a number, not NaN. Received: {name}={shown}")
    if minimum is not None and value < minimum:
        raise ValueError(f"`{name}` must be >= {minimum}. Received: {name}={shown}")
    if maximum is not None and not value <= maximum:  # numbers.Real declares < and <= (NaN is refused above)
        raise ValueError(f"`{name}` must be <= {maximum}. Received: {name}={shown}")
    try:
        float(value)
    except OverflowError:
        raise ValueError(
            f"`{name}` is too far from zero: Keras stores it as a float, and floats end near 1.8e308. "
            f"Use a smaller number. Received: {name}={shown}"
        ) from None
    return value


def plain_number(value: Any) -> Any:
    """A 0-d numpy array or numpy scalar as the Python number it holds; anything else unchanged."""
    if getattr(value, "shape", None) == () and hasattr(value, "item"):
        try:
            return value.item()
        except (TypeError, ValueError):
            return value
    return value


def _check_identifier(value: Any, name: str, names: frozenset[str], kind: str, *, allow_array: bool = False) -> Any:
    if value is None or isinstance(value, dict) or callable(value):
        return value
    if isinstance(value, str):
        if value in names:
            return value
        close = sorted(n for n in names if n.lower().replace("_", "") == value.lower().replace("_", ""))
        hint = f" Did you mean {short_repr(close[0])}?" if close else f" Known names: {', '.join(sorted(names))}."
        raise ValueError(
            f"Could not interpret {kind} identifier for `{name}` (Keras names are case-sensitive).{hint} "
            f"Received: {name}={short_repr(value)}"
        )
    if allow_array and hasattr(value, "shape") and hasattr(value, "dtype"):
        return value
    raise ValueError(
        f"`{name}` must be None, the name of a Keras {kind} (e.g. {sorted(names)[-1]!r}), a config dict or a "
        f"callable. Received: {name}={short_repr(value)}"
    )


def check_activation(value: Any, name: str = "activation") -> Any:
    """``None``, a Keras activation name (``"relu"``...), a config dict or a callable."""
    return _check_identifier(value, name, ACTIVATIONS, "activation")


def check_initializer(value: Any, name: str) -> Any:
    return _check_identifier(value, name, INITIALIZERS, "initializer", allow_array=True)


def check_regularizer(value: Any, name: str) -> Any:
    return _check_identifier(value, name, REGULARIZERS, "regularizer")


def check_constraint(value: Any, name: str) -> Any:
    return _check_identifier(value, name, CONSTRAINTS, "constraint")


def conv_padding(value: Any, layer: str, *, causal: bool) -> str:
    """``"valid"``/``"same"`` (any case), plus ``"causal"`` only where Keras 3 allows it (``Conv1D``)."""
    if not isinstance(value, str):
        choices = '"valid", "same" or "causal"' if causal else '"valid" or "same"'
        raise TypeError(
            f"`padding` must be a string, {choices}. For explicit padding amounts put a ZeroPadding layer "
            f"before {layer}. Received: padding={short_repr(value)}"
        )
    lowered = value.lower()
    if lowered == "causal" and not causal:
        raise ValueError(
            f'`padding="causal"` exists only for Conv1D in Keras 3; {layer} accepts "valid" or "same". '
            f"For a causal effect along one axis, pad only before it with a ZeroPadding layer (k_eff - 1 cells, "
            f'e.g. ZeroPadding1D((k_eff - 1, 0)) for a 1-D sequence) and use padding="valid". '
            f"Received: padding={short_repr(value)}"
        )
    allowed = ("valid", "same", "causal") if causal else ("valid", "same")
    if lowered not in allowed:
        extra = ' TensorFlow has no "full" padding; a transposed convolution grows the input instead.' * (
            lowered == "full"
        )
        choices = " or ".join(f'"{a}"' for a in allowed)
        raise ValueError(f"`padding` must be {choices}.{extra} Received: padding={short_repr(value)}")
    return lowered


def pairs(value: Any, rank: int, name: str) -> tuple[tuple[int, int], ...]:
    """Keras' ``(before, after)`` forms for ZeroPadding/Cropping 2-D/3-D.

    An int ``p`` means ``((p, p),) * rank``; a sequence of ``rank`` entries, each an int or a pair.
    """
    value = plain_number(value)
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        before, after = normalize_tuple(value, 2, name, allow_zero=True)
        return ((before, after),) * rank
    if isinstance(value, (set, frozenset, dict)):
        raise TypeError(
            f"`{name}` must be a tuple or list, in axis order: a {type(value).__name__} has no order. "
            f"Received: {name}={short_repr(value)}"
        )
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
        raise TypeError(
            f"`{name}` must be an int, a tuple of {rank} ints (symmetric) or a tuple of {rank} (before, after) "
            f"pairs. Received: {name}={short_repr(value)}"
        )
    if len(value) != rank:
        raise ValueError(
            f"`{name}` must have {rank} entries, one per spatial axis, each an int or a (before, after) pair. "
            f"Received: {name}={short_repr(value)}"
        )
    out = []
    for index, entry in enumerate(value):
        try:
            before, after = normalize_tuple(entry, 2, name, allow_zero=True)
            out.append((before, after))
        except (TypeError, ValueError) as err:
            raise type(err)(
                f"Entry {index} of `{name}` must be a non-negative int or a (before, after) pair of non-negative "
                f"ints, but it is {short_repr(entry)}. Received: {name}={short_repr(value)}"
            ) from None
    return tuple(out)


_WEIGHT_OPTION_SUFFIXES = (
    ("_initializer", check_initializer),
    ("_regularizer", check_regularizer),
    ("_constraint", check_constraint),
)


def weight_options(arguments: dict[str, Any]) -> dict[str, Any]:
    """Check the constructor options that only shape a layer's weights, never its output shape.

    Picks, in signature order, ``activation``, ``use_bias`` and every ``*_initializer``, ``*_regularizer`` and
    ``*_constraint`` argument from ``arguments`` (passed by name by each constructor) and returns them checked.

    >>> weight_options({"self": None, "units": 3, "use_bias": True, "kernel_initializer": "zeros"})
    {'use_bias': True, 'kernel_initializer': 'zeros'}
    """
    checked: dict[str, Any] = {}
    for name, value in arguments.items():
        if name == "activation":
            checked[name] = check_activation(value)
        elif name == "use_bias":
            checked[name] = check_bool(value, name)
        else:
            for suffix, check in _WEIGHT_OPTION_SUFFIXES:
                if name.endswith(suffix):
                    checked[name] = check(value, name)
                    break
    return checked
