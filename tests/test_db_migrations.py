"""The migrations create exactly the schema geo.db.models describes (both back ends)."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from geo.db import open_store
from geo.db.models import metadata


def test_migrations_match_models(db_url):
    store = open_store(db_url)
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "compare_type": True,
            "include_object": lambda obj, name, type_, reflected, compare_to: not (
                name in ("geom", "ix_sites_geom", "spatial_ref_sys") or
                (type_ == "table" and reflected and compare_to is None)),
        })
        diff = compare_metadata(context, metadata)
    assert diff == []
