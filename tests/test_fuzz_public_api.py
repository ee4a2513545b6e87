"""A fuzz of every public core function: only ValueError/TypeError with convkit's message ever leave them.

Each test throws what a learner (or a slip of the keyboard) might pass at one group of functions: huge
integers and Fractions, NaN and infinities, 0-d numpy arrays, sets and dicts for tuples, classes for
instances, strings, wrong containers, lazy ranges of 10**12 items. Any exception other than
ValueError/TypeError fails the test with the example; every refusal must name what it received
("Received:" or the argument's name) without echoing a huge value in full. No TensorFlow here: the TF/Keras
messages ``explain_error`` reads come from tests/adapters/tf_messages.json (checked against real TensorFlow
by tests/adapters/test_errors.py).

About 8,600 examples per run (``CONVKIT_FUZZ_SCALE=2`` doubles them); the counts (tried / refused clearly /
accepted) are printed in the terminal summary.
"""

from __future__ import annotations

import inspect
import json
import os
import pathlib
import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import convkit
from convkit import layers as L
from convkit.adapters.errors import explain_error
from convkit.checks.try_layer import attempt_layer

# ------------------------------------------------------------------------------------------------ counting


@dataclass
class Tally:
    tried: int = 0
    refused: int = 0
    accepted: int = 0


TALLIES: dict[str, Tally] = {}
HUGE_DIGITS = re.compile(r"\d{80}")
#: Python's own argument-binding errors ("missing 1 required positional argument: 'units'") name the argument
SIGNATURE_ERROR = re.compile(
    r"missing \d+ required|unexpected keyword argument|positional arguments? but \d+ (?:were|was) given|"
    r"multiple values for argument"
)

#: Messages raised inside convkit/core/layers (the layer specs, maintained apart from this file's subjects) that
#: fail the message checks are collected here and printed in the summary instead of failing the fuzz; the
#: escape property (only ValueError/TypeError) stays strict for them. The KNOWN_* tables are the gaps the first
#: fuzz found there, kept as regression cases: each must now be refused with convkit's message.
LAYER_FINDINGS: dict[tuple[str, int], str] = {}
KNOWN_LAYER_MESSAGE_GAPS: dict[str, Callable[[], Any]] = {
    "Dense(10**400)": lambda: L.Dense(10**400),
    "Dense(Fraction(10**400))": lambda: L.Dense(Fraction(10**400)),
    "Reshape(10**400)": lambda: L.Reshape(10**400),
    "Reshape(np.array(5))": lambda: L.Reshape(np.array(5)),
    "Activation(10**400)": lambda: L.Activation(10**400),
    "LayerNormalization(Fraction(10**400))": lambda: L.LayerNormalization(Fraction(10**400)),
    "BatchNormalization(Fraction(10**400))": lambda: L.BatchNormalization(Fraction(10**400)),
    "UpSampling1D(Fraction(10**400))": lambda: L.UpSampling1D(Fraction(10**400)),
    "MaxPooling1D(padding=10**400)": lambda: L.MaxPooling1D(padding=10**400),
    "MaxPooling1D(name=10**400)": lambda: L.MaxPooling1D(name=10**400),
    "MaxPooling1D(name=10**5000)": lambda: L.MaxPooling1D(name=10**5000),
    "ZeroPadding2D(Fraction(10**400))": lambda: L.ZeroPadding2D(Fraction(10**400)),
    "ZeroPadding2D((10**400,))": lambda: L.ZeroPadding2D((10**400,)),
    "GlobalMaxPooling1D(keepdims=10**400)": lambda: L.GlobalMaxPooling1D(keepdims=10**400),
}
#: (exception type, file) of exceptions other than ValueError/TypeError known to escape a layer spec
KNOWN_LAYER_ESCAPES = {("MemoryError", "core/layers/reshaping.py")}
KNOWN_LAYER_ESCAPE_CASES: dict[str, Callable[[], Any]] = {"Reshape(range(10**12))": lambda: L.Reshape(range(10**12))}


def check_message(message: str, names: tuple[str, ...]) -> None:
    named = any(f"`{n}`" in message or f"{n}=" in message for n in names)
    assert "Received" in message or SIGNATURE_ERROR.search(message) or named, message
    assert not HUGE_DIGITS.search(message), f"a huge value echoed in full: {message[:300]}"
    assert len(message) < 3000, f"message of {len(message)} characters: {message[:300]}"


def _layer_origin(err: BaseException) -> tuple[str, int] | None:
    """(path under convkit/, line) when the deepest convkit frame of ``err`` is in convkit/core/layers, else None."""
    frames = [f for f in traceback.extract_tb(err.__traceback__) if "/convkit/" in f.filename.replace("\\", "/")]
    path = frames[-1].filename.replace("\\", "/") if frames else ""
    return (path.split("/convkit/")[-1], frames[-1].lineno) if "/convkit/core/layers/" in path else None


def attempt(group: str, fn: Callable[..., Any], *args: Any, names: tuple[str, ...] = (), **kwargs: Any) -> Any:
    """Call ``fn``; a ValueError/TypeError must carry convkit's message; anything else propagates (a failure)."""
    tally = TALLIES.setdefault(group, Tally())
    tally.tried += 1
    try:
        result = fn(*args, **kwargs)
    except (ValueError, TypeError) as err:
        tally.refused += 1
        try:
            check_message(str(err), names or tuple(kwargs))
        except AssertionError:
            where = _layer_origin(err)
            if where is not None:
                LAYER_FINDINGS.setdefault(where, str(err)[:100])
            raise
        return None
    tally.accepted += 1
    return result


class _Summary:
    """Prints the tallies in pytest's terminal summary (registered once per session by the fixture below)."""

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not TALLIES:
            return
        total = Tally(*(sum(getattr(t, f) for t in TALLIES.values()) for f in ("tried", "refused", "accepted")))
        terminalreporter.write_sep("-", "convkit public-API fuzz (only ValueError/TypeError may escape)")
        for name, t in sorted(TALLIES.items()):
            terminalreporter.write_line(
                f"{name:<20} tried {t.tried:>6,}  refused clearly {t.refused:>6,}  accepted {t.accepted:>6,}"
            )
        terminalreporter.write_line(
            f"{'total':<20} tried {total.tried:>6,}  refused clearly {total.refused:>6,}  accepted "
            f"{total.accepted:>6,}  other 0"
        )
        for (path, line), message in sorted(LAYER_FINDINGS.items()):
            terminalreporter.write_line(f"layer-spec message to improve: {path}:{line}: {message}")


@pytest.fixture(scope="module", autouse=True)
def _print_tallies(request: pytest.FixtureRequest) -> None:
    manager = request.config.pluginmanager
    if not manager.has_plugin("convkit-fuzz-summary"):
        manager.register(_Summary(), "convkit-fuzz-summary")


#: examples per test are multiplied by CONVKIT_FUZZ_SCALE (default 1: about 8,600 examples in all)
SCALE = float(os.environ.get("CONVKIT_FUZZ_SCALE", "1"))


def fuzz(examples: int) -> settings:
    return settings(
        max_examples=max(1, int(examples * SCALE)),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )


def at_least(examples: int) -> int:
    """What a test must have tried: hypothesis may stop early once it has seen every small case, so 3/4."""
    return max(1, int(examples * SCALE * 3 // 4))


def _renders(shown: Any) -> bool:
    """Its notebook HTML is built without an error (``None`` is allowed: IPython then shows the text)."""
    html = shown._repr_html_()
    return html is None or isinstance(html, str)


# ------------------------------------------------------------------------------------------------ values

small = st.integers(-3, 40)
huge = st.sampled_from([10**9 + 1, 2**31, 10**20, 10**400, -(10**400), 10**4000])  # repr(10**5000) fails
numbers = st.one_of(
    small,
    huge,
    st.sampled_from([Fraction(10**400), Fraction(3, 2), Fraction(6, 2), 3.0, 2.5, -1.0, 1e308, 1e-300]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([True, False, 1 + 2j, np.int64(3), np.float64(2.0), np.uint8(255)]),
)
arrays = st.sampled_from(
    [
        np.array(5),
        np.array(2.5),
        np.array([1, 1]),
        np.array([[1, 1], [2, 2]]),
        np.array([]),
        np.array(["a"]),
        np.array(np.nan),
    ]
)
words = st.sampled_from(
    ["valid", "same", "causal", "SAME", "full", "abc", "", "relu", "channels_first", "channels_last", "max", "average"]
)
oddities = st.sampled_from(
    [
        None,
        b"3",
        {3, 5},
        {"a": 1},
        frozenset({2}),
        L.Conv2D,
        int,
        object(),
        range(3),
        range(10**12),
        [[1, 2], [3]],
        (),
        [],
        ((1, 1),),
        ((1, 1), (2, 2)),
        ((0, 1), (2, 3), (1, 1)),
    ]
)
tuples = st.lists(st.one_of(small, huge, st.none(), st.just(np.int64(2)), st.just(2.0)), max_size=4).flatmap(
    lambda items: st.sampled_from([tuple(items), list(items)])
)
values = st.one_of(numbers, arrays, words, oddities, tuples)


def mostly(good: st.SearchStrategy, other: st.SearchStrategy, tenths: int = 8) -> st.SearchStrategy:
    """``good`` ``tenths`` times in ten, else ``other`` (``one_of`` would draw each branch equally often)."""
    return st.integers(0, 9).flatmap(lambda i: good if i < tenths else other)


#: settings that usually work, so accepted calls (and their explanations) are fuzzed too
friendly = st.one_of(st.integers(1, 5), st.tuples(st.integers(1, 5), st.integers(1, 5)))
argument = mostly(friendly, values)
paddings = mostly(st.sampled_from(["valid", "same", "causal"]), argument, 6)
ones = mostly(st.just(1), argument, 6)  # strides or dilation: both > 1 is refused (as by Keras)
sizes = mostly(st.one_of(st.integers(1, 30), st.tuples(st.integers(1, 30), st.integers(1, 30))), argument)

dims = st.one_of(
    st.none(),
    st.integers(1, 64),
    st.sampled_from([0, -1, 10**8, 10**9, 10**9 + 1, 10**400, 2.0, "a", np.int64(7), np.array(6)]),
)
shapes = st.one_of(
    st.lists(dims, max_size=6).map(tuple),
    st.lists(st.integers(1, 40), min_size=3, max_size=5).map(lambda d: (None, *d)),
    values,
)

# ------------------------------------------------------------------------------------------------ traversal


@fuzz(1500)
@given(sizes, argument, ones, paddings, ones)
def _traverse_case(size, kernel, strides, padding, dilation):
    t = attempt(
        "traverse",
        convkit.traverse,
        size,
        kernel,
        strides,
        padding,
        dilation,
        names=("input_size", "kernel_size", "strides", "padding", "dilation_rate"),
    )
    if t is not None:
        assert len(t.steps) == t.num_steps and all(o >= 1 for o in t.output_size)
        if t.num_steps * t.num_taps <= 4096 and np.prod(t.input_size) <= 4096:
            coverage = t.coverage
            assert int(coverage.sum()) == sum(len(s.input_indices) for s in t.steps)
            assert t.unread_fraction == pytest.approx(float((coverage == 0).mean()))


def test_traverse_fuzz():
    _traverse_case()
    assert TALLIES["traverse"].tried >= at_least(1500)


# ------------------------------------------------------------------------------------------------ numbers


@fuzz(1000)
@given(
    st.lists(st.integers(1, 6), min_size=1, max_size=3),
    st.integers(1, 3),
    st.integers(1, 3),
    ones,
    paddings,
    ones,
    st.sampled_from([np.float32, np.float16, np.int64, np.float64]),
)
def _numeric_case(size, c_in, c_out, strides, padding, dilation, dtype):
    x = np.ones((1, *size, c_in), dtype)
    kernel = np.ones((*[min(3, n) for n in size], c_in, c_out))
    y = attempt(
        "convolve",
        convkit.convolve,
        x,
        kernel,
        strides,
        padding,
        dilation,
        names=("strides", "padding", "dilation_rate"),
    )
    if y is not None:
        assert y.shape[0] == 1 and y.shape[-1] == c_out and np.all(np.isfinite(y))
    out = attempt(
        "pool", convkit.pool, x, kernel.shape[:-2], strides, padding, "max", names=("pool_size", "strides", "padding")
    )
    if out is not None:
        assert np.all(out == 1)  # the max of ones (padding never wins)


@fuzz(300)
@given(values, values)
def _numeric_junk_case(x, kernel):
    attempt("convolve", convkit.convolve, x, kernel, names=("x", "kernel"))
    attempt("pool", convkit.pool, x, kernel, names=("x", "pool_size"))


def test_convolve_and_pool_fuzz():
    _numeric_case()
    _numeric_junk_case()
    assert TALLIES["convolve"].tried >= at_least(1300) and TALLIES["pool"].tried >= at_least(1300)


# ------------------------------------------------------------------------------------------------ layers

LAYER_CLASSES = [getattr(L, name) for name in (*L.LAYERS, *L.MERGE_LAYERS)]


def _parameters(cls: type) -> list[str]:
    return [
        p.name
        for p in inspect.signature(cls).parameters.values()
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]


def _fitting_shape(cls: type) -> tuple:
    rank = next((r for r in (1, 2, 3) if f"{r}D" in cls.__name__), 2)
    return (None, *([12] * rank), 3)


@pytest.mark.parametrize("case", sorted(KNOWN_LAYER_MESSAGE_GAPS))
def test_known_layer_message_gaps(case):
    with pytest.raises((ValueError, TypeError)) as info:
        KNOWN_LAYER_MESSAGE_GAPS[case]()
    check_message(str(info.value), ())


@pytest.mark.parametrize("case", sorted(KNOWN_LAYER_ESCAPE_CASES))
def test_known_layer_escapes(case):
    with pytest.raises((ValueError, TypeError)):
        KNOWN_LAYER_ESCAPE_CASES[case]()


@fuzz(2500)
@given(st.sampled_from(LAYER_CLASSES), st.lists(argument, max_size=3), st.data(), shapes)
def _layer_case(cls, positional, data, shape):
    names = _parameters(cls)
    chosen = data.draw(st.lists(st.sampled_from(names), max_size=3, unique=True)) if names else []
    keywords = {name: data.draw(argument, label=name) for name in chosen}
    positional = [p for _, p in zip([n for n in names if n != "name"], positional)]
    given_names = tuple(names[: len(positional)]) + tuple(keywords)
    layer = attempt("layer constructors", cls, *positional, names=given_names, **keywords)
    if layer is None:
        return
    is_merge = getattr(layer, "window", None) == "merge"
    fitting = _fitting_shape(cls)
    for arg in ([shape, shape], [fitting, fitting]) if is_merge else (shape, fitting):
        out = attempt("layer shapes", layer.compute_output_shape, arg, names=("input_shape", "input_shapes"))
        attempt("layer params", layer.count_params, arg, names=("input_shape", "input_shapes"))
        explanation = attempt("layer explain", layer.explain, arg, names=("input_shape", "input_shapes"))
        if explanation is not None:
            assert str(explanation) and _renders(explanation)
        if out is not None:
            assert len(out) >= 1 and all(d is None or (isinstance(d, int) and d >= 1) for d in out)


def test_layers_fuzz():
    _layer_case()
    assert TALLIES["layer constructors"].tried >= at_least(2500)


@fuzz(600)
@given(st.sampled_from(LAYER_CLASSES), st.data(), mostly(st.just("fitting"), shapes, 6))
def _try_layer_case(cls, data, shape):
    names = [n for n in _parameters(cls) if n != "name"]
    params = {n: data.draw(argument, label=n) for n in names[: data.draw(mostly(st.just(2), st.integers(0, 3)))]}
    shape = _fitting_shape(cls) if isinstance(shape, str) and shape == "fitting" else shape
    tally = TALLIES.setdefault("try_layer", Tally())
    tally.tried += 1
    trial = attempt_layer(cls, shape, **params)  # never raises, whatever the learner typed
    tally.accepted += trial.ok
    tally.refused += not trial.ok
    assert str(trial) and _renders(trial)
    assert trial.ok or trial.error  # the reason itself is checked where it is raised (the other tests)


def test_try_layer_fuzz():
    _try_layer_case()
    assert TALLIES["try_layer"].tried >= at_least(600)


# ------------------------------------------------------------------------------------------------ stacks

POOL = [
    L.Conv2D(4, 3),
    L.Conv2D(4, 3, strides=2, padding="same"),
    L.MaxPooling2D(),
    L.Flatten(),
    L.Dense(3),
    L.Conv1D(2, 5, strides=10**7),
    L.MaxPooling1D(2, strides=16),
    L.Add(),
    L.Concatenate(),
    L.GlobalAveragePooling2D(),
    L.UpSampling2D(),
    L.Conv2DTranspose(2, 3, strides=2),
]
layer_lists = mostly(
    st.lists(st.sampled_from(POOL), max_size=5),
    st.one_of(st.lists(st.one_of(st.sampled_from(POOL), values), max_size=3), values, st.just(L.Conv2D(8, 3))),
    6,
)
wirings = mostly(st.none(), st.one_of(values, st.lists(st.one_of(st.integers(-2, 5), tuples), max_size=5)), 7)
stack_shapes = mostly(
    st.sampled_from(
        [
            (None, 28, 28, 3),
            (2, 64, 64, 1),
            (None, 10**8, 1),
            (None, 9_600_000, 1),
            (None, 16, 16, 4),
            (None, 1000, 1000, 1000, 1),
        ]
    ),
    shapes,
    6,
)


@fuzz(1200)
@given(stack_shapes, layer_lists, wirings)
def _stack_case(shape, layers, inputs):
    names = ("input_shape", "layers", "inputs")
    attempt("trace", convkit.trace, shape, layers, inputs, names=names)
    stack = attempt("LayerStack", convkit.LayerStack, shape, layers, inputs, names=names)
    if stack is not None:
        assert isinstance(str(stack.explain()), str) and stack.count_params() >= 0
        assert str(attempt("summary", convkit.summary, stack))
    attempt("summary", convkit.summary, layers, input_shape=shape, names=("input_shape", "model_or_stack"))
    attempt("summary", convkit.summary, shape, names=("model_or_stack",))


def test_trace_stack_and_summary_fuzz():
    _stack_case()
    assert TALLIES["LayerStack"].tried >= at_least(1200)


# ------------------------------------------------------------------------------------------------ explain_error

CORPUS = json.loads((pathlib.Path(__file__).parent / "adapters" / "tf_messages.json").read_text())["messages"]
TOKEN = re.compile(r"-?\d+|\([^()]*\)|\[[^\]]*\]|None")
replacements = st.one_of(
    st.sampled_from(
        [
            "0",
            "-1",
            "1",
            "9" * 5000,
            "99999999999",
            "1000000000",
            "()",
            "[]",
            "(0,)",
            "None",
            "",
            "-0",
            "(None,)",
            "[0 0]",
            "(1, 2, 3, 4, 5, 6, 7, 8)",
            "x",
            "2**31",
        ]
    ),
    st.integers(-(10**12), 10**12).map(str),
    st.text(max_size=6),
)


@fuzz(1500)
@given(
    st.sampled_from(sorted(CORPUS)),
    st.lists(st.tuples(st.integers(0, 10**6), replacements), max_size=4),
    st.sampled_from([ValueError, TypeError, RuntimeError, KeyError, Exception]),
)
def _explain_error_case(key, edits, kind):
    message = CORPUS[key]
    for position, text in edits:  # replace numbers, shapes or None at chosen places
        tokens = list(TOKEN.finditer(message))
        if not tokens:
            break
        token = tokens[position % len(tokens)]
        message = message[: token.start()] + text + message[token.end() :]
    tally = TALLIES.setdefault("explain_error", Tally())
    tally.tried += 1
    explanation = explain_error(kind(message))  # never raises
    if explanation is None:
        tally.refused += 1
    else:
        tally.accepted += 1
        assert str(explanation) and _renders(explanation)


def test_explain_error_fuzz_on_mutated_tensorflow_messages():
    # the unmutated messages are all recognised, so the mutations start from real, explained errors
    assert all(explain_error(ValueError(message)) is not None for message in CORPUS.values())
    _explain_error_case()
    assert TALLIES["explain_error"].tried >= at_least(1500)
