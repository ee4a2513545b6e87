"""KernelTraversal without a kernel or browser: traits -> payload equal to the core, validation, controls,
from_layer, numbers, static image and export. Tests read the public state: the settings, ``message``, the
``payload`` (what the browser receives) and the widget's children (controls, message line, canvas view)."""

from __future__ import annotations

import base64
import math

import numpy as np
import pytest

import convkit
from convkit.core.traversal import traverse
from convkit.widgets._traversal_params import MAX_DRAW_CELLS, TraversalParams
from convkit.widgets.traversal import KernelTraversal, TraversalCanvas

PNG = b"\x89PNG\r\n\x1a\n"

CASES = [
    pytest.param(dict(input_size=(4, 4), kernel_size=3), id="no_padding_no_strides"),
    pytest.param(dict(input_size=(5, 5), kernel_size=3, strides=2), id="no_padding_strides"),
    pytest.param(dict(input_size=(7, 7), kernel_size=3, strides=2, padding=((1, 1), (1, 1))), id="padding_strides"),
    pytest.param(dict(input_size=(6, 6), kernel_size=3, strides=2, padding=((1, 1), (1, 1))), id="padding_strides_odd"),
    pytest.param(dict(input_size=(5, 5), kernel_size=4, padding="same"), id="same_asymmetric"),
    pytest.param(dict(input_size=(7, 7), kernel_size=3, dilation_rate=2), id="dilation"),
    pytest.param(dict(input_size=(28, 28), kernel_size=3, strides=2), id="example_1"),
    pytest.param(dict(input_size=(64, 64), kernel_size=5, padding="same"), id="example_2"),
    pytest.param(dict(input_size=(128, 128), kernel_size=3, strides=4), id="example_3"),
    pytest.param(dict(input_size=12, kernel_size=4, padding="causal", dilation_rate=2), id="causal_1d"),
]


def geometry(w: KernelTraversal) -> dict[str, np.ndarray]:
    """Decode the payload the way the browser does."""
    return {name: w.payload.array(name) for name in ("origins", "offsets", "coverage")}


def view(w: KernelTraversal) -> TraversalCanvas:
    """The canvas view (the widget's last child): what the browser receives and sends back."""
    canvas = w.children[-1]
    assert isinstance(canvas, TraversalCanvas)
    return canvas


def note(w: KernelTraversal) -> str:
    """The message line's HTML (the widget's second child)."""
    return w.children[1].value


@pytest.mark.parametrize("kwargs", CASES)
def test_payload_equals_core_geometry(kwargs: dict) -> None:
    w = KernelTraversal(**kwargs)
    t = traverse(
        kwargs["input_size"],
        kwargs["kernel_size"],
        kwargs.get("strides", 1),
        kwargs.get("padding", "valid"),
        kwargs.get("dilation_rate", 1),
    )
    h, g = w.payload.header, geometry(w)
    assert h["output_size"] == list(t.output_size)
    assert h["padding"] == [list(p) for p in t.padding]
    assert h["padded_size"] == list(t.padded_size)
    assert h["num_steps"] == t.num_steps and h["num_taps"] == t.num_taps
    np.testing.assert_array_equal(g["origins"], t.origins())
    np.testing.assert_array_equal(g["offsets"], t.tap_offsets())
    np.testing.assert_array_equal(g["coverage"], t.coverage)
    # the browser derives step i's output cell by C-order unravel and its taps as origin + offsets
    np.testing.assert_array_equal(
        np.stack(np.unravel_index(np.arange(t.num_steps), t.output_size), 1), t.output_indices()
    )
    np.testing.assert_array_equal(g["origins"][:, None, :] + g["offsets"][None], t.tap_input_indices())
    assert h["unread_cells"] == int(t.unread_mask.sum())
    assert math.isclose(h["unread_fraction"], t.unread_fraction)
    assert w.traversal.output_size == t.output_size
    assert w.output_shape == (*t.output_size, 1)


def test_payload_is_compact_binary() -> None:
    w = KernelTraversal((128, 128), 3, strides=4)
    c = view(w)  # what the browser received
    assert isinstance(c.origins, bytes) and len(c.origins) == 1024 * 2 * 2  # int16 per axis, no per-step taps
    assert len(c.offsets) == 9 * 2 * 2 and len(c.coverage) == 128 * 128  # uint8 counts
    assert c.texts == b"" and w.payload.header["numbers"] is None
    assert c.header is w.payload.header and c.origins == w.payload.buffers["origins"]
    assert len(str(w.payload.header["sentences"])) < 2000, "sentences are templates, not one per step"
    assert "origins" in TraversalCanvas.class_trait_names(sync=True)
    h = c.header
    assert h["formula"][0] == "height: floor((128 + 0 + 0 - 3) / 4) + 1 = 32"
    assert h["depth"].startswith("input channels 1 · kernel depth 1 (must match)")
    assert set(h["palette"]) == {"light", "dark"} and h["palette"]["light"]["window"].startswith("#")
    assert h["unread_fraction"] == 0.4375


def test_parameter_change_sends_new_payload() -> None:
    w = KernelTraversal((28, 28), 3, strides=2, step=100)
    before = w.payload.buffers["origins"]
    w.strides = 1
    assert w.strides == (1, 1) and w.message == ""
    assert w.payload.buffers["origins"] != before
    g = geometry(w)
    np.testing.assert_array_equal(g["origins"], traverse((28, 28), 3).origins())
    assert w.payload.header["output_size"] == [26, 26]
    assert w.step == 100 and view(w).step == 100
    w.update(input_size=(8, 8), kernel_size=5, padding="same")
    assert w.payload.header["padding"] == [[2, 2], [2, 2]] and w.payload.header["output_size"] == [8, 8]
    assert w.step == 63, "step clamped to the new last step"
    w.padding = ((0, 3), (1, 0))
    assert w.payload.header["padding"] == [[0, 3], [1, 0]] and w.padding == ((0, 3), (1, 0))
    w.input_size = 10  # rank change: refused while the explicit padding differs per axis
    assert w.input_size == (8, 8) and "explicit padding ((0, 3), (1, 0)) differs per axis" in w.message
    w.padding = 1
    w.input_size = 10  # uniform per-axis settings are broadcast
    assert w.input_size == (10,) and w.kernel_size == (5,) and w.padding == ((1, 1),)
    assert w.payload.header["rank"] == 1 and w.payload.header["output_size"] == [8]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param(
            {"kernel_size": 9},
            "kernel 9×9 is larger than the padded input 5×5 (no padding); the largest "
            "kernel here is 5×5. Kept kernel 3×3. Received: kernel_size=9",
            id="kernel_9_on_5_valid",
        ),
        pytest.param({"dilation_rate": 2, "strides": 2}, "`strides > 1` cannot be combined", id="strides_and_dilation"),
        pytest.param({"padding": "causal"}, '"causal"` exists only for 1-D', id="causal_in_2d"),
        pytest.param({"padding": "full"}, "`padding` must be", id="unknown_padding"),
    ],
)
def test_invalid_settings_give_message_and_keep_state(change: dict, expected: str) -> None:
    w = KernelTraversal((5, 5), 3, strides=2)
    origins, header = w.payload.buffers["origins"], dict(w.payload.header)
    for name, value in change.items():
        setattr(w, name, value)  # never raises: the interactive path
    assert expected in w.message
    assert "Traceback" not in note(w) and expected.split("`")[0] in note(w)
    assert (w.kernel_size, w.padding, w.input_size) == ((3, 3), "valid", (5, 5))
    assert w.payload.buffers["origins"] == origins and w.payload.header == header
    assert w.update(**change) is False and expected in w.message
    w.kernel_size = 2  # a valid change clears the message
    assert w.message == "" and note(w) == ""


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        pytest.param(dict(input_size=(5, 5), kernel_size=9), "Computed output size would be zero", id="kernel_9"),
        pytest.param(
            dict(input_size=(5, 5), kernel_size=3, strides=2, dilation_rate=2),
            "cannot be combined",
            id="strides_dilation",
        ),
        pytest.param(dict(input_size=(5, 5), kernel_size=3, padding="causal"), "only for 1-D", id="causal_2d"),
        pytest.param(dict(input_size=(5, 5, 5), kernel_size=3), "1 or 2 spatial sizes", id="rank_3"),
        pytest.param(dict(input_size=(5, 5), kernel_size=3, step=9), "`step` must be", id="step_out_of_range"),
        pytest.param(dict(input_size=(5, 5), kernel_size=3, operation="min"), "`operation`", id="operation"),
        pytest.param(dict(input_size=(512, 512), kernel_size=3, numbers=True), "Numbers mode", id="numbers_too_big"),
    ],
)
def test_constructor_raises(kwargs: dict, expected: str) -> None:
    with pytest.raises(ValueError, match="Received") as err:
        KernelTraversal(**kwargs)
    assert expected in str(err.value)


def test_step_setter_checks_range() -> None:
    w = KernelTraversal((5, 5), 3)
    w.step = 8
    assert view(w).step == 8
    w.step = 9
    assert w.step == 8 and "`step` must be an integer from 0 to 8" in w.message
    view(w).set_state({"step": 3})  # the browser paused at step 3 (what a comm message does)
    assert w.step == 3
    view(w).set_state({"step": 99})  # a stale step from the browser: refused, and the browser is told again
    assert w.step == 3 and view(w).step == 3 and "Received: step=99" in w.message


def test_pooling_mode() -> None:
    w = KernelTraversal((13, 13), 2, strides=2, operation="max", in_channels=32)
    t = traverse((13, 13), 2, 2)
    np.testing.assert_array_equal(geometry(w)["origins"], t.origins())
    assert w.output_shape == (6, 6, 32)
    assert "pooling works on each channel alone → output depth 32 (unchanged)" in w.payload.header["depth"]
    w.dilation_rate = 2
    assert "not dilated" in w.message and w.dilation_rate == (1, 1)
    w.operation = "average"
    assert w.payload.header["operation"] == "average"


@pytest.mark.parametrize("operation", ["max", "average"])
def test_pooling_default_strides_are_the_pool_size(operation: str) -> None:
    """Keras' pooling layers: strides=None means strides = pool_size."""
    w = KernelTraversal((8, 8), 2, operation=operation)
    assert w.traversal.strides == (2, 2) and w.strides == (2, 2)
    assert w.output_shape == (4, 4, 1) and w.traversal.output_size == (4, 4)
    assert [s.value for s in w.controls.per_axis["strides"]] == ["2", "2"]
    np.testing.assert_array_equal(geometry(w)["origins"], traverse((8, 8), 2, 2).origins())
    assert KernelTraversal((9, 7), (3, 2), operation=operation).strides == (3, 2)
    assert KernelTraversal(10, 4, operation=operation).output_shape == (2, 1)


def test_explicit_strides_are_respected() -> None:
    w = KernelTraversal((8, 8), 2, strides=1, operation="max")
    assert w.strides == (1, 1) and w.output_shape == (7, 7, 1)
    w.controls.operation.value = "conv"  # an explicit stride does not follow the operation
    assert w.strides == (1, 1)
    w.controls.operation.value = "average"
    assert w.strides == (1, 1) and w.output_shape == (7, 7, 1)
    assert KernelTraversal((8, 8), 2, strides=(1, 2), operation="average").output_shape == (7, 4, 1)
    assert KernelTraversal((8, 8), 3, strides=2).strides == (2, 2)
    assert TraversalParams.create((8, 8), 2, strides=1, operation="max").strides == (1, 1)


def test_convolution_default_strides_still_one() -> None:
    w = KernelTraversal((8, 8), 3)
    assert w.strides == (1, 1) and w.output_shape == (6, 6, 1)
    assert KernelTraversal().strides == (1, 1)
    assert TraversalParams.create((8, 8), 3).strides == (1, 1)
    assert TraversalParams.create((8, 8), 3, operation="max").strides == (3, 3)


def test_operation_control_switch_follows_default_strides() -> None:
    w = KernelTraversal((8, 8), 2)
    c = w.controls
    strides_boxes = c.per_axis["strides"]
    c.operation.value = "max"
    assert w.strides == (2, 2) and w.output_shape == (4, 4, 1) and w.message == ""
    assert [s.value for s in strides_boxes] == ["2", "2"] and w.payload.header["strides"] == [2, 2]
    c.operation.value = "average"
    assert w.strides == (2, 2) and w.payload.header["operation"] == "average"
    c.operation.value = "conv"  # and back
    assert w.strides == (1, 1) and w.output_shape == (7, 7, 1)
    assert [s.value for s in strides_boxes] == ["1", "1"]
    # from a dilated convolution: the control resets dilation, the stride becomes the pool size
    d = KernelTraversal((9, 9), 3, dilation_rate=2)
    d.controls.operation.value = "max"
    assert d.dilation_rate == (1, 1) and d.strides == (3, 3) and d.output_shape == (3, 3, 1)
    d.controls.operation.value = "conv"
    assert d.strides == (1, 1) and d.output_shape == (7, 7, 1)


def test_operation_trait_and_update_follow_default_strides() -> None:
    w = KernelTraversal((8, 8), 2)
    w.operation = "max"
    assert w.strides == (2, 2) and w.output_shape == (4, 4, 1)
    w.kernel_size = 4  # Keras: the default stride is the pool size
    assert w.strides == (4, 4) and w.output_shape == (2, 2, 1)
    w.input_size = 8  # a new rank keeps the rule
    assert w.strides == (4,) and w.output_shape == (2, 1)
    w.operation = "conv"
    assert w.strides == (1,) and w.output_shape == (5, 1)
    assert w.update(operation="average", input_size=(6, 6), kernel_size=3)
    assert w.strides == (3, 3) and w.output_shape == (2, 2, 1)
    assert w.update(operation="conv", dilation_rate=2)  # stride 1 again, so dilation is allowed
    assert w.strides == (1, 1) and w.dilation_rate == (2, 2) and w.message == ""


def test_setting_strides_fixes_them_and_none_restores_default() -> None:
    w = KernelTraversal((8, 8), 2, operation="max")
    w.controls.per_axis["strides"][0].value = "1"  # a control edit is an explicit stride
    assert w.strides == (1, 2)
    w.operation = "conv"
    assert w.strides == (1, 2)
    w.operation = "max"
    assert w.strides == (1, 2) and w.output_shape == (7, 4, 1)
    w.strides = None  # back to Keras' default
    assert w.strides == (2, 2) and w.message == ""
    w.operation = "conv"
    assert w.strides == (1, 1)
    assert w.update(strides=2) and w.strides == (2, 2)
    w.operation = "average"
    assert w.strides == (2, 2)
    w.kernel_size = 3  # explicit: does not follow the pool size
    assert w.strides == (2, 2) and w.output_shape == (3, 3, 1)
    w.strides = 0  # refused: the default is not restored by a refused value
    assert "strides" in w.message and w.strides == (2, 2)
    w.operation = "conv"
    assert w.strides == (2, 2)


def test_from_layer_pooling_uses_layer_strides() -> None:
    layers = convkit.layers
    w = KernelTraversal.from_layer(layers.MaxPooling2D(2, strides=1), (None, 8, 8, 3))
    assert w.strides == (1, 1) and w.output_shape == (7, 7, 3)
    w = KernelTraversal.from_layer(layers.AveragePooling2D(3), (None, 9, 9, 3))
    assert w.strides == (3, 3) and w.output_shape == (3, 3, 3)


def test_numbers_payload_equals_convolve() -> None:
    rng = np.random.default_rng(1)
    x, kernel = rng.normal(size=(6, 7)), rng.normal(size=(3, 2))
    w = KernelTraversal((6, 7), (3, 2), strides=(2, 1), padding="same", numbers=(x, kernel))
    values = w.payload.values
    expected = convkit.convolve(x[None, ..., None], kernel[..., None, None], (2, 1), "same")[0, ..., 0]
    np.testing.assert_array_equal(values.y, expected.ravel())
    np.testing.assert_array_equal(values.x[0, ..., 0], x)
    np.testing.assert_array_equal(values.kernel[..., 0, 0], kernel)
    x_text, w_text, y_text = w.payload.texts()  # what the browser writes: 3 significant digits
    assert x_text == [f"{v:.3g}" for v in x.ravel()] and w_text == [f"{v:.3g}" for v in kernel.ravel()]
    assert y_text == [f"{v:.3g}" for v in expected.ravel()]
    # the multiply-sum the browser writes for a step indexes these values: check it against the core's helper
    from convkit.core.numeric import step_terms

    t = w.traversal
    for s in (0, 7, t.num_steps - 1):
        terms = step_terms(x, kernel, t, s)
        assert math.isclose(terms.total, expected.ravel()[s], rel_tol=1e-12, abs_tol=1e-12)


def test_numbers_true_multichannel_and_pool() -> None:
    w = KernelTraversal((5, 5), 3, in_channels=3, filters=2, numbers=True)
    assert w.payload.header["numbers"] == {"channels": 3, "pool": False, "counts": [25, 9, 9]}
    # the sum counts every channel (the export gets them all, so its sums are the widget's: see
    # test_traversal_sentences.py)
    bias = w.payload.values.bias_texts()[0]  # the demo values have a bias: the sum line adds it, as the layer does
    assert w.payload.sum_sentence(0).endswith(f"(channel 0) + channels 1–2 + bias {bias} = {w.payload.texts()[2][0]}")
    p = KernelTraversal((6, 6), 2, strides=1, padding="same", operation="average", numbers=True)
    xs = p.payload.values.x[0, ..., 0]
    expected = convkit.pool(xs[None, ..., None], 2, 1, "same", "average")[0, ..., 0]
    np.testing.assert_array_equal(p.payload.values.y, expected.ravel())
    assert p.payload.values.kernel is None and p.payload.header["numbers"]["counts"][1] == 0
    p.numbers = None
    assert p.payload.header["numbers"] is None and view(p).texts == b"" and p.payload.values is None
    p.input_size = (300, 300)  # fine without numbers
    p.numbers = True
    assert "Numbers mode" in p.message and p.numbers is None


def test_too_large_shows_message_instead_of_arrays() -> None:
    w = KernelTraversal((2048, 2048), 3)
    h = w.payload.header
    assert h["too_large"].startswith("too large to draw") and w.payload.buffers["origins"] == b""
    assert w.output_shape == (2046, 2046, 1) and 2048 * 2048 > MAX_DRAW_CELLS
    assert w.static_bundle() is None, "no picture of what cannot be drawn"
    w.input_size = (512, 512)
    assert w.payload.header["too_large"] is None and len(w.payload.buffers["origins"]) == 510 * 510 * 4


def test_from_convkit_layers() -> None:
    layers = convkit.layers
    w = KernelTraversal.from_layer(layers.Conv2D(32, 3, strides=2, padding="valid"), (3, 28, 28, 3))
    assert w.output_shape == (13, 13, 32) and w.in_channels == 3 and w.filters == 32
    assert "input channels 3 · kernel depth 3 (must match) → filters 32 → output depth 32" == w.payload.header["depth"]
    w = KernelTraversal.from_layer(layers.Conv2D(8, 3, strides=4), (None, 128, 128, 3))
    assert w.output_shape == (32, 32, 8) and w.num_steps == 1024
    w = KernelTraversal.from_layer(layers.Conv2D(8, 3, data_format="channels_first"), (None, 3, 10, 12))
    assert w.input_size == (10, 12) and w.in_channels == 3
    w = KernelTraversal.from_layer(layers.DepthwiseConv2D(3, depth_multiplier=2), (None, 9, 9, 4))
    assert w.output_shape == (7, 7, 8) and "depth_multiplier 2" in w.payload.header["depth"]
    w = KernelTraversal.from_layer(layers.SeparableConv1D(16, 4, padding="same", depth_multiplier=3), (None, 20, 4))
    assert w.output_shape == (20, 16) and w.payload.header["padding"] == [[1, 2]]
    assert "× 3 → 12 · pointwise 1×1 kernel depth 12 → filters 16" in w.payload.header["depth"]
    w = KernelTraversal.from_layer(layers.Conv1D(4, 3, padding="causal", dilation_rate=2), (None, 20, 1))
    assert w.output_shape == (20, 4) and w.payload.header["padding"] == [[4, 0]]
    w = KernelTraversal.from_layer(layers.MaxPooling2D(2), (None, 13, 13, 32))
    assert w.output_shape == (6, 6, 32) and w.operation == "max" and w.strides == (2, 2)
    w = KernelTraversal.from_layer(layers.AveragePooling1D(3, strides=1, padding="same"), (None, 10, 2))
    assert w.output_shape == (10, 2) and w.operation == "average"
    w = KernelTraversal.from_layer(layers.Conv2D(8, 3, groups=2), (None, 9, 9, 4))
    assert w.output_shape == (7, 7, 8) and "in 2 groups · kernel depth 2 (must match 4/2)" in w.payload.header["depth"]
    w.in_channels = 3
    assert "`groups` must divide" in w.message and w.in_channels == 4
    with pytest.raises(TypeError, match="from_layer draws"):
        KernelTraversal.from_layer(layers.Conv3D(4, 3), (None, 8, 8, 8, 1))
    with pytest.raises(ValueError, match="input_shape"):
        KernelTraversal.from_layer(layers.Conv2D(4, 3), (None, 8, 1))
    with pytest.raises(ValueError, match="known spatial sizes"):
        KernelTraversal.from_layer(layers.Conv2D(4, 3), (None, None, 8, 1))


@pytest.mark.tf
def test_from_keras_layers() -> None:
    keras = pytest.importorskip("keras")
    conv = keras.layers.Conv2D(8, 3, strides=4)
    w = KernelTraversal.from_layer(conv, (2, 128, 128, 3))
    assert w.output_shape == tuple(conv.compute_output_shape((2, 128, 128, 3))[1:])
    pool = keras.layers.MaxPooling2D(pool_size=2, padding="same")
    w = KernelTraversal.from_layer(pool, (None, 13, 13, 32))
    assert w.output_shape == tuple(pool.compute_output_shape((None, 13, 13, 32))[1:]) == (7, 7, 32)
    dw = keras.layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same")
    w = KernelTraversal.from_layer(dw, (None, 10, 10, 3))
    assert w.output_shape == tuple(dw.compute_output_shape((None, 10, 10, 3))[1:])
    c1 = keras.layers.Conv1D(4, 5, padding="causal", dilation_rate=2)
    w = KernelTraversal.from_layer(c1, (None, 30, 2))
    assert w.output_shape == tuple(c1.compute_output_shape((None, 30, 2))[1:])
    import convkit

    up = keras.layers.Conv2DTranspose(4, 3, strides=2)
    w = KernelTraversal.from_layer(up, (None, 8, 8, 1))  # handed to the transposed traversal
    assert isinstance(w, convkit.TransposedKernelTraversal)
    assert w.output_shape[:2] == tuple(up.compute_output_shape((None, 8, 8, 1))[1:3]) == (17, 17)
    with pytest.raises(TypeError, match="from_layer draws"):
        KernelTraversal.from_layer(keras.layers.Dense(4), (None, 8, 8, 1))


def test_repr_mimebundle_is_the_live_view_and_static_bundle_the_picture() -> None:
    w = KernelTraversal((7, 7), 3, padding="same", numbers=True, step=4)
    bundle = w._repr_mimebundle_()
    assert set(bundle) == {"application/vnd.jupyter.widget-view+json", "text/plain"}
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == w.model_id
    plain = bundle["text/plain"]
    assert plain.startswith("KernelTraversal: Conv2D: input 7×7×1") and "step 5 of 49" in plain
    static = w.static_bundle()
    assert base64.b64decode(static["image/png"]).startswith(PNG)
    assert static["text/plain"].startswith("Picture of step 5: Conv2D: input 7×7×1")
    assert (
        'alt="Kernel traversal picture, step 5 of 49. Conv2D: input 7×7×1, kernel 3×3, strides 1×1, padding same '
        "→ output 7×7×1. The window covers input rows -1 to 1, columns 3 to 5 (3 of its 9 taps on padding) and "
        "writes output cell (0, 4). "
        'Every input cell is read at least once."'
    ) in static["text/html"]
    edge = KernelTraversal((5, 5), 3, strides=2, padding="same", step=2)
    assert "rows -1 to 1, columns 3 to 5 (5 of its 9 taps on padding)" in edge.static_bundle()["text/html"]
    coverage = KernelTraversal((128, 128), 3, strides=4)
    assert "7,168 input cells are never read" in coverage.static_bundle()["text/html"]


def test_widget_classes_and_esm() -> None:
    w = KernelTraversal()
    assert "convkit-widget" in w._dom_classes
    canvas = view(w)
    assert "export default" in canvas._esm and "convkit-traversal" in canvas._esm and "// @ts-check" in canvas._esm
    assert canvas._css and ".convkit-traversal" in canvas._css
    assert w.children[0] is w.controls.box and "ck-widget-message" in w.children[1]._dom_classes


@pytest.mark.slow
def test_save_gif_png_svg(tmp_path) -> None:
    w = KernelTraversal((5, 5), 3, strides=2, padding="same", numbers=True, step=3)
    calls = []
    gif = w.save(tmp_path / "t.gif", progress=lambda done, total: calls.append((done, total)), dpi=40)
    assert gif.read_bytes()[:6] == b"GIF89a" and calls[-1] == (9, 9)
    png = w.save(tmp_path / "t.png")
    assert png.read_bytes().startswith(PNG)
    svg = w.save(tmp_path / "t.svg")
    assert b"<svg" in svg.read_bytes()[:2000]
    from PIL import Image

    with Image.open(gif) as im:
        assert im.n_frames == w.num_steps


@pytest.mark.slow
def test_wheel_ships_the_es_module_and_css(tmp_path) -> None:
    import subprocess
    import sys
    import zipfile
    from pathlib import Path

    pytest.importorskip("hatchling")
    repo = Path(__file__).resolve().parents[2]
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp_path)],
        cwd=repo,
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("convkit-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"convkit/widgets/traversal.js", "convkit/widgets/traversal.css", "convkit/widgets/traversal.py"} <= names
