"""Inverse-solver benchmark: how long ``convkit.solve`` takes, and what the stack editor's proposals cost (a script).

Each case is timed as the median of ``--repeats`` calls (the per-axis arithmetic is memoised, so repeats after the
first show the steady cost a notebook sees). Cases: the default ranges (7 kernels × 4 strides × 2 paddings), a big
kernel range (``kernel_sizes=range(1, 64)``), transposed convolutions (every ``output_padding`` too), dilation,
per-axis tuples of rank 2 and 3; then the stack editor's proposals for an invalid layer at the end of a stack of
``--layers`` layers (each target tried costs one trace of the stack) and the whole edit that shows them.

Run: ``python benchmarks/bench_solve.py``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import convkit  # noqa: E402
from convkit import layers as L  # noqa: E402
from convkit.widgets._stack_proposals import proposals_for  # noqa: E402
from convkit.widgets.stack_editor import StackEditor  # noqa: E402


def median_ms(call: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


CASES: list[tuple[str, Callable[[], Any]]] = [
    ("28 -> 14, default ranges", lambda: convkit.solve(28, 14)),
    ("224 -> 7, default ranges (none)", lambda: convkit.solve(224, 7)),
    ("28 -> 14, kernel_sizes=range(1, 64)", lambda: convkit.solve(28, 14, kernel_sizes=range(1, 64))),
    (
        "224 -> 7, kernel_sizes=range(1, 64), strides=range(1, 65)",
        lambda: convkit.solve(224, 7, kernel_sizes=range(1, 64), strides=range(1, 65)),
    ),
    ("7 -> 14, transpose=True, default ranges", lambda: convkit.solve(7, 14, transpose=True)),
    (
        "7 -> 14, transpose=True, kernel_sizes=range(1, 64)",
        lambda: convkit.solve(7, 14, transpose=True, kernel_sizes=range(1, 64)),
    ),
    ("28 -> 20, dilation_rates=range(1, 5)", lambda: convkit.solve(28, 20, dilation_rates=range(1, 5))),
    ("(28, 20) -> (14, 10), default ranges", lambda: convkit.solve((28, 20), (14, 10))),
    ("(16, 28, 28) -> (8, 14, 14), default ranges", lambda: convkit.solve((16, 28, 28), (8, 14, 14))),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=21)
    parser.add_argument("--layers", type=int, default=200)
    args = parser.parse_args()
    print(f"convkit.solve (median of {args.repeats} calls)")
    for name, call in CASES:
        ms, result = median_ms(call, args.repeats)
        print(f"  {name:<62} {ms:8.3f} ms   {len(result):4d} layers")

    n = args.layers
    body = [L.Conv2D(8, 3, padding="same") if i % 2 == 0 else L.ReLU() for i in range(n - 2)]
    stack = convkit.LayerStack((None, 32, 32, 3), [*body, L.Conv2D(8, 40), L.Conv2D(4, 3)])
    invalid = n - 2
    ms, found = median_ms(lambda: proposals_for(stack, invalid), max(3, args.repeats // 3))
    print(f"\nstack editor proposals ({n} layers, layer {invalid} invalid)")
    print(f"  proposals_for (target {found.target}, {len(found.layers)} proposals)".ljust(64) + f" {ms:8.3f} ms")
    editor = StackEditor(stack, show_diagram=False)
    valid = stack.replace(invalid, L.Conv2D(8, 3))

    def edit_to(target: convkit.LayerStack) -> Callable[[], None]:
        def run() -> None:
            editor.stack = target

        return run

    times = []
    for _ in range(max(3, args.repeats // 3)):
        edit_to(valid)()
        start = time.perf_counter()
        edit_to(stack)()  # the edit that makes the layer invalid, and shows its proposals
        times.append((time.perf_counter() - start) * 1000)
    print(f"  {'edit that makes it invalid (rows + proposals, no diagram)':<62} {statistics.median(times):8.3f} ms")
    from convkit.widgets import stack_editor

    real, stack_editor.proposals_for = stack_editor.proposals_for, lambda *_: None  # type: ignore[assignment]
    try:
        times = []
        for _ in range(max(3, args.repeats // 3)):
            edit_to(valid)()
            start = time.perf_counter()
            edit_to(stack)()
            times.append((time.perf_counter() - start) * 1000)
    finally:
        stack_editor.proposals_for = real
    edit_to(valid)()
    edit_to(stack)()
    print(f"  {'the same edit without proposals (for comparison)':<62} {statistics.median(times):8.3f} ms")
    ms, _ = median_ms(lambda: editor.rows[invalid].proposals.pick(0), 1)
    print(f"  {'click on a proposal (re-flow to valid)':<62} {ms:8.3f} ms   valid={editor.stack.is_valid}")


if __name__ == "__main__":
    main()
