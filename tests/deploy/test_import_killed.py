"""An import killed with SIGKILL in the middle of writing leaves the database exactly as
it was before the import, and openable, on SQLite and on PostgreSQL.

The file: the 300 Florida public schools of ``tests/fixtures/fl_schools_sample.csv``
(HIFLD, public domain; see tests/fixtures/README.md), repeated with the copy number in
the name (so each row is a new site at the school's point): 45,000 rows, so
the single write transaction lasts long enough to be caught. ``python -m geo import``
runs in a subprocess; the test waits until that process is inside its write
transaction (SQLite: the database's write lock is
taken; PostgreSQL: its session holds a transaction id, i.e. has written rows), then
kills it with SIGKILL.
"""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from geo.db import open_store
from tests.harness import REPO

SCHOOLS = REPO / "tests" / "fixtures" / "fl_schools_sample.csv"
COPIES = 150
PARTNER = "Sunshine State Community Schools Network"
WRITE_TIMEOUT_S = 300


@pytest.fixture(scope="module")
def big_file(tmp_path_factory) -> Path:
    schools = pd.read_csv(SCHOOLS, dtype=str, usecols=["NAME", "LATITUDE", "LONGITUDE", "ZIP"])
    lat = schools["LATITUDE"].astype(float)
    lon = schools["LONGITUDE"].astype(float)
    parts = [pd.DataFrame({"site_name": schools["NAME"] + f" (campus {k + 1})",
                           "latitude": lat.round(6),
                           "longitude": lon.round(6), "zip": schools["ZIP"]})
             for k in range(COPIES)]
    path = tmp_path_factory.mktemp("import") / "fl_sites_large.csv"
    pd.concat(parts, ignore_index=True).to_csv(path, index=False)
    return path


def _snapshot(url: str) -> dict[str, object]:
    store = open_store(url, cache_dir=False)
    try:
        frames = store.frames(include_deleted=True)
        return {"version": store.data_version(),
                "partners": frames.partners.to_dict("records"),
                "sites": len(frames.sites), "activities": len(frames.activities),
                "audit": len(store.audit_log(limit=1_000_000))}
    finally:
        store.close()


def _seed(url: str) -> None:
    store = open_store(url, cache_dir=False)
    try:
        pid = store.add_partner({"name": "Gulf Coast Learning Partners", "type": "nonprofit"},
                                actor="staff@example.org")
        store.add_site({"partner_id": pid, "name": "Leon High School", "latitude": 30.4456207,
                        "longitude": -84.2755025, "state_fips": "12", "county_fips": "12073",
                        "district_geoid": "1201110", "secondary_district_geoid": ""},
                       actor="staff@example.org")
    finally:
        store.close()


def _sqlite_writing(path: Path) -> bool:
    """True while another process holds the write lock of the SQLite file."""
    conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            return True
        raise
    finally:
        conn.close()


def _pg_writing(url: str):  # noqa: ANN202
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")

    def writing() -> bool:
        with engine.connect() as conn:
            return conn.execute(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()")).scalar_one() > 0
    return writing, engine


def _import_and_kill(url: str, big_file: Path, writing, tmp_path: Path) -> float:  # noqa: ANN001
    """Start the import, kill it once it is writing; seconds it had been writing for."""
    log = open(tmp_path / "import.log", "wb")
    env = dict(os.environ, DATABASE_URL=url, PARTNERMAP_SAMPLE_DATA="0",
               PARTNERMAP_CACHE_DIR="off")
    proc = subprocess.Popen([sys.executable, "-m", "geo", "import", str(big_file), "--kind",
                             "sites", "--partner", PARTNER], cwd=REPO, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + WRITE_TIMEOUT_S
        while not writing():
            assert proc.poll() is None, (
                "the import ended before it was seen writing:\n"
                + (tmp_path / "import.log").read_text(errors="replace"))
            assert time.monotonic() < deadline, "the import never started writing"
            time.sleep(0.02)
        seen = time.monotonic()
        time.sleep(0.3)  # well inside the write: 45,000 rows take seconds
        assert proc.poll() is None, "the import finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        return time.monotonic() - seen
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()


def test_import_killed_mid_write_on_sqlite_leaves_the_database_as_before(big_file, tmp_path):
    path = tmp_path / "partnermap.db"
    url = f"sqlite:///{path}"
    _seed(url)
    before = _snapshot(url)
    _import_and_kill(url, big_file, lambda: _sqlite_writing(path), tmp_path)
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    assert _snapshot(url) == before
    assert not _sqlite_writing(path)  # the lock went with the process: writable again


def test_import_killed_mid_write_on_postgres_leaves_the_database_as_before(big_file, tmp_path,
                                                                         own_pg_url):
    _seed(own_pg_url)
    before = _snapshot(own_pg_url)
    writing, engine = _pg_writing(own_pg_url)
    try:
        _import_and_kill(own_pg_url, big_file, writing, tmp_path)
        deadline = time.monotonic() + 30
        while writing():  # the server notices the dead client and rolls back
            assert time.monotonic() < deadline, "the killed import's transaction stayed open"
            time.sleep(0.05)
    finally:
        engine.dispose()
    assert _snapshot(own_pg_url) == before
