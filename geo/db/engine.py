"""Turning a database URL into a ready SQLAlchemy engine, the same way everywhere.

SQLite gets what makes it behave like a real shared database: foreign keys on, WAL
journal (readers do not block the writer), a busy timeout, and transactions that the
store controls itself. Write transactions start with ``BEGIN IMMEDIATE`` so two writers
queue up instead of failing half-way (see :func:`write_options`).
"""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

# Execution option that marks a connection as about to write.
_WRITE_OPTION = "partnermap_write"


def write_options() -> dict[str, bool]:
    """Execution options for a connection that will write (``BEGIN IMMEDIATE`` on SQLite)."""
    return {_WRITE_OPTION: True}


def create_engine(url: str) -> sa.Engine:
    """Create an engine for ``url``; for an SQLite file, create its folder first.

    ``postgresql://`` URLs use psycopg 3 (SQLAlchemy's default PostgreSQL driver).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(
            f"DATABASE_URL {parsed.render_as_string(hide_password=True)!r} uses the "
            f"{parsed.get_backend_name()!r} back end; use sqlite:///path/to/file.db or "
            "postgresql://user:password@host/dbname"
        )
    return sa.create_engine(parsed, pool_pre_ping=True)


def _sqlite_engine(url: sa.URL) -> sa.Engine:
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"timeout": 30})

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # noqa: ANN001
        # Let SQLAlchemy emit BEGIN itself (pysqlite's own handling breaks
        # transactional DDL and SAVEPOINTs).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        writing = conn.get_execution_options().get(_WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")

    return engine
