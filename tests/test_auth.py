"""Passwords, sign-in with lockout against a real database, roles and permissions."""
from __future__ import annotations

import uuid
from dataclasses import FrozenInstanceError
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from geo import auth
from geo.auth import (
    ACCOUNT_FAILURE_LIMIT,
    CLIENT_FAILURE_LIMIT,
    FAILURE_MEMORY,
    FIRST_LOCK,
    LOCK_DURATION,
    LOCKED_MESSAGE,
    MAX_FAILED_ATTEMPTS,
    PUBLIC,
    ROLES,
    WRONG_CREDENTIALS_MESSAGE,
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
    client_address,
    hash_password,
    lock_rule,
    sign_in_status,
    verify_password,
    viewer_from_oidc,
)

PASSWORD = "correct horse battery staple"
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


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


# --- the lock rule and the client address ---------------------------------------------
def test_lock_rule_backs_off_from_one_minute_to_fifteen():
    rule = lock_rule(5)
    assert [rule(n) for n in range(1, 5)] == [None] * 4
    assert [rule(n) for n in range(5, 11)] == [timedelta(minutes=m)
                                              for m in (1, 2, 4, 8, 15, 15)]
    assert rule(10_000) == LOCK_DURATION


def test_forwarded_for_is_trusted_only_when_configured():
    spoofed = "6.6.6.6, 203.0.113.7"  # the client wrote 6.6.6.6; nginx appended .7
    assert client_address("127.0.0.1", spoofed) == "127.0.0.1"  # no trusted proxy
    assert client_address("127.0.0.1", spoofed, trusted_proxies=1) == "203.0.113.7"
    assert client_address("127.0.0.1", "6.6.6.6, 198.51.100.2, 203.0.113.7",
                          trusted_proxies=2) == "198.51.100.2"
    assert client_address("127.0.0.1", "not-an-ip", trusted_proxies=1) == "127.0.0.1"
    assert client_address("10.0.0.5", "", trusted_proxies=1) == "10.0.0.5"
    assert client_address(None) == auth.UNKNOWN_CLIENT
    assert client_address("::1") == "::1"


# --- sign-in against a real database --------------------------------------------------
@pytest.fixture(scope="module")
def quick_hash() -> str:
    """A genuine bcrypt hash at the lowest cost: sign-in logic does not depend on the
    cost (it is read from the hash), and the dozens of checks below stay quick."""
    import bcrypt

    return bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()


@pytest.fixture(autouse=True)
def quick_dummy_check(monkeypatch, quick_hash):
    """Unknown addresses and attempts during a lock are checked against a dummy hash of
    the production cost, so they take as long as a real check; with the accounts here
    hashed at the lowest cost, the dummy gets that cost too (same timing, quick tests)."""
    monkeypatch.setattr(auth, "_dummy_hash", lambda: quick_hash.encode())


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
    return datetime.now(UTC)


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
    assert sign_in_status(store, "staff@example.org") == (0, None)


def test_lockout_after_five_failures_survives_and_expires(store, db_url):
    messages = [_fail(store, "staff@example.org", now=T0) for _ in range(MAX_FAILED_ATTEMPTS)]
    assert messages[:-1] == [WRONG_CREDENTIALS_MESSAGE] * (MAX_FAILED_ATTEMPTS - 1)
    assert messages[-1] == LOCKED_MESSAGE
    # Even the right password is refused while locked ...
    assert _fail(store, "staff@example.org", PASSWORD, now=T0) == LOCKED_MESSAGE
    # ... and the lock is in the database: a new process (a new store) sees it too.
    from geo.db import open_store

    with open_store(db_url) as other:
        assert _fail(other, "staff@example.org", PASSWORD, now=T0) == LOCKED_MESSAGE
        failures, locked_until = sign_in_status(other, "staff@example.org", now=T0)
        assert failures == MAX_FAILED_ATTEMPTS  # attempts during the lock are not counted
        assert locked_until == T0 + FIRST_LOCK
    # Other accounts are not affected.
    assert authenticate(store, "committee@example.org", PASSWORD, now=T0).role == "committee"
    # When the lock runs out the right password works and clears the count.
    later = T0 + FIRST_LOCK
    assert authenticate(store, "staff@example.org", PASSWORD, now=later).role == "staff"
    assert sign_in_status(store, "staff@example.org", now=later) == (0, None)


def test_locks_back_off_and_the_count_is_forgotten(store):
    for _ in range(MAX_FAILED_ATTEMPTS):
        _fail(store, "staff@example.org", now=T0)
    # Each wrong password after a lock runs out earns a lock twice as long ...
    at = T0
    for minutes in (1, 2, 4, 8, 15, 15):
        assert _fail(store, "staff@example.org", PASSWORD,
                     now=at + timedelta(minutes=minutes) - timedelta(seconds=1)) == LOCKED_MESSAGE
        at += timedelta(minutes=minutes)
        assert _fail(store, "staff@example.org", now=at) == LOCKED_MESSAGE
    # ... and an hour without failures forgets them all: five fresh tries again.
    quiet = at + FAILURE_MEMORY
    assert [_fail(store, "staff@example.org", now=quiet) for _ in range(4)] == [
        WRONG_CREDENTIALS_MESSAGE] * 4
    assert authenticate(store, "staff@example.org", PASSWORD, now=quiet).role == "staff"


def test_a_stranger_cannot_lock_the_owner_out(store):
    """A lock holds the client that earned it: the owner, elsewhere, still signs in."""
    for minute in range(0, 60, 15):  # keeps trying, once a quarter-hour and in bursts
        for _ in range(MAX_FAILED_ATTEMPTS):
            _fail(store, "staff@example.org", now=T0 + timedelta(minutes=minute),
                  client="198.51.100.66")
        assert _fail(store, "staff@example.org", PASSWORD, now=T0 + timedelta(minutes=minute),
                     client="198.51.100.66") == LOCKED_MESSAGE
        owner = authenticate(store, "staff@example.org", PASSWORD,
                             now=T0 + timedelta(minutes=minute), client="203.0.113.10")
        assert owner.role == "staff"


def test_many_clients_together_lock_the_address(store):
    """Guessing spread over many clients still meets a lock, from the 50th failure."""
    for i in range(ACCOUNT_FAILURE_LIMIT - 1):
        assert _fail(store, "staff@example.org", now=T0,
                     client=f"10.1.{i // 200}.{i % 200}") == WRONG_CREDENTIALS_MESSAGE
    assert _fail(store, "staff@example.org", now=T0, client="10.9.9.9") == LOCKED_MESSAGE
    assert _fail(store, "staff@example.org", PASSWORD, now=T0,
                 client="203.0.113.10") == LOCKED_MESSAGE
    assert authenticate(store, "staff@example.org", PASSWORD, now=T0 + FIRST_LOCK,
                        client="203.0.113.10").role == "staff"


def test_success_resets_the_failure_count(store):
    for _ in range(MAX_FAILED_ATTEMPTS - 1):
        _fail(store, "staff@example.org", now=T0)
    assert sign_in_status(store, "staff@example.org", now=T0)[0] == MAX_FAILED_ATTEMPTS - 1
    authenticate(store, "staff@example.org", PASSWORD, now=T0)
    assert sign_in_status(store, "staff@example.org", now=T0) == (0, None)
    # A fresh run of four failures does not lock.
    assert {_fail(store, "staff@example.org", now=T0) for _ in range(4)} == {
        WRONG_CREDENTIALS_MESSAGE}


def _story(store, address: str) -> list[str]:
    """Messages for one address through locks, their expiry and the backoff."""
    seen = [_fail(store, address, now=T0, client="192.0.2.1")
            for _ in range(MAX_FAILED_ATTEMPTS + 1)]
    for minutes in (1, 3, 7, 20, 80):  # after some locks ran out, or after quiet
        seen.append(_fail(store, address, now=T0 + timedelta(minutes=minutes),
                          client="192.0.2.1"))
    seen.append(_fail(store, address, now=T0 + timedelta(minutes=80), client="192.0.2.9"))
    return seen


def test_unknown_addresses_read_exactly_like_real_ones(store):
    real = _story(store, "staff@example.org")
    address = f"nobody-{uuid.uuid4().hex[:8]}@example.org"
    unknown = _story(store, address)
    assert unknown == real
    assert LOCKED_MESSAGE in real and WRONG_CREDENTIALS_MESSAGE in real
    assert store.users.get_user(address) is None  # no account was made
    when = T0 + timedelta(minutes=80)
    assert sign_in_status(store, address, now=when) == sign_in_status(
        store, "staff@example.org", now=when)


def test_client_throttle_stops_spraying_many_addresses_in_every_tab(store, db_url):
    from geo.db import open_store

    for i in range(CLIENT_FAILURE_LIMIT):
        _fail(store, f"spray{i}@example.org", now=T0, client="10.0.0.9")
    # Now even a right password from that client is refused, from a new tab or server
    # process as well (the count is in the database); other clients are fine.
    with open_store(db_url) as other:
        assert _fail(other, "staff@example.org", PASSWORD, now=T0,
                     client="10.0.0.9") == LOCKED_MESSAGE
    assert authenticate(store, "staff@example.org", PASSWORD, now=T0,
                        client="10.0.0.10").role == "staff"


def test_failed_sign_ins_leave_the_data_version_alone(store):
    version, stamp = store.data_version(), store.data_stamp()
    for _ in range(MAX_FAILED_ATTEMPTS + 2):
        _fail(store, "staff@example.org", now=T0)
        _fail(store, "nobody@example.org", now=T0)
    authenticate(store, "committee@example.org", PASSWORD, now=T0)
    assert (store.data_version(), store.data_stamp()) == (version, stamp)


def test_single_sign_on_takes_the_role_from_the_users_table(store):
    assert viewer_from_oidc(store, "Staff@Example.org").role == "staff"
    partner = viewer_from_oidc(store, "partner@example.org")
    assert (partner.role, partner.partner_id) == ("partner", store.partner_id)
    stranger = viewer_from_oidc(store, "stranger@example.org")
    assert stranger == Viewer(email="stranger@example.org", role="public")
    assert not can_see_all_names(stranger)
    assert viewer_from_oidc(store, "") == PUBLIC


def test_who_manages_data():
    assert auth.can_manage_data(Viewer(email="s@x.org", role="staff"))
    assert auth.can_manage_data(Viewer(email="p@x.org", role="partner", partner_id=3))
    assert not auth.can_manage_data(Viewer(email="c@x.org", role="committee"))
    assert not auth.can_manage_data(PUBLIC)


def test_an_import_writes_only_what_the_viewer_may_edit():
    from geo.schema import Frames

    def frames(partners: int, site_owners: list[int], activity_owners: list[int]) -> Frames:
        return Frames(pd.DataFrame({"partner_id": range(-partners, 0)}),
                      pd.DataFrame({"partner_id": site_owners}),
                      pd.DataFrame({"partner_id": activity_owners}))

    staff = Viewer(email="s@x.org", role="staff")
    partner = Viewer(email="p@x.org", role="partner", partner_id=3)
    assert auth.can_write_all(staff, frames(1, [-1, 3], [4]))
    assert auth.can_write_all(partner, frames(0, [3], [3]))
    assert not auth.can_write_all(partner, frames(0, [3], [4]))
    assert not auth.can_write_all(partner, frames(1, [-1], []))  # a new partner: staff only


def test_only_partner_accounts_belong_to_a_partner():
    assert auth.account_partner_problem("partner", 3) is None
    assert auth.account_partner_problem("staff", None) is None
    assert "needs its partner" in str(auth.account_partner_problem("partner", None))
    assert "leave it empty for staff" in str(auth.account_partner_problem("staff", 3))
