"""geo.db.tx: the write transaction (Tx) the store opens and passes down."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from geo.db import ValidationError, open_store
from geo.db.models import partners
from geo.db.tx import require_actor


@pytest.fixture
def store(db_url):
    opened = open_store(db_url, cache_dir=False)
    yield opened
    opened.close()


def _partner_row(tx, name: str) -> None:
    tx.conn.execute(partners.insert().values(
        name=name, name_key=name.lower(), type="nonprofit", created_at=tx.now,
        created_by=tx.actor, updated_at=tx.now, updated_by=tx.actor, version=1))


def test_a_tx_commits_its_rows_and_audit_with_one_time_and_actor_and_bumps_the_version(
        store):
    version = store.data_version()
    with store.db.writing("staff@example.org") as tx:
        _partner_row(tx, "Harbor Youth Alliance")
        tx.audit("add", "partners", 1, {"name": [None, "Harbor Youth Alliance"]})
        tx.audit_many([{"action": "note", "table": "partners", "record_id": 1,
                        "changes": {"why": "test"}}])
    assert store.data_version() == version + 1
    assert list(store.frames().partners["name"]) == ["Harbor Youth Alliance"]
    log = store.audit_log()
    assert list(log["action"]) == ["note", "add"]
    assert set(log["actor"]) == {"staff@example.org"}
    assert log["at"].nunique() == 1
    row = store.get_partner(1)
    assert row["created_by"] == "staff@example.org"
    assert row["created_at"] == log["at"].iloc[0]


def test_a_tx_that_raises_leaves_nothing_and_the_version_alone(store):
    version, stamp = store.data_version(), store.data_stamp()
    with pytest.raises(RuntimeError, match="stop"):
        with store.db.writing("staff@example.org") as tx:
            _partner_row(tx, "Harbor Youth Alliance")
            tx.audit("add", "partners", 1)
            raise RuntimeError("stop")
    assert (store.data_version(), store.data_stamp()) == (version, stamp)
    assert store.is_empty()
    assert store.audit_log().empty


def test_an_untracked_write_is_committed_without_a_version_bump(store):
    version, stamp = store.data_version(), store.data_stamp()
    with store.db.untracked() as conn:
        conn.execute(partners.insert().values(
            name="Quiet Partner", name_key="quiet partner", type="nonprofit",
            created_at=sa.func.current_timestamp(), created_by="t",
            updated_at=sa.func.current_timestamp(), updated_by="t", version=1))
    assert (store.data_version(), store.data_stamp()) == (version, stamp)
    assert not store.is_empty()
    assert store.audit_log().empty


def test_require_actor_strips_and_refuses_an_empty_actor():
    assert require_actor("  staff@example.org ") == "staff@example.org"
    for empty in ("", "   ", None):
        with pytest.raises(ValidationError) as caught:
            require_actor(empty)  # type: ignore[arg-type]
        assert [p.column for p in caught.value.problems] == ["actor"]
