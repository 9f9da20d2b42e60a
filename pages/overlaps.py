"""Overlaps ("who else works here"): places, partner pairs and nearby sites where
partners' work meets, for coalition staff making introductions.

Thin UI over :mod:`geo.analysis.overlaps` and :mod:`geo.choropleth`; filters and the
selected district live in the URL (:mod:`pages._filters`).
"""
from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pandas as pd
import streamlit as st

from geo.analysis import (PlaceNotFound, for_display, introductions, nearby_pairs, overlap_places,
                          partner_pairs, resolve_place, scan)
from geo.analysis.overlaps import COMPLEMENTARY, DUPLICATION
from geo.choropleth import bounds_of, partner_count_map
from geo.safe import safe_url
from geo.spreadsheet import neutralise_frame
from pages import _filters, _query, _ui

LEVELS = {"district": "School districts", "county": "Counties", "state": "States"}
LEVEL_NOUNS = {"district": "district", "county": "county", "state": "state"}
KINDS = {"all": "All overlaps", "duplication": "Same kind of work (possible duplication)",
         "complementary": "Different kinds only (complementary)"}
RANKS = {"partners": "Most partners", "same": "Most same-kind overlap"}
PLACE_COLUMNS = ["place", "state", "partners", "activities", "overlap", "shared_kinds", "kinds", "partner_names"]
PAIR_COLUMNS = ["partner_a", "partner_b", "places", "same_kinds", "place_names"]
NEARBY_COLUMNS = ["distance_mi", "site_a", "partner_a", "site_b", "partner_b", "state", "district_geoid"]
SCAN_COLUMNS = ["partner", "presence", "kinds_of_work", "status", "since", "sites_here", "website", "email",
                "contact"]


def _csv(df: pd.DataFrame) -> Callable[[], bytes]:
    """The table as shown, safe to open in a spreadsheet program; built only when the
    download button is clicked (at national scale, building every CSV on every run
    took most of the page's server time)."""
    return partial(_csv_bytes, df)


def _csv_bytes(df: pd.DataFrame) -> bytes:
    return neutralise_frame(for_display(df)).to_csv(index=False).encode("utf-8-sig")


def _partners_per_district(frames) -> pd.Series:
    places = overlap_places(frames, "district", min_partners=1)
    return pd.Series(places["partners"].to_numpy(), index=places["place_id"].astype("str").to_numpy())


def _clear_selection() -> None:
    st.session_state["ov_district"] = ""
    _query.write({"district": None})


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

# --- map: distinct partners per district, click to list them -----------------------------
selected = _query.read("district", _query.parse_pattern, r"\d{7}")
if "ov_district" in st.session_state:
    selected = st.session_state["ov_district"] or None
clicked = _filters.new_click("overlaps_map")
if clicked:
    selected = st.session_state["ov_district"] = clicked
_query.write({"district": selected})
counts = _filters.cached(_partners_per_district, filters)
settings = _ui.settings()
# A selection redraws the map (a new map for streamlit-folium): keep the district in view
# with its neighbours rather than jumping back to the whole country.
if selected:
    bounds = bounds_of("district", [selected], pad=1.0, min_span=1.0)
elif filters.state_fips:
    bounds = bounds_of("state", [filters.state_fips])
else:
    bounds = None
# Built once per data version, viewer role, filters and selection; shared by every session.
view = (filters, selected, settings.tiles)

left, right = st.columns([2, 1], gap="medium")
with left:
    st.subheader("Partners per district")
    _ui.cached_map(lambda: partner_count_map(counts, selected=selected, bounds=bounds, tiles=settings.tiles),
                   view=view, key="overlaps_map", height=520)

place = None
with right:
    st.subheader("Selected district")
    if not selected:
        st.write("Click a district on the map to list the partners working there.")
    else:
        try:
            place = resolve_place(district=selected)
        except PlaceNotFound as exc:
            st.warning(str(exc))
        if place is not None:
            found = scan(_filters.filtered_frames(filters), place)
            inside = found.partners[found.partners["presence"] == "in this place"]
            st.markdown(f"**{place.label}** · GEOID {place.id}")
            if inside.empty:
                st.write(f"No partner works in this district{with_filters or ' yet'}.")
            else:
                n = len(inside)
                st.write(f"{n} partner{'s work' if n != 1 else ' works'} here{with_filters}:")
                # Names come from data: plain text, never markdown.
                st.text("\n".join(inside["partner"].astype("str")))
            if len(found.partners) > len(inside):
                st.caption("More partners cover the district with county- or state-wide work: see the table "
                           "below the map.")
        st.button("Clear selection", key="ov_clear", on_click=_clear_selection)

if selected and place is not None and not found.partners.empty:
    st.markdown(f"**Partners in {place.label}**")
    details = found.partners[SCAN_COLUMNS].assign(website=found.partners["website"].map(safe_url))
    st.dataframe(for_display(details), hide_index=True, width="stretch",
                 column_config={"Website": st.column_config.LinkColumn("Website")})

# --- tables --------------------------------------------------------------------------------
places_tab, pairs_tab, nearby_tab = st.tabs(["Places with 2+ partners", "Partner pairs", "Nearby sites"])

with places_tab:
    c1, c2, c3 = st.columns(3)
    with c1:
        level = _filters.selectbox("Places", LEVELS, param="level", key="ov_level", default="district",
                                   help="Counties and states include county- and state-wide work.")
    with c2:
        kind = _filters.selectbox("Overlap", KINDS, param="overlap", key="ov_overlap", default="all")
    with c3:
        rank = _filters.selectbox("Rank by", RANKS, param="rank", key="ov_rank", default="partners")
    noun = LEVEL_NOUNS[level]
    places = _filters.cached(overlap_places, filters, level)
    if kind != "all":
        places = places[places["overlap"] == (DUPLICATION if kind == "duplication" else COMPLEMENTARY)]
    if rank == "same":
        places = places.sort_values(["n_shared_kinds", "partners", "activities"], ascending=False, kind="stable")
    n_dup = int((places["overlap"] == DUPLICATION).sum())
    m1, m2, m3 = st.columns(3)
    m1.metric(f"{LEVELS[level]} with 2+ partners", f"{len(places):,}")
    m2.metric("Same kind of work", f"{n_dup:,}", help="Possible duplication: two or more partners do the same "
                                                      "kind of work there.")
    m3.metric("Different kinds only", f"{len(places) - n_dup:,}")
    if places.empty:
        which = {"duplication": " on the same kind of work", "complementary": " on different kinds of work only"}
        st.info(f"No {noun} has two or more partners{which.get(kind, '')}{with_filters}.")
    else:
        st.dataframe(for_display(places[PLACE_COLUMNS]), hide_index=True, width="stretch")
        st.download_button("Download places (CSV)", _csv(places[["place_id", *PLACE_COLUMNS]]),
                           file_name=f"overlaps_{level}.csv", mime="text/csv", key="ov_dl_places",
                           on_click="ignore")

with pairs_tab:
    st.caption(f"Pairs of partners active in the same {noun}s (level chosen under "
               "“Places with 2+ partners”), most shared places first.")
    pairs = _filters.cached(partner_pairs, filters, level=level)
    if pairs.empty:
        st.info(f"No two partners share a {noun}{with_filters}.")
    else:
        st.metric("Partner pairs", f"{len(pairs):,}")
        st.dataframe(for_display(pairs[PAIR_COLUMNS]), hide_index=True, width="stretch")
        intros = _filters.cached(introductions, filters, level=level)
        st.download_button("Download introductions list (CSV)", _csv(intros),
                           file_name=f"introductions_{level}.csv", mime="text/csv", key="ov_dl_intros",
                           on_click="ignore",
                           help="Both partners of each pair with their website, e-mail and local "
                                "contacts (as far as you may see them) and why to introduce them.")

with nearby_tab:
    miles = _filters.number("Within (miles)", param="mi", key="ov_mi", default=1.0, lo=0.1, hi=25.0, step=0.5,
                            help="Sites of different partners at most this far apart.")
    near = _filters.cached(nearby_pairs, filters, miles)
    if near.empty:
        st.info(f"No sites of different partners are within {miles:g} mile{'s' if miles != 1 else ''} "
                f"of each other{with_filters}.")
    else:
        st.metric("Site pairs", f"{len(near):,}")
        st.dataframe(for_display(near[NEARBY_COLUMNS]), hide_index=True, width="stretch")
        st.download_button("Download nearby sites (CSV)", _csv(near), file_name="nearby_sites.csv",
                           mime="text/csv", key="ov_dl_nearby", on_click="ignore")

bad = _query.bad_params()
if bad:
    link_notice.caption("Ignored unreadable link settings: " + ", ".join(bad))
