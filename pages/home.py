"""Home: the national map of partner sites over school districts, with headline figures."""
from __future__ import annotations

import streamlit as st

from geo.analysis import summary
from geo.maps import national_map
from pages import _ui

_ui.sidebar()
frames = _ui.frames_for_viewer()

st.title(_ui.APP_TITLE)
st.caption(
    "Where coalition partners support local community schools: every site on the map, "
    "over the nation's school districts. Click a cluster to zoom in, a site for its "
    "details, a district for its name."
)
if _ui.has_sample_data():
    st.info(_ui.SAMPLE_NOTICE)

figures = summary(frames)
cols = st.columns(4)
cols[0].metric("Partners", f"{figures['partners']:,}")
cols[1].metric("Sites", f"{figures['sites']:,}")
cols[2].metric("Activities", f"{figures['activities']:,}")
cols[3].metric("States with activity", f"{figures['states_with_activity']:,}")

settings = _ui.settings()
m = national_map(frames.sites, partners=frames.partners, tiles=settings.tiles)
result = _ui.render_map(m, key="home_map")

unplaced = int(frames.sites["latitude"].isna().sum())
if unplaced:
    st.caption(f"{unplaced:,} sites have no location yet and are not on the map.")

clicked = _ui.clicked_properties(result)
# Names come back from the browser: show them as plain text, never as markdown.
if clicked and "geoid" in clicked:
    geoid = str(clicked["geoid"])
    here = frames.sites[
        (frames.sites["district_geoid"] == geoid) | (frames.sites["secondary_district_geoid"] == geoid)
    ]
    st.text(
        f"Selected district: {clicked.get('name', '')} (GEOID {geoid}): "
        f"{len(here):,} sites of {here['partner_id'].nunique():,} partners"
    )
elif clicked and "site_id" in clicked:
    st.text(f"Selected site: {clicked.get('name', '')} ({clicked.get('partner_name', '')})")
