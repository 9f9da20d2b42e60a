"""The Data page's writes: every add, save, end, delete and undo of the edit forms.

Rules the writes keep
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
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st

from geo import auth, records
from geo.auth import Viewer
from geo.db import ConflictError, NotFoundError, Store, StoreError, ValidationError
from pages._messages import flash, md, show_refusal

OPENED_KEY = "edit_opened"
UNDO_KEY = "edit_undo"
PENDING_PICK_KEY = "edit_pending_pick"
NEW = 0  # the record picker's "add a new one" entry
NOT_YOURS = ("You can change only your own organization's records. Nothing was saved.")


def get(store: Store, table: str, record_id: int) -> dict[str, Any]:
    getter = {"partners": store.get_partner, "sites": store.get_site,
              "activities": store.get_activity}[table]
    return getter(record_id)


def reopen() -> None:
    """Forget the opened record: the next run reads it (and its version) again."""
    st.session_state.pop(OPENED_KEY, None)


def key(opened: Mapping[str, Any], name: str) -> str:
    """The widget key of ``name`` in the form of the opened record."""
    return f"edit_{opened['table']}_{opened['id']}_{opened['nonce']}_{name}"


def allowed(viewer: Viewer, store: Store, table: str, record_id: int,
             *new_owners: int | None) -> bool:
    """Ask geo.auth at the moment of writing: about the partner of the stored record
    (read again now, not taken from the form) and about every partner the write would
    give a record (``None`` = a new partner, which only staff may create)."""
    owners: list[int | None] = list(new_owners)
    if record_id != NEW:
        try:
            owners.append(records.owner_of(get(store, table, record_id)))
        except NotFoundError:
            pass  # nothing to protect; the store reports it on write
    if all(auth.can_edit(viewer, partner_id=p) for p in owners):
        return True
    st.error(NOT_YOURS)
    return False


def write(action: str, opened: Mapping[str, Any], call: Any, *, success: str,
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
                     key=key(opened, "reload")):
            reopen()
            st.rerun()
        return
    except ValidationError as exc:
        show_refusal(f"Not saved ({action}): please fix the following. Nothing was written.",
                     exc.problems)
        return
    except StoreError as exc:
        st.error(md(f"Not saved ({action}): {exc}."))
        return
    reopen()
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


def save(viewer: Viewer, store: Store, opened: Mapping[str, Any], values: dict[str, Any], *,
         added: str, saved: str, undo_label: str) -> None:
    """Add the opened record (when new) or save ``values`` over it, keeping the edit
    for undo; ``added`` and ``saved`` are the confirmations."""
    table, record_id = opened["table"], int(opened["id"])
    if record_id == NEW:
        add: Callable[..., Any] = {"partners": store.add_partner, "sites": store.add_site,
                                   "activities": store.add_activity}[table]
        write("add", opened, lambda: add(values, actor=viewer.email), success=added)
    else:
        update: Callable[..., Any] = {"partners": store.update_partner,
                                      "sites": store.update_site,
                                      "activities": store.update_activity}[table]
        write("save", opened, lambda: update(
            record_id, values, expected_version=opened["version"], actor=viewer.email),
            success=saved, select=record_id, undo_edit=undo_label)


def show_undo(*, viewer: Viewer, store: Store) -> None:
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
        if not allowed(viewer, store, table, record_id):
            return
        restore = {"partners": store.restore_partner, "sites": store.restore_site,
                   "activities": store.restore_activity}[table]
        try:
            restore(record_id, actor=viewer.email)
        except StoreError as exc:
            st.error(md(f"Could not undo: {exc}."))
            return
        _undone(table, record_id, f"Restored {undo['label']}.")


def _undo_edit(viewer: Viewer, store: Store, undo: Mapping[str, Any]) -> None:
    """Put back the values an edit replaced (:meth:`geo.db.Store.undo_update`), unless
    someone changed the record since: then say who and when, and keep their change."""
    table, record_id, label = undo["table"], int(undo["id"]), undo["label"]
    if not allowed(viewer, store, table, record_id, records.owner_of(undo["before"])):
        return
    try:
        store.undo_update(table, record_id, undo["before"], version=int(undo["version"]),
                          actor=viewer.email)
    except ConflictError as exc:
        st.session_state.pop(UNDO_KEY, None)
        reopen()  # the form shows the record as it is now
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
    _undone(table, record_id, f"Undid your changes to {label}.")


def _undone(table: str, record_id: int, message: str) -> None:
    """After an undo: nothing left to undo, the record picked and read again, ``message``."""
    st.session_state.pop(UNDO_KEY, None)
    st.session_state[PENDING_PICK_KEY] = (table, record_id)
    reopen()
    flash(message)


def delete_controls(viewer: Viewer, store: Store, opened: Mapping[str, Any], *,
                     label: str, warning: str = "") -> None:
    table, record_id = opened["table"], int(opened["id"])
    if record_id == NEW:
        return
    confirm = True
    if warning:
        confirm = st.checkbox(warning, key=key(opened, "confirm_delete"))
    if st.button(f"Delete this {records.NOUNS[table]}", key=key(opened, "delete"),
                 disabled=not confirm):
        if not allowed(viewer, store, table, record_id):
            return
        delete = {"partners": store.delete_partner, "sites": store.delete_site,
                  "activities": store.delete_activity}[table]
        write("delete", opened,
              lambda: delete(record_id, actor=viewer.email,
                             expected_version=opened["version"]),
              success=f"Deleted {label}. Use Undo to bring it back.",
              undo={"table": table, "id": record_id, "label": label})
