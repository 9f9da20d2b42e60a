"""The copy of the frames on disk (geo.db.snapshot) is used only while it matches the
database: every write, a re-created database and a damaged file all lead back to SQL."""
from __future__ import annotations

import pandas as pd
import pytest

from geo.db import open_store
from geo.db.snapshot import default_cache_dir
from tests.test_db_sample import LEON_HIGH

ACTOR = "staff@example.org"


def _equal(a, b) -> None:
    for x, y in zip(a, b, strict=True):
        pd.testing.assert_frame_equal(x, y)


def _cached_files(store) -> list:
    return sorted(store.cache_dir.glob("frames-*.parquet"))


def test_frames_come_back_identical_from_the_copy_and_follow_every_write(db_url, tmp_path):
    store = open_store(db_url, cache_dir=tmp_path / "cache")
    pid = store.add_partner({"name": "Leon Reads", "type": "nonprofit"}, actor=ACTOR)
    sid = store.add_site({"partner_id": pid, **LEON_HIGH}, actor=ACTOR)
    store.add_activity({"partner_id": pid, "site_id": sid, "kind_of_work": "implementation",
                        "start_date": "2024-09-01"}, actor=ACTOR)
    from_sql = store.frames()
    assert len(_cached_files(store)) == 3
    _equal(store.frames(), from_sql)
    with open_store(db_url, cache_dir=False) as plain:
        _equal(plain.frames(), from_sql)

    store.update_partner(pid, {"name": "Leon Reads Together"},
                         expected_version=int(from_sql.partners["version"].iloc[0]), actor=ACTOR)
    assert store.frames().partners["name"].tolist() == ["Leon Reads Together"]
    store.delete_site(sid, actor=ACTOR)
    after = store.frames()
    assert after.sites.empty and after.activities.empty
    assert len(_cached_files(store)) == 3  # copies for older stamps are removed


def test_a_write_from_another_process_is_seen(db_url, tmp_path):
    cache = tmp_path / "cache"
    app = open_store(db_url, cache_dir=cache)
    assert app.frames().partners.empty
    with open_store(db_url, cache_dir=False) as cli:  # e.g. python -m geo import
        cli.add_partner({"name": "Elsewhere Partner", "type": "nonprofit"}, actor="cli")
    assert app.frames().partners["name"].tolist() == ["Elsewhere Partner"]


def test_a_recreated_database_never_gets_the_old_copy(tmp_path):
    path = tmp_path / "pm.db"
    url = f"sqlite:///{path}"
    first = open_store(url)
    first.add_partner({"name": "First Database Partner", "type": "nonprofit"}, actor=ACTOR)
    assert first.frames().partners["name"].tolist() == ["First Database Partner"]
    version = first.data_version()
    first.close()
    for f in tmp_path.glob("pm.db*"):
        if f.is_file():
            f.unlink()
    second = open_store(url)
    second.add_partner({"name": "Second Database Partner", "type": "nonprofit"}, actor=ACTOR)
    assert second.data_version() == version  # same counter, different data
    assert second.frames().partners["name"].tolist() == ["Second Database Partner"]


def test_a_damaged_copy_is_ignored(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'pm.db'}", cache_dir=tmp_path / "cache")
    store.add_partner({"name": "Sturdy Partner", "type": "nonprofit"}, actor=ACTOR)
    store.frames()
    for f in _cached_files(store):
        f.write_bytes(b"not parquet")
    assert store.frames().partners["name"].tolist() == ["Sturdy Partner"]


@pytest.mark.parametrize(("url", "env", "expected"), [
    ("sqlite:///var/x/pm.db", {}, "var/x/pm.db.cache"),
    ("sqlite:///:memory:", {}, None),
    ("sqlite:///var/x/pm.db", {"PARTNERMAP_CACHE_DIR": "off"}, None),
])
def test_where_the_copy_goes(url, env, expected):
    got = default_cache_dir(url, env)
    assert (None if got is None else got.as_posix()) == expected


def test_postgres_copies_are_apart_per_database_and_hide_the_password(tmp_path):
    env = {"PARTNERMAP_CACHE_DIR": str(tmp_path)}
    a = default_cache_dir("postgresql://u:secret@db.example/one", env)
    b = default_cache_dir("postgresql://u:secret@db.example/two", env)
    c = default_cache_dir("postgresql://u:other@db.example/one", env)
    assert a.parent == tmp_path and a != b and a == c
