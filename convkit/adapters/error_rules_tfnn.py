"""``tf.nn`` mistakes: explicit padding lists without the batch and channel pairs. (A ``tf.nn`` kernel whose depth is
not the input's is read in :mod:`.error_rules_depth`, TF's oneDNN ``AbortedError`` in :mod:`.error_rules_size`.)"""

from __future__ import annotations

import re
from typing import Any

from ..core.explain import AxisEntry, Explanation
from .error_rules_common import Unreadable, Where, _explanation, _ints

__all__ = ["TFNN_RULES"]


def _explicit_padding(msg: str, model: Any, input_shape: Any, where: Where) -> Explanation | None:
    m = re.search(r"When padding is a list, it must be of size (\d+)\. Received: padding=(\[.*\]) of size (\d+)", msg)
    if not m:
        return None
    want, got = _ints(m.group(1)), _ints(m.group(3))
    pairs = re.findall(r"\[\s*(-?\d+)\s*,\s*(-?\d+)\s*\]", m.group(2))
    if not want or not got or not 3 <= want[0] <= 5 or len(pairs) > 8:
        raise Unreadable(m.group(0)[:80])
    rank = want[0] - 2
    spatial = [[int(a), int(b)] for a, b in pairs][-rank:] if pairs else [[1, 1]] * rank
    spatial = (spatial + [[0, 0]] * rank)[:rank]
    fixed = [[0, 0], *spatial, [0, 0]]
    title = (
        f"tf.nn: an explicit padding list needs {want[0]} [before, after] pairs, one per axis of the input "
        f"(batch, {rank} spatial, channels); received {got[0]}: {m.group(2)}"
    )
    notes = [
        "tf.nn convolutions take explicit padding for every axis of an NHWC input, batch and channels included; "
        "those two pairs must be [0, 0]."
    ]
    fixes = [f"padding={fixed} (data_format NHWC), e.g. tf.nn.conv{rank}d(x, kernel, 1, padding={fixed})."]
    if rank == 1:
        fixes = [f"padding={fixed} (NWC); tf.nn.conv1d takes 'VALID'/'SAME' only: use tf.pad(x, {fixed}) first."]
    return _explanation(title, [AxisEntry("padding", f"{got[0]} pairs, expected {want[0]}", got[0])], notes, fixes)


def _strides_length(msg: str, model: Any, input_shape: Any, where: Where) -> Explanation | None:
    m = re.search(r"strides should be of length 1, (\d) or (\d)\. Received: strides=(\[[^\]]*\]) of length (\d+)", msg)
    if not m:
        return None
    spatial, full, given = int(m.group(1)), int(m.group(2)), _ints(m.group(3))
    if full != spatial + 2 or not given:
        raise Unreadable(m.group(0)[:80])
    steps = [v for v in given if v != 1] or [1]
    s = steps[0]
    title = (
        f"tf.nn: strides={m.group(3)} has {len(given)} entries; a {spatial}-D convolution takes 1, {spatial} or {full}"
    )
    notes = [
        f"tf.nn strides are one int, one per spatial axis ({spatial}), or one per input axis ({full}: batch and channels 1)."
    ]
    fixes = [
        f"strides={s}, strides={[s] * spatial} or strides={[1, *[s] * spatial, 1]}, e.g. tf.nn.conv{spatial}d(x, kernel, {s}, 'VALID')."
    ]
    return _explanation(
        title,
        [AxisEntry("strides", f"{len(given)} entries, expected 1, {spatial} or {full}", len(given))],
        notes,
        fixes,
    )


TFNN_RULES = (_explicit_padding, _strides_length)
