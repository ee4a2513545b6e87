"""Fixtures for browser tests: one isolated JupyterLab and one headless Chromium per session, a fresh page per test,
and one replayed Binder session (every notebook, light theme closing tabs then dark theme leaving them open).

Without Chromium or Playwright the tests are skipped loudly; under ``CI=true`` they fail instead.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .binder_session import DARK, BinderSession, binder_lab_server, run_session
from .lab import (
    REPO_ROOT,
    LabServer,
    artifacts_dir,
    chromium_path,
    launch_chromium,
    screenshot,
    track_websockets,
)

HERE = Path(__file__).resolve().parent
_unavailable: list[str] = []


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this folder ``browser``."""
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Keep each phase's report on the item so the ``page`` fixture can screenshot failures."""
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Repeat the reason browser tests did not run at the very end, where nobody can miss it."""
    for reason in dict.fromkeys(_unavailable):
        terminalreporter.write_line(f"WARNING: browser tests NOT run: {reason}", yellow=True, bold=True)


def _require(ok: bool, reason: str) -> None:
    """Skip (locally) or fail (``CI=true``) when a browser prerequisite is missing."""
    if ok:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    _unavailable.append(reason)
    pytest.skip(f"BROWSER TESTS NOT RUN: {reason}")


@pytest.fixture(scope="session")
def notebooks_dir() -> Path:
    """The folder the Lab server serves a copy of (override in a module to serve something else)."""
    return REPO_ROOT / "notebooks"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless system Chromium driven by Playwright."""
    _require(
        importlib.util.find_spec("playwright") is not None,
        "Python package 'playwright' is not installed (pip install -e '.[test]')",
    )
    path = chromium_path()
    _require(path is not None, "no Chromium found (apt-get install chromium, or set CONVKIT_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch_chromium(pw, path)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def lab_server(notebooks_dir: Path) -> Iterator[LabServer]:
    """An isolated JupyterLab over a temp copy of ``notebooks_dir``."""
    with LabServer(notebooks_dir if notebooks_dir.is_dir() else None) as server:
        yield server


@pytest.fixture
def page(browser: Any, lab_server: LabServer, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A page in a fresh browser context; kernel sessions are deleted before and after."""
    lab_server.delete_sessions()
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    track_websockets(page)
    try:
        yield page
    finally:
        rep = getattr(request.node, "rep_call", None)
        if rep is not None and rep.failed:
            try:
                screenshot(page, f"FAILED-{request.node.name}")
            except Exception:  # noqa: BLE001 - a failed screenshot must not hide the test failure
                pass
        context.close()
        lab_server.delete_sessions()


@pytest.fixture(scope="session")
def binder_session(browser: Any) -> BinderSession:
    """Replay a learner's Binder session once per test run; tests assert on the result.

    A Lab server with ``binder/``'s configuration serves a copy of ``notebooks/``. One page opens every notebook in
    order and runs it, closing each tab (light theme); a second page does the same leaving every tab open (dark
    theme). Memory of the server and kernels is sampled throughout (see ``tests/browser/memory.py``). Screenshots
    (``run-*``, ``dark-*``) and ``binder-memory.txt`` go to the artifacts dir.
    """
    source = REPO_ROOT / "notebooks"
    names = sorted(p.name for p in source.glob("*.ipynb"))
    if not names:
        pytest.skip("no notebooks yet in notebooks/")
    with binder_lab_server(source) as server:
        closed = run_session(browser, server, names, close_tabs=True, screenshots="run")
        opened = run_session(browser, server, names, close_tabs=False, theme=DARK, screenshots="dark")
        tracker = server.api("GET", "lab/api/settings/@jupyterlab/notebook-extension:tracker") or {}
        log = server.log_path.read_text(encoding="utf-8", errors="replace")
    (artifacts_dir() / "binder-memory.txt").write_text(closed.report() + "\n" + opened.report() + "\n", "utf-8")
    return BinderSession(closed, opened, tracker, log)
