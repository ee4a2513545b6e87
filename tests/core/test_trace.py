"""Shape traces: shapes, first invalid layer, parameters, receptive field and jump (hand-built stacks)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

import convkit
from convkit import layers as L
from convkit.core.merge import Add, Concatenate, Multiply, Subtract
from convkit.core.trace import MODEL_INPUT, Trace, trace

# (name, input shape, layers, expected receptive field per layer, expected jump per layer)
FIELD_CASES = [
    ("two_3x3_stride_1", (None, 32, 32, 1), [L.Conv2D(4, 3), L.Conv2D(4, 3)], [(3, 3), (5, 5)], [(1, 1), (1, 1)]),
    (
        "3x3_s2_then_3x3",
        (None, 32, 32, 1),
        [L.Conv2D(4, 3, strides=2), L.Conv2D(4, 3)],
        [(3, 3), (7, 7)],
        [(2, 2), (2, 2)],
    ),
    (
        "example_1",
        (3, 28, 28, 3),
        [L.Conv2D(32, 3, strides=2), L.Conv2D(64, 3, padding="same")],
        [(3, 3), (7, 7)],
        [(2, 2), (2, 2)],
    ),
    (
        "example_2",
        (5, 64, 64, 1),
        [L.Conv2D(16, 5, padding="same"), L.Conv2D(32, 3, padding="same")],
        [(5, 5), (7, 7)],
        [(1, 1), (1, 1)],
    ),
    (
        "example_3",
        (2, 128, 128, 3),
        [L.Conv2D(8, 3, strides=4), L.Conv2D(16, 3, padding="same")],
        [(3, 3), (11, 11)],
        [(4, 4), (4, 4)],
    ),
    (
        "dilation",
        (None, 32, 32, 1),
        [L.Conv2D(4, 3, dilation_rate=2), L.Conv2D(4, 3, dilation_rate=4)],
        [(5, 5), (13, 13)],
        [(1, 1), (1, 1)],
    ),
    ("pool_then_conv", (None, 32, 32, 1), [L.MaxPooling2D(2), L.Conv2D(4, 3)], [(2, 2), (6, 6)], [(2, 2), (2, 2)]),
    ("anisotropic", (None, 32, 32, 1), [L.Conv2D(4, (3, 1), strides=(2, 1))], [(3, 1)], [(2, 1)]),
    (
        "conv1d_causal",
        (None, 50, 2),
        [L.Conv1D(4, 3, padding="causal"), L.Conv1D(4, 3, dilation_rate=2, padding="causal")],
        [(3,), (7,)],
        [(1,), (1,)],
    ),
    (
        "padding_transposed",
        (None, 8, 8, 1),
        [L.Conv2D(4, 3, strides=2, padding="same"), L.Conv2DTranspose(4, 3, strides=2, padding="same")],
        [(3, 3), (5, 5)],  # r = 3 + (3 - 1)·(2 / 2)
        [(2, 2), (1, 1)],
    ),
    (
        "transposed_fractional_jump",
        (None, 8, 8, 1),
        [L.Conv2DTranspose(4, 3, strides=2)],
        [(2, 2)],
        [(Fraction(1, 2), Fraction(1, 2))],
    ),
    (
        "shape_preserving_pass_through",
        (None, 16, 16, 3),
        [L.Conv2D(4, 3), L.BatchNormalization(), L.ReLU(), L.Dropout(0.2), L.ZeroPadding2D(1), L.Dense(8)],
        [(3, 3)] * 6,
        [(1, 1)] * 6,
    ),
    ("upsampling", (None, 8, 8, 1), [L.Conv2D(4, 3, strides=2), L.UpSampling2D(2)], [(3, 3), (3, 3)], [(2, 2), (1, 1)]),
]


@pytest.mark.parametrize("shape,layers,fields,jumps", [c[1:] for c in FIELD_CASES], ids=[c[0] for c in FIELD_CASES])
def test_receptive_field_and_jump(shape, layers, fields, jumps):
    t = trace(shape, layers)
    assert t.is_valid
    assert [e.receptive_field for e in t.entries] == fields
    assert [e.jump for e in t.entries] == jumps


def test_whole_numbers_are_plain_ints():
    t = trace((None, 8, 8, 1), [L.Conv2DTranspose(4, 3, strides=2), L.Conv2D(4, 3, strides=2)])
    assert t.entries[-1].jump == (1, 1) and all(type(v) is int for v in t.entries[-1].jump)


def test_article_shapes_and_params():
    t = convkit.trace((3, 28, 28, 3), [L.Conv2D(32, 3, strides=2, padding="valid"), L.Conv2D(64, 3, padding="same")])
    assert isinstance(t, Trace)
    assert [e.input_shape for e in t.entries] == [(3, 28, 28, 3), (3, 13, 13, 32)]
    assert [e.output_shape for e in t.entries] == [(3, 13, 13, 32), (3, 13, 13, 64)]
    assert [e.params for e in t.entries] == [896, 18496] and t.total_params == 19392
    assert t.output_shape == (3, 13, 13, 64) and t.first_error is None and t.is_valid
    assert [e.inputs for e in t.entries] == [(), (0,)]
    assert [e.index for e in t.entries] == [0, 1]
    assert "floor((28 + 0 + 0 - 3) / 2) + 1 = 13" in str(t.entries[0].explanation)


def test_global_pool_field_is_the_span_read_and_jump_ends():
    # example 3 then a global pool: the strided valid layer never reads the last row, so the field is 127, not 128
    t = trace((2, 128, 128, 3), [L.Conv2D(8, 3, strides=4), L.GlobalAveragePooling2D(), L.Dense(10)])
    assert t.entries[1].receptive_field == (127, 127) and t.entries[1].jump is None
    assert t.entries[2].receptive_field == (127, 127)  # Dense on the pooled vector keeps it
    assert t.output_shape == (2, 10)


def test_flatten_and_dense_mix_everything():
    t = trace((None, 8, 8, 1), [L.Conv2D(4, 3), L.Flatten(), L.Dense(10)])
    assert t.entries[1].receptive_field is None and t.entries[2].receptive_field is None
    assert t.entries[1].jump is None
    assert t.output_shape == (None, 10) and t.total_params == 40 + 36 * 4 * 10 + 10


def test_dense_on_an_image_acts_on_channels_only():
    t = trace((None, 8, 8, 3), [L.Conv2D(4, 3), L.Dense(10)])
    assert t.output_shape == (None, 6, 6, 10)
    assert t.entries[1].receptive_field == (3, 3) and t.entries[1].params == 4 * 10 + 10


def test_first_invalid_layer_and_later_entries_none():
    layers = [L.Conv2D(8, 3, strides=2), L.Conv2D(8, 3, strides=2), L.Conv2D(8, 5), L.Conv2D(8, 1), L.Flatten()]
    t = trace((None, 12, 12, 1), layers)
    assert not t.is_valid and t.output_shape is None
    bad = t.first_error
    assert bad.index == 2 and bad.input_shape == (None, 2, 2, 8)
    assert "kernel 5 is larger than the input 2" in bad.error and "height" in bad.error
    assert bad.output_shape is None and bad.params is None and bad.receptive_field is None and bad.explanation is None
    for later in t.entries[3:]:
        assert later.input_shape is None and later.output_shape is None and later.error is None
        assert later.params is None and later.receptive_field is None and later.jump is None and not later.reached
    assert t.total_params == 80 + 584  # the layers that could be built
    assert t.errors == (bad,)


def test_conv_after_flatten_is_a_rank_error():
    t = trace((None, 28, 28, 1), [L.Flatten(), L.Conv2D(8, 3)])
    assert t.first_error.index == 1
    assert "rank" in t.first_error.error and "(None, 784)" in t.first_error.error


def test_channel_depth_follows_the_layers():
    t = trace((None, 28, 28, 1), [L.Conv2D(8, 3), L.DepthwiseConv2D(3, depth_multiplier=2), L.SeparableConv2D(4, 3)])
    assert [e.output_shape[-1] for e in t.entries] == [8, 16, 4]


def test_dense_on_unknown_features_is_invalid():
    # Keras refuses to build weights for a None axis, so convkit marks the layer invalid too
    t = trace((None, None, None, 3), [L.Conv2D(4, 3), L.Flatten(), L.Dense(3)])
    assert t.entries[1].output_shape == (None, None)
    assert t.first_error.index == 2


def test_empty_stack():
    t = trace((None, 4, 4, 1), [])
    assert t.output_shape == (None, 4, 4, 1) and t.is_valid and t.total_params == 0 and len(t) == 0


# --- graphs ------------------------------------------------------------------------------------------


def test_residual_block_with_add():
    layers = [L.Conv2D(16, 3, padding="same"), L.Conv2D(16, 3, padding="same"), Add()]
    t = trace((None, 16, 16, 16), layers, inputs=[(), (0,), (MODEL_INPUT, 1)])
    assert t.entries[2].input_shape == ((None, 16, 16, 16), (None, 16, 16, 16))
    assert t.entries[2].inputs == (MODEL_INPUT, 1)
    assert t.output_shape == (None, 16, 16, 16)
    assert t.entries[2].receptive_field == (5, 5) and t.entries[2].jump == (1, 1)


def test_add_refuses_mismatched_shapes():
    layers = [L.Conv2D(64, 3, padding="same"), Add()]
    t = trace((None, 16, 16, 32), layers, inputs=[(), (MODEL_INPUT, 0)])
    assert t.first_error.index == 1
    assert "Add needs equal shapes; received (None, 16, 16, 32) and (None, 16, 16, 64)" in t.first_error.error
    assert "1×1 convolution with 32 filters" in t.first_error.error


def test_merge_specs_mirror_keras_rules():
    assert Multiply().compute_output_shape([(2, 8, 8, 3), (2, 1, 1, 3)]) == (2, 8, 8, 3)  # size 1 broadcasts
    assert Concatenate(axis=1).compute_output_shape([(None, 4, 8), (None, 6, 8)]) == (None, 10, 8)
    assert Concatenate().compute_output_shape([(None, 4, None), (None, 4, 8)]) == (None, 4, None)
    with pytest.raises(ValueError, match="Concatenate needs equal shapes except along the channel axis"):
        Concatenate().compute_output_shape([(None, 16, 16, 32), (None, 14, 14, 32)])
    with pytest.raises(ValueError, match="exactly 2"):
        Subtract().compute_output_shape([(None, 4), (None, 4), (None, 4)])
    with pytest.raises(ValueError, match="list of input shapes"):
        Add().compute_output_shape((None, 4, 4, 1))
    assert Add().count_params([(None, 4), (None, 4)]) == 0


def test_wiring_must_follow_computation_order():
    with pytest.raises(ValueError, match="earlier layer"):
        trace((None, 4, 4, 1), [L.ReLU(), L.ReLU()], inputs=[(), (1,)])
    with pytest.raises(ValueError, match="only merge layers"):
        trace((None, 4, 4, 1), [L.ReLU(), L.ReLU()], inputs=[(), (MODEL_INPUT, 0)])
    with pytest.raises(ValueError, match="every layer"):
        trace((None, 4, 4, 1), [L.ReLU()], inputs=[(), ()])


def test_invalid_branch_stops_only_its_readers():
    layers = [L.Conv2D(4, 9), L.Conv2D(4, 1), Concatenate()]
    t = trace((None, 8, 8, 1), layers, inputs=[(), (), (0, 1)])
    assert t.entries[0].error is not None
    assert t.entries[1].output_shape == (None, 8, 8, 4)
    assert t.entries[2].input_shape is None


def test_non_layers_are_refused():
    with pytest.raises(TypeError, match="convkit layer spec"):
        trace((None, 4, 4, 1), ["Conv2D"])
    with pytest.raises(ValueError, match="positive integer or None"):
        trace((None, 0, 4, 1), [])


# --- LayerStack --------------------------------------------------------------------------------------


def example_stack():
    return convkit.LayerStack((3, 28, 28, 3), [L.Conv2D(32, 3, strides=2), L.Conv2D(64, 3, padding="same")])


def test_stack_values_and_cached_trace():
    s = example_stack()
    assert s.output_shape == (3, 13, 13, 64) and s.count_params() == 19392 and s.is_valid
    assert s.trace is s.trace and len(s) == 2 and s.is_sequential and s.inputs == ((), (0,))
    assert "<table" in s._repr_html_()
    assert "floor((28 + 0 + 0 - 3) / 2) + 1 = 13" in str(s.explain())


def test_stack_edits_return_new_stacks():
    s = example_stack()
    wider = s.replace(0, L.Conv2D(32, 3, strides=2, padding="same"))
    assert wider.output_shape == (3, 14, 14, 64) and s.output_shape == (3, 13, 13, 64)
    pooled = s.insert(1, L.MaxPooling2D(2))
    assert [e.output_shape for e in pooled.trace.entries][1] == (3, 6, 6, 32)
    assert s.remove(0).output_shape == (3, 28, 28, 64)
    moved = s.insert(2, L.MaxPooling2D(2)).move(2, 0)
    assert type(moved.layers[0]).__name__ == "MaxPooling2D" and moved.output_shape == (3, 6, 6, 64)
    assert s.with_input_shape((1, 64, 64, 3)).output_shape == (1, 31, 31, 64)
    assert s.append(L.Flatten()).output_shape == (3, 13 * 13 * 64)
    with pytest.raises(IndexError, match="between -2 and 1"):
        s.remove(2)
    assert s.remove(-1).output_shape == (3, 13, 13, 32)


def test_graph_edits_keep_the_wiring():
    g = convkit.LayerStack(
        (None, 16, 16, 8),
        [L.Conv2D(8, 3, padding="same"), L.Conv2D(8, 3, padding="same"), Add()],
        inputs=[(), (0,), (-1, 1)],
    )
    inserted = g.insert(1, L.ReLU())
    assert inserted.inputs == ((), (0,), (1,), (MODEL_INPUT, 2))
    removed = g.remove(0)
    assert removed.inputs == ((), (MODEL_INPUT, 0)) and removed.output_shape == (None, 16, 16, 8)
    assert g.remove(1).inputs == ((), (MODEL_INPUT, 0))
    with pytest.raises(ValueError, match="sequential stacks only"):
        g.move(0, 1)
    broken = g.replace(1, L.Conv2D(16, 3, padding="same"))
    assert broken.trace.first_error.index == 2


def test_summary_facade_accepts_stacks_and_lists():
    s = example_stack()
    assert str(convkit.summary(s)) == str(s.summary())
    assert str(convkit.summary((s.input_shape, list(s.layers)))) == str(s.summary())
    assert str(convkit.summary(list(s.layers), input_shape=(3, 28, 28, 3))) == str(s.summary())
    with pytest.raises(ValueError, match="needs an input shape"):
        convkit.summary(list(s.layers))
    with pytest.raises(TypeError, match="LayerStack"):
        convkit.summary(42)


def test_diagram_and_editor_delegate(monkeypatch):
    import sys
    import types

    calls = []
    render = types.ModuleType("convkit.render.stack")
    render.draw_stack_figure = lambda stack, **kw: calls.append(("diagram", stack, kw)) or "figure"
    widget = types.ModuleType("convkit.widgets.stack_editor")
    widget.StackEditor = lambda stack, **kw: calls.append(("editor", stack, kw)) or "editor"
    monkeypatch.setitem(sys.modules, "convkit.render.stack", render)
    monkeypatch.setitem(sys.modules, "convkit.widgets.stack_editor", widget)
    s = example_stack()
    assert s.diagram(width=3) == "figure" and s.editor(height=2) == "editor"
    assert calls == [("diagram", s, {"width": 3}), ("editor", s, {"height": 2})]


# --- receptive field against a brute-force index walk ------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


def _span_of_output(layers, shape, out_index):
    """First and last input index (padding included) that output ``out_index`` of the last layer depends on."""
    axes = []
    for layer in layers:
        axes.append(layer.spatial_axes(shape)[0])
        shape = layer.compute_output_shape(shape)
    lo = hi = out_index
    for axis in reversed(axes):
        lo = lo * axis.strides - axis.pad_before
        hi = hi * axis.strides - axis.pad_before + (axis.kernel_size - 1) * axis.dilation_rate
    return lo, hi


_layer_1d = st.one_of(
    st.builds(
        lambda k, s, d, p: L.Conv1D(1, k, strides=s if d == 1 else 1, dilation_rate=d, padding=p),
        st.integers(1, 5),
        st.integers(1, 3),
        st.integers(1, 3),
        st.sampled_from(["valid", "same", "causal"]),
    ),
    st.builds(
        lambda k, s, p: L.MaxPooling1D(k, strides=s, padding=p),
        st.integers(1, 4),
        st.integers(1, 3),
        st.sampled_from(["valid", "same"]),
    ),
)


@settings(deadline=None, max_examples=60)
@given(layers=st.lists(_layer_1d, min_size=1, max_size=4), n=st.integers(40, 120))
def test_receptive_field_matches_index_walk(layers, n):
    t = trace((None, n, 1), layers)
    if not t.is_valid or t.output_shape[1] < 2:
        return
    lo0, hi0 = _span_of_output(layers, (None, n, 1), 0)
    lo1, _ = _span_of_output(layers, (None, n, 1), 1)
    assert t.entries[-1].receptive_field == (hi0 - lo0 + 1,)
    assert t.entries[-1].jump == (lo1 - lo0,)


def test_channels_first_fields():
    cf = "channels_first"
    t = trace((None, 3, 28, 28), [L.Conv2D(8, 3, strides=2, data_format=cf), L.GlobalAveragePooling2D(data_format=cf)])
    assert t.entries[0].output_shape == (None, 8, 13, 13)
    assert t.entries[1].receptive_field == (27, 27) and t.output_shape == (None, 8)


# --- odd arguments: every refusal is convkit's ValueError/TypeError (issue 11) ---------------------------


@pytest.mark.parametrize(
    ("call", "exc", "fragment"),
    [
        (lambda: trace((None, 28, 28, 1), 1), TypeError, "`layers` must be a list"),
        (lambda: trace((None, 28, 28, 1), "abc"), TypeError, "Received: layers='abc'"),
        (lambda: trace((None, 28, 28, 1), {L.Flatten()}), TypeError, "a set has no order"),
        (lambda: trace((None, 28, 28, 1), L.Conv2D(8, 3)), TypeError, "put it in a list: [Conv2D(8"),
        (lambda: trace((None, 28, 28, 1), range(10**12)), ValueError, "more than 100,000 entries"),
        (
            lambda: convkit.LayerStack((None, 28, 28, 1), [L.Conv2D]),
            TypeError,
            "layers[0] is the class Conv2D, not a layer: call it with its arguments, e.g. Conv2D(32, 3) rather than "
            "Conv2D",
        ),
        (lambda: convkit.LayerStack((None, 28, 28, 1), [L.Flatten, L.Dense]), TypeError, "e.g. Flatten() rather than"),
        (lambda: convkit.LayerStack((None, 28, 28, 1), L.Conv2D(8, 3)), TypeError, "put it in a list"),
        (lambda: convkit.LayerStack((None, 28, 28, 1), [], name=3), TypeError, "Received: name=3"),
        (lambda: convkit.LayerStack((None, 8, 1), [L.Flatten()], inputs=5), TypeError, "Received: inputs=5"),
        (lambda: convkit.LayerStack((None, 8, 1), [L.Flatten()], inputs=[1.5]), ValueError, "Received: inputs[0]=1.5"),
        (
            lambda: convkit.LayerStack((None, 8, 1), [L.Flatten()], inputs=[(0, 0, 0)]),
            ValueError,
            "inputs[0]=(0, 0, 0)",
        ),
        (lambda: convkit.LayerStack(range(10**12), []), ValueError, "more than 64 dimensions"),
        (lambda: convkit.LayerStack(np.array(5), []), TypeError, "Received: input_shape=array(5)"),
        (lambda: convkit.LayerStack((None, 10**400, 1), []), ValueError, "0000, 1) (412 characters)"),
        (lambda: convkit.summary(-1), TypeError, "Received: model_or_stack=-1 (of type int)"),
        (lambda: convkit.summary({1, 2}), TypeError, "Received: model_or_stack={1, 2}"),
    ],
)
def test_odd_arguments_get_convkits_message(call, exc, fragment):
    with pytest.raises(exc) as info:
        call()
    assert fragment in str(info.value) and "Received" in str(info.value), str(info.value)
    assert len(str(info.value)) < 600


@pytest.mark.parametrize("merge", [Add(), Subtract(), Multiply(), Concatenate()], ids=lambda m: type(m).__name__)
def test_merges_refuse_shapes_without_a_batch_axis(merge):
    with pytest.raises(ValueError, match=r"batch axis first.*an empty shape \(\) has no axes.*Received: input_shapes"):
        merge.compute_output_shape([(), ()])
    stack = convkit.LayerStack((None, 4), [L.Dense(4), merge], inputs=[(), (-1, 0)])
    assert stack.output_shape is not None or "Concatenate" in stack.trace.first_error.error


def test_concatenate_on_rank_1_says_there_is_no_axis_to_join():
    with pytest.raises(ValueError) as info:
        Concatenate().compute_output_shape([(3,), (3,)])
    assert "has only the batch axis" in str(info.value) and "Received: axis=-1, input_shapes=[(3,), (3,)]" in str(
        info.value
    )
    assert "1..0" not in str(info.value) and "-0" not in str(info.value)
    with pytest.raises(ValueError, match=r"non-batch axis of a 2-D input \(1 or -1\)\. Received: axis=0"):
        Concatenate(axis=0).compute_output_shape([(None, 3), (None, 3)])
    with pytest.raises(ValueError, match=r"\(1 to 3, or -3 to -1\)\. Received: axis=4"):
        Concatenate(axis=4).compute_output_shape([(None, 2, 2, 3), (None, 2, 2, 3)])
    assert Add().compute_output_shape([(3,), (3,)]) == (3,)  # rank 1 element-wise, as in Keras
    assert Concatenate(np.int64(1)).compute_output_shape([(None, 2), (None, 3)]) == (None, 5)
    with pytest.raises(ValueError, match=r"Received: axis=100000000000000000000000000…"):
        Concatenate(10**400)
    with pytest.raises(TypeError, match="Received: name=5"):
        Add(name=5)


def test_the_audio_length_stack_is_explained_without_building_the_axis():
    stack = convkit.LayerStack((None, 10**8, 1), [L.Conv1D(1, 1, strides=10**7)])
    text = str(stack.explain())
    assert stack.output_shape == (None, 10, 1)
    assert "positions never read: positions 1, 2, 3, …, 99999999 (99999990 of 100000000)" in text
