"""convkit.checks: right answers pass, wrong answers get a hint naming the axis and the part of the formula,
and no message ever contains the expected value."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from convkit import checks, layers
from convkit.core.axis import conv_axis


def raw_feedback(fn, *args, **kwargs) -> str:
    with pytest.raises(AssertionError) as info:
        fn(*args, **kwargs)
    return str(info.value)


def feedback(fn, *args, **kwargs) -> str:
    """The feedback with its line breaks (it is wrapped to a fixed width) made spaces."""
    return " ".join(raw_feedback(fn, *args, **kwargs).split())


def assert_not_revealed(message: str, *values) -> None:
    for value in values:
        if isinstance(value, tuple):
            assert str(value) not in message
        else:
            assert not re.search(rf"(?<![\w.]){value}(?![\w.])", message), f"{value} revealed in: {message}"


# --------------------------------------------------------------------------- right answers pass
ARTICLE = {
    "example_1": ((3, 28, 28, 3), layers.Conv2D(32, 3, strides=2, padding="valid"), (3, 13, 13, 32)),
    "example_1_second": ((3, 13, 13, 32), layers.Conv2D(64, 3, padding="same"), (3, 13, 13, 64)),
    "example_2": ((5, 64, 64, 1), layers.Conv2D(16, 5, padding="same"), (5, 64, 64, 16)),
    "example_3": ((2, 128, 128, 3), layers.Conv2D(8, 3, strides=4, padding="valid"), (2, 32, 32, 8)),
    "same_asymmetric": ((None, 28, 28, 1), layers.Conv2D(8, 3, strides=2, padding="same"), (None, 14, 14, 8)),
    "dilation": ((None, 20, 20, 1), layers.Conv2D(4, 3, dilation_rate=3), (None, 14, 14, 4)),
    "same_transposed": ((None, 7, 7, 16), layers.Conv2DTranspose(8, 3, strides=2, padding="same"), (None, 14, 14, 8)),
    "pooling": ((None, 13, 13, 32), layers.MaxPooling2D(3), (None, 4, 4, 32)),
    "global_pooling": ((None, 13, 13, 32), layers.GlobalAveragePooling2D(), (None, 32)),
}


@pytest.mark.parametrize("case", ARTICLE.values(), ids=ARTICLE.keys())
def test_right_answers_pass_as_tuple_or_list(case):
    input_shape, layer, expected = case
    checks.check_output_shape(expected, layer, input_shape)
    checks.check_output_shape(list(expected), layer, input_shape)


@pytest.mark.parametrize(
    "bad", ["(None, 13, 13, 32)", 13, None, {"h": 13}, (None, 13.0, 13, 32), (None, "13", 13, 32), (None, True, 13, 32)]
)
def test_an_answer_of_the_wrong_kind_is_a_type_error(bad):
    with pytest.raises(TypeError, match="answer"):
        checks.check_output_shape(bad, layers.Conv2D(32, 3, strides=2), (None, 28, 28, 3))


def test_a_string_answer_is_told_to_drop_the_quotes():
    with pytest.raises(TypeError, match="Remove the quotes"):
        checks.check_is_shape("(None, 10, 10, 8)")
    checks.check_is_shape([None, 10, 10, 8])


WRONG_KINDS = {
    # name: (check call taking the answer, a wrong answer, words of the message)
    "shape_as_text": (lambda a: checks.check_output_shape(a, *CONV_28), "(None, 13, 13, 32)", ["Remove the quotes"]),
    "shape_as_number": (lambda a: checks.check_output_shape(a, *CONV_28), 13, ["a shape"]),
    "shape_with_float": (lambda a: checks.check_is_shape(a), (None, 13.0, 13, 32), ["13.0", "float"]),
    "size_as_text": (lambda a: checks.check_output_size(a, 28, 3, strides=2), "13", ["Remove the quotes"]),
    "size_as_float": (lambda a: checks.check_output_size(a, 28, 3, strides=2), 13.0, ["without a decimal point"]),
    "size_as_bool": (lambda a: checks.check_effective_kernel(a, 3, 2), True, ["True and False"]),
    "padding_as_text": (lambda a: checks.check_padding(a, 28, 3, strides=2), "0, 1", ["pair"]),
    "padding_of_three": (lambda a: checks.check_padding(a, 28, 3, strides=2), (0, 1, 2), ["pair"]),
    "padding_with_text": (lambda a: checks.check_padding(a, 28, 3, strides=2), (0, "1"), ["whole number"]),
    "stack_as_text": (lambda a: checks.check_stack(a, (None, 12, 12, 1)), "Conv2D(8, 3)", ["list of convkit"]),
    "stack_of_text": (lambda a: checks.check_stack(a, (None, 12, 12, 1)), ["Conv2D"], ["Item 0"]),
    "layer_name_unquoted": (
        lambda a: checks.check_depth_fix(a, 64, {"a": (3, 3, 1, 8), "b": (3, 3, 16, 4)}),
        2,
        ["as text"],
    ),
    "filters_as_text": (
        lambda a: checks.check_depth_fix("a", a, {"a": (3, 3, 1, 8), "b": (3, 3, 16, 4)}),
        "16",
        ["Remove the quotes"],
    ),
    "function_as_number": (lambda a: checks.check_size_function(a), 13, ["a function"]),
    "whole_number": (lambda a: checks.check_is_whole_number(a, name="ex5a"), "7", ["`ex5a`", "Remove the quotes"]),
    "pair": (lambda a: checks.check_is_pair(a, name="ex4"), 3, ["`ex4`", "pair"]),
    "one_of": (
        lambda a: checks.check_is_one_of(a, ["conv_1", "conv_2"], name="ex7_layer"),
        "conv_7",
        ["'conv_1', 'conv_2'"],
    ),
    "one_of_unquoted": (lambda a: checks.check_is_one_of(a, ["conv_1", "conv_2"]), 2, ["Put the name in quotes"]),
    "layer_list_length": (lambda a: checks.check_is_layer_list(a, length=3), [layers.Conv2D(8, 3)], ["It has 1"]),
}


@pytest.mark.parametrize("case", WRONG_KINDS.values(), ids=WRONG_KINDS.keys())
def test_every_check_answers_a_wrong_kind_with_not_yet_feedback(case):
    """A wrong kind of answer is a TypeError (for scripts) that is also NotYet feedback: shown in IPython as its
    message alone, no traceback through convkit, each line short enough for nbgrader's feedback page."""
    check, answer, words = case
    with pytest.raises(checks.WrongKind) as info:
        check(answer)
    error = info.value
    assert isinstance(error, TypeError) and isinstance(error, checks.NotYet) and isinstance(error, AssertionError)
    shown = error._render_traceback_()
    assert shown[0].startswith("Not yet: `") and "Received: " in " ".join(shown)
    assert all(len(line) <= 76 for line in shown), shown
    assert not any("File " in line or "convkit/" in line for line in shown)
    for word in words:
        assert word in " ".join(" ".join(shown).split())


@pytest.mark.parametrize(
    "huge",
    [list(range(100_000)), "x" * 100_000, tuple([None] * 50_000 + ["1"])],
    ids=["long_list", "long_text", "long_tuple"],
)
def test_a_huge_answer_is_not_echoed_in_full(huge):
    for message in (
        raw_feedback(checks.check_output_shape, huge, *CONV_28),
        raw_feedback(checks.check_output_size, huge, 28, 3),
    ):
        assert len(message) < 600 and "99999" not in message and "x" * 100 not in message, message


@pytest.mark.parametrize(
    "answer, missing", [((13, 13, 32), "batch"), ((None, 13, 13), "channel"), ((None, 13, 32), "height")]
)
def test_a_missing_dimension_is_named_from_the_numbers(answer, missing):
    message = feedback(checks.check_output_shape, answer, *CONV_28)
    assert f"your shape has 3 dimensions: the {missing} dimension is missing" in message


def test_dimensions_are_counted_in_the_singular_and_the_plural():
    assert "your shape has 1 dimension," in feedback(checks.check_output_shape, (None,), *CONV_28)
    assert "has 5 dimensions," in feedback(checks.check_output_shape, (None, 1, 13, 13, 32), *CONV_28)


@settings(deadline=None, max_examples=100)
@given(
    wrong=st.tuples(st.sampled_from([None, 1, 3]), st.integers(1, 40), st.integers(1, 40), st.sampled_from([3, 32, 64]))
)
def test_every_feedback_line_fits_the_feedback_page(wrong):
    assume(wrong != (None, 13, 13, 32))
    message = raw_feedback(checks.check_output_shape, wrong, *CONV_28)
    assert all(len(line) <= 76 for line in message.splitlines()), message


def test_walk_stack_shows_where_a_stack_stops_without_a_fix():
    walk = checks.walk_stack(BROKEN, (None, 12, 12, 1))
    text = str(walk)
    assert text.splitlines()[0] == "input (None, 12, 12, 1)"
    assert "(None, 5, 5, 8)" in text and "(None, 2, 2, 8)" in text and "stops here" in text
    assert "larger than the input 2" in text
    for fix in ("same", "smaller kernel", "dilation", "Received"):
        assert fix not in text and fix not in walk._repr_html_()
    assert walk.output_shape is None and walk.stop
    whole = checks.walk_stack(FIXED, (None, 12, 12, 1))
    assert whole.stop is None and whole.output_shape == (None, 2, 2, 16) and "stops" not in str(whole)


@pytest.mark.parametrize(
    "module",
    [
        "convkit.checks",
        "convkit.checks.answers",
        "convkit.checks.form",
        "convkit.checks.stack",
        "convkit.checks.hints",
        "convkit.checks.feedback",
        "convkit.adapters.quiet_tf",
    ],
)
def test_the_docstring_examples_run(module):
    """The checks' examples, and those of the quiet TensorFlow import that the notebooks' set-up cells use."""
    import doctest
    import importlib

    result = doctest.testmod(
        importlib.import_module(module), optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    )
    assert result.failed == 0 and result.attempted > 0, module


def test_the_public_api_is_the_package_front():
    """Every public name is importable from ``convkit.checks`` and documented there; the modules behind it are
    named for their jobs, and the old loose modules are gone."""
    import importlib.util

    import convkit.checks

    assert sorted(convkit.checks.__all__) == sorted(PUBLIC)
    for name in PUBLIC:
        assert getattr(convkit.checks, name).__doc__, name
    assert checks.NotYet.__module__ == checks.WrongKind.__module__ == "convkit.checks"
    for gone in ("convkit._check_hints", "convkit._check_stack", "convkit._quiet_tf"):
        assert importlib.util.find_spec(gone) is None, gone


PUBLIC = [
    "NotYet",
    "WrongKind",
    "StackWalk",
    "Trial",
    "attempt_layer",
    "try_layer",
    "walk_stack",
    "check_is_shape",
    "check_is_whole_number",
    "check_is_pair",
    "check_is_one_of",
    "check_is_layer_list",
    "check_output_shape",
    "check_output_size",
    "check_padding",
    "check_effective_kernel",
    "check_stack",
    "check_depth_fix",
    "check_size_function",
]


# --------------------------------------------------------------------------- the hint names what went wrong
CONV_28 = (layers.Conv2D(32, 3, strides=2, padding="valid"), (None, 28, 28, 3))
SAME_25 = (layers.Conv2D(8, 3, strides=2, padding="same"), (None, 25, 17, 1))
HINTS = {
    # name: (layer, input_shape, wrong answer, words the message must contain)
    "valid_rounded_up": (*CONV_28, (None, 14, 13, 32), ["height is off", "rounded up", "floor"]),
    "valid_forgot_stride": (*CONV_28, (None, 26, 13, 32), ["height", "stride"]),
    "valid_forgot_plus_one": (*CONV_28, (None, 12, 13, 32), ["height", "+ 1"]),
    "valid_both_axes": (*CONV_28, (None, 14, 14, 32), ["height and width are off", "rounded up"]),
    "valid_two_mistakes": (*CONV_28, (None, 14, 26, 32), ["- height is off", "- width is off: check the stride"]),
    "same_rounded_down": (*SAME_25, (None, 12, 9, 8), ["height", "rounded down", "ceil"]),
    "same_kept_size_with_stride": (*SAME_25, (None, 25, 9, 8), ["only when the stride is 1"]),
    "swapped_axes": (layers.Conv2D(16, 5, strides=2), (None, 30, 20, 3), (None, 8, 13, 16), ["swapped"]),
    "dilation_ignored": (layers.Conv2D(4, 3, dilation_rate=3), (None, 20, 20, 1), (None, 18, 14, 4), ["dilation"]),
    "dilation_k_times_d": (layers.Conv2D(4, 3, dilation_rate=3), (None, 20, 20, 1), (None, 12, 14, 4), ["k·d"]),
    "pool_stride_default": (layers.MaxPooling2D(3), (None, 13, 13, 32), (None, 11, 4, 32), ["pool size"]),
    "transposed_output_padding_none": (
        layers.Conv2DTranspose(8, 3, strides=2, padding="same"),
        (None, 7, 7, 16),
        (None, 13, 14, 8),
        ["output_padding=None", "n·stride"],
    ),
    "transposed_output_padding_0": (
        layers.Conv2DTranspose(8, 3, strides=2, padding="same", output_padding=0),
        (None, 7, 7, 16),
        (None, 14, 13, 8),
        ["only when output_padding is None"],
    ),
    "transposed_shrinks": (
        layers.Conv2DTranspose(8, 3, strides=2, padding="same"),
        (None, 7, 7, 16),
        (None, 4, 14, 8),
        ["enlarges"],
    ),
    "batch_changed": (*CONV_28, (3, 13, 13, 32), ["batch dimension"]),
    "channels_from_input": (*CONV_28, (None, 13, 13, 3), ["channel", "filter"]),
    "pool_channels": (layers.MaxPooling2D(3), (None, 13, 13, 32), (None, 4, 4, 16), ["keeps the number of channels"]),
    "rank": (*CONV_28, (None, 13, 32), ["dimensions"]),
    "global_rank": (layers.GlobalAveragePooling2D(), (None, 13, 13, 32), (None, 1, 1, 32), ["removes the spatial"]),
}


@pytest.mark.parametrize("case", HINTS.values(), ids=HINTS.keys())
def test_the_hint_names_the_part_of_the_formula(case):
    layer, input_shape, wrong, words = case
    message = feedback(checks.check_output_shape, wrong, layer, input_shape)
    for word in words:
        assert word in message
    expected = layer.compute_output_shape(input_shape)
    assert_not_revealed(message, tuple(expected), *[d for d in expected if d is not None and d > 2 and d not in wrong])


def test_a_failed_check_is_an_assertion_error_shown_without_traceback():
    with pytest.raises(AssertionError) as info:
        checks.check_output_shape((None, 14, 14, 32), *CONV_28)
    assert isinstance(info.value, checks.NotYet)
    lines = info.value._render_traceback_()  # what IPython shows instead of a traceback
    assert lines[0].startswith("Not yet: height and width are off") and lines == str(info.value).splitlines()
    assert 1 < len(lines) <= 5 and all(len(line) <= 76 for line in lines)  # one problem, wrapped
    many = raw_feedback(checks.check_output_shape, (3, 14, 26, 3), *CONV_28).splitlines()
    assert many[0] == "Not yet:" and all(line.startswith(("- ", "  ")) for line in many[1:])
    assert sum(line.startswith("- ") for line in many) == 4  # height, width, batch, channels


def test_parts_give_separate_credit():
    layer, shape = CONV_28
    checks.check_output_shape((None, 13, 13, 64), layer, shape, part="spatial")  # channels ignored
    checks.check_output_shape((None, 99, 1, 32), layer, shape, part="batch_channels")  # spatial ignored
    assert "channel" in feedback(checks.check_output_shape, (None, 13, 13, 64), layer, shape, part="batch_channels")
    with pytest.raises(ValueError, match="part"):
        checks.check_output_shape((None, 13, 13, 32), layer, shape, part="height")


def test_none_for_a_known_spatial_size_is_explained():
    message = feedback(checks.check_output_shape, (None, None, 13, 32), *CONV_28)
    assert "not None" in message


@settings(deadline=None, max_examples=200)
@given(
    n=st.integers(1, 64),
    k=st.integers(1, 7),
    s=st.integers(1, 4),
    d=st.integers(1, 3),
    padding=st.sampled_from(["valid", "same"]),
    wrong=st.integers(1, 80),
)
def test_feedback_never_contains_the_expected_size(n, k, s, d, padding, wrong):
    try:
        expected = conv_axis(n, k, s, padding, d).output
    except ValueError:
        assume(False)
    assume(wrong != expected and (s == 1 or d == 1))  # Keras refuses strides > 1 with dilation > 1
    layer = layers.Conv2D(4, k, strides=s, padding=padding, dilation_rate=d)
    message = feedback(checks.check_output_shape, (None, wrong, expected, 4), layer, (None, n, n, 1), part="spatial")
    assert message.startswith("Not yet: height is")
    if expected > 2:
        assert_not_revealed(message.replace(f"{wrong}", ""), expected)
    message = feedback(checks.check_output_size, wrong, n, k, s, padding, d)
    if expected > 2:
        assert_not_revealed(message, expected)


def test_check_output_size():
    checks.check_output_size(14, 28, 3, strides=2, padding="same")
    assert "rounded down" in feedback(checks.check_output_size, 13, 27, 3, strides=2, padding="same")
    with pytest.raises(TypeError, match="whole number"):
        checks.check_output_size(13.0, 28, 3, strides=2)


# --------------------------------------------------------------------------- padding, dilation
def test_check_padding():
    checks.check_padding((0, 1), 28, 3, strides=2)
    checks.check_padding([1, 2], 7, 4, strides=2)
    checks.check_padding((2, 1), 7, 4, strides=2, part="total")
    assert "swapped" in feedback(checks.check_padding, (1, 0), 28, 3, strides=2)
    assert "swapped" in feedback(checks.check_padding, (2, 1), 7, 4, strides=2, part="split")
    assert "k_eff - 1 is the padding only for stride 1" in feedback(checks.check_padding, (1, 1), 28, 3, strides=2)
    assert "negative" in feedback(checks.check_padding, (-1, 1), 28, 3, strides=2)
    message = feedback(checks.check_padding, (2, 2), 7, 4, strides=2, part="total")
    assert "total is off" in message and "(1, 2)" not in message
    with pytest.raises(TypeError, match="pair"):
        checks.check_padding("0, 1", 28, 3, strides=2)


def test_check_effective_kernel():
    checks.check_effective_kernel(7, 3, 3)
    assert "not k·d" in feedback(checks.check_effective_kernel, 9, 3, 3)
    assert "+ 1" in feedback(checks.check_effective_kernel, 6, 3, 3)
    message = feedback(checks.check_effective_kernel, 4, 3, 3)
    assert_not_revealed(message, 7)
    with pytest.raises(TypeError):
        checks.check_effective_kernel("7", 3, 3)


# --------------------------------------------------------------------------- stacks and depths
BROKEN = [layers.Conv2D(8, 3, strides=2), layers.MaxPooling2D(2), layers.Conv2D(16, 3)]
FIXED = [layers.Conv2D(8, 3, strides=2), layers.MaxPooling2D(2), layers.Conv2D(16, 3, padding="same")]


def test_check_stack():
    checks.check_stack(FIXED, (None, 12, 12, 1), (None, 2, 2, 16))
    checks.check_stack(FIXED, (None, 12, 12, 1), part="runs")
    message = feedback(checks.check_stack, BROKEN, (None, 12, 12, 1), part="runs")
    assert "does not run" in message and "layer 2 (Conv2D '" in message and "(None, 2, 2, 8)" in message
    assert "same" not in message and "smaller kernel" not in message  # where it stops, not how to fix it
    message = feedback(
        checks.check_stack, FIXED[:2] + [layers.Conv2D(8, 3, padding="same")], (None, 12, 12, 1), (None, 2, 2, 16)
    )
    assert "depth is off" in message
    with pytest.raises(TypeError, match="list"):
        checks.check_stack(FIXED[0], (None, 12, 12, 1))
    with pytest.raises(TypeError, match="convkit layer"):
        checks.check_stack(["Conv2D"], (None, 12, 12, 1))


KERNELS = {"conv_1": (3, 3, 3, 32), "conv_2": (3, 3, 32, 48), "conv_3": (3, 3, 64, 128)}


def test_check_depth_fix():
    checks.check_depth_fix("conv_2", 64, KERNELS)
    checks.check_depth_fix("conv_2", 1, KERNELS, part="layer")
    assert "made by the layer before" in feedback(checks.check_depth_fix, "conv_3", 64, KERNELS, part="layer")
    message = feedback(checks.check_depth_fix, "conv_1", 64, KERNELS, part="layer")
    assert "conv_2" not in message
    assert "current number" in feedback(checks.check_depth_fix, "conv_2", 48, KERNELS, part="filters")
    message = feedback(checks.check_depth_fix, "conv_2", 128, KERNELS, part="filters")
    assert "next layer's own output depth" in message and not re.search(r"\b64\b", message)
    with pytest.raises(TypeError):
        checks.check_depth_fix(2, 64, KERNELS)
    with pytest.raises(checks.WrongKind, match="one of"):
        checks.check_depth_fix("conv_9", 64, KERNELS)
    with pytest.raises(ValueError, match="nothing to fix"):  # the instructor's mistake, not the learner's
        checks.check_depth_fix("conv_1", 32, {"a": (3, 3, 1, 8), "b": (3, 3, 8, 4)})


def test_check_size_function():
    import math

    def right(n, k, s, padding):
        return (n - k) // s + 1 if padding == "valid" else math.ceil(n / s)

    def floors_same(n, k, s, padding):
        return (n - k) // s + 1 if padding == "valid" else n // s

    def returns_float(n, k, s, padding):
        return (n - k) / s + 1

    checks.check_size_function(right, "valid")
    checks.check_size_function(right, "same")
    checks.check_size_function(floors_same, "valid")
    message = feedback(checks.check_size_function, floors_same, "same")
    assert "rounded down" in message and "padding='same'" in message
    assert "whole number" in feedback(checks.check_size_function, returns_float, "valid")
    with pytest.raises(TypeError):
        checks.check_size_function(13)


def test_a_failing_size_function_is_named_not_a_traceback():
    def not_done(n, k, s, padding):
        raise NotImplementedError()

    message = feedback(checks.check_size_function, not_done)
    assert "raised NotImplementedError" in message and "replace the line" in message
    message = feedback(checks.check_size_function, lambda n, k, s, padding: n // (s - 1))
    assert "output_size(n=5, k=1, s=1, padding='valid') raised ZeroDivisionError" in message
    message = feedback(checks.check_size_function, lambda n, k, s, padding: list(range(10_000)))
    assert "returned [0, 1, 2" in message and "..." in message and len(message) < 300


# --------------------------------------------------------------------------- try_layer
def test_try_layer_prints_the_shape_and_the_formula(capsys):
    checks.try_layer(layers.Conv2D, (3, 28, 28, 3), filters=32, kernel_size=3, strides=2)
    out = capsys.readouterr().out
    assert "(3, 13, 13, 32)" in out and "floor((28 + 0 + 0 - 3) / 2) + 1 = 13" in out


@pytest.mark.parametrize(
    "params",
    [dict(kernel_size=40), dict(kernel_size=0), dict(kernel_size="3"), dict(kernel_size=3, padding="full")],
    ids=["kernel_larger_than_input", "zero_kernel", "string_kernel", "unknown_padding"],
)
def test_try_layer_explains_a_bad_edit_instead_of_raising(capsys, params):
    checks.try_layer(layers.Conv2D, (3, 28, 28, 3), filters=32, **params)
    out = capsys.readouterr().out
    assert out.startswith("convkit: Conv2D(") and "cannot run on input (3, 28, 28, 3)" in out
    assert "Traceback" not in out


def test_attempt_layer_and_its_html():
    good = checks.attempt_layer(layers.Conv2D(32, 3, strides=2), (3, 28, 28, 3))
    assert good.ok and good.output_shape == (3, 13, 13, 32) and good.error is None
    assert "13" in good._repr_html_()
    bad = checks.attempt_layer(layers.Conv2D, (3, 5, 5, 3), filters=8, kernel_size=7)
    assert not bad.ok and bad.output_shape is None
    assert "cannot run" in bad._repr_html_() and "<b>" in bad._repr_html_()
    assert "cannot run" in str(bad)


def test_try_layer_refuses_misuse():
    with pytest.raises(TypeError, match="either a layer class"):
        checks.try_layer(layers.Conv2D(8, 3), (None, 8, 8, 1), strides=2)
    with pytest.raises(TypeError, match="convkit layer"):
        checks.try_layer("Conv2D", (None, 8, 8, 1))


def test_try_layer_names_the_convkit_class_for_a_keras_one(capsys):
    """A Keras class in a "your turn" cell (no TensorFlow needed here: a class of the same name and module) is
    explained, not a traceback: the convkit class with the same arguments."""
    keras_like = type("Conv2D", (), {"__init__": lambda self, **kwargs: None, "__module__": "keras.src.layers"})
    checks.try_layer(keras_like, (None, 8, 8, 1), filters=8, kernel_size=3)
    out = " ".join(capsys.readouterr().out.split())
    assert (
        "not keras's Conv2D" in out
        and "checks.try_layer(convkit.layers.Conv2D, shape, filters=8, kernel_size=3)" in out
    )
    assert "Traceback" not in out


def test_try_layer_and_explained_say_the_same_sentence():
    """The "your turn" cell (try_layer) and convkit.explained() around Keras read a refused configuration alike."""
    from convkit.adapters.errors import explain_error

    trial = checks.attempt_layer(layers.Conv2D, (None, 8, 8, 1), filters=32, kernel_size=3, padding="full")
    keras_message = "The `padding` argument must be a list/tuple or one of {'same', 'valid'}. Received: full"
    assert explain_error(ValueError(keras_message)).title == trial.error


def test_try_layer_displays_html_under_ipython(monkeypatch):
    ipython = pytest.importorskip("IPython")
    shown = []
    monkeypatch.setattr(ipython, "get_ipython", lambda: object())
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    checks.try_layer(layers.Conv2D, (None, 8, 8, 1), filters=8, kernel_size=9)
    assert len(shown) == 1 and not shown[0].ok and "cannot run" in shown[0]._repr_html_()


def test_only_learner_mistakes_are_caught():
    class Broken:
        def compute_output_shape(self, shape):
            raise RuntimeError("a bug, not a learner's mistake")

        def explain(self, shape):
            return ""

    with pytest.raises(RuntimeError, match="a bug"):
        checks.try_layer(Broken(), (None, 8, 8, 1))


def test_importing_checks_loads_neither_tensorflow_nor_matplotlib():
    code = (
        "import sys, convkit.checks; "
        "print(sorted(m for m in ('tensorflow', 'keras', 'matplotlib', 'ipywidgets') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# --------------------------------------------------------------------------- transposed mirror, kernels, design
MIRRORS = {  # name: (encoder, input shape, output_padding answers that give the input back)
    "example_1": (layers.Conv2D(32, 3, strides=2), (None, 28, 28, 3), [1, (1, 1)]),
    "exercise_11": (layers.Conv2D(16, 5, strides=2), (None, 32, 32, 3), [1]),
    "odd_input_none_works": (layers.Conv2D(8, 3, strides=2), (None, 27, 27, 1), [None, 0]),
    "stride_3": (layers.Conv2D(8, 3, strides=3), (None, 20, 20, 1), [2]),
    "same_even": (layers.Conv2D(8, 3, strides=2, padding="same"), (None, 28, 28, 1), [None, 1]),
    "non_square": (layers.Conv2D(8, 3, strides=2), (None, 28, 27, 1), [(1, 0)]),
}


@pytest.mark.parametrize("case", MIRRORS.values(), ids=MIRRORS.keys())
def test_check_output_padding_accepts_every_mirror(case):
    encoder, shape, answers = case
    for answer in answers:
        checks.check_output_padding(answer, encoder, shape)


@pytest.mark.parametrize(
    "answer, words",
    [
        (0, "fewer rows and columns than the encoder received: the floor dropped them"),
        (None, "None lets Keras pick one of the sizes the encoder maps to its output"),
        (2, "Keras refuses output_padding=2 with strides=(2, 2)"),
        ((1, 0), "fewer columns than the encoder received"),
    ],
    ids=["zero", "none", "not_below_stride", "one_axis"],
)
def test_check_output_padding_explains_a_wrong_mirror(answer, words):
    message = feedback(checks.check_output_padding, answer, layers.Conv2D(32, 3, strides=2), (None, 28, 28, 3))
    assert message.startswith("Not yet: ") and words in message
    assert_not_revealed(message, 27)


def test_check_output_padding_refuses_the_wrong_kind():
    with pytest.raises(checks.WrongKind, match="Received: output_padding='1'"):
        checks.check_output_padding("1", layers.Conv2D(8, 3, strides=2), (None, 28, 28, 1))
    with pytest.raises(ValueError, match="`encoder` must be a convkit Conv1D/2D/3D"):
        checks.check_output_padding(1, layers.MaxPooling2D(2), (None, 28, 28, 1))


@settings(max_examples=80, deadline=None)
@given(
    n=st.integers(3, 40),
    k=st.integers(1, 6),
    s=st.integers(1, 4),
    padding=st.sampled_from(["valid", "same"]),
    output_padding=st.one_of(st.none(), st.integers(0, 4)),
)
def test_check_output_padding_agrees_with_keras(n, k, s, padding, output_padding):
    """Accepted exactly when a real Keras Conv2DTranspose with the encoder's settings gives the input size back."""
    keras = pytest.importorskip("keras")
    assume(padding == "same" or k <= n)
    encoder = layers.Conv2D(4, k, strides=s, padding=padding)
    shape = (None, n, n, 2)
    middle = encoder.compute_output_shape(shape)
    try:
        decoder = keras.layers.Conv2DTranspose(2, k, strides=s, padding=padding, output_padding=output_padding)
        back = tuple(decoder.compute_output_shape(middle))
    except ValueError:  # Keras refuses output_padding >= strides
        back = None
    if back == shape:
        checks.check_output_padding(output_padding, encoder, shape)
    else:
        with pytest.raises(checks.NotYet):
            checks.check_output_padding(output_padding, encoder, shape)


KERNEL_SHAPES = {  # name: (layer, input shape, kernel shape, parameters)
    "example_1_conv_a": (layers.Conv2D(32, 3, strides=2), (3, 28, 28, 3), (3, 3, 3, 32), 896),
    "example_1_conv_b": (layers.Conv2D(64, 3, padding="same"), (3, 13, 13, 32), (3, 3, 32, 64), 18496),
    "no_bias": (layers.Conv2D(8, 5, use_bias=False), (None, 9, 9, 4), (5, 5, 4, 8), 800),
    "grouped": (layers.Conv2D(8, 3, groups=2), (None, 9, 9, 4), (3, 3, 2, 8), 152),
    "conv1d": (layers.Conv1D(6, 4), (None, 20, 5), (4, 5, 6), 126),
}


@pytest.mark.parametrize("case", KERNEL_SHAPES.values(), ids=KERNEL_SHAPES.keys())
def test_kernel_shape_and_params_equal_keras(case):
    keras = pytest.importorskip("keras")
    layer, shape, kernel, params = case
    checks.check_kernel_shape(kernel, layer, shape)
    checks.check_kernel_shape(list(kernel), layer, shape)
    checks.check_param_count(params, layer, shape)
    real = getattr(keras.layers, type(layer).__name__)(**layer.get_config())
    real.build(shape)
    assert tuple(real.kernel.shape) == kernel and real.count_params() == params


@pytest.mark.parametrize(
    "answer, words",
    [
        ((3, 3, 3, 64), "the kernel's depth is off: it equals the channels of the layer's input"),
        ((64, 32, 3, 3), "the numbers are in the wrong order"),
        ((13, 13, 32, 64), "they are the layer's kernel_size, not the image's"),
        ((3, 3, 32, 32), "the last number is off"),
        ((3, 3, 32), "a kernel shape has 4 numbers here"),
    ],
    ids=["depth_of_the_output", "pytorch_order", "image_size", "filters", "too_short"],
)
def test_check_kernel_shape_names_the_slip(answer, words):
    message = feedback(checks.check_kernel_shape, answer, layers.Conv2D(64, 3, padding="same"), (3, 13, 13, 32))
    assert words in message
    assert_not_revealed(message, (3, 3, 32, 64))


@pytest.mark.parametrize(
    "answer, words",
    [
        (18432, "you counted the kernel weights only"),
        (640, "multiply by the input's channels too"),
        (352, "multiply by the filters"),
        (20480, "one bias per filter, not one per input channel"),
        (5, "count again with params = k·k·C_in·F + F"),
    ],
    ids=["no_bias", "no_depth", "no_filters", "bias_per_channel", "other"],
)
def test_check_param_count_names_the_slip(answer, words):
    message = feedback(checks.check_param_count, answer, layers.Conv2D(64, 3, padding="same"), (3, 13, 13, 32))
    assert words in message
    assert_not_revealed(message, 18496)


def test_check_param_count_refuses_the_wrong_kind():
    with pytest.raises(checks.WrongKind, match="Received: answer='18496'"):
        checks.check_param_count("18496", layers.Conv2D(64, 3), (None, 13, 13, 32))
    with pytest.raises(ValueError, match="`layer` must be a convkit Conv1D/2D/3D"):
        checks.check_param_count(10, layers.Dense(10), (None, 32))


DESIGNS = {  # name: (kernel_size, strides, padding, input size, output size): each one right
    "same_stride_2": (3, 2, "same", 28, 14),
    "valid_kernel_2": (2, 2, "valid", 28, 14),
    "valid_kernel_1": (1, 2, "valid", 28, 14),
    "same_upper_case": (5, 2, "SAME", 28, 14),
    "one_layer_224_to_7": (32, 32, "valid", 224, 7),
    "same_224_to_7": (7, 32, "same", 224, 7),
}


@pytest.mark.parametrize("case", DESIGNS.values(), ids=DESIGNS.keys())
def test_check_layer_design_accepts_any_right_layer(case):
    checks.check_layer_design(*case)


@pytest.mark.parametrize(
    "answer, words",
    [
        ((3, 2, "valid"), 'your layer takes 28 to 13, too small for 14: "valid" gives floor'),
        ((3, 1, "same"), 'your layer takes 28 to 28, too large for 14: "same" gives ceil(n / stride)'),
        ((40, 2, "valid"), "this layer cannot run on 28×28"),
        ((3, 0, "same"), "`strides` must be a positive integer"),
        ((3, 2, "full"), 'padding must be "valid" or "same"'),
    ],
    ids=["floor", "stride_1", "kernel_too_large", "stride_0", "unknown_padding"],
)
def test_check_layer_design_explains_in_the_learners_numbers(answer, words):
    message = feedback(checks.check_layer_design, *answer, 28, 14)
    assert message.startswith("Not yet: ") and words in message


@settings(max_examples=80, deadline=None)
@given(
    n=st.integers(4, 64),
    m=st.integers(1, 32),
    k=st.integers(1, 7),
    s=st.integers(1, 5),
    padding=st.sampled_from(["valid", "same"]),
    aim_right=st.booleans(),
)
def test_check_layer_design_agrees_with_keras(n, m, k, s, padding, aim_right):
    """Accepted exactly when a real Keras Conv2D takes n to the target: any right answer passes, no wrong one."""
    keras = pytest.importorskip("keras")
    assume(padding == "same" or k <= n)
    got = keras.layers.Conv2D(1, k, strides=s, padding=padding).compute_output_shape((None, n, n, 1))[1]
    target = got if aim_right else m
    if got == target:
        checks.check_layer_design(k, s, padding, n, target)
    else:
        with pytest.raises(checks.NotYet):
            checks.check_layer_design(k, s, padding, n, target)


# the checks added for exercises 11-13 are part of the package front too
PUBLIC.extend(["check_kernel_shape", "check_param_count", "check_layer_design", "check_output_padding"])
