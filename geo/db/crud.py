"""One partner, site or activity at a time: add, update, delete and restore in a :class:`Tx`.

The :class:`~geo.db.store.Store` opens the transaction (:mod:`geo.db.tx`) and calls
these; each one checks the values (:mod:`geo.db.validation`) and what they point at,
raises :class:`ValidationError` with every problem found, and audits what it wrote.

Versions: an update names the version it read (``expected_version``) and is written
with ``UPDATE ... WHERE version = :expected``, so a change saved in between is never
overwritten (:class:`ConflictError` says who made it and when).

Deleting is soft and cascades: deleting a partner also deletes its live sites and
activities, deleting a site its live activities, all stamped with the same time;
restoring brings back exactly what that delete took away.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
import sqlalchemy as sa

from geo.db.models import activities, partners, sites
from geo.db.storage_errors import ConflictError, NotFoundError, ValidationError
from geo.db.stored_frames import iso, plain
from geo.db.tx import Tx
from geo.db.validation import CHECKS, FIELDS, unknown_fields
from geo.problems import Problem


@dataclass(frozen=True)
class Kind:
    """What the generic record operations need to know about one table."""

    table: sa.Table
    id_column: str
    noun: str
    label_column: str | None


KINDS: dict[str, Kind] = {
    "partners": Kind(partners, "partner_id", "partner", "name"),
    "sites": Kind(sites, "site_id", "site", "name"),
    "activities": Kind(activities, "activity_id", "activity", None),
}
# Boundary assignments that must come with a site's new coordinates.
_BOUNDARY_FIELDS = ("state_fips", "county_fips", "district_geoid", "secondary_district_geoid")


# --- reading one record ------------------------------------------------------------------
def get(conn: sa.Connection, table: str, record_id: int) -> dict[str, object]:
    """The stored row (deleted or not); :class:`NotFoundError` when there is none."""
    row = _row(conn, table, record_id)
    if row is None:
        raise NotFoundError(f"there is no {KINDS[table].noun} with id {record_id}")
    return row


def _row(conn: sa.Connection, table: str, record_id: int) -> dict[str, Any] | None:
    kind = KINDS[table]
    found = conn.execute(
        sa.select(kind.table).where(kind.table.c[kind.id_column] == int(record_id))
    ).mappings().first()
    return dict(found) if found is not None else None


def _describe(table: str, row: Mapping[str, object]) -> str:
    kind = KINDS[table]
    text = f"{kind.noun} {row[kind.id_column]}"
    if kind.label_column:
        text += f" ({row[kind.label_column]!r})"
    return text


def live_row(conn: sa.Connection, table: str, record_id: int) -> dict[str, Any]:
    """The stored row; :class:`NotFoundError` when there is none or it is deleted."""
    row = _row(conn, table, record_id)
    if row is None:
        raise NotFoundError(f"there is no {KINDS[table].noun} with id {record_id}")
    if row["deleted_at"] is not None:
        raise NotFoundError(
            f"{_describe(table, row)} was deleted by {row['deleted_by']} at "
            f"{iso(row['deleted_at'])}; restore it first"
        )
    return row


# --- checks --------------------------------------------------------------------------------
def _check(table: str, values: Mapping[str, object], problems: list[Problem]) -> dict[str, object]:
    frame = pd.DataFrame([{f: values.get(f) for f in FIELDS[table]}], dtype=object)
    clean, found = CHECKS[table](frame)
    problems.extend(found)
    return {f: plain(clean[f].iloc[0]) for f in (*FIELDS[table],
                                                   *(("name_key",) if table == "partners"
                                                     else ()))}


def _references(
    conn: sa.Connection, table: str, row: Mapping[str, object], record_id: int | None = None,
) -> list[Problem]:
    """Problems with what the row points at (must be live) or duplicates."""
    problems: list[Problem] = []
    if table == "partners":
        query = sa.select(partners.c.partner_id, partners.c.name).where(
            partners.c.name_key == row["name_key"], partners.c.deleted_at.is_(None)
        )
        if record_id is not None:
            query = query.where(partners.c.partner_id != record_id)
        twin = conn.execute(query).first()
        if twin is not None:
            problems.append(Problem.error(
                f"a partner named {twin.name!r} already exists (id {twin.partner_id})",
                column="name",
                fix="edit that partner instead, or give a name that tells them apart",
            ))
        return problems
    partner_id = row.get("partner_id")
    if partner_id is not None:
        found = conn.execute(sa.select(partners.c.deleted_at).where(
            partners.c.partner_id == partner_id)).first()
        if found is None or found.deleted_at is not None:
            problems.append(Problem.error(
                f"partner_id {partner_id} is not an existing partner"
                + (" (it is deleted)" if found is not None else ""), column="partner_id",
                fix="pick an existing partner (or restore the deleted one first)",
            ))
    site_id = row.get("site_id") if table == "activities" else None
    if site_id is not None:
        found = conn.execute(sa.select(sites.c.partner_id, sites.c.deleted_at).where(
            sites.c.site_id == site_id)).first()
        if found is None or found.deleted_at is not None:
            problems.append(Problem.error(
                f"site_id {site_id} is not an existing site"
                + (" (it is deleted)" if found is not None else ""), column="site_id",
                fix="pick an existing site (or restore the deleted one first)",
            ))
        elif partner_id is not None and found.partner_id != partner_id:
            problems.append(Problem.error(
                f"site {site_id} belongs to partner {found.partner_id}, "
                f"not to partner {partner_id}", column="site_id",
                fix="pick one of this partner's sites, or add the site for this partner",
            ))
    return problems


def _site_move_rules(
    current: Mapping[str, object], values: Mapping[str, object],
    merged: dict[str, object], problems: list[Problem],
) -> None:
    moved = any(
        k in values and not _same(plain(values[k]), current[k])
        for k in ("latitude", "longitude")
    )
    if not moved:
        return
    if "location_source" not in values:
        merged["location_source"] = ""  # derived again from the new coordinates
    if not any(f in values for f in _BOUNDARY_FIELDS):
        problems.append(Problem.error(
            "the site is moved without its new boundary assignment", column="latitude",
            fix="pass state_fips, county_fips, district_geoid and "
            "secondary_district_geoid for the new point ('' where none applies)",
        ))


def _conflict(table: str, row: Mapping[str, Any]) -> ConflictError:
    when = iso(row["updated_at"])
    return ConflictError(
        f"{_describe(table, row)} was changed by {row['updated_by']} at {when} "
        "since you opened it; reload and re-apply your change",
        changed_by=str(row["updated_by"]), changed_at=when,
        current_version=int(row["version"]),
    )


# --- writing -------------------------------------------------------------------------------
def add(tx: Tx, table: str, values: Mapping[str, object]) -> int:
    """Check and insert one record; its new id."""
    kind = KINDS[table]
    problems = unknown_fields(table, values)
    row = _check(table, values, problems)
    problems.extend(_references(tx.conn, table, row))
    if problems:
        raise ValidationError(problems)
    result = tx.conn.execute(kind.table.insert().values(
        **row, created_at=tx.now, created_by=tx.actor, updated_at=tx.now, updated_by=tx.actor,
        version=1,
    ))
    key = result.inserted_primary_key
    assert key is not None  # one row inserted: its primary key
    new_id = int(key[0])
    tx.audit("add", table, new_id, {f: [None, row[f]] for f in FIELDS[table]})
    return new_id


def update(
    tx: Tx, table: str, record_id: int, values: Mapping[str, object], expected_version: int,
    note: Mapping[str, object] | None = None,
) -> int:
    """Change some fields of the record at ``expected_version``; the new version.

    ``note`` is added to the audited changes (e.g. ``undo_of_version``).
    """
    kind = KINDS[table]
    conn = tx.conn
    problems = unknown_fields(table, values)
    current = live_row(conn, table, record_id)
    if current["version"] != expected_version:
        raise _conflict(table, current)
    merged = {f: current[f] for f in FIELDS[table]}
    merged.update({k: v for k, v in values.items() if k in FIELDS[table]})
    if table == "sites":
        _site_move_rules(current, values, merged, problems)
    row = _check(table, merged, problems)
    changed = {f: [current[f], row[f]] for f in FIELDS[table] if not _same(current[f], row[f])}
    if changed:
        problems.extend(_references(conn, table, row, record_id))
    if problems:
        raise ValidationError(problems)
    if not changed:
        return int(current["version"])
    new_values = {f: row[f] for f in changed}
    if table == "partners":
        new_values["name_key"] = row["name_key"]
    result = conn.execute(
        kind.table.update()
        .where(kind.table.c[kind.id_column] == record_id,
               kind.table.c.version == expected_version)
        .values(**new_values, version=kind.table.c.version + 1, updated_at=tx.now,
                updated_by=tx.actor)
    )
    if result.rowcount != 1:  # another writer got there between read and write
        raise _conflict(table, _row(conn, table, record_id) or current)
    tx.audit("update", table, record_id, {**changed, **(note or {})})
    return expected_version + 1


def _children(table: str, record_id: int) -> list[tuple[str, sa.ColumnElement]]:
    """(table, condition) for the records a delete of this one takes along."""
    if table == "partners":
        return [("sites", sites.c.partner_id == record_id),
                ("activities", activities.c.partner_id == record_id)]
    if table == "sites":
        return [("activities", activities.c.site_id == record_id)]
    return []


def delete(tx: Tx, table: str, record_id: int, expected_version: int | None) -> None:
    """Soft-delete the record and the live records it holds (see the module docstring)."""
    kind = KINDS[table]
    conn = tx.conn
    row = live_row(conn, table, record_id)
    if expected_version is not None and row["version"] != expected_version:
        raise _conflict(table, row)
    stamp = {"deleted_at": tx.now, "deleted_by": tx.actor, "updated_at": tx.now,
             "updated_by": tx.actor}
    conn.execute(kind.table.update()
                 .where(kind.table.c[kind.id_column] == record_id)
                 .values(**stamp, version=kind.table.c.version + 1))
    entries = [{"action": "delete", "table": table, "record_id": record_id,
                "changes": {"deleted_at": [None, tx.now]}}]
    for child, condition in _children(table, record_id):
        ctable = KINDS[child].table
        live = sa.and_(condition, ctable.c.deleted_at.is_(None))
        ids = conn.execute(
            sa.select(ctable.c[KINDS[child].id_column]).where(live)
        ).scalars().all()
        conn.execute(ctable.update().where(live)
                     .values(**stamp, version=ctable.c.version + 1))
        entries += [{"action": "delete", "table": child, "record_id": cid, "changes": {
                         "deleted_at": [None, tx.now],
                         "with": f"{kind.noun} {record_id}"}} for cid in ids]
    tx.audit_many(entries)


def restore(tx: Tx, table: str, record_id: int) -> None:
    """Undo a delete: the record and what that same delete took with it."""
    kind = KINDS[table]
    conn = tx.conn
    row = _row(conn, table, record_id)
    if row is None:
        raise NotFoundError(f"there is no {kind.noun} with id {record_id}")
    if row["deleted_at"] is None:
        raise NotFoundError(f"{_describe(table, row)} is not deleted; nothing to restore")
    problems = _restore_problems(conn, table, row)
    if problems:
        raise ValidationError(problems)
    when = row["deleted_at"]
    clear = {"deleted_at": None, "deleted_by": "", "updated_at": tx.now,
             "updated_by": tx.actor}
    conn.execute(kind.table.update()
                 .where(kind.table.c[kind.id_column] == record_id)
                 .values(**clear, version=kind.table.c.version + 1))
    entries = [{"action": "restore", "table": table, "record_id": record_id,
                "changes": {"deleted_at": [when, None]}}]
    for child, condition in _children(table, record_id):
        ctable = KINDS[child].table
        same_delete = sa.and_(condition, ctable.c.deleted_at == when)
        ids = conn.execute(
            sa.select(ctable.c[KINDS[child].id_column]).where(same_delete)
        ).scalars().all()
        conn.execute(ctable.update().where(same_delete)
                     .values(**clear, version=ctable.c.version + 1))
        entries += [{"action": "restore", "table": child, "record_id": cid, "changes": {
                         "deleted_at": [when, None],
                         "with": f"{kind.noun} {record_id}"}} for cid in ids]
    tx.audit_many(entries)


def _restore_problems(conn: sa.Connection, table: str, row: Mapping[str, Any]) -> list[Problem]:
    if table == "partners":
        return _references(conn, "partners", row, int(row["partner_id"]))
    parent = dict(row)
    return [  # say what to do in terms of the restore
        replace(p, fix="restore the deleted partner or site first")
        for p in _references(conn, table, parent)
    ]


def _same(old: Any, new: Any) -> bool:
    if old is None or new is None:
        return old is None and new is None
    if isinstance(old, float) or isinstance(new, float):
        try:
            return float(old) == float(new)
        except (TypeError, ValueError):
            return False
    return old == new
