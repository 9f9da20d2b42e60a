"""Signing in with a built-in account in a real browser: the sign-in survives a reload.

The real app (``scripts/serve.py``) on a fresh SQLite database with one staff account,
in headless Chromium. Signing in through the sidebar form writes the signed session
cookie; a reload (a new Streamlit session), or a second tab, is still signed in as
staff. Signing out clears the cookie, and the old token, put back into the browser,
no longer signs anyone in (its session generation moved). A token with a changed
address or signature, in a browser of its own, leaves the visitor public.
"""
from __future__ import annotations

import base64
import json
import sys
from collections.abc import Iterator

import pytest

from geo import auth
from geo.db import open_store
from geo.session import COOKIE_NAME
from tests.harness import IDLE, sign_in, viewing_as

STAFF = "staff@coalition.example.org"
COMMITTEE = "chair@coalition.example.org"
PASSWORD = "correct horse battery staple"
HAS_COOKIE = f"() => document.cookie.split('; ').some(c => c.startsWith('{COOKIE_NAME}='))"


def _harness():
    """The shared browser-test harness (tests/harness.py), for its Server."""
    from tests import harness

    return harness


@pytest.fixture(scope="module")
def signin_url(tmp_path_factory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("signin")
    url = f"sqlite:///{tmp / 'partnermap.db'}"
    with open_store(url) as store:
        store.users.add_user(STAFF, auth.hash_password(PASSWORD), "staff")
        store.users.add_user(COMMITTEE, auth.hash_password(PASSWORD), "committee")
    server = _harness().Server(tmp / "streamlit.log", url)
    try:
        server.wait_healthy()
        yield server.url
    except BaseException:
        print(server.log(), file=sys.stderr)
        raise
    finally:
        server.stop()


def _open(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(IDLE, timeout=180_000)


def _token(context) -> str:
    found = [c for c in context.cookies() if c["name"] == COOKIE_NAME]
    assert len(found) == 1, context.cookies()
    return found[0]["value"]


def test_a_sign_in_survives_a_reload_and_a_second_tab_until_sign_out(page, signin_url):
    sign_in(page, signin_url, STAFF, PASSWORD)
    viewing_as(page, "staff")
    page.wait_for_function(HAS_COOKIE, timeout=30_000)
    cookie = next(c for c in page.context.cookies() if c["name"] == COOKIE_NAME)
    assert cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert cookie["expires"] > 0  # expires with the token, not kept forever
    token = cookie["value"]

    page.reload()
    page.wait_for_selector(IDLE, timeout=180_000)
    viewing_as(page, "staff")
    page.wait_for_selector(f"text=Signed in as {STAFF}", timeout=60_000)

    second = page.context.new_page()
    _open(second, f"{signin_url}/admin")
    viewing_as(second, "staff")
    second.get_by_text("Add an account").first.wait_for(timeout=60_000)  # staff-only page
    second.close()

    page.locator("[data-testid='stSidebar']").get_by_role("button", name="Sign out").click()
    viewing_as(page, "public")
    page.wait_for_function(f"() => !({HAS_COOKIE})()", timeout=30_000)
    page.reload()
    page.wait_for_selector(IDLE, timeout=180_000)
    viewing_as(page, "public")

    # The token from before the sign-out, put back, signs nobody in any more.
    page.context.add_cookies([{"name": COOKIE_NAME, "value": token,
                               "url": signin_url + "/"}])
    page.reload()
    page.wait_for_selector(IDLE, timeout=180_000)
    viewing_as(page, "public")


def _tampered(token: str) -> list[str]:
    version, payload, signature = token.split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=="))
    other = base64.urlsafe_b64encode(json.dumps({**body, "e": COMMITTEE}).encode()
                                     ).rstrip(b"=").decode()
    flipped = signature[:-3] + ("AAA" if not signature.endswith("AAA") else "BBB")
    return [f"{version}.{other}.{signature}", f"{version}.{payload}.{flipped}",
            f"{version}.{payload}."]


def test_a_forged_or_tampered_cookie_leaves_the_visitor_public(page, browser, signin_url):
    sign_in(page, signin_url, STAFF, PASSWORD)
    page.wait_for_function(HAS_COOKIE, timeout=30_000)
    token = _token(page.context)
    for bad in _tampered(token):
        context = browser.new_context()
        context.add_cookies([{"name": COOKIE_NAME, "value": bad, "url": signin_url + "/"}])
        other = context.new_page()
        _open(other, signin_url)
        viewing_as(other, "public")
        context.close()
    # The genuine token, alone in a fresh browser, is the staff sign-in.
    context = browser.new_context()
    context.add_cookies([{"name": COOKIE_NAME, "value": token, "url": signin_url + "/"}])
    other = context.new_page()
    _open(other, signin_url)
    viewing_as(other, "staff")
    context.close()
