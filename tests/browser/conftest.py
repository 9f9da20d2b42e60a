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
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))

# The server harness is shared with bench/ (scripts/appserver.py).
from appserver import CHROMIUM, CHROMIUM_ARGS, AppServer as Server  # noqa: E402

LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}

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
