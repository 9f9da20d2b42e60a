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
from geo.importer.commit import empty_frames as _empty_frames
from geo.importer.dedupe import match_partners
from geo.importer.terms import VOCABULARIES


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


YES_NO_SITES = (
    "partner,school,Community school (Y/N),zip\n"
    "P,Alpha School,Yes,32301\n"
    "P,Beta School,No,32301\n"
    "P,Gamma School,Y,32301\n"
    "P,Delta School,n,32301\n"
    "P,Epsilon School,TRUE,32301\n"
    "P,Zeta School,false,32301\n"
    "P,Eta School,1,32301\n"
    "P,Theta School,0,32301\n"
    "P,Iota School,maybe,32301\n"
    "P,Kappa School,,32301\n"
)


def test_a_yes_no_community_school_column_is_mapped_and_decides_the_site_kind():
    assert suggest_mapping(["School", "Community school", "ZIP"])["community_school"] == \
        "Community school"
    assert suggest_mapping(["Is community school?"]) == {"community_school": "Is community school?"}
    preview = prepare_import(YES_NO_SITES.encode(), filename="yn.csv", kind="sites",
                             frames=_empty_frames())
    assert preview.mapping["community_school"] == "Community school (Y/N)"
    kinds = dict(zip(preview.frames.sites["name"], preview.frames.sites["site_kind"], strict=True))
    assert kinds == {
        "Alpha School": "community_school", "Beta School": "school",
        "Gamma School": "community_school", "Delta School": "school",
        "Epsilon School": "community_school", "Zeta School": "school",
        "Eta School": "community_school", "Theta School": "school",
        # An empty cell in a column that says No elsewhere is unknown: the default, warned.
        "Kappa School": "community_school",
    }
    [bad] = [p for p in preview.report.errors()]
    assert (bad.row, bad.column) == (10, "Community school (Y/N)")
    assert "'maybe' is not Yes or No" in bad.message and "Write Yes or No" in bad.fix
    [empty] = [p for p in preview.report.warnings() if p.row == 11
               and p.column == "Community school (Y/N)"]
    assert "Write Yes or No" in empty.fix


def test_a_column_of_marks_says_no_by_its_empty_cells_and_must_agree_with_site_kind():
    marks = ("partner,school,community school,site type,zip\n"
             "P,Alpha School,x,,32301\n"
             "P,Beta School,,,32301\n"
             "P,Quincy office,,office,32351\n"
             "P,Gamma School,X,office,32301\n")
    preview = prepare_import(marks.encode(), filename="marks.csv", kind="sites",
                             frames=_empty_frames())
    kinds = dict(zip(preview.frames.sites["name"], preview.frames.sites["site_kind"], strict=True))
    assert kinds == {"Alpha School": "community_school", "Beta School": "school",
                     "Quincy office": "office"}
    [clash] = preview.report.errors()
    assert (clash.row, clash.column) == (5, "community school")
    assert "'site type' column says 'office'" in clash.message


def test_a_sites_file_keeps_each_sites_contact():
    sites = ("partner,school,contact,zip\n"
             "P,Alpha School,Pat Lee (850) 555-0100,32301\n"
             "P,Beta School,,32303\n")
    preview = prepare_import(sites.encode(), filename="s.csv", kind="sites",
                             frames=_empty_frames())
    assert preview.mapping["contact"] == "contact"
    assert dict(zip(preview.frames.sites["name"], preview.frames.sites["contact"],
                    strict=True)) == {
        "Alpha School": "Pat Lee (850) 555-0100", "Beta School": ""}
    assert not [p for p in preview.report if "not used" in p.message]


FIXABLE = (
    "partner,site_name,kind_of_work,principles,start_date,zip\n"
    "P,Alpha School,Coaching,Equity; Famly engagement,9/1/2021,32301\n"
    "P,Beta School,Coaching,Equity,9/1/2021,32301\n"
    "P,Gamma School,funding,Equity,13/1/2021,32301\n"
)


def test_refused_values_carry_their_suggestion_and_corrections_apply_it_to_every_such_cell():
    preview = prepare_import(FIXABLE.encode(), filename="f.csv", kind="activities",
                             frames=_empty_frames())
    date = next(p for p in preview.report.errors() if p.row == 2 and p.column == "start_date")
    assert (date.value, date.suggestion) == ("9/1/2021", "2021-09-01")
    unclear = next(p for p in preview.report.errors() if p.row == 4)
    assert unclear.suggestion is None, "no guess for a date that is not month/day/year"
    fixes = {f.key: (f.suggestion, f.rows) for f in preview.fixes()}
    assert fixes == {
        ("kind_of_work", "Coaching"): ("technical_assistance", (2, 3)),
        ("principles", "Equity; Famly engagement"): ("Equity; Family Engagement", (2,)),
        ("start_date", "9/1/2021"): ("2021-09-01", (2, 3)),
    }
    fixed = prepare_import(FIXABLE.encode(), filename="f.csv", kind="activities",
                           frames=_empty_frames(),
                           corrections={key: s for key, (s, _) in fixes.items()})
    assert fixed.corrected == {("kind_of_work", "Coaching"): 2,
                               ("principles", "Equity; Famly engagement"): 1,
                               ("start_date", "9/1/2021"): 2}
    assert [(p.row, p.column) for p in fixed.report.errors()] == [(4, "start_date")]
    acts = fixed.frames.activities
    assert list(acts["kind_of_work"]) == ["technical_assistance"] * 2
    assert [str(d) for d in acts["start_date"]] == ["2021-09-01"] * 2
    assert list(acts["principles"]) == ["Equity;Family Engagement", "Equity"]
