"""The store: every read and write of partners, sites, activities, consent and audit.

Open one with :func:`open_store` (the schema is created or upgraded on open). All
writes go through here, so each one is validated, versioned (no lost updates: an
``UPDATE ... WHERE version = :expected``), audited, and bumps :meth:`Store.data_version`
in the same transaction.

Deleting is soft and cascades: deleting a partner also deletes its live sites and
activities, deleting a site its live activities, all stamped with the same time;
restoring brings back exactly what that delete took away.
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

from geo.db import audit as audit_trail, loading, snapshot
from geo.db.bulk import insert_unless_present
from geo.db.engine import create_engine, write_options
from geo.db.frames import iso, plain, read_frames, read_table
from geo.db.migrate import upgrade_to_head
from geo.db.models import activities, app_secrets, data_state, partners, schools, sites
from geo.db.storage_errors import ConflictError, NotFoundError, ValidationError
from geo.db.validation import CHECKS, FIELDS, unknown_fields
from geo.problems import Problem
from geo.schema import Frames


@dataclass(frozen=True)
class _Kind:
    """What the generic record operations need to know about one table."""

    table: sa.Table
    id_column: str
    noun: str
    label_column: str | None


_KINDS: dict[str, _Kind] = {
    "partners": _Kind(partners, "partner_id", "partner", "name"),
    "sites": _Kind(sites, "site_id", "site", "name"),
    "activities": _Kind(activities, "activity_id", "activity", None),
}
# Boundary assignments that must come with a site's new coordinates.
_BOUNDARY_FIELDS = ("state_fips", "county_fips", "district_geoid", "secondary_district_geoid")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _problem(field: str, message: str, fix: str) -> Problem:
    return Problem(row=None, column=field, severity="error", message=message, fix=fix)


def _require_actor(actor: str) -> str:
    if not isinstance(actor, str) or not actor.strip():
        raise ValidationError([_problem(
            "actor", f"actor {actor!r} is empty",
            "pass who is making the change (their e-mail, or e.g. 'cli')",
        )])
    return actor.strip()


class Store:
    """One database, opened by :func:`open_store`. Safe to share between threads."""

    def __init__(self, engine: sa.Engine, cache_dir: Path | None = None) -> None:
        from geo.db.signins import SignIns
        from geo.db.users import Users

        self.engine = engine
        self.cache_dir = cache_dir  # see geo.db.snapshot; None: frames always from SQL
        self.users = Users(self)
        self.sign_ins = SignIns(self)

    # --- plumbing --------------------------------------------------------------------
    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.engine.dialect.name

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def writing(self) -> Iterator[tuple[sa.Connection, dt.datetime]]:
        """A write transaction and its timestamp; commits and bumps data_version on exit.

        For the storage package's own modules (users, loading); callers outside
        ``geo.db`` use the public methods.
        """
        with self.engine.connect().execution_options(**write_options()) as conn:
            with conn.begin():
                yield conn, _now()
                conn.execute(data_state.update().values(
                    data_version=data_state.c.data_version + 1, data_stamp=uuid.uuid4().hex,
                ))

    # --- reading ---------------------------------------------------------------------
    def is_empty(self) -> bool:
        """True when the database holds no partners (deleted ones count as data)."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(partners.c.partner_id).limit(1)).first() is None

    def data_version(self) -> int:
        """A number that grows with every committed write: a cheap cache key for the UI."""
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(data_state.c.data_version)).scalar_one())

    def frames(self, *, include_deleted: bool = False) -> Frames:
        """Partners, sites and activities as :class:`geo.schema.Frames`.

        Columns are those of ``geo.schema`` plus ``version`` (pass it back as
        ``expected_version`` when saving an edit). With ``include_deleted`` every row
        comes back, with a ``deleted_at`` column (``""`` for live rows).
        """
        if include_deleted or self.cache_dir is None:
            with self.engine.connect() as conn:
                return read_frames(conn, include_deleted=include_deleted)
        stamp = self.data_stamp()
        kept = snapshot.read(self.cache_dir, stamp)
        if kept is not None:
            return kept
        with self.engine.connect() as conn:
            frames = read_frames(conn, include_deleted=False)
        if self.data_stamp() == stamp:  # nothing was written while reading
            snapshot.write(self.cache_dir, stamp, frames)
        return frames

    def data_stamp(self) -> str:
        """A random token replaced by every committed write (names cached frames)."""
        with self.engine.connect() as conn:
            return str(conn.execute(sa.select(data_state.c.data_stamp)).scalar_one())

    def generated_secret(self, name: str, make: Callable[[], str]) -> str:
        """The secret ``name`` kept in the database, made by ``make()`` on first use.

        Every process that asks gets the same value: the first one to insert it wins
        (a concurrent second insert is ignored and the stored value is read back). Not
        a data change (no data version bump, no audit), and never exported or backed up.
        """
        with self.engine.connect() as conn:
            found = conn.execute(sa.select(app_secrets.c.value)
                                 .where(app_secrets.c.name == name)).scalar()
        if found:
            return str(found)
        with self.engine.connect().execution_options(**write_options()) as conn:
            with conn.begin():
                insert_unless_present(conn, app_secrets,
                                      {"name": name, "value": make(), "created_at": _now()},
                                      "name")
                return str(conn.execute(sa.select(app_secrets.c.value)
                                        .where(app_secrets.c.name == name)).scalar_one())

    def table_frame(self, table: str) -> pd.DataFrame:
        """Every column and row of one table (deleted rows included): for backups."""
        from geo.db.models import metadata

        tbl = metadata.tables[table]
        with self.engine.connect() as conn:
            return read_table(conn, tbl, list(tbl.c.keys()))

    # --- the school directory (geo.schools) ---------------------------------------------
    def schools_frame(self) -> pd.DataFrame:
        """The loaded school directory (:data:`geo.schools.DIRECTORY_COLUMNS`, ``source``)."""
        with self.engine.connect() as conn:
            frame = read_table(conn, schools, list(schools.c.keys()))
        return frame.sort_values("school_id", ignore_index=True)

    def school_count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(schools)).scalar_one())

    def load_schools(self, frame: pd.DataFrame, *, source: str, actor: str) -> int:
        """Replace the school directory with ``frame`` (one transaction); rows written.

        ``frame`` has the directory columns (see :func:`geo.schools.directory_frame`).
        """
        from geo.schools import DIRECTORY_COLUMNS

        actor = _require_actor(actor)
        rows = []
        for rec in frame[list(DIRECTORY_COLUMNS)].to_dict("records"):
            row: dict[str, str | float | None] = {
                c: ("" if pd.isna(rec[c]) else str(rec[c])) for c in DIRECTORY_COLUMNS
                if c not in ("latitude", "longitude")}
            for c in ("latitude", "longitude"):
                row[c] = None if pd.isna(rec[c]) else float(rec[c])
            row["source"] = source
            rows.append(row)
        with self.writing() as (conn, now):
            conn.execute(schools.delete())
            for start in range(0, len(rows), 5000):
                conn.execute(schools.insert(), rows[start:start + 5000])
            audit_trail.record(conn, at=now, actor=actor, action="load", table="schools",
                               record_id="", changes={"rows": len(rows), "source": source})
        return len(rows)

    def get_partner(self, partner_id: int) -> dict[str, object]:
        """One partner's stored values, with ``version`` and ``deleted_at``."""
        return self._get("partners", partner_id)

    def get_site(self, site_id: int) -> dict[str, object]:
        """One site's stored values, with ``version`` and ``deleted_at``."""
        return self._get("sites", site_id)

    def get_activity(self, activity_id: int) -> dict[str, object]:
        """One activity's stored values, with ``version`` and ``deleted_at``."""
        return self._get("activities", activity_id)

    def audit_log(
        self, limit: int = 500, *, table: str | None = None, record_id: int | None = None
    ) -> pd.DataFrame:
        """The newest audit rows first: at, actor, action, table, record_id, changes (JSON)."""
        with self.engine.connect() as conn:
            return audit_trail.read(conn, limit=limit, table=table, record_id=record_id)

    # --- bulk ------------------------------------------------------------------------
    def load_frames(self, frames: Frames, *, actor: str) -> dict[str, int]:
        """Insert whole frames in one transaction: all rows or none. Returns row counts.

        See :func:`geo.db.loading.load` for the id rules (ids given are kept, missing
        or negative ids are assigned) and the optional bookkeeping columns.
        """
        actor = _require_actor(actor)
        return loading.load(self, frames, actor=actor)

    # --- partners --------------------------------------------------------------------
    def add_partner(self, values: Mapping[str, object], *, actor: str) -> int:
        """Add a partner (without public consent) and return its id."""
        return self._add("partners", values, actor=actor)

    def update_partner(
        self, partner_id: int, values: Mapping[str, object], *, expected_version: int,
        actor: str,
    ) -> int:
        """Change some fields of a partner; returns the new version."""
        return self._update("partners", partner_id, values, expected_version, actor)

    def delete_partner(
        self, partner_id: int, *, actor: str, expected_version: int | None = None
    ) -> None:
        """Soft-delete a partner with its sites and activities (undo: restore_partner)."""
        self._delete("partners", partner_id, actor, expected_version)

    def restore_partner(self, partner_id: int, *, actor: str) -> None:
        """Undo delete_partner, bringing back what that delete took with it."""
        self._restore("partners", partner_id, actor)

    def set_consent(
        self, partner_id: int, *, public: bool, approved_by: str, actor: str
    ) -> None:
        """Record a partner's public-listing consent (or its withdrawal): who and when."""
        actor = _require_actor(actor)
        if not isinstance(public, bool):
            raise ValidationError([_problem(
                "public", f"public {public!r} is not True or False",
                "pass public=True to list the partner publicly, public=False to stop",
            )])
        if not isinstance(approved_by, str) or not approved_by.strip():
            raise ValidationError([_problem(
                "approved_by", "approved_by is empty",
                "give the e-mail of the person at the partner who approved (or withdrew)",
            )])
        with self.writing() as (conn, now):
            row = self._live_row(conn, "partners", partner_id)
            conn.execute(
                partners.update().where(partners.c.partner_id == partner_id).values(
                    public=public, consent_by=approved_by.strip(), consent_at=now,
                    version=partners.c.version + 1, updated_at=now, updated_by=actor,
                )
            )
            audit_trail.record(conn, at=now, actor=actor, action="consent",
                               table="partners", record_id=partner_id, changes={
                                   "public": [row["public"], public],
                                   "consent_by": [row["consent_by"], approved_by.strip()],
                                   "consent_at": [row["consent_at"], now],
                               })

    # --- sites -----------------------------------------------------------------------
    def add_site(self, values: Mapping[str, object], *, actor: str) -> int:
        """Add a site (with its boundary assignment, derived by the caller); return its id."""
        return self._add("sites", values, actor=actor)

    def update_site(
        self, site_id: int, values: Mapping[str, object], *, expected_version: int, actor: str
    ) -> int:
        """Change some fields of a site; returns the new version.

        Moving a site (new latitude/longitude) needs its new boundary assignment in the
        same call, so coverage never counts it in the old place.
        """
        return self._update("sites", site_id, values, expected_version, actor)

    def delete_site(
        self, site_id: int, *, actor: str, expected_version: int | None = None
    ) -> None:
        """Soft-delete a site with its activities (undo: restore_site)."""
        self._delete("sites", site_id, actor, expected_version)

    def restore_site(self, site_id: int, *, actor: str) -> None:
        """Undo delete_site (its partner must be live)."""
        self._restore("sites", site_id, actor)

    # --- activities ------------------------------------------------------------------
    def add_activity(self, values: Mapping[str, object], *, actor: str) -> int:
        """Add an activity at a site or across an area; return its id."""
        return self._add("activities", values, actor=actor)

    def update_activity(
        self, activity_id: int, values: Mapping[str, object], *, expected_version: int,
        actor: str,
    ) -> int:
        """Change some fields of an activity (e.g. end it); returns the new version."""
        return self._update("activities", activity_id, values, expected_version, actor)

    def delete_activity(
        self, activity_id: int, *, actor: str, expected_version: int | None = None
    ) -> None:
        """Soft-delete an activity (undo: restore_activity)."""
        self._delete("activities", activity_id, actor, expected_version)

    def restore_activity(self, activity_id: int, *, actor: str) -> None:
        """Undo delete_activity (its partner, and site if any, must be live)."""
        self._restore("activities", activity_id, actor)

    # --- undoing an edit ------------------------------------------------------------
    def undo_update(
        self, table: str, record_id: int, before: Mapping[str, object], *, version: int,
        actor: str,
    ) -> int:
        """Undo an edit of a partner, site or activity; returns the new version.

        ``before`` is the record as it was read before the edit (``get_*``; its editable
        fields are written back) and ``version`` the version that edit made (what
        ``update_*`` returned). The undo is an edit like any other: checked, versioned and
        audited as an ``update`` whose changes also say ``undo_of_version``. If the record
        was changed since the edit (its version is no longer ``version``),
        :class:`ConflictError` is raised and nothing is written, so nobody's later change
        is lost; a record deleted since raises :class:`NotFoundError`.
        """
        if table not in _KINDS:
            raise ValueError(f"table must be one of {', '.join(_KINDS)} (got {table!r})")
        values = {f: before[f] for f in FIELDS[table] if f in before}
        return self._update(table, record_id, values, version, actor,
                            note={"undo_of_version": int(version)})

    # --- generic record operations ---------------------------------------------------
    def _get(self, table: str, record_id: int) -> dict[str, object]:
        with self.engine.connect() as conn:
            row = self._row(conn, table, record_id)
        if row is None:
            raise NotFoundError(f"there is no {_KINDS[table].noun} with id {record_id}")
        return row

    def _row(self, conn: sa.Connection, table: str, record_id: int) -> dict[str, Any] | None:
        kind = _KINDS[table]
        found = conn.execute(
            sa.select(kind.table).where(kind.table.c[kind.id_column] == int(record_id))
        ).mappings().first()
        return dict(found) if found is not None else None

    def _describe(self, table: str, row: Mapping[str, object]) -> str:
        kind = _KINDS[table]
        text = f"{kind.noun} {row[kind.id_column]}"
        if kind.label_column:
            text += f" ({row[kind.label_column]!r})"
        return text

    def _live_row(self, conn: sa.Connection, table: str, record_id: int) -> dict[str, Any]:
        row = self._row(conn, table, record_id)
        if row is None:
            raise NotFoundError(f"there is no {_KINDS[table].noun} with id {record_id}")
        if row["deleted_at"] is not None:
            raise NotFoundError(
                f"{self._describe(table, row)} was deleted by {row['deleted_by']} at "
                f"{iso(row['deleted_at'])}; restore it first"
            )
        return row

    def _check(
        self, table: str, values: Mapping[str, object], problems: list[Problem]
    ) -> dict[str, object]:
        frame = pd.DataFrame([{f: values.get(f) for f in FIELDS[table]}], dtype=object)
        clean, found = CHECKS[table](frame)
        problems.extend(found)
        return {f: plain(clean[f].iloc[0]) for f in (*FIELDS[table],
                                                       *(("name_key",) if table == "partners"
                                                         else ()))}

    def _references(
        self, conn: sa.Connection, table: str, row: Mapping[str, object],
        record_id: int | None = None,
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
                problems.append(_problem(
                    "name", f"a partner named {twin.name!r} already exists (id {twin.partner_id})",
                    "edit that partner instead, or give a name that tells them apart",
                ))
            return problems
        partner_id = row.get("partner_id")
        if partner_id is not None:
            found = conn.execute(sa.select(partners.c.deleted_at).where(
                partners.c.partner_id == partner_id)).first()
            if found is None or found.deleted_at is not None:
                problems.append(_problem(
                    "partner_id", f"partner_id {partner_id} is not an existing partner"
                    + (" (it is deleted)" if found is not None else ""),
                    "pick an existing partner (or restore the deleted one first)",
                ))
        site_id = row.get("site_id") if table == "activities" else None
        if site_id is not None:
            found = conn.execute(sa.select(sites.c.partner_id, sites.c.deleted_at).where(
                sites.c.site_id == site_id)).first()
            if found is None or found.deleted_at is not None:
                problems.append(_problem(
                    "site_id", f"site_id {site_id} is not an existing site"
                    + (" (it is deleted)" if found is not None else ""),
                    "pick an existing site (or restore the deleted one first)",
                ))
            elif partner_id is not None and found.partner_id != partner_id:
                problems.append(_problem(
                    "site_id", f"site {site_id} belongs to partner {found.partner_id}, "
                    f"not to partner {partner_id}",
                    "pick one of this partner's sites, or add the site for this partner",
                ))
        return problems

    def _add(self, table: str, values: Mapping[str, object], *, actor: str) -> int:
        actor = _require_actor(actor)
        kind = _KINDS[table]
        problems = unknown_fields(table, values)
        row = self._check(table, values, problems)
        with self.writing() as (conn, now):
            problems.extend(self._references(conn, table, row))
            if problems:
                raise ValidationError(problems)
            result = conn.execute(kind.table.insert().values(
                **row, created_at=now, created_by=actor, updated_at=now, updated_by=actor,
                version=1,
            ))
            key = result.inserted_primary_key
            assert key is not None  # one row inserted: its primary key
            new_id = int(key[0])
            audit_trail.record(
                conn, at=now, actor=actor, action="add", table=table, record_id=new_id,
                changes={f: [None, row[f]] for f in FIELDS[table]},
            )
        return new_id

    def _update(
        self, table: str, record_id: int, values: Mapping[str, object],
        expected_version: int, actor: str, note: Mapping[str, object] | None = None,
    ) -> int:
        actor = _require_actor(actor)
        kind = _KINDS[table]
        problems = unknown_fields(table, values)
        with self.writing() as (conn, now):
            current = self._live_row(conn, table, record_id)
            if current["version"] != expected_version:
                raise self._conflict(table, current)
            merged = {f: current[f] for f in FIELDS[table]}
            merged.update({k: v for k, v in values.items() if k in FIELDS[table]})
            if table == "sites":
                self._site_move_rules(current, values, merged, problems)
            row = self._check(table, merged, problems)
            changed = {f: [current[f], row[f]] for f in FIELDS[table]
                       if not _same(current[f], row[f])}
            if changed:
                problems.extend(self._references(conn, table, row, record_id))
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
                .values(**new_values, version=kind.table.c.version + 1, updated_at=now,
                        updated_by=actor)
            )
            if result.rowcount != 1:  # another writer got there between read and write
                raise self._conflict(table, self._row(conn, table, record_id) or current)
            audit_trail.record(conn, at=now, actor=actor, action="update", table=table,
                               record_id=record_id, changes={**changed, **(note or {})})
        return expected_version + 1

    @staticmethod
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
            problems.append(_problem(
                "latitude", "the site is moved without its new boundary assignment",
                "pass state_fips, county_fips, district_geoid and "
                "secondary_district_geoid for the new point ('' where none applies)",
            ))

    def _conflict(self, table: str, row: Mapping[str, Any]) -> ConflictError:
        when = iso(row["updated_at"])
        return ConflictError(
            f"{self._describe(table, row)} was changed by {row['updated_by']} at {when} "
            "since you opened it; reload and re-apply your change",
            changed_by=str(row["updated_by"]), changed_at=when,
            current_version=int(row["version"]),
        )

    def _children(self, table: str, record_id: int) -> list[tuple[str, sa.ColumnElement]]:
        """(table, condition) for the records a delete of this one takes along."""
        if table == "partners":
            return [("sites", sites.c.partner_id == record_id),
                    ("activities", activities.c.partner_id == record_id)]
        if table == "sites":
            return [("activities", activities.c.site_id == record_id)]
        return []

    def _delete(
        self, table: str, record_id: int, actor: str, expected_version: int | None
    ) -> None:
        actor = _require_actor(actor)
        kind = _KINDS[table]
        with self.writing() as (conn, now):
            row = self._live_row(conn, table, record_id)
            if expected_version is not None and row["version"] != expected_version:
                raise self._conflict(table, row)
            stamp = {"deleted_at": now, "deleted_by": actor, "updated_at": now,
                     "updated_by": actor}
            conn.execute(kind.table.update()
                         .where(kind.table.c[kind.id_column] == record_id)
                         .values(**stamp, version=kind.table.c.version + 1))
            entries = [{"at": now, "actor": actor, "action": "delete", "table": table,
                        "record_id": record_id, "changes": {"deleted_at": [None, now]}}]
            for child, condition in self._children(table, record_id):
                ctable = _KINDS[child].table
                live = sa.and_(condition, ctable.c.deleted_at.is_(None))
                ids = conn.execute(
                    sa.select(ctable.c[_KINDS[child].id_column]).where(live)
                ).scalars().all()
                conn.execute(ctable.update().where(live)
                             .values(**stamp, version=ctable.c.version + 1))
                entries += [{"at": now, "actor": actor, "action": "delete", "table": child,
                             "record_id": cid, "changes": {
                                 "deleted_at": [None, now],
                                 "with": f"{kind.noun} {record_id}"}} for cid in ids]
            audit_trail.record_many(conn, entries)

    def _restore(self, table: str, record_id: int, actor: str) -> None:
        actor = _require_actor(actor)
        kind = _KINDS[table]
        with self.writing() as (conn, now):
            row = self._row(conn, table, record_id)
            if row is None:
                raise NotFoundError(f"there is no {kind.noun} with id {record_id}")
            if row["deleted_at"] is None:
                raise NotFoundError(f"{self._describe(table, row)} is not deleted; "
                                    "nothing to restore")
            problems = self._restore_problems(conn, table, row)
            if problems:
                raise ValidationError(problems)
            when = row["deleted_at"]
            clear = {"deleted_at": None, "deleted_by": "", "updated_at": now,
                     "updated_by": actor}
            conn.execute(kind.table.update()
                         .where(kind.table.c[kind.id_column] == record_id)
                         .values(**clear, version=kind.table.c.version + 1))
            entries = [{"at": now, "actor": actor, "action": "restore", "table": table,
                        "record_id": record_id, "changes": {"deleted_at": [when, None]}}]
            for child, condition in self._children(table, record_id):
                ctable = _KINDS[child].table
                same_delete = sa.and_(condition, ctable.c.deleted_at == when)
                ids = conn.execute(
                    sa.select(ctable.c[_KINDS[child].id_column]).where(same_delete)
                ).scalars().all()
                conn.execute(ctable.update().where(same_delete)
                             .values(**clear, version=ctable.c.version + 1))
                entries += [{"at": now, "actor": actor, "action": "restore", "table": child,
                             "record_id": cid, "changes": {
                                 "deleted_at": [when, None],
                                 "with": f"{kind.noun} {record_id}"}} for cid in ids]
            audit_trail.record_many(conn, entries)

    def _restore_problems(
        self, conn: sa.Connection, table: str, row: Mapping[str, Any]
    ) -> list[Problem]:
        if table == "partners":
            return self._references(conn, "partners", row, int(row["partner_id"]))
        parent = dict(row)
        return [  # say what to do in terms of the restore
            replace(p, fix="restore the deleted partner or site first")
            for p in self._references(conn, table, parent)
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


def open_store(url: str, *, cache_dir: Path | None | bool = True) -> Store:
    """Open the database at ``url`` (any SQLAlchemy URL), creating/upgrading its schema.

    ``sqlite:///path/to/file.db`` creates the file and its folder when missing;
    ``postgresql://user:password@host/dbname`` needs the database to exist (PostGIS is
    enabled by the first migration, which needs the right to ``CREATE EXTENSION``).

    ``cache_dir``: where :meth:`Store.frames` keeps its copy of the frames (see
    :mod:`geo.db.snapshot`); ``True`` picks the default for ``url``, ``False`` none.
    """
    engine = create_engine(url)
    try:
        upgrade_to_head(engine)
    except Exception:
        engine.dispose()
        raise
    if cache_dir is True:
        cache_dir = snapshot.default_cache_dir(url)
    return Store(engine, cache_dir=cache_dir or None)
