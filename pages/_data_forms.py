"""The Data page's forms for partners and sites (activities: :mod:`pages._data_activity`).

UI only: the values go to :func:`pages._data_write.save` (the store checks them all),
a site's place comes from :func:`geo.locate.place_point` (ZIP centroids, in-US check,
boundaries), the same rules as an import. Consent (public listing) is not editable
here; staff set it on the Admin page.
"""
from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import folium
import streamlit as st

from geo import locate
from geo.auth import Viewer
from geo.db import Store
from geo.maps import base_map
from geo.records import describe_location, known, number_or_none
from geo.schema import PARTNER_TYPES, PRINCIPLES, SITE_KINDS, split_list
from pages import _cache, _mapview
from pages._data_write import NEW, allowed, delete_controls, key, save
from pages._messages import md, show_refusal

PICK_MAP_HEIGHT = 360
_LOCATE_BY = {"coordinates": "Coordinates", "zip": "ZIP code", "map": "Click on the map"}


def partner_form(*, viewer: Viewer, store: Store, opened: Mapping[str, Any]) -> None:
    rec = opened["record"]
    k = functools.partial(key, opened)
    types = list(PARTNER_TYPES)
    values = {
        "name": st.text_input("Name", value=str(rec.get("name") or ""), key=k("name"),
                              max_chars=300),
        "type": st.selectbox("Type", types, index=types.index(rec.get("type") or "other"),
                             format_func=PARTNER_TYPES.get, key=k("type")),
        "website": st.text_input("Website (https://...)", value=str(rec.get("website") or ""),
                                 key=k("website")),
        "email": st.text_input("Contact e-mail", value=str(rec.get("email") or ""),
                               key=k("email")),
        "expertise": st.text_area("Expertise", value=str(rec.get("expertise") or ""),
                                  key=k("expertise")),
        "principles": st.multiselect("Principles", PRINCIPLES,
                                     default=known(split_list(rec.get("principles")),
                                                   PRINCIPLES), key=k("principles")),
    }
    if opened["id"] != NEW:
        st.caption(("Listed publicly (consent recorded)" if rec.get("public")
                    else "Not listed publicly") + ". Public-listing consent is set by "
                   "coalition staff on the Admin page.")
    else:
        st.caption("A new partner is not listed publicly until staff record its consent "
                   "on the Admin page.")
    record_id = int(opened["id"])
    if st.button("Add partner" if record_id == NEW else "Save changes", type="primary",
                 key=k("save")):
        if not allowed(viewer, store, "partners", record_id,
                       *((None,) if record_id == NEW else ())):
            return
        save(viewer, store, opened, values, added=f"Added the partner {values['name']}.",
             saved=f"Saved {values['name']}.", undo_label=f"the partner {values['name']}")
    if record_id != NEW:
        delete_controls(viewer, store, opened, label=f"the partner {rec.get('name')}",
                        warning="Deleting a partner also deletes its sites and activities "
                        "(undo brings them back). I understand.")


def site_form(*, viewer: Viewer, store: Store, opened: Mapping[str, Any],
              partner_id: int | None) -> None:
    rec = opened["record"]
    k = functools.partial(key, opened)
    record_id = int(opened["id"])
    target_partner = int(rec["partner_id"]) if record_id != NEW else partner_id
    kinds = list(SITE_KINDS)
    name = st.text_input("Name", value=str(rec.get("name") or ""), key=k("name"),
                         max_chars=300)
    c1, c2 = st.columns(2)
    site_kind = c1.selectbox("Kind of site", kinds,
                             index=kinds.index(rec.get("site_kind") or "community_school"),
                             format_func=SITE_KINDS.get, key=k("site_kind"))
    nces_id = c2.text_input("NCES school ID (12 digits, optional)",
                            value=str(rec.get("nces_id") or ""), key=k("nces_id"))
    contact = st.text_input("Contact at the site (name, e-mail or phone; optional)",
                            value=str(rec.get("contact") or ""), key=k("contact"))
    if record_id != NEW:
        st.caption(md(describe_location(rec)))
    how = st.radio("Set the location by", list(_LOCATE_BY), format_func=_LOCATE_BY.get,
                   horizontal=True, key=k("how"))
    zip_code = st.text_input("ZIP code", value=str(rec.get("zip") or ""), key=k("zip"),
                             max_chars=10, help="With 'ZIP code' chosen above, the site "
                             "goes at the centre of the ZIP code area (approximate).")
    lat = rec.get("latitude")
    lon = rec.get("longitude")
    if how == "coordinates":
        c1, c2 = st.columns(2)
        lat = c1.number_input("Latitude", value=number_or_none(lat), min_value=-90.0,
                              max_value=90.0, format="%.6f", key=k("lat"))
        lon = c2.number_input("Longitude (negative in the US)", value=number_or_none(lon),
                              min_value=-180.0, max_value=180.0, format="%.6f", key=k("lon"))
    elif how == "map":
        lat, lon = _pick_on_map(opened, number_or_none(rec.get("latitude")),
                                number_or_none(rec.get("longitude")))
    if st.button("Add site" if record_id == NEW else "Save changes", type="primary",
                 key=k("save")):
        if not allowed(viewer, store, "sites", record_id, target_partner):
            return
        place, problems = locate.place_point(how, latitude=lat, longitude=lon,
                                             zip_code=zip_code)
        if problems:
            show_refusal("Not saved: the location needs fixing. Nothing was written.",
                         problems)
            return
        values = {"partner_id": target_partner, "name": name, "site_kind": site_kind,
                  "nces_id": nces_id.strip(), "contact": contact, **place}
        where = describe_location(values)
        save(viewer, store, opened, values, added=f"Added the site {name} ({where}).",
             saved=f"Saved {name} ({where}).", undo_label=f"the site {name}")
    if record_id != NEW:
        delete_controls(viewer, store, opened, label=f"the site {rec.get('name')}",
                        warning="Deleting a site also deletes its activities (undo brings "
                        "them back). I understand.")


def _pick_on_map(opened: Mapping[str, Any], lat: float | None,
                 lon: float | None) -> tuple[float | None, float | None]:
    """A small map; the last click sets the site's coordinates."""
    picked_key = key(opened, "picked")
    st.caption("Click the map where the site is (zoom in first for a precise spot).")
    if lat is not None and lon is not None:
        bounds = ((lat - 0.05, lon - 0.07), (lat + 0.05, lon + 0.07))
    else:
        bounds = None
    m = base_map(bounds, tiles=_cache.settings().tiles)
    if lat is not None and lon is not None:
        folium.CircleMarker([lat, lon], radius=6, color="#1f4e79", fill=True).add_to(m)
    result = _mapview.render_map(m, key=key(opened, "map"), height=PICK_MAP_HEIGHT)
    click = (result or {}).get("last_object_clicked")
    if isinstance(click, dict) and click.get("lat") is not None:
        st.session_state[picked_key] = (float(click["lat"]), float(click["lng"]))
    picked = st.session_state.get(picked_key)
    if picked is None:
        st.caption("No point picked yet: the site keeps its stored location.")
        return lat, lon
    st.text(f"Picked: {picked[0]:.6f}, {picked[1]:.6f}")
    return picked
