"""Admin (coalition staff only): accounts, partners' public-listing consent, the audit
trail, and undoing deletions.

Every other role gets a plain message and nothing else: the page checks the viewer
from the server-side session (``_ui.current_viewer``) before it reads any record.
Every write names the signed-in staff member as its actor, so it shows in the audit.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from geo import auth
from geo.db import StoreError
from geo.safe import markdown_text as md
from pages import _ui

_TABLES = {"partners": "Partners", "sites": "Sites", "activities": "Activities"}
_LABEL_COLUMN = {"partners": "name", "sites": "name", "activities": "kind_of_work"}
_ID_COLUMN = {"partners": "partner_id", "sites": "site_id", "activities": "activity_id"}

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


def _partner_names() -> dict[int, str]:
    partners = _ui.all_frames().partners
    return {int(pid): str(n)
            for pid, n in zip(partners["partner_id"], partners["name"], strict=True)}


def _show_done(key: str) -> None:
    """Show (once) the confirmation a previous run left under ``key``."""
    message = st.session_state.pop(key, None)
    if message:
        st.success(message)


def _done(key: str, message: str) -> None:
    st.session_state[key] = message
    st.rerun()


# --- accounts -------------------------------------------------------------------------
def _users_tab() -> None:
    _show_done("admin_users_done")
    names = _partner_names()
    users = store.users.list_users()
    shown = pd.DataFrame({
        "E-mail": users["email"],
        "Role": users["role"],
        "Partner": [names.get(int(p), f"#{p} (deleted)") if pd.notna(p) else ""
                    for p in users["partner_id"]],
        "Failed sign-ins": users["failed_attempts"],
        "Locked until": users["locked_until"],
    })
    st.dataframe(shown, hide_index=True, width="stretch")

    partner_ids = sorted(names, key=lambda pid: names[pid].casefold())
    with st.form("admin_add_user", clear_on_submit=True):
        st.markdown("**Add an account**")
        email = st.text_input("E-mail", key="admin_add_email")
        role = st.selectbox("Role", auth.ACCOUNT_ROLES, key="admin_add_role")
        partner = st.selectbox("Partner (for the partner role)", [None, *partner_ids],
                               format_func=lambda p: "—" if p is None else names[p],
                               key="admin_add_partner")
        password = st.text_input("First password (tell it to them privately)",
                                 type="password", key="admin_add_password")
        add = st.form_submit_button("Add account", key="admin_add_submit")
    if add:
        _add_user(email, role, partner, password)

    if users.empty:
        return
    emails = list(users["email"])
    with st.form("admin_set_role"):
        st.markdown("**Change a role**")
        who = st.selectbox("Account", emails, key="admin_role_email")
        role = st.selectbox("New role", auth.ACCOUNT_ROLES, key="admin_role_role")
        partner = st.selectbox("Partner (for the partner role)", [None, *partner_ids],
                               format_func=lambda p: "—" if p is None else names[p],
                               key="admin_role_partner")
        change = st.form_submit_button("Change role", key="admin_role_submit")
    if change:
        _set_role(who, role, partner)

    with st.form("admin_remove_user"):
        st.markdown("**Remove an account**")
        who = st.selectbox("Account", emails, key="admin_remove_email")
        sure = st.checkbox("Yes, remove this account", key="admin_remove_sure")
        remove = st.form_submit_button("Remove account", key="admin_remove_submit")
    if remove:
        _remove_user(who, sure)


def _partner_check(role: str, partner: int | None) -> str | None:
    if role == "partner" and partner is None:
        return "A partner account needs its partner organization: pick one."
    if role != "partner" and partner is not None:
        return f"Only partner accounts belong to a partner; leave it empty for {role}."
    return None


def _add_user(email: str, role: str, partner: int | None, password: str) -> None:
    problems = []
    try:
        address = auth.check_email(email)
    except ValueError as exc:
        problems.append(str(exc))
        address = ""
    if address and store.users.get_user(address) is not None:
        problems.append(f"{address} already has an account: change its role below instead.")
    wrong = _partner_check(role, partner)
    if wrong:
        problems.append(wrong)
    try:
        auth.check_new_password(password)
    except auth.PasswordError as exc:
        problems.append(str(exc))
    if problems:
        st.error("Nothing was saved:\n\n" + "\n".join(f"- {p}" for p in problems))
        return
    try:
        store.users.add_user(address, auth.hash_password(password), role,
                             partner_id=partner, actor=ACTOR)
    except StoreError as exc:
        st.error(f"Nothing was saved: {exc}")
        return
    _done("admin_users_done", f"Added {address} as {role}.")


def _set_role(email: str, role: str, partner: int | None) -> None:
    wrong = _partner_check(role, partner)
    if wrong:
        st.error(wrong)
        return
    if email == viewer.email and role != "staff":
        st.error("You cannot take away your own staff role; ask another staff member.")
        return
    try:
        store.users.set_role(email, role, partner_id=partner, actor=ACTOR)
    except StoreError as exc:
        st.error(f"Nothing was changed: {exc}")
        return
    _done("admin_users_done", f"{email} is now {role}.")


def _remove_user(email: str, sure: bool) -> None:
    if not sure:
        st.error("Tick “Yes, remove this account” to confirm.")
        return
    if email == viewer.email:
        st.error("You cannot remove your own account; ask another staff member.")
        return
    try:
        store.users.remove_user(email, actor=ACTOR)
    except StoreError as exc:
        st.error(f"Nothing was removed: {exc}")
        return
    _done("admin_users_done", f"Removed {email}.")


# --- consent --------------------------------------------------------------------------
def _consent_tab() -> None:
    _show_done("admin_consent_done")
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
    names = {int(p): str(n) for p, n in zip(partners["partner_id"], partners["name"], strict=True)}
    with st.form("admin_consent"):
        pid = st.selectbox("Partner", sorted(names, key=lambda p: names[p].casefold()),
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
        _done("admin_consent_done",
              f"Recorded: {md(names[pid])} {'may' if public == 'approved' else 'may not'} be "
              f"listed publicly (approved by {md(address)}).")


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
    _show_done("admin_undo_done")
    st.caption("Deleting is never final. Restoring a partner brings back the sites and "
               "activities deleted with it; a site or activity can only come back while "
               "its partner (and site) is live.")
    table = st.radio("Deleted", list(_TABLES), format_func=_TABLES.__getitem__,
                     horizontal=True, key="admin_undo_table")
    deleted = _deleted(table)
    if deleted.empty:
        st.info(f"No deleted {table}.")
        return
    id_column, label = _ID_COLUMN[table], _LABEL_COLUMN[table]
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
        _done("admin_undo_done", f"Restored {md(choices[record])}.")


users_tab, consent_tab, audit_tab, undo_tab = st.tabs(
    ["Accounts", "Consent", "Audit trail", "Undo deletions"])
with users_tab:
    _users_tab()
with consent_tab:
    _consent_tab()
with audit_tab:
    _audit_tab()
with undo_tab:
    _undo_tab()
