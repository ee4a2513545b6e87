"""explain_error never raises, on any exception: random types and messages, and TF-like messages (the formats of
every family convkit reads) filled with odd shapes and numbers. An explanation it claims is never empty, and
``explained()`` re-raises whatever it does not explain untouched. No TensorFlow needed."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import convkit
from convkit.adapters.errors import ShapeError, explain_error

TEMPLATES = (
    "Computed output size would be zero or negative. Received `inputs shape={shape}`, `kernel shape={shape}`, "
    "`dilation_rate=[{n} {n}]`, `strides={shape}`, `padding={word}`.",
    "Computed output size would be zero or negative. Received: `inputs.shape=[{n} {n} {n} {n}]`, "
    "`pool_size=[{n} {n}]`, `strides={shape}`, `padding={word}`",
    "Computed output size would be negative: {n} [input_size: {n}, effective_filter_size: {n}, stride: {n}] "
    "[Op:{word}]",
    "Input 0 with name 'None' of layer '{word}' is incompatible with the layer: expected axis {n} of input shape "
    "to have value {n}, but received input with shape {shape}",
    "Input 0 with name 'None' of layer '{word}' is incompatible with the layer: expected min_ndim={n}, found "
    "ndim={n}. Full shape received: {shape}",
    "Kernel shape must have the same length as input, but received kernel of shape {shape} and input of shape {shape}.",
    "Inputs have incompatible shapes. Received shapes {shape} and {shape}",
    "A `Concatenate` layer requires inputs with matching shapes except for the concatenation axis. Received: "
    "input_shape=[{shape}, {shape}]",
    "The number of input channels must be evenly divisible by the number of groups. Received groups={n}, but the "
    "input has {n} channels (full input shape is {shape}).",
    "The number of filters must be evenly divisible by the number of groups. Received: groups={n}, filters={n}.",
    "input depth must be evenly divisible by filter depth: {n} vs {n} [Op:{word}]",
    "Values in `cropping` argument should be smaller than the corresponding spatial dimension of the input. "
    "Received: input_shape={shape}, cropping={shape}",
    "`strides > 1` not supported in conjunction with `dilation_rate > 1`. Received: strides={shape} and "
    "dilation_rate={shape}",
    "The `padding` argument must be a list/tuple or one of {{'same', 'valid'}}. Received: {word}",
    "`output_padding` must be strictly less than `strides` for all dimensions. At dimension {n}, `output_padding` "
    "is {n} but `strides` is {n}. Received: output_padding={shape}, strides={shape}",
    "The `{word}` argument must be a tuple of {n} integers. Received {word}={shape}, including values {{{n}}} that "
    "do not satisfy `value > 0`",
    "`cropping` should have {word} elements. Received: cropping={shape}.",
    "Invalid value for argument `{word}`. Expected a strictly positive value. Received {word}={n}.",
    "When padding is a list, it must be of size {n}. Received: padding=[[{n}, {n}], [{n}, {n}]] of size {n}",
    "Compute received an exception:Status: 2, message: could not create a descriptor for a pooling forward "
    "propagation primitive, in file mkl_maxpooling_op.cc:211 [Op:{word}] name: ",
    "Invalid input shape for input x. Expected shape {shape}, but input has incompatible shape {shape}",
    "The total size of the tensor must be unchanged. Received: input_shape={shape}, target_shape={shape}",
)

numbers = st.one_of(
    st.integers(-3, 40),
    st.integers(-(10**30), 10**30),
    st.sampled_from(["None", "", "9" * 300, "0", "-0", "1e9", "nan"]),
).map(str)
shapes = st.lists(numbers, max_size=12).map(lambda parts: "(" + ", ".join(parts) + ")")
words = st.one_of(
    st.sampled_from(["valid", "same", "causal", "full", "conv2d", "dense", "Conv2D", "MaxPool", "two", "kernel_size"]),
    st.text(max_size=12),
)


@st.composite
def tf_like(draw):
    template = draw(st.sampled_from(TEMPLATES))
    out = []
    for piece in template.split("{"):
        if piece.startswith("shape}"):
            out.append(draw(shapes) + piece[6:])
        elif piece.startswith("n}"):
            out.append(draw(numbers) + piece[2:])
        elif piece.startswith("word}"):
            out.append(draw(words) + piece[5:])
        else:
            out.append(("{" if out else "") + piece)
    return "".join(out)


class BrokenStr(Exception):
    def __str__(self):
        raise RuntimeError("no message")


EXCEPTION_TYPES = (ValueError, TypeError, RuntimeError, KeyError, IndexError, AssertionError, Exception, BrokenStr)


def check(exc: BaseException) -> None:
    explanation = explain_error(exc)  # never raises
    if explanation is not None:
        text = str(explanation)
        assert text.strip() and explanation.title.strip()
        assert "Fix:" in text or explanation.axes  # a claimed explanation says something


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(EXCEPTION_TYPES), st.one_of(st.text(max_size=300), tf_like()))
def test_explain_error_never_raises_on_any_exception(kind, message):
    check(kind(message))


@settings(max_examples=200, deadline=None)
@given(tf_like(), st.sampled_from(["", "Exception encountered when calling Conv2D.call().\n\n", "\x1b[1m"]))
def test_tf_like_messages_with_odd_shapes_never_raise(message, wrapper):
    check(ValueError(wrapper + message))


@settings(max_examples=60, deadline=None)
@given(st.one_of(st.text(max_size=100), tf_like()))
def test_explained_reraises_what_it_does_not_explain_untouched(message):
    original = ValueError(message)
    with pytest.raises(Exception) as info:
        with convkit.explained(show=False):
            raise original
    if explain_error(original) is None:
        assert info.value is original
    else:
        assert isinstance(info.value, ShapeError) and info.value.__cause__ is original


def test_non_exceptions_and_keyboard_interrupts_are_not_explained():
    assert explain_error(KeyboardInterrupt("Inputs have incompatible shapes. Received shapes (1,) and (2,)")) is None
    assert explain_error(BrokenStr()) is None
