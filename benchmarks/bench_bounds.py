"""Huge inputs (issue 11): time and peak memory of each case, each in a fresh interpreter (a script, not a test).

Every case must end in a result or a clear refusal; the target is <= 1 s each. The peak memory is measured
two ways inside the child: ``tracemalloc`` (Python and numpy allocations made by the case) and the growth of
the process' maximum resident set (``ru_maxrss``) over what importing convkit and numpy already took.
tests/test_huge_inputs.py runs the same kind of cases under a 1 GiB address-space cap.

Run: ``python benchmarks/bench_bounds.py`` (``--repeats N`` runs each case N times and keeps the median time).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import textwrap

TARGET_SECONDS = 1.0

#: (case, expression): the cases the fuzz of issue 11 found slow or memory-hungry, and their neighbours
CASES = [
    (
        "LayerStack 10**8 cells, Conv1D strides 10**7",
        "str(convkit.LayerStack((None, 10**8, 1), [L.Conv1D(1, 1, strides=10**7)]).explain())",
    ),
    (
        "summary 9,600,000-sample audio, MaxPooling1D(2, 16)",
        "str(convkit.summary([L.MaxPooling1D(2, strides=16)], input_shape=(None, 9_600_000, 1)))",
    ),
    (
        "LayerStack 1000**3 voxels, Conv3D strides 7",
        "str(convkit.LayerStack((None, 1000, 1000, 1000, 1), [L.Conv3D(1, 3, strides=7)]).explain())",
    ),
    (
        "convolve 5 cells padded by 2**25 - 8",
        "convkit.convolve(np.ones((1, 5, 8)), np.ones((1, 8, 1)), padding=(2**25 - 8, 2**25 - 8))",
    ),
    ("pool window 10**8 'same' on 5 cells", "convkit.pool(np.ones((1, 5, 1)), 10**8, strides=1, padding='same')"),
    ("traverse((2**24,), 4).coverage", "convkit.traverse((2**24,), 4).coverage"),
    ("traverse((4096, 4096), 3, strides=64).coverage", "convkit.traverse((4096, 4096), 3, strides=64).coverage"),
    (
        "traverse((4096, 4096), 3, strides=64).unread_fraction",
        "convkit.traverse((4096, 4096), 3, strides=64).unread_fraction",
    ),
    ("Conv2D(Fraction(10**400), 3)", "L.Conv2D(Fraction(10**400), 3)"),
    ("trace(shape, range(10**12))", "convkit.trace((None, 28, 28, 1), range(10**12))"),
    (
        "explain_error with a 5,000-digit size",
        "convkit.explain_error(ValueError('Computed output size would be negative: -1 [input_size: ' + '9' * 5000 + "
        "', effective_filter_size: 3, stride: 1] [Op:Conv2D]'))",
    ),
]

CHILD = textwrap.dedent(
    """
    import json, resource, statistics, time, tracemalloc
    from fractions import Fraction
    import numpy as np
    import convkit
    from convkit import layers as L
    convkit.traverse, convkit.trace, convkit.LayerStack, convkit.summary, convkit.explain_error  # load lazily now
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times, outcome = [], "result"
    tracemalloc.start()
    for _ in range({repeats}):
        start = time.perf_counter()
        try:
            value = {expr}
        except (ValueError, TypeError) as err:
            outcome = "refused: " + str(err)[:70]
        times.append(time.perf_counter() - start)
        value = None
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    print(json.dumps({{"seconds": statistics.median(times), "traced": peak, "rss_growth_kib": grown,
                       "outcome": outcome}}))
    """
)


def run(expr: str, repeats: int) -> dict:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", CHILD.format(expr=expr, repeats=repeats)],
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )
    if done.returncode != 0:
        return {
            "seconds": float("nan"),
            "traced": 0,
            "rss_growth_kib": 0,
            "outcome": "CRASHED: " + (done.stderr.strip().splitlines() or ["?"])[-1][:70],
        }
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"{'case':<54} {'time':>9} {'÷ target':>8} {'traced peak':>12} {'RSS growth':>11}  outcome")
    worst = 0.0
    for name, expr in CASES:
        r = run(expr, args.repeats)
        worst = max(worst, r["seconds"]) if r["seconds"] == r["seconds"] else float("inf")
        print(
            f"{name:<54} {r['seconds'] * 1000:>7.1f}ms {r['seconds'] / TARGET_SECONDS:>8.3f} "
            f"{r['traced'] / 2**20:>9.1f}MiB {r['rss_growth_kib'] / 1024:>8.1f}MiB  {r['outcome']}"
        )
    verdict = "within" if worst <= TARGET_SECONDS else "OVER"
    print(f"slowest case: {worst * 1000:.1f} ms ({verdict} the {TARGET_SECONDS:.0f} s target)")


if __name__ == "__main__":
    main()
