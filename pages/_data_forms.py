"""The Data page's edit forms (partners, sites, activities) and its small UI helpers.

UI only: every write goes through :class:`geo.db.Store`, every permission question
through :func:`geo.auth.can_edit`, and a site's place through
:func:`geo.locate.place_point` (ZIP centroids, in-US check, boundaries).

Rules the forms keep
    * **No lost updates.** When a record is opened, the version read then is kept in
      the session (``edit_opened``) and passed as ``expected_version`` on save, end
      and delete; the form's defaults are the values read then too. If someone saved
      in between, :class:`geo.db.ConflictError` is shown and nothing is overwritten.
    * **Permission at every write**, not only when drawing: the stored record is read
      again and :func:`geo.auth.can_edit` is asked for its partner and for the partner
      the form would write, so a forced widget value cannot reach another
      organisation's records.
    * **Nothing half-written**: the store checks every value and refuses the whole
      save with every problem listed (:class:`geo.db.ValidationError`).
    * **Undo** for the session's last delete (restore) and last edit (the values the
      form read are written back by :meth:`geo.db.Store.undo_update`, audited like any
      edit, and refused if someone changed the record since).
    * Consent (public listing) is not editable here; staff set it on the Admin page.
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

import folium
import numpy as np
import pandas as pd
import streamlit as st

from geo import auth, locate
from geo.auth import Viewer
from geo.db import ConflictError, NotFoundError, Store, StoreError, ValidationError
from geo.maps import base_map
from geo.problems import Problem
from geo.safe import markdown_text
from geo.schema import (
    EARLIEST_DATE,
    KINDS_OF_WORK,
    LATEST_DATE,
    PARTNER_TYPES,
    PRINCIPLES,
    SITE_KINDS,
    STATUSES,
    Frames,
    split_list,
)
from pages import _ui

FLASH_KEY = "data_flash"
OPENED_KEY = "edit_opened"
UNDO_KEY = "edit_undo"
PENDING_PICK_KEY = "edit_pending_pick"
NEW = 0  # the record picker's "add a new one" entry
PICK_MAP_HEIGHT = 360
NOT_YOURS = ("You can change only your own organization's records. Nothing was saved.")

TABLES: dict[str, str] = {"partners": "Partners", "sites": "Sites", "activities": "Activities"}
_NOUN = {"partners": "partner", "sites": "site", "activities": "activity"}
_ID = {"partners": "partner_id", "sites": "site_id", "activities": "activity_id"}
_LOCATE_BY = {"coordinates": "Coordinates", "zip": "ZIP code", "map": "Click on the map"}
_AREA_LEVELS = {"state": "State (2-digit FIPS, e.g. 12)",
                "county": "County (5-digit FIPS, e.g. 12073)",
                "district": "School district (7-digit NCES LEAID, e.g. 1201110)"}
_MIN_DATE, _MAX_DATE = EARLIEST_DATE, LATEST_DATE


# --- small helpers shared with pages/data.py -------------------------------------------
def md(text: object) -> str:
    """``text`` for Streamlit markdown, shown exactly as typed (:func:`geo.safe.markdown_text`
    line by line, so a message keeps its line breaks)."""
    return "\n".join(markdown_text(line) for line in str(text).split("\n"))


def flash(message: str, *, kind: str = "success") -> None:
    """Keep ``message`` for the next run (shown by :func:`show_flash`) and rerun."""
    st.session_state[FLASH_KEY] = (kind, message)
    st.rerun()


def show_flash() -> None:
    """Show, once, what the previous run left with :func:`flash`."""
    item = st.session_state.pop(FLASH_KEY, None)
    if item:
        kind, message = item
        {"success": st.success, "info": st.info, "warning": st.warning}.get(
            kind, st.info)(md(message))


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    """Problems as the one table the page shows: row, column, severity, message, fix."""
    return pd.DataFrame({
        "row": pd.array([p.row for p in problems], dtype="Int64"),
        "column": [p.column or "" for p in problems],
        "severity": [p.severity for p in problems],
        "problem": [p.message for p in problems],
        "how to fix": [p.fix for p in problems],
    })


def show_problem_table(table: pd.DataFrame) -> None:
    """The problems table, with room for the message and the fix."""
    config = {"row": st.column_config.NumberColumn(width="small"),
              "column": st.column_config.TextColumn(width="medium"),
              "severity": st.column_config.TextColumn(width="small"),
              "problem": st.column_config.TextColumn(width="large"),
              "how to fix": st.column_config.TextColumn(width="large")}
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={k: v for k, v in config.items() if k in table.columns})


def show_refusal(message: str, problems: list[Problem]) -> None:
    """An error box with ``message`` and, below it, every problem with its fix."""
    st.error(md(message))
    if problems:
        table = problems_frame(problems)
        if table["row"].isna().all():
            table = table.drop(columns="row")
        show_problem_table(table)


# --- the edit section -----------------------------------------------------------------
def render_edit(*, viewer: Viewer, store: Store, frames: Frames) -> None:
    """Forms to add, edit, end and delete (with undo) partners, sites and activities."""
    _show_undo(viewer=viewer, store=store)
    table = st.radio("Records", list(TABLES), format_func=TABLES.get, horizontal=True,
                     key="edit_table")
    names = {int(p): str(n) for p, n in zip(frames.partners["partner_id"],
                                              frames.partners["name"], strict=True)}
    if viewer.role == "partner":
        own = int(viewer.partner_id)  # type: ignore[arg-type]
        st.caption(md(f"You can change the records of {names.get(own, 'your organization')} "
                      "only."))
        editable = [own] if own in names else []
    else:
        editable = sorted(names, key=lambda pid: names[pid].casefold())
    if not editable:
        st.info("Your organization has no partner record (it may have been deleted). "
                "Ask coalition staff.")
        return

    if table == "partners":
        owner = None
        ids = list(editable)
    else:
        owner = _partner_filter(viewer, editable, names)
        ids = _record_ids(frames, table, owner)
    options = ([NEW] if _may_add(viewer, table) else []) + ids
    pick_key = f"edit_pick_{table}"
    pending = st.session_state.pop(PENDING_PICK_KEY, None)
    if pending is not None and pending[0] == table and pending[1] in options:
        st.session_state[pick_key] = pending[1]
    if st.session_state.get(pick_key) not in options:
        st.session_state.pop(pick_key, None)
    labels = _labels(frames, table, names)
    noun = _NOUN[table]
    picked = st.selectbox(
        f"{noun.capitalize()} to change", options, key=pick_key,
        format_func=lambda i: f"Add a new {noun}" if i == NEW else labels.get(i, f"{noun} {i}"),
    )
    if picked is None:
        return
    opened = _open(store, table, int(picked))
    if opened is None:
        return
    record = opened["record"]
    if picked != NEW and not auth.can_edit(viewer, partner_id=_owner_of(table, record)):
        st.error(NOT_YOURS)
        return
    with st.container(border=True):
        if table == "partners":
            _partner_form(viewer=viewer, store=store, opened=opened)
        elif table == "sites":
            _site_form(viewer=viewer, store=store, opened=opened, partner_id=owner)
        else:
            _activity_form(viewer=viewer, store=store, opened=opened, partner_id=owner,
                           frames=frames)


def _may_add(viewer: Viewer, table: str) -> bool:
    if table == "partners":
        return auth.can_edit(viewer, partner_id=None)  # staff only
    return True  # for the chosen (own) partner; checked again on save


def _partner_filter(viewer: Viewer, editable: list[int], names: Mapping[int, str]) -> int:
    if viewer.role == "partner":
        return editable[0]
    key = "edit_partner"
    if st.session_state.get(key) not in editable:
        st.session_state.pop(key, None)
    return int(st.selectbox("Partner", editable, key=key,
                            format_func=lambda p: names.get(p, f"partner {p}")))


def _record_ids(frames: Frames, table: str, partner_id: int) -> list[int]:
    frame = frames.sites if table == "sites" else frames.activities
    mine = frame[frame["partner_id"] == partner_id]
    return [int(i) for i in mine[_ID[table]]]


def _labels(frames: Frames, table: str, names: Mapping[int, str]) -> dict[int, str]:
    if table == "partners":
        return {p: f"{n} (partner {p})" for p, n in names.items()}
    if table == "sites":
        s = frames.sites
        return {int(i): f"{n} (site {i})" for i, n in zip(s["site_id"], s["name"], strict=True)}
    a = frames.activities
    site_names = dict(zip(frames.sites["site_id"], frames.sites["name"], strict=True))
    out: dict[int, str] = {}
    for aid, kind, level, area, sid, status in zip(
            a["activity_id"], a["kind_of_work"], a["area_level"], a["area_id"], a["site_id"],
            a["status"], strict=True):
        where = (site_names.get(sid, f"site {sid}") if level == "site"
                 else f"{level} {area}")
        out[int(aid)] = f"{KINDS_OF_WORK.get(kind, kind)} at {where}, {status} " \
                        f"(activity {aid})"
    return out


def _owner_of(table: str, record: Mapping[str, Any]) -> int | None:
    value = record.get("partner_id")
    return None if value is None else int(value)


def _open(store: Store, table: str, record_id: int) -> dict[str, Any] | None:
    """The record as it was when its form opened (read once, kept in the session)."""
    current = st.session_state.get(OPENED_KEY)
    if current and current["table"] == table and current["id"] == record_id:
        return current
    record: dict[str, Any] = {}
    if record_id != NEW:
        try:
            record = _get(store, table, record_id)
        except NotFoundError as exc:
            st.error(md(f"{exc}."))
            return None
        if record.get("deleted_at") is not None:
            st.error(md(f"This {_NOUN[table]} was deleted; pick another one."))
            return None
    current = {"table": table, "id": record_id, "version": record.get("version"),
               "record": record, "nonce": uuid.uuid4().hex[:8]}
    st.session_state[OPENED_KEY] = current
    return current


def _get(store: Store, table: str, record_id: int) -> dict[str, Any]:
    getter = {"partners": store.get_partner, "sites": store.get_site,
              "activities": store.get_activity}[table]
    return getter(record_id)


def _reopen() -> None:
    """Forget the opened record: the next run reads it (and its version) again."""
    st.session_state.pop(OPENED_KEY, None)


def _key(opened: Mapping[str, Any], name: str) -> str:
    return f"edit_{opened['table']}_{opened['id']}_{opened['nonce']}_{name}"


# --- writes ---------------------------------------------------------------------------
def _allowed(viewer: Viewer, store: Store, table: str, record_id: int,
             *new_owners: int | None) -> bool:
    """Ask geo.auth at the moment of writing: about the partner of the stored record
    (read again now, not taken from the form) and about every partner the write would
    give a record (``None`` = a new partner, which only staff may create)."""
    owners: list[int | None] = list(new_owners)
    if record_id != NEW:
        try:
            owners.append(_owner_of(table, _get(store, table, record_id)))
        except NotFoundError:
            pass  # nothing to protect; the store reports it on write
    if all(auth.can_edit(viewer, partner_id=p) for p in owners):
        return True
    st.error(NOT_YOURS)
    return False


def _write(action: str, opened: Mapping[str, Any], call: Any, *, success: str,
           select: int | None = None, undo: dict[str, Any] | None = None,
           undo_edit: str | None = None) -> None:
    """Run one store write; on success flash ``success`` and reopen, else explain.

    ``undo``: how to undo a delete; ``undo_edit``: the label of an edited record, whose
    values as the form read them are kept so the edit can be undone (when it changed
    anything: the store returns the version it made).
    """
    try:
        result = call()
    except ConflictError as exc:
        st.error(md(f"Not saved: {exc}. Your changes in the form are kept below; the "
                    "other person's change stays in the database."))
        if st.button("Reload the record (discards your changes here)",
                     key=_key(opened, "reload")):
            _reopen()
            st.rerun()
        return
    except ValidationError as exc:
        show_refusal(f"Not saved ({action}): please fix the following. Nothing was written.",
                     exc.problems)
        return
    except StoreError as exc:
        st.error(md(f"Not saved ({action}): {exc}."))
        return
    _reopen()
    table = opened["table"]
    if select is None and isinstance(result, int) and opened["id"] == NEW:
        select = result
    if select is not None:
        st.session_state[PENDING_PICK_KEY] = (table, select)
    if undo is not None:
        st.session_state[UNDO_KEY] = undo
    elif undo_edit is not None and isinstance(result, int) and result != opened["version"]:
        st.session_state[UNDO_KEY] = {"kind": "edit", "table": table, "id": opened["id"],
                                      "label": undo_edit, "before": dict(opened["record"]),
                                      "version": result}
    else:
        st.session_state.pop(UNDO_KEY, None)
    flash(success)


def _show_undo(*, viewer: Viewer, store: Store) -> None:
    """The last delete or edit of this session, with a button that undoes it."""
    undo = st.session_state.get(UNDO_KEY)
    if not undo:
        return
    edit = undo.get("kind") == "edit"
    cols = st.columns([4, 1])
    cols[0].info(md(f"{'Changed' if edit else 'Deleted'} {undo['label']}."))
    if cols[1].button("Undo", key="edit_undo_button"):
        table, record_id = undo["table"], int(undo["id"])
        if edit:
            _undo_edit(viewer, store, undo)
            return
        if not _allowed(viewer, store, table, record_id):
            return
        restore = {"partners": store.restore_partner, "sites": store.restore_site,
                   "activities": store.restore_activity}[table]
        try:
            restore(record_id, actor=viewer.email)
        except StoreError as exc:
            st.error(md(f"Could not undo: {exc}."))
            return
        st.session_state.pop(UNDO_KEY, None)
        st.session_state[PENDING_PICK_KEY] = (table, record_id)
        _reopen()
        flash(f"Restored {undo['label']}.")


def _undo_edit(viewer: Viewer, store: Store, undo: Mapping[str, Any]) -> None:
    """Put back the values an edit replaced (:meth:`geo.db.Store.undo_update`), unless
    someone changed the record since: then say who and when, and keep their change."""
    table, record_id, label = undo["table"], int(undo["id"]), undo["label"]
    if not _allowed(viewer, store, table, record_id, _owner_of(table, undo["before"])):
        return
    try:
        store.undo_update(table, record_id, undo["before"], version=int(undo["version"]),
                          actor=viewer.email)
    except ConflictError as exc:
        st.session_state.pop(UNDO_KEY, None)
        _reopen()  # the form shows the record as it is now
        st.error(md(f"Could not undo: {label} was changed by {exc.changed_by} at "
                    f"{exc.changed_at}, after your edit. Nothing was changed, so that later "
                    "change is kept; edit the record again if your earlier values should "
                    "come back."))
        return
    except ValidationError as exc:
        show_refusal(f"Could not undo the change to {label}. Nothing was written.",
                     exc.problems)
        return
    except StoreError as exc:
        st.error(md(f"Could not undo: {exc}."))
        return
    st.session_state.pop(UNDO_KEY, None)
    st.session_state[PENDING_PICK_KEY] = (table, record_id)
    _reopen()
    flash(f"Undid your changes to {label}.")


def _delete_controls(viewer: Viewer, store: Store, opened: Mapping[str, Any], *,
                     label: str, warning: str = "") -> None:
    table, record_id = opened["table"], int(opened["id"])
    if record_id == NEW:
        return
    confirm = True
    if warning:
        confirm = st.checkbox(warning, key=_key(opened, "confirm_delete"))
    if st.button(f"Delete this {_NOUN[table]}", key=_key(opened, "delete"),
                 disabled=not confirm):
        if not _allowed(viewer, store, table, record_id):
            return
        delete = {"partners": store.delete_partner, "sites": store.delete_site,
                  "activities": store.delete_activity}[table]
        _write("delete", opened,
               lambda: delete(record_id, actor=viewer.email,
                              expected_version=opened["version"]),
               success=f"Deleted {label}. Use Undo to bring it back.",
               undo={"table": table, "id": record_id, "label": label})


# --- partners -------------------------------------------------------------------------
def _partner_form(*, viewer: Viewer, store: Store, opened: Mapping[str, Any]) -> None:
    rec = opened["record"]
    k = lambda n: _key(opened, n)  # noqa: E731
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
                                     default=_known(split_list(rec.get("principles")),
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
        if not _allowed(viewer, store, "partners", record_id,
                        *((None,) if record_id == NEW else ())):
            return
        if record_id == NEW:
            _write("add", opened, lambda: store.add_partner(values, actor=viewer.email),
                   success=f"Added the partner {values['name']}.")
        else:
            _write("save", opened, lambda: store.update_partner(
                record_id, values, expected_version=opened["version"], actor=viewer.email),
                success=f"Saved {values['name']}.", select=record_id,
                undo_edit=f"the partner {values['name']}")
    if record_id != NEW:
        _delete_controls(viewer, store, opened, label=f"the partner {rec.get('name')}",
                         warning="Deleting a partner also deletes its sites and activities "
                         "(undo brings them back). I understand.")


def _known(items: list[str], allowed: tuple[str, ...]) -> list[str]:
    return [i for i in items if i in allowed]


# --- sites ----------------------------------------------------------------------------
def _site_form(*, viewer: Viewer, store: Store, opened: Mapping[str, Any],
               partner_id: int | None) -> None:
    rec = opened["record"]
    k = lambda n: _key(opened, n)  # noqa: E731
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
        st.caption(md(_where(rec)))
    how = st.radio("Set the location by", list(_LOCATE_BY), format_func=_LOCATE_BY.get,
                   horizontal=True, key=k("how"))
    zip_code = st.text_input("ZIP code", value=str(rec.get("zip") or ""), key=k("zip"),
                             max_chars=10, help="With 'ZIP code' chosen above, the site "
                             "goes at the centre of the ZIP code area (approximate).")
    lat = rec.get("latitude")
    lon = rec.get("longitude")
    if how == "coordinates":
        c1, c2 = st.columns(2)
        lat = c1.number_input("Latitude", value=_float(lat), min_value=-90.0, max_value=90.0,
                              format="%.6f", key=k("lat"))
        lon = c2.number_input("Longitude (negative in the US)", value=_float(lon),
                              min_value=-180.0, max_value=180.0, format="%.6f", key=k("lon"))
    elif how == "map":
        lat, lon = _pick_on_map(opened, _float(rec.get("latitude")),
                                _float(rec.get("longitude")))
    if st.button("Add site" if record_id == NEW else "Save changes", type="primary",
                 key=k("save")):
        if not _allowed(viewer, store, "sites", record_id, target_partner):
            return
        place, problems = site_location(how, latitude=lat, longitude=lon, zip_code=zip_code)
        if problems:
            show_refusal("Not saved: the location needs fixing. Nothing was written.",
                         problems)
            return
        values = {"partner_id": target_partner, "name": name, "site_kind": site_kind,
                  "nces_id": nces_id.strip(), "contact": contact, **place}
        if record_id == NEW:
            _write("add", opened, lambda: store.add_site(values, actor=viewer.email),
                   success=f"Added the site {name} ({_where(values)}).")
        else:
            _write("save", opened, lambda: store.update_site(
                record_id, values, expected_version=opened["version"], actor=viewer.email),
                success=f"Saved {name} ({_where(values)}).", select=record_id,
                undo_edit=f"the site {name}")
    if record_id != NEW:
        _delete_controls(viewer, store, opened, label=f"the site {rec.get('name')}",
                         warning="Deleting a site also deletes its activities (undo brings "
                         "them back). I understand.")


def _float(value: object) -> float | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return float(value)  # type: ignore[arg-type]


def _where(values: Mapping[str, Any]) -> str:
    lat, lon = _float(values.get("latitude")), _float(values.get("longitude"))
    if lat is None or lon is None:
        return "no location yet"
    parts = [f"at {lat:.5f}, {lon:.5f}"]
    if values.get("location_source") == "zip_centroid":
        parts.append(f"the centre of ZIP {values.get('zip')}")
    if values.get("district_geoid"):
        parts.append(f"district {values['district_geoid']}")
    if values.get("county_fips"):
        parts.append(f"county {values['county_fips']}")
    return ", ".join(parts)


def _pick_on_map(opened: Mapping[str, Any], lat: float | None,
                 lon: float | None) -> tuple[float | None, float | None]:
    """A small map; the last click sets the site's coordinates."""
    picked_key = _key(opened, "picked")
    st.caption("Click the map where the site is (zoom in first for a precise spot).")
    if lat is not None and lon is not None:
        bounds = ((lat - 0.05, lon - 0.07), (lat + 0.05, lon + 0.07))
    else:
        bounds = None
    m = base_map(bounds, tiles=_ui.settings().tiles)
    if lat is not None and lon is not None:
        folium.CircleMarker([lat, lon], radius=6, color="#1f4e79", fill=True).add_to(m)
    result = _ui.render_map(m, key=_key(opened, "map"), height=PICK_MAP_HEIGHT)
    click = (result or {}).get("last_object_clicked")
    if isinstance(click, dict) and click.get("lat") is not None:
        st.session_state[picked_key] = (float(click["lat"]), float(click["lng"]))
    picked = st.session_state.get(picked_key)
    if picked is None:
        st.caption("No point picked yet: the site keeps its stored location.")
        return lat, lon
    st.text(f"Picked: {picked[0]:.6f}, {picked[1]:.6f}")
    return picked


def site_location(how: str, *, latitude: float | None, longitude: float | None,
                  zip_code: str) -> tuple[dict[str, Any], list[Problem]]:
    """The stored location of a site set by coordinates, a click or a ZIP code
    (:func:`geo.locate.place_point`, the same rules as an import)."""
    return locate.place_point(how, latitude=latitude, longitude=longitude,
                              zip_code=zip_code)


# --- activities -----------------------------------------------------------------------
def _activity_form(*, viewer: Viewer, store: Store, opened: Mapping[str, Any],
                   partner_id: int | None, frames: Frames) -> None:
    rec = opened["record"]
    k = lambda n: _key(opened, n)  # noqa: E731
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
                                default=_known(split_list(rec.get("principles")), PRINCIPLES))
    c1, c2 = st.columns(2)
    start = c1.date_input("Start date (optional)", value=_date(rec.get("start_date")),
                          min_value=_MIN_DATE, max_value=_MAX_DATE, key=k("start"))
    end = c2.date_input("End date (optional)", value=_date(rec.get("end_date")),
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
        if not _allowed(viewer, store, "activities", record_id, target_partner):
            return
        if place == "site" and site_id is None:
            show_refusal("Not saved: choose a site, or record the work across an area.", [])
            return
        if record_id == NEW:
            _write("add", opened, lambda: store.add_activity(values, actor=viewer.email),
                   success="Added the activity.")
        else:
            _write("save", opened, lambda: store.update_activity(
                record_id, values, expected_version=opened["version"], actor=viewer.email),
                success="Saved the activity.", select=record_id,
                undo_edit=f"activity {record_id}")
    if record_id == NEW:
        return
    if rec.get("status") != "ended":
        c1, c2 = st.columns([1, 2])
        end_on = c1.date_input("End it on", value=dt.date.today(), min_value=_MIN_DATE,
                               max_value=_MAX_DATE, key=k("end_on"))
        c2.caption("Ending keeps the record (status ended, with its end date): the work "
                   "stays in the history and the coverage over time.")
        if st.button("End this activity", key=k("end_button")):
            if not _allowed(viewer, store, "activities", record_id, target_partner):
                return
            _write("end", opened, lambda: store.update_activity(
                record_id, {"status": "ended", "end_date": end_on},
                expected_version=opened["version"], actor=viewer.email),
                success=f"Ended the activity on {end_on.isoformat()}.", select=record_id,
                undo_edit=f"activity {record_id} (ended)")
    _delete_controls(viewer, store, opened, label=f"activity {record_id}")


def _date(value: object) -> dt.date | None:
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        return None
    return None if pd.isna(stamp) else stamp.date()
