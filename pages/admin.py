"""Admin (coalition staff only): accounts, partners' public-listing consent, the audit
trail, and undoing deletions.

Every other role gets a plain message and nothing else: the page checks the viewer
from the server-side session (``_ui.current_viewer``) before it reads any record.
Every write names the signed-in staff member as its actor, so it shows in the audit.
The Accounts tab is :mod:`pages._admin_accounts`.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from geo import auth, records
from geo.db import StoreError
from geo.safe import markdown_text as md
from pages import _ui
from pages._admin_accounts import accounts_tab
from pages._messages import flash, show_flash

_TABLES = {"partners": "Partners", "sites": "Sites", "activities": "Activities"}
_LABEL_COLUMN = {"partners": "name", "sites": "name", "activities": "kind_of_work"}

_ui.sidebar()
viewer = _ui.current_viewer()
st.title("Admin")
if not auth.can_manage_users(viewer):
    if viewer.role == "public":
        _ui.refuse("The admin page is for coalition staff. Sign in with a staff account "
                   "in the sidebar to manage accounts, consent and the audit trail.")
    _ui.refuse(f"The admin page is for coalition staff; your role ({viewer.role}) "
               "cannot use it. Ask coalition staff if you need a change.")

store = _ui.store()
ACTOR = viewer.email


# --- consent --------------------------------------------------------------------------
def _consent_tab() -> None:
    show_flash("admin_consent_done", markdown=True)
    partners = _ui.all_frames().partners
    st.caption("A partner's name, website and contacts are shown to the public only after "
               "the partner approved it. Record who at the partner approved (or withdrew) "
               "it; the time is recorded automatically.")
    st.dataframe(pd.DataFrame({
        "Partner": partners["name"],
        "Listed publicly": partners["public"],
        "Approved by": partners["consent_by"],
        "Recorded at": partners["consent_at"],
    }), hide_index=True, width="stretch")
    if partners.empty:
        st.info("No partners yet.")
        return
    names = records.partner_names(partners)
    with st.form("admin_consent"):
        pid = st.selectbox("Partner", records.by_name(names),
                           format_func=names.__getitem__, key="admin_consent_partner")
        public = st.radio("Public listing", ["approved", "not approved"], horizontal=True,
                          key="admin_consent_public")
        approved_by = st.text_input("Approved (or withdrawn) by: e-mail of the person at "
                                    "the partner", key="admin_consent_by")
        save = st.form_submit_button("Record consent", key="admin_consent_submit")
    if save:
        try:
            address = auth.check_email(approved_by)
            store.set_consent(pid, public=public == "approved", approved_by=address,
                              actor=ACTOR)
        except (StoreError, ValueError) as exc:
            st.error(f"Nothing was saved: {exc}")
            return
        flash(f"Recorded: {md(names[pid])} {'may' if public == 'approved' else 'may not'} be "
              f"listed publicly (approved by {md(address)}).", key="admin_consent_done")


# --- audit trail ----------------------------------------------------------------------
def _audit_tab() -> None:
    table = st.selectbox("Records", ["all", "partners", "sites", "activities", "users"],
                         key="admin_audit_table")
    limit = st.number_input("Newest entries to show", min_value=10, max_value=5000,
                            value=200, step=50, key="admin_audit_limit")
    log = store.audit_log(int(limit), table=None if table == "all" else table)
    st.dataframe(log.rename(columns={"at": "When (UTC)", "actor": "Who", "action": "Action",
                                     "table": "Table", "record_id": "Record",
                                     "changes": "Changes"}),
                 hide_index=True, width="stretch")


# --- undo deletions -------------------------------------------------------------------
def _deleted(table: str) -> pd.DataFrame:
    frame = store.table_frame(table)
    return frame[frame["deleted_at"] != ""].sort_values("deleted_at", ascending=False)


def _undo_tab() -> None:
    show_flash("admin_undo_done", markdown=True)
    st.caption("Deleting is never final. Restoring a partner brings back the sites and "
               "activities deleted with it; a site or activity can only come back while "
               "its partner (and site) is live.")
    table = st.radio("Deleted", list(_TABLES), format_func=_TABLES.__getitem__,
                     horizontal=True, key="admin_undo_table")
    deleted = _deleted(table)
    if deleted.empty:
        st.info(f"No deleted {table}.")
        return
    id_column, label = records.ID_COLUMNS[table], _LABEL_COLUMN[table]
    columns = [id_column, label] + (["partner_id"] if table != "partners" else [])
    st.dataframe(deleted[[*columns, "deleted_at", "deleted_by"]], hide_index=True,
                 width="stretch")
    choices = {int(r[id_column]): f"{r[id_column]}: {r[label]} (deleted {r['deleted_at']} by "
               f"{r['deleted_by']})" for _, r in deleted.iterrows()}
    with st.form("admin_undo"):
        record = st.selectbox("Record", list(choices), format_func=choices.__getitem__,
                              key="admin_undo_record")
        restore = st.form_submit_button("Restore", key="admin_undo_submit")
    if restore:
        action = {"partners": store.restore_partner, "sites": store.restore_site,
                  "activities": store.restore_activity}[table]
        try:
            action(int(record), actor=ACTOR)
        except StoreError as exc:
            st.error(f"Not restored: {exc}")
            return
        flash(f"Restored {md(choices[record])}.", key="admin_undo_done")


users_tab, consent_tab, audit_tab, undo_tab = st.tabs(
    ["Accounts", "Consent", "Audit trail", "Undo deletions"])
with users_tab:
    accounts_tab(store, viewer, _ui.all_frames().partners)
with consent_tab:
    _consent_tab()
with audit_tab:
    _audit_tab()
with undo_tab:
    _undo_tab()
