"""Constructor mistakes: zero or negative sizes, unknown padding names ("full", "causal" outside 1-D, typos), tuples
of the wrong length, ``output_padding`` not smaller than the stride, strides with dilation.

Where ``convkit.layers`` refuses the same configuration, the explanation's title is convkit's own message (the
convkit layer is built with the learner's arguments and its ``ValueError`` caught), so the mistake reads the same in
a "your turn" cell and under ``convkit.explained()``.
"""

from __future__ import annotations

import re
from typing import Any

from ..core.explain import AxisEntry, Explanation
from .error_rules_common import Unreadable, Where, _explanation, _ints

__all__ = ["ARGUMENT_RULES", "keras_call"]

#: the arguments a fix shows, in Keras' positional order
_SHOWN = (
    "units",
    "filters",
    "kernel_size",
    "pool_size",
    "size",
    "cropping",
    "padding",
    "strides",
    "dilation_rate",
    "output_padding",
    "groups",
    "depth_multiplier",
)
_DEFAULTS = {"strides": (1, None), "dilation_rate": (1,), "output_padding": (None,), "groups": (1,)}
_ENTRY = {1: "first", 2: "second", 3: "third"}


def keras_call(cls: str, args: dict[str, Any]) -> str:
    """The Keras call a learner can paste, with the arguments that matter (defaults left out).

    >>> keras_call("Conv2D", {"filters": 8, "kernel_size": (3, 3), "strides": 1, "dilation_rate": 2})
    'keras.layers.Conv2D(8, 3, dilation_rate=2)'
    """
    parts: list[str] = []
    for key in _SHOWN:
        if key not in args:
            continue
        value = args[key]
        if isinstance(value, list):
            value = tuple(value)
        if isinstance(value, tuple) and len(set(value)) == 1 and key not in ("cropping", "padding"):
            value = value[0]
        if value in _DEFAULTS.get(key, ()) or (key == "padding" and value == "valid"):
            continue
        positional = key in ("units", "filters", "kernel_size") or (
            key in ("pool_size", "size", "cropping") and not parts
        )
        parts.append(repr(value) if positional else f"{key}={value!r}")
    return f"keras.layers.{cls}({', '.join(parts)})"


def _call_of(where: Where, default_cls: str, default_args: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The failing constructor's class and arguments: from the traceback when there is one, else a likely layer."""
    if where.init is not None:
        cls, args = where.init
        return cls, {k: v for k, v in args.items() if k in _SHOWN}
    return default_cls, default_args


def _convkit_message(cls: str, args: dict[str, Any]) -> str:
    """convkit's own refusal of ``cls(**args)`` (``""`` when convkit has no such layer or accepts it)."""
    from .. import layers as convkit_layers

    spec = getattr(convkit_layers, cls, None)
    if spec is None:
        return ""
    try:
        spec(**args)
    except (ValueError, TypeError) as err:
        return str(err)
    return ""


def _explain_call(
    cls: str, args: dict[str, Any], fallback: str, entry: AxisEntry, rule: str, fixes: list[str]
) -> Explanation:
    title = _convkit_message(cls, args) or fallback
    return _explanation(title, [entry], [f"{keras_call(cls, args)}: {rule}"], fixes)


def _rank_of(args: dict[str, Any], default: int = 2) -> int:
    for key in ("kernel_size", "strides", "pool_size", "size", "dilation_rate"):
        value = args.get(key)
        if isinstance(value, (tuple, list)) and 1 <= len(value) <= 3:
            return len(value)
    return default


def _rank_digit(cls: str, default: int = 2) -> int:
    found = re.search(r"([123])D", cls)
    return int(found.group(1)) if found else default


def _strides_with_dilation(msg: str, model: Any, input_shape: Any, where: Where) -> Explanation | None:
    m = re.search(
        r"`strides > 1` not supported in conjunction with `dilation_rate > 1`\. Received: strides=(\([^)]*\)|\d+) "
        r"and dilation_rate=(\([^)]*\)|\d+)",
        msg,
    )
    if not m:
        return None
    strides, dilation = _ints(m.group(1)), _ints(m.group(2))
    if not strides or not dilation:
        raise Unreadable(m.group(0)[:80])
    rank = len(strides)
    cls, args = _call_of(where, f"Conv{rank}D", {"filters": 32, "kernel_size": 3, "strides": strides})
    args = {**args, "strides": strides, "dilation_rate": dilation}
    s = max(strides)
    dilated = {**args, "strides": 1}
    strided = {k: v for k, v in args.items() if k not in ("dilation_rate", "kernel_size")}
    fixes = [
        f"two layers, a dilated one then a strided one: {keras_call(cls, dilated)}, then "
        f"keras.layers.MaxPooling{_rank_digit(cls, rank)}D({s}) (or {keras_call(cls, {**strided, 'kernel_size': 1})}).",
        f"or keep only one of them: {keras_call(cls, {**args, 'dilation_rate': 1})}.",
    ]
    return _explain_call(
        cls,
        args,
        f"strides={strides} together with dilation_rate={dilation}: Keras and TensorFlow refuse it",
        AxisEntry("strides, dilation", f"strides {max(strides)} > 1 and dilation {max(dilation)} > 1", None),
        "TensorFlow's convolutions take either a stride or a dilation larger than 1, never both in one layer.",
        fixes,
    )


def _padding_name(msg: str, model: Any, input_shape: Any, where: Where) -> Explanation | None:
    m = re.search(r"The `padding` argument must be a list/tuple or one of \{([^}]*)\}\. Received: (\S+)", msg)
    if not m:
        return None
    allowed = re.findall(r"'(\w+)'", m.group(1))
    name = m.group(2).strip("'\".")[:40]
    cls, args = _call_of(where, "Conv1D" if "causal" in allowed else "Conv2D", {"filters": 32, "kernel_size": 3})
    args = {**args, "padding": name}
    rank = _rank_digit(cls)
    kernel = args.get("kernel_size", 3)
    ks = kernel if isinstance(kernel, (tuple, list)) else (kernel,) * rank
    dilation = args.get("dilation_rate", 1)
    ds = dilation if isinstance(dilation, (tuple, list)) else (dilation,) * rank
    k_eff = [(int(k) - 1) * int(d) + 1 for k, d in zip(ks, ds)]
    valid = {**args, "padding": "valid"}
    pads = k_eff[0] - 1 if len(set(k_eff)) == 1 else tuple(k - 1 for k in k_eff)
    if name == "causal":
        before = tuple((k - 1, 0) if i == 0 else (0, 0) for i, k in enumerate(k_eff))
        rule = 'padding="causal" (pad k_eff - 1 before, nothing after) exists only for Conv1D in Keras 3.'
        fixes = [
            f"pad before the first axis yourself: keras.layers.ZeroPadding{rank}D({before!r}), then "
            f"{keras_call(cls, valid)}."
            if rank > 1
            else f"{keras_call(cls, {**args, 'padding': 'causal'})}.",
        ]
    elif name == "full":
        rule = 'TensorFlow has no "full" padding (k - 1 zeros on each side, every partial overlap counted).'
        fixes = [
            f"pad k_eff - 1 = {pads} on each side, then convolve without padding: "
            f"keras.layers.ZeroPadding{rank}D({pads!r}), then {keras_call(cls, valid)}."
        ]
    else:
        near = "same" if name.lower().startswith("s") else "valid"
        rule = f"padding is one of {', '.join(repr(a) for a in allowed)}; case does not matter, spelling does."
        fixes = [f"{keras_call(cls, {**args, 'padding': near})}."]
    return _explain_call(
        cls,
        args,
        f"{cls}: padding={name!r} is not a padding Keras knows",
        AxisEntry("padding", f"{name!r} is not one of {', '.join(map(repr, allowed))}", None),
        rule,
        fixes,
    )


def _output_padding(msg: str, model: Any, input_shape: Any, where: Where) -> Explanation | None:
    m = re.search(
        r"`output_padding` must be strictly less than `strides` for all dimensions\. At dimension (\d+), "
        r"`output_padding` is (\d+) but `strides` is (\d+)\. Received: output_padding=(\([^)]*\)|\d+), strides=(\([^)]*\)|\d+)",
        msg,
    )
    if not m:
        return None
    pad, stride = _ints(m.group(4)), _ints(m.group(5))
    if not pad or len(pad) != len(stride) or min(stride) < 1:
        raise Unreadable(m.group(0)[:80])
    rank = len(stride)
    cls, args = _call_of(where, f"Conv{rank}DTranspose", {"filters": 32, "kernel_size": 3})
    args = {**args, "strides": stride, "output_padding": pad}
    fixed = tuple(min(p, s - 1) for p, s in zip(pad, stride))
    fixes = [
        f"output_padding at most strides - 1: {keras_call(cls, {**args, 'output_padding': fixed})}, "
        f"or output_padding=None to let Keras choose: {keras_call(cls, {**args, 'output_padding': None})}."
    ]
    return _explain_call(
        cls,
        args,
        f"output_padding={pad} is not smaller than strides={stride}",
        AxisEntry(f"axis {m.group(1)}", f"output_padding {m.group(2)} ≥ stride {m.group(3)}", None),
        "a stride-s convolution maps s input sizes to one output size; output_padding (0 to s - 1) picks one of them.",
        fixes,
    )


_TUPLE = re.compile(
    r"The `([\w ]+)` argument must be a tuple of (\d+) integers\. Received ([\w ]+)=(\(?[^\n]*?\)?)"
    r"(?:, including values \{([^}]*)\} that do not satisfy `value > 0`)?$",
    re.M,
)
_LIKELY = {"kernel_size": "Conv{}D", "strides": "Conv{}D", "dilation_rate": "Conv{}D", "pool_size": "MaxPooling{}D"}


def _tuple_argument(msg: str, model: Any, input_shape: Any, where: Where) -> Explanation | None:
    m = _TUPLE.search(msg)
    if not m:
        return None
    key, rank, text, bad = m.group(1), _ints(m.group(2)), m.group(4), m.group(5)
    if len(rank) != 1 or not 1 <= rank[0] <= 3:
        raise Unreadable(m.group(0)[:80])
    n = rank[0]
    entry = re.match(r"(\d)\w* entry of (\w+)", key)
    if entry:  # ZeroPadding2D(((1, 2, 3), (1, 1))): one entry is not a (before, after) pair
        return _padding_entry(int(entry.group(1)), entry.group(2), text, where)
    values = re.findall(r"-?\d+", text)
    if len(values) > 8:
        raise Unreadable(text[:40])
    numbers = tuple(int(v) for v in values)
    default_cls = _LIKELY.get(key, "UpSampling{}D" if key == "size" else "Conv{}D").format(n)
    base = {"filters": 32, "kernel_size": 3} if default_cls.startswith("Conv") else {}
    cls, args = _call_of(where, default_cls, base)
    value: Any = numbers[0] if len(numbers) == 1 and "(" not in text else numbers
    args = {**args, key: value}
    if bad is not None or any(v < 1 for v in numbers):
        good = tuple(max(abs(v), 1) for v in numbers) if numbers else (1,)
        fixed = good[0] if len(good) == 1 else good
        rule = f"{key} counts cells: every entry must be a whole number ≥ 1."
        fallback = f"{key}={text} is not a positive size"
    else:
        fixed = numbers[:n] if len(numbers) > n else (numbers + numbers[-1:] * n)[:n]
        rule = f"{cls} has {n} spatial {'axis' if n == 1 else 'axes'}: {key} is one int or a tuple of {n}."
        fallback = f"{key}={text} has {len(numbers)} entries but {cls} needs {n}"
    fixes = [f"{keras_call(cls, {**args, key: fixed})}."]
    return _explain_call(
        cls, args, fallback, AxisEntry(key, f"{text}: expected {n} positive whole numbers", None), rule, fixes
    )


def _padding_entry(index: int, key: str, text: str, where: Where) -> Explanation:
    cls, args = _call_of(where, "ZeroPadding2D", {})
    rank = _rank_digit(cls)
    form = "((top, bottom), (left, right))" if rank == 2 else "((before, after),) * 3"
    numbers = _ints(text)
    pair = (numbers[0], numbers[-1]) if numbers else (1, 1)
    title = _convkit_message(cls, {**args}) if args else ""
    title = title or f"{cls}: entry {index - 1} of `{key}` is {text}, not a (before, after) pair"
    example = tuple(pair if i == index - 1 else (1, 1) for i in range(rank))
    return _explanation(
        title,
        [AxisEntry(key, f"entry {index - 1}: {text}", None)],
        [f"{cls} takes an int, a tuple of {rank} ints, or {form}: one (before, after) pair per spatial axis."],
        [f"keras.layers.{cls}({example!r})."],
    )


def _cropping_length(msg: str, model: Any, input_shape: Any, where: Where) -> Explanation | None:
    m = re.search(r"`cropping` should have (\w+) elements\. Received: cropping=(.*?)\.?$", msg, re.M)
    if not m:
        return None
    words = {"one": 1, "two": 2, "three": 3}
    rank = words.get(m.group(1))
    if rank is None:
        raise Unreadable(m.group(1))
    numbers = _ints(m.group(2))
    cls, args = _call_of(where, f"Cropping{rank}D", {})
    args = {**args, "cropping": tuple(numbers)}
    form = {1: "(before, after)", 2: "((top, bottom), (left, right))", 3: "((d1, d2), (h1, h2), (w1, w2))"}[rank]
    example = tuple((v, v) for v in (numbers + (0,) * rank)[:rank])
    return _explain_call(
        cls,
        args,
        f"cropping={m.group(2)} has {len(numbers)} entries but {cls} needs {rank}",
        AxisEntry("cropping", f"{len(numbers)} entries, expected {rank}", None),
        f"cropping is an int, {rank} ints (one per axis), or {form}.",
        [f"keras.layers.{cls}({example!r})."],
    )


def _positive_filters(msg: str, model: Any, input_shape: Any, where: Where) -> Explanation | None:
    m = re.search(
        r"Invalid value for argument `(\w+)`\. Expected a strictly positive value\. Received \w+=(-?\d+)", msg
    ) or re.search(r"Received an invalid value for `(\w+)`, expected a positive integer\. Received: \w+=(-?\d+)", msg)
    if not m:
        return None
    key, value = m.group(1), _ints(m.group(2).lstrip("-"))
    cls, args = _call_of(where, "Conv2D" if key == "filters" else "Dense", {})
    args = {**args, key: int(m.group(2))}
    fixed = {**args, key: (value[0] or 32) if value else 32}
    if key == "filters" and "kernel_size" not in fixed:
        fixed["kernel_size"] = 3
    return _explain_call(
        cls,
        args,
        f"{key}={m.group(2)}: a layer needs at least one {key[:-1] if key.endswith('s') else key}",
        AxisEntry(key, f"{m.group(2)} ≤ 0", None),
        f"{key} is how many output channels (or units) the layer makes: a whole number ≥ 1.",
        [f"{keras_call(cls, fixed)}."],
    )


ARGUMENT_RULES = (
    _strides_with_dilation,
    _padding_name,
    _output_padding,
    _tuple_argument,
    _cropping_length,
    _positive_filters,
)
