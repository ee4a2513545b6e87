"""Every KernelTraversal setting goes through one checked path: a bad value never raises after construction, it
leaves the last valid state and says why (naming the value); the constructor raises ValueError/TypeError; and
whatever the widget accepts has a usable ``.traversal`` (issue 11's widget findings, then a property test)."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convkit.widgets._traversal_params import TraversalParams
from convkit.widgets._traversal_state import MAX_SPEED, MIN_SPEED, PARAMS, SETTINGS
from convkit.widgets.traversal import KernelTraversal

BAD = [
    pytest.param("speed", "fast", id="speed_text"),
    pytest.param("speed", -5, id="speed_negative"),
    pytest.param("speed", math.nan, id="speed_nan"),
    pytest.param("speed", math.inf, id="speed_inf"),
    pytest.param("speed", 10**400, id="speed_huge"),
    pytest.param("speed", True, id="speed_bool"),
    pytest.param("step", "3", id="step_text"),
    pytest.param("step", None, id="step_none"),
    pytest.param("step", 10**9, id="step_out_of_range"),
    pytest.param("step", -1, id="step_negative"),
    pytest.param("step", 2.0, id="step_float"),
    pytest.param("coverage", "yes", id="coverage_text"),
    pytest.param("coverage", 1, id="coverage_int"),
    pytest.param("loop", 15, id="loop_int"),
    pytest.param("loop", None, id="loop_none"),
    pytest.param("numbers", 10**400, id="numbers_huge_int"),
    pytest.param("numbers", ("abc", "def"), id="numbers_text"),
    pytest.param("numbers", (np.ones((6, 6)) * (1 + 2j), np.ones((3, 3))), id="numbers_complex"),
    pytest.param("numbers", (np.full((6, 6), np.nan), np.ones((3, 3))), id="numbers_nan"),
    pytest.param("numbers", ([[1, 2], [3]], np.ones((3, 3))), id="numbers_ragged"),
    pytest.param("numbers", "12", id="numbers_string"),
    pytest.param("input_size", 10**9, id="input_size_untraceable"),
    pytest.param("input_size", (10**400, 5), id="input_size_huge"),
    pytest.param("input_size", (5, 5, 5), id="input_rank_3"),
    pytest.param("kernel_size", {3, 5}, id="kernel_set"),
    pytest.param("kernel_size", Fraction(10**400), id="kernel_fraction"),
    pytest.param("strides", "2", id="strides_text"),
    pytest.param("padding", "full", id="padding_full"),
    pytest.param("padding", ((1, 2), (3,)), id="padding_ragged"),
    pytest.param("operation", None, id="operation_none"),
    pytest.param("in_channels", 0, id="channels_zero"),
    pytest.param("filters", 2.5, id="filters_float"),
    pytest.param("kind", "pointwise", id="kind_unknown"),
    pytest.param("groups", 4, id="groups_not_dividing"),
]


def snapshot(w: KernelTraversal) -> dict[str, Any]:
    out = {name: getattr(w, name) for name in SETTINGS if name != "numbers"}
    return {**out, "numbers": id(w.numbers), "payload": id(w.payload)}


def assert_valid(w: KernelTraversal) -> None:
    """The state the widget shows is consistent and usable."""
    t = w.traversal  # never raises for accepted settings
    h = w.payload.header
    assert tuple(h["output_size"]) == t.output_size and h["num_steps"] == t.num_steps == w.num_steps
    assert 0 <= w.step < w.num_steps
    assert w.speed is None or MIN_SPEED <= w.speed <= MAX_SPEED
    assert type(w.coverage) is bool and type(w.loop) is bool
    again = TraversalParams.create(**{name: getattr(w, name) for name in PARAMS})
    assert all(getattr(again, name) == getattr(w, name) for name in PARAMS), "what the widget shows is valid"
    canvas = w.children[-1]
    assert canvas.header is h and canvas.step == w.step and canvas.loop == w.loop
    assert canvas.show_coverage == w.coverage
    if not h["too_large"]:
        assert w.payload.step_sentence(w.step).startswith(("kernel", "max-pool", "average-pool"))


@pytest.mark.parametrize(("name", "value"), BAD)
def test_bad_assignment_keeps_the_state_and_says_why(name: str, value: Any) -> None:
    w = KernelTraversal((6, 6), 3, numbers=True, step=2, speed=10, filters=2)
    before = snapshot(w)
    setattr(w, name, value)  # never raises
    assert snapshot(w) == before, "the last valid state is kept"
    assert "Received" in w.message and f"{name}" in w.message, w.message
    assert len(w.message) < 600, "a huge value is not echoed in full"
    assert "could not convert" not in w.message and "Traceback" not in w.children[1].value
    assert_valid(w)
    assert w.update(**{name: value}) is False and snapshot(w) == before


@pytest.mark.parametrize(("name", "value"), BAD)
def test_constructor_refuses_bad_values_clearly(name: str, value: Any) -> None:
    kwargs: dict[str, Any] = dict(input_size=(6, 6), kernel_size=3, filters=2)
    if name == "numbers" or name == "step":
        kwargs["numbers"] = True
    kwargs[name] = value
    with pytest.raises((ValueError, TypeError), match="Received") as err:
        KernelTraversal(**kwargs)
    assert type(err.value) in (ValueError, TypeError) and "could not convert" not in str(err.value)


def test_a_pooling_widget_refuses_huge_numbers() -> None:
    p = KernelTraversal((8, 8), 2, operation="max")
    p.numbers = 10**400
    assert p.numbers is None and "digits" in p.message and "Received: numbers[0]=" in p.message
    p.numbers = np.arange(64.0).reshape(8, 8)  # pooling: x alone is fine
    assert p.message == "" and p.payload.sum_sentence(0) == "output[0, 0] = max(0, 1, 8, 9) = 9"


def test_accepted_settings_always_have_a_traversal() -> None:
    w = KernelTraversal((28, 28), 3)
    w.input_size = 10**9  # traceable? no: refused at assignment, not accepted and then failing later
    assert w.input_size == (28, 28) and "too large to trace" in w.message
    w.input_size = (2048, 2048)  # too large to draw, still a traversal
    assert w.message == "" and w.payload.header["too_large"] and w.traversal.output_size == (2046, 2046)
    assert_valid(w)
    with pytest.raises(ValueError, match="too large to trace"):
        KernelTraversal(10**9, 3)


def test_numpy_scalars_and_bools_are_welcome() -> None:
    w = KernelTraversal((8, 8), 3)
    w.step = np.int64(4)
    w.coverage = np.bool_(True)
    w.speed = np.float32(2.5)
    w.kernel_size = np.array(2)
    assert (w.step, w.coverage, w.speed, w.kernel_size, w.message) == (4, True, 2.5, (2, 2), "")
    assert type(w.step) is int and type(w.coverage) is bool


# --------------------------------------------------------------------------------------- property tests
SMALL = st.integers(-2, 12)
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    SMALL,
    st.integers(),
    st.sampled_from([10**400, -(10**400), 2**63, 10**9, 4096]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.complex_numbers(max_magnitude=1e6),
    st.text(max_size=4),
    st.fractions(max_denominator=10),
    st.decimals(allow_nan=True, places=2),
    st.sampled_from(
        [
            "valid",
            "same",
            "causal",
            "explicit",
            "VALID",
            "conv",
            "max",
            "average",
            "depthwise",
            "separable",
            "fast",
            "yes",
        ]
    ),
    st.tuples(SMALL),
    st.tuples(SMALL, SMALL),
    st.tuples(SMALL, SMALL, SMALL),
    st.lists(SMALL, max_size=3),
    st.tuples(st.tuples(SMALL, SMALL), st.tuples(SMALL, SMALL)),
    st.tuples(st.tuples(SMALL, SMALL)),
    st.frozensets(SMALL, max_size=2),
    st.dictionaries(st.text(max_size=2), SMALL, max_size=2),
    st.builds(np.array, SMALL),
    st.builds(lambda a: np.array(a), st.lists(SMALL, min_size=1, max_size=3)),
    st.just(("abc", "def")),
    st.just(object()),
)
#: Values a learner would mostly type: half the examples, so the fuzz walks through many valid states too.
LIKELY = st.one_of(
    st.integers(1, 6),
    st.tuples(st.integers(1, 6), st.integers(1, 6)),
    st.integers(8, 16),
    st.sampled_from(["valid", "same", "causal", "conv", "max", "average", None, True, False, 1, 2]),
    st.tuples(st.tuples(st.integers(0, 2), st.integers(0, 2)), st.tuples(st.integers(0, 2), st.integers(0, 2))),
)
STEPS = st.one_of(SMALL, st.integers(0, 200), JUNK)
NUMBERS = st.one_of(st.none(), st.booleans(), JUNK)


@st.composite
def assignment(draw: st.DrawFn, w: KernelTraversal) -> tuple[str, Any]:
    name = draw(st.sampled_from(SETTINGS))
    if name == "step":
        return name, draw(STEPS)
    if name == "numbers":
        if draw(st.booleans()):  # arrays of the current shape, finite or not
            x = np.full(w.input_size, draw(st.floats(allow_nan=True, allow_infinity=True, width=32)))
            return name, x if w.operation != "conv" else (x, np.ones(w.kernel_size))
        return name, draw(NUMBERS)
    if name == "speed":
        return name, draw(st.one_of(st.floats(0, 6000), JUNK))
    return name, draw(st.one_of(LIKELY, JUNK))


def check_assignment(w: KernelTraversal, name: str, value: Any) -> None:
    before = snapshot(w)
    setattr(w, name, value)  # must never raise
    after = snapshot(w)
    if after != before:
        assert w.message == "", "an accepted change clears the message"
    if w.message:
        assert "Received" in w.message, w.message
    assert_valid(w)


_WIDGETS: dict[str, KernelTraversal] = {}


def widget(kind: str) -> KernelTraversal:
    """One widget per kind for the whole fuzz: examples keep changing it (the state carries over)."""
    if kind not in _WIDGETS:
        _WIDGETS[kind] = (
            KernelTraversal((9, 9), 3, numbers=True) if kind == "conv" else KernelTraversal(10, 2, operation="max")
        )
    return _WIDGETS[kind]


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_assignment_to_a_convolution_never_raises_and_keeps_a_valid_state(data: st.DataObject) -> None:
    w = widget("conv")
    name, value = data.draw(assignment(w))
    check_assignment(w, name, value)


@settings(max_examples=700, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_assignment_to_a_pooling_widget_never_raises_and_keeps_a_valid_state(data: st.DataObject) -> None:
    w = widget("pool")
    name, value = data.draw(assignment(w))
    check_assignment(w, name, value)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_update_with_several_settings_is_all_or_nothing(data: st.DataObject) -> None:
    w = widget("conv")
    changes = dict(data.draw(st.lists(assignment(w), min_size=1, max_size=4)))
    before = snapshot(w)
    accepted = w.update(changes)  # never raises for known names
    if not accepted:
        assert snapshot(w) == before and "Received" in w.message
    else:
        assert w.message == ""
    assert_valid(w)


def test_unknown_settings_are_a_type_error_in_update() -> None:
    w = KernelTraversal()
    with pytest.raises(TypeError, match="Received"):
        w.update(kernel=3)
