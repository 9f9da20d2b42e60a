"""The Admin page's Accounts tab: the accounts, and forms to add one, change a role and
remove one. Every write names the signed-in staff member as its actor."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from geo import auth, records
from geo.auth import Viewer
from geo.db import Store, StoreError
from pages._messages import flash, show_flash

DONE = "admin_users_done"


def accounts_tab(store: Store, viewer: Viewer, partners: pd.DataFrame) -> None:
    """The accounts table and the add, change-role and remove forms."""
    show_flash(DONE, markdown=True)
    names = records.partner_names(partners)
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

    partner_ids = records.by_name(names)
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
        _add_user(store, viewer, email, role, partner, password)

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
        _set_role(store, viewer, who, role, partner)

    with st.form("admin_remove_user"):
        st.markdown("**Remove an account**")
        who = st.selectbox("Account", emails, key="admin_remove_email")
        sure = st.checkbox("Yes, remove this account", key="admin_remove_sure")
        remove = st.form_submit_button("Remove account", key="admin_remove_submit")
    if remove:
        _remove_user(store, viewer, who, sure)


def _add_user(store: Store, viewer: Viewer, email: str, role: str, partner: int | None,
              password: str) -> None:
    problems = []
    try:
        address = auth.check_email(email)
    except ValueError as exc:
        problems.append(str(exc))
        address = ""
    if address and store.users.get_user(address) is not None:
        problems.append(f"{address} already has an account: change its role below instead.")
    wrong = auth.account_partner_problem(role, partner)
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
                             partner_id=partner, actor=viewer.email)
    except StoreError as exc:
        st.error(f"Nothing was saved: {exc}")
        return
    flash(f"Added {address} as {role}.", key=DONE)


def _set_role(store: Store, viewer: Viewer, email: str, role: str,
              partner: int | None) -> None:
    wrong = auth.account_partner_problem(role, partner)
    if wrong:
        st.error(wrong)
        return
    if email == viewer.email and role != "staff":
        st.error("You cannot take away your own staff role; ask another staff member.")
        return
    try:
        store.users.set_role(email, role, partner_id=partner, actor=viewer.email)
    except StoreError as exc:
        st.error(f"Nothing was changed: {exc}")
        return
    flash(f"{email} is now {role}.", key=DONE)


def _remove_user(store: Store, viewer: Viewer, email: str, sure: bool) -> None:
    if not sure:
        st.error("Tick “Yes, remove this account” to confirm.")
        return
    if email == viewer.email:
        st.error("You cannot remove your own account; ask another staff member.")
        return
    try:
        store.users.remove_user(email, actor=viewer.email)
    except StoreError as exc:
        st.error(f"Nothing was removed: {exc}")
        return
    flash(f"Removed {email}.", key=DONE)
