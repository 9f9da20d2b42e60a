"""The users table: storage for sign-in (no hashing here)."""
from __future__ import annotations

import datetime as dt

import pytest

from geo.db import NotFoundError, ValidationError, open_store


def test_users_lifecycle(db_url):
    store = open_store(db_url)
    pid = store.add_partner({"name": "Communities In Schools of Leon County"}, actor="t")
    user = store.users.add_user("Coordinator@CISLeon.org", "$2b$12$hash", "partner",
                                partner_id=pid, actor="admin@x.org")
    assert (user.email, user.role, user.partner_id) == ("coordinator@cisleon.org", "partner", pid)
    assert store.users.get_user("COORDINATOR@cisleon.org").password_hash == "$2b$12$hash"
    with pytest.raises(ValidationError, match="already exists"):
        store.users.add_user("coordinator@cisleon.org", "h", "staff")
    with pytest.raises(ValidationError, match="needs its partner"):
        store.users.add_user("x@y.org", "h", "partner")
    with pytest.raises(ValidationError, match="role 'admin'"):
        store.users.add_user("x@y.org", "h", "admin")
    store.users.add_user("chair@coalition.org", "h2", "committee")
    store.users.set_role("coordinator@cisleon.org", "staff", actor="admin@x.org")
    listing = store.users.list_users()
    assert listing["email"].tolist() == ["chair@coalition.org", "coordinator@cisleon.org"]
    assert "password_hash" not in listing.columns
    assert listing.set_index("email").loc["coordinator@cisleon.org", "role"] == "staff"
    log = store.audit_log(table="users")
    assert log["action"].tolist() == ["set_role", "add_user", "add_user"]
    assert "$2b$" not in " ".join(log["changes"])
    store.users.remove_user("chair@coalition.org")
    assert store.users.get_user("chair@coalition.org") is None
    with pytest.raises(NotFoundError):
        store.users.set_role("chair@coalition.org", "staff")


def test_sign_in_bookkeeping_counts_locks_forgets_and_leaves_the_data_version(db_url):
    from geo.db.signins import account_key, client_key, pair_key

    store = open_store(db_url)
    store.users.add_user("staff@coalition.org", "h", "staff")
    version, stamp = store.data_version(), store.data_stamp()
    t0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
    memory = dt.timedelta(hours=1)
    lock_at_3 = {"k": lambda n: dt.timedelta(minutes=n) if n >= 3 else None}
    for minute in range(2):
        bucket = store.sign_ins.record_failure(lock_at_3, now=t0 + dt.timedelta(minutes=minute),
                                               forget_after=memory)["k"]
    assert bucket.failures == 2 and bucket.locked_until is None
    bucket = store.sign_ins.record_failure(lock_at_3, now=t0 + dt.timedelta(minutes=2),
                                           forget_after=memory)["k"]
    assert bucket.locked_until == t0 + dt.timedelta(minutes=5)
    assert store.sign_ins.read(["k", "other"], now=t0, forget_after=memory)["k"].failures == 3
    # An hour after the last failure the count is gone, and the next failure starts at 1.
    later = t0 + dt.timedelta(minutes=2) + memory
    assert store.sign_ins.read(["k"], now=later, forget_after=memory) == {}
    assert store.sign_ins.record_failure(lock_at_3, now=later,
                                         forget_after=memory)["k"].failures == 1
    # Failed sign-ins are not data changes: the UI's caches stay valid.
    assert (store.data_version(), store.data_stamp()) == (version, stamp)

    # clear_address forgets the address from every client, and nothing else.
    keys = {account_key("staff@coalition.org"): lock_at_3["k"],
            pair_key("staff@coalition.org", "10.0.0.1"): lock_at_3["k"],
            pair_key("staff@coalition.org", "10.0.0.2"): lock_at_3["k"],
            pair_key("staff@coalition.org.evil", "10.0.0.1"): lock_at_3["k"],
            client_key("10.0.0.1"): lock_at_3["k"]}
    store.sign_ins.record_failure(keys, now=later, forget_after=memory)
    assert store.sign_ins.status(["staff@coalition.org"], now=later,
                                 forget_after=memory)["staff@coalition.org"] == (1, None)
    store.sign_ins.clear_address("staff@coalition.org")
    left = store.sign_ins.read(keys, now=later, forget_after=memory)
    assert set(left) == {pair_key("staff@coalition.org.evil", "10.0.0.1"),
                         client_key("10.0.0.1")}


def test_session_generation_moves_with_password_role_and_sign_out(db_url):
    store = open_store(db_url)
    store.users.add_user("staff@coalition.org", "h", "staff")
    assert store.users.get_user("staff@coalition.org").session_generation == 0
    store.users.set_password("staff@coalition.org", "h2")
    store.users.set_role("staff@coalition.org", "committee")
    version = store.data_version()
    store.users.end_sessions("Staff@Coalition.org")
    assert store.users.get_user("staff@coalition.org").session_generation == 3
    assert store.data_version() == version  # a sign-out is not a data change
    store.users.end_sessions("nobody@coalition.org")  # no account: nothing happens


def test_generated_secret_is_made_once_and_shared(db_url):
    first = open_store(db_url)
    made = []
    key = first.generated_secret("k", lambda: made.append(1) or "secret-one")
    second = open_store(db_url)  # another process on the same database
    assert second.generated_secret("k", lambda: "secret-two") == key == "secret-one"
    assert made == [1]
