"""The sidebar's sign-in and sign-out, and the session cookie they leave in the browser.

Setting the cookie: Streamlit 1.67 gives a script run no HTTP response to put a
``Set-Cookie`` header on (that would take a custom route, i.e. serving the app
through ``st.App``), so the run after a sign-in writes it with a one-line script
(``st.html(..., unsafe_allow_javascript=True)``): ``SameSite=Strict``, ``Secure`` on
https, expiring with the token; sign-out clears it the same way (and the moved
generation refuses it anyway). Being written by a script it cannot be ``HttpOnly``;
what stands in for that is the escaping of every user-written text
(:mod:`geo.safe`), the 12-hour life and the revocation (:mod:`pages._session`).
"""
from __future__ import annotations

import json

import streamlit as st

from geo import session as sessions
from geo.auth import SignInError, Viewer, authenticate
from pages import _run, _session
from pages._cache import store
from pages._session import COOKIE_ACTION_KEY, VIEWER_KEY


def sign_in_or_out(viewer: Viewer) -> None:
    """The signed-in account with a sign-out button, or the sign-in box; then the cookie
    the previous run asked for."""
    if viewer.signed_in:
        _signed_in_box(viewer)
    else:
        _sign_in_box()
    _write_session_cookie()


def _write_session_cookie() -> None:
    """Write (or clear) the session cookie asked for by the previous run, once."""
    action = st.session_state.pop(COOKIE_ACTION_KEY, None)
    if action is None:
        return
    name = json.dumps(sessions.COOKIE_NAME)
    value = json.dumps(str(action))  # a token is base64url and dots only
    max_age = int(sessions.SESSION_LIFETIME.total_seconds()) if action else 0
    st.html(
        "<script>(function(){var secure=location.protocol==='https:'?'; Secure':'';"
        f"document.cookie={name}+'='+{value}+'; Path=/; Max-Age={max_age}"
        "; SameSite=Strict'+secure;})();</script>",
        unsafe_allow_javascript=True,
    )


def _signed_in_box(viewer: Viewer) -> None:
    st.text(f"Signed in as {viewer.email}")
    if viewer.role == "public":
        st.caption("This address has no account with a role, so you see what the public "
                   "sees. Ask coalition staff to add it.")
    if st.button("Sign out", key="sign_out"):
        sign_out()


def sign_out() -> None:
    """Forget the signed-in viewer and everything this session kept (it may hold names
    the public must not see); end the account's signed sessions (every browser) and
    clear the session cookie; end a single sign-on too."""
    viewer = st.session_state.get(VIEWER_KEY)
    if isinstance(viewer, Viewer) and viewer.signed_in:
        store().users.end_sessions(viewer.email)
    for key in list(st.session_state):
        del st.session_state[key]
    _run.forget(VIEWER_KEY)
    st.session_state[COOKIE_ACTION_KEY] = ""
    if _session.sso_email():
        # st.logout() only queues the redirect to /auth/logout (identity cookie cleared,
        # then the provider's end-session page). A rerun now would clear that queue
        # before it reaches the browser, and the sign-out would be lost now and then:
        # end this run instead and let the redirect go out.
        st.logout()
        st.stop()
    st.rerun()


def _sign_in_box() -> None:
    with st.expander("Sign in", expanded=False):
        if _session.sso_configured() and st.button("Sign in with SSO", key="sign_in_sso"):
            st.login(_session.sso_provider())
        with st.form("sign_in_form", clear_on_submit=True, border=False):
            email = st.text_input("E-mail", key="sign_in_email", max_chars=254)
            password = st.text_input("Password", type="password", key="sign_in_password",
                                     max_chars=200)
            submitted = st.form_submit_button("Sign in", key="sign_in_submit")
        if submitted:
            try:
                viewer = authenticate(store(), email, password, client=_session.client())
            except SignInError as exc:
                st.error(str(exc))
                return
            _session.remember(viewer)
            token = sessions.token_for(store(), _session.session_key(), viewer)
            if token:
                st.session_state[COOKIE_ACTION_KEY] = token
            st.rerun()
