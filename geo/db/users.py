"""Accounts for signing in: storage only (hashing and the sign-in policy live elsewhere).

Reached as ``store.users``; it opens its transactions through the store's
:class:`~geo.db.tx.Database` (and clears sign-in counts through :mod:`geo.db.signins`),
never through the store itself. E-mails are stored lower-case and compared so. Roles are
``partner`` (tied to one partner organization), ``staff`` and ``committee``; "public"
is the absence of an account. Changes are audited (table ``users``) without the
password hash, which this module never returns in lists.

Each account has a ``session_generation``: signed session tokens (:mod:`geo.session`)
carry the number they were issued under, so bumping it (a new password, a new role,
:meth:`Users.end_sessions` at sign-out) ends every session of that account. Failed
sign-ins are counted in :mod:`geo.db.signins`, not here.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from geo.db.models import partners, users
from geo.db.signins import SignIns
from geo.db.storage_errors import NotFoundError, ValidationError
from geo.db.stored_frames import iso
from geo.db.tx import Database
from geo.problems import Problem

ROLES: tuple[str, ...] = ("partner", "staff", "committee")
USER_COLUMNS: tuple[str, ...] = ("email", "role", "partner_id", "created_at")


@dataclass(frozen=True)
class User:
    """One account as stored. ``password_hash`` is ``""`` when no password is set."""

    email: str
    password_hash: str
    role: str
    partner_id: int | None
    created_at: dt.datetime
    session_generation: int = 0


def _email(email: str) -> str:
    text = str(email or "").strip().lower()
    if "@" not in text or text.startswith("@") or text.endswith("@") or " " in text:
        raise ValidationError([Problem.error(f"email {email!r} is not an e-mail address",
                                             column="email", fix="write it as name@example.org")])
    return text


class Users:
    """The users table of one store: its :class:`Database` and its sign-in counts."""

    def __init__(self, db: Database, sign_ins: SignIns) -> None:
        self._db = db
        self._sign_ins = sign_ins

    def _check_role(self, conn: sa.Connection, role: str, partner_id: int | None) -> None:
        problems = []
        if role not in ROLES:
            problems.append(Problem.error(f"role {role!r} is not a role", column="role",
                                          fix=f"use one of: {', '.join(ROLES)}"))
        if role == "partner" and partner_id is None:
            problems.append(Problem.error(
                "a partner user needs its partner", column="partner_id",
                fix="give the partner organization the user belongs to"))
        if role in ("staff", "committee") and partner_id is not None:
            problems.append(Problem.error(
                f"a {role} user is not tied to a partner", column="partner_id",
                fix="leave the partner empty for staff and committee"))
        if partner_id is not None:
            found = conn.execute(sa.select(partners.c.deleted_at).where(
                partners.c.partner_id == partner_id)).first()
            if found is None or found.deleted_at is not None:
                problems.append(Problem.error(
                    f"partner_id {partner_id} is not an existing partner", column="partner_id",
                    fix="pick an existing partner"))
        if problems:
            raise ValidationError(problems)

    def add_user(
        self, email: str, password_hash: str, role: str, partner_id: int | None = None,
        *, actor: str = "system",
    ) -> User:
        """Create an account; an existing e-mail is refused."""
        address = _email(email)
        with self._db.writing(actor) as tx:
            conn = tx.conn
            self._check_role(conn, role, partner_id)
            if conn.execute(sa.select(users.c.email).where(users.c.email == address)).first():
                raise ValidationError([Problem.error(
                    f"a user {address!r} already exists", column="email",
                    fix="change that user's role instead (set_role), or remove it first")])
            conn.execute(users.insert().values(
                email=address, password_hash=password_hash or "", role=role,
                partner_id=partner_id, created_at=tx.now, updated_at=tx.now))
            tx.audit("add_user", "users", address,
                     {"role": [None, role], "partner_id": [None, partner_id]})
        user = self.get_user(address)
        assert user is not None
        return user

    def get_user(self, email: str) -> User | None:
        """The account for ``email`` (any case), or ``None``."""
        address = str(email or "").strip().lower()
        with self._db.reading() as conn:
            row = conn.execute(sa.select(users).where(users.c.email == address)).mappings().first()
        if row is None:
            return None
        return User(email=row["email"], password_hash=row["password_hash"], role=row["role"],
                    partner_id=row["partner_id"], created_at=row["created_at"],
                    session_generation=int(row["session_generation"]))

    def _existing(self, conn: sa.Connection, email: str) -> sa.RowMapping:
        address = str(email or "").strip().lower()
        row = conn.execute(sa.select(users).where(users.c.email == address)).mappings().first()
        if row is None:
            raise NotFoundError(f"there is no user {address!r}; add it with add_user")
        return row

    def set_role(
        self, email: str, role: str, *, partner_id: int | None = None, actor: str = "system"
    ) -> None:
        """Change a user's role (and partner, for the partner role)."""
        with self._db.writing(actor) as tx:
            row = self._existing(tx.conn, email)
            self._check_role(tx.conn, role, partner_id)
            tx.conn.execute(users.update().where(users.c.email == row["email"]).values(
                role=role, partner_id=partner_id, updated_at=tx.now,
                session_generation=users.c.session_generation + 1))
            tx.audit("set_role", "users", row["email"], {
                "role": [row["role"], role], "partner_id": [row["partner_id"], partner_id]})

    def set_password(self, email: str, password_hash: str, *, actor: str = "system") -> None:
        """Store a new password hash (made by the caller), end the account's sessions
        and clear its failed sign-ins and locks."""
        with self._db.writing(actor) as tx:
            row = self._existing(tx.conn, email)
            tx.conn.execute(users.update().where(users.c.email == row["email"]).values(
                password_hash=password_hash, updated_at=tx.now,
                session_generation=users.c.session_generation + 1))
            tx.audit("set_password", "users", row["email"],
                     {"password_hash": ["(hidden)", "(changed)"]})
        self._sign_ins.clear_address(row["email"])

    def remove_user(self, email: str, *, actor: str = "system") -> None:
        """Delete an account (for good: accounts are not records to undo)."""
        with self._db.writing(actor) as tx:
            row = self._existing(tx.conn, email)
            tx.conn.execute(users.delete().where(users.c.email == row["email"]))
            tx.audit("remove_user", "users", row["email"], {"role": [row["role"], None]})

    def list_users(self, *, now: dt.datetime | None = None) -> pd.DataFrame:
        """Every account (never the hashes): email, role, partner_id, failed_attempts,
        locked_until, created_at; ordered by e-mail.

        ``failed_attempts`` counts the address's recent failed sign-ins from every
        client; ``locked_until`` is the end of the latest lock still running on it
        (from any client; ``""`` if none), both from :mod:`geo.db.signins`.
        """
        from geo.auth import FAILURE_MEMORY

        moment = now or dt.datetime.now(dt.UTC)
        with self._db.reading() as conn:
            rows = conn.execute(sa.select(*(users.c[c] for c in USER_COLUMNS))
                                .order_by(users.c.email)).all()
        frame = pd.DataFrame.from_records(rows, columns=list(USER_COLUMNS))
        status = self._sign_ins.status(frame["email"].tolist(), now=moment,
                                       forget_after=FAILURE_MEMORY)
        frame.insert(3, "failed_attempts", [status[e][0] for e in frame["email"]])
        frame.insert(4, "locked_until", [status[e][1] for e in frame["email"]])
        frame["partner_id"] = frame["partner_id"].astype("Int64")
        frame["failed_attempts"] = frame["failed_attempts"].astype("int64")
        for column in ("locked_until", "created_at"):
            frame[column] = pd.array([iso(v) for v in frame[column]], dtype="str")
        for column in ("email", "role"):
            frame[column] = frame[column].astype("str")
        return frame

    def end_sessions(self, email: str) -> None:
        """End every signed session of ``email`` (sign-out): bump its session generation.

        Not a data change: the data version and the audit trail are left alone.
        """
        address = str(email or "").strip().lower()
        with self._db.untracked() as conn:
            conn.execute(users.update().where(users.c.email == address).values(
                session_generation=users.c.session_generation + 1))
