"""The presentation vocabulary of convkit: every text a learner reads about a layer or a tensor, in one place.

The summary, the stack diagram, the stack editor's rows and the widgets' titles all call these functions, so a
window reads the same everywhere (``3×3 /2 valid``, ``3×3 same, dilation 2``, ``3×3 ↑2 same``). The few texts the
core needs itself (shapes inside a ``ValueError``, the summary's ``str()``, shared refusals) are defined in
:mod:`convkit.core.words` and re-exported here: there is exactly one text per idea.

>>> from convkit.core.layers import Conv2D, DepthwiseConv2D, Dense
>>> layer_title(Conv2D(32, 3, strides=2))
'Conv2D 3×3 /2 valid'
>>> layer_label(Conv2D(32, 3, strides=2)), layer_label(DepthwiseConv2D(3)), layer_label(Dense(1))
('Conv2D 3×3 /2 valid\\n32 filters', 'DepthwiseConv2D 3×3 valid\\n×1 per channel', 'Dense\\n1 unit')
>>> format_shape((None, 13, 13, 32)), format_volume((None, 13, 13, 32))
('(None, 13, 13, 32)', '13×13×32')
"""

from __future__ import annotations

from typing import Any

from ..core.words import (
    MAX_CHANNEL_TERMS,
    MAX_TERMS,
    WINDOW_NOTE,
    arithmetic_sentence,
    channel_depths_fix,
    check_strides_dilation,
    column_notes,
    concatenate_sizes_fix,
    count,
    elide,
    fmt,
    format_dims,
    format_shape,
    format_volume,
    integral,
    noun,
    number_texts,
    receptive_field_sentence,
    sentence,
    short_repr,
    spatial_sizes_fix,
    strides_dilation_refusal,
    summary_title,
    window_label,
    wrap,
)

__all__ = [
    # re-exported from convkit.core.words
    "WINDOW_NOTE",
    "count",
    "noun",
    "short_repr",
    "format_shape",
    "format_dims",
    "format_volume",
    "window_label",
    "strides_dilation_refusal",
    "summary_title",
    "column_notes",
    "check_strides_dilation",
    "sentence",
    "channel_depths_fix",
    "spatial_sizes_fix",
    "concatenate_sizes_fix",
    "receptive_field_sentence",
    "MAX_TERMS",
    "MAX_CHANNEL_TERMS",
    "fmt",
    "integral",
    "number_texts",
    "wrap",
    "elide",
    "arithmetic_sentence",
    # presentation
    "layer_title",
    "layer_size",
    "layer_label",
    "diagram_title",
]


def _config(layer: Any) -> dict[str, Any]:
    try:
        config = layer.get_config()
    except (AttributeError, TypeError, ValueError):
        return {}
    return config if isinstance(config, dict) else {}


def _class_name(layer: Any) -> str:
    return str(getattr(layer, "class_name", None) or type(layer).__name__)


def _amounts(value: Any, sign: str) -> str:
    """ZeroPadding/Cropping amounts: ``1`` on every side → ``+1``; otherwise each ``before,after`` in axis order."""
    flat: list[Any] = []
    for pair in value if isinstance(value, (list, tuple)) else (value,):
        flat.extend(pair if isinstance(pair, (list, tuple)) else (pair,))
    if flat and len(set(flat)) == 1:
        return f"{sign}{flat[0]}"
    return sign + ",".join(str(p) for p in flat)


def _stride_factor(value: Any, sign: str) -> str:
    dims = value if isinstance(value, (list, tuple)) else (value,)
    if value is None or all(d == 1 for d in dims):
        return ""
    return f" {sign}" + (str(dims[0]) if len(set(dims)) == 1 else format_dims(dims))


def layer_title(layer: Any) -> str:
    """A layer's type and what it does to the spatial axes, on one line: ``Conv2D 3×3 /2 valid``,
    ``ZeroPadding2D +1``, ``UpSampling2D ↑2``, ``Dropout 0.5``; otherwise its type (``Flatten``).

    >>> from convkit.core.layers import Cropping1D, UpSampling2D, ZeroPadding2D
    >>> layer_title(ZeroPadding2D(1)), layer_title(Cropping1D((1, 2))), layer_title(UpSampling2D(2))
    ('ZeroPadding2D +1', 'Cropping1D −1,2', 'UpSampling2D ↑2')
    """
    cls = _class_name(layer)
    window = window_label(layer)
    if window:
        return f"{cls} {window}"
    cfg = _config(layer)
    if cls.startswith("ZeroPadding") and "padding" in cfg:
        return f"{cls} {_amounts(cfg['padding'], '+')}"
    if cls.startswith("Cropping") and "cropping" in cfg:
        return f"{cls} {_amounts(cfg['cropping'], '−')}"
    if cls.startswith("UpSampling"):
        return f"{cls}{_stride_factor(cfg.get('size'), '↑')}"
    if cls == "Dropout" and isinstance(cfg.get("rate"), (int, float)):
        return f"Dropout {cfg['rate']:g}"
    if cls == "Activation" and isinstance(cfg.get("activation"), str):
        return f"Activation {cfg['activation']}"
    return cls


def layer_size(layer: Any) -> str:
    """How wide a layer's output is, when the layer itself says: ``32 filters``, ``×2 per channel`` (depthwise),
    ``10 units`` (Dense), ``→ (4, 4, 2)`` (Reshape); ``""`` otherwise.

    >>> from convkit.core.layers import Conv1D, Reshape
    >>> layer_size(Conv1D(1, 3)), layer_size(Reshape((4, 4, 2)))
    ('1 filter', '→ (4, 4, 2)')
    """
    kind = getattr(layer, "window", None)
    cfg = _config(layer)
    if kind == "depthwise":
        return f"×{cfg.get('depth_multiplier', 1)} per channel"
    if kind in ("conv", "separable", "transpose"):
        return count(cfg.get("filters"), "filter")
    if kind == "dense":
        return count(cfg.get("units"), "unit")
    if _class_name(layer) == "Reshape" and cfg.get("target_shape") is not None:
        return "→ " + format_shape(cfg["target_shape"])
    return ""


def layer_label(layer: Any) -> str:
    """The diagram's two-line label of a layer: :func:`layer_title`, then :func:`layer_size` when there is one."""
    size = layer_size(layer)
    return layer_title(layer) + (f"\n{size}" if size else "")


def diagram_title(n_layers: int) -> str:
    """The first words of the stack diagram's description for screen readers.

    >>> diagram_title(1), diagram_title(3)
    ('Layer-stack diagram of 1 layer', 'Layer-stack diagram of 3 layers')
    """
    return f"Layer-stack diagram of {count(n_layers, 'layer')}"


def _sizes_text(sizes: Any) -> str:
    """A per-axis size as a learner reads it: ``14`` when every axis agrees, else ``14×10``."""
    values = tuple(sizes)
    return str(values[0]) if len(set(values)) == 1 else format_dims(values)


def proposal_intro(target: Any, source: str | None = None) -> str:
    """The words before the stack editor's proposals: which size the proposals give, and where.

    ``source`` names the layer the proposals replace when it is not the row's own (a merge's branch).

    >>> proposal_intro((14, 14))
    'to get 14 here, use one of:'
    >>> proposal_intro((14, 10), "layer 1 (Conv2D)")
    'to get 14×10 from layer 1 (Conv2D), use one of:'
    """
    where = f"from {source}" if source else "here"
    return f"to get {_sizes_text(target)} {where}, use one of:"


def proposal_label(layer: Any) -> str:
    """A proposed layer as short Keras code; ``…`` stands for the arguments kept from the current layer.

    >>> from convkit.core.layers import Conv2D, Conv2DTranspose, DepthwiseConv2D
    >>> proposal_label(Conv2D(32, 3, strides=2, padding="same"))
    'Conv2D(…, 3, strides=2, padding="same")'
    >>> proposal_label(Conv2DTranspose(8, (3, 2), strides=2, output_padding=1))
    'Conv2DTranspose(…, (3, 2), strides=2, padding="valid", output_padding=1)'
    >>> proposal_label(DepthwiseConv2D(5, dilation_rate=2))
    'DepthwiseConv2D(5, padding="valid", dilation_rate=2, …)'
    """

    def value(name: str) -> str:
        values = tuple(getattr(layer, name))
        return str(values[0]) if len(set(values)) == 1 else str(values)

    has_filters = hasattr(layer, "filters")
    parts = ["…"] if has_filters else []
    parts.append(value("kernel_size"))
    if any(s != 1 for s in layer.strides):
        parts.append(f"strides={value('strides')}")
    parts.append(f'padding="{layer.padding}"')
    if any(d != 1 for d in layer.dilation_rate):
        parts.append(f"dilation_rate={value('dilation_rate')}")
    if getattr(layer, "output_padding", None) is not None:
        parts.append(f"output_padding={value('output_padding')}")
    if not has_filters:
        parts.append("…")
    return f"{type(layer).__name__}({', '.join(parts)})"


def proposal_aria(index: int, label: str) -> str:
    """What a screen reader says for a proposal's button (also its tooltip).

    >>> proposal_aria(2, 'Conv2D(…, 3, padding="same")')
    'replace layer 2 with Conv2D(…, 3, padding="same")'
    """
    return f"replace layer {index} with {label}"


def proposal_stale() -> str:
    """The message when a proposal is clicked after the stack changed under it.

    >>> proposal_stale()
    'This proposal was made for a layer that is no longer in the stack; the proposals shown now are up to date.'
    """
    return "This proposal was made for a layer that is no longer in the stack; the proposals shown now are up to date."
