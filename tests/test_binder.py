"""The ``binder/`` folder builds a working environment: repo2docker reads it, its pins are exact and cover the
package's dependencies, and (slow, opt-in) a fresh venv made from those files alone runs every notebook.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import tomllib
import venv
from pathlib import Path

import pytest

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
        capture_output=True, text=True, timeout=120, check=False,
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
    run(py, "-m", "pip", "install", "-q", "ipykernel", "nbclient")
    script = tmp_path / "run_notebooks.py"
    script.write_text(RUN_NOTEBOOKS, encoding="utf-8")
    run(py, str(script), *map(str, sorted((REPO / "notebooks").glob("*.ipynb"))), timeout=3600)
