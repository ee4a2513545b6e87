"""Merge mistakes: Add/Multiply/... or Concatenate after branches of odd sizes, a decoder that does not mirror its
encoder (with the Cropping2D / ZeroPadding2D / ``output_padding`` numbers), and a Reshape that changes the size."""

from __future__ import annotations

import math
import re
from typing import Any

from ..core.args import MAX_RANK
from ..core.explain import AxisEntry, Explanation
from ..core.words import channel_depths_fix, concatenate_sizes_fix, format_shape, spatial_sizes_fix
from .error_rules_common import Shape, Unreadable, Where, _explanation, _shape

__all__ = ["MERGE_RULES"]


def _merge_mismatch(msg: str, model: Any, input_shape: Any, where: Where) -> Explanation | None:
    m = re.search(r"Inputs have incompatible shapes\. Received shapes (\([^)]*\)) and (\([^)]*\))", msg)
    concat = re.search(
        r"A `Concatenate` layer requires inputs with matching shapes except for the concatenation "
        r"axis\. Received: input_shape=\[(.*)\]",
        msg,
    )
    if m:
        a, b = _shape(m.group(1)), _shape(m.group(2))
        if not a or not b:
            raise Unreadable(m.group(0)[:80])
        what = "An element-wise merge (Add, Subtract, Multiply, Average, Maximum, Minimum)"
        title = f"{what} needs equal shapes; received {format_shape(a)} and {format_shape(b)} (batch axis left out)"
        axes = [
            AxisEntry(f"axis {i + 1}", f"{x} vs {y}", None)
            for i, (x, y) in enumerate(zip(a, b))
            if x != y and 1 not in (x, y)
        ]
        notes = ["Element-wise merges add or multiply value by value, so every axis must match (or be 1)."]
        fixes = []
        if a[:-1] == b[:-1]:
            fixes.append(channel_depths_fix(a[-1], b[-1], len(a) - 1))
        else:
            fixes.append(spatial_sizes_fix())
            fixes.extend(_size_fixes(a, b))
            if all(x is not None and y is not None and abs(x - y) == 1 for x, y in zip(a[:-1], b[:-1])):
                notes.append(
                    "In an encoder–decoder (U-Net), each decoder level must give back the size its encoder level "
                    'had: an odd size halved by a stride-2 "same" layer (e.g. 15 → 8) comes back doubled to an even '
                    "one (16)."
                )
        return _explanation(title, axes, notes, fixes)
    if concat:
        shapes = [_shape(s) for s in re.findall(r"\([^)]*\)", concat.group(1))]
        if len(shapes) < 2:
            return None
        a = shapes[0]
        if any(len(s) != len(a) for s in shapes) or len(shapes) > MAX_RANK:
            raise Unreadable(concat.group(0)[:80])
        diffs = [(i, [s[i] for s in shapes]) for i in range(1, len(a) - 1) if len({s[i] for s in shapes}) > 1]
        title = (
            "Concatenate needs equal shapes except along its axis (the channels, by default); received "
            + " and ".join(format_shape(s) for s in shapes)
        )
        axes = [AxisEntry(f"axis {i}", " vs ".join(map(str, vals)), None) for i, vals in diffs]
        notes = ["Concatenate stacks tensors along one axis (axis=-1: channels); every other axis must match."]
        fixes = [concatenate_sizes_fix(len(a) - 2)]
        for i, vals in diffs:
            known = [v for v in vals if v is not None]
            if len(known) == len(vals) == 2:
                diff = abs(known[0] - known[1])
                fixes.append(
                    f"axis {i} differs by {diff}: e.g. Cropping2D(({diff // 2}, {diff - diff // 2}), ...) on "
                    f"the larger branch."
                )
                break
        return _explanation(title, axes, notes, fixes)
    return None


def _size_fixes(a: Shape, b: Shape) -> list[str]:
    """Cropping/ZeroPadding/output_padding with the numbers, when two shapes differ along their spatial axes."""
    spatial = len(a) - 1
    if len(b) != len(a) or not 1 <= spatial <= 3:
        return []
    pairs = list(zip(a[:-1], b[:-1]))
    if any(x is None or y is None for x, y in pairs):
        return []
    larger = [max(x or 0, y or 0) - min(x or 0, y or 0) for x, y in pairs]
    if not any(larger):
        return []
    crops = tuple((d // 2, d - d // 2) for d in larger)
    a_big = sum(x or 0 for x, _ in pairs) > sum(y or 0 for _, y in pairs)
    big, small = (a, b) if a_big else (b, a)
    fixes = [
        f"crop the larger branch {format_shape(big[:-1])} to {format_shape(small[:-1])}: "
        f"keras.layers.Cropping{spatial}D({crops!r}), or pad the smaller one: "
        f"keras.layers.ZeroPadding{spatial}D({crops!r})."
    ]
    if all(d == 1 for d in larger):
        fixes.append(
            "if the larger branch comes from a Conv2DTranspose with strides=2, output_padding=0 (instead of None) "
            'with padding="same" gives back the odd size: (n - 1)·2 + (k mod 2) + 0.'
        )
    return fixes


def _reshape_size(msg: str, model: Any, input_shape: Any, where: Where) -> Explanation | None:
    m = re.search(
        r"The total size of the tensor must be unchanged\. Received: input_shape=(\([^)]*\)), "
        r"target_shape=(\([^)]*\))",
        msg,
    )
    if not m:
        return None
    src, dst = _shape(m.group(1)), _shape(m.group(2))
    n_src, n_dst = math.prod(d for d in src if d), math.prod(d for d in dst if d and d > 0)
    title = f"Reshape{format_shape(dst)} cannot hold the {n_src} values of {format_shape(src)}"
    axes = [AxisEntry("values", f"{'·'.join(map(str, src))} = {n_src} vs {'·'.join(map(str, dst))} = {n_dst}", n_dst)]
    fixes = [
        "choose a target shape whose sizes multiply to the same number of values (batch excluded), "
        "or use -1 for one axis to let Keras compute it."
    ]
    return _explanation(title, axes, ["Reshape only rearranges values: it cannot add or drop any."], fixes)


MERGE_RULES = (_merge_mismatch, _reshape_size)
