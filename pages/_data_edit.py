"""The Data page's Edit section: pick a partner, site or activity (or a new one) and
show its form; the forms are :mod:`pages._data_forms` and :mod:`pages._data_activity`,
their writes :mod:`pages._data_write`.

A record's form shows the record as it was when it was opened: the record and its
version are read once and kept in the session (``edit_opened``) until a write or a
reload, so a save never overwrites a change made in between (see
:mod:`pages._data_write`).
"""
from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import streamlit as st

from geo import auth, records
from geo.auth import Viewer
from geo.db import NotFoundError, Store
from geo.schema import Frames
from pages import _data_forms as forms
from pages._data_activity import activity_form
from pages._data_write import (
    NEW,
    NOT_YOURS,
    OPENED_KEY,
    PENDING_PICK_KEY,
    get,
    show_undo,
)
from pages._messages import md

TABLES: dict[str, str] = {"partners": "Partners", "sites": "Sites", "activities": "Activities"}


def render_edit(*, viewer: Viewer, store: Store, frames: Frames) -> None:
    """Forms to add, edit, end and delete (with undo) partners, sites and activities."""
    show_undo(viewer=viewer, store=store)
    table = st.radio("Records", list(TABLES), format_func=TABLES.get, horizontal=True,
                     key="edit_table")
    names = records.partner_names(frames.partners)
    if viewer.role == "partner":
        own = int(viewer.partner_id)  # type: ignore[arg-type]
        st.caption(md(f"You can change the records of {names.get(own, 'your organization')} "
                      "only."))
        editable = [own] if own in names else []
    else:
        editable = records.by_name(names)
    if not editable:
        st.info("Your organization has no partner record (it may have been deleted). "
                "Ask coalition staff.")
        return

    if table == "partners":
        owner = None
        ids = list(editable)
    else:
        owner = _partner_filter(viewer, editable, names)
        ids = records.record_ids(frames, table, owner)
    options = ([NEW] if _may_add(viewer, table) else []) + ids
    pick_key = f"edit_pick_{table}"
    pending = st.session_state.pop(PENDING_PICK_KEY, None)
    if pending is not None and pending[0] == table and pending[1] in options:
        st.session_state[pick_key] = pending[1]
    if st.session_state.get(pick_key) not in options:
        st.session_state.pop(pick_key, None)
    labels = records.record_labels(frames, table, names)
    noun = records.NOUNS[table]
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
    if picked != NEW and not auth.can_edit(viewer, partner_id=records.owner_of(record)):
        st.error(NOT_YOURS)
        return
    with st.container(border=True):
        if table == "partners":
            forms.partner_form(viewer=viewer, store=store, opened=opened)
        elif table == "sites":
            forms.site_form(viewer=viewer, store=store, opened=opened, partner_id=owner)
        else:
            activity_form(viewer=viewer, store=store, opened=opened, partner_id=owner,
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


def _open(store: Store, table: str, record_id: int) -> dict[str, Any] | None:
    """The record as it was when its form opened (read once, kept in the session)."""
    current = st.session_state.get(OPENED_KEY)
    if current and current["table"] == table and current["id"] == record_id:
        return current
    record: dict[str, Any] = {}
    if record_id != NEW:
        try:
            record = get(store, table, record_id)
        except NotFoundError as exc:
            st.error(md(f"{exc}."))
            return None
        if record.get("deleted_at") is not None:
            st.error(md(f"This {records.NOUNS[table]} was deleted; pick another one."))
            return None
    current = {"table": table, "id": record_id, "version": record.get("version"),
               "record": record, "nonce": uuid.uuid4().hex[:8]}
    st.session_state[OPENED_KEY] = current
    return current
