"""Bringing a database's schema up to date with Alembic, without an ``alembic.ini``.

:func:`upgrade_to_head` is called by :func:`geo.db.open_store` on every open: a new
database gets the whole schema, an existing one the revisions it is missing, an
up-to-date one nothing. Concurrent opens are safe: on PostgreSQL an advisory lock
serialises them, on SQLite the migration runs inside ``BEGIN IMMEDIATE``.

Developers add a revision with ``alembic -c geo/db/alembic.ini revision -m "..."`` (the
ini only points Alembic at ``geo/db/migrations``; ``DATABASE_URL`` picks the database).
"""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from geo.db.engine import write_options

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Arbitrary constant naming "the partner map schema" for pg_advisory_xact_lock.
_PG_LOCK_KEY = 7_345_118_204


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """An Alembic :class:`Config` for our migrations, optionally bound to ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision id shipped with this code."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "geo/db/migrations/versions/ has no revisions"
    return head


def current_revision(engine: sa.Engine) -> str | None:
    """The revision the database is at, or ``None`` for a database without our schema."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade_to_head(engine: sa.Engine) -> None:
    """Create or upgrade the schema of ``engine``'s database to the newest revision."""
    if current_revision(engine) == head_revision():
        return
    with engine.connect().execution_options(**write_options()) as conn:
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
            command.upgrade(alembic_config(conn), "head")
