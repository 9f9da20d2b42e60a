"""Overlaps, partner pairs, introductions and nearby sites on real Florida schools."""
from __future__ import annotations

import pytest
from pyproj import Geod

from geo.analysis import (
    filter_activities,
    introductions,
    nearby_pairs,
    overlap_places,
    partner_pairs,
)
from geo.analysis.frames import make_frames
from test_analysis_places import LEON_DISTRICT, PALM_BEACH_DISTRICT, florida_frames


@pytest.fixture(scope="module")
def frames():
    return florida_frames()


def test_district_overlaps_rank_and_type(frames):
    o = overlap_places(frames, "district")
    assert list(o["place_id"]) == [LEON_DISTRICT, PALM_BEACH_DISTRICT]  # 3 partners, then 2
    leon = o.iloc[0]
    assert leon["place"] == "Leon County School District, FL" and leon["partners"] == 3
    assert leon["overlap"] == "possible duplication"  # two partners doing implementation
    assert leon["shared_kinds"] == "Implementation / direct services"
    assert o.iloc[1]["overlap"] == "possible duplication"


def test_without_planned_work_leon_is_complementary(frames):
    active = filter_activities(frames, statuses=["active"])
    o = overlap_places(active, "district").set_index("place_id")
    assert o.loc[LEON_DISTRICT, "partners"] == 2
    assert o.loc[LEON_DISTRICT, "overlap"] == "complementary"
    assert o.loc[LEON_DISTRICT, "shared_kinds"] == ""


def test_state_level_counts_area_work(frames):
    o = overlap_places(frames, "state")
    assert list(o["place_id"]) == ["12"] and o.iloc[0]["partners"] == 7
    assert "Funding" in o.iloc[0]["kinds"]


def test_county_level_includes_county_work(frames):
    o = overlap_places(frames, "county").set_index("place_id")
    # Palm Beach County: two site partners and the Funders' county-wide grant
    assert o.loc["12099", "partners"] == 3
    assert o.loc["12099", "partner_names"] == ("Florida Funders Network; Glades Learning Lab; "
                                               "Palm Beach Youth Voices")


def test_no_overlap_is_an_empty_table_with_columns():
    f = make_frames([dict(partner_id=1, name="Solo")], [],
                    [dict(activity_id=1, partner_id=1, area_level="district", area_id=LEON_DISTRICT,
                          kind_of_work="funding")])
    o = overlap_places(f, "district")
    assert o.empty and "partners" in o.columns
    assert partner_pairs(f).empty


def test_partner_pairs_names_places_and_same_kinds(frames):
    pairs = partner_pairs(frames)
    key = {(r.partner_a, r.partner_b): r for r in pairs.itertuples()}
    pb = key[("Palm Beach Youth Voices", "Glades Learning Lab")]
    assert pb.places == 1 and pb.place_names == "Palm Beach County School District, FL"
    assert pb.same_kinds == "Implementation / direct services"
    union = key[("Tallahassee Family Alliance", "Leon Teachers Union")]
    assert union.same_kinds == ""
    assert len(pairs) == 4


def test_introductions_carry_both_contacts(frames):
    intro = introductions(frames)
    row = intro[(intro["partner_a"] == "Tallahassee Family Alliance")
                & (intro["partner_b"] == "Leon Teachers Union")]
    assert len(row) == 1
    r = row.iloc[0]
    assert r["a_email"] == "hello@tfa.example.org" and r["b_email"] == "office@ltu.example.org"
    assert r["a_contacts"] == "Ana Diaz <ana@tfa.example.org>" and r["b_contacts"] == "Sam Lee"
    assert r["why"] == ("Both work in 1 place (Leon County School District, FL), "
                        "on different kinds of work.")
    # the viewer's redacted contacts replace the stored ones
    redacted = frames.partners.assign(email="")
    assert (introductions(frames, redacted)["a_email"] == "").all()


def test_nearby_pairs_only_between_different_partners(frames):
    pairs = nearby_pairs(frames, miles=1.0)
    assert len(pairs) == 1
    r = pairs.iloc[0]
    assert {r["site_a"], r["site_b"]} == {"Northmore Elementary School",
                                          "Northboro Elementary School"}
    _, _, metres = Geod(ellps="WGS84").inv(-80.0634655, 26.7504496, -80.0528303, 26.7488533)
    assert r["distance_mi"] == pytest.approx(metres / 1609.344, rel=0.005)
    assert r["state"] == "FL"
    # Hartsfield and Sullivan are 1.5 mi apart but belong to the same partner: never a pair
    wide = nearby_pairs(frames, miles=3.0)
    same = wide[(wide["partner_a_id"] == wide["partner_b_id"])]
    assert same.empty
    assert {"Apalachee Elementary School", "Frank Hartsfield Elementary School"} <= (
        set(wide["site_a"]) | set(wide["site_b"]))


def test_nearby_pairs_rejects_bad_distance(frames):
    with pytest.raises(ValueError, match="positive"):
        nearby_pairs(frames, miles=0)
