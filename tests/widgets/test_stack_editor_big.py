"""The stack editor at scale and through its code API: edits of a 200-layer stack build only the rows that change
(counted, not timed: benchmarks/bench_editor.py times them), a stack too long to draw gets a message instead of
a diagram, and the code API raises only IndexError/TypeError/ValueError with convkit's message."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import convkit
from convkit import layers as L
from convkit.render.words import format_shape
from convkit.widgets.stack_editor import MAX_DIAGRAM_LAYERS, StackEditor


def long_stack(n: int) -> convkit.LayerStack:
    return convkit.LayerStack(
        (None, 32, 32, 3), [L.Conv2D(8, 3, padding="same") if i % 2 == 0 else L.ReLU() for i in range(n)]
    )


def outputs(ed: StackEditor) -> list[str]:
    return [row.output.value for row in ed.rows]


def expected(stack: convkit.LayerStack) -> list[str]:
    return [
        format_shape(e.output_shape) if e.output_shape is not None else "✗ invalid" if e.error else "—"
        for e in stack.trace.entries
    ]


@pytest.fixture(scope="module")
def big() -> StackEditor:
    return StackEditor(long_stack(200), show_diagram=False)


def test_a_big_stack_builds_each_row_once(big: StackEditor) -> None:
    assert big.rows_built == 200 and len(big.rows) == 200 and outputs(big) == expected(big.stack)


def test_adding_removing_moving_and_editing_build_only_new_rows(big: StackEditor) -> None:
    before = big.rows_built
    boxes = {id(row.box) for row in big.rows}
    big.add_layer("MaxPooling2D", 100)
    assert big.rows_built == before + 1, "one layer added: one row built"
    assert len(big.rows) == 201 and {id(r.box) for r in big.rows} - boxes == {id(big.rows[100].box)}
    assert [r.index for r in big.rows] == list(range(201)) and 'convkit-index">150<' in big.rows[150].index_label.value
    assert outputs(big) == expected(big.stack) and outputs(big)[100] == "(None, 16, 16, 8)"
    big.remove_layer(100)
    big.move_layer(3, 150)
    big.set_field(11, "filters", 4)  # after the move, 11 holds a Conv2D
    big.set_field(big.stack.layers[0].name, "kernel_size", "5")  # by name (an auto name such as "conv2d_3")
    big.set_input_size(0, 64)
    assert big.rows_built == before + 1, "remove, move, field edits and the input shape build no row"
    assert outputs(big) == expected(big.stack)
    assert big.stack.layers[0].kernel_size == (5, 5) and big.stack.layers[11].filters == 4
    assert all(row.layer is layer for row, layer in zip(big.rows, big.stack.layers))
    assert list(big.rows_box.children) == [row.box for row in big.rows]


def test_a_stack_too_long_to_draw_says_so() -> None:
    ed = StackEditor(long_stack(MAX_DIAGRAM_LAYERS + 1), theme="light")
    assert ed.diagram_images["light"].value == b""
    note = ed.diagram_note.value
    assert f"up to {MAX_DIAGRAM_LAYERS} layers" in note and f"this one has {MAX_DIAGRAM_LAYERS + 1}" in note
    static = ed.static_bundle()
    assert "image/png" not in static and "convkit-static-fallback" in static["text/html"]
    assert "Layer-stack diagram: input (None, 32, 32, 3) → Conv2D" in static["text/html"]
    ed.remove_layer(-1)  # back to the limit: drawn again
    assert ed.diagram_images["light"].value[:8] == b"\x89PNG\r\n\x1a\n" and ed.diagram_note.value == ""


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        pytest.param(lambda ed: ed.set_field(99, "filters", 4), IndexError, "from -5 to 4", id="row_out_of_range"),
        pytest.param(lambda ed: ed.set_field(True, "filters", 4), TypeError, "layer index", id="row_bool"),
        pytest.param(lambda ed: ed.set_field("nope", "filters", 4), ValueError, "named 'nope'", id="row_name"),
        pytest.param(lambda ed: ed.set_field(0, "kernal_size", 4), ValueError, "no field 'kernal_size'", id="field"),
        pytest.param(lambda ed: ed.add_layer("Conv9D"), ValueError, "Conv9D", id="unknown_layer"),
        pytest.param(lambda ed: ed.add_layer("ReLU", 6), IndexError, "from -5 to 5", id="insert_past_end"),
        pytest.param(lambda ed: ed.remove_layer(2.0), TypeError, "layer index", id="remove_float"),
        pytest.param(lambda ed: ed.move_layer(0, 5), IndexError, "Received: to=5", id="move_past_end"),
        pytest.param(lambda ed: ed.set_input_size(3, 8), IndexError, "input dimension", id="input_axis"),
    ],
)
def test_code_api_errors_are_convkits(call: Any, error: type, match: str) -> None:
    ed = StackEditor(
        convkit.LayerStack((1, 8, 8, 3), [L.Conv2D(8, 3), L.MaxPooling2D(), L.Conv2D(16, 3), L.Flatten(), L.Dense(10)]),
        show_diagram=False,
    )
    before = ed.stack
    with pytest.raises(error, match=match) as info:
        call(ed)
    assert type(info.value) is error and "Received" in str(info.value)
    assert ed.stack is before


def test_values_a_layer_refuses_are_messages_not_errors() -> None:
    ed = StackEditor(convkit.LayerStack((1, 8, 8, 3), [L.Conv2D(8, 3)]), show_diagram=False)
    ed.set_field(0, "filters", "abc")
    ed.set_field(-1, "kernel_size", 0)
    assert "convkit-error" in ed.rows[0].input_message.value and ed.stack.layers[0].filters == 8
    ed.move_layer(0, 0)
    ed.rows[0].box.children[0].children[0].children[0].click()  # "move up" on the first row
    assert "already the first" in ed.message.value


INDEX = st.one_of(
    st.integers(-8, 8),
    st.integers(),
    st.text(max_size=6),
    st.sampled_from(["conv2d", "dense"]),
    st.none(),
    st.booleans(),
    st.floats(allow_nan=True),
)
VALUE = st.one_of(
    st.integers(-3, 40),
    st.text(max_size=6),
    st.none(),
    st.floats(allow_nan=True),
    st.tuples(st.integers(-1, 5), st.integers(-1, 5)),
    st.sampled_from(["same", "valid", "3, 3"]),
)
CALLS = st.one_of(
    st.tuples(
        st.just("set_field"),
        INDEX,
        st.sampled_from(["filters", "kernel_size", "strides", "padding", "units", "pool_size", "nope"]),
        VALUE,
    ),
    st.tuples(st.just("add_layer"), st.sampled_from(["ReLU", "Dense", "Conv2D", "MaxPooling2D", "Conv9D"]), INDEX),
    st.tuples(st.just("remove_layer"), INDEX),
    st.tuples(st.just("move_layer"), INDEX, INDEX),
    st.tuples(st.just("set_input_size"), INDEX, VALUE),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calls=st.lists(CALLS, min_size=1, max_size=4))
def test_the_code_api_raises_only_convkits_errors(calls: list[tuple[Any, ...]]) -> None:
    ed = StackEditor(
        convkit.LayerStack((1, 8, 8, 3), [L.Conv2D(8, 3), L.ReLU(), L.Flatten(), L.Dense(10)]), show_diagram=False
    )
    for name, *args in calls:
        try:
            getattr(ed, name)(*args)
        except (IndexError, TypeError, ValueError) as err:
            assert "Received" in str(err), err
        assert outputs(ed) == expected(ed.stack)
        assert [row.index for row in ed.rows] == list(range(len(ed.stack)))


JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(-3, 8),
    st.floats(allow_nan=True),
    st.text(max_size=5),
    st.lists(st.integers(), max_size=2),
    st.just(L.Conv2D(4, 3)),
    st.just(convkit.LayerStack((None, 6, 6, 1), [L.Conv2D(2, 3)])),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(["stack", "selected"]), value=JUNK)
def test_assigning_the_editors_traits_never_raises(name: str, value: Any) -> None:
    ed = _EDITOR.setdefault(
        "editor", StackEditor(convkit.LayerStack((1, 8, 8, 3), [L.Conv2D(8, 3), L.ReLU()]), show_diagram=False)
    )
    before = (ed.stack, ed.selected)
    setattr(ed, name, value)  # never raises
    accepted = getattr(ed, name) is value or getattr(ed, name) == value
    if not accepted:
        assert (ed.stack, ed.selected) == before and "Received" in ed.message.value
    assert isinstance(ed.stack, convkit.core.stack.LayerStack)
    assert ed.selected is None or 0 <= ed.selected < len(ed.stack)
    assert outputs(ed) == expected(ed.stack)


_EDITOR: dict[str, StackEditor] = {}


def test_a_bad_stack_or_selection_is_refused_with_a_message() -> None:
    ed = StackEditor(convkit.LayerStack((1, 8, 8, 3), [L.Conv2D(8, 3)]), show_diagram=False)
    stack = ed.stack
    ed.stack = [L.Conv2D(8, 3)]
    assert ed.stack is stack and "must be a convkit.LayerStack" in ed.message.value
    ed.selected = 5
    assert ed.selected is None and "Received: selected=5" in ed.message.value
    ed.selected = 0
    assert ed.selected == 0 and "convkit-selected" in ed.rows[0].box._dom_classes
