"""How much memory a Jupyter server and its kernels hold, counted the way a container's memory limit counts it.

A Binder session is a container whose memory cgroup charges each page of RAM once, however many processes map
it. Summing the processes' RSS counts shared pages (TensorFlow's libraries, mapped by every kernel that imports
it) once per process, so it overstates what the limit sees. This module reports, for a process tree:

* ``rss``: the sum of RSS (what ``ps`` and naive monitors show);
* ``pss``: the sum of PSS (each shared page split between the processes that map it, including processes
  outside the tree: on a shared machine this slightly undercounts);
* ``uss``: the sum of USS (pages only that process maps);
* ``unique``: the resident pages of the tree counted once, from the page frame numbers in
  ``/proc/<pid>/pagemap``: what the cgroup charges for these processes' mapped memory. Reading page frame
  numbers needs root (CAP_SYS_ADMIN); without it ``unique`` is None and :attr:`MemorySample.counted` falls back
  to ``pss``.

Not included: page cache that no process maps (reclaimable, so never the reason a kernel is killed) and the
kernel's own per-process memory (page tables, sockets: a few MB).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

import numpy as np
import psutil

PAGE = os.sysconf("SC_PAGE_SIZE")
MB = 2**20
_PRESENT = np.uint64(1 << 63)
_PFN = np.uint64((1 << 55) - 1)
_USER_SPACE_END = 1 << 47  # [vsyscall] lives above this and has no pagemap entries


@dataclass(frozen=True, slots=True)
class MemorySample:
    """Memory of a process tree at one moment (bytes)."""

    label: str
    processes: int
    rss: int
    pss: int
    uss: int
    unique: int | None

    @property
    def counted(self) -> int:
        """What a memory cgroup charges for the tree: ``unique`` when known, else ``pss``."""
        return self.unique if self.unique is not None else self.pss

    def describe(self) -> str:
        """One line in MB, e.g. ``counted 1468 MB (unique pages); RSS sum 2601, PSS 1404, USS 1106; 7 processes``."""
        how = "unique pages" if self.unique is not None else "PSS sum; page frames not readable"
        return (
            f"{self.label}: counted {self.counted / MB:.0f} MB ({how}); RSS sum {self.rss / MB:.0f}, "
            f"PSS sum {self.pss / MB:.0f}, USS sum {self.uss / MB:.0f}; {self.processes} processes"
        )


def tree(pid: int) -> list[psutil.Process]:
    """The process and all its descendants (those still alive)."""
    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


def rss_sum(pid: int) -> int | None:
    """The cheap figure: RSS summed over the tree (None when ``pid`` itself has ended)."""
    try:
        procs = tree(pid)
    except psutil.NoSuchProcess:
        return None
    total = 0
    for proc in procs:
        try:
            total += proc.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total


def resident_frames(pid: int) -> np.ndarray:
    """Page frame numbers of every resident page mapped by ``pid`` (zeros where the kernel hides them)."""
    chunks = []
    with open(f"/proc/{pid}/maps", encoding="ascii") as maps, open(f"/proc/{pid}/pagemap", "rb", buffering=0) as pm:
        for line in maps:
            start, end = (int(x, 16) for x in line.split(None, 1)[0].split("-"))
            if start >= _USER_SPACE_END:
                continue
            pm.seek(start // PAGE * 8)
            entries = np.frombuffer(pm.read((end - start) // PAGE * 8), dtype=np.uint64)
            chunks.append(entries[(entries & _PRESENT) != 0] & _PFN)
    return np.concatenate(chunks) if chunks else np.empty(0, dtype=np.uint64)


def measure(pid: int, label: str = "") -> MemorySample:
    """Measure the tree rooted at ``pid`` (a Jupyter server: its kernels are its children)."""
    rss = pss = uss = 0
    frames = []
    count = 0
    try:
        procs = tree(pid)
    except psutil.NoSuchProcess:
        procs = []
    for proc in procs:
        try:
            info = proc.memory_full_info()
            found = resident_frames(proc.pid)
        except (psutil.NoSuchProcess, FileNotFoundError, ProcessLookupError):
            continue  # ended while we looked (a kernel being shut down)
        count += 1
        rss, pss, uss = rss + info.rss, pss + getattr(info, "pss", 0), uss + info.uss
        frames.append(found)
    allframes = np.concatenate(frames) if frames else np.empty(0, dtype=np.uint64)
    readable = allframes.size > 0 and bool(allframes.any())
    unique = int(np.unique(allframes).size) * PAGE if readable else None
    return MemorySample(label, count, rss, pss, uss, unique)


class PeakMemory(threading.Thread):
    """Samples a process tree in the background and keeps the sample with the largest :attr:`MemorySample.counted`.

    Every ``interval`` seconds it reads the cheap RSS sum; a full :func:`measure` runs when that sum has risen by
    ``step`` bytes since the last full sample (or since it last fell) and whenever :meth:`checkpoint` is called,
    so rises are measured without reading every page map twice a second.
    """

    def __init__(self, pid: int, *, interval: float = 0.5, step: int = 16 * MB) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.step = pid, interval, step
        self.samples: list[MemorySample] = []
        self.peak_rss = 0
        self._label = "start"
        self._lock = threading.Lock()
        self._stop_event = threading.Event()

    def checkpoint(self, label: str) -> MemorySample:
        """Measure now, name the moment ``label`` (also used for later automatic samples); return the sample."""
        with self._lock:
            self._label = label
            sample = measure(self.pid, label)
            self.samples.append(sample)
            self.peak_rss = max(self.peak_rss, sample.rss)
            return sample

    def run(self) -> None:
        ref = 0  # RSS sum at the last full sample, or lower if it fell since
        while not self._stop_event.wait(self.interval):
            rss = rss_sum(self.pid)
            if rss is None:
                return  # the server has gone
            with self._lock:
                self.peak_rss = max(self.peak_rss, rss)
                if rss > ref + self.step:
                    sample = measure(self.pid, self._label + " (during)")
                    self.samples.append(sample)
                    ref = sample.rss
                else:
                    ref = min(ref, rss)

    def stop(self) -> None:
        """Stop sampling."""
        self._stop_event.set()
        self.join(timeout=10)

    @property
    def peak(self) -> MemorySample:
        """The sample with the most counted memory."""
        with self._lock:
            return max(self.samples, key=lambda s: s.counted)

    def __enter__(self) -> PeakMemory:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
