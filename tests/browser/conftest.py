"""Browser-test harness: the real app on a free port, and Chromium with no internet.

* ``app_url``: starts the app as run.sh does (``scripts/serve.py``, i.e. ``streamlit run
  app.py`` with its warm-up; headless, no file watcher) on a free port
  with a fresh temporary SQLite database, polls ``/_stcore/health`` until the server
  answers, yields its base URL, and stops it afterwards. When a test fails, the server
  log is printed with the failure.
* ``page``: a Playwright page in Debian's Chromium where every request that does not go
  to localhost / 127.0.0.1 (or a data:/blob:/file: URL) is aborted and recorded in
  ``page.blocked``, so a test that sees the map proves it renders offline.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}
STARTUP_TIMEOUT_S = 90

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def free_port() -> int:
    return _free_port()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A running ``streamlit run app.py`` and its log."""

    def __init__(self, log_path: Path, database_url: str, *, port: int | None = None,
                 extra_args: tuple[str, ...] = (), env: dict[str, str] | None = None
                 ) -> None:
        """``port``: a port chosen beforehand (e.g. named in a secrets file);
        ``extra_args``: more Streamlit options (e.g. ``--secrets.files PATH``);
        ``env``: more environment variables for the server."""
        self.port = port or _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.database_url = database_url
        env = dict(os.environ, DATABASE_URL=database_url, PARTNERMAP_SAMPLE_DATA="1",
                   PARTNERMAP_TILES="none", **(env or {}))
        self._log = open(log_path, "wb")
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "scripts/serve.py",  # as scripts/run.sh starts the app
             "--server.headless", "true", "--server.fileWatcherType", "none",
             "--server.port", str(self.port), "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false", *extra_args],
            cwd=REPO, env=env, stdout=self._log, stderr=subprocess.STDOUT,
        )

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_healthy(self) -> float:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.process.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        return time.perf_counter() - self.started
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"streamlit did not answer within {STARTUP_TIMEOUT_S} s:\n{self.log()}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


@pytest.fixture(scope="module")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("app")
    server = Server(tmp / "streamlit.log", f"sqlite:///{tmp / 'partnermap.db'}")
    try:
        server.wait_healthy()
        yield server
    finally:
        server.stop()


@pytest.fixture
def app_url(app_server: Server, request: pytest.FixtureRequest) -> Iterator[str]:
    yield app_server.url
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        print(f"\n----- streamlit server log ({app_server.log_path}) -----\n{app_server.log()}",
              file=sys.stderr)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install it with `bash scripts/setup.sh --test`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "file", "about"):
        return True
    return (parts.hostname or "") in LOCAL_HOSTS


@pytest.fixture
def page(browser):
    """A page whose network ends at localhost; ``page.blocked`` lists what was refused and
    ``page.errors`` the uncaught script errors (in any frame)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1150})
    blocked: list[str] = []

    def route(r):
        if _is_local(r.request.url):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    pg = context.new_page()
    pg.blocked = blocked
    pg.errors = []
    pg.on("pageerror", lambda exc: pg.errors.append(str(exc)))
    yield pg
    context.close()


@pytest.fixture(scope="session")
def shots_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots of the pages go: ``$PARTNERMAP_SCREENSHOTS`` when set (the README's
    images are refreshed with ``PARTNERMAP_SCREENSHOTS=docs/screenshots``), else a
    temporary folder, so a test run leaves the checkout as it was."""
    target = os.environ.get("PARTNERMAP_SCREENSHOTS")
    path = Path(target).resolve() if target else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path
