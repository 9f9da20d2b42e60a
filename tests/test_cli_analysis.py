"""``python -m geo scan|overlaps|coverage`` against a real temporary SQLite database."""
from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
import pytest

from geo.db import open_store
from test_analysis_places import LEON_DISTRICT, florida_frames

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def db_env(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'pm.db'}"
    store = open_store(url)
    frames = florida_frames()
    # Dates as date objects / None: geo.db's loader (first version) fails on NaT in a
    # datetime64 column (KeyError: None in validation._date); reported to its owner.
    for col in ("start_date", "end_date"):
        dates = frames.activities[col]
        frames.activities[col] = pd.Series([d.date() if pd.notna(d) else None for d in dates],
                                           dtype=object)
    store.load_frames(frames, actor="test")
    store.engine.dispose()
    return {**os.environ, "DATABASE_URL": url, "PARTNERMAP_SAMPLE_DATA": "0"}


def _run(env, *args):
    return subprocess.run([sys.executable, "-m", "geo", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


def test_scan_district_with_needs(db_env, tmp_path):
    out = tmp_path / "scan.csv"
    r = _run(db_env, "scan", "--district", LEON_DISTRICT, "--needs", "Family Engagement;funding",
             "-o", str(out))
    assert r.returncode == 0, r.stderr
    df = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert df.iloc[0]["partner"] == "Tallahassee Family Alliance"
    assert df.iloc[0]["fit_score"] == "70.0"
    assert "works on Family Engagement" in df.iloc[0]["fit_reasons"]
    assert set(df["presence"]) == {"in this place", "covers this place (state-wide work)"}
    assert "3 partners in Leon County School District, FL" in r.stderr


def test_scan_point_radius_lists_distance(db_env, tmp_path):
    out = tmp_path / "scan.csv"
    r = _run(db_env, "scan", "--point", "26.7504496,-80.0634655", "--radius-mi", "1",
             "-o", str(out))
    assert r.returncode == 0, r.stderr
    df = pd.read_csv(out).set_index("partner")
    assert 0.6 < df.loc["Glades Learning Lab", "nearest_mi"] < 0.7


def test_scan_errors_are_plain(db_env, tmp_path):
    out = tmp_path / "x.csv"
    r = _run(db_env, "scan", "--district", "1299999", "-o", str(out))
    assert (r.returncode == 2 and "No school district with GEOID 1299999" in r.stderr
            and "Traceback" not in r.stderr)
    r = _run(db_env, "scan", "--state", "FL", "--needs", "Fundraising", "-o", str(out))
    assert r.returncode == 2 and "Fundraising" in r.stderr and "Family Engagement" in r.stderr
    assert not out.exists()


def test_overlaps_level_pairs_and_nearby(db_env, tmp_path):
    out = tmp_path / "o.csv"
    assert _run(db_env, "overlaps", "--level", "district", "-o", str(out)).returncode == 0
    df = pd.read_csv(out, dtype=str)
    assert list(df["place_id"]) == [LEON_DISTRICT, "1201500"]
    assert _run(db_env, "overlaps", "--pairs", "-o", str(out)).returncode == 0
    assert len(pd.read_csv(out)) == 4
    assert _run(db_env, "overlaps", "--nearby-mi", "1", "-o", str(out)).returncode == 0
    near = pd.read_csv(out)
    assert len(near) == 1 and near.iloc[0]["distance_mi"] < 1


def test_coverage_district_with_need_and_as_of(db_env, tmp_path):
    out = tmp_path / "c.csv"
    r = _run(db_env, "coverage", "--level", "district", "-o", str(out))
    assert r.returncode == 0, r.stderr
    df = pd.read_csv(out, dtype={"place_id": str})
    assert len(df) > 13000
    leon = df.set_index("place_id").loc[LEON_DISTRICT]
    assert leon["partners"] == 3 and leon["children_in_poverty"] > 0
    r = _run(db_env, "coverage", "--level", "state", "--as-of", "2019-12-31", "-o", str(out))
    assert r.returncode == 0, r.stderr
    fl = pd.read_csv(out, dtype={"place_id": str}).set_index("place_id").loc["12"]
    assert fl["activities"] == 3
    r = _run(db_env, "coverage", "--level", "state", "--as-of", "31/12/2019", "-o", str(out))
    assert r.returncode == 2 and "YYYY-MM-DD" in r.stderr
