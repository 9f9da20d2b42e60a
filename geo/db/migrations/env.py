"""Alembic environment for the Partner Map schema.

Normally run by :func:`geo.db.migrate.upgrade_to_head`, which hands over an open
connection (already inside a transaction). Run from the ``alembic`` command instead
(``alembic -c geo/db/alembic.ini ...``), it connects to ``DATABASE_URL`` (see
:mod:`geo.config`).
"""
from __future__ import annotations

from alembic import context

from geo.db.models import metadata

config = context.config


def _include_object(obj, name, type_, reflected, compare_to) -> bool:  # noqa: ANN001
    # The PostGIS column and its index live only on PostgreSQL and outside the
    # metadata (see geo.db.models); PostGIS' own tables are none of our business.
    if type_ == "column" and name == "geom":
        return False
    if type_ == "index" and name == "ix_sites_geom":
        return False
    if type_ == "table" and reflected and compare_to is None:
        return False
    return True


def _run(connection) -> None:  # noqa: ANN001
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        include_object=_include_object,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from geo.config import load_settings
    from geo.db.engine import create_engine, write_options

    engine = create_engine(load_settings().database_url)
    try:
        with engine.connect().execution_options(**write_options()) as conn:
            _run(conn)
            conn.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) migrations are not supported; run against a database.")
run_migrations_online()
