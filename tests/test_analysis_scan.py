"""Scan, place lookup and fit ranking on real Florida schools (see test_analysis_places)."""
from __future__ import annotations

import pandas as pd
import pytest

from geo.analysis import (
    PlaceNotFound,
    UnknownTermError,
    find_places,
    for_display,
    parse_needs,
    rank_fit,
    resolve_place,
    scan,
)
from geo.analysis.distance import haversine_mi
from test_analysis_places import LEON_COUNTY, LEON_DISTRICT, PALM_BEACH_DISTRICT, florida_frames


@pytest.fixture(scope="module")
def frames():
    return florida_frames()


def test_resolve_district_has_name_state_and_county():
    place = resolve_place(district=LEON_DISTRICT)
    assert place.label == "Leon County School District, FL"
    assert place.county_fips == (LEON_COUNTY,)
    assert place.district_geoids == (LEON_DISTRICT,)
    assert place.geometry.contains(__import__("shapely").Point(place.center[1], place.center[0]))


def test_resolve_state_by_postal_name_or_fips():
    for value in ("FL", "fl", "Florida", "12"):
        p = resolve_place(state=value)
        assert (p.level, p.id, p.name) == ("state", "12", "Florida")
    assert LEON_DISTRICT in resolve_place(state="FL").district_geoids


def test_resolve_zip_finds_its_district():
    p = resolve_place(zip="32301")  # downtown Tallahassee
    assert p.level == "zip" and p.district_geoids == (LEON_DISTRICT,) and p.state == "FL"


def test_unknown_ids_have_fix_it_messages():
    with pytest.raises(PlaceNotFound,
                       match="No school district with GEOID 1299999; check the 7-digit NCES LEAID"):
        resolve_place(district="1299999")
    with pytest.raises(PlaceNotFound, match="5-digit county FIPS"):
        resolve_place(county="1207")
    with pytest.raises(PlaceNotFound, match="No ZIP code"):
        resolve_place(zip="00000")
    with pytest.raises(PlaceNotFound, match="exactly one place"):
        resolve_place(state="FL", zip="32301")
    with pytest.raises(PlaceNotFound, match="swap"):
        resolve_place(point="120.5,30.4")


def test_find_places_understands_name_with_state_and_zip():
    labels = [s.label for s in find_places("Leon, FL")]
    assert "Leon County School District, FL" in labels
    assert find_places("Florida")[0].id == "12"
    assert find_places("32301")[0].level == "zip"
    assert find_places("leon county school")[0].resolve().id == LEON_DISTRICT


def test_scan_district_lists_partners_in_and_covering(frames):
    r = scan(frames, resolve_place(district=LEON_DISTRICT))
    presence = dict(zip(r.partners["partner"], r.partners["presence"], strict=True))
    assert presence == {
        "Tallahassee Family Alliance": "in this place",
        "Leon Teachers Union": "in this place",
        "Capital Kids Coalition": "in this place",
        "Florida Funders Network": "covers this place (state-wide work)",
    }
    row = r.partners.set_index("partner").loc["Tallahassee Family Alliance"]
    assert row["sites_here"] == 2 and row["nearest_mi"] == 0
    assert str(row["since"]) == "2021-08-01"
    assert row["website"] == "https://tfa.example.org"
    assert row["contact"] == "Ana Diaz <ana@tfa.example.org>"
    union = r.partners.set_index("partner").loc["Leon Teachers Union"]
    assert union["kinds_of_work"] == "Professional learning; Technical assistance and coaching"
    assert str(union["since"]) == "2019-09-01"
    assert set(r.sites["site_id"]) == {101, 102, 201, 701}
    assert r.sites["community_school"].sum() == 3
    need = r.need.iloc[0]
    assert (need["geoid"] == LEON_DISTRICT and need["children_5_17"] > 30000
            and 0 < need["pct_poverty"] < 100)
    assert r.need_source == "Urban Institute, SAIPE/ACS 2014-2018"
    assert "Partner" in for_display(r.partners).columns


def test_scan_empty_district_says_so(frames):
    wakulla = find_places("Wakulla, FL")[0].resolve()
    r = scan(frames, wakulla)
    assert "No partner works in this district yet." in r.messages
    # state-wide work still covers it
    assert list(r.partners["partner"]) == ["Florida Funders Network"]


def test_scan_point_with_radius_measures_distance(frames):
    lat, lon = 26.7504496, -80.0634655  # at Northmore Elementary
    r = scan(frames, resolve_place(point=(lat, lon)), radius_mi=1)
    by = r.partners.set_index("partner")
    assert by.loc["Palm Beach Youth Voices", "nearest_mi"] == 0
    expected = haversine_mi(lon, lat, -80.0528303, 26.7488533)
    assert by.loc["Glades Learning Lab", "nearest_mi"] == pytest.approx(expected, abs=0.01)
    assert 0.6 < expected < 0.7


def test_scan_radius_adds_partners_just_outside(frames):
    # Gilchrist County (1200630) with a 100-mile radius reaches Tallahassee but not Palm Beach.
    r = scan(frames, resolve_place(district="1200630"), radius_mi=100)
    presence = dict(zip(r.partners["partner"], r.partners["presence"], strict=True))
    assert presence["National Policy Center"] == "in this place"
    assert presence["Tallahassee Family Alliance"] == "within 100 mi"
    assert "Palm Beach Youth Voices" not in presence
    nearest = r.partners.set_index("partner").loc["Tallahassee Family Alliance", "nearest_mi"]
    assert 30 < nearest < 100


def test_fit_ranks_expertise_and_presence_with_reasons(frames):
    fit = rank_fit(frames, resolve_place(district=LEON_DISTRICT), "Family Engagement;Funding")
    assert fit.iloc[0]["name"] == "Tallahassee Family Alliance"
    assert fit.iloc[0]["score"] == 70  # 60 * 1/2 + 40 (sites in the district)
    assert fit.iloc[0]["reasons"].startswith("works on Family Engagement; 2 sites in this district")
    funders = fit.set_index("name").loc["Florida Funders Network"]
    assert funders["score"] == 40 and "state-wide work in FL" in funders["reasons"]
    # ended work does not count, but the partner's site in Gilchrist County is in the state
    assert fit.set_index("name").loc["National Policy Center", "presence_points"] == 10
    assert len(fit) == 7 and list(fit.index) == list(range(1, 8))


def test_fit_ignores_ended_work(frames):
    fit = rank_fit(frames, resolve_place(district="1200630"), ["policy"]).set_index("name")
    # National Policy Center's only activity (policy, Gilchrist) ended in 2020
    assert fit.loc["National Policy Center", "expertise_points"] == 0
    assert fit.loc["National Policy Center", "presence_points"] == 40  # its site is still there


def test_needs_accept_codes_and_labels_and_reject_unknown():
    n = parse_needs("family engagement; FUNDING ;Technical assistance and coaching;policy")
    assert (n.principles == ("Family Engagement",)
            and n.kinds == ("funding", "technical_assistance", "policy"))
    with pytest.raises(UnknownTermError,
                       match="'Fundraising'.*Valid|Fundraising.*Results-Driven Partnership"):
        parse_needs("Fundraising")


def test_nearest_site_of_a_partner_present_only_through_area_work():
    from geo.analysis.frames import make_frames
    from test_analysis_places import PARTNERS

    base = florida_frames()
    sites = base.sites.copy()
    extra = sites[sites["site_id"] == 101].assign(site_id=301, partner_id=3, name="Funders office")
    f = make_frames(PARTNERS, pd.concat([sites, extra]), base.activities)
    r = scan(f, resolve_place(district=PALM_BEACH_DISTRICT))
    row = r.partners.set_index("partner").loc["Florida Funders Network"]
    assert row["presence"] == "covers this place (county-wide work)"
    # Tallahassee to the nearest edge of Palm Beach County's district: about 330 miles as the
    # crow flies
    assert 300 < row["nearest_mi"] < 380
    assert row["sites_here"] == 0


def test_search_ranks_whole_name_matches_and_asks_when_several_states_match():
    from geo.analysis import best_match

    found = find_places("Denver")
    # Whole-name matches only (no "Denver City" before "Denver County"), the largest first.
    assert [s.label for s in found[:2]] == ["Denver County School District 1, CO", "Denver, CO"]
    assert {s.state for s in found if s.exact} == {"CO", "TX", "IA"}
    assert best_match(found) is None  # three states: the user picks
    # Partner activity ranks first among equal matches.
    busy = find_places("Denver", partners={"4816770": 3})
    assert busy[0].id == "4816770"
    # One state, or a state named: open it.
    assert best_match(find_places("Leon, FL")).id == LEON_DISTRICT
    assert best_match(find_places("Denver, Colorado")).id == "0803360"
    assert best_match(find_places("Florida")).id == "12"
    assert best_match(find_places("ZIP 80205")).level == "zip"
    # Part of a word ranks after whole words: "Cook" lists Contoocook last.
    cook = [s.label for s in find_places("Cook", limit=30)]
    assert cook.index("Contoocook Valley School District, NH") > cook.index("Cook, IL")


def test_puerto_rico_places_resolve_to_its_one_district():
    for place in (resolve_place(zip="00901"), resolve_place(point="18.4655,-66.1057"),
                  resolve_place(district="7200030"), resolve_place(state="PR")):
        assert place.district_geoids == ("7200030",), place.label
    district = resolve_place(district="7200030")
    assert district.label == "Puerto Rico Department of Education, PR"
    assert [s.id for s in find_places("Puerto Rico Department")] == ["7200030"]
    with pytest.raises(PlaceNotFound, match="not in the United States"):
        resolve_place(point="0,0")


def test_a_zip_scan_counts_the_zip_codes_own_sites(frames):
    zip_code = "32301"
    r = scan(frames, resolve_place(zip=zip_code))
    district = scan(frames, resolve_place(district=LEON_DISTRICT))
    # These Florida schools carry no ZIP code: each lies in the ZIP whose centroid is nearest.
    from geo.analysis.gazetteer import nearest_zip
    in_zip = frames.sites[nearest_zip(frames.sites["longitude"], frames.sites["latitude"])
                          == zip_code]
    assert 0 < r.sites["inside"].sum() == len(in_zip) < district.sites["inside"].sum()
    assert r.summary.startswith(f"{r.partners['presence'].eq('in this ZIP code').sum()} partner")
