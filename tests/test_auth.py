"""Passwords, sign-in with lockout against a real database, roles and permissions."""
from __future__ import annotations

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
