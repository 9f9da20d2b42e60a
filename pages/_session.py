"""Who is looking: the viewer of this session, established only by the server.

The sidebar's sign-in form (built-in accounts, :func:`geo.auth.authenticate`, drawn by
:mod:`pages._signin`) stores a :class:`geo.auth.Viewer` and its account's session
generation in ``st.session_state`` and hands the browser a signed session token
(:mod:`geo.session`) in the cookie ``partnermap_session``, so that a reload (a new
Streamlit session) signs the same account in again; single sign-on (``st.login``, when
``.streamlit/secrets.toml`` has an ``[auth]`` section) is mapped by the provider's
e-mail through :func:`geo.auth.viewer_from_oidc`. Every run looks the account up
again: a removed account, a new password or role, or a sign-out elsewhere (each moves
the account's session generation) ends the sign-in on the next click. Nothing from
the URL or a form field other than the password check can choose a role, and the
cookie only counts when its signature, expiry and generation check out.
"""
from __future__ import annotations

from typing import Any

import streamlit as st

from geo import session as sessions
from geo.auth import PUBLIC, Viewer, client_address, viewer_from_oidc
from pages import _cache, _run
from pages._cache import settings, store

VIEWER_KEY = "viewer"
GENERATION_KEY = "viewer_session_generation"
COOKIE_ACTION_KEY = "session_cookie_action"  # a token to write, or "" to clear


def client() -> str:
    """The client's address for the sign-in throttle (see :func:`geo.auth.client_address`)."""
    headers = st.context.headers
    return client_address(st.context.ip_address, headers.get("X-Forwarded-For"),
                          trusted_proxies=settings().trusted_proxies)


@st.cache_resource(max_entries=4, show_spinner=False)
def _signing_key(database_url: str, configured: str) -> str:
    return sessions.signing_key(_cache._store(database_url, settings().sample_data), configured)


def session_key() -> str:
    """The key that signs session tokens: PARTNERMAP_SECRET_KEY, else ``secret_key`` in
    the secrets, else the one generated in the database."""
    configured = settings().secret_key
    if not configured:
        try:
            configured = str(st.secrets.get("secret_key", "") or "")
        except FileNotFoundError:
            configured = ""
    return _signing_key(settings().database_url, configured)


def _auth_section() -> Any:
    """The ``[auth]`` section of the secrets, or None when single sign-on is not set up."""
    try:
        return st.secrets["auth"] if "auth" in st.secrets else None
    except FileNotFoundError:  # no secrets.toml at all
        return None


def sso_configured() -> bool:
    """True when ``.streamlit/secrets.toml`` configures Streamlit's OpenID Connect login."""
    return _auth_section() is not None


def sso_provider() -> str | None:
    """The provider to pass to ``st.login``: None for settings directly under ``[auth]``,
    else the first ``[auth.NAME]`` table."""
    section = _auth_section()
    if section is None or "client_id" in section:
        return None
    for name in section:
        if hasattr(section[name], "keys"):
            return str(name)
    return None


def sso_email() -> str | None:
    """The provider-verified e-mail of a single-sign-on user, or None."""
    if not sso_configured():
        return None
    user = st.user
    if not user.get("is_logged_in", False):
        return None
    if user.get("email_verified") is False:  # the provider says it did not check it
        return None
    email = user.get("email")
    return str(email) if email else None


def current_viewer() -> Viewer:
    """Who is looking, as established by the server; :data:`geo.auth.PUBLIC` if nobody.
    Worked out once per run (:mod:`pages._run`); a sign-in or sign-out in the run
    forgets it.

    A built-in sign-in (from the form in this session, or from the signed session
    cookie after a reload) is checked against the users table on every run: a removed
    account, or a moved session generation (new password or role, sign-out elsewhere),
    falls back to the public. Otherwise a single-sign-on identity is matched by
    e-mail to its account.
    """
    return _run.once(VIEWER_KEY, _current_viewer)


def _current_viewer() -> Viewer:
    viewer = st.session_state.get(VIEWER_KEY)
    if isinstance(viewer, Viewer) and viewer.signed_in:
        user = store().users.get_user(viewer.email)
        generation = st.session_state.get(GENERATION_KEY)
        fresh = viewer_from_oidc(store(), viewer.email) if user is not None else PUBLIC
        if fresh.role == "public" or (generation is not None
                                      and user.session_generation != generation):
            _forget_sign_in()
            return PUBLIC
        if fresh != viewer:
            st.session_state[VIEWER_KEY] = fresh
        return fresh
    restored = _viewer_from_cookie()
    if restored is not None:
        return restored
    email = sso_email()
    if email:
        return viewer_from_oidc(store(), email)
    return PUBLIC


def remember(viewer: Viewer) -> None:
    """Keep ``viewer`` (just signed in) and its account's session generation."""
    user = store().users.get_user(viewer.email)
    _run.forget(VIEWER_KEY)
    st.session_state[VIEWER_KEY] = viewer
    st.session_state[GENERATION_KEY] = user.session_generation if user else -1


def _forget_sign_in() -> None:
    _run.forget(VIEWER_KEY)
    for key in (VIEWER_KEY, GENERATION_KEY):
        st.session_state.pop(key, None)


def _viewer_from_cookie() -> Viewer | None:
    """The account of a valid session cookie (a reload after a built-in sign-in)."""
    token = st.context.cookies.get(sessions.COOKIE_NAME)
    if not token:
        return None
    viewer = sessions.viewer_from_token(store(), session_key(), token)
    if viewer is None:
        return None
    remember(viewer)
    return viewer


def viewer_role() -> str:
    """The current viewer's role: ``public`` unless the server put a signed-in
    :class:`geo.auth.Viewer` in the session (nothing from URLs or forms is trusted)."""
    return current_viewer().role
