"""The stack editor without a kernel: fields, re-flowing shapes, errors in place, add/remove/move, Keras code."""

from __future__ import annotations

import ipywidgets as W
import pytest

import convkit
from convkit import layers as L
from convkit.render.stack_labels import shape_text
from convkit.widgets.stack_editor import StackEditor
from convkit.widgets.stack_fields import addable_layers, format_value, new_layer, parse_value, rebuild


def example_1() -> convkit.LayerStack:
    return convkit.LayerStack(
        (3, 28, 28, 3), [L.Conv2D(32, 3, strides=2, padding="valid"), L.Conv2D(64, 3, padding="same")]
    )


def small_stack() -> convkit.LayerStack:
    return convkit.LayerStack(
        (1, 8, 8, 3), [L.Conv2D(8, 3), L.MaxPooling2D(), L.Conv2D(16, 3), L.Flatten(), L.Dense(10)]
    )


def outputs(editor: StackEditor) -> list[str]:
    return [row.output.value for row in editor.rows]


def expected(stack: convkit.LayerStack) -> list[str]:
    return [shape_text(e.output_shape) if e.output_shape is not None else "—" for e in stack.trace.entries]


def editor_for(stack: convkit.LayerStack, **kw) -> StackEditor:
    return StackEditor(stack, show_diagram=kw.pop("show_diagram", False), **kw)


def test_widget_classes_and_rows() -> None:
    ed = editor_for(example_1())
    assert isinstance(ed, W.VBox)
    assert {"convkit-widget", "convkit-stack-editor"} <= set(ed._dom_classes)
    assert len(ed.rows) == 2
    assert all("convkit-layer-row" in row.box._dom_classes for row in ed.rows)
    assert "convkit-field-kernel_size" in ed.rows[0].fields["kernel_size"]._dom_classes
    assert "convkit-output-shape" in ed.rows[0].output._dom_classes
    assert list(ed.rows[0].fields) == ["filters", "kernel_size", "strides", "padding", "dilation_rate"]
    assert outputs(ed) == ["(3, 13, 13, 32)", "(3, 13, 13, 64)"]


def test_field_edit_reflows_this_row_and_the_next() -> None:
    start = example_1()
    ed = editor_for(start)
    changes = []
    ed.observe(changes.append, "stack")
    row_widgets = [row.box for row in ed.rows]
    ed.rows[0].fields["kernel_size"].value = "5"  # what typing 5 + Enter does
    assert outputs(ed) == ["(3, 12, 12, 32)", "(3, 12, 12, 64)"]
    assert ed.stack.layers[0].kernel_size == (5, 5)
    assert start.layers[0].kernel_size == (3, 3) and start.output_shape == (3, 13, 13, 64)  # never mutated
    assert len(changes) == 1 and changes[0]["old"] is start and changes[0]["new"] is ed.stack
    assert [row.box for row in ed.rows] == row_widgets  # rows kept (focus survives in the browser)
    ed.rows[0].fields["padding"].value = "same"
    assert outputs(ed) == ["(3, 14, 14, 32)", "(3, 14, 14, 64)"]
    ed.rows[0].fields["strides"].value = "1, 2"
    assert outputs(ed) == ["(3, 28, 14, 32)", "(3, 28, 14, 64)"]
    ed.rows[1].fields["filters"].value = 7
    assert outputs(ed)[1] == "(3, 28, 14, 7)"
    ed.rows[1].fields["dilation_rate"].value = "2"
    assert ed.stack.layers[1].dilation_rate == (2, 2)
    assert outputs(ed) == expected(ed.stack)


def test_input_shape_edit() -> None:
    ed = editor_for(example_1())
    labels = [f.description for f in ed._input_fields]
    assert labels == ["height", "width", "channels"]
    ed.set_input_size(0, 64)
    assert ed.stack.input_shape == (3, 64, 28, 3)
    assert outputs(ed) == ["(3, 31, 13, 32)", "(3, 31, 13, 64)"]
    ed.set_input_size(2, 1)
    assert "kernel depth = input channels = 1" in ed.rows[0].depth.value
    ed.set_input_size(1, 0)
    assert "convkit-error" in ed.input_message.value and "Received" in ed.input_message.value
    assert ed.stack.input_shape == (3, 64, 28, 1)
    ed.set_input_size(1, "abc")
    assert "convkit-error" in ed.input_message.value
    ed.set_input_size(1, 30)
    assert ed.input_message.value == "" and ed.stack.input_shape == (3, 64, 30, 1)


def test_depth_rule_visible_for_conv_rows() -> None:
    ed = editor_for(example_1())
    assert "kernel depth = input channels = 3" in ed.rows[0].depth.value
    assert "kernel depth = input channels = 32" in ed.rows[1].depth.value
    assert "params: 18,496" in ed.rows[1].depth.value
    ed.rows[0].fields["filters"].value = 10
    assert "kernel depth = input channels = 10" in ed.rows[1].depth.value


def test_invalid_layer_explained_in_place_and_later_rows_dash() -> None:
    ed = editor_for(small_stack())
    assert outputs(ed) == ["(1, 6, 6, 8)", "(1, 3, 3, 8)", "(1, 1, 1, 16)", "(1, 16)", "(1, 10)"]
    ed.rows[2].fields["kernel_size"].value = "5"
    assert not ed.stack.is_valid
    assert outputs(ed) == ["(1, 6, 6, 8)", "(1, 3, 3, 8)", "✗ invalid", "—", "—"]
    error = ed.rows[2].error.value
    assert "convkit-error" in error and "kernel 5 is larger than the input 3" in error
    assert "convkit-error" in ed.rows[2].box._dom_classes
    assert all("convkit-not-computed" in row.output._dom_classes for row in ed.rows[3:])
    assert all(row.error.value == "" for row in ed.rows[3:])
    ed.rows[2].fields["padding"].value = "same"  # fixing it brings the shapes back
    assert outputs(ed) == ["(1, 6, 6, 8)", "(1, 3, 3, 8)", "(1, 3, 3, 16)", "(1, 144)", "(1, 10)"]
    assert ed.rows[2].error.value == ""
    assert "convkit-error" not in ed.rows[2].box._dom_classes
    assert "convkit-not-computed" not in ed.rows[3].output._dom_classes


@pytest.mark.parametrize(
    ("key", "text", "match"),
    [
        ("kernel_size", "0", "kernel_size"),
        ("kernel_size", "abc", "whole number"),
        ("kernel_size", "3, 3, 3", "tuple of 2"),
        ("strides", "-1", "strides"),
        ("filters", 0, "filters"),
    ],
    ids=["kernel_zero", "kernel_text", "kernel_rank", "negative_stride", "zero_filters"],
)
def test_invalid_typed_values_show_a_message_not_a_traceback(key: str, text, match: str) -> None:
    ed = editor_for(example_1())
    before = ed.stack
    ed.rows[0].fields[key].value = text
    message = ed.rows[0].input_message.value
    assert "convkit-error" in message and match in message and "Traceback" not in message
    assert ed.stack is before
    assert "convkit-invalid" in ed.rows[0].fields[key]._dom_classes
    ed.rows[0].fields[key].value = "4" if key != "filters" else 4
    assert ed.rows[0].input_message.value == ""
    assert "convkit-invalid" not in ed.rows[0].fields[key]._dom_classes


def test_add_remove_move() -> None:
    ed = editor_for(example_1())
    assert ed.add_type.options[:3] == ("Conv2D", "MaxPooling2D", "AveragePooling2D")
    ed.add_type.value = "MaxPooling2D"
    ed.add_button.click()
    assert [type(layer).__name__ for layer in ed.stack.layers] == ["Conv2D", "Conv2D", "MaxPooling2D"]
    assert outputs(ed)[-1] == "(3, 6, 6, 64)"
    for name in ("Flatten", "Dense", "Dropout"):
        ed.add_layer(name)
    assert outputs(ed)[-3:] == ["(3, 2304)", "(3, 10)", "(3, 10)"]
    ed.rows[2].box.children[0].children[0].children[1].click()  # "move down" on the pooling row
    assert [type(layer).__name__ for layer in ed.stack.layers][2:4] == ["Flatten", "MaxPooling2D"]
    assert outputs(ed)[3] == "✗ invalid" and outputs(ed)[4:] == ["—", "—"]
    assert "rank" in ed.rows[3].error.value or "expects" in ed.rows[3].error.value
    ed.move_layer(3, 2)
    assert outputs(ed) == expected(ed.stack) and ed.stack.is_valid
    ed.rows[0].box.children[0].children[0].children[0].click()  # "move up" on the first row: nothing
    assert ed.stack.is_valid and len(ed.stack) == 6
    ed.rows[5].box.children[0].children[0].children[2].click()  # remove Dropout
    ed.remove_layer(0)
    assert [type(layer).__name__ for layer in ed.stack.layers] == ["Conv2D", "MaxPooling2D", "Flatten", "Dense"]
    assert outputs(ed) == ["(3, 28, 28, 64)", "(3, 14, 14, 64)", "(3, 12544)", "(3, 10)"]
    assert "kernel depth = input channels = 3" in ed.rows[0].depth.value


def test_moving_same_type_layers_updates_fields() -> None:
    ed = editor_for(example_1())
    boxes, built = [row.box for row in ed.rows], ed.rows_built
    ed.move_layer(0, 1)
    assert [row.box for row in ed.rows] == boxes[::-1], "each row moves with its layer (focus goes along)"
    assert ed.rows_built == built, "rows reused, none built"
    assert ed.rows[0].fields["filters"].value == 64 and ed.rows[1].fields["strides"].value == "2"
    assert [r.index for r in ed.rows] == [0, 1] and 'convkit-index">0<' in ed.rows[0].index_label.value
    assert outputs(ed) == ["(3, 28, 28, 64)", "(3, 13, 13, 32)"]


def test_add_menu_follows_input_rank_and_causal_padding() -> None:
    seq = convkit.LayerStack((2, 50, 4), [L.Conv1D(8, 3)])
    ed = editor_for(seq)
    assert "Conv1D" in ed.add_type.options and "MaxPooling1D" in ed.add_type.options
    assert "Conv2D" not in ed.add_type.options
    assert ed.rows[0].fields["padding"].options == ("valid", "same", "causal")
    ed.rows[0].fields["padding"].value = "causal"
    assert outputs(ed) == ["(2, 50, 8)"]
    assert [f.description for f in ed._input_fields] == ["length", "channels"]
    assert "Conv3D" in addable_layers(3) and "ZeroPadding3D" in addable_layers(3)
    for name in addable_layers(1) + addable_layers(2) + addable_layers(3):
        assert type(new_layer(name)).__name__ == name


def test_pool_size_edit_keeps_default_strides_following() -> None:
    ed = editor_for(convkit.LayerStack((1, 12, 12, 1), [L.MaxPooling2D()]))
    ed.rows[0].fields["pool_size"].value = "3"
    assert ed.stack.layers[0].strides == (3, 3) and outputs(ed) == ["(1, 4, 4, 1)"]
    ed.rows[0].fields["strides"].value = "1"
    ed.rows[0].fields["pool_size"].value = "2"
    assert ed.stack.layers[0].strides == (1, 1) and outputs(ed) == ["(1, 11, 11, 1)"]


def test_selecting_rows_shows_traversal_or_a_note() -> None:
    from convkit.widgets.traversal import KernelTraversal

    ed = editor_for(small_stack())
    ed.rows[0].type_button.click()
    assert ed.selected == 0 and "convkit-selected" in ed.rows[0].box._dom_classes
    (widget,) = ed.traversal_box.children
    assert isinstance(widget, KernelTraversal)
    ed.rows[0].fields["kernel_size"].value = "5"  # the selected layer changed: a new traversal
    (widget2,) = ed.traversal_box.children
    assert widget2 is not widget and isinstance(widget2, KernelTraversal)
    ed.rows[3].type_button.click()  # Flatten
    assert "convkit-selected" not in ed.rows[0].box._dom_classes
    assert "no sliding window" in ed.traversal_box.children[0].value
    ed.rows[2].fields["kernel_size"].value = "9"  # invalid now
    ed.selected = 2
    assert "invalid" in ed.traversal_box.children[0].value
    ed.rows[2].type_button.click()  # clicking again deselects
    assert ed.selected is None and ed.traversal_box.children == ()


def test_outputs_summary_code_and_diagram_follow_edits() -> None:
    ed = editor_for(example_1(), show_diagram=True, theme="auto")
    assert set(ed.diagram_images) == {"light", "dark"}
    first = ed.diagram_images["light"].value
    assert first[:8] == b"\x89PNG\r\n\x1a\n" and ed.diagram_images["dark"].value[:8] == b"\x89PNG\r\n\x1a\n"
    assert "(3, 13, 13, 64)" in ed.summary_html.value
    assert "Conv2D(32, 3, strides=2" in ed.code_html.value
    ed.set_field(0, "kernel_size", 5)
    assert ed.diagram_images["light"].value != first
    assert "(3, 12, 12, 64)" in ed.summary_html.value
    assert "Conv2D(32, 5, strides=2" in ed.code_html.value
    light_only = editor_for(example_1(), show_diagram=True, theme="dark")
    assert set(light_only.diagram_images) == {"dark"}


def test_stack_trait_set_from_outside_rebuilds() -> None:
    ed = editor_for(example_1())
    ed.stack = small_stack()
    assert outputs(ed) == expected(small_stack())
    assert [f.description for f in ed._input_fields] == ["height", "width", "channels"]
    ed.stack = convkit.LayerStack((None, 20), [L.Dense(4)])
    assert [f.description for f in ed._input_fields] == ["features"]
    assert ed.add_type.options == ("Dense", "ReLU", "BatchNormalization", "Dropout")
    assert outputs(ed) == ["(None, 4)"]


def test_constructor_checks() -> None:
    with pytest.raises(TypeError, match="LayerStack"):
        StackEditor([L.Conv2D(3, 3)])
    with pytest.raises(ValueError, match="theme"):
        StackEditor(example_1(), theme="pink")
    assert isinstance(example_1().editor(show_diagram=False), StackEditor)


def test_field_helpers() -> None:
    assert parse_value("kernel_size", "3×5") == (3, 5)
    assert parse_value("kernel_size", "(3, 5)") == (3, 5)
    assert parse_value("kernel_size", " 4 ") == 4
    assert parse_value("strides", "") is None
    assert parse_value("padding", "((1, 2), (3, 4))") == ((1, 2), (3, 4))
    with pytest.raises(ValueError, match=r"Received: kernel_size='3\)'"):
        parse_value("kernel_size", "3)")
    assert format_value("padding", ((1, 1), (1, 1))) == "1"
    assert format_value("padding", ((1, 2), (0, 0))) == "(1, 2), (0, 0)"
    assert format_value("target_shape", (4, 4)) == "4, 4"
    conv = L.Conv2D(8, 3)
    assert rebuild(conv, "kernel_size", (3, 5)).kernel_size == (3, 5)
    assert "name=" not in rebuild(conv, "filters", 4).to_keras_code()
    named = L.Conv2D(8, 3, name="first")
    assert rebuild(named, "filters", 4).name == "first"
    pad = convkit.LayerStack((1, 5, 5, 1), [L.ZeroPadding2D()])
    ed = editor_for(pad)
    ed.rows[0].fields["padding"].value = "(1, 2), (0, 0)"
    assert outputs(ed) == ["(1, 8, 5, 1)"]


@pytest.mark.tf
def test_keras_code_builds_a_model_with_the_same_shapes() -> None:
    pytest.importorskip("tensorflow")
    keras = pytest.importorskip("keras")
    ed = editor_for(example_1())
    ed.set_field(0, "kernel_size", "5")
    ed.add_layer("MaxPooling2D")
    ed.add_layer("Conv2DTranspose")
    ed.add_layer("ZeroPadding2D")
    ed.add_layer("GlobalAveragePooling2D")
    ed.add_layer("Dense")
    code = ed.to_keras_code()
    assert code == ed.stack.to_keras_code()
    namespace: dict = {}
    exec(compile(code, "<editor>", "exec"), namespace)  # noqa: S102 - our own generated code
    model = namespace["model"]
    assert isinstance(model, keras.Model)
    keras_shapes = [tuple(layer.output.shape) for layer in model.layers]
    assert keras_shapes == [e.output_shape for e in ed.stack.trace.entries]
    assert model.count_params() == ed.stack.count_params()


def test_graph_stack_edits_that_would_rewire_show_a_message() -> None:
    from convkit.core.merge import Add

    graph = convkit.LayerStack(
        (2, 16, 16, 8), [L.Conv2D(8, 3, padding="same"), Add(), L.Flatten()], [(), (0, -1), (1,)]
    )
    ed = editor_for(graph)
    assert outputs(ed) == ["(2, 16, 16, 8)", "(2, 16, 16, 8)", "(2, 2048)"]
    assert ed.rows[1].fields == {} and ed.rows[1].depth.value == ""
    ed.move_layer(0, 1)
    assert "convkit-error" in ed.message.value and "move()" in ed.message.value
    assert ed.stack is graph
    ed.rows[0].fields["filters"].value = 4  # the Add now sees different channels: explained in place
    assert outputs(ed) == ["(2, 16, 16, 4)", "✗ invalid", "—"]
    assert "convkit-error" in ed.rows[1].error.value


def test_static_output_carries_the_diagram() -> None:
    import base64

    ed = editor_for(example_1(), show_diagram=True, theme="light")
    bundle = ed._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle and "image/png" not in bundle
    assert bundle["text/plain"] == "StackEditor: 2 layers, input (3, 28, 28, 3) → output (3, 13, 13, 64)"
    static = ed.static_bundle()
    assert base64.b64decode(static["image/png"]) == ed.diagram_images["light"].value
    assert (
        'alt="Layer-stack diagram: input (3, 28, 28, 3) → Conv2D (3, 13, 13, 32) → Conv2D (3, 13, 13, 64)."'
        in static["text/html"]
    )
    plain = editor_for(example_1()).static_bundle()  # no diagram tab: the picture is drawn for the static output
    assert base64.b64decode(plain["image/png"])[:8] == b"\x89PNG\r\n\x1a\n"
    broken = editor_for(convkit.LayerStack((None, 4, 4, 1), [L.Conv2D(2, 5), L.Flatten()]))
    alt = broken._alt_text()
    assert "Conv2D (invalid: " in alt and "Flatten (not computed)" in alt
