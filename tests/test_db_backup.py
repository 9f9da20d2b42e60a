"""Backup to one GeoPackage and restore into an empty database, on both back ends."""
from __future__ import annotations

import io

import pandas as pd
import pyogrio
import pytest

from geo.db import NotEmptyError, open_store
from geo.db.backup import backup, restore
from geo.db.export import KINDS, export_bytes
from tests.test_db_sample import sample_frames


def _busy_store(url):
    """A store with history: edits, a consent, a deleted site, a user."""
    store = open_store(url)
    store.load_frames(sample_frames(), actor="seed@example.org")
    partners, sites, _ = store.frames()
    cis = int(partners["partner_id"].iloc[0])
    store.set_consent(cis, public=True, approved_by="director@cisleon.org", actor="staff@x.org")
    office = int(sites.loc[sites["name"] == "Quincy office", "site_id"].iloc[0])
    store.delete_site(office, actor="staff@x.org")
    store.update_partner(cis, {"expertise": "Site coordination"}, expected_version=2,
                         actor="staff@x.org")
    store.users.add_user("Coordinator@CISLeon.org", "$2b$12$examplehashexamplehash", "partner",
                         partner_id=cis)
    return store


def test_round_trip_gives_identical_exports(db_url, tmp_path):
    source = _busy_store(db_url)
    path = tmp_path / "backup.gpkg"
    counts = backup(source, path)
    assert counts["partners"] == 2 and counts["sites"] == 3 and counts["users"] == 1
    target = open_store(f"sqlite:///{tmp_path / 'restored.db'}")
    restored = restore(target, path, actor="mover@example.org")
    assert {k: restored[k] for k in counts} == counts

    for what in KINDS:
        for fmt in ("csv", "geojson"):
            assert export_bytes(target.frames(), what=what, fmt=fmt) == \
                export_bytes(source.frames(), what=what, fmt=fmt), (what, fmt)
        a = pd.read_excel(io.BytesIO(export_bytes(source.frames(), what=what, fmt="xlsx")))
        b = pd.read_excel(io.BytesIO(export_bytes(target.frames(), what=what, fmt="xlsx")))
        pd.testing.assert_frame_equal(a, b)
    # deleted rows, versions and bookkeeping come back too
    before = source.frames(include_deleted=True)
    after = target.frames(include_deleted=True)
    for old, new in zip(before, after, strict=True):
        pd.testing.assert_frame_equal(old, new)
    assert source.table_frame("partners")["updated_by"].tolist() == \
        target.table_frame("partners")["updated_by"].tolist()
    # the old history is kept, and the restore itself is on record
    log = target.audit_log()
    assert log.iloc[0]["action"] == "restore_backup"
    assert len(log) == len(source.audit_log()) + 1


def test_restore_into_postgres_from_sqlite_backup(pg_url, sqlite_url, tmp_path):
    source = _busy_store(sqlite_url)
    backup(source, tmp_path / "b.gpkg", include_password_hashes=True)
    target = open_store(pg_url)
    restore(target, tmp_path / "b.gpkg", actor="mover")
    for what in KINDS:
        assert export_bytes(target.frames(), what=what, fmt="csv") == \
            export_bytes(source.frames(), what=what, fmt="csv")
    user = target.users.get_user("coordinator@cisleon.org")
    assert user.password_hash == "$2b$12$examplehashexamplehash"
    # new records continue after the restored ids
    pid = target.add_partner({"name": "Big Bend United Way"}, actor="t")
    assert pid == 3


def test_backup_leaves_password_hashes_out_by_default(sqlite_url, tmp_path):
    store = _busy_store(sqlite_url)
    backup(store, tmp_path / "b.gpkg")
    users = pyogrio.read_dataframe(tmp_path / "b.gpkg", layer="users", read_geometry=False)
    assert users["password_hash"].fillna("").tolist() == [""]
    info = pyogrio.read_dataframe(tmp_path / "b.gpkg", layer="backup_info",
                                  read_geometry=False)
    assert dict(zip(info["key"], info["value"], strict=True))["password_hashes"] == "left out"
    assert not (tmp_path / "b.partial.gpkg").exists()
    target = open_store(f"sqlite:///{tmp_path / 'r.db'}")
    restore(target, tmp_path / "b.gpkg", actor="t")
    assert target.users.get_user("coordinator@cisleon.org").password_hash == ""
    assert pyogrio.list_layers(tmp_path / "b.gpkg")[
        [n for n, _ in pyogrio.list_layers(tmp_path / "b.gpkg")].index("sites")][1] == "Point"


def test_restore_refuses_a_database_that_has_partners(db_url, tmp_path):
    backup(_busy_store(f"sqlite:///{tmp_path / 'source.db'}"), tmp_path / "b.gpkg")
    target = open_store(db_url)
    target.add_partner({"name": "Florida PTA"}, actor="t")
    before = target.data_version()
    with pytest.raises(NotEmptyError, match="already holds 1 partner.*empty database"):
        restore(target, tmp_path / "b.gpkg", actor="t")
    assert target.data_version() == before
    assert target.frames().partners["name"].tolist() == ["Florida PTA"]


def test_restore_refuses_a_geopackage_that_is_not_a_backup(sqlite_url, tmp_path):
    from geo.db.export import write_export

    store = _busy_store(sqlite_url)
    write_export(store.frames(), what="sites", path=tmp_path / "sites.gpkg")
    target = open_store(f"sqlite:///{tmp_path / 'r.db'}")
    with pytest.raises(ValueError, match="not a Partner Map backup"):
        restore(target, tmp_path / "sites.gpkg", actor="t")
    assert target.is_empty()
