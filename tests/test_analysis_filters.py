"""A view's filters as one value (geo.analysis.filters.Filters): what it narrows the
frames to, the choices a filter panel offers, and the filters in words."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from geo.analysis import activity_places
from geo.analysis.filters import (
    PRINCIPLE_CODES,
    Filters,
    date_bounds,
    describe,
    in_state,
    partner_options,
    state_options,
    summary_lines,
)
from geo.sample import make_sample
from geo.schema import EARLIEST_DATE, LATEST_DATE


@pytest.fixture(scope="module")
def frames():
    return make_sample()


def test_no_filter_is_inactive_and_keeps_everything(frames):
    assert not Filters().active
    assert Filters().apply(frames) is frames
    assert describe(Filters()) == ""
    assert summary_lines(Filters(), frames.partners) == ["No filters"]


def test_kind_and_principle_codes_narrow_the_activities(frames):
    kind = str(frames.activities["kind_of_work"].iloc[0])
    out = Filters(kinds=(kind,), principles=("equity",)).apply(frames)
    assert len(out.activities) > 0
    assert set(out.activities["kind_of_work"]) == {kind}
    assert all(PRINCIPLE_CODES["equity"] in p for p in out.activities["principles"])
    assert set(out.sites["site_id"]) <= set(out.activities["site_id"].dropna())
    assert describe(Filters(kinds=(kind,))) == " with these filters"


def test_a_state_keeps_its_sites_and_the_activities_touching_it(frames):
    state = str(frames.sites["state_fips"].iloc[0])
    out = Filters(state_fips=state).apply(frames)
    assert set(out.sites["state_fips"].astype(str)) == {state}
    touched = activity_places(frames, levels=("state",))
    expected = set(touched.loc[touched["place_id"] == state, "activity_id"])
    assert set(out.activities["activity_id"]) == expected
    assert len(out.partners) == len(frames.partners)  # kept whole for contacts
    assert in_state(frames, "99").activities.empty


def test_filters_are_hashable_values():
    a = Filters(kinds=("funding",), as_of=dt.date(2025, 1, 1))
    assert a == Filters(kinds=("funding",), as_of=dt.date(2025, 1, 1))
    assert len({a, Filters(kinds=("funding",), as_of=dt.date(2025, 1, 1))}) == 1


def test_repeated_partner_names_get_their_id():
    partners = pd.DataFrame({"partner_id": [3, 1, 2], "name": ["b", "A partner", "A partner"]})
    assert partner_options(partners) == {"1": "A partner (#1)", "2": "A partner (#2)",
                                         "3": "b"}


def test_states_are_offered_by_name_with_their_postal_code():
    options = state_options()
    assert options["FL"] == "Florida (FL)"
    assert list(options)[:2] == ["AL", "AK"]


def test_date_bounds_widen_to_the_data():
    acts = pd.DataFrame({"start_date": ["1940-05-01", None], "end_date": [None, "2200-01-01"]})
    frames = type("F", (), {"activities": acts})()
    assert date_bounds(frames) == (dt.date(1940, 5, 1), dt.date(2200, 1, 1))
    empty = type("F", (), {"activities": acts.iloc[0:0]})()
    assert date_bounds(empty) == (EARLIEST_DATE, LATEST_DATE)


def test_summary_lines_name_partners_as_the_viewer_sees_them():
    partners = pd.DataFrame({"partner_id": [1], "name": ["A coalition partner"]})
    lines = summary_lines(Filters(partners=(1, 9), kinds=("funding",), statuses=("active",),
                                  state_fips="12", as_of=dt.date(2025, 3, 1)), partners)
    assert lines[0] == "Partner: A coalition partner, #9"
    assert lines[1].startswith("Kind of work: ")
    assert "Status: Active" in lines
    assert "State: FL" in lines
    assert lines[-1] == "As of 2025-03-01"
