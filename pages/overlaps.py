"""Overlaps ("who else works here"): places, partner pairs and nearby sites where
partners' work meets, for coalition staff making introductions.

Thin UI over :mod:`geo.analysis.overlaps` and :mod:`geo.maps`; filters and the
selected district live in the URL (:mod:`pages._filters`).
"""
from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pandas as pd
import streamlit as st

from geo import visibility
from geo.analysis import (
    PlaceNotFound,
    for_display,
    introductions,
    nearby_pairs,
    overlap_places,
    partner_pairs,
    resolve_place,
)
from geo.analysis.overlaps import COMPLEMENTARY, DUPLICATION
from geo.analysis.place_params import scan_params
from geo.assets import MapHeader
from geo.maps import (
    BOUNDARY_SOURCE,
    RECORDS_SOURCE,
    add_image_export,
    add_site_pairs,
    bounds_of,
    level_of,
    pair_bounds,
    partner_count_map,
)
from geo.safe import safe_urls
from geo.spreadsheet import neutralise_frame
from pages import _filters, _query, _ui

LEVELS = {"district": "School districts", "county": "Counties", "state": "States"}
LEVEL_NOUNS = {"district": "district", "county": "county", "state": "state"}
KINDS = {"all": "All overlaps", "duplication": "Same kind of work (possible duplication)",
         "complementary": "Different kinds only (complementary)"}
RANKS = {"partners": "Most partners", "same": "Most same-kind overlap"}
PLACE_COLUMNS = ["place", "state", "partners", "activities", "overlap", "shared_kinds", "kinds",
                 "partner_names"]
PAIR_COLUMNS = ["partner_a", "partner_b", "places", "same_kinds", "place_names"]
NEARBY_COLUMNS = ["distance_mi", "site_a", "partner_a", "site_b", "partner_b", "state",
                  "district_geoid"]
INTRO_COLUMNS = ["partner_a", "partner_b", "places", "why", "a_website", "a_email", "a_contacts",
                 "b_website", "b_email", "b_contacts"]
PLACE_PATTERNS = {"district": r"\d{7}", "county": r"\d{5}", "state": r"\d{2}"}
MAX_PAIRS_DRAWN = 1000
# Rows of a ranked table sent to the browser (the downloads have every row): at national
# scale the four tables were ~38 MB per visitor, most of the page's server time.
TABLE_ROWS = 1000
COUNTING_NOTE = (
    "How work is counted: a site's activities count in the site's district, county and state; a "
    "district-wide activity counts in its district and state but in no county (a district can "
    "cross county lines); county-wide work counts in its county and state; state-wide work only in "
    "the state. Sites are placed in districts on the detailed 1:500,000 boundaries but in counties "
    "on the coarse 1:10 million county lines, so a site within a few hundred metres of a county "
    "line can count in the neighbouring county. That is why a district and a county covering the "
    "same ground (Denver County School District 1 and Denver County) can show different counts.")
SCAN_COLUMNS = ["partner", "presence", "kinds_of_work", "status", "since", "sites_here", "website",
                "email", "contact"]


def _csv(df: pd.DataFrame) -> Callable[[], bytes]:
    """The table as shown, safe to open in a spreadsheet program; for the public without
    the ids of withheld partners (geo.visibility.public_download). Built only when the
    download button is clicked (at national scale, building every CSV on every run took
    most of the page's server time)."""
    return partial(_csv_bytes, df, frames.partners, _ui.viewer_role())


def _csv_bytes(df: pd.DataFrame, partners: pd.DataFrame, role: str) -> bytes:
    df = visibility.public_download(df, partners, role)
    return neutralise_frame(for_display(df)).to_csv(index=False).encode("utf-8-sig")


def _partners_per_place(frames, level: str) -> pd.Series:
    places = overlap_places(frames, level, min_partners=1)
    return pd.Series(places["partners"].to_numpy(),
                     index=places["place_id"].astype("str").to_numpy())


def _clear_selection() -> None:
    st.session_state["ov_place"] = ""
    _query.write({lv: None for lv in LEVELS})


def _picked_row(key: str) -> int | None:
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


_ui.sidebar()
frames = _ui.frames_for_viewer()
filters = _filters.filter_panel(frames, prefix="ov", fields=("kind", "state", "status", "date"))
with_filters = _filters.describe(filters)

st.title("Overlaps")
st.caption(
    "Where two or more partners work in the same place: the same kind of work there may be "
    "duplication worth a conversation; different kinds may complement each other. Use it to "
    "connect partners' local work before starting somewhere new."
)
link_notice = st.empty()  # filled at the end, once every URL value has been read

# --- the level drawn and listed ------------------------------------------------------------
c1, c2, c3 = st.columns(3)
with c1:
    level = _filters.selectbox("Places", LEVELS, param="level", key="ov_level", default="district",
                               help="The level drawn on the map and listed in the tables. "
                                    "Counties and states include county- and state-wide work.")
with c2:
    kind = _filters.selectbox("Overlap", KINDS, param="overlap", key="ov_overlap", default="all")
with c3:
    rank = _filters.selectbox("Rank by", RANKS, param="rank", key="ov_rank", default="partners")
noun = LEVEL_NOUNS[level]

# --- the selected place: URL (?district= / ?county= / ?state=), a map click, a table row ---
selected = None
for lv in LEVELS:
    value = _query.read(lv, _query.parse_pattern, PLACE_PATTERNS[lv])
    if value and lv == level:
        selected = value
if "ov_place" in st.session_state:
    selected = st.session_state["ov_place"] or None
if selected and level_of(selected) != level:
    selected = None  # a place of another level: the level chosen is the level drawn
clicked = _filters.new_click("overlaps_map")
if clicked and level_of(clicked) == level:
    selected = clicked

places = _filters.cached(overlap_places, filters, level)
if kind != "all":
    places = places[places["overlap"] == (DUPLICATION if kind == "duplication" else COMPLEMENTARY)]
if rank == "same":
    places = places.sort_values(["n_shared_kinds", "partners", "activities"], ascending=False,
                                kind="stable")
places = places.reset_index(drop=True)
row = _picked_row("ov_places_table")
if row is not None and row < len(places) and not clicked:
    selected = str(places["place_id"].iloc[row])
st.session_state["ov_place"] = selected or ""
_query.write({lv: (selected if lv == level else None) for lv in LEVELS})

counts = _filters.cached(_partners_per_place, filters, level)
settings = _ui.settings()

left, right = st.columns([2, 1], gap="medium")
with left:
    st.subheader(f"Partners per {noun}")
    map_slot = st.empty()  # drawn once the nearby pairs below are known
    map_note = st.empty()

place = None
with right:
    st.subheader(f"Selected {noun}")
    if not selected:
        st.write(f"Click a {noun} on the map, or a row of the table below, "
                 "to list the partners working there.")
    else:
        try:
            place = resolve_place(**{level: selected})
        except PlaceNotFound as exc:
            st.warning(str(exc))
        if place is not None:
            # Once per data version, role, filters and place, shared (about 1 s at national scale).
            found = _filters.cached(scan_params, filters, ((level, selected),), None, ())
            inside = found.partners[found.partners["presence"] == "in this place"]
            st.markdown(f"**{place.label}** · "
                        f"{'GEOID' if level == 'district' else 'FIPS'} {place.id}")
            if inside.empty:
                st.write(f"No partner works in this {noun}{with_filters or ' yet'}.")
            else:
                n = len(inside)
                st.write(f"{n} partner{'s work' if n != 1 else ' works'} here{with_filters}:")
                # Names come from data: plain text, never markdown.
                st.text("\n".join(inside["partner"].astype("str")))
            if len(found.partners) > len(inside):
                wider = "state-wide work" if level == "county" else "county- or state-wide work"
                st.caption(f"More partners cover the {noun} with {wider}: "
                           "see the table below the map.")
        st.button("Clear selection", key="ov_clear", on_click=_clear_selection)

if selected and place is not None and not found.partners.empty:
    st.markdown(f"**Partners in {place.label}**")
    details = found.partners[SCAN_COLUMNS].assign(website=safe_urls(found.partners["website"]))
    st.dataframe(for_display(details), hide_index=True, width="stretch",
                 column_config={"Website": st.column_config.LinkColumn("Website")})

# --- tables --------------------------------------------------------------------------------
places_tab, intros_tab, pairs_tab, nearby_tab = st.tabs(
    ["Places with 2+ partners", "Introductions", "Partner pairs", "Nearby sites"])

with places_tab:
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
        st.download_button("Download places (CSV)", _csv(places[["place_id", *PLACE_COLUMNS]]),
                           file_name=f"overlaps_{level}.csv", mime="text/csv", key="ov_dl_places",
                           on_click="ignore")
    st.caption(COUNTING_NOTE)

pairs = _filters.cached(partner_pairs, filters, level=level)
with intros_tab:
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
        st.download_button("Download introductions list (CSV)", _csv(intros),
                           file_name=f"introductions_{level}.csv", mime="text/csv",
                           key="ov_dl_intros", on_click="ignore",
                           help="Both partners of each pair with their website, e-mail and local "
                                "contacts (as far as you may see them) and why to introduce them.")

with pairs_tab:
    st.caption(f"Pairs of partners active in the same {noun}s (the level chosen under “Places”), "
               "most shared places first.")
    if pairs.empty:
        st.info(f"No two partners share a {noun}{with_filters}.")
    else:
        st.metric("Partner pairs", f"{len(pairs):,}")
        _ui.table(for_display(_ui.first_rows(pairs[PAIR_COLUMNS], TABLE_ROWS)))

near_pick = None
with nearby_tab:
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
        st.download_button("Download nearby sites (CSV)", _csv(near), file_name="nearby_sites.csv",
                           mime="text/csv", key="ov_dl_nearby", on_click="ignore")
        state = st.session_state.get("ov_near_table")
        rows = list(getattr(getattr(state, "selection", None), "rows", None) or [])
        near_pick = rows[0] if rows and rows[0] < min(len(near), TABLE_ROWS) else None

# --- the map, now that the selection and the pairs are known -------------------------------
if near_pick is not None:
    bounds = pair_bounds(near, frames.sites, near_pick)
elif selected:
    pad, span = {"district": (1.0, 1.0), "county": (1.0, 1.0), "state": (0.1, 0.0)}[level]
    bounds = bounds_of(level, [selected], pad=pad, min_span=span)
elif filters.state_fips:
    bounds = bounds_of("state", [filters.state_fips])
else:
    bounds = None
drawn = near.head(MAX_PAIRS_DRAWN) if show_pairs or near_pick is not None else near.head(0)
if near_pick is not None and near_pick >= len(drawn):
    drawn = pd.concat([drawn, near.iloc[[near_pick]]])
pick = None if near_pick is None else (near_pick if near_pick < MAX_PAIRS_DRAWN else len(drawn) - 1)


pairs_note = ""
if not drawn.empty:
    more = f" (the nearest {len(drawn):,} of {len(near):,})" if len(near) > len(drawn) else ""
    pairs_note = (f"Orange lines: sites of different partners within {miles:g} mi of each "
                  f"other{more}.")
# What the map's "Save as image (PNG)" writes above it: view, filters, date, sources.
details = [f"Partners per {noun}", *_filters.summary_lines(filters, frames.partners)]
if place is not None:
    details.append(f"Outlined in red: {place.label}")
if pairs_note:
    details.append(pairs_note)
header = MapHeader(title=f"Overlaps: partners per {noun}", details=tuple(details),
                   sources=(RECORDS_SOURCE, BOUNDARY_SOURCE), sample=_ui.has_sample_data())


def _map():
    m = partner_count_map(counts, level=level, selected=selected, bounds=bounds,
                          tiles=settings.tiles)
    if not drawn.empty:
        add_site_pairs(m, drawn, frames.sites, selected=pick)
    return add_image_export(m, header, file_name=f"overlaps_{level}")


# Built once per data version, viewer role and view (everything the map shows depends
# on), shared by every session.
view = (filters, level, selected, near_pick, miles, len(drawn), settings.tiles, header)
with map_slot.container():
    _ui.cached_map(_map, view=view, key="overlaps_map", height=520)
if pairs_note:
    map_note.caption(pairs_note)

bad = _query.bad_params()
if bad:
    link_notice.caption("Ignored unreadable link settings: " + ", ".join(bad))
