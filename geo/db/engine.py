"""Turning a database URL into a ready SQLAlchemy engine, the same way everywhere.

SQLite gets what makes it behave like a real shared database: foreign keys on, WAL
journal (readers do not block the writer), a busy timeout, and transactions that the
store controls itself. Write transactions start with ``BEGIN IMMEDIATE`` so two writers
queue up instead of failing half-way (see :func:`write_options`).

A database that cannot be reached (PostgreSQL stopped or restarting, the network down;
an SQLite file that cannot be opened) raises :class:`geo.db.storage_errors.UnavailableError`
from any query, whatever the call: pages and commands tell it apart from other errors
with one ``except``. The pool then holds no dead connection (SQLAlchemy drops the whole
pool on a disconnect, and ``pool_pre_ping`` tests a connection before each use), so
the first query after the server is back simply works: no restart needed.
"""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from geo.db.storage_errors import UnavailableError

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
    # connect_timeout: a server that does not answer (host down) fails in seconds
    # instead of hanging every page.
    engine = sa.create_engine(parsed, pool_pre_ping=True,
                              connect_args={"connect_timeout": CONNECT_TIMEOUT_S})
    _report_unreachable(engine)
    return engine


CONNECT_TIMEOUT_S = 5


def _report_unreachable(engine: sa.Engine) -> None:
    """Turn "cannot reach the database" into :class:`UnavailableError` (see module doc)."""

    @sa.event.listens_for(engine, "handle_error")
    def _on_error(context: sa.engine.ExceptionContext) -> None:
        if context.is_pre_ping:  # the pool handles a dead pooled connection itself
            return
        original = context.original_exception
        dbapi = engine.dialect.dbapi
        connecting = context.connection is None and dbapi is not None and isinstance(
            original, dbapi.OperationalError)
        if context.is_disconnect or connecting:
            first_line = str(original).strip().splitlines()[0] if str(original).strip() else ""
            raise UnavailableError(first_line)


def _sqlite_engine(url: sa.URL) -> sa.Engine:
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"timeout": 30})
    _report_unreachable(engine)

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
