"""Who is looking: roles, passwords, sign-in with lockout, and what each role may do.

Roles (:data:`ROLES`)
    ``public``     not signed in; sees only partners that approved public listing.
    ``partner``    tied to one partner organisation; sees every name, edits its own records.
    ``staff``      sees and edits everything, sets consent, manages users, sees the audit.
    ``committee``  sees everything, edits nothing.

Where a role comes from
    A :class:`Viewer` is built **only** on the server, by :func:`authenticate` (built-in
    accounts), :func:`geo.session.viewer_from_token` (the signed session cookie of an
    earlier built-in sign-in, checked against the account) or :func:`viewer_from_oidc`
    (single sign-on), and kept in the server-side session. Nothing else taken from a
    URL, query string, cookie or form field may be passed to :class:`Viewer` or used
    to choose a role: pages read the Viewer from the session
    and otherwise treat the visitor as :data:`PUBLIC`. The permission checks below take
    that Viewer, so a crafted request can at most act as the public.

Passwords
    Stored only as bcrypt hashes with cost :data:`BCRYPT_ROUNDS` (12). bcrypt reads at
    most 72 bytes of a password and ignores the rest, so a longer password would have
    an unused tail that gives a false sense of strength; :func:`check_new_password`
    therefore refuses passwords over :data:`MAX_PASSWORD_BYTES` bytes of UTF-8 (about 72
    plain letters, fewer with accents or emoji) instead of silently truncating or
    pre-hashing them, and refuses passwords under :data:`MIN_PASSWORD_CHARS` characters.

Sign-in attempts (the lockout)
    Failures are counted in the database (:mod:`geo.db.signins`: shared by every server
    process, kept across restarts, never bumping the data version) under three keys:

    * the address **from one client** (``pair``): after :data:`MAX_FAILED_ATTEMPTS`
      failures in a row that client is held off that address for :data:`FIRST_LOCK`,
      and each further failure doubles the wait, up to :data:`LOCK_DURATION`;
    * the address **from every client** (``account``): the same backoff from
      :data:`ACCOUNT_FAILURE_LIMIT` failures, against guessing spread over many
      addresses;
    * the **client over every address** (``client``): the same backoff from
      :data:`CLIENT_FAILURE_LIMIT` failures, against one client trying many addresses.

    A count is forgotten :data:`FAILURE_MEMORY` after its last failure, and a correct
    password clears the address's counts (not the client's). Attempts during a lock
    are refused without being counted or checked. So a stranger cannot keep a staff
    account locked for its owner: a lock from their client holds only their client,
    until they control many clients. Addresses with and without an account go through
    exactly the same steps, store the same rows and get the same messages, and an
    unknown address costs one bcrypt check like a known one.

    A client is the address the connection comes from, or with
    ``PARTNERMAP_TRUSTED_PROXIES`` set the one the trusted proxies report in
    ``X-Forwarded-For`` (:func:`client_address`).
"""
from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import bcrypt

from geo.errors import PartnerMapError

ROLES: tuple[str, ...] = ("public", "partner", "staff", "committee")
# Roles an account can have; "public" is the absence of an account.
ACCOUNT_ROLES: tuple[str, ...] = ("partner", "staff", "committee")

BCRYPT_ROUNDS = 12
MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_BYTES = 72
MAX_FAILED_ATTEMPTS = 5  # one address from one client
ACCOUNT_FAILURE_LIMIT = 50  # one address from every client
CLIENT_FAILURE_LIMIT = 20  # one client over every address
FIRST_LOCK = timedelta(minutes=1)
LOCK_DURATION = timedelta(minutes=15)  # the longest lock
FAILURE_MEMORY = timedelta(hours=1)
UNKNOWN_CLIENT = "unknown"

WRONG_CREDENTIALS_MESSAGE = (
    "The e-mail address and password do not match an account. "
    "Check both and try again."
)
LOCKED_MESSAGE = (
    "Too many failed sign-in attempts. Wait a few minutes (at most 15) and try again, "
    "or ask coalition staff to reset your password."
)
MISSING_CREDENTIALS_MESSAGE = "Enter your e-mail address and your password."

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class SignInError(PartnerMapError):
    """Sign-in refused; ``str(error)`` is safe to show and says what to do next."""


class PasswordError(PartnerMapError, ValueError):
    """A new password is not acceptable; the message lists every problem."""


@dataclass(frozen=True)
class Viewer:
    """The person looking at the app, as established by the server.

    ``email`` is ``""`` for an anonymous visitor. ``partner_id`` is set for, and only
    for, the ``partner`` role. Build one with :func:`authenticate` or
    :func:`viewer_from_oidc`, never from request data (see the module docstring).
    """

    email: str
    role: str
    partner_id: int | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)} (got {self.role!r})")
        if self.role == "partner" and self.partner_id is None:
            raise ValueError("a viewer with the partner role needs a partner_id")
        if self.role != "partner" and self.partner_id is not None:
            raise ValueError(f"only the partner role has a partner_id (role {self.role!r})")

    @property
    def signed_in(self) -> bool:
        return bool(self.email)


PUBLIC = Viewer(email="", role="public")


# --- e-mail addresses and passwords ---------------------------------------------------
def normalize_email(email: str) -> str:
    """The form in which e-mail addresses are stored and compared: trimmed, lower case."""
    return str(email).strip().lower()


def check_email(email: str) -> str:
    """Return the normalised address, or raise :class:`ValueError` saying what is wrong."""
    normal = normalize_email(email)
    if not _EMAIL.match(normal):
        raise ValueError(
            f"{email!r} is not an e-mail address; write it as name@example.org"
        )
    return normal


def check_new_password(password: str) -> None:
    """Raise :class:`PasswordError` listing every reason ``password`` is unacceptable."""
    problems: list[str] = []
    if len(password) < MIN_PASSWORD_CHARS:
        problems.append(
            f"it has {len(password)} characters; use at least {MIN_PASSWORD_CHARS} "
            "(a few unrelated words make a strong, memorable password)"
        )
    size = len(password.encode("utf-8"))
    if size > MAX_PASSWORD_BYTES:
        problems.append(
            f"it is {size} bytes long; bcrypt only reads {MAX_PASSWORD_BYTES} bytes, "
            f"so use at most {MAX_PASSWORD_BYTES} plain letters (fewer with accents or emoji)"
        )
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in password):
        problems.append("it contains control characters (such as a tab or NUL); remove them")
    if password and not password.strip():
        problems.append("it is only spaces")
    if problems:
        raise PasswordError("Password refused: " + "; ".join(problems) + ".")


def hash_password(password: str) -> str:
    """Check ``password`` with :func:`check_new_password` and return its bcrypt hash."""
    check_new_password(password)
    salt = bcrypt.gensalt(rounds=BCRYPT_ROUNDS)
    return bcrypt.hashpw(password.encode("utf-8"), salt).decode("ascii")


def verify_password(password: str, password_hash: str) -> bool:
    """True when ``password`` matches ``password_hash``; False for anything malformed."""
    raw = password.encode("utf-8")
    if not raw or len(raw) > MAX_PASSWORD_BYTES or not password_hash:
        return False
    try:
        return bcrypt.checkpw(raw, password_hash.encode("ascii"))
    except ValueError:  # not a bcrypt hash
        return False


@cache
def _dummy_hash() -> bytes:
    """A hash to check against when there is no account, so timing reveals nothing."""
    return bcrypt.hashpw(b"no account has this password", bcrypt.gensalt(BCRYPT_ROUNDS))


def _spend_time_like_a_check(password: str) -> None:
    raw = password.encode("utf-8")[:MAX_PASSWORD_BYTES] or b"x"
    bcrypt.checkpw(raw, _dummy_hash())


# --- sign-in --------------------------------------------------------------------------
def _utc(value: Any) -> datetime | None:
    """A stored timestamp (datetime or ISO text, naive meaning UTC) as aware UTC."""
    if value is None or value == "":
        return None
    return _aware(value if isinstance(value, datetime) else datetime.fromisoformat(str(value)))


def _aware(when: datetime) -> datetime:
    """``when`` in UTC, a naive time taken as UTC."""
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def _now(now: datetime | None) -> datetime:
    return datetime.now(UTC) if now is None else _aware(now)


def _viewer_from_user(user: Any) -> Viewer:
    """The Viewer for a stored account (a :class:`geo.db.users.User`)."""
    partner_id = user.partner_id if user.role == "partner" else None
    return Viewer(
        email=normalize_email(user.email),
        role=user.role,
        partner_id=None if partner_id is None else int(partner_id),
    )


def lock_rule(limit: int) -> Callable[[int], timedelta | None]:
    """The lock earned by the ``failures``-th failure under a key whose limit is
    ``limit``: none before it, then :data:`FIRST_LOCK` doubling with each further
    failure, at most :data:`LOCK_DURATION`."""
    def rule(failures: int) -> timedelta | None:
        if failures < limit:
            return None
        return min(FIRST_LOCK * 2 ** min(failures - limit, 16), LOCK_DURATION)
    return rule


def client_address(peer: str | None, forwarded_for: str | None = None, *,
                   trusted_proxies: int = 0) -> str:
    """Who a request comes from, for the sign-in throttle.

    ``peer`` is the connection's address. Behind ``trusted_proxies`` reverse proxies
    that each append the address they saw to ``X-Forwarded-For`` (nginx:
    ``proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for``), the client is
    the ``trusted_proxies``-th address from the right; everything left of it was
    written by the client and is ignored. Without trusted proxies the header is
    ignored altogether (anyone can send it). Anything that is not an IP address
    gives the peer, or :data:`UNKNOWN_CLIENT`.
    """
    fallback = _ip(peer) or UNKNOWN_CLIENT
    if trusted_proxies <= 0 or not forwarded_for:
        return fallback
    hops = [hop.strip() for hop in str(forwarded_for).split(",") if hop.strip()]
    if not hops:
        return fallback
    return _ip(hops[-min(trusted_proxies, len(hops))]) or fallback


def _ip(text: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(str(text or "").strip().strip("[]")))
    except ValueError:
        return None


def authenticate(
    store: Any,
    email: str,
    password: str,
    *,
    now: datetime | None = None,
    client: str | None = None,
) -> Viewer:
    """Check a built-in account's password and return its :class:`Viewer`.

    ``store`` is a :class:`geo.db.Store`. Raises :class:`SignInError` with one of
    three messages that never say whether the address has an account: missing input
    (:data:`MISSING_CREDENTIALS_MESSAGE`), wrong e-mail or password
    (:data:`WRONG_CREDENTIALS_MESSAGE`) or held off (:data:`LOCKED_MESSAGE`); see the
    module docstring for the policy. ``now`` is the moment of the attempt (tests).
    ``client`` is the client's address (:func:`client_address`); ``None`` puts every
    caller in one :data:`UNKNOWN_CLIENT` bucket.
    """
    from geo.db.signins import account_key, client_key, pair_key

    moment = _now(now)
    address = normalize_email(email or "")
    if not address or not password:
        raise SignInError(MISSING_CREDENTIALS_MESSAGE)
    who = client or UNKNOWN_CLIENT
    rules = {
        pair_key(address, who): lock_rule(MAX_FAILED_ATTEMPTS),
        account_key(address): lock_rule(ACCOUNT_FAILURE_LIMIT),
        client_key(who): lock_rule(CLIENT_FAILURE_LIMIT),
    }
    buckets = store.sign_ins.read(rules, now=moment, forget_after=FAILURE_MEMORY)
    if any(bucket.locked(moment) for bucket in buckets.values()):
        _spend_time_like_a_check(password)  # attempts during a lock are not counted
        raise SignInError(LOCKED_MESSAGE)

    user = store.users.get_user(address)
    if user is None or not user.password_hash:
        _spend_time_like_a_check(password)
        right = False
    else:
        right = verify_password(password, user.password_hash)
    if right:
        try:
            viewer = _viewer_from_user(user)
        except ValueError:
            raise SignInError(
                "This account is not set up completely. Ask coalition staff to fix its "
                "role with `python -m geo users set-role`."
            ) from None
        if buckets:
            store.sign_ins.clear([pair_key(address, who), account_key(address)])
        return viewer

    counted = store.sign_ins.record_failure(rules, now=moment, forget_after=FAILURE_MEMORY)
    locked = any(bucket.locked(moment) for bucket in counted.values())
    raise SignInError(LOCKED_MESSAGE if locked else WRONG_CREDENTIALS_MESSAGE)


def sign_in_status(store: Any, email: str, *, now: datetime | None = None
                   ) -> tuple[int, datetime | None]:
    """(recent failed sign-ins of ``email`` from every client, end of the latest lock
    still running on it from any client, or None)."""
    address = normalize_email(email or "")
    return store.sign_ins.status([address], now=_now(now),
                                 forget_after=FAILURE_MEMORY)[address]


def viewer_from_oidc(store: Any, email: str) -> Viewer:
    """The :class:`Viewer` for a single-sign-on identity, matched to a user by e-mail.

    Pass only an address the identity provider has verified (``st.user.email`` after
    ``st.login``). An address with no user row gets the ``public`` role (still shown
    as signed in); the role always comes from the users table, never from the
    provider's claims.
    """
    address = normalize_email(email or "")
    if not address:
        return PUBLIC
    user = store.users.get_user(address)
    if user is None:
        return Viewer(email=address, role="public")
    try:
        return _viewer_from_user(user)
    except ValueError:  # a partner row without its partner: see no more than the public
        return Viewer(email=address, role="public")


# --- permissions ----------------------------------------------------------------------
def can_see_all_names(viewer: Viewer) -> bool:
    """Partners, staff and committee see every partner's name, website and contact."""
    return viewer.role in ("partner", "staff", "committee")


def can_see_partner(viewer: Viewer, *, partner_public: bool) -> bool:
    """Whether ``viewer`` may see the name, links and contact of one partner."""
    return bool(partner_public) or can_see_all_names(viewer)


def can_edit(viewer: Viewer, *, partner_id: int | None) -> bool:
    """Staff edit everything; a partner user only its own organisation's records.

    ``partner_id=None`` means a record not yet tied to a partner (e.g. a new partner):
    only staff may create those. Committee and public edit nothing.
    """
    if viewer.role == "staff":
        return True
    if viewer.role == "partner":
        return partner_id is not None and viewer.partner_id == int(partner_id)
    return False


def can_set_consent(viewer: Viewer) -> bool:
    """Only staff record a partner's approval (or withdrawal) of public listing."""
    return viewer.role == "staff"


def can_manage_users(viewer: Viewer) -> bool:
    """Only staff add, change and remove accounts."""
    return viewer.role == "staff"


def can_see_audit(viewer: Viewer) -> bool:
    """Only staff read the audit trail."""
    return viewer.role == "staff"


def can_manage_data(viewer: Viewer) -> bool:
    """Staff, and partner users tied to an organisation, import, edit and export."""
    if viewer.role == "staff":
        return True
    return viewer.role == "partner" and can_edit(viewer, partner_id=viewer.partner_id)


def can_write_all(viewer: Viewer, frames: Any) -> bool:
    """Whether ``viewer`` may write every record of ``frames`` (an import's
    :class:`geo.schema.Frames`): new partners only for staff, and sites and activities
    only for partners the viewer may edit (ids of partners the import creates, 0 or
    less, belong to those new partners)."""
    if not frames.partners.empty and not can_edit(viewer, partner_id=None):
        return False
    ids = {int(p) for column in (frames.sites["partner_id"], frames.activities["partner_id"])
           for p in column if int(p) > 0}
    return all(can_edit(viewer, partner_id=p) for p in ids)


def account_partner_problem(role: str, partner_id: int | None) -> str | None:
    """What is wrong with giving an account of ``role`` the partner ``partner_id``
    (only partner accounts belong to one, and they must), or None."""
    if role == "partner" and partner_id is None:
        return "A partner account needs its partner organization: pick one."
    if role != "partner" and partner_id is not None:
        return f"Only partner accounts belong to a partner; leave it empty for {role}."
    return None
