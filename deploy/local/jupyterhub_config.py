"""JupyterHub configuration for a class on one lab server, as rehearsed by ``class_rehearsal.py``.

Start it with the settings file that ``hub_process.py`` writes (ports, folders, tokens)::

    CONVKIT_HUB_SETTINGS=/path/settings.json jupyterhub -f deploy/local/jupyterhub_config.py

What it sets up, all on 127.0.0.1:

* configurable-http-proxy (npm) in front, the hub behind it, on free ports chosen by the caller;
* :class:`class_spawner.MemoryGuardSpawner`: a local-process spawner (every server runs as the hub's Unix user,
  ``HOME`` under ``settings["homes"]``) that enforces ``Spawner.mem_limit`` on kernels;
* a ``pre_spawn_hook`` giving each user their own nbgrader student id, the exchange root and the course;
* the NullAuthenticator: there is no login page, only API tokens (the rehearsal's driver makes them). A real
  class replaces it with the school's login (PAM, OAuth or LTI) and, for privacy between learners, the
  LocalProcessSpawner with one Unix account per learner: see docs/teaching-with-jupyterhub.md;
* two hub services: ``class-driver`` (a token for the rehearsal's REST calls) and ``idle-culler``
  (jupyterhub-idle-culler, stopping servers idle for ``settings["cull_timeout"]`` seconds).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from class_spawner import MemoryGuardSpawner, write_nbgrader_config  # noqa: E402

c = get_config()  # noqa: F821 (provided by JupyterHub when it loads this file)

_settings_path = os.environ.get("CONVKIT_HUB_SETTINGS")
if not _settings_path:
    raise SystemExit(
        "deploy/local/jupyterhub_config.py needs CONVKIT_HUB_SETTINGS, the settings file written "
        "by deploy/local/hub_process.py (run deploy/local/class_rehearsal.py, or see "
        "docs/teaching-with-jupyterhub.md). Received: CONVKIT_HUB_SETTINGS unset"
    )
settings = json.loads(Path(_settings_path).read_text(encoding="utf-8"))
runtime = Path(settings["runtime"])
bin_dir = Path(settings["python"]).parent

# --- network: everything on loopback, on ports chosen free by the caller
c.JupyterHub.bind_url = f"http://127.0.0.1:{settings['port']}"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{settings['hub_port']}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings['proxy_api_port']}"
c.ConfigurableHTTPProxy.command = [settings["chp"]]
c.ConfigurableHTTPProxy.pid_file = str(runtime / "proxy.pid")
c.ConfigurableHTTPProxy.auth_token = settings["proxy_token"]

# --- state in the run's own folder, and nothing left running on exit
c.JupyterHub.db_url = "sqlite:///" + str(runtime / "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = str(runtime / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(runtime / "jupyterhub.pid")
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True

# --- login: API tokens only (see the module docstring for a real class)
c.JupyterHub.authenticator_class = "null"

# --- single-user servers
c.JupyterHub.spawner_class = MemoryGuardSpawner
c.Spawner.cmd = [str(bin_dir / "jupyterhub-singleuser")]
c.Spawner.args = ["--allow-root"] if os.geteuid() == 0 else []  # as root, servers refuse to start without it
c.Spawner.default_url = "/lab"
c.Spawner.environment = {"TF_CPP_MIN_LOG_LEVEL": "2"}
c.MemoryGuardSpawner.home_dir_template = str(Path(settings["homes"]) / "{username}")
c.Spawner.mem_limit = settings["mem_limit"]
# On 2 shared cores a server can take tens of seconds to start: the defaults (60 s / 30 s) fail under load.
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.poll_interval = 5  # a dead server (and the memory guard) is noticed within seconds, not ~30 s
c.JupyterHub.concurrent_spawn_limit = settings.get("concurrent_spawn_limit", 4)


def _pre_spawn_hook(spawner) -> None:
    write_nbgrader_config(spawner, settings)


c.Spawner.pre_spawn_hook = _pre_spawn_hook

# --- services: the rehearsal's driver and the idle culler
c.JupyterHub.services = [
    {"name": "class-driver", "api_token": settings["driver_token"]},
    {
        "name": "idle-culler",
        "command": [
            settings["python"],
            "-m",
            "jupyterhub_idle_culler",
            f"--timeout={settings['cull_timeout']}",
            f"--cull-every={settings['cull_every']}",
        ],
    },
]
c.JupyterHub.load_roles = [
    {
        "name": "class-driver",
        "scopes": [
            "admin:users",
            "admin:servers",
            "admin:server_state",
            "access:servers",
            "tokens",
            "list:services",
            "read:services",
        ],
        "services": ["class-driver"],
    },
    {
        "name": "idle-culler",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["idle-culler"],
    },
]
