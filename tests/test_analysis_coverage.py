"""Coverage, gaps, summaries and classification on real Florida schools and real need data."""
from __future__ import annotations

import numpy as np
import pytest

from geo import boundaries
from geo.analysis import (
    activities_by_start_year,
    activities_per_state,
    classify,
    coverage,
    filter_activities,
    gaps,
    summary,
)
from test_analysis_places import LEON_DISTRICT, florida_frames


@pytest.fixture(scope="module")
def frames():
    return florida_frames()


def test_coverage_lists_every_place_with_zeros(frames):
    states = coverage(frames, "state")
    assert len(states) == len(boundaries.states())
    fl = states.set_index("place_id").loc["12"]
    assert (fl["partners"], fl["activities"], fl["sites"], fl["community_schools"]) == (7, 11, 7, 6)
    assert (states.set_index("place_id").drop("12")["partners"] == 0).all()
    districts = coverage(frames, "district")
    assert len(districts) == len(boundaries.districts(detail="join"))
    assert districts.iloc[0]["place_id"] == LEON_DISTRICT  # most partners first


def test_district_coverage_joins_need(frames):
    d = coverage(frames, "district").set_index("place_id")
    need = boundaries.need().set_index("geoid")
    assert (d.loc[LEON_DISTRICT, "children_in_poverty"]
            == need.loc[LEON_DISTRICT, "children_in_poverty"])
    assert d.loc[LEON_DISTRICT, "partners"] == 3


def test_county_coverage_leaves_district_work_out(frames):
    c = coverage(frames, "county").set_index("place_id")
    # Leon County: Family Alliance and Union sites, planned Capital Kids office; the
    # Union's district-wide work adds no partner beyond those.
    assert c.loc["12073", "partners"] == 3
    assert c.loc["12073", "activities"] == 4  # site activities 1, 2, 4, 11


def test_metric_selects_value(frames):
    c = coverage(frames, "state", metric="activities").set_index("place_id")
    assert c.loc["12", "value"] == 11
    with pytest.raises(ValueError, match="metric must be one of"):
        coverage(frames, "state", metric="dollars")
    with pytest.raises(ValueError, match="level must be one of"):
        coverage(frames, "tract")


def test_as_of_changes_coverage(frames):
    early = filter_activities(frames, as_of="2019-12-31")
    fl = coverage(early, "state").set_index("place_id").loc["12"]
    assert fl["activities"] == 3


def test_gaps_rank_districts_without_partners_by_children_in_poverty(frames):
    g = gaps(frames)
    assert LEON_DISTRICT not in set(g["place_id"])
    need = boundaries.need().dropna(subset=["children_in_poverty"])
    # no Puerto Rico layer
    need = need[need["geoid"].isin(boundaries.districts(detail="join")["geoid"])]
    top = need.sort_values("children_in_poverty", ascending=False).iloc[0]
    assert g.iloc[0]["place_id"] == top["geoid"]  # Los Angeles Unified, no partner there
    assert list(g["rank"][:3]) == [1, 2, 3]
    by_share = gaps(frames, by="pct_poverty", min_children_in_poverty=1000)
    assert by_share["pct_poverty"].is_monotonic_decreasing
    with_few = gaps(frames, max_partners=3)
    assert LEON_DISTRICT in set(with_few["place_id"])


def test_summaries(frames):
    per_state = activities_per_state(frames)
    assert per_state.iloc[0]["state"] == "FL" and per_state.iloc[0]["activities"] == 11
    years = activities_by_start_year(frames)
    assert dict(zip(years["start_year"], years["activities"], strict=True))["2023"] == 3
    s = summary(frames)
    assert (s["districts_with_activity"] == 3 and s["counties_with_activity"] == 3
            and s["community_schools"] == 6)


def test_classify_keeps_zero_apart():
    values = [0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 40]
    c = classify(values, method="quantiles", k=3)
    assert list(c.classes[:2]) == [0, 0] and c.labels[0] == "None"
    assert c.classes.iloc[2] == 1 and c.classes.iloc[-1] == 3
    assert len(c.labels) == 4
    eq = classify(values, method="equal_interval", k=4)
    assert eq.classes.iloc[-1] == 4 and eq.classes.iloc[10] == 1  # 9 is in the lowest band of 1..40
    nb = classify(values, method="natural_breaks", k=2)
    assert nb.classes.iloc[-1] == 2 and nb.classes.iloc[10] == 1  # 40 stands alone
    assert classify([0, 0], method="quantiles").labels == ["None"]
    assert classify([0, 2, 2, 5]).labels == ["None", "2", "3 - 5"]
    with pytest.raises(ValueError, match="method must be one of"):
        classify([1, 2], method="jenks")


def test_natural_breaks_give_the_same_legend_every_time():
    # Skewed counts like partners per district: k-means from random starts used to
    # move the breaks between reruns of the same map.
    rng = np.random.default_rng(7)
    values = np.round(rng.lognormal(mean=1.0, sigma=1.1, size=5000)) + 1
    first = classify(values, method="natural_breaks", k=5)
    for _ in range(3):
        again = classify(values, method="natural_breaks", k=5)
        assert again.labels == first.labels and again.upper == first.upper
    assert first.upper[-1] == values.max() and first.k == 5
