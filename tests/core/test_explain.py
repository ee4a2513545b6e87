"""Explanation text forms (exact), their HTML rendering, and the shared formula helpers."""

from __future__ import annotations

import dataclasses
import tracemalloc
from html.parser import HTMLParser

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convkit import layers as L
from convkit.core.axis import conv_axis, pool_axis, transposed_axis
from convkit.core.explain import (
    AxisEntry,
    Explanation,
    axis_entry,
    axis_formula,
    axis_notes,
    format_axis,
    read_mask,
    unread_notes,
)
from convkit.core.layers import LAYERS
from convkit.core.reads import axis_reads, comb_of, read_counts


# ------------------------------------------------------------------ exact formula text (one helper for everyone)
@pytest.mark.parametrize(
    ("axis", "name", "text"),
    [
        (conv_axis(28, 3, 2, "valid"), "height", "height: floor((28 + 0 + 0 - 3) / 2) + 1 = 13"),
        (conv_axis(28, 3, 1, "valid", 2), "height", "height: floor((28 + 0 + 0 - 5) / 1) + 1 = 24"),
        (
            conv_axis(28, 3, 2, "same"),
            "height",
            "height: ceil(28 / 2) = 14; padding max((14 - 1)·2 + 3 - 28, 0) = 1 → before 0, after 1",
        ),
        (conv_axis(10, 3, 1, "causal"), "length", "length: ceil(10 / 1) = 10; padding k_eff - 1 = 2 → before 2, after 0"),
        (conv_axis(6, 3, 2, (1, 1)), "width", "width: floor((6 + 1 + 1 - 3) / 2) + 1 = 3"),
        (conv_axis(None, 3, 2, "valid"), "width", "width: floor((None + 0 + 0 - 3) / 2) + 1 = None"),
        (conv_axis(None, 3, 2, "same"), "width", "width: ceil(None / 2) = None; padding depends on the input size"),
        (pool_axis(13, 2), "height", "height: floor((13 + 0 + 0 - 2) / 2) + 1 = 6"),
        (transposed_axis(7, 3, 2, "valid"), "height", "height: (7 - 1)·2 + 3 + 0 = 15"),
        (transposed_axis(4, 1, 3, "valid"), "length", "length: (4 - 1)·3 + 1 + 2 = 12"),
        (transposed_axis(4, 1, 3, "valid", 0), "length", "length: (4 - 1)·3 + 1 + 0 = 10"),
        (transposed_axis(7, 3, 2, "same"), "height", "height: 7·2 = 14"),
        (transposed_axis(7, 3, 2, "same", 0), "height", "height: (7 - 1)·2 + (3 mod 2) + 0 = 13"),
        (transposed_axis(7, 4, 2, "same", 1), "width", "width: (7 - 1)·2 + (4 mod 2) + 1 = 13"),
    ],
    ids=["valid", "dilated", "same_asymmetric", "causal", "explicit", "valid_unknown", "same_unknown", "pool",
         "transposed_valid", "transposed_valid_k_lt_s", "transposed_valid_op_0", "transposed_same",
         "transposed_same_op_0", "transposed_same_even_op_1"],
)  # fmt: skip
def test_format_axis(axis, name: str, text: str) -> None:
    assert format_axis(axis, name) == text
    assert text == f"{name}: {axis_formula(axis)}"


def test_axis_notes() -> None:
    assert axis_notes(conv_axis(28, 3, 1, "valid", 2)) == ("k_eff = (3 - 1)·2 + 1 = 5",)
    assert axis_notes(conv_axis(28, 3, 2, "valid")) == ()
    valid = axis_notes(transposed_axis(7, 3, 2, "valid"))
    assert 'Keras rule for padding="valid": (n - 1)·s + k_eff + output_padding' in valid
    assert "output_padding=None → max(k_eff, s) - k_eff = max(3, 2) - 3 = 0" in valid
    assert axis_notes(transposed_axis(7, 3, 2, "same")) == (
        'Keras rule for padding="same" with output_padding=None: n·s',
    )
    assert axis_notes(transposed_axis(7, 3, 2, "same", 0)) == (
        'Keras rule for padding="same" with output_padding: (n - 1)·s + (k_eff mod 2) + output_padding',
    )


def test_axis_entry_carries_result_and_notes() -> None:
    entry = axis_entry(conv_axis(28, 3, 1, "valid", 2), "height")
    assert entry == AxisEntry("height", "floor((28 + 0 + 0 - 5) / 1) + 1 = 24", 24, ("k_eff = (3 - 1)·2 + 1 = 5",))
    assert str(entry) == "height: floor((28 + 0 + 0 - 5) / 1) + 1 = 24"
    with pytest.raises(TypeError, match="axis="):
        axis_formula((28, 3))


# ------------------------------------------------------------------ layer explanations
def test_article_example_1() -> None:
    text = str(L.Conv2D(32, 3, strides=2, padding="valid", name="c").explain((3, 28, 28, 3)))
    lines = text.splitlines()
    assert lines[0] == "Conv2D 'c': (3, 28, 28, 3) → (3, 13, 13, 32)"
    assert "  height: floor((28 + 0 + 0 - 3) / 2) + 1 = 13" in lines
    assert "  width: floor((28 + 0 + 0 - 3) / 2) + 1 = 13" in lines
    assert "  channels: filters = 32 (the kernel's depth 3 must equal the input's channels 3)" in lines
    assert "  pixels never read: row 27" in lines and "  pixels never read: column 27" in lines
    assert "  7.02% of the input's pixels are never read (the layer cannot see them)" in lines
    assert "  params: 3·3·3·32 + 32 = 896" in lines


def test_article_example_3_skips_every_fourth_row() -> None:
    explanation = L.Conv2D(8, 3, strides=4).explain((2, 128, 128, 3))
    assert "pixels never read: rows 3, 7, 11, …, 127 (32 of 128)" in explanation.notes
    assert any(note.startswith("43.75% of the input's pixels") for note in explanation.notes)
    assert explanation.output_shape == (2, 32, 32, 8) and explanation.input_shape == (2, 128, 128, 3)


def test_same_padding_28_to_14() -> None:
    explanation = L.Conv2D(8, 3, strides=2, padding="same").explain((1, 28, 28, 3))
    assert str(explanation.axes[0]) == (
        "height: ceil(28 / 2) = 14; padding max((14 - 1)·2 + 3 - 28, 0) = 1 → before 0, after 1"
    )
    assert explanation.axes[0].result == 14
    assert not any("never read" in note for note in explanation.notes)


def test_dilated_layer_notes_effective_kernel() -> None:
    text = str(L.Conv2D(4, 3, dilation_rate=2).explain((1, 28, 28, 1)))
    assert "  height: floor((28 + 0 + 0 - 5) / 1) + 1 = 24\n      k_eff = (3 - 1)·2 + 1 = 5" in text


def test_causal_layer() -> None:
    explanation = L.Conv1D(4, 3, padding="causal").explain((1, 10, 2))
    assert str(explanation.axes[0]) == "length: ceil(10 / 1) = 10; padding k_eff - 1 = 2 → before 2, after 0"


def test_pooling_notes_default_strides() -> None:
    text = str(L.MaxPooling2D().explain((1, 13, 13, 32)))
    assert "height: floor((13 + 0 + 0 - 2) / 2) + 1 = 6" in text
    assert "strides default to pool_size: strides = (2, 2)" in text
    assert "strides default" not in str(L.MaxPooling2D(2, strides=1).explain((1, 13, 13, 32)))


def test_transposed_layer_shows_which_rule() -> None:
    text = str(L.Conv2DTranspose(8, 3, strides=2, padding="same", output_padding=0).explain((1, 7, 7, 4)))
    assert "height: (7 - 1)·2 + (3 mod 2) + 0 = 13" in text
    assert "(n - 1)·s + (k_eff mod 2) + output_padding" in text
    assert "params: 3·3·8·4 + 8 = 296" in text


def test_transposed_even_kernel_output_padding_0_warns_about_tensorflow() -> None:
    warned = str(L.Conv1DTranspose(2, 2, padding="same", output_padding=0).explain((1, 5, 1)))
    assert "warning: with the TensorFlow backend this layer fails when run" in warned
    assert "warning" not in str(L.Conv1DTranspose(2, 3, padding="same", output_padding=0).explain((1, 5, 1)))
    assert "warning" not in str(L.Conv1DTranspose(2, 2, 2, padding="same", output_padding=1).explain((1, 5, 1)))


def test_depthwise_and_separable_channels() -> None:
    depthwise = str(L.DepthwiseConv2D(3, depth_multiplier=2).explain((1, 8, 8, 4)))
    assert "channels: input channels × depth_multiplier = 4·2 = 8" in depthwise
    separable = str(L.SeparableConv2D(16, 3).explain((1, 8, 8, 4)))
    assert "1×1 pointwise convolution to 16" in separable and "params: 3·3·4·1 + 4·16 + 16 = 116" in separable
    warned = str(L.DepthwiseConv2D(3, strides=(1, 2)).explain((1, 8, 8, 4)))
    assert "TensorFlow's depthwise kernel needs equal strides" in warned


def test_groups_channels_note() -> None:
    text = str(L.Conv2D(8, 3, groups=2).explain((1, 8, 8, 4)))
    assert "channels: filters = 8 (groups=2: each kernel has depth 4 / 2 = 2)" in text


@pytest.mark.parametrize(
    ("layer", "shape", "fragment"),
    [
        (L.ZeroPadding2D(((0, 1), (2, 3))), (1, 28, 28, 3), "width: 28 + 2 + 3 = 33"),
        (L.Cropping1D((1, 2)), (1, 5, 3), "length: 5 - 1 - 2 = 2"),
        (L.UpSampling2D((2, 3)), (1, 7, 7, 3), "width: 7·3 = 21"),
        (L.Flatten(), (None, 13, 13, 32), "features: 13·13·32 = 5408"),
        (L.Reshape((-1, 4)), (2, 8, 3), "-1 → 24 / 4 = 6"),
        (L.Dense(10), (None, 5408), "params: 5408·10 + 10 = 54090"),
        (L.GlobalAveragePooling2D(), (1, 7, 7, 64), "height: mean over all 7 → removed"),
        (L.BatchNormalization(), (None, 13, 13, 32), "params: 4·32 = 128"),
        (L.Dropout(0.5), (None, 10), "shape unchanged"),
    ],
)
def test_other_layers_explain(layer: L.Layer, shape: tuple, fragment: str) -> None:
    assert fragment in str(layer.explain(shape))


def test_explain_refuses_like_compute_output_shape() -> None:
    with pytest.raises(ValueError, match="zero or negative"):
        L.Conv2D(1, 5).explain((1, 3, 3, 1))


SAMPLE_SHAPES = {1: (2, 9, 3), 2: (2, 9, 9, 3), 3: (1, 5, 5, 5, 2)}


@pytest.mark.parametrize("name", list(LAYERS))
def test_every_layer_explains_itself(name: str) -> None:
    cls = LAYERS[name]
    required = {"filters": 4, "kernel_size": 2, "pool_size": 2, "units": 3, "target_shape": (-1,),
                "activation": "relu", "rate": 0.1}  # fmt: skip
    params = [p.name for p in cls._params() if p.default is p.empty]
    layer = cls(**{p: required[p] for p in params})
    shape = SAMPLE_SHAPES.get(cls.rank, (2, 4, 3))
    explanation = layer.explain(shape)
    assert explanation.title == f"{name} '{layer.name}': {shape} → {layer.compute_output_shape(shape)}"
    assert str(explanation).startswith(explanation.title)
    _check_html(explanation._repr_html_())


# ------------------------------------------------------------------ HTML
class _TagChecker(HTMLParser):
    VOID = {"br", "hr", "img", "meta", "link", "input"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.seen: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.seen.add(tag)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"unbalanced </{tag}> with open {self.stack}"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _check_html(markup: str) -> _TagChecker:
    checker = _TagChecker()
    checker.feed(markup)
    checker.close()
    assert checker.stack == [], f"unclosed tags {checker.stack}"
    assert "<style" not in markup and "<link" not in markup and "<script" not in markup  # no external CSS/JS
    return checker


def test_html_is_balanced_and_holds_the_formulas() -> None:
    explanation = L.Conv2D(8, 3, strides=2, padding="same", name="c").explain((1, 28, 28, 3))
    markup = explanation._repr_html_()
    checker = _check_html(markup)
    assert {"div", "table", "tr", "th", "td", "code", "ul", "li"} <= checker.seen
    text = "".join(checker.text)
    assert "ceil(28 / 2) = 14; padding max((14 - 1)·2 + 3 - 28, 0) = 1 → before 0, after 1" in text
    assert "Conv2D 'c': (1, 28, 28, 3) → (1, 14, 14, 8)" in text
    assert "<code" in markup and "inherit" in markup and "var(--jp-" in markup
    assert "#fff" not in markup.lower() and "white" not in markup.lower()  # readable in the dark theme


def test_html_escapes() -> None:
    markup = Explanation("a <b> & c", (AxisEntry("x<y", "1 < 2", 1, ("n & m",)),), ("<i>note</i>",))._repr_html_()
    assert "a &lt;b&gt; &amp; c" in markup and "1 &lt; 2" in markup and "&lt;i&gt;note&lt;/i&gt;" in markup
    _check_html(markup)


def test_explanation_is_frozen_and_plain_text_is_its_str() -> None:
    explanation = Explanation("t", (AxisEntry("height", "1 + 1 = 2", 2, ("note",)),), ("general",))
    assert str(explanation) == "t\n  height: 1 + 1 = 2\n      note\n  general"
    with pytest.raises(dataclasses.FrozenInstanceError):
        explanation.title = "u"  # type: ignore[misc]


# ------------------------------------------------------------------ coverage helpers
def test_read_mask_and_unread_notes() -> None:
    assert read_mask(conv_axis(28, 3, 2)).tolist() == [True] * 27 + [False]
    assert read_mask(conv_axis(None, 3, 2)) is None
    assert read_mask(conv_axis(5, 2, 1, "valid", 4)).tolist() == [True, False, False, False, True]
    assert read_mask(conv_axis(10**9, 3, 1)) is None  # too large to enumerate: no note rather than a long wait
    axes = [conv_axis(28, 3, 2), conv_axis(28, 3, 2, "same")]
    assert unread_notes(axes, ["height", "width"]) == (
        "pixels never read: row 27",
        "3.57% of the input's pixels are never read (the layer cannot see them)",
    )
    assert unread_notes([conv_axis(7, 1, 3)], ["length"]) == (
        "positions never read: positions 1, 2, 4, 5 (4 of 7)",
        "57.14% of the input's positions are never read (the layer cannot see them)",
    )


# ------------------------------------------------------------------ unread cells by arithmetic (issue 11)
def _brute_counts(axis) -> np.ndarray:
    """How often each cell is read, by looping over every output and tap (the definition)."""
    counts = np.zeros(axis.size, int)
    for i in range(axis.output):
        for j in range(axis.kernel_size):
            x = i * axis.strides + j * axis.dilation_rate - axis.pad_before
            if 0 <= x < axis.size:
                counts[x] += 1
    return counts


_paddings = st.one_of(st.sampled_from(["valid", "same", "causal"]), st.tuples(st.integers(0, 12), st.integers(0, 12)))


@settings(deadline=None, max_examples=600)
@given(st.integers(1, 60), st.integers(1, 7), st.integers(1, 9), st.integers(1, 4), _paddings)
def test_reads_arithmetic_equals_the_definition(n, k, s, d, padding):
    try:
        axis = conv_axis(n, k, s, padding, d)
    except ValueError:
        return
    counts = _brute_counts(axis)
    unread = np.flatnonzero(counts == 0)
    reads = axis_reads(axis)
    assert reads.read == int((counts > 0).sum()) and reads.unread == unread.size
    assert reads.first_unread == tuple(unread[:6].tolist())
    assert reads.last_unread == (int(unread[-1]) if unread.size else None)
    np.testing.assert_array_equal(read_counts(axis), counts)
    np.testing.assert_array_equal(read_mask(axis), counts > 0)


def test_unread_notes_of_audio_length_axes_are_counted_not_built() -> None:
    tracemalloc.start()
    notes = unread_notes([conv_axis(10**8, 1, 10**7)], ["length"])
    audio = unread_notes([pool_axis(9_600_000, 2, 16)], ["length"])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 100_000  # bytes: no array the size of the axis (10**8 cells would be 100 MB)
    assert notes == (
        "positions never read: positions 1, 2, 3, …, 99999999 (99999990 of 100000000)",
        "more than 99.99% of the input's positions are never read (the layer cannot see them)",
    )
    assert audio == (
        "positions never read: positions 2, 3, 4, …, 9599999 (8400000 of 9600000)",
        "87.5% of the input's positions are never read (the layer cannot see them)",
    )


def test_percentages_never_round_to_all_or_nothing() -> None:
    assert unread_notes([conv_axis(10**9, 3, 2)], ["length"]) == (
        "positions never read: position 999999999",
        "less than 0.01% of the input's positions are never read (the layer cannot see them)",
    )
    # an input cell that only padding taps surround: every cell unread, exactly 100%
    assert unread_notes([conv_axis(1, 1, 20, (5, 5))], ["length"])[-1].startswith("100% of the input")


def test_strided_and_dilated_axes_are_enumerated_only_when_small() -> None:
    small = conv_axis(20, 3, 2, "valid", 2)  # Keras refuses strides and dilation > 1 together; conv_axis does not
    assert comb_of(small) is None and axis_reads(small).read == int((_brute_counts(small) > 0).sum())
    assert axis_reads(conv_axis(10**9, 3, 2, "valid", 2)) is None  # no note rather than a long count
    assert read_mask(conv_axis(10**9, 3, 2, "valid", 2)) is None
