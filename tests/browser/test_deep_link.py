"""A shared link is the first thing a freshly started server is asked for.

Streamlit runs a script from ``pages/`` in its legacy multipage mode when that is the
first request a server sees (no router, no wide layout, every helper module in the
menu). ``pages/_ui.py`` leaves that mode; this module has a server of its own, so the
link below is its very first request.
"""
from __future__ import annotations

from playwright.sync_api import expect

from tests.harness import IDLE

MENU = ["Map", "Scan a place", "Overlaps", "Coverage", "Partners", "Data", "Admin"]


def test_link_as_first_request_opens_the_page_in_the_app(page, app_url):
    page.goto(f"{app_url}/scan?radius=7")
    page.wait_for_selector(IDLE, timeout=120_000)
    page.get_by_role("heading", name="Scan a place").wait_for(timeout=60_000)

    nav = page.locator("[data-testid='stSidebarNav'] a")
    assert [t.strip() for t in nav.all_inner_texts()] == MENU
    # The widget's value arrives with the script's messages: wait for it, as a user would
    # see it, instead of reading the field at the instant it is first drawn.
    expect(page.get_by_role("spinbutton", name="Radius (miles)")).to_have_value("7", timeout=30_000)
    assert page.url.endswith("/scan?radius=7")
