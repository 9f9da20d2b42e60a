"""The placement service (geo.locate.place_frame) on partners' files as they come.

Every file is a real reshaping of the HIFLD Florida schools (tests/fixtures/place/,
built by make_fixtures.py there); the truth files hold where each school really is.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geo import codes, placement
from geo.locate import place_frame
from geo.problems import Report
from geo.read import ReadError, read_sites
from geo.schools import SchoolDirectory, normalise_name

PLACE = Path(__file__).resolve().parent / "fixtures" / "place"
DATA = Path(__file__).resolve().parents[1] / "data"


def _place(name: str, **options):
    report = Report()
    frame = read_sites(PLACE / name, report=report)
    return place_frame(frame, report=report, **options), report


def _truth(name: str) -> pd.DataFrame:
    return pd.read_csv(PLACE / name, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def directory() -> SchoolDirectory:
    return SchoolDirectory(pd.read_parquet(DATA / "schools_fl.parquet"))


# --- the shared rules ---------------------------------------------------------------------
def test_one_zip_parser_for_every_way_a_zip_is_written() -> None:
    assert codes.read_zip("32301").code == "32301"
    assert codes.read_zip("32301-1234").code == "32301"
    assert codes.read_zip("323011234").code == "32301"
    assert codes.read_zip(32301.0).code == "32301"
    restored = codes.read_zip(2134)
    assert restored.code == "02134" and restored.restored
    assert codes.read_zip("3230A") is None and codes.read_zip(3.5) is None


def test_one_state_index() -> None:
    for text in ("FL", "fl", "Florida", "12", 12.0):
        assert codes.find_state(text).postal == "FL"
    assert codes.find_state("Flordia") is None


def test_coordinates_and_zip_inside_text() -> None:
    cell = "1000 E 144 St\nBronx, NY 10454\n(40.839, -73.926)"
    assert placement.coords_in_text(cell) == (40.839, -73.926)
    assert placement.zip_in_address(cell) == "10454"
    assert placement.zip_in_address("600 East 6 Street, Manhattan, NY, 10009") == "10009"
    assert placement.coords_in_text("Room 101, 2nd floor") is None
    assert placement.point_from_wkt("POINT (-81.37 28.53)") == (-81.37, 28.53)


# --- the shapes of the issue --------------------------------------------------------------
def test_address_only_file_is_placed_by_the_zip_in_each_address() -> None:
    result, report = _place("fl_address_only.csv")
    truth = _truth("truth_address_only.csv")
    frame = result.frame
    assert result.counts() == {"address_zip": 60}
    expected = [placement.zip_centroid(z) for z in truth["ZIP"]]
    assert np.allclose(frame["latitude"], [e[0] for e in expected])
    assert np.allclose(frame["longitude"], [e[1] for e in expected])
    assert set(frame["state"]) == {"FL"} and report.errors() == []
    # A ZIP centroid, so most (not all) schools land in their own district.
    assert (frame["district_geoid"].to_numpy() == truth["DISTRICTID"].to_numpy()).mean() >= 0.9


def test_location_text_file_is_placed_by_the_coordinates_in_the_text() -> None:
    result, report = _place("fl_location_text.csv")
    truth = _truth("truth_location_text.csv")
    assert result.counts() == {"coordinates": 60}
    assert np.allclose(result.frame["latitude"], truth["LATITUDE"].astype(float), atol=1e-7)
    assert np.allclose(result.frame["longitude"], truth["LONGITUDE"].astype(float), atol=1e-7)
    assert report.errors() == [] and report.warnings() == []


def test_wkt_column_gives_the_coordinates() -> None:
    report = Report()
    frame = pd.DataFrame({"site": ["Florida Virtual"],
                          "the_geom": ["POINT (-81.4679235 28.5189857)"]})
    out = place_frame(frame, report=report).frame
    assert out.loc[0, "location_source"] == "coordinates"
    assert out.loc[0, "county"] == "Orange" and report.errors() == []


def test_state_plane_file_is_recognised_and_its_crs_found_from_states_and_zips() -> None:
    result, report = _place("fl_state_plane.csv")
    truth = _truth("truth_state_plane.csv")
    assert result.crs == "EPSG:2236" and result.crs_detected
    assert result.counts() == {"coordinates": 80}
    assert np.allclose(result.frame["latitude"], truth["LATITUDE"].astype(float), atol=1e-6)
    assert np.allclose(result.frame["longitude"], truth["LONGITUDE"].astype(float), atol=1e-6)
    [said] = report.file_problems()
    assert said.severity == "warning"
    assert "read as EPSG:2236 (NAD83 / Florida East (ftUS))" in said.message
    assert "--crs EPSG:NNNN" in said.fix


def test_state_plane_with_crs_given() -> None:
    result, report = _place("fl_state_plane_bare.csv", crs="epsg:2236")
    truth = _truth("truth_state_plane.csv")
    assert result.crs == "EPSG:2236" and not result.crs_detected
    assert np.allclose(result.frame["latitude"], truth["LATITUDE"].astype(float), atol=1e-6)
    assert report.errors() == []


def test_state_plane_without_state_or_zip_is_told_plainly() -> None:
    result, report = _place("fl_state_plane_bare.csv")
    assert result.counts() == {"none": 80}
    whole = [p for p in report.file_problems() if p.severity == "error"]
    assert len(whole) == 1
    assert "not degrees (e.g. X 764628.96, Y 1355447.45)" in whole[0].message
    assert "projected" in whole[0].message and "--crs EPSG:NNNN" in whole[0].fix
    assert all("not degrees" in p.message for p in report.errors() if p.row is not None)


def test_a_wrong_state_never_lets_a_crs_guess_pass() -> None:
    report = Report()
    frame = read_sites(PLACE / "fl_state_plane.csv", report=report).drop(columns="ZIP")
    frame["STATE"] = "GA"  # Georgia's State Plane zones put none of these points in Georgia
    result = place_frame(frame, report=report)
    assert result.crs == "" and result.counts() == {"none": 80}
    [error] = [p for p in report.file_problems() if p.severity == "error"]
    assert "None of the systems tried" in error.message and "EPSG:2239" in error.message


def test_unknown_crs_is_refused() -> None:
    with pytest.raises(ReadError, match="not a coordinate reference system"):
        _place("fl_state_plane_bare.csv", crs="EPSG:999999")


def test_nces_export_without_coordinates_puts_regular_schools_in_their_district() -> None:
    result, _ = _place("fl_nces_export.csv")
    frame = result.frame
    leaid = frame["NCES District ID"].astype(str).str.zfill(7)
    own = (frame["district_geoid"] == leaid) | (frame["secondary_district_geoid"] == leaid)
    regular = frame["School Type"].astype(str) == "1"
    assert regular.sum() == 3750
    assert own[regular].mean() >= 0.99
    # LEAIDs the Census layer does not have (statewide charter and virtual LEAs) fall back
    # to the ZIP centroid; nothing is left unplaced.
    assert set(result.counts()) == {"nces_id", "zip_centroid"}


def test_the_same_export_by_zip_alone_misses_districts() -> None:
    report = Report()
    frame = read_sites(PLACE / "fl_nces_export.csv", report=report)
    leaid = frame["NCES District ID"].astype(str).str.zfill(7)
    regular = frame["School Type"].astype(str) == "1"
    out = place_frame(frame.drop(columns=["NCES School ID", "NCES District ID"]),
                      report=report).frame
    own = (out["district_geoid"].to_numpy() == leaid.to_numpy())
    assert own[regular.to_numpy()].mean() < 0.99


# --- the school directory -----------------------------------------------------------------
def test_names_normalise_the_usual_abbreviations() -> None:
    assert normalise_name("St. Mary's Elem.") == "saint marys elementary"
    assert normalise_name("ADAMS MIDDLE SCHOOL") == normalise_name("Adams MS")
    assert normalise_name("Roosevelt High School") == normalise_name("roosevelt HS")
    assert normalise_name("Lincoln Acad") == "lincoln academy"


def test_casual_school_names_are_placed_by_name_precisely(directory) -> None:
    result, _ = _place("fl_casual_names.csv", schools=directory)
    frame, truth = result.frame, _truth("truth_casual.csv")
    placed = (frame["school_match"] == "name").to_numpy()
    review = (frame["school_match"] == "review").to_numpy()
    right = frame["school_match_id"].to_numpy() == truth["NCESID"].to_numpy()
    assert len(frame) == 300
    assert placed.mean() >= 0.85
    assert right[placed].mean() >= 0.97
    assert (placed | review).all()  # the rest is in review, never guessed
    assert (frame.loc[placed, "location_source"] == "school_directory").all()
    assert set(result.review["row"]) == set(frame.index[review])


def test_near_ties_go_to_review(directory) -> None:
    # Fort Myers has FORT MYERS HIGH and SOUTH FORT MYERS HIGH: "myers hs" is not
    # guessed, and both are offered.
    report = Report()
    frame = pd.DataFrame({"school": ["myers hs"], "city": ["Fort Myers"],
                          "state": ["FL"], "zip": ["33901"]})
    result = place_frame(frame, report=report, schools=directory)
    out = result.frame
    assert out.loc[0, "school_match"] == "review"
    assert out.loc[0, "location_source"] == "zip_centroid"
    offered = set(result.review["candidate_name"])
    assert {"FORT MYERS HIGH SCHOOL", "SOUTH FORT MYERS HIGH SCHOOL"} <= offered
    assert any("not guessed" in p.message for p in report.warnings())


def test_a_person_settles_a_review(directory) -> None:
    frame = pd.DataFrame({"school": ["myers hs"], "city": ["Fort Myers"],
                          "state": ["FL"], "zip": ["33901"]})
    chosen = directory.frame.loc[directory.frame["name"] == "FORT MYERS HIGH SCHOOL"]
    sid = str(chosen["school_id"].iloc[0])
    out = place_frame(frame, report=Report(), schools=directory,
                      school_choices={2: sid}).frame
    assert out.loc[0, "location_source"] == "school_directory"
    assert out.loc[0, "school_match_id"] == sid
    assert np.isclose(out.loc[0, "latitude"], float(chosen["latitude"].iloc[0]))
    left = place_frame(frame, report=Report(), schools=directory,
                       school_choices={2: ""}).frame
    assert left.loc[0, "location_source"] == "zip_centroid"


def test_school_id_alone_places_the_row_exactly(directory) -> None:
    frame = pd.DataFrame({"ncessch": ["120000207976"], "site": ["FLVS"]})
    out = place_frame(frame, report=Report(), schools=directory).frame
    assert out.loc[0, "location_source"] == "school_directory"
    assert out.loc[0, "school_match"] == "id"
    assert out.loc[0, "school_match_name"] == "FLORIDA VIRTUAL ELEMENTARY SCHOOL"
    assert np.isclose(out.loc[0, "latitude"], 28.5189857, atol=1e-6)


def test_the_one_school_of_exactly_that_name_is_placed(directory) -> None:
    # "fort myers hs" is FORT MYERS HIGH SCHOOL exactly (SOUTH FORT MYERS HIGH has more).
    frame = pd.DataFrame({"school": ["fort myers hs"], "city": ["Fort Myers"],
                          "state": ["FL"]})
    out = place_frame(frame, report=Report(), schools=directory).frame
    assert out.loc[0, "school_match"] == "name"
    assert out.loc[0, "school_match_name"] == "FORT MYERS HIGH SCHOOL"


def test_two_schools_of_one_name_in_one_city_go_to_review(directory) -> None:
    # IDEA VICTORY in Tampa is listed under two NCES IDs.
    frame = pd.DataFrame({"school": ["Idea Victory"], "city": ["Tampa"], "state": ["FL"]})
    result = place_frame(frame, report=Report(), schools=directory)
    assert result.frame.loc[0, "school_match"] == "review"
    assert list(result.review["candidate_name"][:2]) == ["IDEA VICTORY", "IDEA VICTORY"]


# --- a workbook's sheet -------------------------------------------------------------------
def test_the_sheet_holding_the_sites_can_be_chosen() -> None:
    from geo.read import sheet_names

    path = PLACE / "fl_sites_sheets.xlsx"
    assert sheet_names(path) == ["Read me", "Contacts", "Sites", "Budget"]
    # The first sheet is a note: without a choice the file has no sites to read.
    with pytest.raises(ReadError, match="no data rows"):
        read_sites(path, report=Report())
    report = Report()
    frame = read_sites(path, report=report, sheet="Sites")
    result = place_frame(frame, report=report)
    assert result.counts() == {"coordinates": 12} and report.errors() == []
    with pytest.raises(ReadError, match="has no sheet 'Sties'. Its sheets are: 'Read me'"):
        read_sites(path, report=Report(), sheet="Sties")


# --- the importer uses the same service -----------------------------------------------------
def test_import_places_an_address_only_file_by_its_zips() -> None:
    from geo.importer import prepare_import
    from geo.importer.commit import empty_frames as _empty_frames

    preview = prepare_import(PLACE / "fl_address_only.csv", kind="sites",
                             frames=_empty_frames(), partner="Health Centres Partner")
    assert preview.mapping["address"] == "Address" and preview.mapping["site_name"] == "School"
    assert preview.counts["rows_valid"] == 60 and not preview.has_errors
    assert preview.placed == {"address_zip": 60}
    assert set(preview.frames.sites["location_source"]) == {"address_zip"}
    truth = _truth("truth_address_only.csv")
    assert list(preview.frames.sites["zip"]) == list(truth["ZIP"])  # read from the address
    expected = [placement.zip_centroid(z)[0] for z in truth["ZIP"]]
    assert np.allclose(preview.frames.sites["latitude"], expected)


def test_import_reads_the_sheet_and_the_crs_asked_for() -> None:
    from geo.importer import prepare_import
    from geo.importer.commit import empty_frames as _empty_frames

    preview = prepare_import(PLACE / "fl_sites_sheets.xlsx", kind="sites",
                             frames=_empty_frames(), partner="P", sheet="Sites")
    assert preview.sheet == "Sites" and preview.sheets[2] == "Sites"
    assert preview.placed == {"coordinates": 12}
    plane = prepare_import(PLACE / "fl_state_plane.csv", kind="sites", frames=_empty_frames(),
                           partner="P")
    assert plane.crs == "EPSG:2236" and plane.crs_detected
    assert plane.placed == {"coordinates": 80}
