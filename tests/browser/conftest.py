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

import pytest

from tests.harness import (  # noqa: F401  (browser: a fixture; Server, free_port: used by tests)
    REPO,
    Server,
    free_port,
    offline_page,
)

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


@pytest.fixture
def page(browser):
    """A page whose network ends at localhost; ``page.blocked`` lists what was refused and
    ``page.errors`` the uncaught script errors (in any frame)."""
    pg = offline_page(browser)
    yield pg
    pg.context.close()


@pytest.fixture(scope="session")
def shots_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots of the pages go: ``$PARTNERMAP_SCREENSHOTS`` when set (the README's
    images are refreshed with ``PARTNERMAP_SCREENSHOTS=docs/screenshots``), else a
    temporary folder, so a test run leaves the checkout as it was."""
    target = os.environ.get("PARTNERMAP_SCREENSHOTS")
    path = Path(target).resolve() if target else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path
