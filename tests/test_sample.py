"""The fictional sample dataset: deterministic, plausible, at real places."""
from __future__ import annotations

import pandas as pd
import pandas.testing as pdt
import pytest

from geo import boundaries, schema
from geo.join import assign_boundaries
from geo.sample import REFERENCE_DATE, contains_sample, make_sample


@pytest.fixture(scope="module")
def sample() -> schema.Frames:
    return make_sample()


def test_same_seed_same_frames_other_seed_other_frames(sample):
    again = make_sample(seed=7)
    for a, b in zip(sample, again, strict=True):
        pdt.assert_frame_equal(a, b)
    other = make_sample(seed=8)
    assert not other.sites[["latitude", "longitude"]].equals(
        sample.sites[["latitude", "longitude"]])


def test_column_contract(sample):
    assert tuple(sample.partners.columns) == schema.PARTNER_COLUMNS
    assert tuple(sample.sites.columns) == schema.SITE_COLUMNS
    assert tuple(sample.activities.columns) == schema.ACTIVITY_COLUMNS
    assert sample.partners["partner_id"].is_unique and sample.sites["site_id"].is_unique
    assert sample.activities["activity_id"].is_unique
    assert str(sample.activities["site_id"].dtype) == "Int64"
    assert str(sample.activities["start_date"].dtype).startswith("datetime64")


def test_sizes_and_fictional_contacts(sample):
    p, s, a = sample
    assert 35 <= len(p) <= 45
    assert 1300 <= len(a) <= 1700
    assert p["website"].str.fullmatch(r"https://[a-z0-9-]+\.example\.org").all()
    assert p["email"].str.fullmatch(r"[a-z]+@[a-z0-9-]+\.example\.org").all()
    assert a["contact"].str.endswith(".example.org").all()
    assert set(p["type"]) <= set(schema.PARTNER_TYPES) and p["type"].nunique() >= 6
    assert (p["expertise"].str.len() > 10).all()
    for cell in pd.concat([p["principles"], a["principles"]]):
        assert schema.split_list(cell) and set(schema.split_list(cell)) <= set(schema.PRINCIPLES)
    assert contains_sample(p)


def test_consent_about_sixty_percent_with_who_and_when(sample):
    p = sample.partners
    assert p["public"].mean() == pytest.approx(0.6, abs=0.05)
    assert (p.loc[p["public"], "consent_by"] != "").all()
    assert pd.to_datetime(p.loc[p["public"], "consent_at"]).notna().all()
    assert (p.loc[~p["public"], ["consent_by", "consent_at"]] == "").all().all()


def test_every_site_is_in_a_real_district(sample):
    s = sample.sites
    again = assign_boundaries(s["longitude"], s["latitude"])
    assert again["in_district"].all()
    assert (again["district_geoid"].to_numpy() == s["district_geoid"].to_numpy()).all()
    assert (again["county_fips"].str[:2].to_numpy() == s["state_fips"].to_numpy()).all()
    real = set(boundaries.districts("join")["geoid"])
    assert set(s["district_geoid"]) <= real
    assert set(s["location_source"]) == {"coordinates", "zip_centroid"}
    zips = set(boundaries.zip_centroids()["zip"])
    assert set(s["zip"]) <= zips


def test_concentrated_in_metros_plus_scattered(sample):
    counties = sample.sites["county_fips"].value_counts()
    top12 = counties.head(12).sum() / len(sample.sites)
    assert 0.4 < top12 < 0.95  # metro concentration, but not only metros
    assert sample.sites["state_fips"].nunique() >= 25


def test_area_activities_point_at_real_areas(sample):
    a = sample.activities
    area = a[a["area_level"] != "site"]
    assert set(area["area_level"]) == {"state", "county", "district"}
    assert area["site_id"].isna().all()
    assert a.loc[a["area_level"] == "site", "site_id"].notna().all()
    assert (a.loc[a["area_level"] == "site", "area_id"] == "").all()
    districts = set(boundaries.districts("join")["geoid"])
    counties = set(boundaries.counties()["county_fips"])
    states = set(boundaries.states()["state_fips"])
    for level, known in (("district", districts), ("county", counties), ("state", states)):
        assert set(area.loc[area["area_level"] == level, "area_id"]) <= known


def test_statuses_and_dates(sample):
    a = sample.activities
    assert a["start_date"].min().year >= 2015 and a["start_date"].max().year <= 2026
    assert a["end_date"].dropna().max().year <= 2026
    assert (a["end_date"].dropna() >= a.loc[a["end_date"].notna(), "start_date"]).all()
    ref = pd.Timestamp(REFERENCE_DATE)
    assert (a.loc[a["status"] == "planned", "start_date"] > ref).all()
    assert (a.loc[a["status"] == "ended", "end_date"] < ref).all()
    assert set(a["status"]) == set(schema.STATUSES)


def test_partners_overlap_in_some_districts(sample):
    a = sample.activities.merge(
        sample.sites[["site_id", "district_geoid"]].astype({"site_id": "Int64"}), on="site_id"
    )
    impl = a[a["kind_of_work"] == "implementation"]
    partners_per_district = impl.groupby("district_geoid")["partner_id"].nunique()
    assert (partners_per_district >= 3).sum() >= 5


def test_the_store_accepts_the_sample(sqlite_url, sample):
    from geo.db import open_store

    store = open_store(sqlite_url)
    counts = store.load_frames(sample, actor="sample-data")
    assert counts == {"partners": len(sample.partners), "sites": len(sample.sites),
                      "activities": len(sample.activities)}
    back = store.frames()
    assert set(back.partners["name"]) == set(sample.partners["name"])
    store.close()
