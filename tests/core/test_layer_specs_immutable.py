"""Layer specs are immutable values: assignment is refused, ``replace`` re-validates, equality by configuration."""

from __future__ import annotations

import inspect
from fractions import Fraction

import numpy as np
import pytest

from convkit import LayerStack
from convkit import layers as L
from convkit.core.layers import LAYERS
from convkit.core.layers.base import FrozenLayerError

EXAMPLES = {
    "Conv2D": lambda: L.Conv2D(32, 3, strides=2),
    "Conv2DTranspose": lambda: L.Conv2DTranspose(8, 3, strides=2, output_padding=1),
    "DepthwiseConv2D": lambda: L.DepthwiseConv2D(3, depth_multiplier=2),
    "SeparableConv1D": lambda: L.SeparableConv1D(4, 5, padding="same"),
    "MaxPooling2D": lambda: L.MaxPooling2D(3),
    "Cropping2D": lambda: L.Cropping2D(((1, 2), (0, 1))),
    "Dense": lambda: L.Dense(10, activation="relu"),
    "Reshape": lambda: L.Reshape((4, 4, 1)),
    "Dropout": lambda: L.Dropout(0.25),
    "BatchNormalization": lambda: L.BatchNormalization(momentum=0.9),
}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_assignment_is_refused_with_a_message_naming_replace(name):
    layer = EXAMPLES[name]()
    before = repr(layer)
    attribute = next(iter(inspect.signature(type(layer)).parameters))
    with pytest.raises(FrozenLayerError) as info:
        setattr(layer, attribute, 64)
    message = str(info.value)
    assert f"layer.replace({attribute}=64)" in message and f"Received: {attribute}=64" in message
    assert isinstance(info.value, AttributeError)
    with pytest.raises(AttributeError):
        del layer.name
    assert repr(layer) == before


def test_replace_returns_a_new_validated_spec_and_keeps_the_name():
    conv = L.Conv2D(32, 3, strides=2, name="encoder")
    wider = conv.replace(filters=64)
    assert wider is not conv and conv.filters == 32 and wider.filters == 64
    assert wider.name == "encoder" and wider.strides == (2, 2)
    assert wider.compute_output_shape((None, 28, 28, 3)) == (None, 13, 13, 64)
    with pytest.raises(ValueError, match=r"Received: strides=0"):
        conv.replace(strides=0)
    with pytest.raises(ValueError, match="dilation_rate"):
        conv.replace(dilation_rate=2)  # strides 2 with dilation 2: refused as Keras refuses it
    with pytest.raises(TypeError, match=r"unknown argument\(s\) filtrs.*Received: filtrs=3"):
        conv.replace(filtrs=3)
    assert conv.replace(name="other").name == "other"
    assert "name=" not in L.Conv2D(8, 3).replace(filters=4).to_keras_code()  # auto names stay unwritten


def test_stack_sees_a_changed_layer_only_through_a_new_stack():
    stack = LayerStack((None, 28, 28, 3), [L.Conv2D(32, 3, strides=2)])
    assert stack.output_shape == (None, 13, 13, 32)
    with pytest.raises(FrozenLayerError):
        stack.layers[0].filters = 64
    assert stack.output_shape == (None, 13, 13, 32)
    edited = stack.replace(0, stack.layers[0].replace(filters=64))
    assert edited.output_shape == (None, 13, 13, 64) and stack.output_shape == (None, 13, 13, 32)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_equality_and_hash_follow_the_configuration(name):
    a, b = EXAMPLES[name](), EXAMPLES[name]()
    assert a.name != b.name  # auto-named separately, yet the same configuration
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a.replace(name="x") != b  # a given name is part of the configuration


def test_different_configurations_differ():
    assert L.Conv2D(32, 3) != L.Conv2D(32, 3, strides=2)
    assert L.Conv2D(32, 3) != L.Conv1D(32, 3)
    assert L.MaxPooling2D(2) == L.MaxPooling2D(2, strides=2)  # strides default to pool_size, as in Keras
    assert L.Conv2D(8, 3) != "Conv2D(8, 3)"


def test_repr_builds_no_second_layer(monkeypatch):
    layer = L.MaxPooling2D(3, strides=1)
    shown = repr(layer), layer.to_keras_code()

    def refuse(*args, **kwargs):
        raise AssertionError("a layer was built while printing one")

    monkeypatch.setattr(type(layer), "__init__", refuse)
    assert (repr(layer), layer.to_keras_code()) == shown
    assert shown[0] == "MaxPooling2D((3, 3), strides=(1, 1), padding='valid')"


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_signature_is_the_constructors(name):
    cls = LAYERS[name]
    params = list(inspect.signature(cls).parameters)
    assert "self" not in params and params == list(inspect.signature(cls.__init__).parameters)[1:]


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda: L.Dropout(10**400), id="dropout_huge_int"),
        pytest.param(lambda: L.Dropout(Fraction(10**400, 3)), id="dropout_huge_fraction"),
        pytest.param(lambda: L.ReLU(max_value=10**400), id="relu_max_value"),
        pytest.param(lambda: L.ReLU(negative_slope=10**400), id="relu_negative_slope"),
        pytest.param(lambda: L.ReLU(threshold=10**400), id="relu_threshold"),
        pytest.param(lambda: L.BatchNormalization(momentum=10**400), id="bn_momentum"),
        pytest.param(lambda: L.BatchNormalization(epsilon=10**400), id="bn_epsilon"),
        pytest.param(lambda: L.LayerNormalization(epsilon=-(10**400)), id="ln_epsilon"),
        pytest.param(lambda: L.ZeroPadding2D({1, 2}), id="padding_set"),
    ],
)
def test_huge_or_unordered_arguments_are_refused_clearly(build):
    with pytest.raises((ValueError, TypeError)) as info:
        build()
    message = str(info.value)
    assert "Received:" in message and len(message) < 400  # the huge value is not echoed in full


def test_numpy_scalars_are_read_as_numbers():
    assert L.Dropout(np.float64(0.5)).rate == 0.5
    assert L.Cropping2D(np.array(3)).cropping == ((3, 3), (3, 3))


def test_the_keras_placeholder_is_an_immutable_core_value():
    from convkit.core.reported import KerasLayer
    from convkit.core.spec import LayerKind, LayerSpec

    layer = KerasLayer("attn", "MultiHeadAttention", [(None, 8, 16)], (None, 8, 16), 1088)
    assert isinstance(layer, LayerSpec) and layer.window is LayerKind.ELEMENTWISE
    with pytest.raises(AttributeError):
        layer.params = 0
    assert layer.replace(params=0).params == 0 and layer.params == 1088
    assert layer == KerasLayer("attn", "MultiHeadAttention", [(None, 8, 16)], (None, 8, 16), 1088)
    assert len({layer, layer.replace()}) == 1


def test_merge_specs_are_immutable_values_too():
    cat = L.Concatenate(axis=1)
    with pytest.raises(FrozenLayerError, match=r"layer.replace\(axis=2\)"):
        cat.axis = 2
    assert cat.replace(axis=2).axis == 2 and cat.axis == 1
    assert cat == L.Concatenate(axis=1) and hash(cat) == hash(L.Concatenate(axis=1))
    assert L.Add() == L.Add() and L.Add() != L.Multiply()
    with pytest.raises(ValueError):
        cat.replace(axis=10**6)
