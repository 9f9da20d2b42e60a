"""The store: every read and write of partners, sites, activities, consent and audit.

Open one with :func:`open_store` (the schema is created or upgraded on open). All
writes go through here: each opens one transaction (:class:`geo.db.tx.Tx`) that is
validated, versioned (no lost updates: an ``UPDATE ... WHERE version = :expected``),
audited, and bumps :meth:`Store.data_version` on commit. The record operations
themselves (checks, versions, the soft delete and its cascade, restore) are in
:mod:`geo.db.crud`, bulk loads in :mod:`geo.db.loading`; ``store.users`` and
``store.sign_ins`` get the store's :class:`~geo.db.tx.Database`, never the store.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from geo.db import audit as audit_trail, crud, loading, snapshot
from geo.db.bulk import insert_unless_present
from geo.db.engine import create_engine
from geo.db.migrate import upgrade_to_head
from geo.db.models import app_secrets, data_state, partners, schools
from geo.db.signins import SignIns
from geo.db.storage_errors import ValidationError
from geo.db.stored_frames import read_frames, read_table
from geo.db.tx import Database, require_actor, utc_now
from geo.db.users import Users
from geo.db.validation import FIELDS
from geo.problems import Problem
from geo.schema import Frames


class Store:
    """One database, opened by :func:`open_store`. Safe to share between threads."""

    def __init__(self, engine: sa.Engine, cache_dir: Path | None = None) -> None:
        self.engine = engine
        self.db = Database(engine)  # the transactions (geo.db.tx)
        self.cache_dir = cache_dir  # see geo.db.snapshot; None: frames always from SQL
        self.sign_ins = SignIns(self.db)
        self.users = Users(self.db, self.sign_ins)

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
        """A bare write transaction and its time; commits and bumps data_version on exit.

        Not audited: for tests and tools. The store's own writes use
        ``self.db.writing(actor)`` (a :class:`geo.db.tx.Tx`).
        """
        with self.db.writing(actor="") as tx:
            yield tx.conn, tx.now

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
        with self.db.untracked() as conn:
            insert_unless_present(conn, app_secrets,
                                  {"name": name, "value": make(), "created_at": utc_now()},
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

        actor = require_actor(actor)
        rows = []
        for rec in frame[list(DIRECTORY_COLUMNS)].to_dict("records"):
            row: dict[str, str | float | None] = {
                c: ("" if pd.isna(rec[c]) else str(rec[c])) for c in DIRECTORY_COLUMNS
                if c not in ("latitude", "longitude")}
            for c in ("latitude", "longitude"):
                row[c] = None if pd.isna(rec[c]) else float(rec[c])
            row["source"] = source
            rows.append(row)
        with self.db.writing(actor) as tx:
            tx.conn.execute(schools.delete())
            for start in range(0, len(rows), 5000):
                tx.conn.execute(schools.insert(), rows[start:start + 5000])
            tx.audit("load", "schools", "", {"rows": len(rows), "source": source})
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
        with self.db.writing(require_actor(actor)) as tx:
            return loading.load(tx, frames)

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
        actor = require_actor(actor)
        if not isinstance(public, bool):
            raise ValidationError([Problem.error(
                f"public {public!r} is not True or False", column="public",
                fix="pass public=True to list the partner publicly, public=False to stop",
            )])
        if not isinstance(approved_by, str) or not approved_by.strip():
            raise ValidationError([Problem.error(
                "approved_by is empty", column="approved_by",
                fix="give the e-mail of the person at the partner who approved (or withdrew)",
            )])
        with self.db.writing(actor) as tx:
            row = crud.live_row(tx.conn, "partners", partner_id)
            tx.conn.execute(
                partners.update().where(partners.c.partner_id == partner_id).values(
                    public=public, consent_by=approved_by.strip(), consent_at=tx.now,
                    version=partners.c.version + 1, updated_at=tx.now, updated_by=actor,
                )
            )
            tx.audit("consent", "partners", partner_id, {
                "public": [row["public"], public],
                "consent_by": [row["consent_by"], approved_by.strip()],
                "consent_at": [row["consent_at"], tx.now],
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
        if table not in crud.KINDS:
            raise ValueError(
                f"table must be one of {', '.join(crud.KINDS)} (got {table!r})")
        values = {f: before[f] for f in FIELDS[table] if f in before}
        return self._update(table, record_id, values, version, actor,
                            note={"undo_of_version": int(version)})

    # --- one record at a time (geo.db.crud), each in its own transaction ------------
    def _get(self, table: str, record_id: int) -> dict[str, object]:
        with self.engine.connect() as conn:
            return crud.get(conn, table, record_id)

    def _add(self, table: str, values: Mapping[str, object], *, actor: str) -> int:
        with self.db.writing(require_actor(actor)) as tx:
            return crud.add(tx, table, values)

    def _update(
        self, table: str, record_id: int, values: Mapping[str, object],
        expected_version: int, actor: str, note: Mapping[str, object] | None = None,
    ) -> int:
        with self.db.writing(require_actor(actor)) as tx:
            return crud.update(tx, table, record_id, values, expected_version, note)

    def _delete(
        self, table: str, record_id: int, actor: str, expected_version: int | None
    ) -> None:
        with self.db.writing(require_actor(actor)) as tx:
            crud.delete(tx, table, record_id, expected_version)

    def _restore(self, table: str, record_id: int, actor: str) -> None:
        with self.db.writing(require_actor(actor)) as tx:
            crud.restore(tx, table, record_id)


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
