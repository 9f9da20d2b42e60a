"""A full backup of the database in ONE GeoPackage, and restoring it into an empty one.

This is the backup and the moving path (SQLite on a laptop -> PostgreSQL on a server,
and back). The GeoPackage holds one layer per table, with every column the database
has (ids, versions, who/when bookkeeping, soft-deleted rows), so a restore reproduces
the records exactly and exports from the restored database are identical:

``partners``, ``activities``, ``users``, ``audit``, ``backup_info``
    attribute tables (no geometry);
``sites``
    a point layer in EPSG:4326 (sites without coordinates have no geometry), which
    also opens directly in QGIS or ArcGIS.

Passwords: by default the ``users`` layer has NO password hashes: a backup file gets
copied, mailed and left on shared drives, and bcrypt hashes in it could be attacked
offline. Restored accounts then have no password and need a new one (or single
sign-on) before they can sign in. For a server move where people should keep their
passwords, pass ``include_password_hashes=True`` (CLI: ``--include-password-hashes``)
and treat the file as a secret. ``backup_info`` records which was done.

Timestamps are ISO 8601 text in UTC (microseconds kept); dates are ``YYYY-MM-DD``.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
import pyogrio
import sqlalchemy as sa

from geo.db.export import dates_as_text
from geo.db.loading import load_into
from geo.db.migrate import head_revision
from geo.db.models import audit, partners, users
from geo.db.storage_errors import NotEmptyError, ValidationError
from geo.problems import Problem
from geo.schema import Frames

if TYPE_CHECKING:
    from geo.db.store import Store

FORMAT = "partnermap-backup"
FORMAT_VERSION = 1
_RECORDS = ("partners", "sites", "activities")
_DATES = ("start_date", "end_date")


def _points(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    located = frame["latitude"].notna() & frame["longitude"].notna()
    geometry = gpd.GeoSeries(
        gpd.points_from_xy(frame["longitude"], frame["latitude"]), index=frame.index,
        crs="EPSG:4326",
    )
    geometry[~located] = None
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")


def backup(store: Store, path: str | Path, *, include_password_hashes: bool = False
           ) -> dict[str, int]:
    """Write the whole database to the GeoPackage ``path`` (replaced if it exists).

    Returns the number of rows written per table.
    """
    path = Path(path)
    if path.suffix.lower() != ".gpkg":
        raise ValueError(f"a backup is a GeoPackage: name the file *.gpkg (got {str(path)!r})")
    tables = {name: store.table_frame(name) for name in (*_RECORDS, "users", "audit")}
    if not include_password_hashes:
        tables["users"]["password_hash"] = pd.array([""] * len(tables["users"]), dtype="str")
    tables["audit"] = tables["audit"].drop(columns="audit_id")
    counts = {name: len(frame) for name, frame in tables.items()}
    info = pd.DataFrame({
        "key": ["format", "format_version", "schema_revision", "created_at",
                "password_hashes", *(f"rows_{n}" for n in counts)],
        "value": [FORMAT, str(FORMAT_VERSION), head_revision(),
                  dt.datetime.now(dt.UTC).isoformat(),
                  "included" if include_password_hashes else "left out",
                  *(str(c) for c in counts.values())],
    })
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.stem + ".partial.gpkg")
    if partial.exists():
        partial.unlink()
    for name, frame in tables.items():
        frame = dates_as_text(frame)
        if name == "sites":
            frame = _points(frame)
        pyogrio.write_dataframe(frame, partial, layer=name, driver="GPKG",
                                append=partial.exists())
    pyogrio.write_dataframe(info, partial, layer="backup_info", driver="GPKG", append=True)
    partial.replace(path)  # never leave a half-written backup under the real name
    return counts


def _read(path: Path, layer: str) -> pd.DataFrame:
    frame = pyogrio.read_dataframe(path, layer=layer, read_geometry=False)
    return pd.DataFrame(frame).reset_index(drop=True)


def _info(path: Path) -> dict[str, str]:
    if not path.is_file():
        raise FileNotFoundError(f"no backup file at {str(path)!r}")
    try:
        layers = {name for name, _ in pyogrio.list_layers(path)}
    except Exception as exc:  # pyogrio raises DataSourceError for non-GeoPackages
        raise ValueError(f"{str(path)!r} is not a GeoPackage ({exc}); give a file written "
                         "by `python -m geo backup`") from None
    if "backup_info" not in layers:
        raise ValueError(f"{str(path)!r} is a GeoPackage but not a Partner Map backup (no "
                         "backup_info table); give a file written by `python -m geo backup`")
    info = _read(path, "backup_info")
    values = dict(zip(info["key"].astype(str), info["value"].astype(str), strict=True))
    if values.get("format") != FORMAT or int(values.get("format_version", 0)) > FORMAT_VERSION:
        raise ValueError(f"{str(path)!r} has backup format {values.get('format')!r} version "
                         f"{values.get('format_version')}; this version of the app reads "
                         f"{FORMAT!r} up to version {FORMAT_VERSION}: update the app")
    missing = [t for t in (*_RECORDS, "users", "audit") if t not in layers]
    if missing:
        raise ValueError(f"{str(path)!r} lacks the table(s) {', '.join(missing)}; the backup "
                         "is incomplete")
    return values


def _nullable_int(series: pd.Series) -> pd.Series:
    return pd.Series(pd.array(
        [None if pd.isna(v) else int(v) for v in series], dtype="Int64"), index=series.index)


def _text(series: pd.Series) -> pd.Series:
    return series.astype(object).where(series.notna(), "").astype("str")


def restore(store: Store, path: str | Path, *, actor: str) -> dict[str, int]:
    """Load the backup ``path`` into ``store``, which must hold no partners yet.

    Everything is written in one transaction; returns the rows restored per table.
    """
    path = Path(path)
    info = _info(path)
    frames = {name: _read(path, name) for name in (*_RECORDS, "users", "audit")}
    frames["activities"]["site_id"] = _nullable_int(frames["activities"]["site_id"])
    users_frame = frames["users"]
    users_frame["partner_id"] = _nullable_int(users_frame["partner_id"])
    with store.db.writing(actor) as tx:
        held = tx.conn.execute(sa.select(sa.func.count()).select_from(partners)).scalar_one()
        if held:
            raise NotEmptyError(
                f"the database already holds {held} partner(s); a restore only goes into an "
                "empty database, so nothing was restored. Point DATABASE_URL at a new SQLite "
                "file or an empty PostgreSQL database and run the restore again"
            )
        counts = load_into(tx, Frames(*(frames[t] for t in _RECORDS)))
        counts["users"] = _restore_users(tx.conn, users_frame, now=tx.now)
        counts["audit"] = _restore_audit(tx.conn, frames["audit"])
        tx.audit("restore_backup", "*", changes={
            **counts, "file": path.name, "password_hashes": info.get("password_hashes", "")})
    return counts


def _timestamps(series: pd.Series) -> list[dt.datetime | None]:
    parsed = pd.to_datetime(series.astype(object).where(_text(series) != "", None),
                            utc=True, format="ISO8601")
    return [None if pd.isna(t) else t.to_pydatetime() for t in parsed]


def _restore_users(conn: sa.Connection, frame: pd.DataFrame, *, now: dt.datetime) -> int:
    """The accounts of a backup. Failed sign-in counts are not restored (backups made
    before they moved out of ``users`` still carry them: ignored); each account's
    session generation moves one past the backed-up one, so no session token issued
    before the backup is accepted by the restored database."""
    if frame.empty:
        return 0
    generations = (frame["session_generation"] if "session_generation" in frame
                   else pd.Series([0] * len(frame), index=frame.index))
    rows = []
    for record, generation, created, updated in zip(
        frame.to_dict(orient="records"), generations,
        _timestamps(frame["created_at"]), _timestamps(frame["updated_at"]), strict=True,
    ):
        rows.append({
            "email": str(record["email"]).lower(),
            "password_hash": "" if pd.isna(record["password_hash"]) else
            str(record["password_hash"]),
            "role": str(record["role"]),
            "partner_id": None if pd.isna(record["partner_id"]) else int(record["partner_id"]),
            "created_at": created or now, "updated_at": updated or now,
            "session_generation": (0 if pd.isna(generation) else int(generation)) + 1,
        })
    conn.execute(users.insert(), rows)
    return len(rows)


def _restore_audit(conn: sa.Connection, frame: pd.DataFrame) -> int:
    if frame.empty:
        return 0
    rows = [{
        "at": at, "actor": str(r["actor"]), "action": str(r["action"]),
        "table_name": str(r["table_name"]),
        "record_id": "" if pd.isna(r["record_id"]) else str(r["record_id"]),
        "changes": str(r["changes"]),
    } for r, at in zip(frame.to_dict(orient="records"), _timestamps(frame["at"]), strict=True)]
    if any(r["at"] is None for r in rows):
        raise ValidationError([Problem.error("the backup's audit table has rows without a time",
                                             column="at",
                                             fix="restore from an unedited backup file")])
    conn.execute(audit.insert(), rows)
    return len(rows)


__all__ = ["backup", "restore"]
