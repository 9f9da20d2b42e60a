"""The import format without a database: column mapping, template, partner matching,
controlled values."""
from __future__ import annotations

import io

import pandas as pd
import pytest
from openpyxl import load_workbook

from geo.importer import (
    TEMPLATE_COLUMNS,
    MappingError,
    apply_mapping,
    merge_mapping,
    prepare_import,
    suggest_mapping,
    template_csv,
    template_xlsx,
)
from geo.importer.partners import match_partners
from geo.importer.preview import _empty_frames
from geo.importer.vocabulary import VOCABULARIES


def test_suggest_mapping_recognises_synonyms():
    columns = ["Organization", "School Name", "Lat", "LNG", "Zip Code", "LEAID",
               "Type of Work", "Begin Date", "Comments", "unrelated"]
    assert suggest_mapping(columns) == {
        "partner": "Organization", "site_name": "School Name", "kind_of_work": "Type of Work",
        "start_date": "Begin Date", "notes": "Comments", "latitude": "Lat",
        "longitude": "LNG", "zip": "Zip Code", "district_geoid": "LEAID",
    }
    # The most specific name wins, and a column is used once.
    assert suggest_mapping(["Long", "Lat", "LATITUDE", "LONGITUDE", "x", "y"]) == {
        "latitude": "LATITUDE", "longitude": "LONGITUDE"}
    assert suggest_mapping(["partner_name", "name"])["site_name"] == "name"
    assert suggest_mapping(["org", "school"]) == {"partner": "org", "site_name": "school"}


def test_apply_mapping_names_every_problem():
    df = pd.DataFrame({"Org": ["A"], "Where": ["x"], "Zip": ["32301"]})
    with pytest.raises(MappingError) as caught:
        apply_mapping(df, {"site_name": "Nope", "latitude": "Where"}, kind="activities")
    text = str(caught.value)
    assert "no column 'Nope'" in text
    assert "no 'partner' column" in text and "no 'kind_of_work' column" in text
    assert "latitude column ('Where') but no longitude column" in text
    out = apply_mapping(df, {"zip": "Zip", "partner": "Org", "site_name": "Where"}, kind="sites")
    assert list(out.columns) == ["partner", "site_name", "zip"]
    with pytest.raises(MappingError, match="mapped to 'partner' and 'site_name'"):
        apply_mapping(df, {"partner": "Org", "site_name": "Org", "zip": "Where"}, kind="sites")


def test_merge_mapping_overrides_and_ignores():
    suggested = {"site_name": "NAME", "status": "STATUS"}
    merged = merge_mapping(suggested, {"status": "", "title": "site_name", "ORG": "partner"},
                           columns=["NAME", "STATUS", "Title", "org"])
    assert merged == {"partner": "org", "site_name": "Title"}
    with pytest.raises(MappingError, match="'colour' is not a column of the import format"):
        merge_mapping({}, {"NAME": "colour"}, columns=["NAME"])


def test_templates_have_the_documented_columns_and_import_cleanly():
    csv_frame = pd.read_csv(io.BytesIO(template_csv()), dtype=str, keep_default_na=False)
    assert list(csv_frame.columns) == list(TEMPLATE_COLUMNS)
    assert 2 <= len(csv_frame) <= 3
    book = load_workbook(io.BytesIO(template_xlsx()))
    [sheet] = book.worksheets
    header = [c.value for c in sheet[1]]
    assert header == list(TEMPLATE_COLUMNS)
    assert sheet["A1"].comment is not None and "partner" in sheet["A1"].comment.text
    for data, name in ((template_csv(), "t.csv"), (template_xlsx(), "t.xlsx")):
        preview = prepare_import(data, filename=name, kind="activities", frames=_empty_frames())
        assert not preview.has_errors, [str(p) for p in preview.report]
        levels = list(preview.frames.activities["area_level"])
        assert levels == ["site", "site", "district"]
        assert preview.frames.sites["zip"].tolist()[1] == "32351"


def test_partner_matching_exact_close_and_new():
    stored = pd.DataFrame({"partner_id": [3, 4], "name": ["Communities In Schools, Inc.",
                                                          "United Way of the Big Bend"]})
    matches = match_partners({"communities in schools inc": [2],
                              "Communities in School": [3],
                              "Leon Education Foundation": [4]}, stored)
    exact = matches["communities in schools inc"]
    assert (exact.how, exact.partner_id) == ("exact", 3)
    close = matches["Communities in School"]
    assert close.how == "unsure" and close.suggestions[0] == (3, "Communities In Schools, Inc.")
    assert matches["Leon Education Foundation"].how == "new"
    chosen = match_partners({"Communities in School": [3]}, stored,
                            choices={"communities in school": 3})
    assert chosen["Communities in School"].partner_id == 3
    confirmed = match_partners({"Communities in School": [3]}, stored,
                               choices={"Communities in School": "new"})
    assert confirmed["Communities in School"].how == "new"
    with pytest.raises(ValueError, match="not a stored partner"):
        match_partners({"X": [2]}, stored, choices={"X": 99})


def test_close_partner_name_blocks_until_resolved():
    frames = _empty_frames()
    frames.partners = pd.DataFrame({"partner_id": [3], "name": ["Communities In Schools"]})
    data = b"partner,site_name,latitude,longitude\r\nCommunities in School,Leon High School," \
        b"30.4456207,-84.2755025\r\n"
    preview = prepare_import(data, filename="s.csv", kind="sites", frames=frames)
    [problem] = preview.file_errors
    assert "'Communities In Schools' (partner 3) is close" in problem.message
    assert not preview.can_commit(valid_rows_only=True)
    preview = prepare_import(data, filename="s.csv", kind="sites", frames=frames,
                             partner_choices={"Communities in School": 3})
    assert not preview.has_errors and preview.frames.sites["partner_id"].tolist() == [3]
    assert preview.frames.partners.empty


def test_controlled_values_accept_codes_and_labels_and_suggest():
    kinds = VOCABULARIES["kind_of_work"]
    assert kinds.read("POLICY AND ADVOCACY") == "policy"
    assert kinds.read("technical assistance") == "technical_assistance"
    assert kinds.read("direct services") == "implementation"
    assert kinds.suggest("professional development") == \
        "professional_learning (Professional learning)"
    assert kinds.suggest("zzz") is None
    assert VOCABULARIES["site_kind"].read("Initiative office") == "office"
    assert VOCABULARIES["principles"].suggest("Youth leadership") == \
        "Youth Leadership and Engagement"
