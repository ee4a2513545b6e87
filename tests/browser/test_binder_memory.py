"""A learner who opens the six notebooks one after another in one Binder session, and runs each top to bottom,
stays under Binder's 2 GB, whether tabs are closed or left open.

The session is the one replayed by the ``binder_session`` fixture (``conftest.py``): a real Lab server with the
files ``binder/postBuild`` installs, driven by headless Chromium. Memory is what the container's memory cgroup
charges: the resident pages of the server and its kernels counted once (``tests/browser/memory.py``); the RSS sum,
which counts TensorFlow's shared libraries once per kernel, is reported beside it. The figures are printed and
written to ``binder-memory.txt`` in the artifacts dir.

Culling does not need to act for the bound: six kernels side by side stay under the limit. The tests check that
the shipped cull settings are the ones the server runs with, and that closing a tab shuts its kernel down.
"""

from __future__ import annotations

import json
import re

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
    assert len(result.visits) >= 6, [v.name for v in result.visits]
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
    opened = [v.after_run.processes for v in binder_session.opened.visits if v.after_run is not None]
    assert opened == list(range(2, 2 + len(opened))), f"leaving tabs open should add one kernel per notebook: {opened}"
    schema = binder_session.tracker_settings.get("schema", {})
    assert schema.get("properties", {}).get("kernelShutdown", {}).get("default") is True, (
        "the Lab server does not serve binder/overrides.json's kernelShutdown default"
    )


def test_server_runs_with_the_shipped_cull_settings(binder_session: BinderSession) -> None:
    shipped = json.loads((BINDER / "jupyter_server_config.json").read_text(encoding="utf-8"))["MappingKernelManager"]
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
