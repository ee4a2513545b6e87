"""convkit.serverext's memory guard: the policy (which kernel to shut down) in named cases and properties, the
measure against psutil, the settings, and the extension loaded in a real ``jupyter server`` with a 1-byte limit
and two python kernels started through the REST API (the idle older one is shut down, the newer kept, the log says
which notebook).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import psutil
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from traitlets.config import Config

from convkit.serverext import _jupyter_server_extension_points
from convkit.serverext.memory_guard import (
    AFTER,
    KernelState,
    MemoryGuard,
    choose_kernel_to_shut_down,
    describe_idle,
    measure_tree,
)

REPO = Path(__file__).resolve().parents[1]
T0 = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)
GB = 1_000_000_000


def k(kernel_id: str, state: str, minute: float) -> KernelState:
    return KernelState(kernel_id, state, T0 + timedelta(minutes=minute))


# (name, kernels, used, limit, expected kernel id or None)
POLICY_CASES = [
    ("under the limit: nothing", [k("a", "idle", 0), k("b", "idle", 5)], 1.4 * GB, 1.5 * GB, None),
    ("exactly at the limit: nothing", [k("a", "idle", 0), k("b", "idle", 5)], 1.5 * GB, 1.5 * GB, None),
    (
        "over: the idle kernel idle the longest",
        [k("b", "idle", 3), k("a", "idle", 1), k("c", "idle", 7)],
        1.6 * GB,
        1.5 * GB,
        "a",
    ),
    (
        "over: a busy older kernel is kept",
        [k("a", "busy", 0), k("b", "idle", 2), k("c", "idle", 9)],
        1.6 * GB,
        1.5 * GB,
        "b",
    ),
    ("over: a starting kernel is kept", [k("a", "starting", 0), k("b", "idle", 9)], 1.6 * GB, 1.5 * GB, None),
    ("over: the one kernel is never shut down", [k("a", "idle", 0)], 1.9 * GB, 1.5 * GB, None),
    ("over: no kernels", [], 1.9 * GB, 1.5 * GB, None),
    ("over: the most recent is kept even when idle", [k("a", "busy", 0), k("b", "idle", 9)], 1.6 * GB, 1.5 * GB, None),
    ("over: every kernel busy", [k("a", "busy", 0), k("b", "busy", 1), k("c", "busy", 2)], 1.6 * GB, 1.5 * GB, None),
    (
        "over: kernels tied as most recent are all kept",
        [k("a", "idle", 5), k("b", "idle", 5)],
        1.6 * GB,
        1.5 * GB,
        None,
    ),
    (
        "over: ties on the oldest broken by id",
        [k("b", "idle", 1), k("a", "idle", 1), k("c", "busy", 4)],
        1.6 * GB,
        1.5 * GB,
        "a",
    ),
    (
        "over: dead and restarting kernels are not idle",
        [k("a", "dead", 0), k("b", "restarting", 1), k("c", "idle", 2), k("d", "busy", 3)],
        1.6 * GB,
        1.5 * GB,
        "c",
    ),
    ("over by one byte", [k("a", "idle", 0), k("b", "idle", 1)], 1_500_000_001, 1_500_000_000, "a"),
]


@pytest.mark.parametrize(
    ("name", "kernels", "used", "limit", "expected"), POLICY_CASES, ids=[c[0] for c in POLICY_CASES]
)
def test_policy_cases(name: str, kernels: list[KernelState], used: float, limit: float, expected: str | None) -> None:
    chosen = choose_kernel_to_shut_down(kernels, int(used), int(limit))
    assert (chosen.kernel_id if chosen else None) == expected, name


@pytest.mark.parametrize(
    ("used", "limit", "bad"),
    [(-1, 10, "used_bytes=-1"), (10, 1.5e9, "limit_bytes=1500000000.0"), (True, 10, "used_bytes=True")],
)
def test_policy_refuses_bad_readings(used: Any, limit: Any, bad: str) -> None:
    with pytest.raises(ValueError, match=f"Received: {bad}"):
        choose_kernel_to_shut_down([], used, limit)


STATES = st.sampled_from(["idle", "busy", "starting", "dead"])
KERNELS = st.lists(
    st.builds(
        lambda i, s, m: KernelState(f"k{i}", s, T0 + timedelta(seconds=m)),
        st.integers(0, 50),
        STATES,
        st.integers(0, 3600),
    ),
    max_size=8,
    unique_by=lambda x: x.kernel_id,
)


@settings(max_examples=150, deadline=None)
@given(KERNELS, st.integers(0, 3 * GB), st.integers(1, 3 * GB))
def test_policy_properties(kernels: list[KernelState], used: int, limit: int) -> None:
    chosen = choose_kernel_to_shut_down(kernels, used, limit)
    if used <= limit:
        assert chosen is None
    if chosen is None:
        # nothing chosen over the limit: no idle kernel older than the most recent activity
        if used > limit and kernels:
            newest = max(x.last_activity for x in kernels)
            assert not [x for x in kernels if x.execution_state == "idle" and x.last_activity < newest]
        return
    assert chosen in kernels and chosen.execution_state == "idle"
    assert chosen.last_activity < max(x.last_activity for x in kernels), "the most recently active one is kept"
    idle = [x for x in kernels if x.execution_state == "idle"]
    assert chosen.last_activity == min(x.last_activity for x in idle), "the one idle the longest"
    # the numpy-free reference: sort the idle kernels by (activity, id)
    assert chosen == sorted(idle, key=lambda x: (x.last_activity, x.kernel_id))[0]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 s"),
        (59.9, "59 s"),
        (60, "1 min"),
        (3599, "59 min"),
        (3600, "1 h 0 min"),
        (7380, "2 h 3 min"),
        (-5, "0 s"),
    ],
)
def test_idle_time_words(seconds: float, text: str) -> None:
    assert describe_idle(seconds) == text


def test_measure_is_the_pss_sum_of_the_tree() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; b = bytearray(50_000_000); time.sleep(30)"])
    try:
        deadline = time.monotonic() + 20
        while psutil.Process(child.pid).memory_info().rss < 50_000_000 and time.monotonic() < deadline:
            time.sleep(0.1)
        used, processes = measure_tree(os.getpid())
        me = psutil.Process()
        reference = sum(getattr(p.memory_full_info(), "pss", 0) for p in [me, *me.children(recursive=True)])
        assert processes >= 2
        assert abs(used - reference) < 20_000_000, (used, reference)
        assert used >= 50_000_000, "the child's 50 MB are counted"
        assert measure_tree(os.getpid(), max_processes=1)[1] == 1, "the number of processes measured is bounded"
    finally:
        child.kill()
        child.wait(10)
    assert measure_tree(child.pid) == (0, 0), "a process that has ended measures nothing"


def test_settings_and_their_errors() -> None:
    shipped = json.loads((REPO / "binder" / "jupyter_server_config.json").read_text(encoding="utf-8"))
    guard = MemoryGuard(config=Config(shipped))
    assert (guard.enabled, guard.limit_bytes, guard.interval) == (True, 1_500_000_000, 5.0)
    assert MemoryGuard().limit_bytes == 1_500_000_000, "the default leaves room for one TensorFlow import under 2 GB"
    with pytest.raises(ValueError, match=r"Received: limit_bytes=0$"):
        MemoryGuard(limit_bytes=0)
    with pytest.raises(ValueError, match=r"Received: interval=0.0$"):
        MemoryGuard(interval=0)
    assert _jupyter_server_extension_points() == [{"module": "convkit.serverext"}]


# --------------------------------------------------------------------------------------------- a real server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Server:
    def __init__(self, base: Path, limit: int) -> None:
        self.port, self.token = _free_port(), "convkit-guard-test"
        config_dir, root = base / "config", base / "root"
        config_dir.mkdir()
        root.mkdir()
        (config_dir / "jupyter_server_config.json").write_text(
            json.dumps(
                {
                    "ServerApp": {"jpserver_extensions": {"convkit.serverext": True}},
                    "MemoryGuard": {"limit_bytes": limit, "interval": 0.5},
                }
            ),
            encoding="utf-8",
        )
        env = dict(os.environ, JUPYTER_CONFIG_DIR=str(config_dir), JUPYTER_CONFIG_PATH=str(config_dir))
        env.update(JUPYTER_RUNTIME_DIR=str(base / "runtime"), JUPYTER_PLATFORM_DIRS="1")
        self.runtime = base / "runtime"
        self.log_path = base / "server.log"
        self._log = self.log_path.open("w", encoding="utf-8")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "jupyter_server", "--no-browser", "--allow-root", f"--port={self.port}", "--ip=127.0.0.1",
             f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={root}"],
            stdout=self._log, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
        self.wait("the server to answer", lambda: self.api("GET", "api/status") is not None, 60)

    def api(self, method: str, path: str, body: Any = None) -> Any:
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/{path}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                text = resp.read().decode()
        except OSError:
            return None
        return json.loads(text) if text else {}

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait(self, what: str, done: Any, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"the server exited while waiting for {what}:\n{self.log()[-3000:]}")
            if done():
                return
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}:\n{self.log()[-3000:]}")

    def kernel_state(self, kernel_id: str) -> str | None:
        model = self.api("GET", f"api/kernels/{kernel_id}")
        return model.get("execution_state") if model else None

    def talk_to(self, kernel_id: str) -> None:
        """Ask the kernel for its info over its own channels, as a notebook client does on connecting: the kernel
        publishes busy then idle, which the server records (a kernel no client talked to stays "starting")."""
        from jupyter_client import BlockingKernelClient

        client = BlockingKernelClient(connection_file=str(self.runtime / f"kernel-{kernel_id}.json"))
        client.load_connection_file()
        client.start_channels()
        try:
            client.kernel_info(reply=True, timeout=60)
        finally:
            client.stop_channels()

    def wait_idle(self, kernel_id: str, what: str, timeout: float = 120) -> None:
        """Talk to the kernel until the server has seen it go idle: the server's own iopub subscription may join
        after the kernel's first status messages on a busy machine (zmq's slow joiner), so one request is not enough."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.talk_to(kernel_id)
            try:
                self.wait(what, lambda: self.kernel_state(kernel_id) == "idle", 3)
                return
            except AssertionError:
                if self.proc.poll() is not None:
                    raise
        raise AssertionError(f"timed out waiting for {what}:\n{self.log()[-3000:]}")

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        self._log.close()


def test_the_extension_shuts_down_the_idle_older_kernel_in_a_real_server(tmp_path: Path) -> None:
    server = _Server(tmp_path, limit=1)  # always over the limit: only the policy protects a kernel
    try:
        server.wait("the guard to start", lambda: "convkit memory guard: on" in server.log(), 30)
        assert "over 0.00 GB" not in server.log()
        older = server.api("POST", "api/sessions", {"path": "older.ipynb", "type": "notebook",
                                                     "kernel": {"name": "python3"}})  # fmt: skip
        older_id = older["kernel"]["id"]
        server.wait_idle(older_id, "the older kernel to be idle")
        time.sleep(1.5)  # three checks with one kernel: the only kernel is kept
        assert [x["id"] for x in server.api("GET", "api/kernels")] == [older_id]
        newer = server.api("POST", "api/sessions", {"path": "newer.ipynb", "type": "notebook",
                                                     "kernel": {"name": "python3"}})  # fmt: skip
        newer_id = newer["kernel"]["id"]
        server.talk_to(newer_id)  # the newest kernel is kept even before the server has seen it idle
        server.wait(
            "the older kernel to be shut down",
            lambda: [x["id"] for x in server.api("GET", "api/kernels") or []] == [newer_id],
            90,
        )
        server.wait_idle(newer_id, "the newer kernel to be idle")
        time.sleep(1.5)
        assert [x["id"] for x in server.api("GET", "api/kernels")] == [newer_id], "the newer kernel is kept"
        lines = [ln for ln in server.log().splitlines() if "shut down the kernel of" in ln]
        assert len(lines) == 1, lines
        print("\n" + lines[0])
        assert "over 0.00 GB: shut down the kernel of older.ipynb, idle for " in lines[0], lines[0]
        assert lines[0].endswith("; " + AFTER), lines[0]
        assert [s["path"] for s in server.api("GET", "api/sessions")] == ["newer.ipynb"]
    finally:
        server.close()


def test_the_guard_can_be_switched_off() -> None:
    guard = MemoryGuard(config=Config({"MemoryGuard": {"enabled": False}}))
    assert guard.start(serverapp=None) is False
    assert guard.shutdowns == []
