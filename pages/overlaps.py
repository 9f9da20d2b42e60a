"""Overlaps ("who else works here"): places, partner pairs and nearby sites where
partners' work meets, for coalition staff making introductions.

Thin UI over :mod:`geo.analysis.overlaps` and :mod:`geo.maps`; filters and the
selected district live in the URL (:mod:`pages._filters`).
"""
from __future__ import annotations

import streamlit as st

from geo import codes
from geo.analysis import (
    PlaceNotFound,
    overlap_places,
    partner_pairs,
    resolve_place,
)
from geo.analysis.overlaps import partners_per_place, rank_places
from geo.analysis.place_params import scan_params
from geo.maps import pair_bounds
from geo.maps.counts import overlaps_bounds, overlaps_header, overlaps_map, pairs_note
from geo.maps.pairs import pairs_to_draw
from pages import _filters, _overlaps_tables as T, _query, _ui

LEVELS = T.LEVELS
LEVEL_NOUNS = {"district": "district", "county": "county", "state": "state"}
KINDS = {"all": "All overlaps", "duplication": "Same kind of work (possible duplication)",
         "complementary": "Different kinds only (complementary)"}
RANKS = {"partners": "Most partners", "same": "Most same-kind overlap"}
PLACE_PATTERNS = codes.PLACE_ID_PATTERNS


def _clear_selection() -> None:
    st.session_state["ov_place"] = ""
    _query.write({lv: None for lv in LEVELS})


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
if selected and codes.level_of_id(selected) != level:
    selected = None  # a place of another level: the level chosen is the level drawn
clicked = _filters.new_click("overlaps_map")
if clicked and codes.level_of_id(clicked) == level:
    selected = clicked

places = rank_places(_filters.cached(overlap_places, filters, level), kind=kind, rank=rank)
row = T.picked_row("ov_places_table")
if row is not None and row < len(places) and not clicked:
    selected = str(places["place_id"].iloc[row])
st.session_state["ov_place"] = selected or ""
_query.write({lv: (selected if lv == level else None) for lv in LEVELS})

counts = _filters.cached(partners_per_place, filters, level)
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
    T.selected_partners(found, place)

# --- tables: the nearby sites first (the map draws their pairs) ----------------------------
places_tab, intros_tab, pairs_tab, nearby_tab = st.tabs(
    ["Places with 2+ partners", "Introductions", "Partner pairs", "Nearby sites"])
with nearby_tab:
    near, miles, show_pairs, near_pick = T.nearby_table(filters, frames.partners,
                                                        with_filters=with_filters)

# --- the map, now that the selection and the pairs are known: sent before the other -------
# tables (2 MB of rows at national scale), so the browser draws it while they arrive.
bounds = (pair_bounds(near, frames.sites, near_pick) if near_pick is not None
          else overlaps_bounds(level, selected, filters.state_fips))
drawn, pick = pairs_to_draw(near, show=show_pairs, picked=near_pick, limit=T.MAX_PAIRS_DRAWN)
note = pairs_note(len(drawn), len(near), miles)
header = overlaps_header(noun, _filters.summary_lines(filters, frames.partners),
                         outlined=place.label if place is not None else None, note=note,
                         sample=_ui.has_sample_data())


def _map():
    return overlaps_map(counts, level=level, selected=selected, bounds=bounds,
                        tiles=settings.tiles, pairs=drawn, sites=frames.sites, picked=pick,
                        header=header, file_name=f"overlaps_{level}")


# Built once per data version, viewer role and view (everything the map shows depends
# on), shared by every session.
view = (filters, level, selected, near_pick, miles, len(drawn), settings.tiles, header)
with map_slot.container():
    _ui.cached_map(_map, view=view, key="overlaps_map", height=520)
if note:
    map_note.caption(note)

# --- the other tables, into the tabs above -------------------------------------------------
with places_tab:
    T.places_table(places, frames.partners, level=level, noun=noun, kind=kind,
                   with_filters=with_filters)
pairs = _filters.cached(partner_pairs, filters, level=level)
with intros_tab:
    T.introductions_table(filters, pairs, frames.partners, level=level, noun=noun,
                          with_filters=with_filters)
with pairs_tab:
    T.pairs_table(pairs, noun=noun, with_filters=with_filters)

bad = _query.bad_params()
if bad:
    link_notice.caption("Ignored unreadable link settings: " + ", ".join(bad))
