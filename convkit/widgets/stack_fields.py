"""What the stack editor lets a learner edit: the fields of each layer type, parsing typed text, the add-layer menu.

Pure helpers (no widgets): a field's text is parsed into the value the layer constructor takes, and a layer is
rebuilt with ``type(layer)(**config)`` so the constructor checks every value exactly as it does in code.

>>> import convkit
>>> layer = convkit.layers.Conv2D(32, 3, strides=2)
>>> editable_fields(layer)
['filters', 'kernel_size', 'strides', 'padding', 'dilation_rate']
>>> format_value("kernel_size", layer.kernel_size)
'3'
>>> rebuild(layer, "kernel_size", parse_value("kernel_size", "5")).kernel_size
(5, 5)
"""

from __future__ import annotations

import ast
import importlib
from typing import Any

__all__ = [
    "FIELD_ORDER",
    "FIELD_LABELS",
    "editable_fields",
    "field_kind",
    "padding_options",
    "format_value",
    "parse_value",
    "rebuild",
    "addable_layers",
    "new_layer",
]

#: Editable constructor arguments, in the order the editor shows them.
FIELD_ORDER = (
    "filters",
    "units",
    "depth_multiplier",
    "kernel_size",
    "pool_size",
    "strides",
    "padding",
    "dilation_rate",
    "output_padding",
    "cropping",
    "size",
    "rate",
    "target_shape",
)
FIELD_LABELS = {
    "filters": "filters",
    "units": "units",
    "depth_multiplier": "depth ×",
    "kernel_size": "kernel",
    "pool_size": "pool",
    "strides": "strides",
    "padding": "padding",
    "dilation_rate": "dilation",
    "output_padding": "output pad",
    "cropping": "crop",
    "size": "size",
    "rate": "rate",
    "target_shape": "shape",
}
_INT_FIELDS = frozenset({"filters", "units", "depth_multiplier"})
_CAUSAL = frozenset({"Conv1D", "SeparableConv1D", "DepthwiseConv1D"})

# The add-layer menu: (2-D name, constructor arguments); 1-D and 3-D names swap the "2D".
_MENU: tuple[tuple[str, dict[str, Any]], ...] = (
    ("Conv2D", {"filters": 32, "kernel_size": 3}),
    ("MaxPooling2D", {"pool_size": 2}),
    ("AveragePooling2D", {"pool_size": 2}),
    ("Conv2DTranspose", {"filters": 16, "kernel_size": 3, "strides": 2, "padding": "same"}),
    ("ZeroPadding2D", {}),
    ("Flatten", {}),
    ("Dense", {"units": 10}),
    ("GlobalAveragePooling2D", {}),
    ("ReLU", {}),
    ("BatchNormalization", {}),
    ("Dropout", {"rate": 0.5}),
)


def _config(layer: Any) -> dict[str, Any]:
    return dict(layer.get_config())


def editable_fields(layer: Any) -> list[str]:
    """The constructor arguments of ``layer`` the editor shows, in :data:`FIELD_ORDER`."""
    config = _config(layer)
    return [key for key in FIELD_ORDER if key in config]


def field_kind(layer: Any, key: str) -> str:
    """``"int"``, ``"float"``, ``"choice"`` (a padding mode) or ``"text"`` (an int or a tuple typed as text)."""
    if key in _INT_FIELDS:
        return "int"
    if key == "rate":
        return "float"
    if key == "padding" and isinstance(_config(layer).get("padding"), str):
        return "choice"
    return "text"


def padding_options(layer: Any) -> tuple[str, ...]:
    """``("valid", "same")``, plus ``"causal"`` for the 1-D convolutions that accept it."""
    return ("valid", "same", "causal") if type(layer).__name__ in _CAUSAL else ("valid", "same")


def format_value(key: str, value: Any) -> str:
    """The text shown in a field: ``(3, 3)`` → ``"3"``, ``(3, 5)`` → ``"3, 5"``, ``None`` → ``""``."""
    if value is None:
        return ""
    if isinstance(value, tuple) and value and all(isinstance(v, tuple) for v in value):
        if all(len(set(v)) == 1 for v in value):
            value = tuple(v[0] for v in value)
        else:
            return ", ".join(f"({a}, {b})" for a, b in value)
    if isinstance(value, tuple):
        if value and all(v == value[0] for v in value) and key != "target_shape":
            return str(value[0])
        return ", ".join(str(v) for v in value)
    return str(value)


def parse_value(key: str, text: Any) -> Any:
    """Turn a field's text into a constructor value: ``"3"`` → 3, ``"3, 5"``/``"3×5"`` → (3, 5), ``""`` → None.

    Raises ``ValueError`` for text that is not a number or a tuple of numbers.
    """
    if not isinstance(text, str):
        return text
    cleaned = text.strip().replace("×", ",").replace("x", ",").replace("X", ",")
    if cleaned in ("", "None"):
        return None
    try:
        value = ast.literal_eval(cleaned)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise ValueError(
            f"`{key}` must be a whole number such as 3, or one number per axis such as 3, 5. Received: {key}={text!r}"
        ) from None
    if isinstance(value, list):
        value = tuple(value)
    if isinstance(value, tuple):
        value = tuple(tuple(v) if isinstance(v, list) else v for v in value)
    return value


def rebuild(layer: Any, key: str, value: Any) -> Any:
    """A new layer of the same type with ``key`` set to ``value`` (the constructor validates it).

    A layer whose name was chosen automatically gets a fresh automatic name, so Keras code stays free of names.
    """
    config = _config(layer)
    if not getattr(layer, "_given_name", True):
        config.pop("name", None)
    config[key] = value
    if key == "pool_size" and config.get("strides") is not None:
        # Keras' default strides follow pool_size: keep them following when they were equal to it
        if tuple(config["strides"]) == tuple(getattr(layer, "pool_size", ()) or ()):
            config["strides"] = None
    return type(layer)(**config)


def _rank_name(name: str, rank: int) -> str:
    return name.replace("2D", f"{rank}D") if rank in (1, 3) else name


def addable_layers(rank: int) -> list[str]:
    """Names in the add-layer menu for an input with ``rank`` spatial axes (1, 2 or 3; 0: a vector)."""
    if rank == 0:
        return ["Dense", "ReLU", "BatchNormalization", "Dropout"]
    return [_rank_name(name, rank) for name, _ in _MENU]


def new_layer(name: str) -> Any:
    """A new layer of type ``name`` (from the add-layer menu) with sensible starting arguments."""
    layers = importlib.import_module("convkit.layers")
    base = name.replace("1D", "2D").replace("3D", "2D")
    kwargs = dict(next((kw for n, kw in _MENU if n == base), {}))
    cls = getattr(layers, name, None)
    if cls is None:
        raise ValueError(f"convkit has no layer called {name!r}. Received: name={name!r}")
    return cls(**kwargs)
