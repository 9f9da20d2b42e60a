"""Activity places and filters, on a small real Florida data set.

The sites are real Florida public schools (HIFLD "Public Schools", US public domain,
coordinates as published); their boundary ids come from the real spatial join
(geo.join.assign_boundaries) over the bundled Census layers. Partners are fictional.
Other analysis test modules import :func:`florida_frames` from here.
"""
from __future__ import annotations

import pandas as pd
import pytest

from geo.analysis import activity_places, filter_activities
from geo.analysis.frames import make_frames
from geo.join import assign_boundaries

LEON_DISTRICT = "1201110"      # Leon County School District, FL
LEON_COUNTY = "12073"
PALM_BEACH_DISTRICT = "1201500"
PALM_BEACH_COUNTY = "12099"
GILCHRIST_DISTRICT = "1200630"

# site_id, partner_id, name, NCES id, latitude, longitude (HIFLD public schools, FL)
SCHOOLS = [
    (101, 1, "Frank Hartsfield Elementary School", "120111001165", 30.4320749, -84.2567903),
    (102, 1, "Kate Sullivan Elementary School", "120111001163", 30.4531283, -84.2658271),
    (201, 2, "Apalachee Elementary School", "120111001192", 30.4355991, -84.2161382),
    (401, 4, "Northmore Elementary School", "120150001490", 26.7504496, -80.0634655),
    (501, 5, "Northboro Elementary School", "120150001491", 26.7488533, -80.0528303),
    (601, 6, "Bell Elementary School", "120063002181", 29.7512411, -82.8545722),
    (701, 7, "Ruediger Elementary School", "120111001170", 30.4623794, -84.2885369),
]

PARTNERS = [
    dict(partner_id=1, name="Tallahassee Family Alliance", type="nonprofit",
         website="https://tfa.example.org", email="hello@tfa.example.org",
         principles="Family Engagement;Equity"),
    dict(partner_id=2, name="Leon Teachers Union", type="union", website="https://ltu.example.org",
         email="office@ltu.example.org", principles="Learning and Development"),
    dict(partner_id=3, name="Florida Funders Network", type="foundation",
         website="https://ffn.example.org", email="grants@ffn.example.org",
         principles="Results-Driven Partnership"),
    dict(partner_id=4, name="Palm Beach Youth Voices", type="nonprofit",
         principles="Youth Leadership and Engagement"),
    dict(partner_id=5, name="Glades Learning Lab", type="university",
         principles="Learning and Development"),
    dict(partner_id=6, name="National Policy Center", type="national", principles="Equity"),
    dict(partner_id=7, name="Capital Kids Coalition", type="nonprofit",
         principles="Community Engagement"),
]

ACTIVITIES = [
    dict(activity_id=1, partner_id=1, site_id=101, kind_of_work="implementation",
         principles="Family Engagement", start_date="2021-08-01",
         contact="Ana Diaz <ana@tfa.example.org>"),
    dict(activity_id=2, partner_id=1, site_id=102, kind_of_work="implementation",
         principles="Family Engagement", start_date="2022-01-10"),
    dict(activity_id=3, partner_id=2, area_level="district", area_id=LEON_DISTRICT,
         kind_of_work="professional_learning", principles="Learning and Development",
         start_date="2019-09-01", contact="Sam Lee"),
    dict(activity_id=4, partner_id=2, site_id=201, kind_of_work="technical_assistance",
         principles="Learning and Development", start_date="2020-02-01"),
    dict(activity_id=5, partner_id=3, area_level="state", area_id="12", kind_of_work="funding",
         principles="Results-Driven Partnership", start_date="2018-07-01", contact="Grants desk"),
    dict(activity_id=6, partner_id=3, area_level="county", area_id=PALM_BEACH_COUNTY,
         kind_of_work="funding", start_date="2023-01-01"),
    dict(activity_id=7, partner_id=4, site_id=401, kind_of_work="implementation",
         principles="Youth Leadership and Engagement", start_date="2022-09-01"),
    dict(activity_id=8, partner_id=5, site_id=501, kind_of_work="implementation",
         start_date="2023-09-01"),
    dict(activity_id=9, partner_id=5, site_id=501, kind_of_work="research",
         start_date="2023-09-01"),
    dict(activity_id=10, partner_id=6, site_id=601, kind_of_work="policy", status="ended",
         start_date="2017-01-01", end_date="2020-06-30"),
    dict(activity_id=11, partner_id=7, site_id=701, kind_of_work="implementation", status="planned",
         start_date="2030-01-01"),
]


def florida_frames():
    """The sample frames, with site boundary ids from the real spatial join."""
    sites = pd.DataFrame(SCHOOLS, columns=["site_id", "partner_id", "name", "nces_id", "latitude",
                                           "longitude"])
    b = assign_boundaries(sites["longitude"].to_numpy(), sites["latitude"].to_numpy())
    for col in ("state_fips", "county_fips", "district_geoid", "secondary_district_geoid"):
        sites[col] = b[col].fillna("").astype("str").to_numpy()
    sites["site_kind"] = ["community_school"] * 6 + ["office"]
    acts = [dict(a, area_level=a.get("area_level", "site"), area_id=a.get("area_id", ""))
            for a in ACTIVITIES]
    return make_frames(PARTNERS, sites, acts)


@pytest.fixture(scope="module")
def frames():
    return florida_frames()


def test_join_put_the_schools_in_their_real_districts(frames):
    s = frames.sites.set_index("site_id")
    assert s.loc[101, "district_geoid"] == LEON_DISTRICT
    assert s.loc[101, "county_fips"] == LEON_COUNTY
    assert s.loc[401, "district_geoid"] == PALM_BEACH_DISTRICT
    assert s.loc[601, "district_geoid"] == GILCHRIST_DISTRICT


def test_site_activity_touches_state_county_and_district(frames):
    ap = activity_places(frames)
    got = set(map(tuple, ap[ap["activity_id"] == 1][["level", "place_id"]].to_numpy()))
    assert got == {("state", "12"), ("county", LEON_COUNTY), ("district", LEON_DISTRICT)}


def test_district_activity_touches_district_and_state_not_county(frames):
    ap = activity_places(frames)
    got = set(map(tuple, ap[ap["activity_id"] == 3][["level", "place_id"]].to_numpy()))
    assert got == {("state", "12"), ("district", LEON_DISTRICT)}


def test_county_and_state_activities(frames):
    ap = activity_places(frames)
    county = set(map(tuple, ap[ap["activity_id"] == 6][["level", "place_id"]].to_numpy()))
    state = set(map(tuple, ap[ap["activity_id"] == 5][["level", "place_id"]].to_numpy()))
    assert county == {("state", "12"), ("county", PALM_BEACH_COUNTY)}
    assert state == {("state", "12")}


def test_site_in_elementary_and_secondary_district_touches_both():
    # Phoenix, AZ: elementary and secondary (union high school) districts overlap.
    lat, lon = 33.4484, -112.0740
    b = assign_boundaries([lon], [lat]).iloc[0]
    assert b["district_geoid"] and b["secondary_district_geoid"], "expected a dual-district point"
    f = make_frames([dict(partner_id=1, name="P")],
                    [dict(site_id=1, partner_id=1, name="S", latitude=lat, longitude=lon,
                          state_fips=b["state_fips"], county_fips=b["county_fips"],
                          district_geoid=b["district_geoid"],
                          secondary_district_geoid=b["secondary_district_geoid"])],
                    [dict(activity_id=1, partner_id=1, site_id=1, kind_of_work="funding")])
    districts = set(activity_places(f, levels=("district",))["place_id"])
    assert districts == {b["district_geoid"], b["secondary_district_geoid"]}


def test_as_of_excludes_future_planned_and_already_ended(frames):
    kept = filter_activities(frames, as_of="2025-01-01").activities
    ids = set(kept["activity_id"])
    assert 11 not in ids and 10 not in ids
    assert {1, 2, 3, 4, 5, 6, 7, 8, 9} == ids
    # in 2019 only the state-wide, the district and the since-ended activity had started
    assert set(filter_activities(frames, as_of="2019-12-31").activities["activity_id"]) == {
        3, 5, 10}


def test_date_range_keeps_overlapping_intervals(frames):
    ids = set(filter_activities(frames, date_range=("2020-01-01", "2020-12-31"))
              .activities["activity_id"])
    assert ids == {3, 4, 5, 10}


def test_filters_by_kind_label_principle_and_partner_type(frames):
    f = filter_activities(frames, kinds=["Funding"], partner_types=["foundation"])
    assert set(f.activities["activity_id"]) == {5, 6}
    assert list(f.partners["name"]) == ["Florida Funders Network"]
    assert f.sites.empty  # funding here is area work, at no site
    f = filter_activities(frames, principles="family engagement")
    assert set(f.activities["activity_id"]) == {1, 2}
    assert set(f.sites["site_id"]) == {101, 102}


def test_filter_errors_list_every_problem(frames):
    with pytest.raises(ValueError) as err:
        filter_activities(frames, kinds=["Fundraising"], principles=["Equality"],
                          partners=["Nobody Inc"])
    msg = str(err.value)
    assert "Fundraising" in msg and "Equality" in msg and "Nobody Inc" in msg
    assert "Policy and advocacy" in msg  # lists the valid kinds
