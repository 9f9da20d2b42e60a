"""Signed session tokens (geo.session): what keeps a built-in sign-in across a reload.

Against a real database on both back ends: a token comes back as its account's
viewer; a forged, altered, expired or future-dated token, one signed with another
key, and one issued before a password change, a role change, a sign-out or the
account's removal are all refused.
"""
from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import bcrypt
import pytest

from geo import session
from geo.auth import Viewer, authenticate
from geo.db import open_store
from geo.session import (
    SESSION_LIFETIME,
    issue_token,
    read_token,
    signing_key,
    token_for,
    viewer_from_token,
)

PASSWORD = "correct horse battery staple"
KEY = "k" * 40
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(db_url):
    s = open_store(db_url)
    s.add_partner({"name": "Harbor Youth Alliance", "type": "nonprofit"}, actor="t@x.org")
    quick = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    s.users.add_user("staff@example.org", quick, "staff")
    yield s
    s.close()


def _token(store, now=T0) -> str:
    viewer = authenticate(store, "staff@example.org", PASSWORD, now=now)
    token = token_for(store, KEY, viewer, now=now)
    assert token is not None
    return token


def test_a_token_brings_back_the_account_with_its_current_role(store):
    token = _token(store)
    assert viewer_from_token(store, KEY, token, now=T0 + timedelta(hours=1)) == Viewer(
        email="staff@example.org", role="staff")
    assert set(_payload(token)) == {"e", "g", "iat", "exp"}  # no role in the token


def _payload(token: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))


def _with_payload(token: str, **changes) -> str:
    body = {**_payload(token), **changes}
    raw = json.dumps(body, separators=(",", ":")).encode()
    version, _, signature = token.split(".")
    return f"{version}.{base64.urlsafe_b64encode(raw).rstrip(b'=').decode()}.{signature}"


def test_forged_and_tampered_tokens_are_refused(store):
    store.users.add_user("chair@example.org", "", "committee")
    token = _token(store)
    later = T0 + timedelta(minutes=5)
    forged = [
        _with_payload(token, e="chair@example.org"),          # another account
        _with_payload(token, exp=_payload(token)["exp"] + 10**6),  # a longer life
        _with_payload(token, g=_payload(token)["g"] + 1),     # a guessed generation
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # a bit of signature
        issue_token("another key of forty characters......", "staff@example.org", 0,
                    now=T0),                                  # signed with another key
        "v1." + token.split(".")[1] + ".",                    # no signature
        "v2" + token[2:],                                     # another version
        token + ".x", "", "v1..", "garbage", "é" * 50, "v1.é.é", "x" * 5000,
    ]
    for bad in forged:
        assert read_token(KEY, bad, now=later) is None, bad
        assert viewer_from_token(store, KEY, bad, now=later) is None, bad
    assert viewer_from_token(store, KEY, token, now=later) is not None


def test_expired_and_future_tokens_are_refused(store):
    token = _token(store)
    assert viewer_from_token(store, KEY, token, now=T0 + SESSION_LIFETIME
                             - timedelta(seconds=1)) is not None
    assert viewer_from_token(store, KEY, token, now=T0 + SESSION_LIFETIME) is None
    assert viewer_from_token(store, KEY, token, now=T0 - timedelta(hours=1)) is None


@pytest.mark.parametrize("change", ["password", "role", "sign_out", "removal"])
def test_account_changes_end_earlier_tokens(store, change):
    token = _token(store)
    if change == "password":
        store.users.set_password("staff@example.org", "$2b$04$another")
    elif change == "role":
        store.users.set_role("staff@example.org", "committee")
    elif change == "sign_out":
        store.users.end_sessions("staff@example.org")
    else:
        store.users.remove_user("staff@example.org")
    assert viewer_from_token(store, KEY, token, now=T0 + timedelta(minutes=1)) is None


def test_signing_key_is_configured_or_generated_once_per_database(store, db_url):
    assert signing_key(store, KEY) == KEY
    with pytest.raises(ValueError, match="at least 32"):
        signing_key(store, "short")
    generated = signing_key(store)
    assert len(generated) >= session.MIN_KEY_CHARS
    with open_store(db_url) as other_process:
        assert signing_key(other_process) == generated
