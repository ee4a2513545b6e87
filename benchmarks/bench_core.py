"""Core benchmarks, measured side by side in one run (a script, not a test).

1. Shape inference through a 50-layer stack (Conv2D / pooling / padding / cropping): convkit's
   ``compute_output_shape`` chained vs Keras' ``compute_output_shape`` on the same Keras layers.
   Median of repeats; target: ratio convkit / Keras <= 1.0.
2. ``import convkit`` in a fresh interpreter vs ``import tensorflow`` (target: <= 0.3 s), and whether
   TensorFlow got loaded.

Run: ``python benchmarks/bench_core.py`` (``--repeats N`` to change the number of timed repeats).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

INPUT_SHAPE = (8, 224, 224, 3)

# One block of ten layers (constructor name, args, kwargs), Keras' positional order; five blocks = 50 layers.
BLOCK = [
    ("Conv2D", (16, 3), {"padding": "same"}),
    ("ZeroPadding2D", (1,), {}),
    ("Conv2D", (16, 3), {"padding": "valid"}),
    ("MaxPooling2D", (2,), {"strides": 1, "padding": "same"}),
    ("Conv2D", (32, 5), {"padding": "same", "dilation_rate": 2}),
    ("AveragePooling2D", (3,), {"strides": 1, "padding": "same"}),
    ("Cropping2D", (1,), {}),
    ("ZeroPadding2D", (((1, 0), (0, 1)),), {}),
    ("Conv2D", (32, 3), {"strides": 2, "padding": "same"}),
    ("Conv2D", (16, 1), {}),
]
STACK = BLOCK * 5


def _build(module):
    return [getattr(module, name)(*args, **kwargs) for name, args, kwargs in STACK]


def _chain(layers, shape):
    for layer in layers:
        shape = layer.compute_output_shape(shape)
    return tuple(shape)


def _median_time(fn, repeats, inner):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(inner):
            fn()
        times.append((time.perf_counter() - start) / inner)
    return statistics.median(times)


def bench_shapes(repeats: int) -> None:
    import keras

    import convkit.layers

    ck_layers, k_layers = _build(convkit.layers), _build(keras.layers)
    ck_shape, k_shape = _chain(ck_layers, INPUT_SHAPE), _chain(k_layers, INPUT_SHAPE)
    print(f"[1] shape inference through {len(STACK)} layers, input {INPUT_SHAPE}")
    print(f"    final shape   convkit {ck_shape}   keras {k_shape}   equal: {ck_shape == k_shape}")
    ck = _median_time(lambda: _chain(ck_layers, INPUT_SHAPE), repeats, 20)
    kt = _median_time(lambda: _chain(k_layers, INPUT_SHAPE), repeats, 20)
    print(f"    convkit chain {ck * 1e3:8.3f} ms   ({ck / len(STACK) * 1e6:6.1f} µs/layer)")
    print(f"    keras chain   {kt * 1e3:8.3f} ms   ({kt / len(STACK) * 1e6:6.1f} µs/layer)")
    print(f"    ratio convkit/keras = {ck / kt:.3f}  (target <= 1.0: {'met' if ck <= kt else 'NOT met'})")


_PROBE = (
    "import sys, time, json; t = time.perf_counter(); import {module}; {extra}d = time.perf_counter() - t; "
    "print(json.dumps([d, 'tensorflow' in sys.modules]))"
)


def _fresh_import(module: str, extra: str = "") -> tuple[float, float, bool]:
    """(wall time of the whole subprocess, in-process time of the import + ``extra``, tensorflow loaded?)."""
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", _PROBE.format(module=module, extra=extra)],
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.perf_counter() - start
    inner, tf_loaded = json.loads(out.stdout.strip().splitlines()[-1])
    return wall, inner, tf_loaded


def bench_import(repeats: int) -> None:
    print("[2] import time in a fresh interpreter (median; wall = whole subprocess incl. interpreter start)")
    baseline = statistics.median(_fresh_import("sys")[0] for _ in range(repeats))
    print(f"    bare interpreter           wall {baseline:6.3f} s")
    for label, module, extra, target in [
        ("import convkit", "convkit", "", True),
        ("import convkit, use core", "convkit", "convkit.layers; convkit.traverse; convkit.convolve; ", False),
        ("import numpy", "numpy", "", False),
    ]:
        runs = [_fresh_import(module, extra) for _ in range(repeats)]
        wall = statistics.median(r[0] for r in runs)
        inner = statistics.median(r[1] for r in runs)
        tf_loaded = any(r[2] for r in runs)
        verdict = f"   (target <= 0.3 s: {'met' if inner <= 0.3 else 'NOT met'})" if target else ""
        print(f"    {label:26s} wall {wall:6.3f} s   import {inner:6.3f} s   tensorflow loaded: {tf_loaded}{verdict}")
    wall, inner, _ = _fresh_import("tensorflow")
    print(f"    {'import tensorflow':26s} wall {wall:6.3f} s   import {inner:6.3f} s   (one run)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus")
    bench_import(args.repeats)
    bench_shapes(args.repeats)


if __name__ == "__main__":
    main()
