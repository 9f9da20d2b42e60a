"""Tiny real-looking frames shared by the storage tests (and a check that they load).

Values are real: Leon High School and Amos P. Godby High School in Tallahassee
(NCES ids, coordinates and ZIP codes from the HIFLD public schools file), Leon County
(FIPS 12073) and its school district (NCES LEAID / Census GEOID 1201110), Gadsden
County School District (1200600, county 12039). The organisations are real coalition
types; their records here are made up for the tests.
"""
from __future__ import annotations

import pandas as pd

from geo.db import open_store
from geo.schema import Frames

LEON_HIGH = {"name": "Leon High School", "nces_id": "120111001162", "latitude": 30.4456207,
             "longitude": -84.2755025, "zip": "32308", "state_fips": "12",
             "county_fips": "12073", "district_geoid": "1201110"}
GODBY_HIGH = {"name": "Amos P. Godby High School", "nces_id": "120111001176",
              "latitude": 30.4612777, "longitude": -84.3167652, "zip": "32303",
              "state_fips": "12", "county_fips": "12073", "district_geoid": "1201110"}


def sample_frames() -> Frames:
    """Two partners (one with a formula-like name), three sites, four activities.

    Ids are provisional (negative): the store assigns the real ones.
    """
    partners = pd.DataFrame([
        {"partner_id": -1, "name": "Communities In Schools of Leon County",
         "type": "nonprofit", "website": "https://www.cisleon.org", "email": "",
         "expertise": "Integrated student supports", "principles": "Equity;Family Engagement"},
        {"partner_id": -2, "name": "=HYPERLINK(\"http://evil.example\",\"Florida PTA\")",
         "type": "state_network", "website": "", "email": "info@floridapta.org",
         "expertise": "@family engagement", "principles": "Family Engagement"},
    ])
    sites = pd.DataFrame([
        {"site_id": -10, "partner_id": -1, "site_kind": "community_school", **LEON_HIGH},
        {"site_id": -11, "partner_id": -1, "site_kind": "community_school", **GODBY_HIGH},
        {"site_id": -12, "partner_id": -2, "name": "Quincy office", "site_kind": "office",
         "zip": "32351"},
    ])
    activities = pd.DataFrame([
        {"partner_id": -1, "site_id": -10, "area_level": "site", "kind_of_work":
         "implementation", "principles": "Equity", "status": "active",
         "start_date": "2022-08-10", "end_date": None, "contact": "coordinator@cisleon.org",
         "notes": "Full-service community school"},
        {"partner_id": -1, "site_id": -11, "area_level": "site", "kind_of_work": "funding",
         "principles": "Results-Driven Partnership", "status": "ended",
         "start_date": "2019-01-01", "end_date": "2021-06-30", "contact": "",
         "notes": "-fund drive"},
        {"partner_id": -2, "site_id": None, "area_level": "district", "area_id": "1200600",
         "kind_of_work": "policy", "principles": "Family Engagement", "status": "planned",
         "start_date": None, "end_date": None, "contact": "+1 850 555 0100", "notes": ""},
        {"partner_id": -2, "site_id": None, "area_level": "state", "area_id": "12",
         "kind_of_work": "convening", "principles": "", "status": "active",
         "start_date": "2024-01-15", "end_date": None, "contact": "", "notes": "=1+1"},
    ])
    return Frames(partners, sites, activities)


def test_sample_frames_load_with_assigned_ids_and_links(db_url):
    store = open_store(db_url)
    counts = store.load_frames(sample_frames(), actor="tests@example.org")
    assert counts == {"partners": 2, "sites": 3, "activities": 4}
    partners, sites, activities = store.frames()
    assert sorted(partners["partner_id"]) == [1, 2]
    cis = int(partners.loc[partners["name"].str.startswith("Communities"), "partner_id"].iloc[0])
    assert set(sites.loc[sites["partner_id"] == cis, "name"]) == {
        "Leon High School", "Amos P. Godby High School"}
    leon = sites.set_index("name").loc["Leon High School"]
    at_leon = activities[activities["site_id"] == leon["site_id"]]
    assert at_leon["kind_of_work"].tolist() == ["implementation"]
    assert store.audit_log()["action"].tolist() == ["load"]
