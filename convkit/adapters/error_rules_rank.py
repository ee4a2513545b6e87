"""Rank mistakes: a missing batch or channel axis (told apart by the numbers), 1-D/2-D/3-D layers on the wrong kind
of data (a sequence, images, volumes: the right layer is named), pooling of the wrong rank, and a Dense, Flatten or
global-pooling output fed to a convolution."""

from __future__ import annotations

import re
from typing import Any

from ..core.args import MAX_RANK, axis_names
from ..core.explain import AxisEntry, Explanation
from ..core.words import format_shape
from .error_rules_common import Shape, Unreadable, Where, _class_from_name, _explanation, _keras_layer, _number, _shape
from .error_rules_depth import INCOMPATIBLE

__all__ = ["RANK_RULES", "data_kind", "layout", "layer_for_rank"]

_KIND = {1: "a sequence", 2: "images", 3: "volumes"}


def layout(rank: int) -> str:
    """The axes of a tensor with ``rank`` spatial axes, batch first and channels last.

    >>> layout(2)
    '(batch, height, width, channels)'
    """
    return "(batch, " + ", ".join(axis_names(rank)) + ", channels)"


def data_kind(rank: int) -> str:
    """What a tensor with ``rank`` spatial axes holds, with its layout.

    >>> data_kind(1)
    'a sequence (batch, length, channels)'
    """
    return f"{_KIND[rank]} {layout(rank)}" if rank in _KIND else f"{rank + 2}-D tensors"


def layer_for_rank(cls: str, rank: int) -> str | None:
    """The sibling of a 1-D/2-D/3-D layer class for ``rank`` spatial axes (``None`` when it has none).

    >>> layer_for_rank("Conv3D", 2), layer_for_rank("MaxPooling1D", 2), layer_for_rank("Dense", 2)
    ('Conv2D', 'MaxPooling2D', None)
    """
    if rank not in _KIND or not re.search(r"[123]D", cls):
        return None
    return re.sub(r"[123]D", f"{rank}D", cls, count=1)


def _missing_axis(shape: Shape, want: int) -> str:
    """Which axis a shape of rank ``want - 1`` lacks, read from its numbers: ``"batch"``, ``"channel"`` or ``"kind"``
    (none is missing: the data is of another kind, e.g. a sequence given to a 2-D layer)."""
    last = shape[-1]
    previous = shape[-2] if len(shape) >= 2 else None
    if shape and shape[0] is None:  # a declared Input: the batch axis is there
        if last is not None and (last == previous or last > 16):
            return "channel"
        return "kind"
    first, second = shape[0], shape[1] if len(shape) >= 2 else None
    if first is not None and (first == second or (first > 16 and last is not None and last <= 16)):
        return "batch"
    if last is not None and last == previous:
        return "channel"
    return "kind"


def _suggest_layer(cls: str, data_rank: int) -> str:
    right = layer_for_rank(cls, data_rank)
    if right is None:
        return f"reshape the input to {layout(data_rank + 0)}."
    return (
        f"this is {data_kind(data_rank)}: use keras.layers.{right}, e.g. keras.layers.{right}({_example_args(right)})."
    )


def _example_args(cls: str) -> str:
    if "Pool" in cls and "Global" not in cls:
        return "2"
    if "Global" in cls:
        return ""
    if cls.startswith("Depthwise"):
        return "3"
    return "32, 3"


def _rank_mismatch(msg: str, model: Any, input_shape: Any, where: Where) -> Explanation | None:
    m = INCOMPATIBLE.search(msg)
    if not m:
        return None
    detail = re.search(r"expected (min_)?ndim=(\d+), found ndim=(\d+)\. Full shape received: (\([^)]*\))", m.group(3))
    if not detail:
        return None
    name, want, found, shape = m.group(2), _number(detail.group(2)), _number(detail.group(3)), _shape(detail.group(4))
    if not (1 <= want <= MAX_RANK and 0 <= found <= MAX_RANK) or len(shape) != found:
        raise Unreadable(detail.group(0)[:80])
    layer = _keras_layer(model, name)
    if layer is None and getattr(where.layer, "name", None) == name:
        layer = where.layer
    cls = type(layer).__name__ if layer is not None else _class_from_name(name)
    rank = want - 2
    shape_layout = layout(rank) if rank >= 1 else f"{want} axes"
    title = f"{cls} '{name}' needs {want}-D input {shape_layout} but received {found}-D {format_shape(shape)}"
    notes = ["The batch axis comes first and the channel axis last, even for one image or one grey channel."]
    fixes = []
    data_rank = found - 2
    if found == 2 and want > 2:
        previous = where.before[-1] if where.before else ""
        features = shape[-1]
        notes.append(
            "A 2-D input (batch, features) is what Flatten, Dense or global pooling produce: a convolution or "
            "pooling layer after them has no spatial axes left to slide over."
        )
        if "Global" in previous:
            fixes.append(
                "keep the spatial axes of the global pooling: GlobalAveragePooling2D(keepdims=True) gives "
                f"{format_shape((None, *(1,) * max(rank, 1), features))}."
            )
        fixes.append(
            "put Flatten after the last convolution/pooling layer, or restore the axes with "
            f"keras.layers.Reshape({format_shape((*(1,) * max(rank, 1), features))}) "
            "(or Reshape((height, width, channels)) whose sizes multiply to "
            f"{features})."
        )
    elif found == want - 1:
        missing = _missing_axis(shape, want)
        if missing == "channel":
            notes.append(f"{format_shape(shape)} has a batch axis but no channel axis (a grey image has 1 channel).")
            fixes.append(
                f"add the channel axis: keras.Input(shape={format_shape((*shape[1:], 1))}) and x[..., None] "
                "(or np.expand_dims(x, -1)) for grey images."
            )
        elif missing == "batch":
            notes.append(
                f"{format_shape(shape)} ends with {shape[-1]} channels but has no batch axis: one example still "
                "needs a batch of 1."
            )
            fixes.append(
                f"add the batch axis: x[None] (or np.expand_dims(x, 0)) gives {format_shape((1, *shape))}; "
                f"if the channel axis is what is missing, use x[..., None] to get {format_shape((*shape, 1))}."
            )
        else:
            notes.append(
                f"{format_shape(shape)} has a batch axis and {shape[-1]} channels: it is {data_kind(data_rank)}."
            )
            fixes.append(_suggest_layer(cls, data_rank))
    elif 1 <= data_rank <= 3 and layer_for_rank(cls, data_rank):
        notes.append(f"{format_shape(shape)} is {data_kind(data_rank)}, but {cls} is made for {data_kind(rank)}.")
        fixes.append(_suggest_layer(cls, data_rank))
    else:
        fixes.append(f"reshape the input to {shape_layout}.")
    return _explanation(title, [AxisEntry("rank", f"expected {want}, received {found}", found)], notes, fixes)


def _kernel_length(msg: str, model: Any, input_shape: Any, where: Where) -> Explanation | None:
    m = re.search(
        r"Kernel shape must have the same length as input, but received kernel of shape (\([^)]*\)) and input of "
        r"shape (\([^)]*\))",
        msg,
    )
    if not m:
        return None
    kernel, shape = _shape(m.group(1)), _shape(m.group(2))
    rank, data_rank = len(kernel) - 2, len(shape) - 2
    if not (1 <= rank <= 3 and 1 <= data_rank <= 3) or rank == data_rank:
        raise Unreadable(m.group(0)[:80])
    cls = type(where.layer).__name__ if where.layer is not None else f"Conv{rank}D"
    name = getattr(where.layer, "name", None)
    what = f"{cls} '{name}'" if name else cls
    title = (
        f"{what} is made for {data_kind(rank)} but received {data_kind(data_rank).split(' (')[0]} {format_shape(shape)}"
    )
    notes = [
        f"Its kernel {format_shape(kernel)} slides along {rank} spatial {'axis' if rank == 1 else 'axes'}; "
        f"the input has {data_rank}."
    ]
    return _explanation(
        title,
        [AxisEntry("rank", f"kernel for {rank}-D, input {data_rank}-D", len(shape))],
        notes,
        [_suggest_layer(cls, data_rank)],
    )


RANK_RULES = (_rank_mismatch, _kernel_length)
