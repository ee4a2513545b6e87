"""Transposed convolution: numbers and geometry at the article's sizes, measured side by side in one run.

    python benchmarks/bench_transpose.py             # everything (TensorFlow too, when installed)
    python benchmarks/bench_transpose.py --no-tf     # convkit only
    python benchmarks/bench_transpose.py --repeats 9

For a 28×28 and a 128×128 input (kernel 3, stride 2, ``"same"``: outputs 56×56 and 256×256; 16 channels in,
8 filters, batch 1) it prints the median time of

* ``convolve_transpose`` (the scatter: one tensordot per kernel tap);
* the direct view: ``convolve`` over the zero-stuffed input with the flipped kernel (same numbers, ~s² more work);
* the forward ``convolve`` it mirrors (the 56×56 → 28×28 encoder), for scale;
* ``keras.ops.conv_transpose`` in float64 (TensorFlow), when installed;
* the traversal: ``traverse_transpose`` plus its overlap map, the tap arrays, and every step (``Scatter``) built
  one by one as an animation would.

Times are wall clock and process CPU time (on a shared machine the CPU time is the steadier figure); the ratios
compare CPU times. There are no targets here: these figures are for reading, never asserted in tests.
On a shared machine ``OPENBLAS_NUM_THREADS=1`` gives steadier figures: idle BLAS threads spin and count as CPU.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

import convkit  # noqa: E402
from convkit.core.numeric_transpose import flip_kernel, zero_stuff  # noqa: E402

KERNEL, STRIDES, PADDING, C_IN, FILTERS = 3, 2, "same", 16, 8


def _measure(run: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median (wall, cpu) milliseconds of ``run()`` over ``repeats`` calls, after one warm-up call."""
    run()
    walls, cpus = [], []
    for _ in range(repeats):
        wall0, cpu0 = time.perf_counter(), time.process_time()
        run()
        walls.append((time.perf_counter() - wall0) * 1e3)
        cpus.append((time.process_time() - cpu0) * 1e3)
    return statistics.median(walls), statistics.median(cpus)


def _row(name: str, figures: tuple[float, float], note: str = "") -> None:
    print(f"{name:<52} {figures[0]:>9.2f} {figures[1]:>9.2f}  ms   {note}")
    sys.stdout.flush()


def _whole_traversal(size: int) -> int:
    t = convkit.traverse_transpose((size, size), KERNEL, STRIDES, PADDING)
    t.overlap, t.tap_output_indices(), t.tap_is_cropped()
    return sum(len(s.taps) for s in t.steps)


def bench_size(size: int, repeats: int, use_tf: bool) -> None:
    rng = np.random.default_rng(size)
    x = rng.normal(size=(1, size, size, C_IN))
    w = rng.normal(size=(KERNEL, KERNEL, FILTERS, C_IN))
    t = convkit.traverse_transpose((size, size), KERNEL, STRIDES, PADDING)
    out = t.output_size
    print(
        f"-- input {size}×{size}×{C_IN} -> output {out[0]}×{out[1]}×{FILTERS} "
        f"(kernel {KERNEL}, stride {STRIDES}, {PADDING!r}; {t.num_steps * t.num_taps:,} taps)"
    )

    scatter = _measure(lambda: convkit.convolve_transpose(x, w, STRIDES, PADDING), repeats)
    _row("convolve_transpose (scatter)", scatter)

    stuffed, flipped = zero_stuff(x, STRIDES), flip_kernel(w)
    direct = _measure(lambda: convkit.convolve(stuffed, flipped, 1, t.direct_padding), repeats)
    _row(
        "direct view: convolve(zero_stuff, flip_kernel)",
        direct,
        f"scatter is {direct[1] / scatter[1]:.1f}× faster (cpu)",
    )

    y = rng.normal(size=(1, *out, FILTERS))
    forward = _measure(lambda: convkit.convolve(y, w, STRIDES, PADDING), repeats)
    _row(
        f"forward convolve {out[0]}×{out[1]} -> {size}×{size} (the encoder)",
        forward,
        f"ratio transposed / forward {scatter[1] / forward[1]:.2f} (cpu)",
    )

    if use_tf:
        import keras  # noqa: PLC0415 - only when asked for

        keras.ops.conv_transpose(x, w, STRIDES, PADDING)  # builds TensorFlow's kernels once
        tf_time = _measure(lambda: np.asarray(keras.ops.conv_transpose(x, w, STRIDES, PADDING)), repeats)
        _row(
            "keras.ops.conv_transpose (TensorFlow, float64)",
            tf_time,
            f"ratio convkit / TensorFlow {scatter[1] / tf_time[1]:.2f} (cpu; TF may use several threads)",
        )

    _row(
        "traverse_transpose (geometry only)",
        _measure(lambda: convkit.traverse_transpose((size, size), KERNEL, STRIDES, PADDING), repeats),
    )
    _row(".overlap (the checkerboard map)", _measure(lambda: t.overlap, repeats))
    _row(
        ".tap_output_indices() + .tap_is_cropped()",
        _measure(lambda: (t.tap_output_indices(), t.tap_is_cropped()), repeats),
    )
    steps = _measure(lambda: [s.taps for s in t.steps], max(1, repeats // 3))
    _row(
        f"every step built one by one ({t.num_steps:,} Scatter objects)",
        steps,
        f"{steps[1] / t.num_steps * 1e3:.1f} µs per step (cpu)",
    )
    _row("whole traversal (all of the above from scratch)", _measure(lambda: _whole_traversal(size), 1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats per figure (median shown)")
    parser.add_argument("--no-tf", action="store_true", help="skip keras.ops.conv_transpose")
    args = parser.parse_args(argv)
    use_tf = not args.no_tf
    if use_tf:
        try:
            import keras  # noqa: F401, PLC0415
        except ImportError:
            use_tf = False
    print(
        f"convkit transposed-convolution benchmark ({os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}; "
        f"median of {args.repeats}; OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')})"
    )
    print(f"{'what':<52} {'wall':>9} {'cpu':>9}")
    for size in (28, 128):
        bench_size(size, args.repeats, use_tf)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
