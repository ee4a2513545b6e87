"""Frame times of the kernel-traversal renderer and the GIF export, measured side by side in one run.

    python benchmarks/bench_traversal.py            # everything
    python benchmarks/bench_traversal.py --quick    # fewer frames, no 1,024-frame GIF

Each benchmark is a function ``bench_*(quick: bool) -> list[Row]`` listed in ``BENCHMARKS``; a new one (e.g.
the browser widget's frames per second) is added by writing the function and appending it there. Times are
given as wall clock and as process CPU time: on a shared machine the CPU time is the steadier figure.

Targets: <= 10 ms per exported frame at 130×130; the GIF of Example 1 (28×28, kernel 3, stride 2, "valid":
169 frames) in <= 3 s.

``bench_exports`` runs each export in a fresh Python process and reports its time and its peak memory (the
process's peak resident set size minus what it held before exporting): the default (slide-length) GIF of
Example 3 (128×128, kernel 3, stride 4: 1,024 steps), the whole run of it (``steps="all"``), and one PNG of the
largest input KernelTraversal accepts, 4096×4096 with stride 64. Target: the export's peak stays under 150 MB
whatever the number of frames (the frames are streamed to the file).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402

import convkit  # noqa: E402
from convkit.render.export import EXPORT_DPI, _BlitFrames, save_traversal  # noqa: E402
from convkit.render.traversal import _build_figure, draw_traversal  # noqa: E402

DPI = EXPORT_DPI  # save_traversal's default
TARGET_FRAME_MS = 10.0
TARGET_GIF_S = 3.0
TARGET_EXPORT_MB = 150.0


@dataclass(frozen=True)
class Row:
    """One measured figure: what, wall-clock and CPU time, unit, and an optional target / note."""

    name: str
    wall: float
    cpu: float
    unit: str
    note: str = ""


class _Clock:
    def __enter__(self) -> _Clock:
        self.wall0, self.cpu0 = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall0
        self.cpu = time.process_time() - self.cpu0


def _per_frame(run: Callable[[int], object], steps: list[int]) -> tuple[float, float]:
    """Milliseconds per frame (wall, cpu) of ``run(step)`` over ``steps`` (after one warm-up frame)."""
    run(steps[0])
    with _Clock() as clock:
        for step in steps[1:]:
            run(step)
    n = len(steps) - 1
    return clock.wall / n * 1e3, clock.cpu / n * 1e3


def bench_frames(quick: bool) -> list[Row]:
    """One frame of a 2-D traversal (k=3, stride 1) at 30×30 and 130×130, Agg, at the GIF resolution:
    update + full canvas draw, update + blit (what the GIF export does), and a naive full redraw
    (clear the axes, draw_traversal anew, draw the canvas)."""
    rows = []
    n_frames = 8 if quick else 25
    for size in (30, 130):
        t = convkit.traverse((size, size), 3)
        start = t.num_steps // 3  # consecutive steps, as in an animation, from a third of the way in
        steps = list(range(start, start + n_frames + 1))

        fig, art = _build_figure(t, steps[0], dpi=DPI)
        canvas = FigureCanvasAgg(fig)
        update_draw = _per_frame(lambda s, art=art, canvas=canvas: (art.update(s), canvas.draw()), steps)

        fig, art = _build_figure(t, steps[0], dpi=DPI)
        frames = _BlitFrames(fig, art)
        blit = _per_frame(frames.frame, steps)

        fig, art = _build_figure(t, steps[0], dpi=DPI)
        canvas = FigureCanvasAgg(fig)
        ax = art.ax

        def naive(step: int, ax=ax, t=t, canvas=canvas) -> None:  # the defaults bind this size
            ax.clear()
            draw_traversal(ax, t, step)
            canvas.draw()

        full = _per_frame(naive, steps)
        ok = "meets" if blit[1] <= TARGET_FRAME_MS else "MISSES"
        rows += [
            Row(
                f"{size}×{size} update + canvas.draw()",
                *update_draw,
                "ms/frame",
                f"{full[1] / update_draw[1]:.1f}× faster than naive (cpu)",
            ),
            Row(
                f"{size}×{size} update + blit (GIF export path)",
                *blit,
                "ms/frame",
                f"{full[1] / blit[1]:.1f}× faster than naive (cpu); target <= {TARGET_FRAME_MS:g} ms: {ok}"
                if size == 130
                else f"{full[1] / blit[1]:.1f}× faster than naive (cpu)",
            ),
            Row(f"{size}×{size} naive full redraw", *full, "ms/frame", "clear + draw_traversal + canvas.draw()"),
        ]
    return rows


def bench_gif(quick: bool) -> list[Row]:
    """The GIF of Example 1 (all 169 frames), end to end through save_traversal, at the default dpi (and at 72)."""
    t = convkit.traverse((28, 28), 3, strides=2)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for dpi in (DPI,) if quick else (DPI, 72):
            path = os.path.join(tmp, "example1.gif")
            with _Clock() as clock:
                save_traversal(t, path, steps="all", dpi=dpi, progress=False)
            size_kb = os.path.getsize(path) / 1024
            label = f"dpi {dpi}"
            ok = "meets" if clock.cpu <= TARGET_GIF_S else "MISSES"
            rows.append(
                Row(
                    f"GIF Example 1, {t.num_steps} frames, {label}",
                    clock.wall,
                    clock.cpu,
                    "s",
                    f"{size_kb:.0f} KiB; {clock.cpu / t.num_steps * 1e3:.1f} ms/frame (cpu); "
                    f"target <= {TARGET_GIF_S:g} s: {ok}",
                )
            )
    return rows


#: The exports ``bench_exports`` measures: name -> (input size, kernel, strides, file name, save_traversal options).
EXPORTS = {
    "Example 3 GIF, default steps": ((128, 128), 3, 4, "e3.gif", {}),
    "Example 3 GIF, steps='all'": ((128, 128), 3, 4, "e3_all.gif", {"steps": "all"}),
    "4096×4096 stride 64 PNG": ((4096, 4096), 3, 64, "big.png", {"step": 2000, "coverage": True}),
}


def _status_mb(field: str) -> float | None:
    """``VmRSS`` (now) or ``VmHWM`` (peak since the last reset) of this process in MB, Linux only."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    """Start measuring the peak resident set size from now (Linux: ``5`` to ``/proc/self/clear_refs``)."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


def _rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(name: str, folder: str) -> None:
    """Run one export of ``EXPORTS`` in this (fresh) process; print its figures as JSON."""
    size, kernel, strides, file_name, options = EXPORTS[name]
    t = convkit.traverse(size, kernel, strides=strides)
    path = os.path.join(folder, file_name)
    before = _status_mb("VmRSS")
    exact = before is not None and _reset_peak()
    before = before if exact else _rss_mb()
    with _Clock() as clock:
        save_traversal(t, path, progress=False, **options)
    peak = (_status_mb("VmHWM") if exact else None) or _rss_mb()
    frames = 1
    if path.endswith(".gif"):
        from PIL import Image

        with Image.open(path) as gif:
            frames = gif.n_frames
    print(
        json.dumps(
            {
                "wall": clock.wall,
                "cpu": clock.cpu,
                "peak_mb": peak - before,
                "before_mb": before,
                "bytes": os.path.getsize(path),
                "frames": frames,
                "steps": t.num_steps,
            }
        )
    )


def bench_exports(quick: bool) -> list[Row]:
    """Time and peak memory of whole exports, each in a fresh process (see the module docstring)."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in EXPORTS:
            if quick and "'all'" in name:
                continue
            out = subprocess.run(
                [sys.executable, __file__, "--child", name, "--folder", tmp], check=True, capture_output=True, text=True
            ).stdout
            r = json.loads(out.strip().splitlines()[-1])
            ok = "meets" if r["peak_mb"] <= TARGET_EXPORT_MB else "MISSES"
            rows.append(
                Row(
                    name,
                    r["wall"],
                    r["cpu"],
                    "s",
                    f"{r['frames']} frame(s) of {r['steps']} steps, {r['bytes'] / 2**20:.2f} MiB; peak "
                    f"+{r['peak_mb']:.0f} MB over {r['before_mb']:.0f} MB (target <= {TARGET_EXPORT_MB:g}: "
                    f"{ok})",
                )
            )
    return rows


#: Benchmarks run by ``main``, in order. Append new ``bench_*(quick) -> list[Row]`` functions here.
BENCHMARKS: list[Callable[[bool], list[Row]]] = [bench_frames, bench_gif, bench_exports]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer frames (a smoke run)")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # one export of EXPORTS, in a fresh process
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child, args.folder)
        return 0
    print(
        f"convkit traversal renderer benchmark (Agg; GIF dpi {DPI}; {os.cpu_count()} CPUs; "
        f"load average {os.getloadavg()[0]:.1f})"
    )
    print(f"{'what':<46} {'wall':>9} {'cpu':>9}  unit      note")
    for bench in BENCHMARKS:
        for row in bench(args.quick):
            print(f"{row.name:<46} {row.wall:>9.2f} {row.cpu:>9.2f}  {row.unit:<9} {row.note}")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
