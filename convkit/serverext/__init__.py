"""A Jupyter server extension that keeps a session under its memory limit (see :mod:`.memory_guard`).

Enabled by ``binder/jupyter_server_config.json``::

    {"ServerApp": {"jpserver_extensions": {"convkit.serverext": true}}}

Importing this package imports nothing else of convkit and never TensorFlow.

Examples
--------
>>> from convkit.serverext import _jupyter_server_extension_points
>>> _jupyter_server_extension_points()
[{'module': 'convkit.serverext'}]
"""

from __future__ import annotations

from typing import Any

from convkit.serverext.memory_guard import KernelState, MemoryGuard, choose_kernel_to_shut_down, measure_tree

__all__ = ["KernelState", "MemoryGuard", "choose_kernel_to_shut_down", "measure_tree"]


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    """Where jupyter_server finds the extension: this package (its ``_load_jupyter_server_extension``).

    Examples
    --------
    >>> _jupyter_server_extension_points()[0]["module"]
    'convkit.serverext'
    """
    return [{"module": "convkit.serverext"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    """Start the :class:`MemoryGuard` of ``serverapp`` (configured by its ``MemoryGuard`` config section)."""
    guard = MemoryGuard(parent=serverapp, log=serverapp.log)
    guard.start(serverapp)
    serverapp.web_app.settings["convkit_memory_guard"] = guard
