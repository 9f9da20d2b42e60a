"""The store when PostgreSQL goes away and comes back (a throwaway cluster of the test's
own, stopped and started with pg_ctl): every call says plainly that the database is not
reachable, a write is refused whole, and the same store works again once the server is
back, with no restart."""
from __future__ import annotations

import time

import pytest

from geo.db import UnavailableError, open_store
from geo.db.models import partners
from geo.db.storage_errors import UNREACHABLE

PARTNER = {"name": "Lakeshore Family Resource Network", "type": "nonprofit"}


def test_calls_fail_plainly_while_postgres_is_down_and_work_again_after(own_postgres, own_pg_url):
    store = open_store(own_pg_url, cache_dir=False)
    try:
        store.add_partner(PARTNER, actor="staff@example.org")
        version = store.data_version()
        own_postgres.stop()
        for call in (store.data_version, store.frames, store.is_empty,
                     lambda: store.add_partner({"name": "Refused Partner", "type": "nonprofit"},
                                               actor="staff@example.org")):
            with pytest.raises(UnavailableError) as caught:
                call()
            assert str(caught.value) == UNREACHABLE
            assert "Traceback" not in str(caught.value) and "127.0.0.1" not in str(caught.value)
            assert "Connection refused" in caught.value.detail
        own_postgres.start()
        t0 = time.perf_counter()
        assert store.data_version() == version  # the first call after the restart works
        recovered_s = time.perf_counter() - t0
        print(f"first query after PostgreSQL is back: {recovered_s:.3f} s")
        frames = store.frames()
        assert list(frames.partners["name"]) == [PARTNER["name"]]  # the refused add is not there
        store.add_partner({"name": "Second Partner", "type": "nonprofit"},
                          actor="staff@example.org")
        assert store.data_version() == version + 1
    finally:
        own_postgres.ensure_running()
        store.close()


def test_a_write_cut_off_by_the_server_stopping_leaves_nothing(own_postgres, own_pg_url):
    store = open_store(own_pg_url, cache_dir=False)
    try:
        store.add_partner(PARTNER, actor="staff@example.org")
        before = store.frames()
        version = store.data_version()
        with pytest.raises(UnavailableError):
            with store.writing() as (conn, now):
                conn.execute(partners.update().values(name="Half Written", name_key="half written"))
                own_postgres.stop()  # terminates the session in the middle of its transaction
        own_postgres.start()
        after = store.frames()
        assert store.data_version() == version
        assert list(after.partners["name"]) == list(before.partners["name"])
    finally:
        own_postgres.ensure_running()
        store.close()
