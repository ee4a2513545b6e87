"""A learner's Binder session, replayed in a real JupyterLab with the ``binder/`` configuration applied.

The server gets the files ``binder/postBuild`` installs (through the same ``binder/install_jupyter_config.py``,
pointed at the server's temp dirs instead of ``sys.prefix``). Then a browser opens the learner notebooks one after
another in one Lab page, runs each top to bottom (Run -> Run All Cells), and either leaves its tab open or closes
it (the "Save your work" dialog answered with Discard), while :class:`~.memory.PeakMemory` follows the server and
its kernels. Each visit also records what a learner would see go wrong (stderr boxes, errors, blank widgets) and,
in a dark theme, whether the drawings follow it.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .lab import (
    REPO_ROOT,
    LabServer,
    css_rgb,
    lab_theme,
    luminance,
    notebook_problems,
    open_notebook,
    run_all,
    screenshot,
    screenshot_widgets,
    scroll_to_top,
    top_widgets,
    wait_js,
    wait_kernel_idle,
)
from .memory import MemorySample, PeakMemory, tree

BINDER = REPO_ROOT / "binder"
INSTALL_SCRIPT = BINDER / "install_jupyter_config.py"
#: mybinder.org's memory limit read the strict way (2 GB = 2e9 bytes, below 2 GiB).
BINDER_LIMIT_BYTES = 2_000_000_000
DARK = "JupyterLab Dark"
RUN_TIMEOUT = 240.0
#: The memory sampler measures pages in full each time the RSS sum has risen this much since the last full sample.
#: A kernel growing or starting adds at least as much RSS as counted memory, so a moment between two full samples
#: holds about ``STEP`` more at most: tests keep ``peak + STEP`` under the limit.
STEP = 64 * 2**20

_CURRENT_TAB = "#jp-main-dock-panel .lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current"

# Per KernelTraversal canvas: its top-left (background) pixel and the colour of its info text.
_PALETTE_JS = """(roots) => roots.map(r => {
  const c = r.querySelector('canvas');
  const px = c && c.width ? [...c.getContext('2d').getImageData(0, 0, 1, 1).data.slice(0, 3)] : null;
  const info = r.querySelector('.ck-info');
  return {background: px, text: info ? getComputedStyle(info).color : null};
})"""
_WIDGET_CELLS_JS = """(cells) => cells.map((c, i) => c.querySelector('.jp-OutputArea .convkit-widget') ? i : -1)
  .filter(i => i >= 0)"""


def binder_lab_server(source_dir: Path, *, server_config: Mapping[str, Any] | None = None) -> LabServer:
    """A :class:`LabServer` (not started) configured like the Binder image.

    ``server_config`` is merged over the installed ``jupyter_server_config.json`` (e.g. a short cull timeout for a
    test that needs culling to act); None keeps the shipped values.
    """
    server = LabServer(source_dir)
    config_dir = server.base / "binder-prefix" / "etc" / "jupyter"
    lab_settings = server.base / "binder-prefix" / "share" / "jupyter" / "lab" / "settings"
    proc = subprocess.run(
        [sys.executable, str(INSTALL_SCRIPT), "--config-dir", str(config_dir), "--lab-settings-dir", str(lab_settings)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{INSTALL_SCRIPT.name} failed:\n{proc.stdout}\n{proc.stderr}")
    if server_config:
        path = config_dir / "jupyter_server_config.json"
        config = json.loads(path.read_text(encoding="utf-8"))
        for section, values in server_config.items():
            config.setdefault(section, {}).update(values)
        path.write_text(json.dumps(config, indent=2), encoding="utf-8")
    server.extra_env["JUPYTER_CONFIG_PATH"] = str(config_dir)
    server.extra_args.append(f"--LabApp.app_settings_dir={lab_settings}")
    return server


@dataclass
class Visit:
    """One notebook opened and run in a session."""

    name: str
    ran: bool = False
    problems: list[str] = field(default_factory=list)
    palette_problems: list[str] = field(default_factory=list)
    cell_count: int = 0
    widget_cells: list[int] = field(default_factory=list)  # indexes of the cells whose output has a convkit widget
    widget_count: int = 0  # outermost convkit widgets in the notebook
    screenshots: list[Path] = field(default_factory=list)  # one per convkit widget
    panel_screenshots: list[Path] = field(default_factory=list)  # the notebook where Run All left it, and its top
    after_run: MemorySample | None = None
    kernel_left_running: bool | None = None  # after closing the tab (None: tab left open)
    closed_by: str | None = None  # how the tab was closed


@dataclass
class SessionPass:
    """A whole session: every visit, and the memory the server and kernels held."""

    name: str
    close_tabs: bool
    theme: str | None
    visits: list[Visit]
    peak: MemorySample
    peak_rss: int
    samples: list[MemorySample]
    server_log: str

    def visit(self, name: str) -> Visit:
        """The visit of notebook ``name``."""
        return next(v for v in self.visits if v.name == name)

    def report(self) -> str:
        """The figures, a few lines."""
        how = "closing each tab" if self.close_tabs else "leaving tabs open"
        lines = [f"{self.name} ({how}, theme {self.theme or 'default'}):"]
        lines += [f"  {v.after_run.describe()}" for v in self.visits if v.after_run is not None]
        lines.append(f"  peak {self.peak.describe()}")
        lines.append(f"  peak RSS sum seen by the 0.5 s sampler: {self.peak_rss / 2**20:.0f} MB")
        return "\n".join(lines)


def current_panel(page: Any, name: str, timeout: float = 60.0) -> Any:
    """The notebook panel of the current main-area tab, once that tab shows ``name``."""
    wait_js(
        page,
        f"the tab of {name} to be the current one",
        "([sel, name]) => { const t = document.querySelector(sel); return !!t && t.textContent.includes(name); }",
        timeout,
        [_CURRENT_TAB, name],
    )
    panel_id = page.locator(_CURRENT_TAB).get_attribute("data-id")
    panel = page.locator(f"#jp-main-dock-panel .jp-NotebookPanel[id='{panel_id}']")
    panel.locator(".jp-Cell").first.wait_for(timeout=timeout * 1000)
    return panel


def open_from_file_browser(page: Any, name: str, timeout: float = 60.0) -> Any:
    """Double-click ``name`` in Lab's file browser, as a learner does; return its panel."""
    item = page.locator(
        ".jp-DirListing-item",
        has=page.locator(".jp-DirListing-itemText", has_text=re.compile("^" + re.escape(name) + "$")),
    )
    item.first.dblclick(timeout=timeout * 1000)
    return current_panel(page, name, timeout)


def close_current_tab(page: Any, timeout: float = 30.0) -> str:
    """Close the current tab as a learner does; answer "Save your work" with Discard; return how it was closed.

    The tab's close icon first; if the page does not take that click in 15 s (seen once on a loaded machine), the
    File menu's Close Tab. Which way worked is returned for the record. Memory does not depend on Save/Discard.
    """
    how = "close icon"
    try:
        page.locator(f"{_CURRENT_TAB} .lm-TabBar-tabCloseIcon").click(timeout=15_000)
    except _playwright_timeout():
        how = "File > Close Tab (the close icon did not take the click in 15 s)"
        page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text=re.compile(r"^File$")).click(timeout=timeout * 1000)
        page.locator('.lm-Menu-item[data-command="application:close"]').click(timeout=timeout * 1000)
    discard = page.locator(".jp-Dialog .jp-Dialog-button", has_text=re.compile(r"^\s*Discard\s*$"))
    try:
        discard.wait_for(timeout=5_000)
    except _playwright_timeout():
        return how  # an unmodified notebook closes without asking
    discard.click(timeout=timeout * 1000)
    return how


def _playwright_timeout() -> type[Exception]:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    return PlaywrightTimeout


def kernel_of(server: LabServer, name: str) -> str | None:
    """The id of the kernel of ``name``'s session, if it has one."""
    for session in server.api("GET", "api/sessions") or []:
        if session.get("path") == name or session.get("notebook", {}).get("path") == name:
            return session["kernel"]["id"]
    return None


def wait_until(what: str, done: Any, timeout: float, interval: float = 0.25) -> bool:
    """Poll ``done()`` until true or ``timeout`` seconds; return whether it became true (``what`` for readers)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if done():
            return True
        time.sleep(interval)
    return bool(done())


def palette_problems(panel: Any) -> list[str]:
    """In a dark theme: every KernelTraversal canvas has a dark background and light info text."""
    roots = panel.locator(".convkit-traversal:not(.ck-too-large)")
    found = []
    for i, p in enumerate(roots.evaluate_all(_PALETTE_JS)):
        if p["background"] is None or luminance(p["background"]) >= 0.3:
            found.append(f"traversal #{i}: canvas background {p['background']} is not dark")
        if p["text"] is None or luminance(css_rgb(p["text"])) <= 0.5:
            found.append(f"traversal #{i}: info text colour {p['text']} is not light on dark")
    return found


def _visit(
    page: Any, server: LabServer, name: str, first: bool, memory: PeakMemory, *, dark: bool, shots: str | None
) -> Visit:
    visit = Visit(name)
    memory.checkpoint(f"opening {name}")
    if first:
        open_notebook(page, server, name)
        panel = current_panel(page, name)
    else:
        panel = open_from_file_browser(page, name)
    try:
        wait_kernel_idle(page, within=panel)
        run_all(page, timeout=RUN_TIMEOUT, within=panel)
        visit.ran = True
    except (AssertionError, TimeoutError) as err:
        visit.problems.append(f"Run All did not complete: {err}")
    visit.problems += notebook_problems(panel)
    visit.after_run = memory.checkpoint(f"after running {name}")
    cells = panel.locator(".jp-Notebook .jp-Cell")
    visit.cell_count = cells.count()
    visit.widget_cells = cells.evaluate_all(_WIDGET_CELLS_JS)
    visit.widget_count = top_widgets(panel).count()
    if dark:
        visit.palette_problems = palette_problems(panel)
    if shots is not None:
        stem = f"{shots}-{Path(name).stem}"
        visit.panel_screenshots.append(screenshot(panel, stem))
        if visit.widget_count:
            visit.screenshots = screenshot_widgets(panel, f"{stem}-widget")
        scroll_to_top(page, panel)
        visit.panel_screenshots.append(screenshot(panel, f"{stem}-top"))
    return visit


def run_session(
    browser: Any,
    server: LabServer,
    names: Sequence[str],
    *,
    close_tabs: bool,
    theme: str | None = None,
    label: str = "",
    screenshots: str | None = None,
) -> SessionPass:
    """Open ``names`` one after another in one Lab page, run each, close its tab or not; measure memory.

    ``server`` must be running and have no kernels. ``theme`` (e.g. ``"JupyterLab Dark"``) is set for the page;
    ``screenshots`` is the file-name prefix for one screenshot per convkit widget (None: none).
    """
    assert server.pid is not None, "start the server first"
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    visits: list[Visit] = []
    log_start = server.log_path.stat().st_size if server.log_path.exists() else 0
    try:
        with lab_theme(server, theme) if theme else nullcontext(), PeakMemory(server.pid, step=STEP) as memory:
            for i, name in enumerate(names):
                visit = _visit(page, server, name, i == 0, memory, dark=theme == DARK, shots=screenshots)
                if i == 0 and theme:
                    dark = "false" if theme == DARK else "true"
                    wait_js(page, f"the {theme} theme", f"() => document.body.dataset.jpThemeLight === '{dark}'", 30)
                if close_tabs:
                    if kernel_of(server, name) is None:
                        visit.problems.append(f"no kernel session found for {name} before closing its tab")
                    visit.closed_by = close_current_tab(page)
                    # the only open notebook was closed: no kernel may be left
                    gone = wait_until(
                        f"the kernel of {name} to shut down", lambda: not server.api("GET", "api/kernels"), 30
                    )
                    visit.kernel_left_running = not gone
                visits.append(visit)
            page.wait_for_timeout(1000)
            memory.checkpoint("end of the session")
        log = server.log_path.read_text(encoding="utf-8", errors="replace")[log_start:]
        return SessionPass(
            label or ("tabs closed" if close_tabs else "tabs open"),
            close_tabs,
            theme,
            visits,
            memory.peak,
            memory.peak_rss,
            list(memory.samples),
            log,
        )
    finally:
        context.close()
        server.delete_sessions()
        wait_until("the kernels to exit", lambda: len(tree(server.pid)) <= 1 if server.pid else True, 30)


@dataclass(frozen=True)
class BinderSession:
    """What the replayed Binder session found (plain data: its server is gone when tests look at it)."""

    closed: SessionPass  # light theme, each tab closed after its run
    opened: SessionPass  # JupyterLab Dark, every tab left open
    tracker_settings: dict[str, Any]  # /lab/api/settings/ for the notebook tracker plugin (schema with overrides)
    server_log: str
