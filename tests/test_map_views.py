"""The pieces the pages' maps and tables are built from, moved out of the page scripts:
which pairs are drawn, what a downloaded map says about itself, the view of a selection,
ranking overlaps, CSV downloads."""
from __future__ import annotations

import io

import pandas as pd
import pytest

from geo import schema
from geo.analysis.columns import display_csv
from geo.analysis.coverage import place_line
from geo.analysis.overlaps import COMPLEMENTARY, DUPLICATION, rank_places
from geo.maps import Bounds
from geo.maps.counts import overlaps_bounds, overlaps_header, pairs_note
from geo.maps.coverage_view import coverage_bounds, coverage_header, gap_values
from geo.maps.pairs import pairs_to_draw
from geo.visibility import viewer_note


def _pairs(n: int) -> pd.DataFrame:
    return pd.DataFrame({"site_a_id": range(n), "site_b_id": range(100, 100 + n),
                         "distance_mi": [i / 10 for i in range(n)]})


def test_pairs_drawn_are_the_nearest_and_always_the_one_picked():
    near = _pairs(5)
    drawn, pick = pairs_to_draw(near, show=True, picked=None, limit=3)
    assert list(drawn["site_a_id"]) == [0, 1, 2] and pick is None
    drawn, pick = pairs_to_draw(near, show=False, picked=None, limit=3)
    assert drawn.empty and pick is None
    drawn, pick = pairs_to_draw(near, show=False, picked=4, limit=3)  # beyond the limit
    assert list(drawn["site_a_id"]) == [0, 1, 2, 4] and pick == 3
    drawn, pick = pairs_to_draw(near, show=True, picked=1, limit=3)
    assert list(drawn["site_a_id"]) == [0, 1, 2] and pick == 1


def test_overlaps_map_header_and_note_say_what_is_drawn():
    note = pairs_note(3, 10, 1.5)
    assert note == ("Orange lines: sites of different partners within 1.5 mi of each other "
                    "(the nearest 3 of 10).")
    assert pairs_note(0, 10, 1.0) == ""
    header = overlaps_header("county", ["Status: Active"], outlined="Leon County, FL", note=note,
                             sample=True)
    assert header.title == "Overlaps: partners per county"
    assert header.details == ("Partners per county", "Status: Active",
                              "Outlined in red: Leon County, FL", note)
    assert header.sample and any("Census" in s for s in header.sources)


def test_coverage_header_names_the_need_source_only_when_need_is_shown():
    plain = coverage_header("Partners per state", "Quantiles", [], gap_legend=None,
                            level="state", need_source="SAIPE", sample=False)
    assert plain.details == ("Partners per state, quantiles classes",)
    assert not any("SAIPE" in s for s in plain.sources)
    gaps = coverage_header("Partners per state", "Quantiles", [], gap_legend="Gaps: top 50",
                           level="state", need_source="SAIPE", sample=False)
    assert "Gaps: top 50" in gaps.details and any("SAIPE" in s for s in gaps.sources)


def test_views_of_a_selection_are_bounds_around_it():
    assert coverage_bounds(None) is None and overlaps_bounds("district", None, None) is None
    leon = coverage_bounds("1201110")
    assert isinstance(leon, Bounds) and leon.north - leon.south >= 1.0
    state = overlaps_bounds("district", None, "12")
    assert isinstance(state, Bounds) and state.south < 25.5 and state.north > 30.5


def test_gap_values_are_the_first_districts_by_the_measure():
    table = pd.DataFrame({"place_id": ["1", "2", "3"], "children_in_poverty": [30, 20, 10]})
    assert gap_values(table, "children_in_poverty", 2).to_dict() == {"1": 30, "2": 20}


def test_rank_places_by_kind_of_overlap_and_by_shared_kinds():
    places = pd.DataFrame({"place_id": ["a", "b", "c"], "overlap": [COMPLEMENTARY, DUPLICATION,
                                                                    DUPLICATION],
                           "n_shared_kinds": [0, 1, 2], "partners": [5, 3, 2],
                           "activities": [9, 4, 2]})
    assert list(rank_places(places)["place_id"]) == ["a", "b", "c"]
    assert list(rank_places(places, kind="duplication")["place_id"]) == ["b", "c"]
    assert list(rank_places(places, kind="complementary")["place_id"]) == ["a"]
    assert list(rank_places(places, rank="same")["place_id"]) == ["c", "b", "a"]


def test_display_csv_is_neutralised_with_display_names_and_a_bom():
    data = display_csv(pd.DataFrame({"partner": ["=HYPERLINK(1)"], "partners": [2]}))
    assert data.startswith("\ufeff".encode())
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str)
    assert list(back.columns) == ["Partner", "Partners"]
    assert not back.iloc[0, 0].startswith("=")


@pytest.mark.parametrize("level, poverty", [("district", True), ("county", False)])
def test_place_line_says_the_figures_of_a_place(level, poverty):
    row = pd.Series({"place": "Leon", "partners": 2, "activities": 5, "sites": 3,
                     "community_schools": 1, "children_5_17": 30000,
                     "children_in_poverty": 6000, "pct_poverty": 20.0})
    text = place_line(row, level, " (active)")
    assert text.startswith("Selected: Leon — 2 partners, 5 activities, 3 partner sites "
                           "(1 community schools) (active).")
    assert ("in poverty: 6,000 (20.0%)" in text) is poverty


def test_viewer_note_warns_staff_and_explains_the_public_view():
    assert schema.ANONYMOUS_PARTNER in viewer_note("public")
    assert "do not share beyond the coalition" in viewer_note("staff")
