"""Settings, read once from the environment into a frozen object.

Environment variables (all optional):

``DATABASE_URL``
    Any SQLAlchemy URL (``sqlite:///path/to/file.db`` or ``postgresql://...``).
    Default: the SQLite file ``var/partnermap.db`` in the repository.
``PARTNERMAP_DATA_DIR``
    Folder with the bundled boundary layers. Default: ``data/`` in the repository.
``PARTNERMAP_SAMPLE_DATA``
    ``1`` (default) fills an empty database with the fictional sample dataset; ``0``
    leaves a new database empty.
``PARTNERMAP_MAX_UPLOAD_MB``
    Largest file accepted for import, in megabytes. Default 50.
``PARTNERMAP_TILES``
    ``none`` (default, works offline) or ``osm`` to add OpenStreetMap tiles under the map.
``PARTNERMAP_TRUSTED_PROXIES``
    How many reverse proxies (e.g. nginx) stand in front of the app and append the
    address they saw to ``X-Forwarded-For``. Default 0: the header is ignored and the
    connection's own address identifies a client for the sign-in throttle.
``PARTNERMAP_SECRET_KEY``
    The key that signs sign-in session tokens (at least 32 characters). Default: the
    ``secret_key`` of ``.streamlit/secrets.toml``, else a key generated once and kept
    in the database (shared by every app process on it).
``PARTNERMAP_MAX_ROWS``, ``PARTNERMAP_MAX_COLUMNS``, ``PARTNERMAP_MAX_SHEETS``,
``PARTNERMAP_MAX_UNPACKED_MB``, ``PARTNERMAP_MAX_VERTICES``
    What one file given to the import or to ``geo join`` may hold (:class:`ReadLimits`):
    data rows (default 200,000), columns (200), worksheets of a workbook (20),
    megabytes once unpacked (zip members of an XLSX or zipped Shapefile, Parquet
    column data; 200) and geometry vertices (2,000,000). A file past a limit is refused
    before or while it is read, so a small hostile file cannot exhaust the server.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ReadLimits:
    """The most one file to read may hold (see the module docstring for the variables)."""

    max_rows: int = 200_000
    max_columns: int = 200
    max_sheets: int = 20
    max_unpacked_mb: int = 200
    max_vertices: int = 2_000_000

    @property
    def max_unpacked_bytes(self) -> int:
        return self.max_unpacked_mb * 1024 * 1024


# field of ReadLimits -> environment variable
LIMIT_VARIABLES: dict[str, str] = {
    "max_rows": "PARTNERMAP_MAX_ROWS",
    "max_columns": "PARTNERMAP_MAX_COLUMNS",
    "max_sheets": "PARTNERMAP_MAX_SHEETS",
    "max_unpacked_mb": "PARTNERMAP_MAX_UNPACKED_MB",
    "max_vertices": "PARTNERMAP_MAX_VERTICES",
}


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    sample_data: bool
    max_upload_mb: int
    tiles: str
    trusted_proxies: int = 0
    secret_key: str = ""
    read_limits: ReadLimits = ReadLimits()

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024


def _flag(value: str, name: str) -> bool:
    v = value.strip().lower()
    if v in ("1", "true", "yes", "on"):
        return True
    if v in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be 1 or 0 (got {value!r})")


def _positive(env: dict[str, str], name: str, default: int) -> int:
    text = env.get(name, "").strip().replace(",", "").replace("_", "")
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"{name} must be a whole number of at least 1 (got {env[name]!r})")
    return value


def read_limits(env: dict[str, str] | None = None) -> ReadLimits:
    """:class:`ReadLimits` from ``env`` (default: ``os.environ``)."""
    env = dict(os.environ if env is None else env)
    defaults = ReadLimits()
    return ReadLimits(**{field: _positive(env, name, getattr(defaults, field))
                         for field, name in LIMIT_VARIABLES.items()})


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Build :class:`Settings` from ``env`` (default: ``os.environ``)."""
    env = dict(os.environ if env is None else env)
    default_db = REPO_ROOT / "var" / "partnermap.db"
    url = env.get("DATABASE_URL", "").strip() or f"sqlite:///{default_db}"
    data_dir = Path(env.get("PARTNERMAP_DATA_DIR", "").strip() or REPO_ROOT / "data")
    try:
        max_mb = int(env.get("PARTNERMAP_MAX_UPLOAD_MB", "50"))
    except ValueError:
        raise ValueError(
            "PARTNERMAP_MAX_UPLOAD_MB must be a whole number of megabytes "
            f"(got {env['PARTNERMAP_MAX_UPLOAD_MB']!r})"
        ) from None
    tiles = env.get("PARTNERMAP_TILES", "none").strip().lower() or "none"
    if tiles not in ("none", "osm"):
        raise ValueError(f"PARTNERMAP_TILES must be 'none' or 'osm' (got {tiles!r})")
    raw_proxies = env.get("PARTNERMAP_TRUSTED_PROXIES", "0").strip() or "0"
    if not raw_proxies.isdigit() or int(raw_proxies) > 10:
        raise ValueError(
            "PARTNERMAP_TRUSTED_PROXIES must be the number of reverse proxies in front of "
            f"the app, 0 to 10 (got {raw_proxies!r}); 1 for one nginx"
        )
    secret_key = env.get("PARTNERMAP_SECRET_KEY", "").strip()
    if secret_key and len(secret_key) < 32:
        raise ValueError(
            f"PARTNERMAP_SECRET_KEY has {len(secret_key)} characters; use at least 32, e.g. "
            "from: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    return Settings(
        database_url=url,
        data_dir=data_dir,
        sample_data=_flag(env.get("PARTNERMAP_SAMPLE_DATA", "1"), "PARTNERMAP_SAMPLE_DATA"),
        max_upload_mb=max_mb,
        tiles=tiles,
        trusted_proxies=int(raw_proxies),
        secret_key=secret_key,
        read_limits=read_limits(env),
    )
