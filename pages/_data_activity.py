"""The Data page's form for an activity: at one of the partner's sites or across an
area; added, saved, ended (kept in the history) or deleted through :mod:`pages._data_write`.
"""
from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from typing import Any

import streamlit as st

from geo.auth import Viewer
from geo.db import Store
from geo.records import date_or_none, known
from geo.schema import (
    EARLIEST_DATE as _MIN_DATE,
    KINDS_OF_WORK,
    LATEST_DATE as _MAX_DATE,
    PRINCIPLES,
    STATUSES,
    Frames,
    split_list,
)
from pages._data_write import NEW, allowed, delete_controls, key, save, write
from pages._messages import show_refusal

_AREA_LEVELS = {"state": "State (2-digit FIPS, e.g. 12)",
                "county": "County (5-digit FIPS, e.g. 12073)",
                "district": "School district (7-digit NCES LEAID, e.g. 1201110)"}


def activity_form(*, viewer: Viewer, store: Store, opened: Mapping[str, Any],
                   partner_id: int | None, frames: Frames) -> None:
    rec = opened["record"]
    k = functools.partial(key, opened)
    record_id = int(opened["id"])
    target_partner = int(rec["partner_id"]) if record_id != NEW else partner_id
    sites = frames.sites[frames.sites["partner_id"] == target_partner]
    site_names = {int(i): str(n) for i, n in zip(sites["site_id"], sites["name"], strict=True)}
    stored_level = rec.get("area_level") or "site"
    place = st.radio("Where", ["site", "area"], horizontal=True,
                     index=0 if stored_level == "site" else 1, key=k("place"),
                     format_func={"site": "At one of the partner's sites",
                                  "area": "Across a state, county or district"}.get)
    site_id: int | None = None
    level, area_id = "site", ""
    if place == "site":
        ids = sorted(site_names, key=lambda i: site_names[i].casefold())
        stored_site = rec.get("site_id")
        if not ids:
            st.info("This partner has no site yet: add one under Sites first, or record "
                    "the work across an area.")
        else:
            site_id = st.selectbox(
                "Site", ids, key=k("site"),
                index=ids.index(int(stored_site)) if stored_site in site_names else 0,
                format_func=lambda i: f"{site_names[i]} (site {i})")
    else:
        levels = list(_AREA_LEVELS)
        level = st.selectbox("Area", levels, format_func=_AREA_LEVELS.get, key=k("level"),
                             index=levels.index(stored_level) if stored_level in levels else 0)
        area_id = st.text_input("Area code", value=str(rec.get("area_id") or ""),
                                key=k("area_id"), max_chars=7).strip()
    kinds = list(KINDS_OF_WORK)
    c1, c2 = st.columns(2)
    kind = c1.selectbox("Kind of work", kinds, format_func=KINDS_OF_WORK.get, key=k("kind"),
                        index=kinds.index(rec["kind_of_work"])
                        if rec.get("kind_of_work") in kinds else 0)
    status = c2.selectbox("Status", list(STATUSES), key=k("status"),
                          index=STATUSES.index(rec.get("status") or "active"))
    principles = st.multiselect("Principles", PRINCIPLES, key=k("principles"),
                                default=known(split_list(rec.get("principles")), PRINCIPLES))
    c1, c2 = st.columns(2)
    start = c1.date_input("Start date (optional)", value=date_or_none(rec.get("start_date")),
                          min_value=_MIN_DATE, max_value=_MAX_DATE, key=k("start"))
    end = c2.date_input("End date (optional)", value=date_or_none(rec.get("end_date")),
                        min_value=_MIN_DATE, max_value=_MAX_DATE, key=k("end"))
    contact = st.text_input("Contact (name, e-mail or phone)",
                            value=str(rec.get("contact") or ""), key=k("contact"))
    notes = st.text_area("Notes", value=str(rec.get("notes") or ""), key=k("notes"))
    values = {"partner_id": target_partner, "site_id": site_id, "area_level": level,
              "area_id": area_id, "kind_of_work": kind, "principles": principles,
              "status": status, "start_date": start, "end_date": end, "contact": contact,
              "notes": notes}
    if st.button("Add activity" if record_id == NEW else "Save changes", type="primary",
                 key=k("save")):
        if not allowed(viewer, store, "activities", record_id, target_partner):
            return
        if place == "site" and site_id is None:
            show_refusal("Not saved: choose a site, or record the work across an area.", [])
            return
        save(viewer, store, opened, values, added="Added the activity.",
             saved="Saved the activity.", undo_label=f"activity {record_id}")
    if record_id == NEW:
        return
    if rec.get("status") != "ended":
        c1, c2 = st.columns([1, 2])
        end_on = c1.date_input("End it on", value=dt.date.today(), min_value=_MIN_DATE,
                               max_value=_MAX_DATE, key=k("end_on"))
        c2.caption("Ending keeps the record (status ended, with its end date): the work "
                   "stays in the history and the coverage over time.")
        if st.button("End this activity", key=k("end_button")):
            if not allowed(viewer, store, "activities", record_id, target_partner):
                return
            write("end", opened, lambda: store.update_activity(
                record_id, {"status": "ended", "end_date": end_on},
                expected_version=opened["version"], actor=viewer.email),
                success=f"Ended the activity on {end_on.isoformat()}.", select=record_id,
                undo_edit=f"activity {record_id} (ended)")
    delete_controls(viewer, store, opened, label=f"activity {record_id}")
