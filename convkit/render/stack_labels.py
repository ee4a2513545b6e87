"""Layout helpers for the stack diagram and the stack editor: text measuring, error reasons cut for a picture,
tensor dimensions, source nodes, branch labels.

The words themselves (shapes, window labels, layer labels, counts) live in :mod:`convkit.render.words`; the
names ``shape_text``, ``volume_text``, ``window_text``, ``count_text`` and ``layer_label`` are kept here as
aliases of those functions.

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

from .words import count as count_text
from .words import format_dims as window_text
from .words import format_shape as shape_text
from .words import format_volume as volume_text
from .words import layer_label

__all__ = [
    "layer_label",
    "shape_text",
    "error_reason",
    "tensor_dims",
    "source_nodes",
    "window_text",
    "count_text",
    "volume_text",
    "branch_label",
    "measure",
]

_MEASURE = TextToPath()


@functools.lru_cache(maxsize=4096)
def measure(text: str, size: float, weight: str = "normal") -> tuple[float, float]:
    """Width and height (inches) of a possibly multi-line string at ``size`` points (cached: layouts re-measure)."""
    prop = FontProperties(size=size, weight=weight)
    lines = text.split("\n")
    width = max(_MEASURE.get_text_width_height_descent(line or " ", prop, ismath=False)[0] for line in lines)
    return width / 72.0, len(lines) * size * 1.25 / 72.0


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


def branch_label(source_name: str, volume: str, into_merge: bool) -> str:
    """The label on a connector from an earlier tensor: ``skip: conv2d_1 (32×32×32)`` into a merge layer,
    ``branch: re_lu (32×32×16)`` into any other layer that reads an earlier tensor.

    >>> branch_label("conv2d_1", "32×32×32", True)
    'skip: conv2d_1 (32×32×32)'
    """
    return f"{'skip' if into_merge else 'branch'}: {source_name} ({volume})"
