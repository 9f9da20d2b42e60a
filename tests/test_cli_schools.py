"""The school directory and the placement options on the command line, run as a user runs
them: ``geo schools load|list|count``, ``geo join --crs/--sheet/--schools``, ``geo import``.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from geo.db import open_store

REPO = Path(__file__).resolve().parent.parent
PLACE = Path(__file__).resolve().parent / "fixtures" / "place"
# The bundled directory (data/schools_fl.parquet) written as the CSV a user would load.
SCHOOLS_COLUMNS = {"school_id": "NCESSCH", "name": "SCH_NAME", "city": "LCITY",
                   "state": "STABR", "zip": "LZIP", "latitude": "LAT", "longitude": "LON",
                   "leaid": "LEAID"}


def geo(url: str | None, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PARTNERMAP_SAMPLE_DATA="0")
    if url is None:
        env["DATABASE_URL"] = "sqlite:///" + str(Path(args[-1]).parent / "none" / "no.db")
    else:
        env["DATABASE_URL"] = url
    return subprocess.run([sys.executable, "-m", "geo", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def nces_file(tmp_path_factory) -> Path:
    """The Florida directory in NCES EDGE column names (NCESSCH, SCH_NAME, LCITY, ...)."""
    frame = pd.read_parquet(REPO / "data" / "schools_fl.parquet")
    path = tmp_path_factory.mktemp("schools") / "edge_fl.csv"
    frame.rename(columns=SCHOOLS_COLUMNS).to_csv(path, index=False)
    return path


def test_load_list_count_on_both_back_ends(db_url, nces_file) -> None:
    loaded = geo(db_url, "schools", "load", str(nces_file))
    assert loaded.returncode == 0, loaded.stderr
    assert "loaded 4,337 schools from edge_fl.csv" in loaded.stdout
    count = geo(db_url, "schools", "count")
    assert count.stdout.splitlines() == ["4,337 schools in the directory", "FL\t4,337"]
    listed = geo(db_url, "schools", "list", "--limit", "2")
    lines = listed.stdout.splitlines()
    assert lines[0] == "school_id,name,city,state,zip,latitude,longitude,leaid"
    assert lines[1].startswith("120000207976,FLORIDA VIRTUAL ELEMENTARY SCHOOL,ORLANDO,FL,")
    with open_store(db_url) as store:  # loading again replaces, and is audited
        store.load_schools(store.schools_frame().head(3), source="x", actor="test")
        assert store.school_count() == 3
        assert len(store.audit_log(table="schools")) == 2


def test_load_refuses_a_file_without_names(sqlite_url, tmp_path) -> None:
    path = tmp_path / "ids.csv"
    path.write_text("id,lat,lon\n1,28.5,-81.4\n", encoding="utf-8")
    result = geo(sqlite_url, "schools", "load", str(path))
    assert result.returncode == 2
    assert "ids.csv: the school file has no name column" in result.stderr


def test_join_matches_names_against_a_school_file_without_loading_it(nces_file,
                                                                    tmp_path) -> None:
    out = tmp_path / "casual.csv"
    result = geo(None, "join", str(PLACE / "fl_casual_names.csv"), "-o", str(out),
                 "--schools", str(nces_file))
    assert result.returncode == 0, result.stderr
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert set(frame["school_match"]) == {"name", "review"}
    assert (frame["school_match"] == "name").mean() >= 0.85
    assert "by school directory" in result.stderr and "to review" in result.stderr
    assert not (tmp_path / "none").exists()  # join created no database


def test_join_with_crs_and_summary_per_kind(tmp_path) -> None:
    out = tmp_path / "plane.csv"
    result = geo(None, "join", str(PLACE / "fl_state_plane_bare.csv"), "-o", str(out),
                 "--crs", "EPSG:2236")
    assert result.returncode == 0, result.stderr
    frame = pd.read_csv(out, dtype={"district_geoid": str})
    truth = pd.read_csv(PLACE / "truth_state_plane.csv", dtype=str)
    assert (frame["latitude"] - truth["LATITUDE"].astype(float)).abs().max() < 1e-6
    assert "80 located by coordinates" in result.stderr
    told = geo(None, "join", str(PLACE / "fl_state_plane_bare.csv"), "-o", str(out))
    assert "look like projected coordinates" in told.stderr and "--crs EPSG:NNNN" in told.stderr


def test_join_reads_the_sheet_asked_for(tmp_path) -> None:
    out = tmp_path / "sheet.csv"
    result = geo(None, "join", str(PLACE / "fl_sites_sheets.xlsx"), "-o", str(out),
                 "--sheet", "Sites")
    assert result.returncode == 0, result.stderr
    assert len(pd.read_csv(out)) == 12
    wrong = geo(None, "join", str(PLACE / "fl_sites_sheets.xlsx"), "-o", str(out),
                "--sheet", "Sties")
    assert wrong.returncode == 2 and "has no sheet 'Sties'" in wrong.stderr


def test_import_places_school_names_with_the_loaded_directory(sqlite_url, nces_file) -> None:
    assert geo(sqlite_url, "schools", "load", str(nces_file)).returncode == 0
    result = geo(sqlite_url, "import", str(PLACE / "fl_casual_names.csv"), "--kind", "sites",
                 "--partner", "Casual Partner", "--skip-bad-rows")
    assert result.returncode == 0, result.stderr
    assert "placed: 292 by school directory, 8 not placed; 8 school name(s) to review" \
        in result.stderr
    with open_store(sqlite_url) as store:
        sites = store.frames().sites
    assert len(sites) == 292 and set(sites["location_source"]) == {"school_directory"}
