"""geo.locate on real files and the bundled boundary layers."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geo.locate import ADDED_COLUMNS, detect_columns, locate_frame, with_issues
from geo.problems import Problem, Report
from geo.read import ReadError, read_sites

INGEST = Path(__file__).resolve().parent / "fixtures" / "ingest"
GOOD, BAD = INGEST / "good", INGEST / "bad"
ALL_FORMATS = [
    "fl_sites.csv", "fl_sites.xlsx", "fl_sites.geojson", "fl_sites.gpkg", "fl_sites_shp.zip",
    "fl_sites_3857.gpkg", "fl_sites_26917_shp.zip", "fl_sites_cp1252.csv",
]


def _locate(path: Path, **columns: str) -> tuple[pd.DataFrame, Report]:
    report = Report()
    frame = read_sites(path, report=report)
    return locate_frame(frame, report=report, **columns), report


def _reference() -> pd.DataFrame:
    return pd.read_csv(GOOD / "fl_sites.csv", dtype=str, keep_default_na=False)


# --- column detection ----------------------------------------------------------------
def test_detect_columns_knows_the_usual_names() -> None:
    assert detect_columns(["Name", "LAT", "Lng", "Zip Code", "ST", "Site ID"]) == {
        "latitude": "LAT", "longitude": "Lng", "zip": "Zip Code", "state": "ST", "id": "Site ID",
    }
    assert detect_columns(["y", "x", "postal_code"]) == {
        "latitude": "y", "longitude": "x", "zip": "postal_code",
    }
    assert detect_columns(["Latitude", "LONG"]) == {"latitude": "Latitude", "longitude": "LONG"}


def test_detect_prefers_the_most_specific_name() -> None:
    # The HIFLD header has both Long/Lat and LATITUDE/LONGITUDE; and ZIP4 is not a ZIP.
    header = ["Long", "Lat", "NCESID", "NAME", "STATE", "ZIP", "ZIP4", "LATITUDE", "LONGITUDE"]
    assert detect_columns(header) == {
        "latitude": "LATITUDE", "longitude": "LONGITUDE", "zip": "ZIP", "state": "STATE",
        "id": "NCESID",
    }


# --- the same sites, whatever the format ------------------------------------------------
@pytest.mark.parametrize("name", ALL_FORMATS)
def test_every_format_locates_the_same_sites_in_their_districts(name: str) -> None:
    ref = _reference()
    frame, report = _locate(GOOD / name)
    assert len(frame) == len(ref)
    assert np.allclose(frame["latitude"], ref["LATITUDE"].astype(float), atol=1e-6)
    assert np.allclose(frame["longitude"], ref["LONGITUDE"].astype(float), atol=1e-6)
    assert list(frame["location_source"]) == ["coordinates"] * len(ref)
    assert list(frame["district_geoid"]) == list(ref["DISTRICTID"])
    assert set(frame["state"]) == {"FL"} and set(frame["state_fips"]) == {"12"}
    assert frame.loc[frame["NAME"].str.startswith("KEY WEST"), "county"].item() == "Monroe"
    assert report.errors() == []


def test_elementary_and_secondary_districts_are_both_kept() -> None:
    frame, report = _locate(GOOD / "il_elementary_secondary.csv")
    row = frame.iloc[0]
    assert row["district_geoid"] == str(row["expected_district_geoid"]) == "1714460"
    assert (row["secondary_district_geoid"] == str(row["expected_secondary_district_geoid"])
            == "1714490")
    assert "Evanston" in row["district_name"] and "202" in row["secondary_district_name"]
    assert row["state"] == "IL" and row["county"] == "Cook"
    # The input 'state' column is kept under another name, not overwritten.
    assert row["state_input"] == "IL"
    assert report.errors() == []


def test_zip_only_rows_are_placed_at_the_zip_centroid_and_marked_approximate() -> None:
    ref = _reference()
    report = Report()
    read = read_sites(GOOD / "fl_sites_zip_only.csv", report=report)
    frame = locate_frame(read.drop(columns=["NCESID", "DISTRICTID"]), report=report)
    assert list(frame["location_source"]) == ["zip_centroid"] * len(ref)
    assert list(frame["district_geoid"]) == list(ref["DISTRICTID"])
    # A centroid, not the school: near it but not on it.
    assert not np.allclose(frame["latitude"], ref["LATITUDE"].astype(float), atol=1e-4)
    assert np.allclose(frame["latitude"], ref["LATITUDE"].astype(float), atol=0.2)
    warnings = report.warnings()
    assert len(warnings) == len(ref) and {w.column for w in warnings} == {"ZIP"}
    assert all(w.message.startswith("approximate location (ZIP centroid)") for w in warnings)
    assert "ZIP code 33040" in warnings[6].message  # Key West


def test_nces_ids_put_zip_only_rows_in_their_own_district() -> None:
    ref = _reference()
    frame, report = _locate(GOOD / "fl_sites_zip_only.csv")
    assert list(frame["location_source"]) == ["nces_id"] * len(ref)
    assert list(frame["district_geoid"]) == list(ref["DISTRICTID"])
    assert np.allclose(frame["latitude"], ref["LATITUDE"].astype(float), atol=0.2)
    warnings = report.warnings()
    assert len(warnings) == len(ref) and {w.column for w in warnings} == {"NCESID"}
    assert all(w.message.startswith("approximate location (NCES ID)") for w in warnings)


def test_excel_style_zip_without_leading_zero_is_padded() -> None:
    report = Report()
    frame = pd.DataFrame({"name": ["Boston office"], "zip": [2134]})
    out = locate_frame(frame, report=report)
    assert out.loc[0, "state"] == "MA" and out.loc[0, "district_name"] == "Boston School District"
    restored, centroid = report.warnings()
    assert "'2134' has 4 digits: read as 02134" in restored.message
    assert "ZIP code 02134" in centroid.message


def test_four_digit_zip_in_a_zero_state_gets_its_zero_back_with_a_warning() -> None:
    # Excel drops the leading zero of New Jersey's ZIP codes: 07102 (Newark) -> 7102.
    report = Report()
    frame = pd.DataFrame({"site": ["Newark office"], "state": ["NJ"], "zip": ["7102"]})
    out = locate_frame(frame, report=report)
    assert out.loc[0, "location_source"] == "zip_centroid"
    assert out.loc[0, "state"] == "NJ" and out.loc[0, "county"] == "Essex"
    restored = report.warnings()[0]
    assert restored.column == "zip" and "read as 07102" in restored.message
    assert "NJ's ZIP codes start with 0" in restored.message


# --- every row-level problem, with row, column and message --------------------------------
BAD_ROWS: list[tuple[int, str | None, str, str]] = [
    (2, "site_id", "error", "The ID '120144000839' is used more than once (also in row 11)"),
    (3, "latitude", "error", "Latitude, longitude and ZIP code are empty"),
    (4, "latitude", "error", "The latitude is empty"),
    (5, "latitude", "error", "The latitude 'north' is not a number"),
    (6, "latitude", "error", "The latitude 128.5 is out of range"),
    (7, "latitude", "error", "Latitude and longitude look swapped"),
    (8, "latitude", "error", "is outside the United States"),
    (10, "longitude", "error", "The longitude 81.495325 is positive"),
    (11, "site_id", "error", "used more than once (also in row 2)"),
    (12, "state", "warning", "The state column says 'GA' but the location is in Florida (FL)"),
    (13, "zip", "warning", "approximate location (ZIP centroid)"),
    (14, "zip", "error", "The ZIP code 00000 is not a known ZIP code area"),
    (15, None, "error", "This row has 9 values but the header has 8 columns"),
    (16, "state", "warning", "The state 'Flordia' is not a US state name"),
]


@pytest.fixture(scope="module")
def bad_rows() -> tuple[pd.DataFrame, Report]:
    return _locate(BAD / "bad_rows.csv")


@pytest.mark.parametrize(("row", "column", "severity", "fragment"), BAD_ROWS)
def test_each_bad_row_is_reported_where_it_is(bad_rows, row, column, severity, fragment) -> None:
    _, report = bad_rows
    found = [p for p in report.by_row().get(row, []) if fragment in p.message]
    assert found, f"row {row}: {[str(p) for p in report.by_row().get(row, [])]}"
    problem = found[0]
    assert (problem.column, problem.severity) == (column, severity)
    assert problem.fix  # every problem says how to fix it


def test_bad_rows_fixes_are_specific(bad_rows) -> None:
    _, report = bad_rows
    by_row = report.by_row()
    assert "latitude 30.445543, longitude -84.349493" in by_row[7][0].fix
    assert "-81.495325" in by_row[10][0].fix


def test_bad_rows_keep_one_output_row_each_and_locate_only_good_ones(bad_rows) -> None:
    frame, report = bad_rows
    assert len(frame) == 14
    located = frame["location_source"] != "none"
    # Invariant: coordinates are filled exactly for located rows.
    assert (frame["latitude"].notna() == located).all()
    by_id = frame.set_index("name")
    assert by_id.loc["Downtown Orlando Office", "location_source"] == "zip_centroid"
    assert by_id.loc["Downtown Orlando Office", "district_geoid"] == "1201440"
    # The row whose stated state disagrees is still located (a warning, not an error).
    mismatch = frame[frame["state_input"] == "GA"].iloc[0]
    assert mismatch["state"] == "FL" and mismatch["district_geoid"] == "1201110"
    not_located = set(frame.loc[~located, "site_id"])
    assert not_located == {"B3", "B4", "B5", "B6", "B7", "B8", "B10", "B14", "B15"}
    # Raw values are never lost.
    assert frame.set_index("site_id").loc["B6", "latitude_input"] == "128.5"


def test_issues_column_joins_each_rows_problems(bad_rows) -> None:
    frame, report = bad_rows
    out = with_issues(frame, report=report)
    issues = dict(zip(out["site_id"], out["issues"], strict=True))
    assert issues["B12"].startswith("warning (state): The state column says 'GA'")
    assert issues["B15"].count("; ") >= 1  # several problems in one cell
    assert out.loc[out["note"] == "clean", "issues"].item().startswith("error (site_id)")


def test_whole_file_swapped_is_named_as_such(tmp_path: Path) -> None:
    ref = _reference()
    swapped = ref.rename(columns={"LATITUDE": "LONGITUDE", "LONGITUDE": "LATITUDE"})
    path = tmp_path / "swapped.csv"
    swapped.to_csv(path, index=False)
    frame, report = _locate(path)
    assert (frame["location_source"] == "none").all()
    file_level = [p for p in report.errors() if p.row is None]
    assert len(file_level) == 1 and "Swap the names of the columns" in file_level[0].fix
    assert sum("look swapped" in p.message for p in report.errors()) == len(ref) + 1


def test_site_in_a_territory_has_no_district_and_says_so() -> None:
    report = Report()
    frame = pd.DataFrame({"name": ["San Juan office"], "lat": [18.4655], "lon": [-66.1057]})
    out = locate_frame(frame, report=report)
    assert out.loc[0, "location_source"] == "coordinates" and out.loc[0, "state"] == "PR"
    assert out.loc[0, "district_geoid"] == ""
    [warning] = report.warnings()
    assert warning.row == 2 and "not inside any school district" in warning.message


def test_site_in_a_not_defined_pseudo_district_is_flagged() -> None:
    report = Report()
    frame = pd.DataFrame({"name": ["Yellowstone"], "latitude": [44.568], "longitude": [-110.2476]})
    out = locate_frame(frame, report=report)
    assert out.loc[0, "district_geoid"] == "5699997"
    assert "School District Not Defined" in report.warnings()[0].message


def test_numbers_with_hemisphere_letters_and_decimal_commas() -> None:
    report = Report()
    frame = pd.DataFrame({"lat": ["28,5456719", "28.5456719 N"],
                          "lon": ["-81,4953248", "81.4953248W"]})
    out = locate_frame(frame, report=report)
    assert list(out["district_geoid"]) == ["1201440", "1201440"]
    assert len(report) == 0


def test_plain_frame_rows_are_numbered_from_2() -> None:
    report = Report()
    frame = pd.DataFrame({"lat": [28.5, None], "lon": [-81.4, None]})
    locate_frame(frame, report=report)
    assert [p.row for p in report.errors()] == [3]


# --- frames that cannot be located at all -------------------------------------------------
def test_no_coordinate_or_zip_column_lists_the_recognised_names() -> None:
    with pytest.raises(ReadError) as info:
        _locate(BAD / "no_location_columns.csv")
    text = str(info.value)
    assert "no coordinate columns and no ZIP code column" in text
    assert "site_id, name, city" in text
    for name in ("lat", "latitude", "lng", "longitude", "zip", "postal_code"):
        assert name in text


def test_latitude_without_longitude() -> None:
    with pytest.raises(ReadError, match="latitude column \\('lat'\\) but no longitude"):
        _locate(BAD / "latitude_only.csv")


def test_named_column_must_exist() -> None:
    with pytest.raises(ReadError, match="no latitude column 'Lat'. Its columns are: NCESID"):
        _locate(GOOD / "fl_sites.csv", lat_col="Lat")


def test_named_columns_override_detection(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("where_n,where_e\n28.5456719,-81.4953248\n", encoding="utf-8")
    frame, _ = _locate(path, lat_col="where_n", lon_col="where_e")
    assert frame.loc[2, "district_geoid"] == "1201440"


def test_added_columns_are_all_there() -> None:
    frame, _ = _locate(GOOD / "fl_sites.csv")
    assert list(frame.columns) == list(_reference().columns) + list(ADDED_COLUMNS)


def test_report_frame_and_summary(bad_rows) -> None:
    _, report = bad_rows
    table = report.to_frame()
    assert list(table.columns) == ["row", "column", "severity", "message", "fix"]
    assert str(table["row"].dtype) == "Int64"
    assert report.summary() == "5 warnings, 11 rows with errors"  # 4 rows + state renamed
    with pytest.raises(ValueError, match="severity"):
        Problem(row=2, column=None, severity="fatal", message="x", fix="")  # type: ignore[arg-type]


def test_an_id_column_with_one_value_everywhere_is_not_a_site_id() -> None:
    report = Report()
    frame = pd.DataFrame({"Id": [0, 0, 0], "lat": [28.5456719] * 3, "lon": [-81.4953248] * 3})
    locate_frame(frame, report=report)
    assert report.errors() == []
    [warning] = report.warnings()
    assert warning.row is None and "holds '0' in every row" in warning.message
