"""The words a :class:`~convkit.widgets.traversal.KernelTraversal` shows about its controls.

* :func:`parse_count` reads what a learner typed into a number field, refusing (never rounding or clamping)
  anything that is not a whole number in range.
* :func:`refusal` turns a refused change into a sentence with the learner's numbers and the limit that applies
  ("kernel 30 is larger than the padded input 7 …; the largest kernel here is 7"), falling back to the core's
  message when the change fails for another reason.
* :func:`disabled_reasons` says why a control is switched off (dilation while strides > 1, ...).
* :func:`implied_changes` names the settings a change moved on its own (pooling resets dilation, ...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..core.args import axis_names, normalize_tuple
from ..core.words import short_repr
from ..render.words import format_dims as _times
from ._traversal_params import MAX_NUMBERS_CELLS, TraversalParams, normalize_padding_pairs

__all__ = ["LABELS", "parse_count", "refusal", "disabled_reasons", "implied_changes"]

#: What each setting is called on the controls.
LABELS = {
    "input_size": "input",
    "kernel_size": "kernel",
    "strides": "strides",
    "dilation_rate": "dilation",
    "padding": "padding",
    "in_channels": "in channels",
    "filters": "filters",
}
_INT = re.compile(r"[+-]?\d+")


def parse_count(text: Any, label: str, minimum: int) -> int:
    """The whole number typed in a field, or ``ValueError`` saying what was expected (nothing is rounded).

    >>> parse_count(" 5 ", "kernel (height)", 1)
    5
    >>> parse_count("3.5", "kernel (height)", 1)
    Traceback (most recent call last):
    ...
    ValueError: kernel (height) must be a whole number of at least 1, e.g. 3 (not rounded). Received: '3.5'
    """
    raw = str(text).strip()
    example = 3 if minimum >= 1 else 1
    if not _INT.fullmatch(raw):
        hint = " (not rounded)" if re.fullmatch(r"[+-]?\d*\.\d*", raw) and raw not in (".", "") else ""
        raise ValueError(
            f"{label} must be a whole number of at least {minimum}, e.g. {example}{hint}. Received: {raw!r}"
        )
    value = int(raw)
    if value < minimum:
        raise ValueError(f"{label} must be at least {minimum}. Received: {value}")
    return value


@dataclass(frozen=True)
class _Proposal:
    """A proposed change normalised by the core but not checked: what the fit sentences need."""

    rank: int
    input_size: tuple[int, ...]
    kernel_size: tuple[int, ...]
    dilation_rate: tuple[int, ...]
    pads: tuple[tuple[int, int], ...] | None  # None: "same"/"causal" padding, which always fits


def _proposed(params: TraversalParams, changes: dict[str, Any]) -> _Proposal | None:
    """``params`` with ``changes`` normalised (``None`` when they cannot even be normalised)."""
    values = {"input_size": params.input_size, "kernel_size": params.kernel_size, "dilation_rate": params.dilation_rate}
    try:
        for name in ("kernel_size", "dilation_rate", "input_size"):
            value = changes.get(name)
            if value is None:
                continue
            if name == "input_size":
                size = (value,) if isinstance(value, int) else tuple(value)
                if len(size) != params.rank:
                    return None
                value = size
            values[name] = normalize_tuple(value, params.rank, name)
    except (ValueError, TypeError):
        return None
    padding = changes.get("padding", params.padding)
    if isinstance(padding, str) and padding.lower() in ("same", "causal"):
        pads = None
    else:
        pads = normalize_padding_pairs(values["input_size"], padding)
        if pads is None:
            return None
    return _Proposal(params.rank, values["input_size"], values["kernel_size"], values["dilation_rate"], pads)


def _misfits(p: _Proposal) -> list[dict[str, int]]:
    """The axes where the (dilated) kernel does not fit the padded input, with their numbers."""
    if p.pads is None:
        return []
    bad = []
    for ax, (n, k, d, (pb, pa)) in enumerate(zip(p.input_size, p.kernel_size, p.dilation_rate, p.pads)):
        span = (k - 1) * d + 1
        if span > n + pb + pa:
            bad.append({"axis": ax, "n": n, "pb": pb, "pa": pa, "k": k, "d": d, "span": span, "padded": n + pb + pa})
    return bad


def _joined(bad: list[dict[str, int]], key: str) -> str:
    """One number per misfitting axis, ``×``-joined when both axes of a 2-D input misfit."""
    return _times([b[key] for b in bad])


def _limit(name: str, b: dict[str, int]) -> int:
    """The largest kernel / dilation, or the smallest input / total padding, that fits this axis."""
    if name == "kernel_size":
        return (b["padded"] - 1) // b["d"] + 1
    if name == "dilation_rate":
        return (b["padded"] - 1) // (b["k"] - 1) if b["k"] > 1 else b["d"]
    if name == "input_size":
        return max(1, b["span"] - b["pb"] - b["pa"])
    return b["span"] - b["n"]


def _fit_sentence(name: str, p: _Proposal, bad: list[dict[str, int]]) -> str:
    names = axis_names(p.rank)
    where = "; ".join(
        f"{names[b['axis']]}: input {b['n']} + padding {b['pb']} + {b['pa']}"
        if b["pb"] + b["pa"]
        else f"{names[b['axis']]}, no padding"
        for b in bad
    )
    if len(bad) > 1 and not any(b["pb"] + b["pa"] for b in bad):
        where = "no padding"
    limit = _times([_limit(name, b) for b in bad])
    padded, k, span = _joined(bad, "padded"), _joined(bad, "k"), _joined(bad, "span")
    dilated = any(b["d"] > 1 for b in bad)
    kernel = f"kernel span {span}" if dilated else f"kernel {k}"
    if name == "kernel_size":
        spread = f" at dilation {_joined(bad, 'd')} spans (k − 1)·d + 1 = {span} cells, which" if dilated else ""
        return (
            f"kernel {k}{spread} is larger than the padded input {padded} ({where}); the largest kernel here is {limit}"
        )
    if name == "dilation_rate":
        return (
            f"dilation {_joined(bad, 'd')} spreads the kernel {k} over (k − 1)·d + 1 = {span} cells, more than "
            f"the padded input {padded} ({where}); the largest dilation here is {limit}"
        )
    if name == "input_size":
        return (
            f"input {_joined(bad, 'n')} is too small for the {kernel}: the padded input is {padded} ({where}); "
            f"the smallest input here is {limit}"
        )
    return (
        f"this padding leaves a padded input of {padded} ({where}), smaller than the {kernel}; "
        f'it needs at least {limit} padding cells in total (before + after), or padding "same"'
    )


def refusal(params: TraversalParams, changes: dict[str, Any], err: Exception) -> str:
    """Why ``changes`` cannot be applied to the valid ``params``, with the numbers and the limit.

    >>> p = TraversalParams.create((7, 7), 3)
    >>> try:
    ...     p.replace(kernel_size=(30, 3))
    ... except ValueError as err:
    ...     print(refusal(p, {"kernel_size": (30, 3)}, err))
    kernel 30 is larger than the padded input 7 (height, no padding); the largest kernel here is 7. \
Kept kernel 3×3. Received: kernel_size=(30, 3)
    """
    named = [n for n in ("kernel_size", "dilation_rate", "input_size", "padding") if n in changes]
    proposed = _proposed(params, changes) if named else None
    bad = _misfits(proposed) if proposed is not None else []
    if not bad or proposed is None:
        return str(err)
    name = named[0]
    received = ", ".join(f"{n}={short_repr(v)}" for n, v in changes.items() if n in LABELS)
    kept = getattr(params, name)
    kept_text = _times(kept) if name != "padding" else repr(kept)
    return f"{_fit_sentence(name, proposed, bad)}. Kept {LABELS[name]} {kept_text}. Received: {received}"


def disabled_reasons(params: TraversalParams) -> dict[str, str]:
    """Control name -> why it is switched off for ``params`` (only the controls that are)."""
    reasons: dict[str, str] = {}
    if params.is_pool:
        reasons["dilation_rate"] = (
            "dilation is off: pooling windows are not dilated (Keras' pooling layers have no dilation_rate)"
        )
    elif max(params.strides) > 1:
        reasons["dilation_rate"] = (
            f"dilation is off while strides are {_times(params.strides)}: Keras refuses "
            "strides > 1 together with dilation > 1 in one layer. Set strides to 1 to "
            "dilate the kernel"
        )
    if max(params.dilation_rate) > 1:
        reasons["strides"] = (
            f"strides are off while dilation is {_times(params.dilation_rate)}: Keras refuses "
            "strides > 1 together with dilation > 1 in one layer. Set dilation to 1 to stride"
        )
    if params.is_pool:
        reasons["filters"] = (
            "filters are off: pooling has no filters, it works on each channel alone, so the "
            "output depth is the input depth"
        )
    elif params.kind == "depthwise":
        reasons["filters"] = (
            f"filters are off: a depthwise convolution has no filters, its output depth is "
            f"channels × depth_multiplier = {params.output_depth}"
        )
    cells = 1
    for n in params.input_size:
        cells *= n
    if cells > MAX_NUMBERS_CELLS:
        reasons["numbers"] = (
            f"numbers are off: values are shown for inputs up to {MAX_NUMBERS_CELLS:,} cells "
            f"(256×256), and this input has {cells:,}"
        )
    elif params.groups > 1:
        reasons["numbers"] = f"numbers are off: they are drawn for ungrouped layers only (groups={params.groups})"
    return reasons


def implied_changes(before: TraversalParams, after: TraversalParams, asked: dict[str, Any]) -> str:
    """A note naming the settings that changed although the learner did not set them ('' when none did)."""
    notes = []
    for name in ("strides", "dilation_rate", "padding"):
        old, new = getattr(before, name), getattr(after, name)
        if name in asked or old == new:
            continue
        if name == "strides" and after.is_pool:
            notes.append(f"strides set to the pool size {_times(new)} (Keras' default for pooling)")
        elif name == "strides":
            notes.append(f"strides set to {_times(new)} (Keras' default for a convolution)")
        elif name == "dilation_rate":
            notes.append(f"dilation set to {_times(new)}: pooling windows are not dilated")
        else:
            notes.append(f'padding set to "{new}": pooling pads only "valid" or "same"')
    return "; ".join(notes)
