"""The command line: export, backup and restore against DATABASE_URL."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd

from geo.db import open_store
from tests.test_db_sample import sample_frames

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _geo(*args, url):
    env = {**os.environ, "DATABASE_URL": url, "PARTNERMAP_SAMPLE_DATA": "0"}
    return subprocess.run([sys.executable, "-m", "geo", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


def test_cli_export_backup_restore(db_url, tmp_path):
    store = open_store(db_url)
    store.load_frames(sample_frames(), actor="t")
    out = _geo("export", "--what", "sites", "-o", str(tmp_path / "sites.csv"), url=db_url)
    assert out.returncode == 0, out.stderr
    sites = pd.read_csv(tmp_path / "sites.csv", dtype=str, keep_default_na=False)
    assert set(sites["district_geoid"]) == {"1201110", ""}
    out = _geo("export", "--what", "activities", "-o", str(tmp_path / "a.geojson"), url=db_url)
    assert out.returncode == 0, out.stderr
    assert len(json.loads((tmp_path / "a.geojson").read_text())["features"]) == 4

    out = _geo("backup", "-o", str(tmp_path / "b.gpkg"), url=db_url)
    assert out.returncode == 0 and "without password hashes" in out.stdout
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    out = _geo("restore", str(tmp_path / "b.gpkg"), url=fresh)
    assert out.returncode == 0, out.stderr
    assert "restored 2 partners, 3 sites, 4 activities" in out.stdout
    out = _geo("export", "--what", "sites", "-o", str(tmp_path / "again.csv"), url=fresh)
    assert (tmp_path / "again.csv").read_bytes() == (tmp_path / "sites.csv").read_bytes()
    restored = open_store(fresh).audit_log()
    assert restored.iloc[0]["actor"].startswith("cli")


def test_cli_restore_refuses_non_empty_database(db_url, tmp_path):
    store = open_store(db_url)
    store.load_frames(sample_frames(), actor="t")
    assert _geo("backup", "-o", str(tmp_path / "b.gpkg"), url=db_url).returncode == 0
    out = _geo("restore", str(tmp_path / "b.gpkg"), url=db_url)
    assert out.returncode == 2
    assert "already holds 2 partner(s)" in out.stderr and "Traceback" not in out.stderr
    assert len(store.frames().partners) == 2


def test_cli_bad_arguments_get_plain_messages(sqlite_url, tmp_path):
    out = _geo("export", "--what", "sites", "-o", str(tmp_path / "x.kml"), url=sqlite_url)
    assert out.returncode == 2 and "end the file name with .csv" in out.stderr
    out = _geo("restore", str(tmp_path / "missing.gpkg"), url=sqlite_url)
    assert out.returncode == 2 and "no backup file" in out.stderr
    out = _geo("backup", "-o", str(tmp_path / "b.zip"), url=sqlite_url)
    assert out.returncode == 2 and "*.gpkg" in out.stderr
    out = _geo("export", "--what", "sites", "-o", str(tmp_path / "s.csv"), url="mysql://x/y")
    assert out.returncode == 2 and "cannot open the database" in out.stderr
