"""The Overlaps page's tables: places with two or more partners, introductions to make,
partner pairs, nearby sites of different partners, and the partners of the selected place.
UI only, over :mod:`geo.analysis.overlaps`; each function draws into the current container.
"""
from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from geo.analysis import Place, ScanResult, for_display, introductions, nearby_pairs
from geo.analysis.columns import display_csv
from geo.analysis.overlaps import COUNTING_NOTE, DUPLICATION
from geo.safe import safe_urls
from pages import _filters, _query, _ui

LEVELS = {"district": "School districts", "county": "Counties", "state": "States"}
PLACE_COLUMNS = ["place", "state", "partners", "activities", "overlap", "shared_kinds", "kinds",
                 "partner_names"]
PAIR_COLUMNS = ["partner_a", "partner_b", "places", "same_kinds", "place_names"]
NEARBY_COLUMNS = ["distance_mi", "site_a", "partner_a", "site_b", "partner_b", "state",
                  "district_geoid"]
INTRO_COLUMNS = ["partner_a", "partner_b", "places", "why", "a_website", "a_email", "a_contacts",
                 "b_website", "b_email", "b_contacts"]
SCAN_COLUMNS = ["partner", "presence", "kinds_of_work", "status", "since", "sites_here", "website",
                "email", "contact"]
MAX_PAIRS_DRAWN = 1000
# Rows of a ranked table sent to the browser (the downloads have every row): at national
# scale the four tables were ~38 MB per visitor, most of the page's server time.
TABLE_ROWS = 1000


def _csv(df: pd.DataFrame, partners: pd.DataFrame):
    """The table as a CSV download for this viewer (no ids of withheld partners for the
    public); built only when the download button is clicked (at national scale, building
    every CSV on every run took most of the page's server time)."""
    return partial(display_csv, df, partners, _ui.viewer_role())


def picked_row(key: str) -> int | None:
    """The row newly picked in table ``key`` since the last run, or None (a pick counts
    once, so a later map click is not overridden by a row picked earlier)."""
    state = st.session_state.get(key)
    rows = list(getattr(getattr(state, "selection", None), "rows", None) or
                (state.get("selection", {}).get("rows", []) if isinstance(state, dict) else []))
    seen = f"_{key}_seen"
    pick = rows[0] if rows else None
    if st.session_state.get(seen) == pick:
        return None
    st.session_state[seen] = pick
    return pick


def selected_partners(found: ScanResult, place: Place) -> None:
    """Every partner working in or covering the selected place, with how to reach it."""
    st.markdown(f"**Partners in {place.label}**")
    details = found.partners[SCAN_COLUMNS].assign(website=safe_urls(found.partners["website"]))
    st.dataframe(for_display(details), hide_index=True, width="stretch",
                 column_config={"Website": st.column_config.LinkColumn("Website")})


def places_table(places: pd.DataFrame, partners: pd.DataFrame, *, level: str, noun: str,
                 kind: str, with_filters: str) -> None:
    """Places with two or more partners (a row picked shows it on the map)."""
    n_dup = int((places["overlap"] == DUPLICATION).sum())
    m1, m2, m3 = st.columns(3)
    m1.metric(f"{LEVELS[level]} with 2+ partners", f"{len(places):,}")
    m2.metric("Same kind of work", f"{n_dup:,}",
              help="Possible duplication: two or more partners do the same kind of work there.")
    m3.metric("Different kinds only", f"{len(places) - n_dup:,}")
    if places.empty:
        which = {"duplication": " on the same kind of work",
                 "complementary": " on different kinds of work only"}
        st.info(f"No {noun} has two or more partners{which.get(kind, '')}{with_filters}.")
    else:
        st.caption(f"Pick a row to show the {noun} on the map.")
        _ui.table(for_display(_ui.first_rows(places[PLACE_COLUMNS], TABLE_ROWS)),
                  key="ov_places_table", on_select="rerun", selection_mode="single-row")
        st.download_button("Download places (CSV)",
                           _csv(places[["place_id", *PLACE_COLUMNS]], partners),
                           file_name=f"overlaps_{level}.csv", mime="text/csv", key="ov_dl_places",
                           on_click="ignore")
    st.caption(COUNTING_NOTE)


def introductions_table(filters: _filters.Filters, pairs: pd.DataFrame,
                        partners: pd.DataFrame, *, level: str, noun: str,
                        with_filters: str) -> None:
    """Pairs of partners to introduce to each other, with why and how to reach them."""
    if pairs.empty:
        st.info(f"No two partners share a {noun}{with_filters}: no introduction to suggest.")
    else:
        intros = _filters.cached(introductions, filters, level=level)
        st.caption(f"Pairs of partners working in the same {noun}s, most shared places first, "
                   "with why to introduce them and how to reach each (as far as you may see it).")
        st.metric("Introductions to make", f"{len(intros):,}")
        first = _ui.first_rows(intros, TABLE_ROWS)
        shown = first[INTRO_COLUMNS].assign(a_website=safe_urls(first["a_website"]),
                                            b_website=safe_urls(first["b_website"]))
        _ui.table(for_display(shown),
                  column_config={"A website": st.column_config.LinkColumn("A website"),
                                 "B website": st.column_config.LinkColumn("B website")})
        st.download_button("Download introductions list (CSV)", _csv(intros, partners),
                           file_name=f"introductions_{level}.csv", mime="text/csv",
                           key="ov_dl_intros", on_click="ignore",
                           help="Both partners of each pair with their website, e-mail and local "
                                "contacts (as far as you may see them) and why to introduce them.")


def pairs_table(pairs: pd.DataFrame, *, noun: str, with_filters: str) -> None:
    """Pairs of partners active in the same places."""
    st.caption(f"Pairs of partners active in the same {noun}s (the level chosen under “Places”), "
               "most shared places first.")
    if pairs.empty:
        st.info(f"No two partners share a {noun}{with_filters}.")
    else:
        st.metric("Partner pairs", f"{len(pairs):,}")
        _ui.table(for_display(_ui.first_rows(pairs[PAIR_COLUMNS], TABLE_ROWS)))


def nearby_table(filters: _filters.Filters, partners: pd.DataFrame, *,
                 with_filters: str) -> tuple[pd.DataFrame, float, bool, int | None]:
    """Sites of different partners within a distance; returns them, the distance, whether
    to draw them and the row picked (drawn in red and zoomed to)."""
    near_pick = None
    miles = _filters.number("Within (miles)", param="mi", key="ov_mi", default=1.0, lo=0.1,
                            hi=25.0, step=0.5,
                            help="Sites of different partners at most this far apart.")
    # On by default (?pairs=0 hides them): the pairs are the point of this tab.
    if "ov_show_pairs" not in st.session_state:
        st.session_state["ov_show_pairs"] = _query.read("pairs", _query.parse_choice,
                                                        ["0", "1"]) != "0"
    show_pairs = st.checkbox("Draw the site pairs on the map", key="ov_show_pairs",
                             help="Both sites and a line between them, "
                                  f"the nearest {MAX_PAIRS_DRAWN:,} pairs at most. "
                                  "Picking a row draws that pair in red and zooms to it.")
    _query.write({"pairs": None if show_pairs else "0"})
    near = _filters.cached(nearby_pairs, filters, miles)
    if near.empty:
        st.info("No sites of different partners are within "
                f"{miles:g} mile{'s' if miles != 1 else ''} "
                f"of each other{with_filters}.")
    else:
        st.metric("Site pairs", f"{len(near):,}")
        st.caption("Pick a row to show the pair on the map.")
        _ui.table(for_display(_ui.first_rows(near[NEARBY_COLUMNS], TABLE_ROWS)),
                  key="ov_near_table", on_select="rerun", selection_mode="single-row")
        st.download_button("Download nearby sites (CSV)", _csv(near, partners),
                           file_name="nearby_sites.csv",
                           mime="text/csv", key="ov_dl_nearby", on_click="ignore")
        state = st.session_state.get("ov_near_table")
        rows = list(getattr(getattr(state, "selection", None), "rows", None) or [])
        near_pick = rows[0] if rows and rows[0] < min(len(near), TABLE_ROWS) else None
    return near, miles, show_pairs, near_pick

