"""The audit trail: who changed what, and when, for every write the store makes.

Each row holds the actor (an e-mail or a name such as ``cli``), the UTC time, the
action (``add``, ``update``, ``delete``, ``restore``, ``consent``, ``load``, and for
accounts ``add_user``, ``set_role``, ``set_password``, ``remove_user``), the table, the
record id and the changed fields as JSON: ``{"field": [old, new], ...}``. Password
hashes are never written here.
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import sqlalchemy as sa

from geo.db.models import audit
from geo.text import is_missing

AUDIT_COLUMNS: tuple[str, ...] = ("at", "actor", "action", "table", "record_id", "changes")


def _plain(value: object) -> object:
    """A JSON-ready form of a stored value (dates as ISO text, NaN/NA as null)."""
    if is_missing(value):
        return None
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def changes_json(changes: Mapping[str, object]) -> str:
    """Serialise a change set; ``[old, new]`` pairs and nested values are made JSON-safe."""

    def convert(obj: object) -> object:
        if isinstance(obj, Mapping):
            return {str(k): convert(v) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return [convert(v) for v in obj]
        return _plain(obj)

    return json.dumps(convert(changes), sort_keys=True, ensure_ascii=False)


def record(
    conn: sa.Connection,
    *,
    at: dt.datetime,
    actor: str,
    action: str,
    table: str,
    record_id: object = "",
    changes: Mapping[str, object] | None = None,
) -> None:
    """Add one audit row inside the caller's transaction."""
    conn.execute(
        audit.insert().values(
            at=at,
            actor=actor,
            action=action,
            table_name=table,
            record_id="" if record_id is None else str(record_id),
            changes=changes_json(changes or {}),
        )
    )


def record_many(conn: sa.Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Add several audit rows at once (keys as in :func:`record`)."""
    if not rows:
        return
    conn.execute(
        audit.insert(),
        [
            {
                "at": r["at"],
                "actor": r["actor"],
                "action": r["action"],
                "table_name": r["table"],
                "record_id": str(r.get("record_id", "")),
                "changes": changes_json(r.get("changes") or {}),
            }
            for r in rows
        ],
    )


def read(
    conn: sa.Connection,
    *,
    limit: int = 500,
    table: str | None = None,
    record_id: object | None = None,
) -> pd.DataFrame:
    """The newest ``limit`` audit rows (newest first), optionally for one table/record."""
    query = sa.select(
        audit.c.at, audit.c.actor, audit.c.action, audit.c.table_name, audit.c.record_id,
        audit.c.changes,
    ).order_by(audit.c.audit_id.desc()).limit(int(limit))
    if table is not None:
        query = query.where(audit.c.table_name == table)
    if record_id is not None:
        query = query.where(audit.c.record_id == str(record_id))
    rows = conn.execute(query).all()
    frame = pd.DataFrame.from_records(rows, columns=list(AUDIT_COLUMNS))
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    for column in AUDIT_COLUMNS[1:]:
        frame[column] = frame[column].astype("str")
    return frame
