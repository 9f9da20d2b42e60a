"""Showing a ``folium.Map`` in a page, and reading the clicks that come back.

Clicks on the map (streamlit-folium 0.27.4, checked in its frontend code and in
``tests/browser``): :func:`render_map` returns only ``last_object_clicked`` (the
``{"lat", "lng"}`` of the click) and ``last_active_drawing``. For a click on a district
or any area layer of ``geo.maps``, ``last_active_drawing`` is the clicked GeoJSON
Feature and its ``properties`` hold ``geoid``, ``name`` (and ``value`` on choropleths);
for a click on a single site it is a Point Feature whose ``properties`` hold
``site_id`` and the popup columns. (``last_object_clicked_tooltip`` would carry the
tooltip text, ``last_object_clicked_popup`` nothing for our layers; neither is
returned.) Use :func:`clicked_properties` (or :func:`new_click` for an area's id).
Pans and zooms return nothing, so they never rerun the page.

A map shown by :func:`cached_map` is built and rendered once per database, data
version, viewer role and view, and shared by every session that shows it. Its big
layers (districts, sites) do not travel inside the map's script: they are served as
Streamlit media files the map fetches (:func:`geo.maps.fetch_large_data`), registered
for the session on every run that shows the map, and gone with the last session that
showed it.
"""
from __future__ import annotations

import gzip
import hashlib
import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

import folium
import streamlit as st
import streamlit_folium
from streamlit_folium import st_folium

from geo.analysis import gazetteer
from geo.maps import fetch_large_data
from geo.maps.elements import walk
from pages._cache import data_version, settings
from pages._session import viewer_role

MAP_HEIGHT = 600
# Layers travel gzip-compressed, once: as application/json, Streamlit's media route would
# gzip them again (at level 9) for every viewer; "application/gzip" it serves as it is,
# and geo/js/fetch.js unpacks it in the browser. Level 1: 1.9 MB of districts in 20 ms
# to 0.73 MB (level 9: 0.64 MB in 320 ms).
PAYLOAD_MIMETYPE = "application/gzip"
PAYLOAD_GZIP_LEVEL = 1
RETURNED_OBJECTS: tuple[str, ...] = ("last_object_clicked", "last_active_drawing")


def render_map(m: folium.Map, *, key: str, height: int = MAP_HEIGHT) -> dict[str, Any] | None:
    """Show ``m`` full width with a stable ``key``; only clicks come back (see module doc)."""
    return st_folium(
        m,
        key=key,
        height=height,
        use_container_width=True,
        returned_objects=list(RETURNED_OBJECTS),
    )


@dataclass(frozen=True)
class MapSpec:
    """A folium map rendered once into what streamlit-folium's component receives."""

    script: str
    header: str
    html: str
    map_id: str
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]
    hash_key: str
    nbytes: int = field(default=0)
    # What the map fetches, one media file each; see _publish.
    payloads: tuple[Payload, ...] = ()


@dataclass(frozen=True)
class Payload:
    """A layer the map fetches: its URL, its data gzip-compressed, and its file name
    (the SHA-256 of the uncompressed data)."""

    url: str
    packed: bytes
    name: str


# URL -> the cached map that serves it, while that map stays cached (see payload_at).
_SPEC_OF_URL: weakref.WeakValueDictionary[str, MapSpec] = weakref.WeakValueDictionary()


def payload_at(url: str) -> bytes | None:
    """The data a map this process rendered serves at ``url`` (None once that map has
    left the cache): what the browser fetches, for tests that check what a viewer
    receives."""
    spec = _SPEC_OF_URL.get(url)
    found = [p.packed for p in (spec.payloads if spec else ()) if p.url == url]
    return gzip.decompress(found[0]) if found else None


def _media_manager():  # noqa: ANN202  (streamlit.runtime.media_file_manager.MediaFileManager)
    from streamlit import runtime

    return runtime.get_instance().media_file_mgr


def _publish(data: bytes, name: str, coordinates: str) -> str:
    """Serve ``data`` as a media file for this session; its URL. ``name`` (the SHA-256 of
    the uncompressed data) goes into Streamlit's file id, which for big files samples only the
    head, middle and tail: two different payloads never share a URL."""
    return _media_manager().add(data, PAYLOAD_MIMETYPE, coordinates, file_name=name)


def map_spec(m: folium.Map, *, key: str) -> MapSpec:
    """Render ``m`` as ``st_folium`` does (streamlit-folium 0.27.4: the same helpers, in
    the same order) into a :class:`MapSpec` that :func:`show_map_spec` can show any
    number of times. Rendering a national map (4 MB of script, with regular
    expressions over all of it) is most of a page's server time: done once, it is
    shared by every session that shows the same map."""
    from streamlit_folium import (
        _get_header,
        _get_html,
        _get_map_string,
        generate_js_hash,
        get_full_id,
    )

    payloads: list[Payload] = []

    def publish(data: bytes) -> str:
        name = hashlib.sha256(data).hexdigest() + ".json.gz"
        packed = gzip.compress(data, compresslevel=PAYLOAD_GZIP_LEVEL, mtime=0)
        url = _publish(packed, name, f"{key}.payload.{len(payloads) + 1}")
        payloads.append(Payload(url, packed, name))
        return url

    fetch_large_data(m, publish)
    m.get_root().render()
    m.render()
    html = _get_html(m)
    header = _get_header(m)
    script = _get_map_string(m)
    css: list[str] = []
    js: list[str] = []
    for elem in walk(m):  # every element's own CSS and JS files (served from static/vendor)
        css.extend(href for _, href in getattr(elem, "default_css", []))
        js.extend(src for _, src in getattr(elem, "default_js", []))
    spec = MapSpec(script=script, header=header, html=html, map_id=get_full_id(m),
                   css_links=tuple(dict.fromkeys(css)), js_links=tuple(dict.fromkeys(js)),
                   hash_key=generate_js_hash(script, key, False),
                   nbytes=len(script) + len(html) + len(header), payloads=tuple(payloads))
    for payload in payloads:
        _SPEC_OF_URL[payload.url] = spec
    return spec


def show_map_spec(spec: MapSpec, *, key: str, height: int = MAP_HEIGHT) -> dict[str, Any] | None:
    """Show a rendered map full width; clicks come back as from :func:`render_map`."""
    for i, payload in enumerate(spec.payloads, start=1):  # same data: same URL
        _publish(payload.packed, payload.name, f"{key}.payload.{i}")
    def on_change() -> None:  # as st_folium: the map's value also under its own key
        st.session_state[key] = st.session_state.get(spec.hash_key, {})

    return streamlit_folium._component_func(
        script=spec.script, header=spec.header, html=spec.html, id=spec.map_id, key=spec.hash_key,
        height=height, width=None, returned_objects=list(RETURNED_OBJECTS),
        default={name: None for name in RETURNED_OBJECTS}, zoom=None, center=None,
        feature_group=None, return_on_hover=False, layer_control=None, pixelated=False,
        css_links=list(spec.css_links), js_links=list(spec.js_links), on_change=on_change,
        wrap_longitude=False,
    )


@st.cache_resource(max_entries=48, show_spinner=False)
def _cached_spec(database_url: str, version: int, role: str, key: str, view: Hashable,
                 _build: Callable[[], folium.Map]) -> MapSpec:
    return map_spec(_build(), key=key)


def cached_map(build: Callable[[], folium.Map], *, view: Hashable, key: str,
               height: int = MAP_HEIGHT) -> dict[str, Any] | None:
    """Show the map ``build()`` makes, built and rendered once per database, data
    version, viewer role, map ``key`` and ``view`` and shared by every session.

    ``view`` must hold everything else the map depends on (filters, level, selected
    place, tiles...): two calls with the same ``view`` get the same map. ``build`` runs
    only when no session has drawn that map yet."""
    spec = _cached_spec(settings().database_url, data_version(), viewer_role(), key, view, build)
    return show_map_spec(spec, key=key, height=height)


def clicked_properties(result: dict[str, Any] | None) -> dict[str, Any] | None:
    """The ``properties`` of the feature last clicked on a map, or None."""
    if not result:
        return None
    feature = result.get("last_active_drawing")
    if isinstance(feature, dict) and isinstance(feature.get("properties"), dict):
        return feature["properties"]
    return None


def new_click(map_key: str) -> str | None:
    """The id (``geoid`` property) of the area clicked on map ``map_key`` since the last
    run, or None.

    streamlit-folium's change callback stores the map's return value under
    ``st.session_state[map_key]`` before the rerun starts, so a page can read the click
    *before* drawing the map and show the selection in this very run (no second rerun,
    no second map). The value stays there on later runs: a click counts once, told
    apart by its position, so clicking the same district again still counts.
    """
    result = st.session_state.get(map_key)
    props = clicked_properties(result if isinstance(result, dict) else None)
    if not props or "geoid" not in props:
        return None
    # from the browser: checked like a link
    if gazetteer.place_level(str(props["geoid"])[:7]) is None:
        return None
    click = (str(props["geoid"]), str(result.get("last_object_clicked")))
    seen = f"_{map_key}_seen_click"
    if st.session_state.get(seen) == click:
        return None
    st.session_state[seen] = click
    return click[0]
