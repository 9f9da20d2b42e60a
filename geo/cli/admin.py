"""Administration commands: user accounts and partners' public-listing consent.

``python -m geo users add EMAIL --role ROLE [--partner NAME]``
    Create an account. The password is read from ``PARTNERMAP_PASSWORD`` when set
    (for scripts), otherwise asked twice without echo.
``python -m geo users set-role EMAIL ROLE [--partner NAME]``
``python -m geo users set-password EMAIL``
    Same password rules and sources as ``add``; also clears a lock.
``python -m geo users unlock EMAIL``
    Clear the failed-attempt count and lock of an account.
``python -m geo users remove EMAIL``
``python -m geo users list``
    Never shows password hashes.
``python -m geo partners consent NAME --public yes|no --approved-by EMAIL``
    Record that a partner approved (or withdrew) public listing, by whom and when.

The database is the one named by ``DATABASE_URL`` (see :mod:`geo.config`).
"""
from __future__ import annotations

import argparse
import difflib
import getpass
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from geo import auth
from geo.cli import CliError
from geo.config import load_settings

PASSWORD_ENV = "PARTNERMAP_PASSWORD"
_ACCOUNT_ROLES = auth.ACCOUNT_ROLES


def register(subparsers: Any) -> None:
    """Add the ``users`` and ``partners`` command groups."""
    _register_users(subparsers)
    _register_partners(subparsers)


def _register_users(subparsers: Any) -> None:
    users = subparsers.add_parser("users", help="manage sign-in accounts and their roles")
    cmds = users.add_subparsers(dest="users_command", metavar="ACTION", required=True)

    add = cmds.add_parser(
        "add",
        help="create an account",
        description=f"Create an account. The password comes from ${PASSWORD_ENV} "
        "when set, otherwise it is asked twice.",
    )
    add.add_argument("email")
    add.add_argument("--role", required=True, choices=_ACCOUNT_ROLES)
    add.add_argument("--partner", metavar="NAME", help="partner organisation (role partner)")
    add.set_defaults(func=_users_add)

    set_role = cmds.add_parser("set-role", help="change an account's role")
    set_role.add_argument("email")
    set_role.add_argument("role", choices=_ACCOUNT_ROLES)
    set_role.add_argument("--partner", metavar="NAME", help="partner organisation (role partner)")
    set_role.set_defaults(func=_users_set_role)

    set_password = cmds.add_parser(
        "set-password",
        help="give an account a new password (also clears a lock)",
        description=f"Store a new password, read from ${PASSWORD_ENV} when set, otherwise "
        "asked twice. Clears failed attempts and any lock.",
    )
    set_password.add_argument("email")
    set_password.set_defaults(func=_users_set_password)

    unlock = cmds.add_parser("unlock", help="clear failed sign-in attempts and the lock")
    unlock.add_argument("email")
    unlock.set_defaults(func=_users_unlock)

    remove = cmds.add_parser("remove", help="delete an account")
    remove.add_argument("email")
    remove.set_defaults(func=_users_remove)

    listing = cmds.add_parser("list", help="list accounts (never shows password hashes)")
    listing.set_defaults(func=_users_list)


def _register_partners(subparsers: Any) -> None:
    partners = subparsers.add_parser("partners", help="partner records: public-listing consent")
    cmds = partners.add_subparsers(dest="partners_command", metavar="ACTION", required=True)
    consent = cmds.add_parser(
        "consent",
        help="record whether a partner approved public listing",
        description="Record that a partner approved (yes) or did not approve (no) having "
        "its name, links and contacts shown publicly, with who approved and when.",
    )
    consent.add_argument("name", help="partner name (case and spacing do not matter)")
    consent.add_argument("--public", required=True, choices=("yes", "no"))
    consent.add_argument("--approved-by", required=True, metavar="EMAIL")
    consent.set_defaults(func=_partners_consent)


# --- helpers --------------------------------------------------------------------------
def _store() -> Any:
    """The store at ``DATABASE_URL``; geo.db is imported only when a command runs."""
    from geo.db import open_store

    try:
        url = load_settings().database_url
        return open_store(url)
    except ValueError as exc:
        raise CliError(str(exc)) from None


@contextmanager
def _store_errors() -> Iterator[None]:
    """Storage refusals (bad values, missing records) as plain command-line errors."""
    from geo.db.storage_errors import StoreError

    try:
        yield
    except (StoreError, ValueError) as exc:
        raise CliError(str(exc)) from None


def _email(value: str) -> str:
    try:
        return auth.check_email(value)
    except ValueError as exc:
        raise CliError(str(exc)) from None


def _name_key(name: str) -> str:
    """Partner names compared without regard to case or spacing."""
    return re.sub(r"\s+", " ", str(name)).strip().casefold()


def _find_partner(store: Any, name: str) -> tuple[int, str]:
    """The (partner_id, stored name) of the partner called ``name``, or a clear error."""
    partners = store.frames().partners
    wanted = _name_key(name)
    hits = [
        (int(pid), str(pname))
        for pid, pname in zip(partners["partner_id"], partners["name"], strict=True)
        if _name_key(pname) == wanted
    ]
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        ids = ", ".join(f"{pid} ({pname})" for pid, pname in hits)
        raise CliError(f"{len(hits)} partners are called {name!r}: ids {ids}. "
                       "Rename one of them so each name is unique, then try again.")
    names = {_name_key(n): str(n) for n in partners["name"]}
    close = difflib.get_close_matches(wanted, list(names), n=3, cutoff=0.6)
    if close:
        hint = "Did you mean " + " or ".join(repr(names[c]) for c in close) + "?"
    elif names:
        hint = "Run the command with the name exactly as the Partners page shows it."
    else:
        hint = "The database has no partners yet; import some first."
    raise CliError(f"no partner is called {name!r}. {hint}")


def _partner_for_role(store: Any, role: str, partner: str | None) -> tuple[int | None, str]:
    """(partner_id, stored name) for the partner role; (None, "") for the others."""
    if role == "partner":
        if not partner:
            raise CliError("the partner role needs --partner NAME (the organisation "
                           "this account belongs to)")
        return _find_partner(store, partner)
    if partner:
        raise CliError(f"--partner only applies to the partner role, not {role!r}; "
                       "leave it out")
    return None, ""


def _read_password() -> str:
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env is not None:
        password = from_env
    else:
        try:
            password = getpass.getpass("Password: ")
            again = getpass.getpass("Password again: ")
        except (EOFError, KeyboardInterrupt):
            raise CliError(f"no password given; set {PASSWORD_ENV} or run the "
                           "command in a terminal") from None
        if password != again:
            raise CliError("the two passwords differ; nothing was saved. Try again.")
    try:
        auth.check_new_password(password)
    except auth.PasswordError as exc:
        raise CliError(f"{exc} Nothing was saved.") from None
    return password


# --- commands -------------------------------------------------------------------------
def _existing_user(store: Any, email: str) -> Any:
    user = store.users.get_user(email)
    if user is None:
        raise CliError(f"{email} has no account; `python -m geo users list` shows the "
                       "accounts and `users add` creates one")
    return user


def _users_add(args: argparse.Namespace) -> int:
    email = _email(args.email)
    store = _store()
    if store.users.get_user(email) is not None:
        raise CliError(f"{email} already has an account; use `users set-role` to change "
                       "its role, `users set-password` to change its password, or "
                       "`users remove` first")
    partner_id, partner_name = _partner_for_role(store, args.role, args.partner)
    password_hash = auth.hash_password(_read_password())
    with _store_errors():
        store.users.add_user(email, password_hash, args.role, partner_id=partner_id,
                             actor=_operator())
    print(f"Added {email} as {args.role}" + (f" of {partner_name}." if partner_name else "."))
    return 0


def _users_set_role(args: argparse.Namespace) -> int:
    email = _email(args.email)
    store = _store()
    _existing_user(store, email)
    partner_id, partner_name = _partner_for_role(store, args.role, args.partner)
    with _store_errors():
        store.users.set_role(email, args.role, partner_id=partner_id, actor=_operator())
    print(f"{email} is now {args.role}" + (f" of {partner_name}." if partner_name else "."))
    return 0


def _users_set_password(args: argparse.Namespace) -> int:
    email = _email(args.email)
    store = _store()
    _existing_user(store, email)
    password_hash = auth.hash_password(_read_password())
    with _store_errors():
        store.users.set_password(email, password_hash, actor=_operator())
    print(f"New password stored for {email}; its sessions are ended, failed attempts "
          "and any lock cleared.")
    return 0


def _users_unlock(args: argparse.Namespace) -> int:
    email = _email(args.email)
    store = _store()
    _existing_user(store, email)
    store.sign_ins.clear_address(email)
    print(f"{email} can sign in again.")
    return 0


def _users_remove(args: argparse.Namespace) -> int:
    email = _email(args.email)
    store = _store()
    _existing_user(store, email)
    with _store_errors():
        store.users.remove_user(email, actor=_operator())
    print(f"Removed {email}.")
    return 0


def _status(failed: int, locked_until: str, now: datetime) -> str:
    if locked_until and datetime.fromisoformat(locked_until) > now:
        return f"locked until {datetime.fromisoformat(locked_until):%Y-%m-%d %H:%M} UTC"
    return f"{failed} failed attempts" if failed else "ok"


def _users_list(args: argparse.Namespace) -> int:  # noqa: ARG001
    store = _store()
    users = store.users.list_users()
    if users.empty:
        print("No accounts yet. Add one with: python -m geo users add EMAIL --role staff")
        return 0
    partners = store.frames().partners
    names = {int(pid): str(n)
             for pid, n in zip(partners["partner_id"], partners["name"], strict=True)}
    now = datetime.now(UTC)
    table = [("EMAIL", "ROLE", "PARTNER", "SIGN-IN")]
    for row in users.itertuples(index=False):
        pid = None if pd.isna(row.partner_id) else int(row.partner_id)
        partner = "" if pid is None else names.get(pid, f"#{pid} (deleted)")
        table.append((str(row.email), str(row.role), partner,
                      _status(int(row.failed_attempts), str(row.locked_until or ""), now)))
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    for line in table:
        print("  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip())
    return 0


def _operator() -> str:
    """Who ran the command, for the audit trail: ``cli:<operating-system user>``."""
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):  # no user name in this environment (some containers)
        return "cli"


def _partners_consent(args: argparse.Namespace) -> int:
    approved_by = _email(args.approved_by)
    store = _store()
    partner_id, name = _find_partner(store, args.name)
    public = args.public == "yes"
    with _store_errors():
        store.set_consent(partner_id, public=public, approved_by=approved_by,
                          actor=_operator())
    verb = "may now be listed publicly" if public else "is no longer listed publicly"
    print(f"{name} {verb} (recorded: approved by {approved_by}).")
    return 0
