"""Writing an import on SQLite and PostgreSQL: what is stored, all or nothing, the
valid-rows-only choice, stale previews, reuse of stored partners and sites."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from geo.db import open_store
from geo.importer import ImportRefused, commit_import, prepare_import
from tests.test_import_bad_input import snapshot

IMPORT = Path(__file__).resolve().parent / "fixtures" / "import"
ACTOR = "staff@example.org"


@pytest.fixture
def store(db_url):
    store = open_store(db_url)
    yield store
    store.close()


def test_activities_file_is_stored_with_places_partners_and_sites(store):
    preview = prepare_import(IMPORT / "activities_good.csv", kind="activities", store=store)
    assert not preview.has_errors
    counts = commit_import(store, preview, actor=ACTOR)
    assert counts == {"partners": 2, "sites": 3, "activities": 7}
    partners, sites, activities = store.frames()
    # "..., Inc." and "communities in schools of leon county inc" are one partner,
    # created without public consent.
    assert sorted(partners["name"]) == ["Communities In Schools of Leon County, Inc.",
                                        "Leon Education Foundation"]
    assert not partners["public"].any()
    leon = sites[sites["name"] == "Leon High School"].iloc[0]
    assert (leon["district_geoid"], leon["county_fips"], leon["location_source"]) == (
        "1201110", "12073", "coordinates")
    quincy = sites[sites["name"] == "Quincy office"].iloc[0]
    assert (quincy["location_source"], quincy["site_kind"], quincy["zip"]) == (
        "zip_centroid", "office", "32351")
    by_level = activities.groupby("area_level")["area_id"].apply(list).to_dict()
    assert by_level == {"site": ["", "", "", ""], "district": ["1201110"],
                        "county": ["12073"], "state": ["12"]}
    at_leon = activities[activities["site_id"] == leon["site_id"]]
    assert sorted(at_leon["kind_of_work"]) == ["funding", "implementation"]
    godby = activities[activities["kind_of_work"] == "technical_assistance"].iloc[0]
    assert (godby["status"], godby["principles"]) == ("planned", "Results-Driven Partnership")
    first = activities[activities["kind_of_work"] == "implementation"].iloc[0]
    assert first["principles"] == "Equity;Family Engagement"
    assert first["start_date"] == pd.Timestamp("2023-08-01")
    assert store.audit_log(limit=1).iloc[0]["action"] == "load"


def test_sites_import_reuses_stored_partner_and_activities_reuse_stored_sites(store):
    preview = prepare_import(IMPORT / "sites_synonyms.csv", kind="sites", store=store)
    assert commit_import(store, preview, actor=ACTOR) == {
        "partners": 1, "sites": 3, "activities": 0}
    sites = store.frames().sites
    data = b"partner,site_name,kind_of_work,latitude,longitude,nces_id\r\n" \
        b"LEON EDUCATION FOUNDATION,Leon High,funding,30.4456207,-84.2755025,120111001162\r\n"
    preview = prepare_import(data, filename="a.csv", kind="activities", store=store)
    assert preview.counts["existing_partners"] == 1 and preview.counts["existing_sites"] == 1
    assert commit_import(store, preview, actor=ACTOR) == {
        "partners": 0, "sites": 0, "activities": 1}
    frames = store.frames()
    leon = sites.loc[sites["nces_id"] == "120111001162", "site_id"].item()
    assert frames.activities["site_id"].tolist() == [leon]
    assert len(frames.partners) == 1 and len(frames.sites) == 3


def test_all_or_nothing_and_the_valid_rows_only_choice(store):
    preview = prepare_import(IMPORT / "activities_bad_rows.csv", kind="activities", store=store)
    before = snapshot(store)
    with pytest.raises(ImportRefused, match="13 row"):
        commit_import(store, preview, actor=ACTOR)
    assert snapshot(store) == before
    counts = commit_import(store, preview, actor=ACTOR, valid_rows_only=True)
    assert counts == {"partners": 1, "sites": 1, "activities": 1}
    assert store.frames().activities["notes"].tolist() == ["good row"]
    rejected = pd.read_csv(pd.io.common.BytesIO(preview.rejected_csv()), dtype=str,
                           keep_default_na=False, encoding="utf-8-sig")
    assert list(rejected.columns[:2]) == ["row", "problems"]
    assert len(rejected) == 13
    assert "YYYY-MM-DD" in rejected.loc[rejected["row"] == "4", "problems"].item()


def test_a_preview_is_refused_after_the_database_changed(store):
    preview = prepare_import(IMPORT / "sites_synonyms.csv", kind="sites", store=store)
    store.add_partner({"name": "Someone else"}, actor=ACTOR)
    before = snapshot(store)
    with pytest.raises(ImportRefused, match="database changed"):
        commit_import(store, preview, actor=ACTOR)
    assert snapshot(store) == before


def test_fl_extract_as_sites_for_one_partner(store):
    preview = prepare_import(IMPORT / "fl_schools_extract.csv", kind="sites", store=store,
                             partner="Florida Community Schools Network")
    # IDEA Bassett appears twice with two NCES IDs (counted in two districts): two sites.
    assert not preview.has_errors and preview.counts["new_sites"] == 32
    commit_import(store, preview, actor=ACTOR)
    sites = store.frames().sites
    assert (sites["name"] == "IDEA BASSETT").sum() == 2
    assert sites["nces_id"].str.len().eq(12).all()
    assert set(sites["state_fips"]) == {"12"}
