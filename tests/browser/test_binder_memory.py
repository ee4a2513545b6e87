"""A learner who opens the seven notebooks one after another in one Binder session, and runs each top to bottom,
stays under Binder's 2 GB, whether tabs are closed or left open.

The session is the one replayed by the ``binder_session`` fixture (``conftest.py``): a real Lab server with the
files ``binder/postBuild`` installs, driven by headless Chromium. Memory is what the container's memory cgroup
charges: the resident pages of the server and its kernels counted once (``tests/browser/memory.py``); the RSS sum,
which counts TensorFlow's shared libraries once per kernel, is reported beside it. The figures are printed and
written to ``binder-memory.txt`` in the artifacts dir.

Seven kernels side by side would not stay under the limit (each TensorFlow kernel holds about 250 MB of its own),
and culling idle kernels after 20 minutes does not act in time. convkit's memory guard (``convkit.serverext``,
enabled by ``binder/jupyter_server_config.json``) does: over 1.5 GB it shuts down the kernel idle the longest.
The tests check that the server runs the shipped guard and cull settings, that closing a tab shuts its kernel
down, and that with tabs left open each notebook adds a kernel while under the guard's limit, each guard shutdown
being logged with the notebook named.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from .binder_session import BINDER, BINDER_LIMIT_BYTES, STEP, BinderSession, SessionPass

MB = 2**20


def _pass(session: BinderSession, mode: str) -> SessionPass:
    return session.closed if mode == "tabs closed" else session.opened


@pytest.mark.parametrize("mode", ["tabs closed", "tabs open"])
def test_sequential_session_stays_under_binder_memory_limit(binder_session: BinderSession, mode: str) -> None:
    result = _pass(binder_session, mode)
    print("\n" + result.report())
    incomplete = [f"{v.name}: {v.problems[0][:300]}" for v in result.visits if not v.ran]
    assert not incomplete, f"{mode}: the memory figure needs every notebook run to the end: {incomplete}"
    assert len(result.visits) >= 7, [v.name for v in result.visits]
    peak = result.peak
    assert peak.processes >= 2, f"the sampler saw no kernel: {peak.describe()}"
    assert peak.counted + STEP < BINDER_LIMIT_BYTES, (
        f"{mode}: peak {peak.counted / MB:.0f} MB (+{STEP / MB:.0f} MB sampling margin) is not under "
        f"{BINDER_LIMIT_BYTES / MB:.0f} MB (2 GB): {peak.describe()}"
    )


def test_closing_a_tab_shuts_its_kernel_down(binder_session: BinderSession) -> None:
    closed = binder_session.closed
    unseen = [p for v in closed.visits for p in v.problems if p.startswith("no kernel session")]
    assert not unseen, unseen
    left = [v.name for v in closed.visits if v.kernel_left_running is not False]
    assert not left, f"kernels still running after their notebook's tab was closed: {left}"
    # one kernel at a time: the server and the current notebook's kernel, never more
    crowded = [v.after_run.describe() for v in closed.visits if v.after_run is not None and v.after_run.processes > 2]
    assert not crowded, f"more than one kernel alive while closing each tab: {crowded}"
    schema = binder_session.tracker_settings.get("schema", {})
    assert schema.get("properties", {}).get("kernelShutdown", {}).get("default") is True, (
        "the Lab server does not serve binder/overrides.json's kernelShutdown default"
    )


def _shipped() -> dict[str, Any]:
    return dict(json.loads((BINDER / "jupyter_server_config.json").read_text(encoding="utf-8")))


def test_leaving_tabs_open_adds_kernels_until_the_guard_shuts_the_idle_ones_down(binder_session: BinderSession) -> None:
    limit = _shipped()["MemoryGuard"]["limit_bytes"]
    opened = binder_session.opened
    visits = [v for v in opened.visits if v.after_run is not None]
    assert len(visits) == len(opened.visits), "every visit has its memory sample"
    lines = [ln for ln in opened.server_log.splitlines() if "convkit memory guard:" in ln and "shut down" in ln]
    over = re.escape(f"over {limit / 1e9:.2f} GB: shut down the kernel of ")
    named = [re.search(over + r"(\S+), idle for \d+ (s|min)\b", ln) for ln in lines]
    assert all(named), f"a guard shutdown without the notebook named: {lines}"
    shut = [m[1] for m in named if m]
    print("\nguard shutdowns (tabs open):\n  " + "\n  ".join(lines or ["none"]))
    names = [v.name for v in visits]
    assert len(shut) == len(set(shut)), f"a notebook's kernel shut down twice: {shut}"
    assert set(shut) <= set(names[:-1]), f"the guard shut down the last notebook's kernel, or an unknown one: {shut}"
    counts = [v.after_run.processes for v in visits if v.after_run is not None]
    print(f"processes after each run (server + kernels): {counts}")
    # while every sample so far stayed under the guard's limit (with the sampler's margin), each notebook adds a kernel
    for i, visit in enumerate(visits):
        upto = next(j for j, s in enumerate(opened.samples) if s is visit.after_run)
        if max(s.counted for s in opened.samples[: upto + 1]) + STEP >= limit:
            break
        assert counts[i] == 2 + i, f"under the limit, leaving tabs open adds one kernel per notebook: {counts}"
    assert all(c <= 2 + i for i, c in enumerate(counts)), f"more kernels than notebooks opened: {counts}"
    assert counts[-1] >= 1 + len(visits) - len(shut), f"kernels gone that the guard did not log: {counts}, {shut}"
    if max(s.counted for s in opened.samples) > limit + STEP:
        assert shut, f"memory passed {limit / MB:.0f} MB but the guard shut nothing down"
    closed = [ln for ln in binder_session.closed.server_log.splitlines() if "convkit memory guard:" in ln]
    assert not closed, f"closing each tab stays under the limit: the guard has nothing to do: {closed}"


def test_server_runs_the_shipped_memory_guard(binder_session: BinderSession) -> None:
    guard = _shipped()["MemoryGuard"]
    assert guard["enabled"] is True, guard
    line = (
        rf"convkit memory guard: on; while the server and its kernels use more than {guard['limit_bytes'] / 1e9:.2f} "
        rf"GB, the kernel idle the longest is shut down \(checked every {guard['interval']:g} s\)"
    )
    assert re.search(line, binder_session.server_log), (
        f"the server did not start convkit's memory guard with binder's settings ({line!r}):\n"
        f"{binder_session.server_log[-3000:]}"
    )


def test_server_runs_with_the_shipped_cull_settings(binder_session: BinderSession) -> None:
    shipped = _shipped()["MappingKernelManager"]
    assert shipped["cull_idle_timeout"] > 0 and shipped["cull_connected"] is True, shipped
    log = binder_session.server_log
    line = (
        rf"Culling kernels with idle durations > {shipped['cull_idle_timeout']} seconds at "
        rf"{shipped['cull_interval']} second intervals"
    )
    assert re.search(line, log), (
        f"the server did not start its culler with binder's settings ({line!r}):\n{log[-3000:]}"
    )
    assert "Culling kernels even with connected clients" in log
    assert "Culling kernels even if busy" not in log, "a busy kernel (a learner's long cell) must not be culled"
