"""KernelTraversal's controls without a kernel: typed values are read, never clamped or rounded; a refused value
keeps the last valid state and the message gives the numbers and the limit; switched-off controls say why."""

from __future__ import annotations

import pytest

from convkit.widgets._traversal_messages import disabled_reasons, parse_count, refusal
from convkit.widgets._traversal_params import TraversalParams
from convkit.widgets.traversal import KernelTraversal, TraversalCanvas


def view(w: KernelTraversal) -> TraversalCanvas:
    """The canvas view (the widget's last child): what the browser receives."""
    return w.children[-1]


def note(w: KernelTraversal) -> str:
    """The message line's HTML (the widget's second child)."""
    return w.children[1].value


def typed(box, text: str) -> None:
    """What the browser sends when a learner types ``text`` into a field and presses Enter."""
    box.value = text


def invalid(box) -> bool:
    return "ck-invalid" in box._dom_classes


def test_kernel_30_on_7x7_is_refused_with_the_numbers_and_the_limit() -> None:
    w = KernelTraversal((7, 7), 3)
    header, kernel = dict(w.payload.header), w.controls.per_axis["kernel_size"]
    typed(kernel[0], "30")
    assert w.kernel_size == (3, 3) and w.payload.header == header, "the last valid state is kept"
    assert w.message == (
        "kernel 30 is larger than the padded input 7 (height, no padding); the largest kernel here "
        "is 7. Kept kernel 3×3. Received: kernel_size=(30, 3)"
    )
    assert "the largest kernel here is 7" in note(w) and 'role="alert"' in note(w)
    assert kernel[0].value == "30" and invalid(kernel[0]), "what the learner typed stays, marked invalid"
    assert kernel[1].value == "3" and not invalid(kernel[1])
    typed(kernel[0], "7")  # the limit itself is fine
    assert w.kernel_size == (7, 3) and w.message == "" and not invalid(kernel[0])
    assert w.payload.header["output_size"] == [1, 5]


@pytest.mark.parametrize(
    ("field", "text", "expected"),
    [
        pytest.param(
            "kernel_size",
            "3.5",
            "kernel (height) must be a whole number of at least 1, e.g. 3 (not rounded). Received: '3.5'",
            id="fraction_not_rounded",
        ),
        pytest.param("kernel_size", "0", "kernel (height) must be at least 1. Received: 0", id="zero_not_clamped"),
        pytest.param("strides", "-2", "strides (height) must be at least 1. Received: -2", id="negative"),
        pytest.param(
            "input_size",
            "abc",
            "input (height) must be a whole number of at least 1, e.g. 3. Received: 'abc'",
            id="not_a_number",
        ),
    ],
)
def test_typed_text_that_is_not_a_count_is_refused_not_changed(field: str, text: str, expected: str) -> None:
    w = KernelTraversal((7, 7), 3)
    box = w.controls.per_axis[field][0]
    before = (w.input_size, w.kernel_size, w.strides)
    typed(box, text)
    assert w.message == expected
    assert (w.input_size, w.kernel_size, w.strides) == before and box.value == text and invalid(box)


def test_no_artificial_upper_bounds() -> None:
    """What Keras accepts is accepted: large strides, a kernel larger than the input with "same" padding,
    many channels; before, the number fields silently clipped these to 64, the input size, or 4096."""
    w = KernelTraversal((7, 7), 3, padding="same")
    c = w.controls
    typed(c.per_axis["kernel_size"][0], "30")
    assert w.kernel_size == (30, 3) and w.message == "" and w.payload.header["padding"][0] == [14, 15]
    typed(c.per_axis["strides"][1], "100")
    assert w.strides == (1, 100) and w.output_shape == (7, 1, 1)
    typed(c.in_channels, "5000")
    assert w.in_channels == 5000 and w.message == ""


def test_explicit_padding_refusal_and_dilation_refusal() -> None:
    w = KernelTraversal((5, 5), 3, padding=((1, 1), (1, 1)))
    w.kernel_size = 7  # fits the padded 7
    before = w.controls.explicit[0][0]
    typed(before, "0")
    assert w.padding == ((1, 1), (1, 1)) and before.value == "0" and invalid(before)
    assert w.message.startswith(
        "this padding leaves a padded input of 6 (height: input 5 + padding 0 + 1), "
        "smaller than the kernel 7; it needs at least 2 padding cells in total"
    )
    d = KernelTraversal((7, 7), 3)
    typed(d.controls.per_axis["dilation_rate"][1], "4")
    assert d.message.startswith(
        "dilation 4 spreads the kernel 3 over (k − 1)·d + 1 = 9 cells, more than the padded "
        "input 7 (width, no padding); the largest dilation here is 3."
    )
    assert d.dilation_rate == (1, 1)


def test_input_too_small_names_the_smallest_input() -> None:
    w = KernelTraversal((9, 9), 3, dilation_rate=2)
    typed(w.controls.per_axis["input_size"][1], "4")
    assert w.message.startswith(
        "input 4 is too small for the kernel span 5: the padded input is 4 (width, no "
        "padding); the smallest input here is 5."
    )


def test_a_valid_edit_elsewhere_rewrites_the_refused_field() -> None:
    w = KernelTraversal((7, 7), 3)
    kernel = w.controls.per_axis["kernel_size"]
    typed(kernel[0], "30")
    typed(w.controls.per_axis["strides"][0], "2")
    assert w.strides == (2, 1) and w.message == ""
    assert kernel[0].value == "3" and not invalid(kernel[0]), "fields show the state again"


def test_trait_assignment_gets_the_same_explanation() -> None:
    w = KernelTraversal((7, 7), 3)
    w.kernel_size = 30
    assert w.message.startswith(
        "kernel 30×30 is larger than the padded input 7×7 (no padding); the largest kernel here is 7×7."
    )
    assert not w.update(input_size=(2, 2))
    assert w.message.startswith("input 2×2 is too small for the kernel 3×3")


def test_numbers_mode_input_limit_is_a_message() -> None:
    w = KernelTraversal((8, 300), 3, numbers=True)
    typed(w.controls.per_axis["input_size"][0], "300")
    assert w.input_size == (8, 300) and "Numbers mode shows the values of inputs up to 65,536 cells" in w.message
    assert "this input has 90,000" in w.message and "Received: input_size=(300, 300)" in w.message
    w.numbers = None
    typed(w.controls.per_axis["input_size"][0], "300")
    assert w.input_size == (300, 300) and w.message == ""
    assert w.controls.numbers.disabled, "numbers cannot be switched on for 90,000 cells (and it says why)"


def test_numbers_mode_limits_channels_too() -> None:
    w = KernelTraversal((256, 256), 3, numbers=True)
    typed(w.controls.in_channels, "128")
    assert w.in_channels == 1 and "65,536 cells × 128 channels = 8,388,608 values" in w.message


@pytest.mark.parametrize(
    ("kwargs", "control", "reason"),
    [
        pytest.param(
            dict(input_size=(9, 9), kernel_size=3, strides=2),
            "dilation_rate",
            "dilation is off while strides are 2×2: Keras refuses strides > 1 together with dilation > 1",
            id="dilation_while_strided",
        ),
        pytest.param(
            dict(input_size=(9, 9), kernel_size=3, dilation_rate=2),
            "strides",
            "strides are off while dilation is 2×2",
            id="strides_while_dilated",
        ),
        pytest.param(
            dict(input_size=(8, 8), kernel_size=2, operation="max"),
            "dilation_rate",
            "dilation is off: pooling windows are not dilated",
            id="dilation_in_pooling",
        ),
    ],
)
def test_disabled_control_says_why(kwargs: dict, control: str, reason: str) -> None:
    w = KernelTraversal(**kwargs)
    c = w.controls
    for box in c.per_axis[control]:
        assert box.disabled and box.tooltip.startswith(reason), "the field's tooltip (its accessible description)"
    assert f'data-for="{control}">{reason}' in c.reasons.value.replace("&gt;", ">"), "visible text next to it"
    assert "ck-disabled-reasons" in c.reasons._dom_classes and c.reasons in c.box.children


def test_reasons_follow_the_state() -> None:
    w = KernelTraversal((9, 9), 3, strides=2)
    c = w.controls
    assert "dilation is off" in c.reasons.value
    typed(c.per_axis["strides"][0], "1")
    assert "dilation is off" in c.reasons.value  # width still strides 2
    typed(c.per_axis["strides"][1], "1")
    assert c.reasons.value == "" and not any(b.disabled for b in c.per_axis["dilation_rate"])
    assert c.per_axis["dilation_rate"][0].tooltip == "dilation (height)"
    pool = KernelTraversal((9, 9), 3, operation="max", in_channels=4)
    assert pool.controls.filters.disabled and "pooling has no filters" in pool.controls.filters.tooltip
    big = KernelTraversal((512, 512), 3)
    assert big.controls.numbers.disabled and "this input has 262,144" in big.controls.reasons.value


def test_operation_switch_notes_what_it_changed() -> None:
    w = KernelTraversal((9, 9), 3, dilation_rate=2)
    w.controls.operation.value = "max"
    assert w.dilation_rate == (1, 1) and w.strides == (3, 3) and w.message == ""
    text = note(w)
    assert "Strides set to the pool size 3×3 (Keras' default for pooling)" in text
    assert "dilation set to 1×1: pooling windows are not dilated" in text
    c = KernelTraversal(12, 3, padding="causal")
    c.controls.operation.value = "average"
    assert c.padding == "valid" and 'padding set to "valid": pooling pads only' in note(c).replace("&quot;", '"')


def test_step_past_the_new_last_step_is_noted() -> None:
    w = KernelTraversal((28, 28), 3, step=600)
    typed(w.controls.per_axis["strides"][0], "2")
    assert w.output_shape == (13, 26, 1) and w.step == 337, "the last step of the new settings"
    assert (
        f"Step 601 is past the last step of these settings ({w.num_steps} steps): showing step {w.num_steps}" in note(w)
    )


def test_speed_is_checked_not_clamped() -> None:
    with pytest.raises(ValueError, match=r"`speed` must be None .* from 0.25 to 5000. Received: speed=0"):
        KernelTraversal(speed=0)
    w = KernelTraversal(speed=3)
    w.speed = -1
    assert w.speed == 3 and "Received: speed=-1" in w.message and view(w).speed == 3


def test_message_helpers() -> None:
    assert parse_count("+4", "kernel", 1) == 4
    p = TraversalParams.create((5, 5), 3)
    try:
        p.replace(strides=2, dilation_rate=2)
    except ValueError as err:
        assert refusal(p, {"strides": 2, "dilation_rate": 2}, err) == str(err), "other refusals: the core's words"
    assert disabled_reasons(p) == {}
