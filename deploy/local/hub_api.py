"""The few JupyterHub and Jupyter Server REST calls the rehearsal makes, with bounded waits.

:class:`Hub` acts with the ``class-driver`` service token (create users, their tokens, spawn, stop);
:class:`UserServer` acts as one user, with that user's own token, on their single-user server: the nbgrader
server extension (``assignments/fetch``, ``assignments/submit``, what JupyterLab's Assignments panel calls)
and the contents API (reading and saving a notebook).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import requests

__all__ = ["Hub", "HubError", "UserServer"]

TIMEOUT = 60  # seconds for any one request


class HubError(RuntimeError):
    """A REST call answered with an error, or a wait ran out."""


def _check(response: requests.Response, what: str) -> requests.Response:
    if not response.ok:
        raise HubError(f"{what}: HTTP {response.status_code} {response.text[:300]}")
    return response


@dataclass
class Hub:
    """The hub's REST API at ``api`` (``http://127.0.0.1:PORT/hub/api``), acting with ``token``."""

    api: str
    token: str
    spawn_slots: int = 2  # spawns in flight at once: on 2 cores more only make every spawn slower

    def __post_init__(self) -> None:
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"token {self.token}"
        self._spawn_gate = threading.BoundedSemaphore(self.spawn_slots)

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, f"{self.api}{path}", timeout=TIMEOUT, **kwargs)

    def create_users(self, names: list[str]) -> None:
        _check(self.request("POST", "/users", json={"usernames": names}), f"creating users {names}")

    def user(self, name: str) -> dict:
        return _check(self.request("GET", f"/users/{name}"), f"reading user {name}").json()

    def new_token(self, name: str, note: str = "class rehearsal") -> str:
        body = {"note": note, "expires_in": 4 * 3600}
        return _check(self.request("POST", f"/users/{name}/tokens", json=body), f"token for {name}").json()["token"]

    def server(self, name: str) -> dict | None:
        return self.user(name).get("servers", {}).get("")

    def spawn(self, name: str, timeout: float = 240) -> float:
        """Start ``name``'s server and wait until it is ready; return the seconds from request to ready."""
        with self._spawn_gate:
            start = time.monotonic()
            response = self.request("POST", f"/users/{name}/server")
            if response.status_code not in (201, 202):
                _check(response, f"spawning {name}")
                raise HubError(f"spawning {name}: unexpected HTTP {response.status_code}")
            deadline = start + timeout
            while time.monotonic() < deadline:
                server = self.server(name)
                if server and server.get("ready"):
                    return time.monotonic() - start
                if not server and response.status_code == 202 and time.monotonic() - start > 5:
                    raise HubError(f"{name}'s server stopped while starting (see the hub log)")
                time.sleep(0.5)
        raise HubError(f"{name}'s server was not ready within {timeout:.0f} s")

    def server_pid(self, name: str) -> int:
        server = self.server(name)
        if not server or "pid" not in server.get("state", {}):
            raise HubError(f"{name} has no running server with a pid: {server}")
        return int(server["state"]["pid"])

    def wait_stopped(self, name: str, timeout: float = 60) -> float:
        """Wait until the hub no longer lists a server for ``name``; return the seconds it took."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if not self.server(name):
                return time.monotonic() - start
            time.sleep(0.5)
        raise HubError(f"the hub still lists {name}'s server after {timeout:.0f} s")

    def services(self) -> dict:
        return _check(self.request("GET", "/services"), "listing services").json()


@dataclass
class UserServer:
    """One user's single-user server behind the proxy, acting with the user's own token."""

    base: str  # http://127.0.0.1:PORT (the proxy)
    name: str
    token: str

    def __post_init__(self) -> None:
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"token {self.token}"
        self.prefix = f"{self.base}/user/{self.name}"

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, f"{self.prefix}{path}", timeout=TIMEOUT, **kwargs)

    # nbgrader's server extension (the Assignments panel's calls)
    def assignments(self, course_id: str) -> list[dict]:
        body = _check(
            self.request("GET", "/assignments", params={"course_id": course_id}), f"{self.name}: listing assignments"
        ).json()
        if not body.get("success"):
            raise HubError(f"{self.name}: listing assignments failed: {body.get('value')}")
        return body["value"]

    def assignment_action(self, action: str, course_id: str, assignment: str) -> list[dict]:
        params = {"course_id": course_id, "assignment_id": assignment}
        body = _check(
            self.request("POST", f"/assignments/{action}", params=params), f"{self.name}: {action} {assignment}"
        ).json()
        if not body.get("success"):
            raise HubError(f"{self.name}: {action} {assignment} failed: {body.get('value')}")
        return body["value"]

    # the contents API
    def read_notebook(self, path: str) -> dict:
        return _check(
            self.request("GET", f"/api/contents/{path}", params={"content": "1"}), f"{self.name}: reading {path}"
        ).json()["content"]

    def save_notebook(self, path: str, notebook: dict) -> None:
        body = {"type": "notebook", "format": "json", "content": notebook}
        _check(self.request("PUT", f"/api/contents/{path}", json=body), f"{self.name}: saving {path}")

    def formgrader_status(self) -> int:
        """HTTP status of formgrader's API on this server (200 for instructors, 404 where it is off)."""
        return self.request("GET", "/formgrader/api/status").status_code
