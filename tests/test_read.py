"""geo.read on real files: every format, encodings, delimiters, row numbers, broken files."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest

from geo.problems import Report
from geo.read import SUPPORTED_FORMATS, ReadError, read_sites, read_upload

INGEST = Path(__file__).resolve().parent / "fixtures" / "ingest"
GOOD, BAD = INGEST / "good", INGEST / "bad"


def _reference() -> pd.DataFrame:
    return pd.read_csv(GOOD / "fl_sites.csv", dtype=str, keep_default_na=False)


def _read(path: Path) -> tuple[pd.DataFrame, Report]:
    report = Report()
    return read_sites(path, report=report), report


# --- geometry files: same points, reprojected ------------------------------------------
@pytest.mark.parametrize(
    ("name", "lat_col", "lon_col"),
    [
        ("fl_sites.geojson", "geometry_latitude", "geometry_longitude"),
        ("fl_sites.gpkg", "latitude", "longitude"),
        ("fl_sites_shp.zip", "latitude", "longitude"),
        ("fl_sites_3857.gpkg", "latitude", "longitude"),
        ("fl_sites_26917_shp.zip", "latitude", "longitude"),
    ],
)
def test_geometry_files_give_the_csv_points(name: str, lat_col: str, lon_col: str) -> None:
    ref = _reference()
    frame, report = _read(GOOD / name)
    assert list(frame["NCESID"].astype(str)) == list(ref["NCESID"])
    assert np.allclose(frame[lat_col], ref["LATITUDE"].astype(float), atol=1e-6)
    assert np.allclose(frame[lon_col], ref["LONGITUDE"].astype(float), atol=1e-6)
    assert list(frame.index) == list(range(2, 13))
    assert report.errors() == []


@pytest.mark.parametrize(("name", "epsg"), [("fl_sites_3857.gpkg", 3857)])
def test_projected_fixture_really_is_projected(name: str, epsg: int) -> None:
    # Guards the reprojection test above: the stored coordinates are metres, not degrees.
    info = pyogrio.read_info(GOOD / name)
    assert str(epsg) in info["crs"]
    raw = pyogrio.read_dataframe(GOOD / name)
    assert raw.geometry.x.abs().min() > 1e6


def test_zipped_shapefile_in_utm_is_reprojected() -> None:
    with zipfile.ZipFile(GOOD / "fl_sites_26917_shp.zip") as zf:
        prj = zf.read("sites/sites.prj").decode()
    assert "UTM" in prj and "17N" in prj
    frame, _ = _read(GOOD / "fl_sites_26917_shp.zip")
    assert frame["latitude"].between(24, 31).all()


def test_geojson_keeps_its_own_latitude_columns_next_to_the_geometry_ones() -> None:
    frame, _ = _read(GOOD / "fl_sites.geojson")
    assert {"LATITUDE", "LONGITUDE", "geometry_latitude", "geometry_longitude"} <= set(
        frame.columns)


def test_shapefile_without_prj_is_read_as_lon_lat_with_a_warning(tmp_path: Path) -> None:
    target = tmp_path / "noprj.zip"
    with zipfile.ZipFile(GOOD / "fl_sites_shp.zip") as src, zipfile.ZipFile(target, "w") as dst:
        for info in src.infolist():
            if not info.filename.endswith(".prj"):
                dst.writestr(info.filename, src.read(info))
    frame, report = _read(target)
    assert np.allclose(frame["latitude"], _reference()["LATITUDE"].astype(float))
    [warning] = report.warnings()
    assert warning.row is None and "EPSG:4326" in warning.message and ".prj" in warning.fix


def test_polygons_become_a_point_inside_with_a_warning(tmp_path: Path) -> None:
    square = [[-81.6, 28.4], [-81.4, 28.4], [-81.4, 28.6], [-81.6, 28.6], [-81.6, 28.4]]
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Block"},
         "geometry": {"type": "Polygon", "coordinates": [square]}},
    ]}
    path = tmp_path / "area.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    frame, report = _read(path)
    assert 28.4 < frame["latitude"].iloc[0] < 28.6 and -81.6 < frame["longitude"].iloc[0] < -81.4
    assert "not points (Polygon)" in report.warnings()[0].message


# --- spreadsheets and text ---------------------------------------------------------------
def test_xlsx_reads_first_sheet_and_warns_about_the_other() -> None:
    frame, report = _read(GOOD / "fl_sites.xlsx")
    ref = _reference()
    assert list(frame["NAME"]) == list(ref["NAME"])
    assert np.allclose(frame["LATITUDE"].astype(float), ref["LATITUDE"].astype(float))
    [warning] = report.warnings()
    assert "first sheet ('sites')" in warning.message and "'notes'" in warning.message


def test_cp1252_file_reads_accented_name_with_a_warning() -> None:
    frame, report = _read(GOOD / "fl_sites_cp1252.csv")
    assert "JOSÉ MARTÍ MAST 6-12 ACADEMY" in set(frame["NAME"])
    assert frame.shape == (11, 9)  # semicolons recognised as the delimiter
    [warning] = report.warnings()
    assert warning.row is None
    assert "cp1252" in warning.message and "JOSÉ MARTÍ" in warning.message
    assert "UTF-8" in warning.fix


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters_are_detected(tmp_path: Path, delimiter: str) -> None:
    ref = _reference()
    path = tmp_path / "sites.txt"
    ref.to_csv(path, sep=delimiter, index=False)
    frame, report = _read(path)
    assert list(frame.columns) == list(ref.columns)
    assert frame.reset_index(drop=True).equals(ref)
    assert len(report) == 0


def test_utf8_bom_is_not_part_of_the_first_column_name(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (GOOD / "fl_sites.csv").read_bytes())
    frame, report = _read(path)
    assert frame.columns[0] == "NCESID" and len(report) == 0


def test_row_numbers_count_the_header_and_blank_lines() -> None:
    frame, report = _read(BAD / "bad_rows.csv")
    numbers = dict(zip(frame["site_id"], frame.index, strict=True))
    assert numbers["B3"] == 3 and numbers["B8"] == 8
    assert numbers["B10"] == 10  # the blank line is row 9 and is skipped
    assert 9 not in frame.index
    [error] = report.errors()
    assert error.row == 15 and "9 values but the header has 8 columns" in error.message
    assert "quotes" in error.fix


def test_blank_and_repeated_header_names_are_made_unique(tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text("name,name,,latitude,longitude\na,b,c,28.5,-81.4\n", encoding="utf-8")
    frame, report = _read(path)
    assert list(frame.columns) == ["name", "name_2", "column_3", "latitude", "longitude"]
    assert len(report.warnings()) == 2


def test_upload_uses_only_the_base_name(tmp_path: Path) -> None:
    report = Report()
    frame = read_upload(
        (GOOD / "fl_sites.geojson").read_bytes(), filename="../../etc/fl_sites.geojson",
        report=report
    )
    assert len(frame) == 11


# --- files that cannot be read -------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "fragments"),
    [
        ("empty.csv", ["is empty"]),
        ("header_only.csv", ["no data rows"]),
        ("not_a_table.csv", ["not look like a text file"]),
        ("sites.kml", ["unsupported file type '.kml'", ".csv", ".gpkg", ".zip"]),
        ("corrupt_shp.zip", ["not a valid zip file"]),
        ("no_shp.zip", ["no Shapefile", "readme.txt"]),
        ("traversal_shp.zip", ["unsafe path", "../sites.shp"]),
        ("absolute_shp.zip", ["unsafe path", "/tmp/sites.shp"]),
        ("missing_dbf_shp.zip", ["missing its .dbf"]),
    ],
)
def test_unreadable_files_raise_a_plain_read_error(name: str, fragments: list[str]) -> None:
    with pytest.raises(ReadError) as info:
        read_sites(BAD / name, report=Report())
    for fragment in fragments:
        assert fragment in str(info.value)


def test_traversal_zip_writes_nothing_outside(tmp_path: Path) -> None:
    copy = tmp_path / "inner" / "traversal_shp.zip"
    copy.parent.mkdir()
    copy.write_bytes((BAD / "traversal_shp.zip").read_bytes())
    with pytest.raises(ReadError):
        read_sites(copy, report=Report())
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["inner", "traversal_shp.zip"]


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="no such file"):
        read_sites(tmp_path / "nope.csv", report=Report())
    folder = tmp_path / "dir.csv"
    folder.mkdir()
    with pytest.raises(ReadError, match="is a folder"):
        read_sites(folder, report=Report())


def test_a_renamed_workbook_is_recognised(tmp_path: Path) -> None:
    path = tmp_path / "sites.csv"
    path.write_bytes((GOOD / "fl_sites.xlsx").read_bytes())
    with pytest.raises(ReadError, match=r"\.xlsx"):
        read_sites(path, report=Report())


def test_broken_workbook(tmp_path: Path) -> None:
    path = tmp_path / "sites.xlsx"
    path.write_bytes(b"this is not a workbook")
    with pytest.raises(ReadError, match="not a valid Excel"):
        read_sites(path, report=Report())


def test_supported_formats_include_the_required_ones() -> None:
    assert {".csv", ".xlsx", ".geojson", ".gpkg", ".zip"} <= set(SUPPORTED_FORMATS)


def test_xlsx_row_numbers_follow_the_sheet(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet["A3"], sheet["B3"] = "name", "zip"  # rows 1-2 left empty, header on row 3
    sheet["A4"], sheet["B4"] = "Boston office", 2134
    sheet["A6"], sheet["B6"] = "Orlando office", 32801  # row 5 empty
    path = tmp_path / "offset.xlsx"
    book.save(path)
    frame, report = _read(path)
    assert list(frame.index) == [4, 6]
    assert list(frame["zip"]) == [2134, 32801] and len(report) == 0
