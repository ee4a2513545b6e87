"""Short texts about layers and tensors shared by the stack diagram and the stack editor.

>>> import convkit
>>> layer_label(convkit.layers.Conv2D(32, 3, strides=2, padding="valid"))
'Conv2D 3×3 /2 valid\\n32 filters'
>>> shape_text((3, 13, 13, 32))
'(3, 13, 13, 32)'
"""

from __future__ import annotations

import functools
import re
import textwrap
from typing import Any

from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath

__all__ = ["layer_label", "shape_text", "error_reason", "tensor_dims", "source_nodes", "window_text", "count_text",
           "volume_text", "branch_label", "measure"]

_MEASURE = TextToPath()


@functools.lru_cache(maxsize=4096)
def measure(text: str, size: float, weight: str = "normal") -> tuple[float, float]:
    """Width and height (inches) of a possibly multi-line string at ``size`` points (cached: layouts re-measure)."""
    prop = FontProperties(size=size, weight=weight)
    lines = text.split("\n")
    width = max(_MEASURE.get_text_width_height_descent(line or " ", prop, ismath=False)[0] for line in lines)
    return width / 72.0, len(lines) * size * 1.25 / 72.0


def count_text(n: Any, word: str) -> str:
    """``1 filter``, ``32 filters``: the count with its noun in the right number.

    >>> count_text(1, "filter"), count_text(16, "unit")
    ('1 filter', '16 units')
    """
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _tuple(value: Any) -> tuple[Any, ...]:
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value,)


def window_text(value: Any) -> str:
    """``(3, 3)`` -> ``3×3``; ``(3,)`` -> ``3``."""
    return "×".join(str(v) for v in _tuple(value))


def _stride_text(value: Any, sign: str) -> str:
    dims = _tuple(value)
    if not dims or all(d == 1 for d in dims):
        return ""
    if len(set(dims)) == 1:
        return f" {sign}{dims[0]}"
    return f" {sign}" + "×".join(str(d) for d in dims)


def _padding_text(padding: Any) -> str:
    if isinstance(padding, str):
        return padding
    flat = [p for pair in _tuple(padding) for p in _tuple(pair)]
    if flat and len(set(flat)) == 1:
        return f"+{flat[0]}"
    return "+" + ",".join(str(p) for p in flat)


def layer_label(layer: Any) -> str:
    """The arrow label of a layer: type, window, stride and padding on line 1, width on line 2.

    ``Conv2D 3×3 /2 valid`` / ``32 filters`` (``1 filter``); transposed strides read ``×2`` (they upsample).
    """
    kind = getattr(layer, "window", None)
    cls = type(layer).__name__
    try:
        cfg = layer.get_config()
    except (AttributeError, TypeError):
        cfg = {}
    if kind in ("conv", "depthwise", "separable", "transpose"):
        sign = "×" if kind == "transpose" else "/"
        head = f"{cls} {window_text(cfg.get('kernel_size'))}{_stride_text(cfg.get('strides'), sign)}"
        head += f" {cfg.get('padding', 'valid')}"
        dil = _tuple(cfg.get("dilation_rate"))
        if dil and any(d != 1 for d in dil):
            head += " dil " + "×".join(str(d) for d in dil)
        if kind == "depthwise":
            return head + f"\n×{cfg.get('depth_multiplier', 1)} per channel"
        return head + "\n" + count_text(cfg.get("filters"), "filter")
    if kind == "pool":
        pool = cfg.get("pool_size")
        strides = cfg.get("strides") if cfg.get("strides") is not None else pool
        return f"{cls} {window_text(pool)}{_stride_text(strides, '/')} {cfg.get('padding', 'valid')}"
    if kind == "dense":
        return f"{cls}\n" + count_text(cfg.get("units"), "unit")
    if cls.startswith(("ZeroPadding", "Cropping")):
        key = "cropping" if cls.startswith("Cropping") else "padding"
        text = _padding_text(cfg.get(key))
        return f"{cls} {text.replace('+', '−') if key == 'cropping' else text}"
    if cls.startswith("UpSampling"):
        return f"{cls}{_stride_text(cfg.get('size'), '×')}"
    if cls == "Reshape":
        return f"Reshape\n→ {shape_text(cfg.get('target_shape'))}"
    if cls == "Dropout" and "rate" in cfg:
        return f"Dropout {cfg['rate']:g}"
    if cls == "Activation" and isinstance(cfg.get("activation"), str):
        return f"Activation {cfg['activation']}"
    return cls


def shape_text(shape: Any) -> str:
    """``(3, 13, 13, 32)``; ``None`` dims print as ``None``; a missing shape prints ``—``."""
    if shape is None:
        return "—"
    dims = tuple(shape)
    if len(dims) == 1:
        return f"({dims[0]},)"
    return "(" + ", ".join("None" if d is None else str(d) for d in dims) + ")"


def error_reason(message: str | None, width: int = 34, max_lines: int = 7) -> str:
    """A trace error shortened for a picture: the ``Received: ...`` tail dropped, wrapped to ``width``."""
    if not message:
        return ""
    text = re.sub(r"\s*Received:.*$", "", str(message).strip(), flags=re.S)
    text = re.sub(r"^\w+ '[^']*': ", "", text)  # the arrow already names the layer
    lines = textwrap.wrap(text, width) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: width - 1].rstrip() + "…"
    return "\n".join(lines)


def tensor_dims(shape: Any, data_format: str | None = "channels_last") -> tuple[tuple[int | None, ...], int | None]:
    """``(spatial sizes, channels)`` of a full shape; a ``(batch, features)`` vector has no spatial sizes."""
    dims = tuple(shape)
    if len(dims) <= 2:
        return (), dims[-1] if len(dims) == 2 else None
    if data_format == "channels_first":
        return dims[2:], dims[1]
    return dims[1:-1], dims[-1]


def source_nodes(trace: Any, entry: Any) -> tuple[int, ...]:
    """The tensor nodes feeding ``entry``: node 0 is the stack's input, node ``i + 1`` entry ``i``'s output.

    ``entry.inputs`` holds entry indices (``()`` or ``-1`` inside a tuple: the model input).
    """
    inputs = getattr(entry, "inputs", None)
    if inputs is None:
        return (entry.index,)
    return tuple(max(int(i), -1) + 1 for i in inputs) or (0,)


def volume_text(shape: Any, data_format: str | None = "channels_last") -> str:
    """A tensor's size without the batch, spatial sizes then channels: ``(2, 32, 32, 16)`` -> ``32×32×16``.

    >>> volume_text((None, 64, 64, 1)), volume_text((2, 16, 8, 8), "channels_first"), volume_text((4, 10))
    ('64×64×1', '8×8×16', '10')
    """
    if shape is None:
        return "—"
    spatial, channels = tensor_dims(shape, data_format)
    return "×".join("?" if d is None else str(d) for d in (*spatial, channels))


def branch_label(source_name: str, volume: str, into_merge: bool) -> str:
    """The label on a connector from an earlier tensor: ``skip: conv2d_1 (32×32×32)`` into a merge layer,
    ``branch: re_lu (32×32×16)`` into any other layer that reads an earlier tensor.

    >>> branch_label("conv2d_1", "32×32×32", True)
    'skip: conv2d_1 (32×32×32)'
    """
    return f"{'skip' if into_merge else 'branch'}: {source_name} ({volume})"
