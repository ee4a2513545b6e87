"""Receptive-field benchmark: one query on a 50-layer stack once its dependency tables are built (a script).

Two 50-layer stacks on a 224×224×3 input: a sequential one (3×3 "same" convolutions, a stride-2 convolution or a
max pooling every 8 layers, a dilated convolution, a transposed convolution near the end), and a residual one
(the same chain with an Add shortcut around every pair of convolutions, so the walk merges boxes at every block).
Each is traced and its tables are built once (timed apart); then ``--queries`` (default 2000) random output cells
of random layers are asked for (``LayerStack.receptive_field``: the input mask and the padding counts; the
per-layer ``masks`` and the ``start`` are computed on first use and timed on their own).

Target (issue 14): ≤ 1 ms per query on a 50-layer stack, once traced.

Run: ``python benchmarks/bench_receptive_field.py``
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import convkit  # noqa: E402
from convkit import layers as L  # noqa: E402
from convkit.core.merge import Add  # noqa: E402
from convkit.core.receptive_field import cached_dependencies  # noqa: E402

TARGET_MS = 1.0
N_LAYERS = 50


def chain(i: int) -> object:
    if i % 8 == 7:
        return L.MaxPooling2D(2) if i % 16 == 7 else L.Conv2D(8, 3, strides=2, padding="same")
    if i == 20:
        return L.Conv2D(8, 3, dilation_rate=2, padding="same")
    if i == 45:
        return L.Conv2DTranspose(8, 3, strides=2, padding="same")
    return L.Conv2D(8, 3, padding="same")


def sequential_stack() -> convkit.LayerStack:
    return convkit.LayerStack((None, 224, 224, 3), [chain(i) for i in range(N_LAYERS)])


def residual_stack() -> convkit.LayerStack:
    """Blocks conv → conv → Add(block input, second conv): 16 blocks (48 layers) + 2 strided convs = 50."""
    layers: list[object] = [L.Conv2D(8, 3, strides=2, padding="same")]
    inputs: list[tuple[int, ...]] = [()]
    for b in range(16):
        start = len(layers) - 1
        layers += [L.Conv2D(8, 3, padding="same"), L.Conv2D(8, 3, padding="same"), Add()]
        inputs += [(start,), (start + 1,), (start, start + 2)]
        if b == 7:
            layers.append(L.Conv2D(8, 3, strides=2, padding="same"))
            inputs.append((len(layers) - 2,))
    return convkit.LayerStack((None, 224, 224, 3), layers, inputs=inputs)


def bench(name: str, stack: convkit.LayerStack, queries: int, seed: int) -> float:
    t0 = time.perf_counter()
    deps = cached_dependencies(stack)
    build_ms = (time.perf_counter() - t0) * 1e3
    rng = random.Random(seed)
    asks = []
    for _ in range(queries):
        layer = rng.randrange(len(deps))
        asks.append((tuple(rng.randrange(n) for n in deps[layer].out_shape), layer))
    for index, layer in asks[:20]:
        stack.receptive_field(index, layer)  # warm up
    times = []
    pixels = 0
    for index, layer in asks:
        t = time.perf_counter()
        rf = stack.receptive_field(index, layer)
        times.append((time.perf_counter() - t) * 1e3)
        pixels += rf.pixels
    last = [(i, la) for i, la in asks if la == len(deps) - 1][:50] or asks[:50]
    t = time.perf_counter()
    for index, layer in last:
        _ = stack.receptive_field(index, layer).masks
    masks_ms = (time.perf_counter() - t) * 1e3 / len(last)
    t = time.perf_counter()
    for index, layer in last:
        _ = stack.receptive_field(index, layer).start
    start_ms = (time.perf_counter() - t) * 1e3 / len(last)
    per_query = statistics.median(times)
    print(f"{name}: {len(deps)} layers, input 224×224; tables built once in {build_ms:.1f} ms")
    print(
        f"  {queries} queries: median {per_query:.3f} ms, mean {statistics.fmean(times):.3f} ms, "
        f"max {max(times):.3f} ms (mean {pixels / queries:.0f} input pixels seen)"
    )
    print(f"  .masks of every layer (built on first use): {masks_ms:.3f} ms per query")
    print(f"  .start (computed on first use): {start_ms:.3f} ms per query")
    print(f"  per query: {per_query:.3f} ms (target ≤ {TARGET_MS:g} ms): {per_query / TARGET_MS:.2f}× the target")
    return per_query


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    worst = max(
        bench("sequential", sequential_stack(), args.queries, args.seed),
        bench("residual (Add every block)", residual_stack(), args.queries, args.seed),
    )
    print(f"per query: {worst:.3f} ms (target ≤ {TARGET_MS:g} ms)")


if __name__ == "__main__":
    main()
