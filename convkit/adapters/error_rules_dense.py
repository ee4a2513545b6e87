"""Dense mistakes: Dense on a 4-D tensor (one prediction per position), and a Dense layer whose input features are
unknown because the image size is (Flatten of ``None`` sizes). A Flatten size that changed with the image size is
read by :mod:`.error_rules_depth` (the same "expected axis -1" message as a channel mismatch)."""

from __future__ import annotations

import math
import re
from typing import Any

from ..core.explain import AxisEntry, Explanation
from ..core.words import count, format_shape
from .error_rules_common import Where, _explanation, _shape, _stack_context

__all__ = ["DENSE_RULES"]


def _dense_on_image(msg: str, model: Any, input_shape: Any, where: Where) -> Explanation | None:
    m = re.search(
        r"Arguments `target` and `output` must have the same rank \(ndim\)\. Received: "
        r"target\.shape=(\([^)]*\)), output\.shape=(\([^)]*\))",
        msg,
    )
    m = m or re.search(
        r"Argument `output` must have rank \(ndim\) `target\.ndim - 1`\. Received: "
        r"target\.shape=(\([^)]*\)), output\.shape=(\([^)]*\))",
        msg,
    )
    if not m:
        return None
    target, output = _shape(m.group(1)), _shape(m.group(2))
    if len(output) <= 2:
        return None
    spatial = output[1:-1]
    title = (
        f"The model outputs {format_shape(output)}, one prediction per position, but the labels are "
        f"{format_shape(target)}"
    )
    notes = [
        "Dense acts on the last axis only: on a (batch, height, width, channels) tensor it is a 1×1 "
        "convolution, so the height and width survive to the output."
    ]
    axes = [AxisEntry("output", f"Dense on {format_shape(output[:-1] + ('c',))} → {format_shape(output)}", output[-1])]
    fixes = []
    context, tr = _stack_context(model, input_shape)
    feed = None
    if tr is not None:
        dense = [
            e for e in tr.entries if type(e.layer).__name__ == "Dense" and e.input_shape and len(e.input_shape) > 2
        ]
        if dense:
            feed = dense[0].input_shape
            notes.append(f"'{dense[0].name}' receives {format_shape(feed)}.")
    if feed is not None and None not in feed[1:]:
        flat = math.prod(feed[1:])
        fixes.append(
            f"add keras.layers.Flatten() before Dense: {'·'.join(map(str, feed[1:]))} = {count(flat, 'feature')}."
        )
        fixes.append(
            f"or keras.layers.GlobalAveragePooling2D(): {count(feed[-1], 'feature')} (one per channel), for any image size."
        )
    else:
        fixes.append(
            "add keras.layers.Flatten() (height·width·channels features) or "
            "keras.layers.GlobalAveragePooling2D() (one feature per channel) before the Dense layer."
        )
    if spatial:
        notes.append(
            f"The extra axes {format_shape(spatial)} are the spatial positions the Dense layer was applied at."
        )
    return _explanation(title, axes, notes, fixes)


def _undefined_features(msg: str, model: Any, input_shape: Any, where: Where) -> Explanation | None:
    m = re.search(
        r"Shapes used to initialize variables must be fully-defined \(no `None` dimensions\)\. "
        r"Received: shape=(\([^)]*\)) for variable path='([^']*)'",
        msg,
    )
    m2 = re.search(r"The last dimension of the inputs to a Dense layer should be defined\. Found None", msg)
    if not (m or m2):
        return None
    shape = _shape(m.group(1)) if m else ()
    path = m.group(2) if m else ""
    parts = path.split("/")
    name = parts[-2] if len(parts) >= 2 else "dense"
    weights = format_shape(shape) if shape else ""
    title = f"Layer '{name}' cannot create its weights {weights}: its input's last axis is None"
    notes = [
        "The weight matrix needs the number of input features, but the input's last axis is unknown.",
        "Flatten of an image whose height/width are None (keras.Input(shape=(None, None, 3))) gives "
        "(batch, None): the feature count depends on the image size.",
    ]
    fixes = [
        "use keras.layers.GlobalAveragePooling2D() instead of Flatten: it gives one feature per channel "
        "for any image size, or",
        "give the Input a fixed size, e.g. keras.Input(shape=(28, 28, 3)).",
    ]
    entry = AxisEntry("features", f"weights shape {format_shape(shape)} with None input features", None)
    return _explanation(title, [entry], notes, fixes)


DENSE_RULES = (_dense_on_image, _undefined_features)
