"""Signed session tokens: a built-in sign-in that survives a page reload.

After a correct password the app gives the browser a token (kept in the cookie
:data:`COOKIE_NAME`) and, when a new browser session starts without a signed-in
viewer, :func:`viewer_from_token` turns the token back into a
:class:`geo.auth.Viewer`. A token is::

    v1.<payload>.<signature>       (both parts base64url, no padding)

where the payload is the JSON ``{"e": address, "g": session generation, "iat": issued,
"exp": expires}`` (seconds since 1970, UTC) and the signature its HMAC-SHA256 under the
server's key. A token is accepted only when its signature matches (compared in
constant time), it has not expired, it was not issued in the future, the account
still exists and its ``session_generation`` (``geo.db.users``) is still the one in the
token. So nothing in the browser can make or alter a token, a token dies after
:data:`SESSION_LIFETIME`, and a new password, a new role, removing the account or
signing out (all of which bump or drop the generation) end every token issued before.
The role itself is never in the token: it is read from the users table on every use.

The key (:func:`signing_key`) is ``PARTNERMAP_SECRET_KEY``, else the ``secret_key``
of ``.streamlit/secrets.toml`` (the UI passes it in), else one generated once and kept
in the database, so every app process on that database shares it.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from geo.auth import Viewer, _viewer_from_user, normalize_email

COOKIE_NAME = "partnermap_session"
SESSION_LIFETIME = timedelta(hours=12)
MIN_KEY_CHARS = 32
_VERSION = "v1"
_KEY_NAME = "session_signing_key"
_MAX_TOKEN_CHARS = 2048


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(key: str, payload: str) -> str:
    mac = hmac.new(key.encode("utf-8"), f"{_VERSION}.{payload}".encode("ascii"),
                   hashlib.sha256)
    return _b64(mac.digest())


def signing_key(store: Any, configured: str = "") -> str:
    """The key that signs tokens: ``configured`` (from the environment or secrets) if
    given, else the one kept in the database (generated there on first use)."""
    if configured:
        if len(configured) < MIN_KEY_CHARS:
            raise ValueError(
                f"the session signing key has {len(configured)} characters; use at least "
                f"{MIN_KEY_CHARS}, e.g. from: python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'"
            )
        return configured
    return store.generated_secret(_KEY_NAME, lambda: secrets.token_urlsafe(48))


def issue_token(key: str, email: str, generation: int, *, now: datetime | None = None,
                lifetime: timedelta = SESSION_LIFETIME) -> str:
    """A signed token for ``email`` under its account's session ``generation``."""
    moment = now or datetime.now(UTC)
    issued = int(moment.timestamp())
    body = {"e": normalize_email(email), "g": int(generation), "iat": issued,
            "exp": issued + int(lifetime.total_seconds())}
    payload = _b64(json.dumps(body, separators=(",", ":"), sort_keys=True).encode("utf-8"))
    return f"{_VERSION}.{payload}.{_sign(key, payload)}"


def read_token(key: str, token: str, *, now: datetime | None = None
               ) -> tuple[str, int] | None:
    """``(address, generation)`` of a genuine, unexpired token; ``None`` for anything
    else (forged, altered, expired, malformed). Says nothing about the account."""
    if not isinstance(token, str) or not token or len(token) > _MAX_TOKEN_CHARS:
        return None
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != _VERSION:
        return None
    _, payload, signature = parts
    try:
        expected = _sign(key, payload)
    except (UnicodeEncodeError, ValueError):
        return None
    if not hmac.compare_digest(expected.encode("ascii"),
                               signature.encode("ascii", errors="replace")):
        return None
    try:
        body = json.loads(_unb64(payload))
        address, generation = str(body["e"]), int(body["g"])
        issued, expires = int(body["iat"]), int(body["exp"])
    except (binascii.Error, ValueError, KeyError, TypeError):
        return None
    moment = int((now or datetime.now(UTC)).timestamp())
    if not address or moment >= expires or issued > moment + 60:
        return None
    return address, generation


def viewer_from_token(store: Any, key: str, token: str, *, now: datetime | None = None
                      ) -> Viewer | None:
    """The :class:`Viewer` a token stands for, or ``None`` if it does not stand for
    anyone any more (see the module docstring for every check)."""
    found = read_token(key, token, now=now)
    if found is None:
        return None
    address, generation = found
    user = store.users.get_user(address)
    if user is None or user.session_generation != generation:
        return None
    try:
        return _viewer_from_user(user)
    except ValueError:  # a partner account without its partner
        return None


def token_for(store: Any, key: str, viewer: Viewer, *, now: datetime | None = None
              ) -> str | None:
    """A fresh token for a viewer just signed in with a password (None: no account)."""
    user = store.users.get_user(viewer.email)
    if user is None:
        return None
    return issue_token(key, user.email, user.session_generation, now=now)
