"""Passwords, sign-in with lockout against a real database, roles and permissions."""
from __future__ import annotations

import uuid
from dataclasses import FrozenInstanceError
from datetime import datetime, timedelta, timezone

import pytest

from geo import auth
from geo.auth import (
    LOCK_DURATION,
    LOCKED_MESSAGE,
    MAX_FAILED_ATTEMPTS,
    PUBLIC,
    ROLES,
    WRONG_CREDENTIALS_MESSAGE,
    AttemptThrottle,
    PasswordError,
    SignInError,
    Viewer,
    authenticate,
    can_edit,
    can_manage_users,
    can_see_all_names,
    can_see_audit,
    can_see_partner,
    can_set_consent,
    check_email,
    check_new_password,
    hash_password,
    verify_password,
    viewer_from_oidc,
)

PASSWORD = "correct horse battery staple"
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def password_hash() -> str:
    return hash_password(PASSWORD)


# --- hashing --------------------------------------------------------------------------
def test_hash_is_bcrypt_cost_12_and_not_the_password(password_hash):
    assert password_hash != PASSWORD
    assert PASSWORD not in password_hash
    assert password_hash.startswith("$2b$12$")
    assert len(password_hash) == 60


def test_each_hash_is_salted_differently(password_hash):
    assert hash_password(PASSWORD) != password_hash


def test_verify_right_and_wrong(password_hash):
    assert verify_password(PASSWORD, password_hash) is True
    assert verify_password(PASSWORD.upper(), password_hash) is False
    assert verify_password(PASSWORD + " ", password_hash) is False
    assert verify_password("", password_hash) is False


def test_verify_rejects_garbage_hashes_instead_of_crashing():
    assert verify_password(PASSWORD, "") is False
    assert verify_password(PASSWORD, "not-a-hash") is False
    assert verify_password(PASSWORD, PASSWORD) is False


def test_verify_never_accepts_a_password_beyond_the_bcrypt_limit(password_hash):
    # bcrypt would ignore everything after byte 72; such a password must simply fail.
    assert verify_password(PASSWORD + "x" * 80, password_hash) is False


@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("short", "use at least 12"),
        ("x" * 73, "bcrypt only reads 72 bytes"),
        ("é" * 40, "is 80 bytes long"),
        ("tab\tinside password", "control characters"),
        (" " * 14, "only spaces"),
    ],
)
def test_weak_or_unusable_passwords_are_refused_with_the_reason(password, fragment):
    with pytest.raises(PasswordError) as info:
        hash_password(password)
    assert fragment in str(info.value)


def test_password_problems_are_all_listed_at_once():
    with pytest.raises(PasswordError) as info:
        check_new_password("\t\t")
    message = str(info.value)
    assert "at least 12" in message and "control characters" in message


def test_exactly_72_bytes_is_accepted():
    pw = "a" * 72
    assert verify_password(pw, hash_password(pw))


def test_check_email():
    assert check_email("  Ana.Lopez@Example.ORG ") == "ana.lopez@example.org"
    with pytest.raises(ValueError, match="name@example.org"):
        check_email("ana at example")


# --- viewers and permissions ----------------------------------------------------------
def test_viewer_is_frozen_and_validated():
    viewer = Viewer(email="a@example.org", role="staff")
    with pytest.raises(FrozenInstanceError):
        viewer.role = "committee"  # type: ignore[misc]
    with pytest.raises(ValueError, match="role must be one of"):
        Viewer(email="a@example.org", role="admin")
    with pytest.raises(ValueError, match="needs a partner_id"):
        Viewer(email="a@example.org", role="partner")
    with pytest.raises(ValueError, match="only the partner role"):
        Viewer(email="a@example.org", role="staff", partner_id=3)
    assert PUBLIC.role == "public" and not PUBLIC.signed_in
    assert ROLES == ("public", "partner", "staff", "committee")


VIEWERS = {
    "public": PUBLIC,
    "partner": Viewer(email="p@example.org", role="partner", partner_id=1),
    "staff": Viewer(email="s@example.org", role="staff"),
    "committee": Viewer(email="c@example.org", role="committee"),
}

# role -> (all names, edit own partner 1, edit partner 2, create new, users, audit, consent)
MATRIX = {
    "public": (False, False, False, False, False, False, False),
    "partner": (True, True, False, False, False, False, False),
    "staff": (True, True, True, True, True, True, True),
    "committee": (True, False, False, False, False, False, False),
}


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(role):
    v = VIEWERS[role]
    got = (
        can_see_all_names(v),
        can_edit(v, partner_id=1),
        can_edit(v, partner_id=2),
        can_edit(v, partner_id=None),
        can_manage_users(v),
        can_see_audit(v),
        can_set_consent(v),
    )
    assert got == MATRIX[role]


@pytest.mark.parametrize("role", ROLES)
def test_approved_partners_are_visible_to_everyone(role):
    v = VIEWERS[role]
    assert can_see_partner(v, partner_public=True)
    assert can_see_partner(v, partner_public=False) == (role != "public")


# --- in-process throttle --------------------------------------------------------------
def test_throttle_blocks_after_limit_and_forgets_after_window():
    t = AttemptThrottle(limit=3, window=timedelta(minutes=15))
    for _ in range(2):
        t.fail("1.2.3.4", now=T0)
    assert not t.blocked("1.2.3.4", now=T0)
    t.fail("1.2.3.4", now=T0)
    assert t.blocked("1.2.3.4", now=T0)
    assert not t.blocked("5.6.7.8", now=T0)
    assert t.blocked("1.2.3.4", now=T0 + timedelta(minutes=14))
    assert not t.blocked("1.2.3.4", now=T0 + timedelta(minutes=15))


def test_throttle_stays_bounded():
    t = AttemptThrottle(limit=1, window=timedelta(minutes=15), max_keys=50)
    for i in range(500):
        t.fail(f"k{i}", now=T0)
    assert len(t._entries) <= 50
    assert t.blocked("k499", now=T0)


# --- sign-in against a real database --------------------------------------------------
@pytest.fixture(scope="module")
def quick_hash() -> str:
    """A genuine bcrypt hash at the lowest cost: sign-in logic does not depend on the
    cost (it is read from the hash), and the dozens of checks below stay quick."""
    import bcrypt

    return bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()


@pytest.fixture
def store(db_url, quick_hash):
    from geo.db import open_store

    password_hash = quick_hash
    s = open_store(db_url)
    pid = s.add_partner({"name": "Harbor Youth Alliance", "type": "nonprofit"},
                        actor="setup@example.org")
    s.users.add_user("staff@example.org", password_hash, "staff")
    s.users.add_user("Partner@Example.org", password_hash, "partner", partner_id=pid)
    s.users.add_user("committee@example.org", password_hash, "committee")
    s.partner_id = pid  # for the tests below
    yield s
    s.close()


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _fail(store, email, password="wrong password!", **kw) -> str:
    with pytest.raises(SignInError) as info:
        authenticate(store, email, password, **kw)
    return str(info.value)


def test_sign_in_returns_the_stored_role(store):
    viewer = authenticate(store, "  STAFF@example.org ", PASSWORD)
    assert viewer == Viewer(email="staff@example.org", role="staff")
    partner = authenticate(store, "partner@example.org", PASSWORD)
    assert partner == Viewer(email="partner@example.org", role="partner",
                             partner_id=store.partner_id)
    assert authenticate(store, "committee@example.org", PASSWORD).role == "committee"


def test_wrong_password_and_unknown_email_read_the_same(store):
    wrong = _fail(store, "staff@example.org")
    unknown = _fail(store, f"nobody-{uuid.uuid4().hex[:8]}@example.org")
    assert wrong == unknown == WRONG_CREDENTIALS_MESSAGE
    assert "staff@example.org" not in wrong and "exist" not in wrong.lower()


def test_missing_input_is_refused_before_any_lookup(store):
    msg = _fail(store, "", PASSWORD)
    assert msg == _fail(store, "staff@example.org", "") == auth.MISSING_CREDENTIALS_MESSAGE
    assert store.users.get_user("staff@example.org").failed_attempts == 0


def test_lockout_after_five_failures_survives_and_expires(store, db_url):
    messages = [_fail(store, "staff@example.org") for _ in range(MAX_FAILED_ATTEMPTS)]
    assert messages[:-1] == [WRONG_CREDENTIALS_MESSAGE] * (MAX_FAILED_ATTEMPTS - 1)
    assert messages[-1] == LOCKED_MESSAGE
    # Even the right password is refused while locked ...
    assert _fail(store, "staff@example.org", PASSWORD) == LOCKED_MESSAGE
    # ... and the lock is in the database: a new process (a new store) sees it too.
    from geo.db import open_store

    with open_store(db_url) as other:
        assert _fail(other, "staff@example.org", PASSWORD) == LOCKED_MESSAGE
        user = other.users.get_user("staff@example.org")
        assert user.failed_attempts == MAX_FAILED_ATTEMPTS  # locked tries are not counted
        assert user.locked_until > _now() + LOCK_DURATION - timedelta(minutes=1)
    # Other accounts are not affected.
    assert authenticate(store, "committee@example.org", PASSWORD).role == "committee"
    # After 15 minutes the right password works and clears the count and the lock.
    later = _now() + LOCK_DURATION + timedelta(seconds=5)
    assert authenticate(store, "staff@example.org", PASSWORD, now=later).role == "staff"
    user = store.users.get_user("staff@example.org")
    assert user.failed_attempts == 0 and user.locked_until is None


def test_success_resets_the_failure_count(store):
    for _ in range(MAX_FAILED_ATTEMPTS - 1):
        _fail(store, "staff@example.org")
    assert store.users.get_user("staff@example.org").failed_attempts == MAX_FAILED_ATTEMPTS - 1
    authenticate(store, "staff@example.org", PASSWORD)
    assert store.users.get_user("staff@example.org").failed_attempts == 0
    # A fresh run of four failures does not lock.
    assert {_fail(store, "staff@example.org") for _ in range(4)} == {WRONG_CREDENTIALS_MESSAGE}


def test_unknown_addresses_lock_like_real_ones(store):
    # Unknown addresses are counted per process: use one no other test run has used.
    address = f"nobody-{uuid.uuid4().hex[:8]}@example.org"
    messages = [_fail(store, address) for _ in range(MAX_FAILED_ATTEMPTS)]
    assert messages[-1] == LOCKED_MESSAGE
    assert messages[:-1] == [WRONG_CREDENTIALS_MESSAGE] * (MAX_FAILED_ATTEMPTS - 1)
    assert store.users.get_user(address) is None  # nothing stored


def test_client_throttle_stops_spraying_many_addresses(store):
    throttle = AttemptThrottle(limit=3, window=timedelta(minutes=15))
    for i in range(3):
        _fail(store, f"spray{i}@example.org", client="10.0.0.9", throttle=throttle)
    # Now even a right password from that client is refused; other clients are fine.
    assert _fail(store, "staff@example.org", PASSWORD, client="10.0.0.9",
                 throttle=throttle) == LOCKED_MESSAGE
    assert authenticate(store, "staff@example.org", PASSWORD, client="10.0.0.10",
                        throttle=throttle).role == "staff"


def test_single_sign_on_takes_the_role_from_the_users_table(store):
    assert viewer_from_oidc(store, "Staff@Example.org").role == "staff"
    partner = viewer_from_oidc(store, "partner@example.org")
    assert (partner.role, partner.partner_id) == ("partner", store.partner_id)
    stranger = viewer_from_oidc(store, "stranger@example.org")
    assert stranger == Viewer(email="stranger@example.org", role="public")
    assert not can_see_all_names(stranger)
    assert viewer_from_oidc(store, "") == PUBLIC
