"""geo.read refuses hostile files before they exhaust the server (geo.config.ReadLimits).

The hostile files are built here (tests/hostile.py), each a few KB on disk. Memory is
measured in bench/README.md, not timed here; these tests assert the refusal, its
message (the limit, the variable, how to split), and that nothing large was unpacked.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

import hostile
from geo.config import ReadLimits, read_limits
from geo.importer import prepare_import
from geo.importer.commit import empty_frames as _empty_frames
from geo.problems import Report
from geo.read import ReadError, read_sites, sheet_names


def _refusal(path: Path, limits: ReadLimits | None = None) -> str:
    with pytest.raises(ReadError) as info:
        read_sites(path, report=Report(), limits=limits)
    return str(info.value)


def test_defaults_and_environment() -> None:
    assert read_limits({}) == ReadLimits(200_000, 200, 20, 200, 2_000_000)
    assert read_limits({"PARTNERMAP_MAX_ROWS": "5000"}).max_rows == 5000
    with pytest.raises(ValueError, match="PARTNERMAP_MAX_COLUMNS"):
        read_limits({"PARTNERMAP_MAX_COLUMNS": "many"})


def test_xlsx_declaring_the_whole_sheet_with_a_far_cell_is_refused(tmp_path: Path) -> None:
    path = hostile.xlsx_huge_dimension(tmp_path / "far.xlsx", far_cell=True)
    assert path.stat().st_size < 10_000
    message = _refusal(path)
    assert "16,384 columns" in message and "XFD1048576" in message
    assert "at most 200" in message and "PARTNERMAP_MAX_COLUMNS" in message


def test_xlsx_declaring_the_whole_sheet_but_holding_a_table_is_read(tmp_path: Path) -> None:
    path = hostile.xlsx_huge_dimension(tmp_path / "dim.xlsx", far_cell=False)
    frame = read_sites(path, report=Report())
    assert frame.shape == (11, 9) and list(frame.index) == list(range(2, 13))


def test_xlsx_rows_and_sheets_past_the_limits(tmp_path: Path) -> None:
    path = hostile.sites_xlsx(tmp_path / "sites.xlsx", sheets=3)
    message = _refusal(path, ReadLimits(max_rows=10))
    assert "more than 10 data rows" in message and "PARTNERMAP_MAX_ROWS" in message
    assert "Split it into files of at most 10 rows" in message
    message = _refusal(path, ReadLimits(max_sheets=2))
    assert "3 sheets" in message and "PARTNERMAP_MAX_SHEETS" in message
    assert len(read_sites(path, report=Report(), limits=ReadLimits(max_rows=11))) == 11


def test_xlsx_with_a_dtd_is_refused_plainly(tmp_path: Path) -> None:
    message = _refusal(hostile.xlsx_with_dtd(tmp_path / "laughs.xlsx"))
    assert "document type declaration (DTD)" in message and "sheet1.xml" in message


def test_the_sheet_choice_is_not_read_from_a_workbook_the_reader_refuses(
        tmp_path: Path) -> None:
    """The Data page asks for a workbook's sheet names before reading it: a workbook with a
    DTD, or one unpacking past the limit, is not opened for them (no sheet choice; the
    read that follows says what is wrong)."""
    dtd = hostile.xlsx_with_dtd_in_workbook_part(tmp_path / "names.xlsx")
    assert sheet_names(dtd) == [] and sheet_names(dtd.read_bytes()) == []
    assert "document type declaration (DTD)" in _refusal(dtd)
    big = hostile.sites_xlsx(tmp_path / "big.xlsx", sheets=2)
    assert sheet_names(big) == ["sites", "notes 2"]
    assert sheet_names(big.read_bytes(), limits=ReadLimits(max_unpacked_mb=0)) == []


@pytest.mark.parametrize("kind", ["xlsx", "zip"])
def test_zip_with_a_bad_crc_is_refused_plainly(tmp_path: Path, kind: str) -> None:
    if kind == "xlsx":
        source, member = hostile.sites_xlsx(tmp_path / "ok.xlsx"), "sheet1.xml"
    else:
        source, member = hostile.GOOD / "fl_sites_shp.zip", ".dbf"
    path = hostile.zip_with_bad_crc(source, tmp_path / f"crc.{kind}", member)
    message = _refusal(path)
    assert "cannot be unpacked" in message and "damaged" in message and "CRC" in message


def test_parquet_of_many_repeated_rows_is_refused_from_its_footer(tmp_path: Path) -> None:
    path = hostile.parquet_many_rows(tmp_path / "rows.parquet", rows=3_000_000)
    assert path.stat().st_size < 1_000_000
    message = _refusal(path)
    assert "more than 200,000 data rows" in message
    # Under the limit the repeated value is read (held once, as one object).
    small = hostile.parquet_many_rows(tmp_path / "ok.parquet", rows=5_000)
    frame = read_sites(small, report=Report())
    assert len(frame) == 5_000 and frame["NAME"].nunique() == 1


def test_shapefile_zip_bomb_is_refused_before_anything_is_unpacked(tmp_path: Path,
                                                                   monkeypatch) -> None:
    path = hostile.shapefile_zip_bomb(tmp_path / "bomb_shp.zip", unpacked_mb=300)
    assert path.stat().st_size < 2_000_000
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    message = _refusal(path)
    assert "unpacks to more than 200 MB" in message and "PARTNERMAP_MAX_UNPACKED_MB" in message
    assert list(scratch.iterdir()) == []


def test_csv_rows_and_columns_past_the_limits(tmp_path: Path) -> None:
    path = tmp_path / "many.csv"
    path.write_text("name,zip\n" + "Site,32801\n" * 200_001)
    message = _refusal(path)
    assert "more than 200,000 data rows" in message
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(f"c{i}" for i in range(201)) + "\n" + ",".join("1" * 201) + "\n")
    assert "201 columns in its header" in _refusal(wide)


def test_geometry_vertices_past_the_limit(tmp_path: Path) -> None:
    import json

    ring = [[-81.0 + 0.001 * i, 28.0 + 0.0005 * (i % 2)] for i in range(600)]
    ring += [[-81.0 + 0.001 * i, 28.01] for i in range(599, -1, -1)] + [ring[0]]
    feature = {"type": "Feature", "properties": {"name": "Big campus"},
               "geometry": {"type": "Polygon", "coordinates": [ring]}}
    path = tmp_path / "shape.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    message = _refusal(path, ReadLimits(max_vertices=1_000))
    assert "1,201 geometry vertices" in message and "PARTNERMAP_MAX_VERTICES" in message
    assert len(read_sites(path, report=Report())) == 1


def test_the_import_preview_shows_the_refusal(tmp_path: Path, monkeypatch) -> None:
    """The Data page and `geo import` go through prepare_import: a refusal, no traceback."""
    monkeypatch.setenv("PARTNERMAP_MAX_ROWS", "5")
    data = (hostile.GOOD / "fl_sites.csv").read_bytes()
    preview = prepare_import(data, kind="sites", filename="fl_sites.csv", frames=_empty_frames(),
                             partner="Test partner")
    assert preview.file_errors and "more than 5 data rows" in preview.file_errors[0].message
