"""The ``binder/`` folder builds a working environment: repo2docker reads it, its pins are exact and cover the
package's dependencies, postBuild installs the memory settings (kernel culling, shut down on close, convkit's
memory guard) where Jupyter reads them, and (slow, opt-in) a fresh venv made from those files alone gets those
settings and runs every notebook.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import textwrap
import venv
from pathlib import Path
from typing import Any

import pytest
import tomllib

REPO = Path(__file__).resolve().parents[1]
BINDER = REPO / "binder"
IN_CI = os.environ.get("CI") == "true"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([0-9][A-Za-z0-9.+!-]*)$")


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins() -> dict[str, str]:
    lines = [ln.strip() for ln in (BINDER / "requirements.txt").read_text(encoding="utf-8").splitlines()]
    return {_normalize(m[1]): m[2] for ln in lines if (m := PIN.match(ln))}


def _missing(reason: str) -> None:
    """Skip locally, fail under ``CI=true``."""
    if IN_CI:
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


# --------------------------------------------------------------------------------------------- (a) repo2docker


def test_repo2docker_dockerfile_uses_binder_folder() -> None:
    exe = Path(sys.executable).parent / "repo2docker"
    if not exe.exists():
        _missing(f"repo2docker not installed next to {sys.executable} (pip install jupyter-repo2docker)")
    proc = subprocess.run(
        [str(exe), "--no-build", "--no-run", "--debug", str(REPO)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert re.search(r"python=3\.11\b", out), "Dockerfile does not build Python 3.11:\n" + out
    assert re.search(r"environment(\.|-2e)py(-|-2d)3(\.|-2e)11", out), "no Python 3.11 conda lock file:\n" + out
    assert re.search(r'pip install .*-r "?binder/requirements\.txt', out), "requirements.txt not installed:\n" + out
    assert re.search(r"^RUN \./binder/postBuild$", out, re.MULTILINE), "postBuild not run:\n" + out


# --------------------------------------------------------------------------------------------- (b) static checks


def test_runtime_is_python_311() -> None:
    assert (BINDER / "runtime.txt").read_text(encoding="utf-8").strip() == "python-3.11"


def test_requirements_are_exact_pins() -> None:
    lines = (BINDER / "requirements.txt").read_text(encoding="utf-8").splitlines()
    bad = [ln for ln in lines if not PIN.match(ln.strip())]
    assert not bad, f"binder/requirements.txt lines that are not name==version: {bad}"
    assert _pins()["tensorflow-cpu"].startswith("2.21."), "tensorflow-cpu must be pinned to 2.21.x"
    assert not {"jupyterlab", "notebook"} & set(_pins()), "do not pin Lab/Notebook: the Binder base image has them"


def test_postbuild_is_strict_and_executable() -> None:
    post = BINDER / "postBuild"
    lines = post.read_text(encoding="utf-8").splitlines()
    assert lines[:2] == ["#!/bin/bash", "set -euo pipefail"], lines[:2]
    assert "python -m pip install --no-cache-dir -e ." in lines
    assert os.access(post, os.X_OK), "binder/postBuild must be executable"


def _install_script() -> Any:
    spec = importlib.util.spec_from_file_location("install_jupyter_config", BINDER / "install_jupyter_config.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_postbuild_installs_the_memory_settings() -> None:
    lines = [ln.strip() for ln in (BINDER / "postBuild").read_text(encoding="utf-8").splitlines()]
    assert "python binder/install_jupyter_config.py" in lines, "postBuild must install binder's Jupyter settings"
    assert lines.index("python binder/install_jupyter_config.py") > lines.index(
        "python -m pip install --no-cache-dir -e ."
    ), "install the settings after convkit, as the last step"


def test_memory_settings_say_what_the_docs_say() -> None:
    server = json.loads((BINDER / "jupyter_server_config.json").read_text(encoding="utf-8"))
    cull = server["MappingKernelManager"]
    assert set(cull) == {"cull_idle_timeout", "cull_interval", "cull_connected", "cull_busy"}, cull
    assert cull["cull_connected"] is True and cull["cull_busy"] is False, cull
    assert 0 < cull["cull_interval"] <= cull["cull_idle_timeout"], cull
    lab = json.loads((BINDER / "overrides.json").read_text(encoding="utf-8"))
    assert lab == {"@jupyterlab/notebook-extension:tracker": {"kernelShutdown": True}}, lab
    docs = (REPO / "docs" / "teaching-with-binder.md").read_text(encoding="utf-8")
    minutes = cull["cull_idle_timeout"] // 60
    assert f"{minutes} minutes" in docs, f"docs/teaching-with-binder.md should state the {minutes}-minute cull"
    assert set(server) == {"ServerApp", "MemoryGuard", "MappingKernelManager"}, server
    assert server["ServerApp"] == {"jpserver_extensions": {"convkit.serverext": True}}, server["ServerApp"]
    guard = server["MemoryGuard"]
    assert guard["enabled"] is True and 0 < guard["interval"] <= 10, guard
    assert guard["limit_bytes"] == 1_500_000_000, "1.5 GB leaves one TensorFlow import of room under Binder's 2 GB"
    assert "1.5 GB" in docs and "memory guard" in docs, "docs/teaching-with-binder.md should explain the guard"


def test_memory_guard_can_measure_in_the_binder_image() -> None:
    # the guard reads memory through psutil: binder/requirements.txt must bring it (ipykernel 7 no longer does)
    assert "psutil" in _pins(), "pin psutil in binder/requirements.txt: convkit.serverext needs it"


def test_install_script_defaults_are_where_jupyter_reads() -> None:
    module = _install_script()
    from jupyter_core.paths import jupyter_config_path

    assert str(module.default_config_dir()) in jupyter_config_path()
    try:
        from jupyterlab.labapp import LabApp
    except ImportError:
        _missing("jupyterlab not installed: cannot check where Lab reads overrides.json")
    assert module.default_lab_settings_dir() == Path(LabApp().app_settings_dir)


def test_install_script_merges_into_existing_files(tmp_path: Path) -> None:
    module = _install_script()
    config, lab = tmp_path / "etc" / "jupyter", tmp_path / "lab" / "settings"
    config.mkdir(parents=True)
    (config / "jupyter_server_config.json").write_text(
        json.dumps({"ServerApp": {"root_dir": "/srv"}, "MappingKernelManager": {"cull_interval": 5}}), "utf-8"
    )
    assert module.main(["--config-dir", str(config), "--lab-settings-dir", str(lab)]) == 0
    merged = json.loads((config / "jupyter_server_config.json").read_text(encoding="utf-8"))
    shipped = json.loads((BINDER / "jupyter_server_config.json").read_text(encoding="utf-8"))
    assert merged["ServerApp"] == {"root_dir": "/srv", **shipped["ServerApp"]}, "settings already there are kept"
    assert merged["MemoryGuard"] == shipped["MemoryGuard"]
    assert merged["MappingKernelManager"] == shipped["MappingKernelManager"]
    assert json.loads((lab / "overrides.json").read_text(encoding="utf-8")) == json.loads(
        (BINDER / "overrides.json").read_text(encoding="utf-8")
    )
    (lab / "overrides.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ValueError, match="does not hold a JSON object"):
        module.main(["--config-dir", str(config), "--lab-settings-dir", str(lab)])


def test_requirements_cover_project_dependencies() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = {_normalize(re.split(r"[\s\[<>=!~;(]", dep.strip(), maxsplit=1)[0]) for dep in project["dependencies"]}
    missing = sorted(names - set(_pins()))
    assert not missing, f"pyproject dependencies not pinned in binder/requirements.txt: {missing}"


# --------------------------------------------------------------------------------------------- (c) a real env

RUN_NOTEBOOKS = textwrap.dedent(
    """
    import sys, nbformat
    from pathlib import Path
    from nbclient import NotebookClient

    prefix = sys.prefix
    probe = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import sys, convkit; print(sys.prefix)")])
    NotebookClient(probe, kernel_name="python3", timeout=120).execute()
    kernel_prefix = probe.cells[0].outputs[0]["text"].strip()
    assert kernel_prefix == prefix, f"kernel runs in {kernel_prefix}, not in the binder venv {prefix}"
    for path in map(Path, sys.argv[1:]):
        nb = nbformat.read(str(path), as_version=4)
        NotebookClient(nb, kernel_name="python3", timeout=600, resources={"metadata": {"path": str(path.parent)}}).execute()
        print("ok", path.name, flush=True)
    """
)


@pytest.mark.slow
def test_binder_env_runs_every_notebook(tmp_path: Path) -> None:
    if not (os.environ.get("CONVKIT_BINDER_ENV_TEST") == "1" or IN_CI):
        pytest.skip("builds a TensorFlow venv from binder/ (minutes): set CONVKIT_BINDER_ENV_TEST=1 (on in CI)")
    if sys.version_info[:2] != (3, 11):
        _missing(f"binder/runtime.txt says Python 3.11 but this is {sys.version.split()[0]}")
    env_dir = tmp_path / "binder-venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    bin_dir = env_dir / "bin"
    env = dict(os.environ, VIRTUAL_ENV=str(env_dir), PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    env.pop("PYTHONPATH", None)
    for var in ("JUPYTER_DATA_DIR", "JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"):
        env[var] = str(tmp_path / var.lower())  # no kernelspecs or config from the outer user
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    py = str(bin_dir / "python")

    def run(*cmd: str, timeout: float = 1800) -> None:
        proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout, check=False)
        assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{proc.stdout[-5000:]}\n{proc.stderr[-5000:]}"

    run(py, "-m", "pip", "install", "-q", "-r", str(BINDER / "requirements.txt"))
    run("bash", str(BINDER / "postBuild"))
    # postBuild put binder's memory settings into the environment (no jupyterlab here: its default app dir)
    installed = {
        env_dir / "etc" / "jupyter" / "jupyter_server_config.json": BINDER / "jupyter_server_config.json",
        env_dir / "share" / "jupyter" / "lab" / "settings" / "overrides.json": BINDER / "overrides.json",
    }
    for dest, source in installed.items():
        assert dest.is_file(), f"postBuild did not install {source.name} at {dest}"
        assert json.loads(dest.read_text(encoding="utf-8")) == json.loads(source.read_text(encoding="utf-8"))
    run(py, "-m", "pip", "install", "-q", "ipykernel", "nbclient")
    script = tmp_path / "run_notebooks.py"
    script.write_text(RUN_NOTEBOOKS, encoding="utf-8")
    run(py, str(script), *map(str, sorted((REPO / "notebooks").glob("*.ipynb"))), timeout=3600)
