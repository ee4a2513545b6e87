"""Summary tables: golden text files (article examples, VGG-like, invalid and graph stacks) and HTML."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

import convkit
from convkit import layers as L
from convkit.core.merge import Add
from convkit.core.summary import Summary, build_summary, formula_label
from convkit.core.words import window_label

GOLDEN = Path(__file__).parent / "golden"


def example_1():
    return convkit.LayerStack(
        (3, 28, 28, 3),
        [L.Conv2D(32, 3, strides=2, padding="valid", name="conv_1"), L.Conv2D(64, 3, padding="same", name="conv_2")],
        name="example_1",
    )


def example_2():
    return convkit.LayerStack(
        (5, 64, 64, 1),
        [L.Conv2D(16, 5, padding="same", name="conv_1"), L.Conv2D(32, 3, padding="same", name="conv_2")],
        name="example_2",
    )


def example_3():
    return convkit.LayerStack(
        (2, 128, 128, 3),
        [L.Conv2D(8, 3, strides=4, padding="valid", name="conv_1"), L.Conv2D(16, 3, padding="same", name="conv_2")],
        name="example_3",
    )


def vgg_like():
    return convkit.LayerStack(
        (None, 32, 32, 3),
        [
            L.Conv2D(16, 3, padding="same", activation="relu", name="block1_conv1"),
            L.Conv2D(16, 3, padding="same", activation="relu", name="block1_conv2"),
            L.MaxPooling2D(2, name="block1_pool"),
            L.Conv2D(32, 3, padding="same", activation="relu", name="block2_conv1"),
            L.Conv2D(32, 3, padding="same", activation="relu", name="block2_conv2"),
            L.MaxPooling2D(2, name="block2_pool"),
            L.Flatten(name="flatten"),
            L.Dense(64, activation="relu", name="fc1"),
            L.Dropout(0.5, name="dropout"),
            L.Dense(10, activation="softmax", name="predictions"),
        ],
        name="vgg_like",
    )


def shrinking():
    """Four stride-2 valid convolutions on 28×28: the fourth has nothing left to slide over."""
    return convkit.LayerStack(
        (None, 28, 28, 1),
        [L.Conv2D(8, 3, strides=2, name=f"conv_{i}") for i in range(1, 5)] + [L.Flatten(name="flatten")],
        name="shrinking",
    )


def residual():
    return convkit.LayerStack(
        (None, 16, 16, 32),
        [
            L.Conv2D(32, 3, padding="same", name="conv_a"),
            L.Conv2D(64, 3, padding="same", name="conv_b"),
            Add(name="add"),
        ],
        inputs=[(), (0,), (-1, 1)],
        name="residual",
    )


STACKS = {
    "example_1": example_1,
    "example_2": example_2,
    "example_3": example_3,
    "vgg_like": vgg_like,
    "shrinking_invalid": shrinking,
    "residual_invalid": residual,
}


@pytest.mark.parametrize("name", list(STACKS))
def test_summary_golden_text(name, update_golden):
    text = str(STACKS[name]().summary()) + "\n"
    path = GOLDEN / f"summary_{name}.txt"
    if update_golden or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if not update_golden:
            pytest.fail(f"golden file {path.name} was missing and has been written: check it and rerun")
    assert text == path.read_text(encoding="utf-8"), (
        f"summary of {name} differs from {path.name}; rerun with --update-golden if the change is intended"
    )


def test_summary_rows_hold_the_numbers():
    s = example_1().summary()
    assert isinstance(s, Summary)
    first, second = s.rows
    assert first.window == "3×3 /2 valid" and second.window == "3×3 same"
    assert first.output_shape == "(3, 13, 13, 32)" and second.output_shape == "(3, 13, 13, 64)"
    assert first.formula == "h,w: floor((28 + 0 + 0 - 3) / 2) + 1 = 13"
    assert second.formula == "h,w: ceil(13 / 1) = 13"
    assert (first.params, second.params, s.total_params) == (896, 18496, 19392)
    assert (first.receptive_field, first.jump, second.receptive_field, second.jump) == ("3×3", "2×2", "7×7", "2×2")
    assert s.is_valid and s.output_shape == (3, 13, 13, 64)


def test_summary_marks_invalid_layers_with_text():
    s = shrinking().summary()
    text = str(s)
    assert "INVALID layer 3 (conv_4):" in text and "kernel 3 is larger than the input 2" in text
    assert s.rows[3].shape_text == "INVALID" and s.rows[4].shape_text == "not reached"
    assert s.rows[3].window == "3×3 /2 valid"  # the window still shows for the layer that failed
    assert not s.is_valid


def test_window_labels():
    # one wording everywhere (summary, diagram, editor): the dilation is written out, after a comma
    assert window_label(L.Conv2D(4, 3, dilation_rate=2)) == "3×3 valid, dilation 2"
    assert window_label(L.Conv2D(4, (3, 1), strides=(2, 1), padding="same")) == "3×1 /2×1 same"
    assert window_label(L.Conv2DTranspose(4, 3, strides=2)) == "3×3 ↑2 valid"
    assert window_label(L.GlobalMaxPooling2D()) == "global"
    assert window_label(L.Conv1D(4, 5, padding="causal")) == "5 causal"
    assert window_label(L.Dense(3)) == ""


def test_formula_label_writes_different_axes_apart():
    e = L.Conv2D(4, (3, 1), strides=(2, 1)).explain((None, 9, 9, 1))
    assert formula_label(e) == "h: floor((9 + 0 + 0 - 3) / 2) + 1 = 4; w: floor((9 + 0 + 0 - 1) / 1) + 1 = 9"


def test_graph_summary_has_inputs_column():
    text = str(residual().summary())
    assert "Inputs" in text and "input, conv_b" in text


def test_summary_html_is_a_themed_table():
    page = vgg_like().summary()._repr_html_()
    assert "<table" in page and "<th" in page and page.count("<tr") == 11
    assert "block1_conv1" in page and "(None, 16, 16, 16)" in page and "Total params: 148,442" in page
    colours = re.findall(r"(?:^|[;\"\s])(?:color|background(?:-color)?)\s*:\s*([^;\"]+)", page)
    assert colours and not {c.strip().lower() for c in colours} & {
        "#000",
        "#fff",
        "#000000",
        "#ffffff",
        "black",
        "white",
    }
    assert "color:inherit" in page
    bad = shrinking().summary()._repr_html_()
    assert "INVALID" in bad and 'class="convkit-invalid"' in bad and "not reached" in bad


def test_stack_html_is_the_summary_html():
    s = example_2()
    assert s._repr_html_() == s.summary()._repr_html_()


def test_build_summary_from_a_bare_trace():
    t = convkit.trace((None, 8, 8, 1), [L.Conv2D(2, 3, name="c")])
    s = build_summary(t)
    assert s.title is None and s.rows[0].name == "c" and "Model:" not in str(s)


# --- RF / Jump explained, shapes kept whole in HTML -------------------------------------------------------------


def test_text_table_explains_rf_and_jump_in_a_footnote():
    text = str(example_1().summary())
    header = next(line for line in text.splitlines() if line.startswith("#"))
    assert header.split()[-2:] == ["RF", "Jump"]
    notes = text.splitlines()[-2:]
    assert (
        notes[0].startswith("RF (receptive field): ") and "input pixels" in notes[0] and "one output value" in notes[0]
    )
    assert notes[1].startswith("Jump: ") and "neighbouring output values" in notes[1] and "strides" in notes[1]


def test_fraction_jump_and_sequence_units_are_explained():
    up = convkit.LayerStack((None, 8, 8, 1), [L.Conv2DTranspose(2, 3, strides=2, padding="same", name="up")])
    text = str(up.summary())
    assert "1/2" in text and "A jump below 1, like 1/2" in text
    assert "jump below 1" not in str(example_1().summary()).lower()  # only when there is one
    seq = convkit.LayerStack((None, 100, 3), [L.Conv1D(4, 5, strides=2, name="c")])
    assert "input positions" in str(seq.summary()) and "input pixels" not in str(seq.summary())


def test_html_headers_explain_rf_and_jump():
    from convkit.render.words import column_notes

    page = example_1().summary()._repr_html_()
    notes = column_notes()
    for column in ("RF", "Jump"):
        title = html.escape(notes[column])
        assert re.search(rf'<th[^>]*><abbr title="{re.escape(title)}"[^>]*>{column}</abbr></th>', page), column
    assert notes["RF"] in page and notes["Jump"] in page  # and as the footnote under the table


def _shapes_outside_nowrap(page: str) -> list[str]:
    """Every shape tuple in ``page`` that is not inside an element styled white-space:nowrap."""
    kept = re.sub(r'<span style="white-space:nowrap">[^<]*</span>', "", page)
    return re.findall(r"\((?:None|\d+)(?:, (?:None|\d+))+\)", re.sub(r"<[^>]+>", " ", kept))


@pytest.mark.parametrize("name", list(STACKS))
def test_html_never_breaks_a_shape(name):
    page = STACKS[name]().summary()._repr_html_()
    assert re.search(r"\(None, \d+|\(\d+, \d+", page)  # there are shapes to keep whole
    assert _shapes_outside_nowrap(page) == []


def test_html_keeps_shapes_whole_in_messages_and_explanations():
    bad = residual().summary()._repr_html_()
    assert '<span style="white-space:nowrap">(None, 16, 16, 32)</span> and ' in bad  # inside the error message
    explained = residual().explain()._repr_html_()
    assert _shapes_outside_nowrap(explained) == []


def test_html_text_escapes_and_wraps_only_tuples():
    from convkit.render.summary_html import html_text

    assert html_text("a < b (3, 4) and floor((28 - 3) / 2)") == (
        'a &lt; b <span style="white-space:nowrap">(3, 4)</span> and floor((28 - 3) / 2)'
    )
