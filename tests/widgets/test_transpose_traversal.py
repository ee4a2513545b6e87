"""TransposedKernelTraversal without a kernel or browser: the two views agree on every cell, the payload decodes to
the core's geometry, refusals keep the picture and say why, from_layer on convkit and real Keras layers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import convkit
from convkit import layers as L
from convkit.core.numeric import convolve
from convkit.core.numeric_transpose import flip_kernel, zero_stuff
from convkit.render.transpose_words import step_sentence
from convkit.widgets.transpose_traversal import TransposedKernelTraversal as T

CASES = [
    pytest.param(dict(input_size=(2, 2), kernel_size=3), id="no_padding_no_strides_transposed"),
    pytest.param(dict(input_size=(2, 2), kernel_size=3, strides=2), id="no_padding_strides_transposed"),
    pytest.param(dict(input_size=(3, 3), kernel_size=3, strides=2, padding="same"), id="padding_strides_transposed"),
    pytest.param(dict(input_size=(5, 5), kernel_size=4, padding="same"), id="same_even_kernel_transposed"),
    pytest.param(dict(input_size=(4, 4), kernel_size=3, dilation_rate=2), id="dilation_transposed"),
    pytest.param(dict(input_size=(13, 13), kernel_size=3, strides=2, output_padding=1), id="example_1_mirror"),
    pytest.param(dict(input_size=(7, 7), kernel_size=3, strides=2, padding="same", output_padding=0), id="same_op0"),
    pytest.param(dict(input_size=(3, 4), kernel_size=(2, 3), strides=(3, 2)), id="stride_above_kernel"),
    pytest.param(dict(input_size=6, kernel_size=3, strides=2, padding="same", output_padding=1), id="1d_same_op1"),
    pytest.param(dict(input_size=(4, 4), strides=2, operation="upsample"), id="upsample_nearest"),
    pytest.param(dict(input_size=5, strides=3, operation="upsample"), id="upsample_1d"),
]


def scatter_sum(w: T) -> np.ndarray:
    """Replay the Scatter view the way the browser does: every step adds its contributions into the drawn grid."""
    m = w.model
    grid = np.zeros(m.grid_size)
    for s in range(m.num_steps):
        index = np.unravel_index(s, m.input_size)
        rows = [tab[i] for tab, i in zip(m.targets, index)]
        for flat, combo in enumerate(np.ndindex(*[len(r) for r in rows])):
            cell = tuple(int(r[j]) for r, j in zip(rows, combo))
            if min(cell) >= 0:
                grid[cell] += m.values["contrib"][s, flat]
    crop = tuple(slice(b, b + o) for b, o in zip(m.crop_before, m.output_size))
    return grid[crop]


def direct_reference(w: T) -> np.ndarray:
    """The Zero-stuffed view in plain numpy: a stride-1 convolution of the flipped kernel over the padded stuffed input."""
    t = w.traversal
    x = w.model.values["x"]
    if w.operation == "conv":
        k = np.asarray(w.numbers[1] if isinstance(w.numbers, tuple) else demo_kernel(w), np.float64)[..., :1, :]
    else:
        k = np.ones((*t.kernel_size, 1, 1))
    stuffed = zero_stuff(x[None], t.strides)
    padded = np.pad(stuffed, [(0, 0), *t.direct_padding, (0, 0)])
    flipped = flip_kernel(k)  # (*k, C_in, filters): Conv's order
    return convolve(padded, flipped, 1, "valid", t.dilation_rate)[0, ..., 0]


def demo_kernel(w: T) -> np.ndarray:
    shape = (*w.kernel_size, w.filters, w.in_channels)
    return (np.arange(math.prod(shape)) % 3 - 1).astype(float).reshape(shape)


@pytest.mark.parametrize("case", CASES)
def test_the_two_views_agree_on_every_cell(case: dict) -> None:
    w = T(**case, numbers=True)
    out = w.model.values["output"]
    assert np.allclose(scatter_sum(w), out)
    assert np.allclose(direct_reference(w), out)
    # the taps reaching each output cell: the same count in both views (the overlap map)
    direct = T(**case, view="direct")
    from convkit.render.transpose_words import _direct_real

    counts = np.array([_direct_real(direct.model, list(c)) for c in np.ndindex(*w.model.output_size)])
    assert np.array_equal(counts.reshape(w.model.output_size), w.traversal.overlap)


@pytest.mark.parametrize("case", CASES)
def test_payload_decodes_to_the_core_geometry(case: dict) -> None:
    w = T(**case)
    t, h = w.traversal, w.header
    assert tuple(h["output_size"]) == t.output_size
    assert tuple(h["crop_before"]) == tuple(c[0] for c in t.crop)
    assert tuple(h["grid_size"]) == tuple(u + a for u, a in zip(t.uncropped_size, t.added))
    targets = np.frombuffer(w.buffer("targets"), "<i4")
    offset = 0
    for ax, (n, k, s, d) in enumerate(zip(t.input_size, t.kernel_size, t.strides, t.dilation_rate)):
        table = targets[offset : offset + n * h["widths"][ax]].reshape(n, h["widths"][ax])
        offset += table.size
        assert np.array_equal(table, np.arange(n)[:, None] * s + np.arange(k)[None, :] * d)
    overlap = np.frombuffer(w.buffer("overlap"), "<i4").reshape(h["grid_size"])
    crop = tuple(slice(b, b + o) for b, o in zip(h["crop_before"], h["output_size"]))
    assert np.array_equal(overlap[crop], t.overlap)
    assert h["stuffed_size"] == list(t.stuffed_size) and h["direct_padding"] == [list(p) for p in t.direct_padding]
    assert w.num_steps == t.num_steps
    w.view = "direct"
    assert w.num_steps == math.prod(t.output_size)


def test_numbers_with_channels_sum_their_parts() -> None:
    rng = np.random.default_rng(0)
    x, k = rng.normal(size=(3, 4, 3)), rng.normal(size=(3, 3, 2, 3))
    w = T((3, 4), 3, strides=2, padding="same", in_channels=3, filters=2, numbers=(x, k), view="direct")
    v = w.model.values
    assert np.allclose(v["parts"].sum(-1), v["output"])
    assert np.allclose(v["output"], convkit.convolve_transpose(x[None], k[..., :1, :], 2, "same")[0, ..., 0])
    assert np.allclose(scatter_sum(w), v["output"])
    assert w.sum_text(5).count("channel ") == 3


def test_bilinear_has_the_scatter_view_only() -> None:
    w = T((4, 4), strides=2, operation="upsample", interpolation="bilinear", numbers=True)
    assert np.allclose(scatter_sum(w), w.model.values["output"])
    assert "bilinear weights" in w.sentence(5)
    w.view = "direct"
    assert w.view == "scatter" and "scatter view only" in w.message


REFUSALS = [
    pytest.param({"output_padding": 2}, "output_padding", id="output_padding_ge_strides"),
    pytest.param({"view": "sideways"}, "view", id="view"),
    pytest.param({"padding": "causal"}, "padding", id="causal"),
    pytest.param({"step": 10**6}, "step", id="step_too_large"),
    pytest.param({"step": 1.5}, "step", id="step_float"),
    pytest.param({"numbers": (np.ones((2, 2)), None)}, "x.shape", id="numbers_shape"),
    pytest.param({"input_size": (200, 200), "numbers": True}, "at most 1024", id="numbers_too_large"),
    pytest.param({"speed": 0}, "speed", id="speed"),
    pytest.param({"kernel_size": 0}, "kernel_size", id="kernel_zero"),
    pytest.param({"input_size": (1, 2, 3, 4)}, "input_size", id="rank_4"),
    pytest.param({"show_overlap": "yes"}, "show_overlap", id="overlap_type"),
]


@pytest.mark.parametrize(("change", "word"), REFUSALS)
def test_refused_values_keep_the_picture_and_say_why(change: dict, word: str) -> None:
    w = T((4, 4), 3, strides=2)
    header, step = w.header, w.step
    before = {name: getattr(w, name) for name in change}
    assert w.update(change) is False
    assert word in w.message and "Received: " in w.message.rsplit(". ", 1)[-1]
    assert "Traceback" not in w.message
    assert w.header == header and w.step == step
    assert {name: getattr(w, name) for name in change} == before
    if len(change) == 1:  # an attribute assignment is refused the same way, never raised
        [(name, value)] = change.items()
        setattr(w, name, value)
        assert word in w.message
    w.update(strides=3)
    assert w.message == "" and w.strides == (3, 3)
    with pytest.raises(ValueError, match="output_padding"):
        T((4, 4), 3, strides=2, output_padding=2)


def test_view_toggle_keeps_the_arrays_and_restarts_the_step() -> None:
    w = T((5, 5), 3, strides=2, step=7)
    targets = w._canvas.targets
    w.view = "direct"
    assert w.step == 0 and w._canvas.view == "direct" and w._canvas.targets is targets
    w._canvas.step = 30  # the browser paused at step 31
    assert w.step == 30
    w._canvas.show_overlap = True
    assert w.show_overlap
    assert w.sentence().startswith("step 31/121 · output[2, 8]")


@pytest.mark.parametrize("op", [None, 0, 1])
def test_from_layer_output_padding_sizes_equal_compute_output_shape(op: int | None) -> None:
    layer = L.Conv2DTranspose(4, 3, strides=2, padding="same", output_padding=op)
    w = T.from_layer(layer, (None, 7, 7, 2))
    assert (None, *w.output_shape) == layer.compute_output_shape((None, 7, 7, 2))
    assert w.header["formula"][1].strip().startswith("height:")
    assert convkit.KernelTraversal.from_layer(layer, (None, 7, 7, 2)).output_shape == w.output_shape


def test_from_layer_convkit_layers() -> None:
    w = T.from_layer(L.Conv1DTranspose(3, 4, strides=3), (None, 5, 2))
    assert (None, *w.output_shape) == L.Conv1DTranspose(3, 4, strides=3).compute_output_shape((None, 5, 2))
    c3 = L.Conv3DTranspose(2, 3, strides=2, padding="same")
    w = T.from_layer(c3, (None, 4, 5, 6, 1), depth_slice=2)
    assert (None, *w.output_shape) == c3.compute_output_shape((None, 4, 5, 6, 1))
    assert w.model.input_size == (5, 6) and "input plane 2 of 4" in w.header["depth_text"]
    w.depth_slice = 9
    assert "depth_slice" in w.message and w.depth_slice == 2
    up = T.from_layer(L.UpSampling2D((2, 3), interpolation="bilinear"), (None, 4, 5, 3))
    assert up.output_shape == (8, 15, 3) and up.interpolation == "bilinear"
    assert T.from_layer(L.UpSampling1D(3), (None, 5, 2)).output_shape == (15, 2)
    with pytest.raises(TypeError, match="from_layer draws"):
        T.from_layer(L.Conv2D(2, 3), (None, 8, 8, 1))


@pytest.mark.tf
@pytest.mark.parametrize("op", [None, 0, 1])
def test_from_real_keras_layers(op: int | None) -> None:
    keras = pytest.importorskip("keras")
    for layer, shape in [
        (keras.layers.Conv2DTranspose(4, 3, strides=2, padding="valid", output_padding=op), (None, 13, 13, 2)),
        (keras.layers.Conv2DTranspose(2, 3, strides=2, padding="same", output_padding=op), (None, 7, 6, 1)),
        (keras.layers.Conv1DTranspose(2, 4, strides=2, output_padding=op), (None, 9, 3)),
        (keras.layers.Conv3DTranspose(2, 3, strides=2, output_padding=op), (None, 3, 4, 4, 1)),
    ]:
        w = convkit.KernelTraversal.from_layer(layer, shape)
        assert isinstance(w, T)
        assert (None, *w.output_shape) == tuple(layer.compute_output_shape(shape))
    for layer, shape in [
        (keras.layers.UpSampling2D(2, interpolation="bilinear"), (None, 4, 4, 1)),
        (keras.layers.UpSampling1D(3), (None, 5, 2)),
    ]:
        w = convkit.KernelTraversal.from_layer(layer, shape)
        assert (None, *w.output_shape) == tuple(layer.compute_output_shape(shape))


@pytest.mark.tf
def test_numbers_equal_keras() -> None:
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(1)
    x, k = rng.normal(size=(5, 4, 2)), rng.normal(size=(3, 3, 1, 2))
    w = T((5, 4), 3, strides=2, output_padding=1, in_channels=2, numbers=(x, k))
    want = np.asarray(keras.ops.conv_transpose(x[None], k, 2, "valid", output_padding=1))[0, ..., 0]
    assert np.allclose(w.model.values["output"], want, atol=1e-5)
    img = rng.normal(size=(1, 3, 5, 1)).astype("float32")
    up = T((3, 5), strides=(2, 3), operation="upsample", interpolation="bilinear", numbers=(img[0], None))
    want = np.asarray(keras.layers.UpSampling2D((2, 3), interpolation="bilinear")(img))[0, ..., 0]
    assert np.allclose(up.model.values["output"], want, atol=1e-5)


@settings(max_examples=80, deadline=None)
@given(
    n=st.tuples(st.integers(1, 5), st.integers(1, 5)),
    k=st.integers(1, 4),
    s=st.integers(1, 3),
    padding=st.sampled_from(["valid", "same"]),
    op=st.sampled_from([None, 0, 1, 2]),
    c=st.integers(1, 3),
)
def test_property_views_agree_and_sentences_match_the_core(n, k, s, padding, op, c) -> None:
    if op is not None and op >= s:
        return
    try:
        w = T(n, k, strides=s, padding=padding, output_padding=op, in_channels=c, numbers=True)
    except ValueError as err:  # an empty output, refused with the core's message
        assert "Received:" in str(err)
        return
    assert np.allclose(scatter_sum(w), w.model.values["output"])
    assert np.allclose(direct_reference(w), w.model.values["output"])
    step = w.num_steps - 1
    assert step_sentence(w.model, "scatter", step).startswith(f"step {step + 1}/{w.num_steps} · input[")


def test_static_bundle_and_repr() -> None:
    w = T((3, 3), 3, strides=2, numbers=True, step=4)
    bundle = w.static_bundle()
    assert bundle is not None and bundle["image/png"] and "step 5/9" in bundle["text/html"]
    assert set(w._repr_mimebundle_()) == {"application/vnd.jupyter.widget-view+json", "text/plain"}
    assert "Conv2DTranspose" in repr(w)


def test_large_inputs_send_small_arrays() -> None:
    w = T((512, 512), 3, strides=2)
    assert len(w.buffer("targets")) == 2 * 512 * 3 * 4
    assert len(w.buffer("overlap")) == 4 * 1025 * 1025
    assert w.buffer("contrib") == b""


# -- the layer's controls (no kernel: the fields and dropdowns are ipywidgets models driven from Python) ------------
from convkit.core.axis import transposed_axis  # noqa: E402
from convkit.widgets.transpose_traversal import output_padding_options  # noqa: E402


def typed(w: T, name: str, *values: object) -> None:
    """Type ``values`` into the fields of ``name``, one after the other, as a learner would (Enter after each)."""
    for box, value in zip(w._controls.fields[name], values):
        box.value = str(value)


def field_texts(w: T, name: str) -> list[str]:
    return [box.value for box in w._controls.fields[name]]


CONTROL_CHANGES = [
    pytest.param(("input_size", (7, 9)), dict(input_size=(7, 9)), id="input_size"),
    pytest.param(("kernel_size", (4, 2)), dict(kernel_size=(4, 2)), id="kernel_size"),
    pytest.param(("strides", (3, 3)), dict(strides=(3, 3)), id="strides"),
    pytest.param(("dilation_rate", (2, 1)), dict(dilation_rate=(2, 1)), id="dilation_from_strides_1"),
    pytest.param(("padding", "same"), dict(padding="same"), id="padding_same"),
    pytest.param(("output_padding", 0), dict(output_padding=(0, 0)), id="output_padding_0"),
    pytest.param(("output_padding", "None"), dict(output_padding=None), id="output_padding_None"),
    pytest.param(("operation", "upsample"), dict(operation="upsample", kernel_size=(2, 2)), id="upsample"),
]


@pytest.mark.parametrize(("edit", "expected"), CONTROL_CHANGES)
def test_a_control_changes_the_state(edit: tuple, expected: dict) -> None:
    w = T((13, 13), 3, strides=2, output_padding=1) if expected.get("dilation_rate") is None else T((13, 13), 3)
    name, value = edit
    if name in w._controls.fields:
        typed(w, name, *value)
    else:
        getattr(w._controls, name).value = value
    for setting, want in expected.items():
        assert getattr(w, setting) == want, setting
    assert w.message == ""
    # the controls show the state again, and the picture is of it
    for axis_name, boxes in w._controls.fields.items():
        assert [b.value for b in boxes] == [str(v) for v in getattr(w, axis_name)]
    if w.operation == "conv":
        op = w.output_padding or (None, None)
        size = tuple(
            transposed_axis(n, k, s, w.padding, o, d).output
            for n, k, s, o, d in zip(w.input_size, w.kernel_size, w.strides, op, w.dilation_rate)
        )
        assert w.output_shape[:2] == size


CONTROL_REFUSALS = [
    pytest.param((13, 13), "kernel_size", "3.5", "not rounded", id="not_a_whole_number"),
    pytest.param((13, 13), "input_size", "0", "at least 1", id="zero_input"),
    pytest.param((13, 13), "strides", "two", "whole number", id="words"),
    pytest.param((13, 13), "input_size", " ", "whole number", id="empty"),
    pytest.param(13, "input_size", "20000000", "too large", id="too_large_to_trace"),
    pytest.param((13, 13), "dilation_rate", "2", "cannot be combined", id="dilation_with_strides"),
]


@pytest.mark.parametrize(("size", "name", "value", "word"), CONTROL_REFUSALS)
def test_a_refused_control_value_keeps_the_picture_shows_what_was_typed_and_says_why(size, name, value, word) -> None:
    w = T(size, 3, strides=2, output_padding=1)
    before = (w.header, w.buffer("targets"), w.output_shape)
    box = w._controls.fields[name][0]
    box.value = value  # the dilation field is switched off in the browser here; its model still refuses
    assert word in w.message, w.message
    assert "The picture keeps the last valid settings" in w.message and "Received:" in w.message
    assert (w.header, w.buffer("targets"), w.output_shape) == before
    assert box.value == value  # what the learner typed, not a corrected value
    assert "ck-invalid" in box._dom_classes
    assert 'role="alert"' in w._note.value and "Traceback" not in w._note.value
    # the next accepted change writes every field again and clears the outline
    w._controls.padding.value = "same"
    assert w.message == "" and field_texts(w, name) == [str(v) for v in getattr(w, name)]
    assert "ck-invalid" not in box._dom_classes


def test_output_padding_lists_only_values_smaller_than_the_stride() -> None:
    w = T((13, 13), 3, strides=2, output_padding=1)
    assert [v for _, v in w._controls.output_padding.options] == ["None", 0, 1]
    typed(w, "strides", 3, 3)
    assert [v for _, v in w._controls.output_padding.options] == ["None", 0, 1, 2]
    assert w._controls.output_padding.value == 1 and w.output_padding == (1, 1)
    # a smaller stride than output_padding: output_padding goes back to None, and the note says so
    typed(w, "strides", 1)
    assert w.strides == (1, 3) and w.output_padding is None and w.message == ""
    assert "output_padding was 1" in w._note.value
    assert [v for _, v in w._controls.output_padding.options] == ["None", (0, 0), (0, 1), (0, 2)]
    assert w._controls.output_padding.label == "None"  # shown as selected, not blank
    w._controls.output_padding.value = (0, 2)
    assert w.output_padding == (0, 2) and w.output_shape[:2] == (15, 41)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 9), min_size=1, max_size=3))
def test_property_output_padding_options_are_exactly_the_legal_values(strides: list[int]) -> None:
    options = [v for _, v in output_padding_options(tuple(strides))]
    assert options[0] == "None" and len(options) == len(set(map(str, options)))
    for v in options[1:]:
        op = (v,) * len(strides) if isinstance(v, int) else v
        assert len(op) == len(strides) and all(0 <= o < s for o, s in zip(op, strides))
        T((2,) * len(strides), 3, strides=tuple(strides), output_padding=op)  # the widget accepts every choice


def test_controls_switch_off_what_the_layer_has_no_choice_for_and_say_why() -> None:
    w = T((4, 4), strides=2, operation="upsample")
    c = w._controls
    assert c.labels["strides"].value == "size"
    assert all(b.disabled for b in c.fields["kernel_size"] + c.fields["dilation_rate"])
    assert c.padding.disabled and c.output_padding.disabled and not c.interpolation.disabled
    assert "upsampling has none" in c.reasons.value
    c.interpolation.value = "bilinear"
    assert w.interpolation == "bilinear" and w.view == "scatter"
    c.operation.value = "conv"
    assert w.operation == "conv" and c.interpolation.disabled and "upsampling only" in c.reasons.value
    w3 = T((3, 4, 4), 2, strides=2)
    assert [v for _, v in w3._controls.operation.options] == ["conv"] and len(w3._controls.fields["input_size"]) == 3


def test_attribute_changes_show_in_the_controls_and_every_control_is_labelled() -> None:
    w = T(6, 3, strides=2)
    w.update(input_size=9, strides=3, output_padding=2)
    c = w._controls
    assert field_texts(w, "input_size") == ["9"] and field_texts(w, "strides") == ["3"]
    assert c.output_padding.value == 2
    for control in [*(b for boxes in c.fields.values() for b in boxes), c.padding, c.output_padding, c.operation]:
        assert control.description and control.tooltip  # a name for screen readers and a tooltip


def test_filter_picks_the_output_plane_drawn_in_both_views_and_exports() -> None:
    rng = np.random.default_rng(3)
    x = rng.integers(-2, 3, size=(3, 3, 2)).astype(float)
    kernel = rng.integers(-1, 2, size=(3, 3, 4, 2)).astype(float)
    expected = convkit.convolve_transpose(x[None], kernel, 2, "valid")[0]
    w = T((3, 3), 3, strides=2, in_channels=2, filters=4, numbers=(x, kernel), filter=2)
    assert w.filter == 2 and "filter 2 drawn" in w._state.header["title"]
    np.testing.assert_allclose(w._state.model.values["output"], expected[..., 2])
    np.testing.assert_allclose(w._state.model.values["parts"].sum(axis=-1), expected[..., 2])
    w.filter = 4  # only 4 filters: refused, picture kept
    assert w.filter == 2 and "`filter` picks the output plane drawn: 0 to 3" in w.message
    demo = T((3, 3), 3, strides=2, filters=4, numbers=True, filter=3)
    demo.filters = 2  # fewer planes: the drawn one goes back to 0 and the message says so
    assert demo.filter == 0 and demo.filters == 2 and "filter was 3" in demo._note.value
    controls = w._controls
    controls.filter.value = "1"  # typed in its field
    assert w.filter == 1
    controls.filter.value = "x"
    assert w.filter == 1 and "ck-invalid" in controls.filter._dom_classes
