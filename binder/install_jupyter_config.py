"""Install convkit's Binder memory settings where Jupyter reads them (run by ``binder/postBuild``).

Two files from this folder, merged into what is already there (nothing else in those files is touched):

* ``jupyter_server_config.json`` -> ``<config dir>/jupyter_server_config.json``: the server runs convkit's memory
  guard (the ``convkit.serverext`` extension: over 1.5 GB, the kernel idle the longest is shut down) and shuts down
  kernels that have been idle for a while, even when a notebook tab is still connected to them;
* ``overrides.json`` -> ``<Lab settings dir>/overrides.json``: JupyterLab's default for "Shut down kernel" when a
  notebook is closed becomes on.

Defaults: ``<sys.prefix>/etc/jupyter`` (on Jupyter's config path; inside the image, so a home folder mounted over
``~`` by a JupyterHub does not hide it) and JupyterLab's application settings dir
(``<sys.prefix>/share/jupyter/lab/settings``, or ``$JUPYTERLAB_DIR/settings``). Tests pass other dirs.

    python binder/install_jupyter_config.py [--config-dir DIR] [--lab-settings-dir DIR]

See ``docs/teaching-with-binder.md`` for why, and what learners see.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SERVER_CONFIG = HERE / "jupyter_server_config.json"
LAB_OVERRIDES = HERE / "overrides.json"


def default_config_dir() -> Path:
    """``<sys.prefix>/etc/jupyter``: the environment's entry on Jupyter's config path."""
    return Path(sys.prefix) / "etc" / "jupyter"


def default_lab_settings_dir() -> Path:
    """JupyterLab's application settings dir, where it reads ``overrides.json``."""
    try:
        from jupyterlab.commands import get_app_dir
    except ImportError:  # Lab not installed in this environment (yet): its default location
        app_dir = os.environ.get("JUPYTERLAB_DIR") or str(Path(sys.prefix) / "share" / "jupyter" / "lab")
    else:
        app_dir = get_app_dir()
    return Path(app_dir) / "settings"


def merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """``base`` updated with ``extra``, nested dicts merged key by key (``base`` is not modified)."""
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def install(source: Path, dest: Path) -> Path:
    """Merge the JSON object in ``source`` into ``dest`` (created if missing); return ``dest``."""
    extra = json.loads(source.read_text(encoding="utf-8"))
    current: dict[str, Any] = {}
    if dest.exists():
        current = json.loads(dest.read_text(encoding="utf-8") or "{}")
        if not isinstance(current, dict):
            raise ValueError(f"{dest} does not hold a JSON object; cannot add convkit's settings to it.")
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(merge(current, extra), indent=2) + "\n", encoding="utf-8")
    return dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config-dir", type=Path, default=None, help="default: <sys.prefix>/etc/jupyter")
    parser.add_argument("--lab-settings-dir", type=Path, default=None, help="default: JupyterLab's app settings")
    args = parser.parse_args(argv)
    config_dir = args.config_dir or default_config_dir()
    lab_dir = args.lab_settings_dir or default_lab_settings_dir()
    for source, dest in (
        (SERVER_CONFIG, config_dir / SERVER_CONFIG.name),
        (LAB_OVERRIDES, lab_dir / LAB_OVERRIDES.name),
    ):
        print(f"convkit: {source.name} -> {install(source, dest)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
