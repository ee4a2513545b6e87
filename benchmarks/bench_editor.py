"""Stack editor benchmark: how long an edit of a long stack takes, and how many rows it builds (a script).

A stack of ``--layers`` (default 200) alternating Conv2D / ReLU layers is opened in a ``StackEditor`` without a
kernel. Each edit the learner can make (add a layer in the middle, remove it, move a layer, type into a field,
change the input shape) is timed (median of ``--repeats``), with the rows it built. The edit includes the rows,
the shape trace, the summary and the Keras code; the diagram is drawn after a pause in a kernel (debounced), so
it is timed on its own: for a stack of ``MAX_DIAGRAM_LAYERS`` layers, and refused with a message above that.

Target (issue 11): an edit at 200 layers <= 50 ms, printed as a ratio to the target.

Run: ``python benchmarks/bench_editor.py`` (``--layers 2000`` for the issue's largest case: building its editor
takes a while; the edits are what is measured).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import convkit  # noqa: E402
from convkit import layers as L  # noqa: E402
from convkit.widgets.stack_editor import MAX_DIAGRAM_LAYERS, StackEditor, _png  # noqa: E402

TARGET_MS = 50.0


def long_stack(n: int) -> convkit.LayerStack:
    return convkit.LayerStack(
        (None, 32, 32, 3), [L.Conv2D(8, 3, padding="same") if i % 2 == 0 else L.ReLU() for i in range(n)]
    )


def timed(editor: StackEditor, edit: Callable[[], None], undo: Callable[[], None], repeats: int) -> tuple[float, int]:
    """Median milliseconds of ``edit`` and the rows it built (``undo`` runs untimed between repeats)."""
    times, built = [], 0
    for _ in range(repeats):
        before = editor.rows_built
        start = time.perf_counter()
        edit()
        times.append((time.perf_counter() - start) * 1000)
        built = editor.rows_built - before
        undo()
    return statistics.median(times), built


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    n = args.layers
    start = time.perf_counter()
    ed = StackEditor(long_stack(n), show_diagram=False)
    print(f"StackEditor of {n} layers: built in {time.perf_counter() - start:.2f} s ({ed.rows_built} rows)")
    mid = n // 2
    edits = {
        "add a layer in the middle": (lambda: ed.add_layer("ReLU", mid), lambda: ed.remove_layer(mid)),
        "add pooling (half the shapes change)": (
            lambda: ed.add_layer("MaxPooling2D", mid),
            lambda: ed.remove_layer(mid),
        ),
        "remove a layer in the middle": (lambda: ed.remove_layer(mid), lambda: ed.add_layer("ReLU", mid)),
        "move layer 3 to the middle": (lambda: ed.move_layer(3, mid), lambda: ed.move_layer(mid, 3)),
        "type filters=4 into layer 0": (lambda: ed.set_field(0, "filters", 4), lambda: ed.set_field(0, "filters", 8)),
        "type height 64 into the input": (lambda: ed.set_input_size(0, 64), lambda: ed.set_input_size(0, 32)),
    }
    print(f"\n{'edit':37} {'median ms':>10} {'rows built':>11} {'/ target':>9}")
    worst = 0.0
    for name, (edit, undo) in edits.items():
        ms, built = timed(ed, edit, undo, args.repeats)
        worst = max(worst, ms)
        print(f"{name:37} {ms:10.1f} {built:11d} {ms / TARGET_MS:8.2f}x")
    print(f"worst edit: {worst:.1f} ms = {worst / TARGET_MS:.2f} × the {TARGET_MS:.0f} ms target")

    print("\ndiagram (drawn after a pause in a kernel, per theme):")
    at_limit = long_stack(MAX_DIAGRAM_LAYERS)
    start = time.perf_counter()
    _png(at_limit, "light")
    print(f"  {MAX_DIAGRAM_LAYERS} layers (the limit): {time.perf_counter() - start:.2f} s")
    start = time.perf_counter()
    big = StackEditor(long_stack(MAX_DIAGRAM_LAYERS + 1), theme="light")
    big.render_outputs()
    print(
        f"  {MAX_DIAGRAM_LAYERS + 1} layers: editor and outputs in {time.perf_counter() - start:.2f} s; the "
        f"diagram tab says why it is not drawn: {'up to' in big.diagram_note.value}"
    )


if __name__ == "__main__":
    main()
