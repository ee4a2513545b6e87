"""Huge inputs end in a result or a clear refusal inside a 1 GiB address space (no timing asserted).

Each case runs in a fresh interpreter whose address space is capped with ``resource.RLIMIT_AS``, so a case
that materialises an axis of 10**8 cells, a padded copy of 67 million numbers or int64 index arrays dies with
MemoryError instead of passing on a big machine. TensorFlow is never imported. benchmarks/bench_bounds.py
times the same cases and reports their peak memory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

resource = pytest.importorskip("resource")  # POSIX only

LIMIT = 1024**3

CHILD = textwrap.dedent(
    """
    import json, resource, sys
    resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
    from fractions import Fraction
    import numpy as np
    import convkit
    from convkit import layers as L
    from convkit.checks.try_layer import attempt_layer
    try:
        value = {expr}
        outcome = {{"outcome": "result", "value": value}}
    except (ValueError, TypeError) as err:
        outcome = {{"outcome": "refused", "type": type(err).__name__, "message": str(err)}}
    outcome["tensorflow"] = "tensorflow" in sys.modules
    print(json.dumps(outcome, default=str))
    """
)

#: (case id, expression, expected outcome, what the result or the refusal must contain)
CASES = [
    (
        "conv1d_stride_1e7_on_1e8",
        "str(convkit.LayerStack((None, 10**8, 1), [L.Conv1D(1, 1, strides=10**7)]).explain())",
        "result",
        "positions 1, 2, 3, …, 99999999 (99999990 of 100000000)",
    ),
    (
        "audio_summary_9_6e6",
        "str(convkit.summary([L.MaxPooling1D(2, strides=16)], input_shape=(None, 9_600_000, 1)))",
        "result",
        "(None, 600000, 1)",
    ),
    (
        "audio_explain_9_6e6",
        "str(L.MaxPooling1D(2, strides=16).explain((None, 9_600_000, 1)))",
        "result",
        "positions 2, 3, 4, …, 9599999 (8400000 of 9600000)",
    ),
    (
        "conv1d_on_1e9",
        "convkit.LayerStack((None, 10**9, 1), [L.Conv1D(1, 3, strides=5)]).output_shape",
        "result",
        "[null, 200000000, 1]",
    ),
    (
        "conv3d_on_1e9_cells",
        "str(convkit.LayerStack((None, 1000, 1000, 1000, 1), [L.Conv3D(1, 3, strides=7)]).explain())",
        "result",
        "rows 3, 4, 5, …, 999 (571 of 1000)",
    ),
    (
        "convolve_padding_2_25",
        "convkit.convolve(np.ones((1, 5, 8)), np.ones((1, 8, 1)), padding=(2**25 - 8, 2**25 - 8))",
        "refused",
        "padded input",
    ),
    ("pool_window_1e8_same", "convkit.pool(np.ones((1, 5, 1)), 10**8, strides=1, padding='same')", "refused", "padded"),
    ("traverse_padding_1e9", "convkit.traverse(5, 3, padding=(10**9, 10**9)).output_size", "refused", "padding"),
    ("coverage_2_24", "int(convkit.traverse((2**24,), 4).coverage.sum())", "result", str(4 * (2**24 - 3))),
    (
        "coverage_4096_stride_64",
        "round(convkit.traverse((4096, 4096), 3, strides=64).unread_fraction, 6)",
        "result",
        "0.997803",
    ),
    (
        "unread_mask_4096_stride_64",
        "int(convkit.traverse((4096, 4096), 3, strides=64).unread_mask.sum())",
        "result",
        str(4096**2 - (64 * 3) ** 2),
    ),
    ("conv2d_filters_huge_fraction", "L.Conv2D(Fraction(10**400), 3)", "refused", "Received: filters="),
    ("traverse_huge_fraction", "convkit.traverse(Fraction(10**400), 3)", "refused", "Received: input_size="),
    ("try_layer_dropout_1e400", "attempt_layer(L.Dropout, (None, 10), rate=10**400).error", "result", "Received"),
    ("trace_range_1e12_layers", "convkit.trace((None, 28, 28, 1), range(10**12))", "refused", "Received: layers="),
    (
        "stack_range_1e12_wiring",
        "convkit.LayerStack((None, 8, 1), [L.Conv1D(1, 3)], inputs=range(10**12))",
        "refused",
        "Received: inputs=",
    ),
    ("convolve_range_1e12", "convkit.convolve(range(10**12), np.ones((1, 1, 1)))", "refused", "Received: x="),
    (
        "explain_error_5000_digits",
        "convkit.explain_error(ValueError('Computed output size would be negative: -1 [input_size: ' + '9' * 5000 + "
        "', effective_filter_size: 3, stride: 1] [Op:Conv2D]'))",
        "result",
        "null",
    ),
    ("shape_of_1e12_axes", "convkit.LayerStack(range(10**12), [])", "refused", "Received: input_shape="),
]


def _run(expr: str) -> dict:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    code = CHILD.format(limit=LIMIT, expr=expr)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, f"the case crashed (exit {done.returncode}):\n{done.stderr[-3000:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(("expr", "expected", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_huge_case_ends_in_a_result_or_a_clear_refusal(expr, expected, fragment):
    outcome = _run(expr)
    assert not outcome["tensorflow"]
    assert outcome["outcome"] == expected, outcome
    if expected == "refused":
        assert "Received" in outcome["message"] and fragment in outcome["message"], outcome["message"]
        assert len(outcome["message"]) < 1000, outcome["message"]
    else:
        assert fragment in json.dumps(outcome["value"], ensure_ascii=False), outcome["value"]


def test_the_cap_is_real():
    """The same cap stops a child that really allocates 4 GiB, so the cases above are bounded by it."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    code = CHILD.format(limit=LIMIT, expr="int(np.ones(2**29).sum())")  # 4 GiB of float64
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode != 0 and "MemoryError" in done.stderr
