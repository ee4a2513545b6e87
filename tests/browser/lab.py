"""Reusable helpers for testing notebooks in a real JupyterLab driven by headless Chromium.

Follows the checked recipe in ``shared/docs/browser-testing.md``: an isolated Lab server on a free port with a
random token, the system Chromium launched through Playwright, and page helpers whose every wait is bounded and
says what it was waiting for when it times out.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]

#: Chromium flags that work as root without a network (no ``--user-data-dir``: Playwright makes a fresh profile).
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

#: Lab user settings that make tests stable (no news/update toasts; every cell kept in the DOM).
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
        "doNotDisturbMode": True,
    },
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}

STDERR_SELECTOR = (
    ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr'],"
    " .jp-RenderedText[data-mime-type='application/vnd.jupyter.stderr']"
)
ERROR_SELECTOR = (
    ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error'],"
    " .jp-RenderedText[data-mime-type='application/vnd.jupyter.error']"
)
_TRACEBACK = re.compile(r"Traceback \(most recent call last\)|^\w+(Error|Exception)\b", re.MULTILINE)
WIDGET_PROBLEMS = ("Loading widget", "Error displaying widget")


# --------------------------------------------------------------------------------------------- server


class LabServer:
    """An isolated JupyterLab server over a temp copy of a folder; use as a context manager.

    >>> with LabServer(REPO_ROOT / "notebooks") as lab:  # doctest: +SKIP
    ...     print(lab.url, lab.token, lab.root_dir)
    """

    def __init__(
        self,
        source_dir: Path | None = None,
        *,
        startup_timeout: float = 90.0,
        extra_args: Sequence[str] = (),
        extra_env: Mapping[str, str] | None = None,
    ) -> None:
        self.source_dir = Path(source_dir) if source_dir is not None else None
        self.startup_timeout = startup_timeout
        #: More server command-line options (e.g. ``--LabApp.app_settings_dir=...``) and environment variables
        #: (e.g. ``JUPYTER_CONFIG_PATH``), applied after the isolating ones.
        self.extra_args = list(extra_args)
        self.extra_env = dict(extra_env or {})
        self.token = secrets.token_hex(16)
        self.base = Path(tempfile.mkdtemp(prefix="convkit-lab-"))
        self.root_dir = self.base / "root"
        self.data_dir = self.base / "data"
        self.log_path = self.base / "server.log"
        self.url = ""
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: Any = None

    # -- lifecycle
    def __enter__(self) -> LabServer:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.stop()

    def _env(self) -> dict[str, str]:
        dirs = {
            "JUPYTER_CONFIG_DIR": "config",
            "JUPYTER_DATA_DIR": "data",
            "JUPYTER_RUNTIME_DIR": "runtime",
            "JUPYTERLAB_SETTINGS_DIR": "settings",
            "JUPYTERLAB_WORKSPACES_DIR": "workspaces",
            "IPYTHONDIR": "ipython",
        }
        env = dict(os.environ)
        for var, sub in dirs.items():
            (self.base / sub).mkdir(parents=True, exist_ok=True)
            env[var] = str(self.base / sub)
        env["JUPYTER_PLATFORM_DIRS"] = "1"
        # ipykernel stops forwarding output written to file descriptors 1/2 (TensorFlow's C++ log lines) when it
        # sees this pytest variable: without removing it, kernels here would hide the stderr a learner sees.
        env.pop("PYTEST_CURRENT_TEST", None)
        env.update(self.extra_env)
        return env

    def _write_settings(self) -> None:
        for rel, value in LAB_SETTINGS.items():
            path = self.base / "settings" / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(value), encoding="utf-8")

    def start(self) -> None:
        """Copy the notebooks, start Lab, and wait until ``/api/status`` answers."""
        if self.source_dir is not None:
            shutil.copytree(self.source_dir, self.root_dir)
        else:
            self.root_dir.mkdir(parents=True)
        env = self._env()
        self._write_settings()
        cmd = [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--ip=127.0.0.1",
            "--port=0",
            f"--IdentityProvider.token={self.token}",
            "--ServerApp.password=",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly",
            "--ServerApp.terminals_enabled=False",
            f"--ServerApp.root_dir={self.root_dir}",
            *self.extra_args,
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self._proc = subprocess.Popen(cmd, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.startup_timeout
        runtime_file = Path(env["JUPYTER_RUNTIME_DIR"]) / f"jpserver-{self._proc.pid}.json"
        while not self.url:
            self._check_alive("the runtime file " + runtime_file.name, deadline)
            try:
                self.url = json.loads(runtime_file.read_text(encoding="utf-8"))["url"]
            except (OSError, ValueError, KeyError):
                time.sleep(0.1)
        if not self.url.endswith("/"):
            self.url += "/"
        while True:
            self._check_alive(f"{self.url}api/status", deadline)
            try:
                self.api("GET", "api/status", timeout=5)
                return
            except (OSError, urllib.error.URLError):
                time.sleep(0.2)

    @property
    def pid(self) -> int | None:
        """The server's process id while it runs (its kernels are its child processes)."""
        return self._proc.pid if self._proc is not None and self._proc.poll() is None else None

    def _check_alive(self, what: str, deadline: float) -> None:
        assert self._proc is not None
        if self._proc.poll() is not None:
            raise RuntimeError(
                f"JupyterLab exited with code {self._proc.returncode} while waiting for {what}.\n{self.log_tail()}"
            )
        if time.monotonic() > deadline:
            raise TimeoutError(f"JupyterLab: no {what} after {self.startup_timeout:.0f} s.\n{self.log_tail()}")

    def log_tail(self, lines: int = 60) -> str:
        """The last lines of the server log, for error messages."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no server log)"
        return "--- server log (tail) ---\n" + "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM (Lab then shuts its kernels down), wait, kill only after ``timeout``; remove the temp dirs."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=10)
        self._proc = None
        if self._log is not None:
            self._log.close()
            self._log = None
        shutil.rmtree(self.base, ignore_errors=True)

    # -- REST
    def api(self, method: str, path: str, *, timeout: float = 30.0) -> Any:
        """Call the REST API with ``Authorization: token``; return the decoded JSON body (or None)."""
        req = urllib.request.Request(
            self.url + path.lstrip("/"), method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def delete_sessions(self) -> int:
        """Delete every kernel session (they outlive pages); return how many there were."""
        sessions = self.api("GET", "api/sessions") or []
        for session in sessions:
            try:
                self.api("DELETE", f"api/sessions/{session['id']}")
            except urllib.error.HTTPError as err:
                if err.code != 404:
                    raise
        return len(sessions)

    def notebook_url(self, relpath: str) -> str:
        """The page URL that opens ``relpath`` with a fresh workspace."""
        quoted = urllib.parse.quote(relpath)
        return f"{self.url}lab/tree/{quoted}?reset&token={self.token}"


# --------------------------------------------------------------------------------------------- browser


def chromium_path() -> str | None:
    """Env ``CONVKIT_CHROMIUM``, else ``/usr/bin/chromium``, else ``chromium`` on PATH; None when none exists."""
    env = os.environ.get("CONVKIT_CHROMIUM")
    if env:
        return env if Path(env).exists() else None
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def launch_chromium(playwright: Any, executable: str | None = None) -> Any:
    """Launch the system Chromium through Playwright (``playwright`` is the object from ``sync_playwright()``)."""
    path = executable or chromium_path()
    if path is None:
        raise FileNotFoundError("no Chromium found (set CONVKIT_CHROMIUM or install Debian's chromium)")
    return playwright.chromium.launch(executable_path=path, headless=True, args=LAUNCH_ARGS)


# --------------------------------------------------------------------------------------------- pages


def _timeout_error() -> type[Exception]:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    return PlaywrightTimeout


def wait_js(page: Any, what: str, js: str, timeout: float, arg: Any = None) -> Any:
    """``page.wait_for_function`` with a bounded timeout (seconds) and an error naming ``what``."""
    try:
        return page.wait_for_function(js, arg=arg, timeout=timeout * 1000, polling=100)
    except _timeout_error() as err:
        raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}") from err


def open_notebook(page: Any, server: LabServer, relpath: str, timeout: float = 60.0) -> Any:
    """Open ``relpath`` in Lab (fresh workspace) and wait for its cells; return the notebook panel locator."""
    page.goto(server.notebook_url(relpath), timeout=timeout * 1000)
    try:
        page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=timeout * 1000)
    except _timeout_error() as err:
        raise TimeoutError(f"timed out after {timeout:.0f} s waiting for the cells of {relpath} to appear") from err
    return page.locator(".jp-NotebookPanel").first


_KERNEL_IDLE_JS = """(root) => {
  root = root || document;
  const name = root.querySelector('.jp-KernelName');
  const text = name ? name.textContent.trim() : '';
  const ind = [...root.querySelectorAll('.jp-Notebook-ExecutionIndicator')];
  return text !== '' && text !== 'No Kernel' && ind.length > 0
      && ind.every(e => e.getAttribute('data-status') === 'idle');
}"""


def _root(within: Any) -> Any:
    """The element handle of a locator (JS helpers then look inside it), or None for the whole page."""
    return within.element_handle(timeout=10_000) if within is not None else None


def wait_kernel_idle(page: Any, timeout: float = 120.0, *, within: Any = None) -> None:
    """Wait until a kernel is attached (name is not ``No Kernel``) and the execution indicator says idle.

    ``within`` (a notebook panel locator) limits the check to that notebook when several are open.
    """
    wait_js(page, "a kernel to be attached and idle", _KERNEL_IDLE_JS, timeout, _root(within))


_WATCH_RUN_JS = """(root) => {
  root = root || document;
  window.__convkitRunStarted = false;
  const started = () => [...root.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]
      .some(p => p.textContent.includes('*'))
    || root.querySelector('.jp-Notebook-ExecutionIndicator:not([data-status=idle])') !== null;
  const obs = new MutationObserver(() => {
    if (started()) { window.__convkitRunStarted = true; obs.disconnect(); }
  });
  obs.observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
}"""

# Run All marks every queued cell [*] at once: the run is over when it has started, nothing is queued and the
# kernel is idle. Cells left unnumbered then mean the run stopped on an error.
_RUN_DONE_JS = """(root) => {
  root = root || document;
  if (!window.__convkitRunStarted) return false;
  const ind = [...root.querySelectorAll('.jp-Notebook-ExecutionIndicator')];
  if (!ind.length || ind.some(e => e.getAttribute('data-status') !== 'idle')) return false;
  return ![...root.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')].some(p => p.textContent.includes('*'));
}"""

_UNNUMBERED_JS = """(root) => [...(root || document).querySelectorAll('.jp-CodeCell')]
  .map((c, i) => ({n: i + 1, src: c.querySelector('.cm-content')?.textContent ?? 'x',
                   prompt: c.querySelector('.jp-InputArea-prompt')?.textContent ?? ''}))
  .filter(c => c.src.trim() !== '' && !/\\[\\d+\\]/.test(c.prompt))
  .map(c => c.n)"""


def run_all(page: Any, timeout: float = 240.0, *, within: Any = None) -> None:
    """Run menu -> Run All Cells; wait until every code cell prompt shows ``[n]`` and the kernel is idle.

    Lab 4 renders tracebacks as ``application/vnd.jupyter.stderr`` outputs: when the run stops early, the error
    message lists every stderr/error output. The menu acts on the current notebook; ``within`` (its panel
    locator) limits the waiting and the checks to it when several notebooks are open.
    """
    root = _root(within)
    page.evaluate(_WATCH_RUN_JS, root)
    page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click(timeout=10_000)
    page.locator('.lm-Menu-item[data-command="runmenu:run-all"]').click(timeout=10_000)
    wait_js(page, "Run All to finish (nothing queued, kernel idle)", _RUN_DONE_JS, timeout, root)
    unnumbered = page.evaluate(_UNNUMBERED_JS, root)
    if unnumbered:
        outputs = (within or page).locator(f"{STDERR_SELECTOR}, {ERROR_SELECTOR}").all_inner_texts()
        raise AssertionError(
            f"Run All stopped: non-empty code cells {unnumbered} did not run. stderr/error outputs:\n"
            + "\n---\n".join(outputs)
        )


def widget_problems(page: Any) -> list[str]:
    """Output areas (of a page or inside a locator) that show ``Loading widget`` or ``Error displaying widget``."""
    texts = page.locator(".jp-OutputArea-output").all_inner_texts()
    return [t.strip() for t in texts if any(p in t for p in WIDGET_PROBLEMS)]


# A widget output is an output area rendered by the widget manager (a Lumino panel holding the view; ipywidgets
# and anywidget views alike) or showing its placeholder/error text. Outputs with that text are reported by
# widget_problems(); a hidden one is a widget closed on purpose. The rest are blank when the view has no size or
# shows nothing: a visible canvas all one colour, an image that did not load, or no canvas, image, SVG, text or
# control at all.
_BLANK_WIDGETS_JS = """(outputs, problems) => {
  const visible = e => e.offsetWidth > 0 && e.offsetHeight > 0;
  const drawn = c => {
    if (!c.width || !c.height) return false;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let i = 4; i < d.length; i += 16) {
      if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2] || d[i + 3] !== d[3]) return true;
    }
    return false;
  };
  const found = [];
  outputs.forEach((o, n) => {
    const text = (o.innerText || '').trim();
    const isWidget = o.classList.contains('lm-Panel') || o.querySelector('.jupyter-widgets') !== null;
    if (!isWidget || problems.some(p => text.includes(p)) || o.classList.contains('lm-mod-hidden')) return;
    const view = o.firstElementChild;
    const kind = view ? [...view.classList, ...[...view.querySelectorAll('[class*="convkit-"]')]
      .flatMap(e => [...e.classList])].find(c => c.startsWith('convkit-')) : null;
    const name = `widget output #${n} (${kind || 'widget'})`;
    if (!view) { found.push(`${name}: empty`); return; }
    if (!visible(view)) { found.push(`${name}: has no size on the page`); return; }
    const canvases = [...o.querySelectorAll('canvas')].filter(visible);
    const images = [...o.querySelectorAll('img')].filter(visible);
    const blankCanvas = canvases.findIndex(c => !drawn(c));
    if (blankCanvas >= 0) found.push(`${name}: canvas #${blankCanvas} of ${canvases.length} is all one colour`);
    const broken = images.findIndex(i => !i.complete || i.naturalWidth === 0);
    if (broken >= 0) found.push(`${name}: image #${broken} did not load`);
    const svg = [...o.querySelectorAll('svg')].some(s => visible(s) && s.childElementCount > 0);
    const controls = o.querySelector('input, select, button, textarea') !== null;
    if (!canvases.length && !images.length && !svg && !text && !controls) found.push(`${name}: shows nothing`);
  });
  return found;
}"""


def blank_widgets(target: Any) -> list[str]:
    """Widget outputs (of a page or inside a locator) that are blank; one description each."""
    return target.locator(".jp-OutputArea-output").evaluate_all(_BLANK_WIDGETS_JS, list(WIDGET_PROBLEMS))


def notebook_problems(target: Any, *, settle: float = 30.0, ignore: Iterable[str] = ()) -> list[str]:
    """Stderr outputs, error tracebacks, widgets stuck on ``Loading widget`` or failed, and blank widgets.

    ``target`` is the page or a locator (a notebook panel). Waits up to ``settle`` seconds for widgets to finish
    rendering first. ``ignore`` holds regular expressions for stderr texts that are allowed (``re.search``).
    """
    deadline = time.monotonic() + settle
    page = getattr(target, "page", target)
    while (widget_problems(target) or blank_widgets(target)) and time.monotonic() < deadline:
        page.wait_for_timeout(250)
    patterns = [re.compile(p) for p in ignore]
    stderr = [t for t in target.locator(STDERR_SELECTOR).all_inner_texts() if not any(p.search(t) for p in patterns)]
    problems = [f"{'error' if _TRACEBACK.search(t) else 'stderr'} output:\n{t}" for t in stderr]
    problems += [f"error output:\n{t}" for t in target.locator(ERROR_SELECTOR).all_inner_texts()]
    problems += [f"widget did not render (after {settle:.0f} s):\n{t}" for t in widget_problems(target)]
    problems += [f"blank widget (after {settle:.0f} s): {t}" for t in blank_widgets(target)]
    return problems


def assert_no_errors(page: Any, *, settle: float = 30.0, ignore: Iterable[str] = (), within: Any = None) -> None:
    """Fail on stderr outputs, error tracebacks, widgets stuck on ``Loading widget`` or that failed, blank widgets.

    See :func:`notebook_problems`; ``within`` (a notebook panel locator) limits the checks to that notebook.
    """
    problems = notebook_problems(within if within is not None else page, settle=settle, ignore=ignore)
    if problems:
        raise AssertionError("the notebook shows problems:\n" + "\n---\n".join(problems))


# --------------------------------------------------------------------------------------------- convkit widgets

#: The outermost convkit widgets (the KernelTraversal box, the stack editor), not the canvas view inside a box.
TOP_WIDGET_SELECTOR = ".convkit-widget:not(.convkit-widget .convkit-widget)"

_TRAVERSALS_DRAWN_JS = """(panel) => {
  const roots = [...panel.querySelectorAll('.convkit-traversal')];
  return roots.length > 0 && roots.every(r => r.classList.contains('ck-too-large') || Number(r.dataset.frames) > 0);
}"""

_SCROLL_TOP_JS = """(panel) => {
  for (const el of [panel, ...panel.querySelectorAll('*')]) {
    if (el.scrollTop > 0) el.scrollTop = 0;
  }
}"""


def top_widgets(panel: Any) -> Any:
    """Locator of the outermost ``.convkit-widget`` elements in ``panel``."""
    return panel.locator(TOP_WIDGET_SELECTOR)


def wait_traversals_drawn(page: Any, panel: Any, timeout: float = 30.0) -> None:
    """Wait until every KernelTraversal canvas in ``panel`` has drawn a frame (or says it is too large)."""
    wait_js(page, "every KernelTraversal canvas to draw a frame", _TRAVERSALS_DRAWN_JS, timeout, panel.element_handle())


def scroll_to_top(page: Any, panel: Any) -> None:
    """Scroll the notebook (Lab scrolls inside its own panels) back to its first cell."""
    panel.evaluate(_SCROLL_TOP_JS)
    panel.locator(".jp-Cell").first.scroll_into_view_if_needed(timeout=10_000)
    page.wait_for_timeout(300)  # let the scroll settle before a screenshot


def screenshot_widgets(panel: Any, prefix: str) -> list[Path]:
    """Scroll each outermost convkit widget into view and save ``<prefix>-<i>.png``; return the paths.

    A widget taller than the notebook's visible area would be clipped by Lab's scrolling panel: the viewport is
    made taller for its screenshot (same width, so the widget keeps its layout) and restored afterwards.
    """
    page = panel.page
    size = page.viewport_size
    widgets = top_widgets(panel)
    paths = []
    for i in range(widgets.count()):
        widget = widgets.nth(i)
        widget.scroll_into_view_if_needed(timeout=10_000)
        box = widget.bounding_box()
        grow = size is not None and box is not None and box["height"] > size["height"] - 250
        if grow:
            page.set_viewport_size({"width": size["width"], "height": int(box["height"]) + 400})
            page.wait_for_timeout(300)
            widget.scroll_into_view_if_needed(timeout=10_000)
        try:
            paths.append(screenshot(widget, f"{prefix}-{i}"))
        finally:
            if grow:
                page.set_viewport_size(size)
    return paths


def luminance(rgb: Iterable[float]) -> float:
    """Relative luminance (WCAG) of an sRGB colour given as 0..255 channels; 0 is black, 1 is white."""

    def lin(c: float) -> float:
        c /= 255.0
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = list(rgb)[:3]
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


def css_rgb(value: str) -> tuple[float, float, float]:
    """``rgb(r, g, b)`` / ``rgba(r, g, b, a)`` (a computed CSS colour) as three 0..255 numbers."""
    nums = re.findall(r"[\d.]+", value)
    if len(nums) < 3:
        raise ValueError(f"not an rgb() colour: {value!r}")
    return float(nums[0]), float(nums[1]), float(nums[2])


THEME_SETTINGS = "@jupyterlab/apputils-extension/themes.jupyterlab-settings"


class lab_theme:  # noqa: N801 - used like a function: ``with lab_theme(server, "JupyterLab Dark"):``
    """Make ``name`` the Lab theme for pages opened inside the block (a user settings file), then restore it.

    The server is shared by the test session, so the previous settings file (or its absence) comes back on exit.
    """

    def __init__(self, server: LabServer, name: str) -> None:
        self.path = server.base / "settings" / THEME_SETTINGS
        self.name = name
        self._old: str | None = None

    def __enter__(self) -> lab_theme:
        self._old = self.path.read_text(encoding="utf-8") if self.path.exists() else None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps({"theme": self.name}), encoding="utf-8")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._old is None:
            self.path.unlink(missing_ok=True)
        else:
            self.path.write_text(self._old, encoding="utf-8")


# --------------------------------------------------------------------------------------------- websockets


class _WsTracker:
    """Remembers a page's websockets so counters can listen to sockets opened before they started."""

    def __init__(self, page: Any) -> None:
        self.sockets: list[Any] = []
        self.listeners: list[Callable[[Any, Any], None]] = []
        page.on("websocket", self._add)

    def _add(self, ws: Any) -> None:
        self.sockets.append(ws)
        ws.on("framesent", lambda payload: [cb(ws, payload) for cb in list(self.listeners)])


_TRACKERS: weakref.WeakKeyDictionary[Any, _WsTracker] = weakref.WeakKeyDictionary()


def track_websockets(page: Any) -> None:
    """Start remembering the page's websockets; call before navigating (the ``page`` fixture does)."""
    if page not in _TRACKERS:
        _TRACKERS[page] = _WsTracker(page)


class WsFrameCounter:
    """Counts frames the page sends over websockets whose URL contains ``url_contains`` while it is running.

    Playwright delivers events during Playwright calls: let time pass with ``page.wait_for_timeout(ms)``.
    """

    def __init__(self, tracker: _WsTracker, url_contains: str | None) -> None:
        self.frames: list[tuple[str, Any]] = []
        self._tracker = tracker
        self._url_contains = url_contains
        tracker.listeners.append(self._on_frame)

    def _on_frame(self, ws: Any, payload: Any) -> None:
        if self._url_contains is None or self._url_contains in ws.url:
            self.frames.append((ws.url, payload))

    @property
    def count(self) -> int:
        """Frames sent so far."""
        return len(self.frames)

    def stop(self) -> int:
        """Stop counting; return the count."""
        if self._on_frame in self._tracker.listeners:
            self._tracker.listeners.remove(self._on_frame)
        return self.count

    def __enter__(self) -> WsFrameCounter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def count_sent_ws_frames(page: Any, url_contains: str | None = "/api/kernels/") -> WsFrameCounter:
    """Start counting frames sent to the kernel (default) or, with ``url_contains=None``, on any websocket.

    Sockets opened before this call are seen only if :func:`track_websockets` ran before they opened.
    """
    track_websockets(page)
    return WsFrameCounter(_TRACKERS[page], url_contains)


# --------------------------------------------------------------------------------------------- artifacts


def artifacts_dir() -> Path:
    """Env ``CONVKIT_ARTIFACTS`` or ``<repo>/build/artifacts/browser/`` (created)."""
    path = Path(os.environ.get("CONVKIT_ARTIFACTS") or REPO_ROOT / "build" / "artifacts" / "browser")
    path.mkdir(parents=True, exist_ok=True)
    return path


def screenshot(target: Any, name: str) -> Path:
    """Save a PNG of a Playwright page or locator (prefer a locator: Lab scrolls inside its own panels)."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "screenshot"
    path = artifacts_dir() / (safe if safe.endswith(".png") else safe + ".png")
    target.screenshot(path=str(path), timeout=30_000)
    return path


def sign_notebook(path: Path, data_dir: Path) -> None:
    """Trust a notebook for the server whose ``JUPYTER_DATA_DIR`` is ``data_dir`` (needed for saved widget state)."""
    import nbformat
    from nbformat.sign import NotebookNotary

    nb = nbformat.read(str(path), as_version=4)
    NotebookNotary(data_dir=str(data_dir)).sign(nb)
