"""Home: the national map of partner sites over school districts, with headline figures."""
from __future__ import annotations

import streamlit as st

from geo import schema
from geo.maps import DETAILED_POPUP_FIELDS, national_map
from pages import _cache, _ui

# Order matters for the first paint: the map is sent to the browser as early as
# possible, and what can wait is computed while the browser draws it: the headline
# figures (into the columns kept for them above the map) and the sidebar.
frames = _ui.frames_for_viewer()

st.title(_ui.APP_TITLE)
st.caption(
    "Where coalition partners support local community schools: every site on the map, "
    "over the nation's school districts. Click a cluster to zoom in, a site for its "
    "details, a district for its name."
)
if _ui.has_sample_data():
    st.info(_ui.SAMPLE_NOTICE)

cols = [c.empty() for c in st.columns(4)]

# Narrow the map to some kinds of partner (the headline figures stay national).
type_codes = sorted(set(frames.partners["type"].astype(str)) & set(schema.PARTNER_TYPES))
chosen = st.multiselect(
    "Partner type", type_codes, format_func=lambda code: schema.PARTNER_TYPES[code],
    placeholder="All partner types", key="home_partner_types",
)
settings = _ui.settings()


def _map():
    # Every site's popup text, worked out once per data version and viewer role (not
    # once per choice of types).
    sites = _cache.home_sites(_ui.viewer_role())
    if chosen:
        ids = frames.partners.loc[frames.partners["type"].isin(chosen), "partner_id"]
        sites = sites[sites["partner_id"].isin(ids)]
    return national_map(sites, popup_fields=DETAILED_POPUP_FIELDS, tiles=settings.tiles)


# Built once per data version, viewer role and choice of types, shared by every session.
result = _ui.cached_map(_map, view=(tuple(sorted(chosen)), settings.tiles), key="home_map")

# Headline figures, once per data version and viewer role (not on every rerun).
figures = _cache.home_figures(_ui.viewer_role())
cols[0].metric("Partners", f"{figures['partners']:,}")
cols[1].metric("Sites", f"{figures['sites']:,}")
cols[2].metric("Activities", f"{figures['activities']:,}")
cols[3].metric("States with activity", f"{figures['states_with_activity']:,}")
_ui.sidebar()

unplaced = int(frames.sites["latitude"].isna().sum())
if unplaced:
    st.caption(f"{unplaced:,} sites have no location yet and are not on the map.")

clicked = _ui.clicked_properties(result)
# Names come back from the browser: show them as plain text, never as markdown.
if clicked and "geoid" in clicked:
    geoid = str(clicked["geoid"])
    here = frames.sites[
        (frames.sites["district_geoid"] == geoid)
        | (frames.sites["secondary_district_geoid"] == geoid)
    ]
    st.text(
        f"Selected district: {clicked.get('name', '')} (GEOID {geoid}): "
        f"{len(here):,} sites of {here['partner_id'].nunique():,} partners"
    )
elif clicked and "site_id" in clicked:
    st.text(f"Selected site: {clicked.get('name', '')} ({clicked.get('partner_name', '')})")
