"""Exports in four formats, with boundary assignments, and formula cells neutralised."""
from __future__ import annotations

import io
import json

import openpyxl
import pandas as pd
import pyogrio
import pytest

from geo.db import open_store
from geo.db.export import export_bytes, export_table, write_export
from geo.spreadsheet import neutralise_frame
from tests.test_db_sample import sample_frames


@pytest.fixture
def store(db_url):
    store = open_store(db_url)
    store.load_frames(sample_frames(), actor="tests@example.org")
    return store


def test_neutralise_frame_changes_only_formula_like_text():
    frame = pd.DataFrame({"name": ["=SUM(A1)", "+1 850", "-x", "@me", "\tq", "\rr", "Leon", None],
                          "n": [-5, 1, 2, 3, 4, 5, 6, 7]})
    out = neutralise_frame(frame)
    assert out["name"].tolist()[:7] == ["'=SUM(A1)", "'+1 850", "'-x", "'@me", "'\tq", "'\rr",
                                        "Leon"]
    assert pd.isna(out["name"].iloc[7])
    assert out["n"].tolist() == frame["n"].tolist() and out["n"].dtype == frame["n"].dtype
    assert frame["name"].iloc[0] == "=SUM(A1)"  # the input is left alone


def test_csv_export_has_boundaries_and_neutralised_cells(store):
    text = export_bytes(store.frames(), what="activities", fmt="csv").decode()
    table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    leon = table[table["site_name"] == "Leon High School"].iloc[0]
    assert (leon["county_fips"], leon["district_geoid"], leon["latitude"]) == (
        "12073", "1201110", "30.4456207")
    area = table[table["area_level"] == "district"].iloc[0]
    assert (area["state_fips"], area["district_geoid"], area["site_name"]) == (
        "12", "1200600", "")
    assert area["partner_name"].startswith("'=HYPERLINK(")
    assert set(table["notes"]) >= {"'=1+1", "'-fund drive"}
    assert area["contact"] == "'+1 850 555 0100"


def test_xlsx_export_has_no_formula_cells(store, tmp_path):
    path = write_export(store.frames(), what="partners", path=tmp_path / "partners.xlsx")
    sheet = openpyxl.load_workbook(path).active
    headers = [c.value for c in sheet[1]]
    values = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    assert not any(cell.data_type == "f" for cell in values)
    names = [row[headers.index("name")].value for row in sheet.iter_rows(min_row=2)]
    assert "'=HYPERLINK(\"http://evil.example\",\"Florida PTA\")" in names
    expertise = [row[headers.index("expertise")].value for row in sheet.iter_rows(min_row=2)]
    assert "'@family engagement" in expertise
    counts = dict(zip(names, (row[headers.index("sites")].value
                              for row in sheet.iter_rows(min_row=2)), strict=True))
    assert counts["Communities In Schools of Leon County"] == 2


def test_geojson_points_and_null_geometries(store, tmp_path):
    path = write_export(store.frames(), what="activities", path=tmp_path / "a.geojson")
    data = json.loads(path.read_text())
    by_level = {}
    for feature in data["features"]:
        by_level.setdefault(feature["properties"]["area_level"], []).append(feature)
    assert all(f["geometry"]["type"] == "Point" for f in by_level["site"])
    assert by_level["site"][0]["geometry"]["coordinates"] == [-84.2755025, 30.4456207]
    assert all(f["geometry"] is None for f in by_level["state"] + by_level["district"])
    # GeoJSON is data, not a spreadsheet: text is kept as it is
    assert {f["properties"]["notes"] for f in data["features"]} >= {"=1+1"}
    sites = json.loads(export_bytes(store.frames(), what="sites", fmt="geojson"))
    office = [f for f in sites["features"] if f["properties"]["name"] == "Quincy office"][0]
    assert office["geometry"] is None and office["properties"]["latitude"] is None


def test_geopackage_layers(store, tmp_path):
    sites = write_export(store.frames(), what="sites", path=tmp_path / "sites.gpkg")
    layer = pyogrio.read_dataframe(sites, layer="sites")
    assert layer.crs.to_epsg() == 4326 and len(layer) == 3
    leon = layer[layer["name"] == "Leon High School"].iloc[0]
    assert (leon.geometry.x, leon.geometry.y) == (-84.2755025, 30.4456207)
    assert leon["district_geoid"] == "1201110"
    acts = write_export(store.frames(), what="activities", path=tmp_path / "acts.gpkg")
    layers = dict((name, kind) for name, kind in pyogrio.list_layers(acts))
    assert layers == {"activities_at_sites": "Point", "activities_in_areas": None}
    areas = pyogrio.read_dataframe(acts, layer="activities_in_areas", read_geometry=False)
    assert sorted(areas["area_id"]) == ["12", "1200600"]


def test_public_style_export_of_filtered_frames(store):
    frames = store.frames()
    frames.partners = frames.partners.assign(name="A coalition partner")
    table = export_table(frames, what="sites")
    assert set(table["partner_name"]) == {"A coalition partner"}


def test_unknown_extension_is_refused(store, tmp_path):
    with pytest.raises(ValueError, match=".csv, .xlsx, .geojson, .gpkg"):
        write_export(store.frames(), what="sites", path=tmp_path / "sites.kml")


def test_csv_export_is_safe_in_a_semicolon_locale(store):
    """A spreadsheet that splits on ";" (or "|", tab) must not find a formula cell either."""
    import csv

    frames = store.frames()
    frames.sites.loc[frames.sites.index[0], "name"] = 'Leon;=HYPERLINK("http://evil.example","x")'
    frames.sites.loc[frames.sites.index[1], "name"] = "Rickards|@SUM(A1)"
    text = export_bytes(frames, what="sites", fmt="csv").decode()
    for delimiter in (";", "|", ","):
        for record in csv.reader(io.StringIO(text), delimiter=delimiter):
            for cell in record:
                assert not cell.lstrip(' "').startswith(("=", "@")), (delimiter, cell)
    table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    assert "Leon;'=HYPERLINK(" in set(table["name"].str[:17])


def test_exports_name_the_state_county_and_district_beside_their_codes(tmp_path):
    """A spreadsheet user reads "Leon" and "Leon County School District", not only 12073
    and 1201110 (codes and names from the bundled boundaries)."""
    from geo.analysis import gazetteer
    from geo.sample import make_sample

    frames = make_sample()
    for what in ("sites", "activities"):
        table = export_table(frames, what=what)
        cols = list(table.columns)
        for code, name in (("state_fips", "state"), ("county_fips", "county_name"),
                           ("district_geoid", "district_name"),
                           ("secondary_district_geoid", "secondary_district_name")):
            assert cols.index(name) == cols.index(code) + 1, (what, name)
        placed = table[table["district_geoid"] != ""].iloc[0]
        districts = gazetteer.place_table("district").set_index("place_id")
        counties = gazetteer.place_table("county").set_index("place_id")
        assert placed["district_name"] == districts.loc[placed["district_geoid"], "name"]
        if placed["county_fips"]:
            assert placed["county_name"] == counties.loc[placed["county_fips"], "name"]
        assert placed["state"] == districts.loc[placed["district_geoid"], "state"]
        assert (table.loc[table["district_geoid"] == "", "district_name"] == "").all()
        csv = export_bytes(frames, what=what, fmt="csv").decode("utf-8-sig")
        assert "district_name" in csv.splitlines()[0]
        assert placed["district_name"] in csv
