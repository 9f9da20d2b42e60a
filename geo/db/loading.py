"""Bulk loading of whole frames: sample data, restores from a backup, file imports.

:func:`load` writes partners, sites and activities in ONE transaction, after checking
every row (all problems are reported together and nothing is written if there is one).

Ids
    A positive id in a frame is kept (a restore reproduces the ids of the backup); it
    must not exist in the database yet. A missing id gets a new one. A *negative* id is
    a provisional key: it gets a new id, and other frames in the same call may refer to
    it (``sites.partner_id == -1`` means "the partner row with ``partner_id`` -1"), so an
    import can add new partners and their sites together. References to positive ids
    may point at rows in the frames or already in the database.

Columns
    The columns of :mod:`geo.schema` (missing optional ones count as empty; ``name`` on
    partners and sites, ``partner_id`` on sites and activities and ``kind_of_work`` on
    activities are required). Partners may carry ``public``/``consent_by``/``consent_at``
    (kept; otherwise no consent). The bookkeeping columns ``created_at``,
    ``created_by``, ``updated_at``, ``updated_by``, ``deleted_at``, ``deleted_by`` and
    ``version`` are kept when present (a restore), else set to now / the actor / 1.
    Other columns are ignored.

The audit trail gets one ``load`` row with the counts, not one row per record.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import sqlalchemy as sa

from geo.db.bulk import insert_frame, reset_id_sequence
from geo.db.models import activities, partners, sites
from geo.db.storage_errors import ValidationError
from geo.db.stored_frames import BOOKKEEPING
from geo.db.tx import Tx
from geo.db.validation import (
    CHECKS,
    CONSENT_FIELDS,
    FIELDS,
    ID_COLUMNS,
    name_key,
)
from geo.problems import Problem, row_number
from geo.schema import Frames

_TABLES = {"partners": partners, "sites": sites, "activities": activities}
_REQUIRED = {
    "partners": ("name",),
    "sites": ("partner_id", "name"),
    "activities": ("partner_id", "kind_of_work"),
}


def _frame(frames: Frames, table: str) -> pd.DataFrame:
    frame = getattr(frames, table)
    if frame is None:
        return pd.DataFrame()
    return pd.DataFrame(frame).reset_index(drop=True)


def _columns(table: str, frame: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame:
    """The known columns of ``frame``, missing optional ones added as empty."""
    if frame.empty and not len(frame.columns):
        frame = pd.DataFrame(columns=[ID_COLUMNS[table], *FIELDS[table]])
    for field in _REQUIRED[table]:
        if field not in frame.columns and len(frame):
            problems.append(Problem.error(f"{table}: the column {field!r} is missing",
                                          column=field, fix=f"add a {field!r} column"))
    wanted = [ID_COLUMNS[table], *FIELDS[table], *BOOKKEEPING]
    if table == "partners":
        wanted[2:2] = CONSENT_FIELDS
    out = {c: frame[c] if c in frame.columns else pd.Series([None] * len(frame), dtype=object)
           for c in wanted if c in frame.columns or c in FIELDS[table] or c == ID_COLUMNS[table]}
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame)))


def _ids(
    conn: sa.Connection, table: str, frame: pd.DataFrame, problems: list[Problem]
) -> tuple[pd.Series, dict[int, int]]:
    """Final ids for the rows, and provisional (negative) id -> new id."""
    column = ID_COLUMNS[table]
    tbl = _TABLES[table]
    raw = pd.to_numeric(frame[column].astype(object), errors="coerce")
    given = pd.Series(np.asarray(raw, dtype="float64"), index=frame.index)
    bad = frame[column].notna() & (given.isna() | (given != np.floor(given)) | (given == 0))
    for pos in np.flatnonzero(bad.to_numpy()):
        problems.append(Problem.error(
            f"{table}: {column} {frame[column].iloc[pos]!r} is not a whole number other than 0",
            row=row_number(int(pos)), column=column,
            fix="leave it empty for a new id, or give the id to keep"))
    kept = given > 0
    for pos in np.flatnonzero((given.duplicated(keep="first") & given.notna()).to_numpy()):
        problems.append(Problem.error(
            f"{table}: {column} {int(given.iloc[pos])} appears more than once",
            row=row_number(int(pos)), column=column, fix="give every row its own id"))
    existing = set(conn.execute(sa.select(tbl.c[column])).scalars())
    clash = kept & given.isin(existing)
    for pos in np.flatnonzero(clash.to_numpy()):
        problems.append(Problem.error(
            f"{table}: {column} {int(given.iloc[pos])} already exists in the database",
            row=row_number(int(pos)), column=column,
            fix="leave the id empty to add the row as a new record"))
    start = int(max([0, *existing, *given[kept].tolist()])) + 1
    fresh = ~kept
    ids = given.copy()
    ids[fresh] = np.arange(start, start + int(fresh.sum()), dtype="float64")
    negative = given < 0
    mapping = dict(zip(given[negative].astype(int), ids[negative].astype(int), strict=True))
    return ids.fillna(0).astype("int64"), mapping


def _resolve(
    table: str, frame: pd.DataFrame, field: str, mapping: dict[int, int],
    problems: list[Problem],
) -> pd.Series:
    """Replace provisional (negative) references in ``field`` by the new ids."""
    values = frame[field].astype("Int64")
    negative = (values < 0).fillna(False).astype(bool)
    resolved = values.copy()
    resolved[negative] = values[negative].map(pd.Series(mapping, dtype="Int64"))
    for pos in np.flatnonzero((negative & resolved.isna()).to_numpy()):
        problems.append(Problem.error(
            f"{table}: {field} {int(values.iloc[pos])} matches no row of this load",
            row=row_number(int(pos)), column=field,
            fix="use the provisional id of a row in the same load"))
    return resolved.astype("Int64")


def _check_parents(
    table: str, field: str, refs: pd.Series, live_row: pd.Series, live_ids: set[int],
    all_ids: set[int], noun: str, problems: list[Problem],
) -> None:
    ok_live = refs.isin(live_ids).fillna(False).astype(bool)
    ok_any = refs.isin(all_ids).fillna(False).astype(bool)
    has = refs.notna().to_numpy()
    bad = has & ((live_row.to_numpy() & ~ok_live.to_numpy()) | ~ok_any.to_numpy())
    for pos in np.flatnonzero(bad):
        problems.append(Problem.error(
            f"{table}: {field} {int(refs.iloc[pos])} is not an existing {noun}"
            + (" (it is deleted)" if ok_any.iloc[pos] else ""),
            row=row_number(int(pos)), column=field,
            fix=f"refer to a {noun} in this load or in the database"))


def _bookkeeping(
    frame: pd.DataFrame, clean: pd.DataFrame, *, now: object, actor: str, table: str,
    problems: list[Problem],
) -> pd.DataFrame:
    out = clean
    for field in ("created_at", "updated_at", "deleted_at"):
        fill = None if field == "deleted_at" else now
        if field not in frame.columns:
            out[field] = pd.Series([fill] * len(frame), index=frame.index, dtype=object)
            continue
        raw = frame[field].astype(object)
        raw = raw.where(raw.notna() & (raw.astype(str) != ""), None)
        mapping = {}
        for value in pd.unique(raw):
            if value is None:
                continue
            stamp = pd.to_datetime(value, errors="coerce", utc=True, format="ISO8601")
            mapping[value] = None if pd.isna(stamp) else stamp.to_pydatetime()
        parsed = raw.map(mapping).astype(object)
        for pos in np.flatnonzero((parsed.isna() & raw.notna()).to_numpy()):
            problems.append(Problem.error(
                f"{table}: {field} {raw.iloc[pos]!r} is not a timestamp",
                row=row_number(int(pos)), column=field, fix="write an ISO 8601 timestamp"))
        out[field] = parsed.where(parsed.notna(), fill).astype(object)
    for field in ("created_by", "updated_by", "deleted_by"):
        raw = frame[field] if field in frame.columns else pd.Series([None] * len(frame))
        text = raw.astype(object).where(raw.notna(), "").map(str)
        if field != "deleted_by":
            text = text.where(text != "", actor)
        out[field] = text.astype(object)
    version = pd.to_numeric(frame["version"], errors="coerce") if "version" in frame.columns \
        else pd.Series(np.ones(len(frame)))
    out["version"] = pd.Series(np.asarray(version, dtype="float64"),
                               index=frame.index).fillna(1).astype("int64")
    return out


def load(tx: Tx, frames: Frames) -> dict[str, int]:
    """Check and insert ``frames`` in ``tx``, audited as one ``load``; the row counts."""
    counts = load_into(tx, frames)
    tx.audit("load", "*", changes=counts)
    return counts


def load_into(tx: Tx, frames: Frames) -> dict[str, int]:
    """:func:`load` without the audit row (a restore audits the whole restore)."""
    conn, now, actor = tx.conn, tx.now, tx.actor
    problems: list[Problem] = []
    raw = {t: _frame(frames, t) for t in _TABLES}
    given = {t: _columns(t, raw[t], problems) for t in _TABLES}
    if problems:
        raise ValidationError(problems)
    clean = {}
    for table in _TABLES:
        fields = list(FIELDS[table])
        if table == "partners" and "public" in given[table].columns:
            fields += list(CONSENT_FIELDS)
        checked, found = CHECKS[table](given[table][fields], bulk=True)
        problems.extend(found)
        clean[table] = checked
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text(
            "LOCK TABLE partners, sites, activities IN SHARE ROW EXCLUSIVE MODE"))
    maps = {}
    for table in _TABLES:
        ids, maps[table] = _ids(conn, table, given[table], problems)
        clean[table][ID_COLUMNS[table]] = ids
        clean[table] = _bookkeeping(given[table], clean[table], now=now, actor=actor,
                                    table=table, problems=problems)
    _references(conn, clean, maps, problems)
    if problems:
        raise ValidationError(problems)
    counts = {}
    for table, tbl in _TABLES.items():
        frame = clean[table]
        if table == "partners" and "public" not in frame.columns:
            frame["public"] = False
        columns = [c for c in tbl.c.keys() if c in frame.columns]
        counts[table] = insert_frame(conn, tbl, frame[columns])
        reset_id_sequence(conn, tbl, ID_COLUMNS[table])
    return counts


def _references(
    conn: sa.Connection, clean: dict[str, pd.DataFrame], maps: dict[str, dict[int, int]],
    problems: list[Problem],
) -> None:
    """Resolve provisional references and check every reference and partner name."""
    p, s, a = clean["partners"], clean["sites"], clean["activities"]
    db_partners = conn.execute(sa.select(
        partners.c.partner_id, partners.c.name_key, partners.c.deleted_at)).all()
    db_sites = conn.execute(sa.select(
        sites.c.site_id, sites.c.partner_id, sites.c.deleted_at)).all()
    # names: unique among live partners, within the load and against the database
    live_p = p["deleted_at"].isna()
    keys = p["name"].map(name_key)
    taken = {r.name_key for r in db_partners if r.deleted_at is None}
    twice = keys.where(live_p).duplicated(keep="first")
    dup = live_p & (twice | keys.isin(taken))
    for pos in np.flatnonzero(dup.to_numpy()):
        problems.append(Problem.error(
            f"partners: partner {p['name'].iloc[pos]!r} appears more than once (here or in "
            "the database)", row=row_number(int(pos)), column="name",
            fix="keep one record per partner; names are compared ignoring case, spacing "
            "and punctuation"))
    live_partners = {r.partner_id for r in db_partners if r.deleted_at is None} | set(
        p.loc[live_p, "partner_id"])
    all_partners = {r.partner_id for r in db_partners} | set(p["partner_id"])
    for table, frame in (("sites", s), ("activities", a)):
        frame["partner_id"] = _resolve(table, frame, "partner_id", maps["partners"], problems)
        _check_parents(table, "partner_id", frame["partner_id"], frame["deleted_at"].isna(),
                       live_partners, all_partners, "partner", problems)
    a["site_id"] = _resolve("activities", a, "site_id", maps["sites"], problems)
    live_s = s["deleted_at"].isna()
    site_partner = {r.site_id: r.partner_id for r in db_sites}
    site_partner.update(zip(s["site_id"], s["partner_id"], strict=True))
    live_sites = {r.site_id for r in db_sites if r.deleted_at is None} | set(
        s.loc[live_s, "site_id"])
    _check_parents("activities", "site_id", a["site_id"], a["deleted_at"].isna(),
                   live_sites, set(site_partner), "site", problems)
    owner = a["site_id"].map(pd.Series(site_partner, dtype="Int64"))
    wrong = a["site_id"].notna() & owner.notna() & (owner != a["partner_id"])
    for pos in np.flatnonzero(wrong.fillna(False).astype(bool).to_numpy()):
        problems.append(Problem.error(
            f"activities: site {int(a['site_id'].iloc[pos])} belongs to partner "
            f"{owner.iloc[pos]}, not to partner {a['partner_id'].iloc[pos]}",
            row=row_number(int(pos)), column="site_id",
            fix="give the activity the site's partner, or another site"))
