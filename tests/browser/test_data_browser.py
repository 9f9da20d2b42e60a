"""The Data page in a real browser: sign in as staff, upload a file, see the preview.

Uses the shared harness (``tests/harness.py``: the real app on a free port, offline
Chromium) with a database prepared beforehand: the sample dataset and a staff
account with a real bcrypt password, signed in through the sidebar form like a user.
The test also takes a screenshot (``data.png``, the page with a preview visible; see the
``shots_dir`` fixture).
"""
from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from geo.auth import hash_password
from geo.db import open_store
from geo.sample import make_sample
from tests.harness import IDLE, Server, offline_page, sign_in

EMAIL = "staff@example.org"
PASSWORD = "correct horse battery staple"
UPLOAD = (
    "Organization,School,Type of work,Principles,Status,Start date,Lat,Lon\n"
    "Brightpath Community Schools Alliance,Leon High School,implementation,Equity,active,"
    "2024-08-01,30.4456207,-84.2755025\n"
    "Brightpath Community Schools Alliance,Rickards High School,research,Family Engagement,"
    "planned,2025-02-30,30.4647,-84.2417\n"
    "Brightpath Community School Alliance,Godby High School,Funding,,active,2023-09-01,"
    "30.4800,-84.3300\n"
    "Brightpath Community Schools Alliance,Lincoln High School,advocacy,,active,"
    "2022-01-10,84.2,30.4\n"
)


@pytest.fixture(scope="module")
def staff_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    tmp = tmp_path_factory.mktemp("data_app")
    url = f"sqlite:///{tmp / 'partnermap.db'}"
    store = open_store(url)
    store.load_frames(make_sample(), actor="sample-data")
    store.users.add_user(EMAIL, hash_password(PASSWORD), "staff")
    store.close()
    server = Server(tmp / "streamlit.log", url)
    try:
        server.wait_healthy()
        yield server
    finally:
        server.stop()


def _idle(page) -> None:
    page.wait_for_selector(IDLE,
                           timeout=120_000)


def _sign_in_to_data(page, url: str) -> None:
    """Sign in as the staff account through the sidebar form and open the Data page."""
    sign_in(page, url, EMAIL, PASSWORD)
    page.get_by_role("link", name="Data").click()
    page.get_by_text("1. Start from the template").wait_for(timeout=60_000)
    _idle(page)


def test_staff_signs_in_uploads_and_sees_the_preview(staff_server, page, tmp_path, shots_dir):
    try:
        _sign_in_to_data(page, staff_server.url)
        upload = tmp_path / "schools.csv"
        upload.write_text(UPLOAD, encoding="utf-8")
        page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(
            str(upload))
        page.get_by_text("Partner names close to ones already stored").wait_for(
            timeout=120_000)
        _idle(page)
        page.get_by_text(re.compile("Use the existing partner")).first.click()
        page.get_by_text(re.compile(r"Every problem, by row")).wait_for(timeout=120_000)
        # The preview's last parts can arrive a moment after the table: wait for them
        # rather than read the page at one instant.
        page.get_by_text(re.compile("Import only the .* valid rows")).wait_for(timeout=60_000)
        _idle(page)
        body = page.locator("[data-testid='stMain']").inner_text()
        assert "Ready to import" in body and "Rejected" in body
        assert page.get_by_role("button", name=re.compile(r"Import \d+ row")).is_disabled()
        assert page.get_by_text(re.compile("Import only the .* valid rows")).is_visible()
        page.set_viewport_size({"width": 1400, "height": 1500})
        page.get_by_role("heading", name="Data").scroll_into_view_if_needed()
        _idle(page)
        page.screenshot(path=str(shots_dir / "data.png"))
        assert not page.errors, page.errors
        assert not page.blocked, page.blocked
    except Exception:
        print(f"\n----- streamlit server log -----\n{staff_server.log()}")
        raise


def _open_partner_form(page, partner: str, name: str) -> None:
    """Data → Edit → Partners, and the partner ``partner`` (its label in the picker),
    waiting until the form shows that partner (``name``): until the pick's rerun is done,
    the form on the page is the picker's first choice, "Add a new partner", which has an
    Expertise field too, and text typed into it is gone when the partner's form replaces
    it."""
    main = page.locator("[data-testid='stMain']")
    main.get_by_text("Edit", exact=True).click()
    picker = main.get_by_text("Partner to change")
    picker.wait_for(timeout=60_000)
    _idle(page)
    main.locator("[data-testid='stSelectbox']").filter(has_text="Partner to change").click()
    page.get_by_role("option", name=partner).click()
    _idle(page)
    # While the run for the pick draws the partner's form, the replaced form can still be
    # on the page for a moment (two Name fields): wait for the first one to hold the
    # partner's name, then for the run to end (the replaced form is gone by then).
    expect(main.get_by_label("Name", exact=True).first).to_have_value(name, timeout=60_000)
    _idle(page)


def test_two_staff_saving_the_same_partner_the_second_is_told_and_nothing_is_lost(
        staff_server, browser):
    """Two colleagues open the same partner; the first saves; the second's save is refused
    with who changed it, the first's text stays stored, the second's stays in the form."""
    with open_store(staff_server.database_url) as store:
        partner = store.frames().partners.sort_values("partner_id").iloc[0]
    label = f"{partner['name']} (partner {int(partner['partner_id'])})"
    first, second = offline_page(browser), offline_page(browser)
    try:
        for page in (first, second):
            _sign_in_to_data(page, staff_server.url)
            _open_partner_form(page, label, partner["name"])
        # Both forms are open on the same version of the record.
        for page, text in ((first, "Written by the first colleague"),
                           (second, "Written by the second colleague")):
            field = page.locator("[data-testid='stMain']").get_by_label("Expertise")
            # Typed, then Save clicked straight away, as most people do (no Ctrl+Enter):
            # leaving the field hands its text over on the way to the button.
            field.fill(text)
        first.get_by_role("button", name="Save changes").click()
        first.get_by_text(f"Saved {partner['name']}.").wait_for(timeout=60_000)
        second.get_by_role("button", name="Save changes").click()
        refusal = second.locator("[data-testid='stAlert']").filter(has_text="Not saved")
        refusal.wait_for(timeout=60_000)
        told = refusal.inner_text()
        assert "since you opened it" in told and EMAIL in told, told
        # The second colleague's text is still in the form, to copy or save again.
        field = second.locator("[data-testid='stMain']").get_by_label("Expertise")
        assert field.input_value() == "Written by the second colleague"
        with open_store(staff_server.database_url) as store:
            stored = store.frames().partners.set_index("partner_id")
        assert stored.loc[int(partner["partner_id"]), "expertise"] == \
            "Written by the first colleague"
        assert not first.errors and not second.errors, (first.errors, second.errors)
    except Exception:
        print(f"\n----- streamlit server log -----\n{staff_server.log()}")
        raise
    finally:
        first.context.close()
        second.context.close()
