"""``python -m geo import`` as a user runs it, against SQLite and PostgreSQL."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

from geo.db import open_store
from tests.test_import_bad_input import snapshot

REPO = Path(__file__).resolve().parent.parent
IMPORT = REPO / "tests" / "fixtures" / "import"


def _geo(*args, url, **env):
    full = {**os.environ, "DATABASE_URL": url, "PARTNERMAP_SAMPLE_DATA": "0", **env}
    return subprocess.run([sys.executable, "-m", "geo", "import", *map(str, args)], cwd=REPO,
                          env=full, capture_output=True, text=True, timeout=180)


def test_sites_for_one_partner_then_reimport_is_refused(db_url, tmp_path):
    out = _geo(IMPORT / "fl_schools_extract.csv", "--kind", "sites", "--partner",
               "Florida Community Schools Network", url=db_url)
    assert out.returncode == 0, out.stderr
    assert "imported 1 partners, 32 sites, 0 activities" in out.stdout
    assert "not listed publicly" in out.stdout
    store = open_store(db_url)
    before = snapshot(store)
    rejects = tmp_path / "rejects.csv"
    out = _geo(IMPORT / "fl_schools_extract.csv", "--kind", "sites", "--partner",
               "florida community schools network", "--rejects", rejects, url=db_url)
    assert out.returncode == 1
    assert "row 2, column 'NCESID': error: This site is already in the database" in out.stderr
    assert "nothing was written" in out.stderr and "Traceback" not in out.stderr
    assert snapshot(store) == before
    rejected = pd.read_csv(rejects, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert len(rejected) == 32 and rejected["LONGITUDE"].iloc[0].startswith("-8")


def test_errors_listed_nothing_written_unless_skip_bad_rows(db_url, tmp_path):
    store = open_store(db_url)
    before = snapshot(store)
    out = _geo(IMPORT / "activities_bad_rows.csv", "--kind", "activities", url=db_url)
    assert out.returncode == 1
    assert "row 4, column 'start_date': error: '09/01/2024' is not a date in the format " \
        "YYYY-MM-DD. Fix: Write it as 2024-09-01" in out.stderr
    assert "row 11, column 'contact': error:" in out.stderr
    assert "13 row(s) have errors, so nothing was written" in out.stderr
    assert snapshot(store) == before
    out = _geo(IMPORT / "activities_bad_rows.csv", "--kind", "activities", "--dry-run",
               "--skip-bad-rows", url=db_url)
    assert out.returncode == 0 and "dry run: nothing written" in out.stdout
    assert snapshot(store) == before
    out = _geo(IMPORT / "activities_bad_rows.csv", "--kind", "activities", "--skip-bad-rows",
               url=db_url)
    assert out.returncode == 0, out.stderr
    assert "imported 1 partners, 1 sites, 1 activities" in out.stdout
    assert "13 rejected rows skipped" in out.stdout


def test_map_option_and_missing_columns(sqlite_url, tmp_path):
    path = tmp_path / "work.csv"
    path.write_text("Who,Where,What,Lat,Lon\nLeon Education Foundation,Leon High School,"
                    "funding,30.4456207,-84.2755025\n", encoding="utf-8")
    out = _geo(path, "--kind", "activities", url=sqlite_url)
    assert out.returncode == 1
    assert "no 'partner' column" in out.stderr and "no 'kind_of_work' column" in out.stderr
    assert "--map SRC=TARGET" in out.stderr
    out = _geo(path, "--kind", "activities", "--map", "Who=partner", "--map", "where=site_name",
               "--map", "What=kind_of_work", url=sqlite_url)
    assert out.returncode == 0, out.stderr
    activities = open_store(sqlite_url).frames().activities
    assert activities["kind_of_work"].tolist() == ["funding"]
    out = _geo(path, "--kind", "activities", "--map", "Who=colour", url=sqlite_url)
    assert out.returncode == 2 and "'colour' is not a column of the import format" in out.stderr


def test_close_partner_name_needs_a_decision(sqlite_url, tmp_path):
    store = open_store(sqlite_url)
    pid = store.add_partner({"name": "Communities In Schools"}, actor="t")
    path = tmp_path / "sites.csv"
    path.write_text("partner,site_name,latitude,longitude\nCommunities in School,Leon High "
                    "School,30.4456207,-84.2755025\n", encoding="utf-8")
    before = snapshot(store)
    out = _geo(path, "--kind", "sites", url=sqlite_url)
    assert out.returncode == 1
    assert "'Communities In Schools' (partner 1) is close" in out.stderr
    assert "--same-partner" in out.stderr and snapshot(store) == before
    out = _geo(path, "--kind", "sites", "--same-partner", f"Communities in School={pid}",
               url=sqlite_url)
    assert out.returncode == 0, out.stderr
    frames = store.frames()
    assert len(frames.partners) == 1 and frames.sites["partner_id"].tolist() == [pid]


def test_size_limit_from_settings(sqlite_url, tmp_path):
    path = tmp_path / "big.csv"
    row = "Leon Education Foundation,Leon High School,30.4456207,-84.2755025\n"
    path.write_text("partner,site_name,latitude,longitude\n" + row * 20000, encoding="utf-8")
    out = _geo(path, "--kind", "sites", url=sqlite_url, PARTNERMAP_MAX_UPLOAD_MB="1")
    assert out.returncode == 1
    assert "big.csv is 1.3 MB, more than the import limit of 1 MB" in out.stderr
    assert open_store(sqlite_url).is_empty()


def test_a_yes_no_community_school_column_decides_the_site_kind(db_url, tmp_path):
    path = tmp_path / "schools.csv"
    path.write_text("School,Is community school?,Lat,Lon\n"
                    "Leon High School,Y,30.4456207,-84.2755025\n"
                    "Godby High School,N,30.4729,-84.3346\n"
                    "Rickards High School,sometimes,30.4647,-84.2417\n", encoding="utf-8")
    store = open_store(db_url)
    out = _geo(path, "--kind", "sites", "--partner", "Leon Education Foundation", url=db_url)
    assert out.returncode == 1
    assert "row 4, column 'Is community school?': error: 'sometimes' is not Yes or No. " \
        "Fix: Write Yes or No" in out.stderr
    assert store.is_empty()
    out = _geo(path, "--kind", "sites", "--partner", "Leon Education Foundation",
               "--skip-bad-rows", url=db_url)
    assert out.returncode == 0, out.stderr
    sites = store.frames().sites.set_index("name")
    assert sites["site_kind"].to_dict() == {"Leon High School": "community_school",
                                            "Godby High School": "school"}
