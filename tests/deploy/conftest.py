"""Fixtures for the tests of a shared deployment and its faults: a PostgreSQL cluster
of the test's own (that it may stop), nginx, app processes (``tests.harness.Server``),
and offline Chromium.

These tests need PostgreSQL 15 + PostGIS, nginx and Chromium (``bash scripts/setup.sh
--test`` installs them). With ``PARTNERMAP_REQUIRE_POSTGRES=1`` (set by
``scripts/test.sh``, so by CI) a missing service fails the tests; otherwise it skips them.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator

import pytest

from tests.harness import ThrowawayPostgres


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/deploy" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.postgres)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def missing(what: str) -> None:
    """Fail (CI: PARTNERMAP_REQUIRE_POSTGRES=1) or skip because ``what`` is missing."""
    text = f"{what}: install it with `bash scripts/setup.sh --test`"
    if os.environ.get("PARTNERMAP_REQUIRE_POSTGRES") == "1":
        pytest.fail(text)
    pytest.skip(text)


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[ThrowawayPostgres]:
    """A throwaway PostgreSQL cluster (not the shared 15/main), removed afterwards."""
    try:
        pg = ThrowawayPostgres()
    except (RuntimeError, OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", "") or exc
        missing(f"cannot start a throwaway PostgreSQL cluster ({detail})")
    try:
        yield pg
    finally:
        pg.destroy()


@pytest.fixture
def own_pg_url(own_postgres: ThrowawayPostgres) -> str:
    """A fresh PostGIS database in the throwaway cluster (started if a test stopped it)."""
    own_postgres.ensure_running()
    return own_postgres.create_database(f"pm_{uuid.uuid4().hex[:12]}")


@pytest.fixture(scope="session")
def nginx_bin() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    if not found:
        missing("nginx is missing")
    return found
