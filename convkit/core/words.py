"""The words of convkit that the core itself needs: counts, short reprs, shapes, window labels, shared refusals.

The core raises errors and prints its own results (``str(summary)``), so these few texts live here, below
everything else; :mod:`convkit.render.words` re-exports them beside the presentation vocabulary, so there is
exactly one text per idea.

>>> count(1, "channel"), count(3, "channel"), count(1, "filter", "1×1 "), count(None, "channel")
('1 channel', '3 channels', '1 1×1 filter', 'None channels')
>>> format_shape((None, 13, 13, 32)), format_dims((13, 13, 32)), format_volume((None, 13, 13, 32))
('(None, 13, 13, 32)', '13×13×32', '13×13×32')
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

__all__ = [
    "count",
    "noun",
    "short_repr",
    "format_shape",
    "format_dims",
    "format_volume",
    "window_label",
    "WINDOW_NOTE",
    "strides_dilation_refusal",
    "check_strides_dilation",
    "summary_title",
    "column_notes",
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
]

#: The summary's footnote for the Window column, and the HTML header's tooltip.
WINDOW_NOTE = (
    "Window: kernel size, /stride (↑stride: a transposed convolution up-samples), padding, dilation; "
    "a stride or dilation of 1 is left out."
)


def noun(n: object, word: str) -> str:
    """``word`` in the plural unless ``n`` is exactly 1."""
    return word if n == 1 and not isinstance(n, bool) else word + "s"


def count(n: object, word: str, adjective: str = "") -> str:
    """``"1 channel"``, ``"32 channels"``: a number and its noun, agreeing."""
    return f"{n} {adjective}{noun(n, word)}"


def short_repr(value: object, limit: int = 60) -> str:
    """``repr(value)``, cut to about ``limit`` characters with "…" (messages never echo a huge value in full).

    >>> short_repr(10**100)
    '100000000000000000000000000…00000000000000000000000000 (101 digits)'
    >>> short_repr((3, 3))
    '(3, 3)'
    """
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**limit:
        if value.bit_length() > 10_000:  # str() of such an int is refused by Python itself (or slow)
            sign = "-" if value < 0 else ""
            return f"{sign}a whole number of about {int(value.bit_length() * 0.30103):,} digits"
        text = str(value)
        digits = len(text.lstrip("-"))
        return f"{text[: limit // 2 - 3]}…{text[-(limit // 2 - 4) :]} ({digits} digits)"
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a broken __repr__ must not hide the learner's real mistake
        text = f"<{type(value).__name__} object>"
    if len(text) <= limit:
        return text
    return f"{text[: limit - 12]}…{text[-8:]} ({len(text):,} characters)"


# -- shapes --------------------------------------------------------------------------------------------


def _dims(value: Any) -> tuple[Any, ...]:
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(value)
    try:
        return tuple(value)
    except TypeError:
        return (value,)


def format_shape(shape: Sequence[Any] | None, missing: str = "—") -> str:
    """A full shape as Python writes the tuple: ``(None, 13, 13, 32)``, ``(5,)``, ``()``; ``None`` → ``missing``.

    Numpy integers print as plain numbers, so a shape read from an array looks like one typed by hand.

    >>> format_shape((None, 13, 13, 32)), format_shape([5]), format_shape(None)
    ('(None, 13, 13, 32)', '(5,)', '—')
    """
    if shape is None:
        return missing
    dims = _dims(shape)
    text = ", ".join("None" if d is None else str(int(d)) if _is_int(d) else str(d) for d in dims)
    return f"({text},)" if len(dims) == 1 else f"({text})"


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def format_dims(dims: Any, unknown: str = "?") -> str:
    """Sizes joined by ``×``: ``(13, 13, 32)`` → ``13×13×32``, ``3`` → ``3``; an unknown (``None``) size → ``?``.

    >>> format_dims((3, 3)), format_dims(5), format_dims((None, 8))
    ('3×3', '5', '?×8')
    """
    return "×".join(unknown if d is None else str(int(d)) if _is_int(d) else str(d) for d in _dims(dims))


def format_volume(shape: Sequence[Any] | None, data_format: str | None = "channels_last") -> str:
    """A tensor's size without the batch, spatial sizes first and channels last: ``(None, 13, 13, 32)`` →
    ``13×13×32`` (channels-first shapes are read as such); a ``(batch, features)`` vector → ``features``.

    >>> format_volume((2, 16, 8, 8), "channels_first"), format_volume((4, 10)), format_volume(None)
    ('8×8×16', '10', '—')
    """
    if shape is None:
        return "—"
    dims = _dims(shape)
    if len(dims) <= 2:
        return format_dims(dims[1:])
    if data_format == "channels_first":
        return format_dims((*dims[2:], dims[1]))
    return format_dims(dims[1:])


# -- the window of a sliding layer ----------------------------------------------------------------------

_SLIDING = ("conv", "depthwise", "separable", "pool", "transpose")


def _per_axis(values: tuple[Any, ...]) -> str:
    """``(2, 2)`` → ``2`` (the same on every axis), ``(2, 1)`` → ``2×1``."""
    return str(values[0]) if len(set(values)) == 1 else format_dims(values)


def window_label(layer: Any) -> str:
    """The window of a sliding layer in the one wording every view uses (summary, diagram, editor, widget).

    Kernel (or pool) size, then ``/stride`` when a stride is not 1 (``↑stride`` for a transposed convolution:
    its stride up-samples), the padding, and ``, dilation d`` when a dilation is not 1. Global pooling reads
    ``global``; any other layer ``""``.

    >>> from convkit.core.layers import Conv1D, Conv2D, Conv2DTranspose, MaxPooling2D
    >>> window_label(Conv2D(8, 3, strides=2)), window_label(Conv2D(8, 3, dilation_rate=2, padding="same"))
    ('3×3 /2 valid', '3×3 same, dilation 2')
    >>> window_label(Conv2DTranspose(8, 3, strides=2)), window_label(MaxPooling2D(2))
    ('3×3 ↑2 valid', '2×2 /2 valid')
    >>> window_label(Conv2D(8, (3, 1), strides=(2, 1))), window_label(Conv1D(4, 5, padding="causal"))
    ('3×1 /2×1 valid', '5 causal')
    """
    kind = getattr(layer, "window", None)
    if kind == "global_pool":
        return "global"
    if kind not in _SLIDING:
        return ""
    kernel = _dims(getattr(layer, "kernel_size", None) or getattr(layer, "pool_size", None))
    if not kernel:
        return ""
    rank = len(kernel)

    def axes(value: Any, default: tuple[Any, ...]) -> tuple[Any, ...]:
        dims = _dims(value)
        return default if not dims else dims * rank if len(dims) == 1 else dims

    strides = axes(getattr(layer, "strides", None), kernel if kind == "pool" else (1,) * rank)
    dilation = axes(getattr(layer, "dilation_rate", None), (1,) * rank)
    parts = [format_dims(kernel)]
    if any(s != 1 for s in strides):
        parts.append(("↑" if kind == "transpose" else "/") + _per_axis(strides))
    parts.append(str(getattr(layer, "padding", "valid")))
    text = " ".join(parts)
    if any(d != 1 for d in dilation):
        text += ", dilation " + _per_axis(dilation)
    return text


# -- refusals shared by several parts of the core ------------------------------------------------------


def strides_dilation_refusal(strides: Any, dilation_rate: Any, layer: str = "") -> str:
    """The one sentence refusing ``strides > 1`` together with ``dilation_rate > 1`` (Keras and TensorFlow
    refuse it), with the fix and the ``Received:`` values.

    >>> print(strides_dilation_refusal((2, 2), (2, 2), "Conv2D"))  # doctest: +NORMALIZE_WHITESPACE
    `strides > 1` cannot be combined with `dilation_rate > 1` in one Conv2D layer: Keras and TensorFlow refuse
    it. Use strides=1 with a dilated kernel, or dilation_rate=1 with strides, or two layers (a dilated one, then
    a strided one). Received: strides=(2, 2), dilation_rate=(2, 2)
    """
    where = f"one {layer} layer" if layer else "one layer"
    return (
        f"`strides > 1` cannot be combined with `dilation_rate > 1` in {where}: Keras and TensorFlow refuse it. "
        "Use strides=1 with a dilated kernel, or dilation_rate=1 with strides, or two layers (a dilated one, "
        f"then a strided one). Received: strides={short_repr(strides)}, dilation_rate={short_repr(dilation_rate)}"
    )


def check_strides_dilation(
    strides: Sequence[int], dilation_rate: Sequence[int], layer: str = "", received: tuple[Any, Any] | None = None
) -> None:
    """Refuse ``strides > 1`` together with ``dilation_rate > 1`` (per-axis tuples), as Keras and TensorFlow do.

    ``received`` is ``(strides, dilation_rate)`` as the learner typed them, for the ``Received:`` part (default:
    the per-axis tuples).

    The one check behind the layer specs, :func:`~convkit.core.traversal.traverse` and
    :func:`~convkit.core.traversal_transpose.traverse_transpose`; it lives here, at the bottom of the core, so
    each of them can call it.

    >>> check_strides_dilation((2, 2), (1, 1))
    >>> try:
    ...     check_strides_dilation((2, 1), (1, 2), "Conv2D")
    ... except ValueError as err:
    ...     print(str(err)[:78], "…", str(err)[-20:])
    `strides > 1` cannot be combined with `dilation_rate > 1` in one Conv2D layer: … dilation_rate=(1, 2)
    """
    if max(strides, default=1) > 1 and max(dilation_rate, default=1) > 1:
        shown = (tuple(strides), tuple(dilation_rate)) if received is None else received
        raise ValueError(strides_dilation_refusal(shown[0], shown[1], layer))


def summary_title(name: str) -> str:
    """The summary's first line, as Keras' ``model.summary()`` writes it.

    >>> summary_title("vgg_like")
    'Model: "vgg_like"'
    """
    return f'Model: "{name}"'


def column_notes(unit: str = "pixel") -> dict[str, str]:
    """What the Window, RF and Jump columns of the summary mean, in a learner's words (the table's footnote, the
    HTML headers' titles).

    ``unit`` names a cell of the input: ``"pixel"`` for images, ``"position"`` for sequences.

    >>> column_notes()["RF"]
    'RF (receptive field): how many input pixels, along each axis, one output value of this layer sees.'
    """
    return {
        "Window": WINDOW_NOTE,
        "RF": f"RF (receptive field): how many input {unit}s, along each axis, one output value of this layer sees.",
        "Jump": (
            f"Jump: how far apart, in input {unit}s, the fields of two neighbouring output values are "
            "(all the strides so far, multiplied together)."
        ),
        "fraction": (
            f"A jump below 1, like 1/2, comes from a transposed convolution or up-sampling: two "
            f"neighbouring outputs are then half an input {unit} apart."
        ),
    }


# -- fixes shared by the merge checks (core/merge.py) and the error explainer (adapters/error_rules.py) -------


def sentence(text: str) -> str:
    """``text`` with its first letter in capitals, to start a sentence (the fixes below start in lower case, to
    follow ``"Fix: "``)."""
    return text[:1].upper() + text[1:]


def channel_depths_fix(want: Any, got: Any, spatial_rank: int) -> str:
    """The fix when two branches merge element-wise with equal sizes but ``want`` vs ``got`` channels.

    ``spatial_rank`` (2 for images) chooses the 1×1 convolution to name; 0 (vectors) names a Dense layer.

    >>> print(channel_depths_fix(32, 64, 2))  # doctest: +NORMALIZE_WHITESPACE
    the channel depths differ (32 vs 64): give the 64-channel branch a 1×1 convolution with 32 filters
    (keras.layers.Conv2D(32, 1)), or use Concatenate to stack the channels instead.
    >>> print(channel_depths_fix(10, 4, 0))  # doctest: +NORMALIZE_WHITESPACE
    the feature counts differ (10 vs 4): give the 4-feature branch a Dense layer with 10 units
    (keras.layers.Dense(10)), or use Concatenate to put the features side by side instead.
    """
    if spatial_rank <= 0:
        return (
            f"the feature counts differ ({want} vs {got}): give the {got}-feature branch a Dense layer with "
            f"{count(want, 'unit')} (keras.layers.Dense({want})), or use Concatenate to put the features side "
            "by side instead."
        )
    return (
        f"the channel depths differ ({want} vs {got}): give the {got}-channel branch a "
        f"{format_dims((1,) * spatial_rank)} convolution with {count(want, 'filter')} "
        f"(keras.layers.Conv{spatial_rank}D({want}, 1)), or use Concatenate to stack the channels instead."
    )


def spatial_sizes_fix() -> str:
    """The fix when two branches merge element-wise with different spatial sizes.

    >>> print(spatial_sizes_fix())  # doctest: +NORMALIZE_WHITESPACE
    the spatial sizes differ: use padding="same" in the branch's convolutions, or give the shortcut the same
    total stride (e.g. a 1×1 convolution with strides=2).
    """
    return (
        'the spatial sizes differ: use padding="same" in the branch\'s convolutions, or give the shortcut the '
        "same total stride (e.g. a 1×1 convolution with strides=2)."
    )


def concatenate_sizes_fix(spatial_rank: int = 2) -> str:
    """The fix when Concatenate's inputs differ along an axis other than its own.

    >>> concatenate_sizes_fix(1)
    'use padding="same" so the branches keep the same spatial size, or crop the larger branch \
(keras.layers.Cropping1D) or pad the smaller one (keras.layers.ZeroPadding1D) first.'
    """
    n = min(max(spatial_rank, 1), 3)
    return (
        'use padding="same" so the branches keep the same spatial size, or crop the larger branch '
        f"(keras.layers.Cropping{n}D) or pad the smaller one (keras.layers.ZeroPadding{n}D) first."
    )


def receptive_field_sentence(
    output_index: Sequence[int],
    layer_name: str,
    *,
    pixels: int,
    extent: Sequence[int],
    field: Sequence[Any] | None,
    padding_reads: int,
    mixing: Sequence[str] = (),
) -> str:
    """What one output cell sees: the sentence of ``str(ReceptiveField)``, the receptive-field view and export.

    ``pixels`` input cells are seen, spanning ``extent`` (their bounding box); ``field`` is the trace's receptive
    field (padding and cells beyond the border included); ``mixing`` names layers that mix every cell.

    >>> receptive_field_sentence((3, 4), "conv2d_1", pixels=121, extent=(11, 11), field=(11, 11), padding_reads=21)
    'output (3, 4) of conv2d_1 sees 11×11 input pixels; 21 of its reads are padding'
    >>> receptive_field_sentence((0,), "conv1d", pixels=3, extent=(5,), field=(5,), padding_reads=1)
    'output (0,) of conv1d sees 3 input pixels within a span of 5; 1 of its reads is padding'
    >>> receptive_field_sentence((), "dense", pixels=784, extent=(28, 28), field=None, padding_reads=0,
    ...                          mixing=("flatten",))
    'the output of dense sees all 784 input pixels: flatten mixes every cell; none of its reads are padding'
    """
    index = tuple(int(i) for i in output_index)
    where = f"output {index} of {layer_name}" if index else f"the output of {layer_name}"
    if mixing:
        layers = " and ".join(mixing) if len(mixing) <= 2 else f"{', '.join(mixing[:-1])} and {mixing[-1]}"
        seen = f"sees all {pixels} input {noun(pixels, 'pixel')}: {layers} {'mixes' if len(mixing) == 1 else 'mix'} every cell"
    elif pixels == 0:
        seen = "sees no input pixel (it reads padding only)"
    else:
        box = 1
        for n in extent:
            box *= int(n)
        seen = f"sees {format_dims(tuple(extent))} input {noun(box, 'pixel')}"
        if pixels < box:
            span = "a span of " if len(extent) == 1 else ""
            seen = f"sees {count(pixels, 'input pixel')} within {span}{format_dims(tuple(extent))}"
        if field is not None and all(_is_int(f) for f in field) and tuple(int(f) for f in field) != tuple(extent):
            seen += f" (its field is {format_dims(tuple(field))}; the rest lies outside the input)"
    if padding_reads == 0:
        pad = "none of its reads are padding"
    elif padding_reads == 1:
        pad = "1 of its reads is padding"
    else:
        pad = f"{padding_reads} of its reads are padding"
    return f"{where} {seen}; {pad}"


# ------------------------------------------------------------------------------------------------ numbers
#: A multiply-sum longer than this many terms shows the first ones, "…" and the last two.
MAX_TERMS = 12
#: A depth sum longer than this many channels shows the first ones, "…" and the last two.
MAX_CHANNEL_TERMS = 8


def fmt(value: float, integral: bool) -> str:
    """One value as the pictures and sentences write it: a whole number as such when every value is whole,
    else 3 significant digits.

    >>> fmt(7.0, True), fmt(0.123456, False), fmt(1234.5, False)
    ('7', '0.123', '1.23e+03')
    """
    if integral and float(value).is_integer():
        return str(int(value))
    return f"{value:.3g}"


def integral(*arrays: Any) -> bool:
    """Whether every value of every array (``None`` skipped) is a whole number.

    >>> integral([1.0, 2.0], None), integral([0.5])
    (True, False)
    """
    import numpy as np

    return all(bool(np.all(np.mod(np.asarray(a, dtype=np.float64), 1) == 0)) for a in arrays if a is not None)


def number_texts(values: Any, whole: bool) -> list[str]:
    """:func:`fmt` of every value, flattened in C-order.

    >>> number_texts([[1.0, -2.0]], True)
    ['1', '-2']
    """
    import numpy as np

    return [fmt(v, whole) for v in np.asarray(values, dtype=np.float64).reshape(-1).tolist()]


def wrap(text: str) -> str:
    """A negative factor in brackets: ``2·(-1)``.

    >>> wrap("-1"), wrap("2")
    ('(-1)', '2')
    """
    return f"({text})" if text.startswith("-") else text


def elide(terms: Sequence[str], sep: str, max_terms: int = MAX_TERMS) -> str:
    """``terms`` joined by ``sep``; a long list keeps its first ``max_terms - 2`` and last 2, with a count.

    >>> elide([str(i) for i in range(5)], " + ", 4)
    '0 + 1 + … + 3 + 4 (5 terms)'
    """
    if len(terms) <= max_terms:
        return sep.join(terms)
    head = sep.join(terms[: max_terms - 2])
    return f"{head}{sep}…{sep}{sep.join(terms[-2:])} ({len(terms)} terms)"


def _channel_span(channels: Sequence[int]) -> str:
    return f"channel {channels[0]}" if len(channels) == 1 else f"channels {channels[0]}–{channels[-1]}"


def arithmetic_sentence(
    index: Sequence[int],
    plane: int,
    *,
    kind: str,
    operation: str = "conv",
    channels: Sequence[int],
    groups: int = 1,
    depth_multiplier: int = 1,
    partials: Sequence[float] | None = None,
    bias: float | None = None,
    whole: bool = True,
) -> str:
    """The depth narration of one step: which channels output plane ``plane`` reads and, with numbers, each
    channel's multiply-sum, then the bias, equal to the output cell. ``str(StepArithmetic)``, the widget's live
    region and the exported pictures say this sentence.

    ``kind``: ``"conv"``, ``"grouped"``, ``"depthwise"``, ``"separable"`` (a separable convolution's depthwise
    phase), ``"pointwise"`` (its 1×1 phase: ``channels`` are the depthwise outputs it mixes) or ``"pool"``.
    The total is the partials summed in channel order, then the bias.

    >>> arithmetic_sentence([0, 5], 2, kind="conv", channels=[0, 1, 2], partials=[4, -3, 7], bias=1)
    'output[0, 5], filter 2 = channel 0: 4 + channel 1: -3 + channel 2: 7 + bias 1 = 9'
    >>> arithmetic_sentence([1], 0, kind="pool", operation="max", channels=[0])
    'output[1], channel 0 reads channel 0 only: pooling keeps each channel apart (depth in = depth out)'
    >>> arithmetic_sentence([0, 0], 1, kind="pointwise", channels=[0, 1], partials=[2, 3], bias=0)
    'output[0, 0], filter 1 (pointwise 1×1, mixing depthwise outputs) = channel 0: 2 + channel 1: 3 + bias 0 = 5'
    """
    cell = "output[" + ", ".join(str(i) for i in index) + "]"
    m = max(1, depth_multiplier)
    if kind == "pool":
        head = f"{cell}, channel {plane}"
    elif kind in ("depthwise", "separable"):
        head = f"{cell}, plane {plane} (channel {plane // m}, kernel {plane % m} of {m})"
    elif kind == "grouped":
        head = f"{cell}, filter {plane} (group g{channels[0] // len(channels)} of {groups})"
    elif kind == "pointwise":
        head = f"{cell}, filter {plane} (pointwise 1×1, mixing depthwise outputs)"
    else:
        head = f"{cell}, filter {plane}"
    if partials is None:
        if kind == "pool":
            return f"{head} reads channel {plane} only: pooling keeps each channel apart (depth in = depth out)"
        return f"{head} reads {_channel_span(channels)} (kernel depth {len(channels)})"
    if kind == "pool":
        what = "max" if operation == "max" else "mean"
        return f"{head} = {what} of channel {plane}'s window = {fmt(partials[0], whole)} (each channel alone)"
    terms = [f"channel {c}: {fmt(p, whole)}" for c, p in zip(channels, partials)]
    total = 0.0
    for p in partials:
        total += float(p)
    b = 0.0 if bias is None else float(bias)
    body = elide(terms, " + ", MAX_CHANNEL_TERMS)
    return f"{head} = {body} + bias {fmt(b, whole)} = {fmt(total + b, whole)}"
