"""Bringing a database's schema up to date with Alembic, without an ``alembic.ini``.

:func:`upgrade_to_head` is called by :func:`geo.db.open_store` on every open: a new
database gets the whole schema, an existing one the revisions it is missing, an
up-to-date one nothing. Concurrent opens are safe: on PostgreSQL an advisory lock
serialises them, on SQLite the migration runs inside ``BEGIN IMMEDIATE``.

Developers add a revision with ``alembic -c geo/db/alembic.ini revision -m "..."`` (the
ini only points Alembic at ``geo/db/migrations``; ``DATABASE_URL`` picks the database)
and set :data:`HEAD_REVISION` to it (``tests/test_db_migrations.py`` says so if they
forget). An up-to-date database is recognised by one query, without loading Alembic
and every revision script (~0.4 s of every start of the app or of a command); Alembic is
imported only to upgrade.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from geo.db.engine import write_options

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Arbitrary constant naming "the partner map schema" for pg_advisory_xact_lock.
_PG_LOCK_KEY = 7_345_118_204
# The newest revision in migrations/versions/ (checked against Alembic's reading of the
# folder by tests/test_db_migrations.py).
HEAD_REVISION = "0005"
VERSION_TABLE = "alembic_version"  # Alembic's default, where it keeps the revision


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """An Alembic :class:`Config` for our migrations, optionally bound to ``connection``."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision id shipped with this code."""
    return HEAD_REVISION


def current_revision(engine: sa.Engine) -> str | None:
    """The revision the database is at, or ``None`` for a database without our schema."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table(VERSION_TABLE):
            return None
        rows = conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    if len(rows) > 1:
        raise RuntimeError(f"the database is at several revisions at once: {rows}")
    return rows[0] if rows else None


def upgrade_to_head(engine: sa.Engine) -> None:
    """Create or upgrade the schema of ``engine``'s database to the newest revision."""
    if current_revision(engine) == head_revision():
        return
    with engine.connect().execution_options(**write_options()) as conn:
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
            from alembic import command

            command.upgrade(alembic_config(conn), "head")
