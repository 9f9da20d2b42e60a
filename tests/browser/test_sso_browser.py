"""Single sign-on in a real browser, through a real OpenID Connect provider.

The provider is ``oidc-provider-mock`` (a Flask + Authlib OpenID Connect server made
for tests), served on 127.0.0.1 from this test process; it knows one user, whose
e-mail is the address of a staff account in the app's database and which it marks as
verified. The app runs as usual (``scripts/serve.py``) with its own secrets file
(Streamlit's ``--secrets.files`` option) whose ``[auth]`` section points at that
provider. In headless Chromium the visitor presses "Sign in with SSO", picks the user
on the provider's page, comes back to the app signed in with the staff role the
users table gives that address, and signs out again (through the provider's
end-session page). Nothing leaves 127.0.0.1.
"""
from __future__ import annotations

import secrets
import sys
import threading
from collections.abc import Iterator

import pytest

from geo import auth
from geo.db import open_store
from tests.harness import IDLE, viewing_as

STAFF = "director@coalition.example.org"
SUBJECT = "director-subject-1"


def _harness():
    """The shared browser-test harness (tests/harness.py), for its Server."""
    from tests import harness

    return harness


@pytest.fixture(scope="module")
def provider_url() -> Iterator[str]:
    """A real OpenID Connect provider on 127.0.0.1 (plain http, so Authlib is told to
    accept that: AUTHLIB_INSECURE_TRANSPORT, for this test process only)."""
    import os

    import werkzeug.serving
    from oidc_provider_mock import User, app

    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
    provider = app(user_claims=[User(sub=SUBJECT, claims={
        "email": STAFF, "email_verified": True, "name": "Director"})])
    server = werkzeug.serving.make_server("127.0.0.1", 0, provider, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()
        os.environ.pop("AUTHLIB_INSECURE_TRANSPORT", None)


@pytest.fixture(scope="module")
def sso_url(tmp_path_factory, provider_url) -> Iterator[str]:
    harness = _harness()
    tmp = tmp_path_factory.mktemp("sso")
    url = f"sqlite:///{tmp / 'partnermap.db'}"
    with open_store(url) as store:  # the account the provider's e-mail maps to
        store.users.add_user(STAFF, auth.hash_password(secrets.token_urlsafe(24)), "staff")
    port = harness.free_port()
    secrets_file = tmp / "secrets.toml"
    secrets_file.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_urlsafe(32)}"\n'
        'client_id = "partner-map-test"\n'
        f'client_secret = "{secrets.token_urlsafe(16)}"\n'
        f'server_metadata_url = "{provider_url}/.well-known/openid-configuration"\n',
        encoding="utf-8")
    server = harness.Server(tmp / "streamlit.log", url, port=port,
                            extra_args=("--secrets.files", str(secrets_file)),
                            env={"AUTHLIB_INSECURE_TRANSPORT": "1"})
    try:
        server.wait_healthy()
        yield server.url
    except BaseException:
        print(server.log(), file=sys.stderr)
        raise
    finally:
        server.stop()


def test_sign_in_through_openid_connect_gives_the_accounts_role(page, sso_url, provider_url):
    page.goto(sso_url)
    page.wait_for_selector(IDLE, timeout=180_000)
    viewing_as(page, "public")
    sidebar = page.locator("[data-testid='stSidebar']")
    sidebar.get_by_text("Sign in", exact=True).first.click()
    sidebar.get_by_role("button", name="Sign in with SSO").click()

    # The provider's own page: pick the user it knows.
    page.wait_for_url(f"{provider_url}/oauth2/authorize**", timeout=60_000)
    page.get_by_role("button", name=SUBJECT).click()

    # Back in the app, signed in with the role the users table gives that e-mail.
    page.wait_for_url(f"{sso_url}/**", timeout=60_000)
    page.wait_for_selector(IDLE, timeout=180_000)
    viewing_as(page, "staff")
    page.wait_for_selector(f"text=Signed in as {STAFF}", timeout=60_000)
    page.goto(f"{sso_url}/admin")
    page.wait_for_selector(IDLE, timeout=180_000)
    page.get_by_text("Add an account").first.wait_for(timeout=60_000)  # staff only

    # Sign out: the app ends the provider's session too, then shows the public view.
    page.locator("[data-testid='stSidebar']").get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{provider_url}/oauth2/end_session**", timeout=60_000)
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(f"{sso_url}/**", timeout=60_000)
    page.wait_for_selector(IDLE, timeout=180_000)
    viewing_as(page, "public")
    page.reload()
    page.wait_for_selector(IDLE, timeout=180_000)
    viewing_as(page, "public")
    # Nothing tried to leave 127.0.0.1 except the provider's page for its stylesheet
    # (the mock links Pico CSS from a CDN; blocked, the page works unstyled).
    assert all(url.startswith("https://cdn.jsdelivr.net/npm/@picocss/")
               for url in page.blocked), page.blocked
