"""Sign-in bookkeeping: failure counts and locks per key, outside the data version.

Reached as ``store.sign_ins``. The policy (which keys, how many failures, how long a
lock) is :mod:`geo.auth`'s; this module only keeps the counts. A key names what is
counted: ``account:<address>`` (every client together), ``client:<ip>`` (every
address together) or ``pair:<address>|<ip>``; addresses with and without an account
are kept alike, so the store never tells them apart.

Writes use :meth:`geo.db.tx.Database.untracked`, not a data change's transaction, so a
failed sign-in never bumps ``data_version`` / ``data_stamp`` and never invalidates the
UI's shared caches. Each update reads and writes one key's row under a lock (``BEGIN
IMMEDIATE`` on SQLite, ``SELECT ... FOR UPDATE`` on PostgreSQL), so parallel failures
from several processes are all counted. Rows quiet for longer than the caller's
``forget_after`` count as absent and are deleted on the next write.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa

from geo.db.bulk import insert_unless_present
from geo.db.models import sign_in_failures as table
from geo.db.tx import Database


@dataclass(frozen=True)
class Bucket:
    """The failures counted under one key."""

    failures: int
    last_failed_at: dt.datetime
    locked_until: dt.datetime | None

    def locked(self, now: dt.datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until


def account_key(address: str) -> str:
    return f"account:{address}"


def client_key(client: str) -> str:
    return f"client:{client}"


def pair_key(address: str, client: str) -> str:
    return f"pair:{address}|{client}"


def _insert_if_absent(conn: sa.Connection, key: str, now: dt.datetime) -> None:
    values = {"key": key, "failures": 0, "last_failed_at": now, "locked_until": None}
    insert_unless_present(conn, table, values, "key")


class SignIns:
    """The sign-in bookkeeping of one store (its :class:`~geo.db.tx.Database`)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def read(self, keys: Iterable[str], *, now: dt.datetime,
             forget_after: dt.timedelta) -> dict[str, Bucket]:
        """The live buckets among ``keys`` (forgotten and absent ones are left out)."""
        wanted = list(dict.fromkeys(keys))
        with self._db.reading() as conn:
            rows = conn.execute(sa.select(table).where(table.c.key.in_(wanted))).all()
        return {row.key: Bucket(row.failures, row.last_failed_at, row.locked_until)
                for row in rows if now - row.last_failed_at < forget_after}

    def record_failure(
        self, lock_for: Mapping[str, Callable[[int], dt.timedelta | None]], *,
        now: dt.datetime, forget_after: dt.timedelta,
    ) -> dict[str, Bucket]:
        """Count one failure under each key of ``lock_for`` in one transaction.

        ``lock_for[key](failures)`` is the lock that the new count earns (``None``:
        none). A count whose last failure is older than ``forget_after`` starts again
        from zero. Returns the new buckets.
        """
        out: dict[str, Bucket] = {}
        with self._db.untracked() as conn:
            for key, rule in lock_for.items():
                _insert_if_absent(conn, key, now)
                row = conn.execute(sa.select(table).where(table.c.key == key)
                                   .with_for_update()).one()
                fresh = row.failures == 0 or now - row.last_failed_at >= forget_after
                failures = 1 if fresh else row.failures + 1
                lock = rule(failures)
                locked_until = None if lock is None else now + lock
                conn.execute(table.update().where(table.c.key == key).values(
                    failures=failures, last_failed_at=now, locked_until=locked_until))
                out[key] = Bucket(failures, now, locked_until)
            conn.execute(table.delete().where(table.c.last_failed_at < now - forget_after))
        return out

    def clear(self, keys: Iterable[str]) -> None:
        """Forget the counts under ``keys`` (after a correct password)."""
        wanted = list(dict.fromkeys(keys))
        with self._db.untracked() as conn:
            conn.execute(table.delete().where(table.c.key.in_(wanted)))

    def _address_filter(self, address: str) -> sa.ColumnElement[bool]:
        prefix = f"pair:{address}|"
        return sa.or_(table.c.key == account_key(address),
                      sa.func.substr(table.c.key, 1, len(prefix)) == prefix)

    def clear_address(self, address: str) -> None:
        """Forget every count and lock of one address, from every client (unlock)."""
        with self._db.untracked() as conn:
            conn.execute(table.delete().where(self._address_filter(address)))

    def status(self, addresses: Iterable[str], *, now: dt.datetime,
               forget_after: dt.timedelta) -> dict[str, tuple[int, dt.datetime | None]]:
        """For each address: (failures counted from all clients, the latest lock still
        running on it from any client or None)."""
        result: dict[str, tuple[int, dt.datetime | None]] = {}
        with self._db.reading() as conn:
            for address in addresses:
                rows = conn.execute(sa.select(table).where(
                    self._address_filter(address))).all()
                failures, locked = 0, None
                for row in rows:
                    if now - row.last_failed_at >= forget_after:
                        continue
                    if row.key == account_key(address):
                        failures = row.failures
                    if row.locked_until is not None and row.locked_until > now:
                        locked = max(locked or row.locked_until, row.locked_until)
                result[address] = (failures, locked)
        return result
