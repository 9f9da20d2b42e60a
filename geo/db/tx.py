"""Transactions of the storage package: a :class:`Database` opens them, a :class:`Tx` is one.

The :class:`~geo.db.store.Store` wraps its engine in one :class:`Database` and hands it
to the parts that write on their own (:mod:`geo.db.users`, :mod:`geo.db.signins`); they
open their transactions through it and never import the store, so the modules of
``geo.db`` import each other one way only (checked by ``tests/test_layering.py``).

A :class:`Tx` is one unit of work that changes data: its connection, its time (``now``,
the same on every row and audit entry it writes), who makes the change (``actor``) and
the audit hook (:meth:`Tx.audit`). :meth:`Database.writing` commits it and bumps the
data version and stamp (:meth:`geo.db.store.Store.data_version`) in the same
transaction; an exception rolls all of it back. Code that writes inside a caller's unit
of work (:mod:`geo.db.crud`, :mod:`geo.db.loading`, :mod:`geo.db.backup`) takes the
:class:`Tx`.

:meth:`Database.untracked` is a write that is not a data change (sign-in counts, the
end of sessions, stored secrets): no data version bump, no audit.
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from geo.db import audit as audit_trail
from geo.db.engine import write_options
from geo.db.models import data_state
from geo.db.storage_errors import ValidationError
from geo.problems import Problem


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def require_actor(actor: str) -> str:
    """``actor`` stripped; refused (:class:`ValidationError`) when empty."""
    if not isinstance(actor, str) or not actor.strip():
        raise ValidationError([Problem.error(
            f"actor {actor!r} is empty", column="actor",
            fix="pass who is making the change (their e-mail, or e.g. 'cli')",
        )])
    return actor.strip()


@dataclass(frozen=True)
class Tx:
    """One write transaction: made by :meth:`Database.writing`, passed to what writes."""

    conn: sa.Connection
    now: dt.datetime
    actor: str

    def audit(
        self, action: str, table: str, record_id: object = "",
        changes: Mapping[str, object] | None = None,
    ) -> None:
        """Add one audit row (at ``now``, by ``actor``) in this transaction."""
        audit_trail.record(self.conn, at=self.now, actor=self.actor, action=action,
                           table=table, record_id=record_id, changes=changes)

    def audit_many(self, entries: Sequence[Mapping[str, Any]]) -> None:
        """Add several audit rows at once; each has ``action``, ``table``, ``record_id``
        and ``changes`` (the time and actor are the transaction's)."""
        audit_trail.record_many(
            self.conn, [{"at": self.now, "actor": self.actor, **entry} for entry in entries])


class Database:
    """The engine of one store and the transactions on it. Safe to share between threads."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        # Data changes committed through this object: a cheap sign, for a caller that
        # keeps the data version for a moment, that it has moved here.
        self.commits = 0

    def reading(self) -> sa.Connection:
        """A connection for reads: ``with db.reading() as conn: ...``."""
        return self.engine.connect()

    @contextmanager
    def writing(self, actor: str) -> Iterator[Tx]:
        """A data change by ``actor``: commits and bumps the data version on exit."""
        with self.engine.connect().execution_options(**write_options()) as conn:
            with conn.begin():
                yield Tx(conn, utc_now(), actor)
                conn.execute(data_state.update().values(
                    data_version=data_state.c.data_version + 1, data_stamp=uuid.uuid4().hex,
                ))
        self.commits += 1

    @contextmanager
    def untracked(self) -> Iterator[sa.Connection]:
        """A write that is not a data change: committed on exit, no version bump, no audit."""
        with self.engine.connect().execution_options(**write_options()) as conn:
            with conn.begin():
                yield conn
