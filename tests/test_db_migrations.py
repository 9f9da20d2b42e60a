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


def test_the_head_revision_named_in_code_is_the_newest_migration(db_url):
    """geo.db.migrate.HEAD_REVISION lets an up-to-date database open without Alembic:
    it must name the newest script of migrations/versions/, and a database opened by
    the app must be at it (read both ways)."""
    from alembic.script import ScriptDirectory

    from geo.db import migrate

    newest = ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()
    assert migrate.HEAD_REVISION == newest, (
        f"set geo.db.migrate.HEAD_REVISION to {newest!r}, the newest migration")
    store = open_store(db_url)
    with store.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == newest
    assert migrate.current_revision(store.engine) == newest
    store.close()


def test_0005_adds_an_empty_site_contact_and_a_new_data_stamp(db_url):
    """A database made by the previous release (revision 0004) keeps its sites, each
    with an empty contact, and gets a new data stamp, so no copy of the frames kept
    without the column is read back."""
    import datetime as dt

    import sqlalchemy as sa
    from alembic import command

    from geo.db.engine import create_engine
    from geo.db.migrate import alembic_config, current_revision

    engine = create_engine(db_url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0004")
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO partners (partner_id, name, name_key, created_at, updated_at) "
            "VALUES (1, 'Leon Education Foundation', 'leon education foundation', :t, :t)"),
            {"t": now})
        conn.execute(sa.text(
            "INSERT INTO sites (site_id, partner_id, name, latitude, longitude, "
            "location_source, created_at, updated_at) VALUES (1, 1, 'Leon High School', "
            "30.4456, -84.2755, 'coordinates', :t, :t)"), {"t": now})
        stamp = conn.execute(sa.text("SELECT data_stamp FROM data_state")).scalar_one()
    engine.dispose()
    store = open_store(db_url)
    assert current_revision(store.engine) == "0005"
    assert store.data_stamp() != stamp
    site = store.get_site(1)
    assert site["contact"] == "" and site["name"] == "Leon High School"
    store.update_site(1, {"contact": "Pat Lee, 850-555-0100"}, expected_version=1, actor="t")
    assert store.frames().sites["contact"].tolist() == ["Pat Lee, 850-555-0100"]
    store.close()
