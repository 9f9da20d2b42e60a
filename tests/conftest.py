"""Shared test fixtures.

PostgreSQL: ``scripts/test.sh`` starts the Debian PostgreSQL cluster and exports
``PARTNERMAP_TEST_PG_URL``; with ``PARTNERMAP_REQUIRE_POSTGRES=1`` (set by the test
command, so by CI) a missing server fails the tests instead of skipping them.
"""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

# One Chromium for the whole run (session scope), shared by tests/browser and tests/deploy:
# Playwright's sync API allows one running instance per process, so the fixture must be
# defined once, here, not in each folder's conftest.
from tests.harness import browser  # noqa: F401,E402  (a fixture)

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def pytest_configure(config: pytest.Config) -> None:
    # Cached copies of the frames (geo.db.snapshot) for PostgreSQL test databases go to
    # a temporary folder, not var/cache of the checkout (app servers started by the
    # browser tests inherit it).
    if "PARTNERMAP_CACHE_DIR" not in os.environ:
        import tempfile

        os.environ["PARTNERMAP_CACHE_DIR"] = tempfile.mkdtemp(prefix="partnermap-cache-")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


def _pg_base_url() -> str | None:
    return os.environ.get("PARTNERMAP_TEST_PG_URL") or None


def fresh_pg_database() -> Iterator[str]:
    """Create a fresh, empty PostgreSQL + PostGIS database, yield its URL, drop it."""
    base = _pg_base_url()
    if not base:
        if os.environ.get("PARTNERMAP_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL is required (PARTNERMAP_TEST_PG_URL is not set)")
        pytest.skip("PostgreSQL not configured: run the tests with scripts/test.sh")
    import sqlalchemy as sa

    name = f"pm_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = base.rsplit("/", 1)[0] + "/" + name
    eng = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
    eng.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_url():
    """A fresh, empty PostgreSQL + PostGIS database for one test; dropped afterwards."""
    yield from fresh_pg_database()


@pytest.fixture(scope="module")
def pg_module_url():
    """A fresh, empty PostgreSQL + PostGIS database shared by one test module."""
    yield from fresh_pg_database()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'partnermap.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """Run a storage test once on SQLite and once on PostgreSQL + PostGIS."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'partnermap.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def downloads(monkeypatch) -> dict[str, object]:
    """File name -> the bytes (or, for deferred downloads, the callable) each download
    button of an AppTest run hands the browser, caught on Streamlit's real media manager."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    files: dict[str, object] = {}
    add, add_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def spy_add(mgr, data, mimetype, coordinates, file_name=None, *args, **kwargs):
        files[file_name] = data
        return add(mgr, data, mimetype, coordinates, file_name, *args, **kwargs)

    def spy_add_deferred(mgr, make, mimetype, coordinates, file_name=None, *args, **kwargs):
        files[file_name] = make
        return add_deferred(mgr, make, mimetype, coordinates, file_name, *args, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add", spy_add)
    monkeypatch.setattr(MediaFileManager, "add_deferred", spy_add_deferred)
    return files
