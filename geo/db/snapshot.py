"""A copy of the live frames on local disk, named by the database's data stamp.

Reading 100,000 sites and 200,000 activities through SQL takes seconds (about 3 s on
SQLite here); the same frames from Parquet take about 0.2 s. :meth:`Store.frames`
therefore keeps the frames it read under ``<cache dir>/frames-<stamp>-<table>.parquet``
and, while the database's stamp (``data_state.data_stamp``, replaced by every committed
write) is unchanged, reads them back instead of querying. Nothing stale can be served:
a write changes the stamp, and a copy is only kept when the stamp was the same before
and after the read. A copy that cannot be read or written is ignored (the database is
the truth; the cache only saves time).

Where: beside an SQLite file (``var/partnermap.db`` -> ``var/partnermap.db.cache/``),
under ``var/cache/<hash of the URL>/`` for PostgreSQL, or ``PARTNERMAP_CACHE_DIR`` when
set; ``PARTNERMAP_CACHE_DIR=off`` turns it off.
"""
from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
from sqlalchemy.engine import make_url

from geo.schema import Frames

TABLES = ("partners", "sites", "activities")
_PREFIX = "frames-"


def default_cache_dir(url: str, env: Mapping[str, str] | None = None) -> Path | None:
    """Where the frames of the database at ``url`` are cached (None: not cached)."""
    from geo.config import REPO_ROOT

    env = os.environ if env is None else env
    chosen = env.get("PARTNERMAP_CACHE_DIR", "").strip()
    if chosen.lower() == "off":
        return None
    parsed = make_url(url)
    key = hashlib.sha256(parsed.render_as_string(hide_password=True).encode()).hexdigest()[:16]
    if chosen:
        return Path(chosen).expanduser() / key
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if not database or database == ":memory:" or database.startswith("file:"):
            return None
        path = Path(database).expanduser()
        return path.with_name(path.name + ".cache")
    return REPO_ROOT / "var" / "cache" / key


def _paths(folder: Path, stamp: str) -> dict[str, Path]:
    return {t: folder / f"{_PREFIX}{stamp}-{t}.parquet" for t in TABLES}


def read(folder: Path, stamp: str) -> Frames | None:
    """The frames kept for ``stamp``, or None when there is no usable copy."""
    if not stamp:
        return None
    paths = _paths(folder, stamp)
    try:
        return Frames(*(pd.read_parquet(paths[t]) for t in TABLES))
    except (OSError, ValueError):
        return None


def write(folder: Path, stamp: str, frames: Frames) -> bool:
    """Keep ``frames`` for ``stamp`` (each file written aside, then renamed into place)
    and remove copies for other stamps. False when the folder cannot be written."""
    if not stamp:
        return False
    paths = _paths(folder, stamp)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for table, frame in zip(TABLES, frames, strict=True):
            part = paths[table].with_name(f".{uuid.uuid4().hex}.part")
            try:
                frame.to_parquet(part, index=True)
                os.replace(part, paths[table])
            finally:
                part.unlink(missing_ok=True)
        keep = set(paths.values())
        for old in folder.glob(f"{_PREFIX}*.parquet"):
            if old not in keep:
                old.unlink(missing_ok=True)
    except (OSError, ValueError):
        return False
    return True
