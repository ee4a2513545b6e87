"""Start and stop the local class hub: free loopback ports, a private folder, the proxy, bounded waits.

Every process the hub starts (the proxy, single-user servers, their kernels, the culler) descends from the
hub's pid. :class:`HubProcess` records each descendant it sees, with its start time, so that
:meth:`HubProcess.stop` can end all of them by pid, also when the hub itself had to be killed.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import requests

__all__ = ["HubProcess", "find_chp", "free_ports", "ChpNotFound"]

HERE = Path(__file__).resolve().parent
CONFIG = HERE / "jupyterhub_config.py"
CHP = "configurable-http-proxy"


class ChpNotFound(FileNotFoundError):
    """configurable-http-proxy (the npm package) is not installed where :func:`find_chp` looks."""


def find_chp() -> str:
    """Path of the ``configurable-http-proxy`` command.

    Looked up in order: the environment variable ``CONVKIT_CHP`` (the command itself); then
    ``<venv>/chp/node_modules/.bin/configurable-http-proxy`` next to this Python (where
    ``npm install --prefix .venv/chp configurable-http-proxy`` puts it); then ``PATH`` (``npm install -g``).
    """
    env = os.environ.get("CONVKIT_CHP")
    if env:
        if not (Path(env).is_file() and os.access(env, os.X_OK)):
            raise ChpNotFound(
                f"CONVKIT_CHP does not name an executable file. Set it to the path of "
                f"configurable-http-proxy, or unset it. Received: CONVKIT_CHP={env!r}"
            )
        return env
    local = Path(sys.prefix) / "chp" / "node_modules" / ".bin" / CHP
    if local.is_file():
        return str(local)
    on_path = shutil.which(CHP)
    if on_path:
        return on_path
    raise ChpNotFound(
        f"{CHP} not found: install it with `npm install --prefix {Path(sys.prefix) / 'chp'} {CHP}` "
        f"(or `npm install -g {CHP}`), or set CONVKIT_CHP to its path. Looked in: $CONVKIT_CHP, "
        f"{local}, PATH"
    )


def free_ports(count: int) -> list[int]:
    """``count`` distinct ports that were free on 127.0.0.1 a moment ago."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


@dataclass
class HubProcess:
    """A JupyterHub with ``deploy/local/jupyterhub_config.py`` in the folder ``root``.

    ``root`` gets ``runtime/`` (database, pid files, settings, log), ``homes/<user>/`` and ``exchange/``.
    """

    root: Path
    instructors: tuple[str, ...] = ("instructor",)
    course_id: str = "convkit"
    course_folder: str = "course"
    mem_limit: str = "1G"
    cull_timeout: int = 3600
    cull_every: int = 60
    chp: str = field(default_factory=find_chp)
    proc: subprocess.Popen | None = None
    seen: dict[int, float] = field(default_factory=dict)  # pid -> create_time of every descendant seen
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.root = Path(self.root)
        self.runtime = self.root / "runtime"
        self.homes = self.root / "homes"
        self.exchange = self.root / "exchange"
        for folder in (self.runtime, self.homes, self.exchange):
            folder.mkdir(parents=True, exist_ok=True)
        os.chmod(self.runtime, 0o700)
        port, hub_port, proxy_api_port = free_ports(3)
        self.url = f"http://127.0.0.1:{port}"
        self.api = f"{self.url}/hub/api"
        self.driver_token = secrets.token_hex(32)
        self.settings = {
            "runtime": str(self.runtime),
            "homes": str(self.homes),
            "exchange": str(self.exchange),
            "python": sys.executable,
            "chp": self.chp,
            "port": port,
            "hub_port": hub_port,
            "proxy_api_port": proxy_api_port,
            "driver_token": self.driver_token,
            "proxy_token": secrets.token_hex(32),
            "instructors": list(self.instructors),
            "course_id": self.course_id,
            "course_folder": self.course_folder,
            "mem_limit": self.mem_limit,
            "cull_timeout": self.cull_timeout,
            "cull_every": self.cull_every,
        }
        self.settings_path = self.runtime / "settings.json"
        self.settings_path.write_text(json.dumps(self.settings, indent=1), encoding="utf-8")
        os.chmod(self.settings_path, 0o600)
        self.log_path = self.runtime / "jupyterhub.log"

    # ------------------------------------------------------------------ start / wait
    def start(self, timeout: float = 120) -> None:
        """Start the hub and wait (at most ``timeout`` s) until its REST API answers."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "JPY_"))}
        env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
        env["CONVKIT_HUB_SETTINGS"] = str(self.settings_path)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "jupyterhub", "-f", str(CONFIG)],
                cwd=self.runtime,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.seen[self.proc.pid] = psutil.Process(self.proc.pid).create_time()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"the hub exited with {self.proc.returncode} while starting; its log:\n" + self.log_tail()
                )
            try:
                if requests.get(f"{self.api}/", timeout=5).ok:
                    self.remember_descendants()
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"the hub's API did not answer within {timeout:.0f} s; its log:\n" + self.log_tail())

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    # ------------------------------------------------------------------ processes
    def descendants(self) -> list[psutil.Process]:
        """The hub's process and all its descendants now (empty once the hub is gone)."""
        if self.proc is None:
            return []
        try:
            root = psutil.Process(self.proc.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def remember_descendants(self) -> list[psutil.Process]:
        procs = self.descendants()
        with self._lock:
            for p in procs:
                try:
                    self.seen.setdefault(p.pid, p.create_time())
                except psutil.NoSuchProcess:
                    pass
        return procs

    def stop(self, timeout: float = 40) -> list[int]:
        """SIGTERM the hub (it stops servers, kernels and proxy), then SIGKILL whatever it left, by pid.

        Returns the pids that had to be killed. Safe to call twice and after a failed start.
        """
        self.remember_descendants()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        killed = []
        with self._lock:
            seen = dict(self.seen)
        for pid, created in seen.items():
            try:
                proc = psutil.Process(pid)
                if abs(proc.create_time() - created) > 0.01:  # the pid was reused by someone else's process
                    continue
                proc.kill()
                killed.append(pid)
            except psutil.NoSuchProcess:
                continue
        psutil.wait_procs([p for p in map(_process_or_none, killed) if p], timeout=10)
        return killed


def _process_or_none(pid: int) -> psutil.Process | None:
    try:
        return psutil.Process(pid)
    except psutil.NoSuchProcess:
        return None
