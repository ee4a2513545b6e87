"""Keep a Jupyter server and its kernels under a memory limit by shutting down the kernel idle the longest.

A Binder session is killed as a whole (every notebook, the learner's unsaved work) when the server and its kernels
pass the container's limit (2 GB on mybinder.org). Each kernel that imports TensorFlow holds about 250 MB of its
own, so a learner who leaves every notebook's tab open passes it. :class:`MemoryGuard` measures the server's process
tree every few seconds (the PSS sum, as the container counts shared pages about once) and, while it is over
``limit_bytes``, shuts down the kernel that has been idle the longest: never a busy one, never the most recently
active one. It logs one line per shutdown naming the notebook, e.g.::

    convkit memory guard: 1.62 GB in use, over 1.50 GB: shut down the kernel of 01_example_strided_valid.ipynb,
    idle for 3 min; its tab shows No Kernel: click No Kernel and Select (or reopen the notebook), then run its
    cells again

The policy is the pure function :func:`choose_kernel_to_shut_down`; the measure is :func:`measure_tree`.
Configured through the ``MemoryGuard`` section of the server's config (``enabled``, ``limit_bytes``,
``interval``). This module imports nothing else of convkit and never TensorFlow.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from traitlets import Bool, Float, Integer, validate
from traitlets.config import LoggingConfigurable

__all__ = ["KernelState", "MemoryGuard", "choose_kernel_to_shut_down", "describe_idle", "measure_tree"]

#: At most this many processes are measured per check (a server has a handful: the work stays bounded).
MAX_PROCESSES = 256
PREFIX = "convkit memory guard"
#: What a learner does to go on in the notebook whose kernel was shut down (Lab shows "No Kernel" in its toolbar;
#: a cell run there waits and does not run).
AFTER = "its tab shows No Kernel: click No Kernel and Select (or reopen the notebook), then run its cells again"


@dataclass(frozen=True, slots=True)
class KernelState:
    """What the policy needs to know about one kernel.

    ``execution_state`` is the kernel manager's (``"idle"``, ``"busy"``, ``"starting"``, ...); ``last_activity``
    a timezone-aware datetime of the last message through the server.
    """

    kernel_id: str
    execution_state: str
    last_activity: datetime


def choose_kernel_to_shut_down(kernels: Sequence[KernelState], used_bytes: int, limit_bytes: int) -> KernelState | None:
    """The kernel to shut down now, or None.

    None while ``used_bytes`` is not over ``limit_bytes``. Otherwise the idle kernel with the oldest
    ``last_activity``; a kernel that is not idle (busy, starting, ...) is never chosen, nor the most recently
    active kernel (all of them, if several share that moment), so a single kernel is never shut down.

    Parameters
    ----------
    kernels : sequence of KernelState
        The server's kernels.
    used_bytes : int
        Memory of the server and its kernels.
    limit_bytes : int
        The memory above which a kernel is shut down.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> t = lambda minute: datetime(2026, 1, 1, 10, minute, tzinfo=timezone.utc)
    >>> ks = [KernelState("a", "idle", t(1)), KernelState("b", "idle", t(5)), KernelState("c", "busy", t(9))]
    >>> choose_kernel_to_shut_down(ks, used_bytes=1_600_000_000, limit_bytes=1_500_000_000).kernel_id
    'a'
    >>> choose_kernel_to_shut_down(ks, used_bytes=1_400_000_000, limit_bytes=1_500_000_000) is None
    True
    """
    for name, value in (("used_bytes", used_bytes), ("limit_bytes", limit_bytes)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} must be a number of bytes, an int >= 0. Received: {name}={value!r}")
    if used_bytes <= limit_bytes or len(kernels) < 2:
        return None
    newest = max(k.last_activity for k in kernels)
    candidates = [k for k in kernels if k.execution_state == "idle" and k.last_activity < newest]
    if not candidates:
        return None
    return min(candidates, key=lambda k: (k.last_activity, k.kernel_id))


def measure_tree(pid: int, max_processes: int = MAX_PROCESSES) -> tuple[int, int]:
    """``(bytes, processes)``: the PSS sum of ``pid`` and its descendants (at most ``max_processes``).

    PSS splits each shared page between the processes that map it, close to what a container's memory limit
    charges (TensorFlow's libraries, mapped by every kernel, are counted about once). Where PSS is not available
    (not Linux) the RSS sum is used. Processes that end while measured are skipped.

    Examples
    --------
    >>> import os
    >>> used, processes = measure_tree(os.getpid())
    >>> used > 0 and processes >= 1
    True
    """
    import psutil  # type: ignore[import-untyped,unused-ignore]

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)][:max_processes]
    except psutil.NoSuchProcess:
        return 0, 0
    total = count = 0
    for proc in procs:
        try:
            info = proc.memory_full_info()
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
        total += int(getattr(info, "pss", info.rss))
        count += 1
    return total, count


def describe_idle(seconds: float) -> str:
    """A learner-readable idle time: ``"40 s"``, ``"3 min"``, ``"1 h 5 min"``.

    Examples
    --------
    >>> describe_idle(40.2), describe_idle(200), describe_idle(3900)
    ('40 s', '3 min', '1 h 5 min')
    """
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


def _gb(value: float) -> str:
    return f"{value / 1e9:.2f} GB"


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


class MemoryGuard(LoggingConfigurable):
    """Every ``interval`` seconds: while the server and its kernels use more than ``limit_bytes``, shut down the
    kernel idle the longest (see :func:`choose_kernel_to_shut_down`) and log which notebook it served.

    Started by the server extension (``convkit.serverext``); ``shutdowns`` keeps one line per shutdown.

    Examples
    --------
    >>> guard = MemoryGuard(limit_bytes=1_000_000_000, interval=2)
    >>> guard.limit_bytes, guard.interval, guard.enabled
    (1000000000, 2.0, True)
    """

    enabled = Bool(True, help="Shut down idle kernels while memory is over limit_bytes.").tag(config=True)
    limit_bytes = Integer(
        1_500_000_000,
        help="Bytes (PSS sum of the server and its kernels) above which the kernel idle the longest is shut down. "
        "1.5e9 leaves room under Binder's 2 GB for one more kernel to import TensorFlow.",
    ).tag(config=True)
    interval = Float(5.0, help="Seconds between two checks.").tag(config=True)

    @validate("limit_bytes")
    def _check_limit(self, proposal: Any) -> int:
        value = proposal["value"]
        if value <= 0:
            raise ValueError(
                f"MemoryGuard.limit_bytes must be a number of bytes > 0, e.g. 1500000000. Received: "
                f"limit_bytes={value!r}"
            )
        return int(value)

    @validate("interval")
    def _check_interval(self, proposal: Any) -> float:
        value = proposal["value"]
        if not 0.1 <= value <= 3600:
            raise ValueError(
                f"MemoryGuard.interval must be seconds between 0.1 and 3600, e.g. 5. Received: interval={value!r}"
            )
        return float(value)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.shutdowns: list[str] = []
        self._serverapp: Any = None
        self._callback: Any = None

    def start(self, serverapp: Any) -> bool:
        """Check ``serverapp``'s kernels every ``interval`` s from now on; return whether the guard runs."""
        if not self.enabled:
            self.log.info("%s: off (MemoryGuard.enabled is false)", PREFIX)
            return False
        try:
            import psutil  # type: ignore[import-untyped,unused-ignore]  # noqa: F401
        except ImportError:
            self.log.warning("%s: off, psutil is not installed (pip install psutil)", PREFIX)
            return False
        from tornado.ioloop import PeriodicCallback

        self._serverapp = serverapp
        self._callback = PeriodicCallback(self.check, 1000 * self.interval)
        self._callback.start()
        self.log.info(
            "%s: on; while the server and its kernels use more than %s, the kernel idle the longest is shut down "
            "(checked every %g s)",
            PREFIX,
            _gb(self.limit_bytes),
            self.interval,
        )
        return True

    def stop(self) -> None:
        """Stop checking."""
        if self._callback is not None:
            self._callback.stop()
            self._callback = None

    def kernel_states(self) -> list[KernelState]:
        """The server's kernels that have a recorded activity."""
        km = self._serverapp.kernel_manager
        states = []
        for kernel_id in list(km.list_kernel_ids()):
            try:
                kernel = km.get_kernel(kernel_id)
            except KeyError:
                continue
            last = getattr(kernel, "last_activity", None)
            if isinstance(last, datetime):
                states.append(KernelState(kernel_id, str(getattr(kernel, "execution_state", "")), _aware(last)))
        return states

    async def notebook_of(self, kernel_id: str) -> str | None:
        """The path of the notebook whose session uses ``kernel_id`` (None if no session does)."""
        manager = getattr(self._serverapp, "session_manager", None)
        if manager is None:
            return None
        try:
            sessions = manager.list_sessions()
            if inspect.isawaitable(sessions):
                sessions = await sessions
        except Exception:  # the session store is only read for the log line
            return None
        for session in sessions or []:
            if (session.get("kernel") or {}).get("id") == kernel_id:
                return session.get("path") or (session.get("notebook") or {}).get("path")
        return None

    async def check(self) -> None:
        """Measure; while over the limit, shut down one kernel after another (each chosen afresh)."""
        km = self._serverapp.kernel_manager
        for _ in range(len(km.list_kernel_ids())):
            used, _processes = measure_tree(os.getpid())
            victim = choose_kernel_to_shut_down(self.kernel_states(), used, self.limit_bytes)
            if victim is None:
                return
            path = await self.notebook_of(victim.kernel_id)
            idle = (datetime.now(timezone.utc) - victim.last_activity).total_seconds()
            try:
                done = km.shutdown_kernel(victim.kernel_id)
                if inspect.isawaitable(done):
                    await done
            except Exception as err:  # already gone, or the manager refused: say so, try again next time
                self.log.error("%s: could not shut down kernel %s: %s", PREFIX, victim.kernel_id, err)
                return
            what = f"the kernel of {path}" if path else f"kernel {victim.kernel_id} (no notebook open on it)"
            line = (
                f"{PREFIX}: {_gb(used)} in use, over {_gb(self.limit_bytes)}: shut down {what}, idle for "
                f"{describe_idle(idle)}; {AFTER}"
            )
            self.shutdowns.append(line)
            self.log.warning(line)
