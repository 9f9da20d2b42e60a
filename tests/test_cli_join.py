"""``python -m geo join``: real files in, real files out, exit codes and messages."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

from geo.cli import main

REPO = Path(__file__).resolve().parent.parent
INGEST = Path(__file__).resolve().parent / "fixtures" / "ingest"
GOOD, BAD = INGEST / "good", INGEST / "bad"
REQUIRED = [
    "state", "state_fips", "county_fips", "county", "district_geoid", "district_name",
    "secondary_district_geoid", "secondary_district_name", "location_source", "issues",
]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    """The real command, as a user types it, from the repository root."""
    return subprocess.run(
        [sys.executable, "-m", "geo", "join", *args],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )


def _reference() -> pd.DataFrame:
    return pd.read_csv(GOOD / "fl_sites.csv", dtype=str, keep_default_na=False)


def test_good_run_writes_every_column_and_the_right_districts(tmp_path: Path) -> None:
    out = tmp_path / "located.csv"
    result = _run(str(GOOD / "fl_sites.csv"), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "11 rows read; 11 located by coordinates, 0 by ZIP centroid, 0 not located; " \
           "0 warnings, 0 rows with errors" in result.stderr
    ref = _reference()
    got = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(got.columns[: len(ref.columns)]) == list(ref.columns)  # input columns kept
    assert set(REQUIRED) <= set(got.columns)
    assert got[ref.columns].equals(ref)  # one row per input row, same order, values intact
    assert list(got["district_geoid"]) == list(ref["DISTRICTID"])
    assert set(got["location_source"]) == {"coordinates"}
    assert set(got["issues"]) == {""}
    assert set(got["state"]) == {"FL"}


def test_elementary_and_secondary_in_the_output(tmp_path: Path) -> None:
    out = tmp_path / "il.csv"
    assert main(["join", str(GOOD / "il_elementary_secondary.csv"), "-o", str(out)]) == 0
    row = pd.read_csv(out, dtype=str, keep_default_na=False).iloc[0]
    assert (row["district_geoid"], row["secondary_district_geoid"]) == ("1714460", "1714490")


@pytest.mark.parametrize("ext", [".csv", ".geojson", ".gpkg", ".parquet"])
def test_every_output_format(tmp_path: Path, ext: str, capsys) -> None:
    out = tmp_path / f"bad_rows{ext}"
    assert main(["join", str(BAD / "bad_rows.csv"), "-o", str(out)]) == 0
    if ext == ".csv":
        got = pd.read_csv(out, dtype=str, keep_default_na=False)
    elif ext == ".parquet":
        got = gpd.read_parquet(out)
    else:
        got = pyogrio.read_dataframe(out)
    assert len(got) == 14  # one row per input row, the unlocated ones too
    assert set(REQUIRED) <= set(got.columns)
    assert list(got["site_id"])[:3] == ["120144000839", "B3", "B4"]
    located = got["location_source"] != "none"
    assert int(located.sum()) == 5
    if ext != ".csv":
        assert got.crs.to_epsg() == 4326
        assert got.geometry[located.to_numpy()].notna().all()
        assert got.geometry[~located.to_numpy()].isna().all()
        pts = got.geometry[located.to_numpy()]
        assert (pts.y.round(6) == got.loc[located, "latitude"].astype(float).round(6)).all()
    zip_row = got[got["site_id"] == "B13"].iloc[0]
    assert zip_row["location_source"] == "zip_centroid"
    assert "approximate location (ZIP centroid)" in zip_row["issues"]
    assert capsys.readouterr().err.count("14 rows read") == 1


def test_geopackage_keeps_input_columns_that_differ_only_by_case(tmp_path: Path) -> None:
    out = tmp_path / "fl.gpkg"
    assert main(["join", str(GOOD / "fl_sites.csv"), "-o", str(out)]) == 0
    got = pyogrio.read_dataframe(out)
    assert list(got["STATE_input"]) == ["FL"] * 11 and list(got["state"]) == ["FL"] * 11
    assert list(got["COUNTY_input"])[0] == "MIAMI-DADE" and list(got["county"])[0] == "Miami-Dade"


def test_bad_rows_exit_zero_with_summary_and_issues(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    result = _run(str(BAD / "bad_rows.csv"), "-o", str(out))
    assert result.returncode == 0
    assert "14 rows read; 4 located by coordinates, 1 by ZIP centroid, 9 not located; " \
           "5 warnings, 11 rows with errors (see the issues column)" in result.stderr
    assert "'state' is called 'state_input'" in result.stderr
    got = pd.read_csv(out, dtype=str, keep_default_na=False).set_index("site_id")
    assert got.loc["B7", "issues"].startswith(
        "error (latitude): Latitude and longitude look swapped")
    assert got.loc["B6", "latitude_input"] == "128.5" and got.loc["B6", "latitude"] == ""


def test_csv_output_neutralises_formulas_but_not_negative_numbers(tmp_path: Path) -> None:
    src = tmp_path / "evil.csv"
    src.write_text(
        'name,latitude,longitude\n"=HYPERLINK(""http://x"",""y"")",28.5456719,-81.4953248\n',
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    assert main(["join", str(src), "-o", str(out)]) == 0
    got = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert got.loc[0, "name"].startswith("'=HYPERLINK")
    assert got.loc[0, "longitude_input"] == "-81.4953248"
    assert got.loc[0, "district_geoid"] == "1201440"


# --- files that cannot be read: exit 2, a plain message, nothing written -----------------
@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("not_a_table.csv", "does not look like a text file"),
        ("empty.csv", "is empty"),
        ("sites.kml", "unsupported file type"),
        ("corrupt_shp.zip", "not a valid zip file"),
        ("no_location_columns.csv", "Recognised column names"),
        ("does_not_exist.csv", "no such file"),
    ],
)
def test_unreadable_input_exits_2_without_traceback(tmp_path: Path, name: str,
                                                    fragment: str) -> None:
    out = tmp_path / "out.csv"
    result = _run(str(BAD / name), "-o", str(out))
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and fragment in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []  # no output, no temporary leftovers


def test_failed_run_leaves_an_existing_output_untouched(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    out.write_text("previous result\n", encoding="utf-8")
    assert main(["join", str(BAD / "empty.csv"), "-o", str(out)]) == 2
    assert out.read_text(encoding="utf-8") == "previous result\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_unknown_output_type_and_overwriting_the_input(tmp_path: Path, capsys) -> None:
    assert main(["join", str(GOOD / "fl_sites.csv"), "-o", str(tmp_path / "out.kml")]) == 2
    assert "Use one of: .csv, .geojson, .gpkg, .parquet" in capsys.readouterr().err
    copy = tmp_path / "sites.csv"
    copy.write_bytes((GOOD / "fl_sites.csv").read_bytes())
    assert main(["join", str(copy), "-o", str(copy)]) == 2
    assert "overwrite the input" in capsys.readouterr().err
    assert copy.read_bytes() == (GOOD / "fl_sites.csv").read_bytes()


def test_missing_output_folder(tmp_path: Path, capsys) -> None:
    assert main(["join", str(GOOD / "fl_sites.csv"), "-o", str(tmp_path / "no" / "x.csv")]) == 2
    assert "does not exist" in capsys.readouterr().err
