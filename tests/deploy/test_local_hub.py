"""The pieces of the local class hub, each checked on its own (fast: no hub is started here)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import socket
import stat
import subprocess
import sys
import time
import types
from pathlib import Path

import psutil
import pytest

from .conftest import LOCAL, require_modules

require_modules("jupyterhub")

import class_spawner  # noqa: E402
import hub_process  # noqa: E402
from hub_process import ChpNotFound, find_chp, free_ports  # noqa: E402


# ------------------------------------------------------------------------------------------ finding the proxy
def _fake_executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_find_chp_prefers_the_environment_variable(tmp_path, monkeypatch):
    fake = _fake_executable(tmp_path / "bin" / "my-chp")
    monkeypatch.setenv("CONVKIT_CHP", str(fake))
    assert find_chp() == str(fake)


def test_find_chp_rejects_a_bad_environment_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("CONVKIT_CHP", str(tmp_path / "nothing-here"))
    with pytest.raises(ChpNotFound, match=r"Received: CONVKIT_CHP='.*nothing-here'"):
        find_chp()


def test_find_chp_then_the_venv_folder_then_path(tmp_path, monkeypatch):
    monkeypatch.delenv("CONVKIT_CHP", raising=False)
    monkeypatch.setattr(hub_process.sys, "prefix", str(tmp_path / "venv"))
    on_path = _fake_executable(tmp_path / "path" / "configurable-http-proxy")
    monkeypatch.setenv("PATH", str(on_path.parent))
    assert find_chp() == str(on_path)
    in_venv = _fake_executable(tmp_path / "venv" / "chp" / "node_modules" / ".bin" / "configurable-http-proxy")
    assert find_chp() == str(in_venv)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    in_venv.unlink()
    with pytest.raises(ChpNotFound, match="npm install --prefix"):
        find_chp()


def test_free_ports_are_distinct_and_bindable_on_loopback():
    ports = free_ports(3)
    assert len(set(ports)) == 3
    for port in ports:
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))


# ------------------------------------------------------------------------------------------ nbgrader identity
def test_each_learner_gets_their_own_student_id_and_no_formgrader():
    files = class_spawner.learner_files("ada", exchange="/x/exchange", course_id="convkit", instructor=False)
    config = files[".jupyter/nbgrader_config.py"]
    assert "c.CourseDirectory.student_id = 'ada'" in config
    assert "c.Exchange.root = '/x/exchange'" in config and "c.CourseDirectory.course_id = 'convkit'" in config
    server = json.loads(files[".jupyter/jupyter_server_config.json"])
    assert server["ServerApp"]["jpserver_extensions"]["nbgrader.server_extensions.formgrader"] is False


def test_the_instructor_has_no_student_id_so_collect_takes_everyone():
    files = class_spawner.learner_files(
        "prof", exchange="/x", course_id="convkit", instructor=True, course_root="/home/prof/course"
    )
    config = files[".jupyter/nbgrader_config.py"]
    assert "student_id" not in config.replace("# no student_id", "")
    assert "c.CourseDirectory.root = '/home/prof/course'" in config
    assert ".jupyter/jupyter_server_config.json" not in files  # formgrader stays on


def test_pre_spawn_hook_writes_into_the_home(tmp_path):
    logs = []
    spawner = types.SimpleNamespace(
        user=types.SimpleNamespace(name="bo"),
        home_dir=str(tmp_path / "bo"),
        log=types.SimpleNamespace(info=lambda *a: logs.append(a)),
    )
    settings = {"instructors": ["prof"], "exchange": "/x", "course_id": "convkit", "course_folder": "course"}
    class_spawner.write_nbgrader_config(spawner, settings)
    text = (tmp_path / "bo" / ".jupyter" / "nbgrader_config.py").read_text()
    assert "student_id = 'bo'" in text and logs


# ------------------------------------------------------------------------------------------ memory guard
def run_coroutine(coro):
    """Run ``coro`` to completion in a thread of its own: in the whole suite a session fixture (the browser tests'
    Playwright) may keep an event loop running in this thread, where ``asyncio.run`` would refuse."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result(timeout=60)


HOG = "x = bytearray({mb} * 2**20); import time; time.sleep(120)"


@pytest.fixture
def server_with_kernel():
    """A stand-in server process whose one child (the 'kernel') holds ~150 MB."""
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import subprocess, sys; subprocess.run([sys.executable, '-c', sys.argv[1]])",
            HOG.format(mb=150),
        ]
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            kids = psutil.Process(parent.pid).children()
            if kids and kids[0].memory_info().rss > 140 * 2**20:
                break
            time.sleep(0.2)
        else:
            pytest.fail("the stand-in kernel did not allocate its memory within 60 s")
        yield parent, kids[0]
    finally:
        for proc in psutil.Process(parent.pid).children(recursive=True) if parent.poll() is None else []:
            proc.kill()
        parent.kill()
        parent.wait(10)


def test_largest_over_limit_names_the_kernel_only_above_the_limit(server_with_kernel):
    parent, kernel = server_with_kernel
    total, victim = class_spawner.largest_over_limit(parent.pid, 2**40)
    assert victim is None and total > 150 * 2**20
    total, victim = class_spawner.largest_over_limit(parent.pid, 64 * 2**20)
    assert victim is not None and victim.pid == kernel.pid


def test_memory_guard_spawner_kills_the_kernel_not_the_server(server_with_kernel):
    parent, kernel = server_with_kernel
    user = types.SimpleNamespace(name="hog", url="/user/hog/", id=1, escaped_name="hog")
    spawner = class_spawner.MemoryGuardSpawner(user=user, mem_limit="64M")
    spawner.pid = parent.pid
    assert run_coroutine(spawner.poll()) is None  # the server is still running ...
    kernel.wait(10)  # ... and its kernel is gone
    assert not kernel.is_running() or kernel.status() == psutil.STATUS_ZOMBIE
    parent.wait(10)  # the stand-in server ends when its kernel does (a real one restarts the kernel)


def test_memory_guard_leaves_a_server_under_the_limit_alone(server_with_kernel):
    parent, kernel = server_with_kernel
    user = types.SimpleNamespace(name="ok", url="/user/ok/", id=2, escaped_name="ok")
    spawner = class_spawner.MemoryGuardSpawner(user=user, mem_limit="4G")
    spawner.pid = parent.pid
    assert run_coroutine(spawner.poll()) is None
    assert kernel.is_running() and kernel.status() != psutil.STATUS_ZOMBIE


# ------------------------------------------------------------------------------------------ the config file
def test_hub_config_refuses_to_load_without_settings():
    env = {k: v for k, v in os.environ.items() if k != "CONVKIT_HUB_SETTINGS"}
    code = (
        "import runpy, traitlets.config as t; "
        f"runpy.run_path({str(LOCAL / 'jupyterhub_config.py')!r}, {{'get_config': t.get_config}})"
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "Received: CONVKIT_HUB_SETTINGS unset" in result.stderr


def test_hub_config_reads_its_settings(tmp_path):
    settings = {
        "runtime": str(tmp_path),
        "homes": str(tmp_path / "homes"),
        "exchange": str(tmp_path / "x"),
        "python": sys.executable,
        "chp": "/bin/true",
        "port": 1,
        "hub_port": 2,
        "proxy_api_port": 3,
        "driver_token": "d" * 64,
        "proxy_token": "p" * 64,
        "instructors": ["prof"],
        "course_id": "c",
        "course_folder": "course",
        "mem_limit": "1G",
        "cull_timeout": 3600,
        "cull_every": 60,
    }
    (tmp_path / "s.json").write_text(json.dumps(settings))
    code = (
        "import json, runpy, traitlets.config as t; c = t.get_config(); "
        f"runpy.run_path({str(LOCAL / 'jupyterhub_config.py')!r}, {{'get_config': lambda: c}}); "
        "print(json.dumps({'bind': c.JupyterHub.bind_url, 'auth': c.JupyterHub.authenticator_class, "
        "'limit': c.Spawner.mem_limit, 'services': [s['name'] for s in c.JupyterHub.services], "
        "'timeout': c.Spawner.start_timeout, 'args': c.Spawner.args}))"
    )
    env = dict(os.environ, CONVKIT_HUB_SETTINGS=str(tmp_path / "s.json"))
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["bind"] == "http://127.0.0.1:1"
    assert seen["auth"] == "null"  # tokens only: no login page, and never the dummy authenticator
    assert seen["services"] == ["class-driver", "idle-culler"]
    assert seen["limit"] == "1G" and seen["timeout"] == 120
    assert seen["args"] == (["--allow-root"] if os.geteuid() == 0 else [])
