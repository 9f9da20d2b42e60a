"""The shared deployment in headless Chromium: PostgreSQL + PostGIS, two app processes
(``scripts/serve.py`` through ``tests.harness.Server``) and nginx in front with the
configuration ``scripts/deploy_local.sh`` uses (``scripts/nginx_conf.py``).

Each browser is pinned to a process by nginx's route cookie; the test picks cookie
values that nginx sends to process A and to process B (read back from the diagnostics
header), so it knows which process served which browser.
"""
from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from geo.auth import hash_password
from geo.db import open_store
from geo.sample import make_sample
from tests.harness import Nginx, Server, offline_page, wait_idle

STAFF_A = "staff.a@example.org"
STAFF_B = "staff.b@example.org"
PASSWORD = "correct horse battery staple"
NEW_PARTNER = "Riverbend Literacy Collaborative"


@dataclass
class Deployment:
    url: str
    a: Server
    b: Server
    nginx: Nginx
    route_a: str
    route_b: str
    database_url: str
    partners_before: int

    def logs(self) -> str:
        return (f"----- process A -----\n{self.a.log()}\n----- process B -----\n{self.b.log()}\n"
                f"{self.nginx.log()}")


@pytest.fixture(scope="module")
def deployment(pg_module_url, nginx_bin, tmp_path_factory) -> Iterator[Deployment]:
    tmp = tmp_path_factory.mktemp("deploy")
    store = open_store(pg_module_url)
    store.load_frames(make_sample(), actor="sample-data")
    for email in (STAFF_A, STAFF_B):
        store.users.add_user(email, hash_password(PASSWORD), "staff")
    partners_before = len(store.frames().partners)
    store.close()
    env = {"PARTNERMAP_SAMPLE_DATA": "0",  # as deploy_local.sh: one secret for all processes
           "STREAMLIT_SERVER_COOKIE_SECRET": "partnermap-test-" + "0" * 48}
    a = Server(tmp / "app_a.log", pg_module_url, env=env)
    b = Server(tmp / "app_b.log", pg_module_url, env=env)
    nginx = None
    try:
        a.wait_healthy()
        b.wait_healthy()
        nginx = Nginx(nginx_bin, [f"127.0.0.1:{a.port}", f"127.0.0.1:{b.port}"])
        nginx.wait_ready()
        routes: dict[int, str] = {}
        for i in range(200):
            port = int(nginx.upstream_for(f"route-{i}").rsplit(":", 1)[1])
            routes.setdefault(port, f"route-{i}")
            if len(routes) == 2:
                break
        assert set(routes) == {a.port, b.port}, f"nginx sent every route to {routes}"
        yield Deployment(nginx.url, a, b, nginx, routes[a.port], routes[b.port], pg_module_url,
                         partners_before)
    finally:
        if nginx is not None:
            nginx.stop()
        a.stop()
        b.stop()


@pytest.fixture
def show_logs(deployment: Deployment, request) -> Iterator[None]:  # noqa: ANN001
    yield
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        print(deployment.logs(), file=sys.stderr)


def _page_on(browser, deployment: Deployment, route: str):  # noqa: ANN001, ANN202
    page = offline_page(browser)
    page.context.add_cookies([{"name": deployment.nginx.route_cookie, "value": route,
                               "url": deployment.url}])
    return page


def _sign_in(page, email: str) -> None:  # noqa: ANN001
    page.get_by_text("Sign in", exact=True).first.click()
    page.get_by_role("textbox", name="E-mail").fill(email)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text(f"Signed in as {email}").wait_for(timeout=60_000)
    wait_idle(page)


def _search_partners(page, text: str) -> None:  # noqa: ANN001
    box = page.get_by_role("textbox", name="Search names, expertise and places")
    box.fill(text)
    box.press("Enter")


def test_a_write_through_one_process_shows_on_the_other_at_its_next_rerun(
        deployment, browser, show_logs):
    d = deployment
    page_a = _page_on(browser, d, d.route_a)
    page_b = _page_on(browser, d, d.route_b)
    try:
        # B: staff looking at the partner directory; the new partner is not there yet.
        page_b.goto(f"{d.url}/partners", wait_until="domcontentloaded")
        wait_idle(page_b)
        _sign_in(page_b, STAFF_B)
        _search_partners(page_b, NEW_PARTNER)
        page_b.get_by_text(f"0 of {d.partners_before:,} partners").wait_for(timeout=60_000)
        wait_idle(page_b)

        # A: another staff member adds the partner on the Data page.
        page_a.goto(f"{d.url}/data", wait_until="domcontentloaded")
        wait_idle(page_a)
        _sign_in(page_a, STAFF_A)
        page_a.get_by_text("Edit", exact=True).click()
        page_a.get_by_role("textbox", name="Name").wait_for(timeout=60_000)
        wait_idle(page_a)
        page_a.get_by_role("textbox", name="Name").fill(NEW_PARTNER)
        page_a.get_by_role("button", name="Add partner").click()
        page_a.get_by_text(f"Added the partner {NEW_PARTNER}.").wait_for(timeout=60_000)
        written = time.perf_counter()

        # B's next rerun (any interaction) shows it.
        _search_partners(page_b, NEW_PARTNER + " ")
        page_b.get_by_text(f"1 of {d.partners_before + 1:,} partners").wait_for(timeout=60_000)
        shown_s = time.perf_counter() - written
        print(f"\nwrite on process A -> shown on process B at its next rerun: {shown_s:.2f} s")
        # Each browser was served by its own process all along.
        assert d.nginx.upstream_for(d.route_a).endswith(f":{d.a.port}")
        assert d.nginx.upstream_for(d.route_b).endswith(f":{d.b.port}")
        assert not page_a.errors and not page_b.errors, (page_a.errors, page_b.errors)
    finally:
        page_a.context.close()
        page_b.context.close()


def test_stopping_one_process_leaves_the_other_serving_and_its_users_reconnect(
        deployment, browser, show_logs):
    d = deployment
    page = _page_on(browser, d, d.route_a)
    other = _page_on(browser, d, d.route_b)
    try:
        page.goto(f"{d.url}/partners", wait_until="domcontentloaded")
        wait_idle(page)
        other.goto(f"{d.url}/partners", wait_until="domcontentloaded")
        wait_idle(other)
        store = open_store(d.database_url, cache_dir=False)
        before = store.frames()
        version = store.data_version()
        store.close()

        with page.expect_websocket(timeout=120_000) as reconnect:
            d.a.stop()  # process A goes away under its users
        stopped = time.perf_counter()
        assert d.nginx.upstream_for(d.route_a).endswith(f":{d.b.port}")  # A's users go to B
        assert reconnect.value.url.startswith(d.url.replace("http", "ws"))
        # The browser that was on A reconnects by itself and its page is run again by B.
        page.get_by_role("heading", name="Partners").wait_for(timeout=120_000)
        wait_idle(page)
        assert page.get_attribute("[data-testid='stApp']", "data-test-connection-state") \
            == "CONNECTED"
        # Streamlit's page swallows the first widget change after reconnecting to a new
        # server process (the same happens when a single server restarts), so the user
        # reloads, as after any restart: the page from B then answers.
        page.reload(wait_until="domcontentloaded")
        wait_idle(page)
        _search_partners(page, "no partner is called this")
        page.get_by_text(re.compile(r"^0 of [\d,]+ partners match the filters")).wait_for(
            timeout=60_000)
        assert d.nginx.upstream_for(d.route_a).endswith(f":{d.b.port}")
        print(f"\nuser of the stopped process has a working page again after "
              f"{time.perf_counter() - stopped:.2f} s (reconnect + reload)")

        # The other process kept serving its own user all along.
        _search_partners(other, "literacy")
        other.get_by_text(re.compile(r"^\d+ of [\d,]+ partners match the filters")).wait_for(
            timeout=60_000)

        # Nothing lost: the database holds what it held.
        store = open_store(d.database_url, cache_dir=False)
        after = store.frames()
        assert store.data_version() == version
        store.close()
        for name in ("partners", "sites", "activities"):
            assert len(getattr(after, name)) == len(getattr(before, name))
        assert not page.errors and not other.errors, (page.errors, other.errors)
    finally:
        page.context.close()
        other.context.close()
