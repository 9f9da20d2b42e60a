"""The one UI-side shared module: settings, the store, cached frames, the viewer, the map.

Pages stay thin: they call these helpers and functions of ``geo`` (which never imports
streamlit). Everything cached lives here, keyed on cheap values:

* the store is a ``cache_resource`` per database URL (one engine per process); on first
  open of an empty database it is filled with the fictional sample dataset when
  ``PARTNERMAP_SAMPLE_DATA`` is on;
* frames are a ``cache_resource`` keyed on ``(database URL, store.data_version())``, so
  every write invalidates them and reruns cost one tiny query. They are shared between
  sessions: treat them as read-only (pandas copy-on-write makes accidental writes
  local anyway);
* the redacted view of the frames is cached per ``(URL, data version, viewer role)``.

Clicks on the map (streamlit-folium 0.27.4, checked in its frontend code and in
``tests/browser``): :func:`render_map` returns only ``last_object_clicked`` (the
``{"lat", "lng"}`` of the click) and ``last_active_drawing``. For a click on a district
or any area layer of ``geo.maps``, ``last_active_drawing`` is the clicked GeoJSON
Feature and its ``properties`` hold ``geoid``, ``name`` (and ``value`` on choropleths);
for a click on a single site it is a Point Feature whose ``properties`` hold
``site_id`` and the popup columns. (``last_object_clicked_tooltip`` would carry the
tooltip text, ``last_object_clicked_popup`` nothing for our layers; neither is
returned.) Use :func:`clicked_properties`. Pans and zooms return nothing, so they never
rerun the page.
"""
from __future__ import annotations

from typing import Any

import folium
import streamlit as st
from streamlit_folium import st_folium

from geo import schema
from geo.auth import Viewer
from geo.config import Settings, load_settings
from geo.db import Store, open_store
from geo.sample import contains_sample, make_sample
from geo.visibility import visible_frames

APP_TITLE = "Community Schools Partner Map"
SAMPLE_ACTOR = "sample-data"
MAP_HEIGHT = 600
RETURNED_OBJECTS: tuple[str, ...] = ("last_object_clicked", "last_active_drawing")
SAMPLE_NOTICE = (
    "Sample data — fictional partners. Every organization shown here is invented; "
    "the places are real."
)


def settings() -> Settings:
    """The app settings, read from the environment (cheap; not cached so tests and
    restarts with another DATABASE_URL are honoured)."""
    return load_settings()


@st.cache_resource(show_spinner="Opening the database…", max_entries=4)
def _store(database_url: str, sample_data: bool) -> Store:
    store = open_store(database_url)
    if sample_data and store.is_empty():
        store.load_frames(make_sample(), actor=SAMPLE_ACTOR)
    return store


def store() -> Store:
    """The store for the configured database, created (and seeded) on first use."""
    s = settings()
    return _store(s.database_url, s.sample_data)


@st.cache_resource(max_entries=2, show_spinner=False)
def _frames(database_url: str, version: int) -> schema.Frames:
    return _store(database_url, settings().sample_data).frames()


@st.cache_resource(max_entries=8, show_spinner=False)
def _visible(database_url: str, version: int, role: str) -> schema.Frames:
    return visible_frames(_frames(database_url, version), role)


@st.cache_resource(max_entries=2, show_spinner=False)
def _has_sample(database_url: str, version: int) -> bool:
    return contains_sample(_frames(database_url, version).partners)


def data_version() -> int:
    return store().data_version()


def all_frames() -> schema.Frames:
    """Every live record, unredacted. Only for staff-facing code and counts."""
    return _frames(settings().database_url, data_version())


def frames_for_viewer() -> schema.Frames:
    """The frames as the current viewer may see them (names withheld for the public)."""
    return _visible(settings().database_url, data_version(), viewer_role())


def has_sample_data() -> bool:
    return _has_sample(settings().database_url, data_version())


def viewer_role() -> str:
    """The current viewer's role: ``public`` unless the server put a signed-in
    :class:`geo.auth.Viewer` in the session (nothing from URLs or forms is trusted)."""
    viewer = st.session_state.get("viewer")
    return viewer.role if isinstance(viewer, Viewer) else "public"


def render_map(m: folium.Map, *, key: str, height: int = MAP_HEIGHT) -> dict[str, Any] | None:
    """Show ``m`` full width with a stable ``key``; only clicks come back (see module doc)."""
    return st_folium(
        m,
        key=key,
        height=height,
        use_container_width=True,
        returned_objects=list(RETURNED_OBJECTS),
    )


def clicked_properties(result: dict[str, Any] | None) -> dict[str, Any] | None:
    """The ``properties`` of the feature last clicked on a map, or None."""
    if not result:
        return None
    feature = result.get("last_active_drawing")
    if isinstance(feature, dict) and isinstance(feature.get("properties"), dict):
        return feature["properties"]
    return None


def sidebar() -> None:
    """The sidebar every page shows: what the data is and who is looking."""
    with st.sidebar:
        st.markdown(f"**{APP_TITLE}**")
        if has_sample_data():
            st.warning("Sample data — fictional partners")
        role = viewer_role()
        st.caption(
            f"Viewing as: {role}."
            + (" Partners that have not approved public listing are shown as "
               f"“{schema.ANONYMOUS_PARTNER}”." if role == "public" else "")
        )
