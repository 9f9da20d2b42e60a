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


def test_failed_logins_lock_and_reset(db_url):
    store = open_store(db_url)
    store.users.add_user("staff@coalition.org", "h", "staff")
    for _ in range(4):
        user = store.users.record_failed_login("staff@coalition.org", lock_after=5)
    assert user.failed_attempts == 4 and not user.is_locked()
    user = store.users.record_failed_login("staff@coalition.org", lock_after=5,
                                           lock_for=dt.timedelta(minutes=15))
    assert user.failed_attempts == 5 and user.is_locked()
    assert user.locked_until > dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=14)
    assert store.users.record_failed_login("nobody@coalition.org") is None
    store.users.reset_failed_logins("staff@coalition.org")
    user = store.users.get_user("staff@coalition.org")
    assert user.failed_attempts == 0 and not user.is_locked()
