"""The Data page in a real browser: sign in as staff, upload a file, see the preview.

Uses the harness of ``conftest.py`` (the real ``streamlit run app.py`` on a free port,
offline Chromium) with a database prepared beforehand: the sample dataset and a staff
account with a real bcrypt password, signed in through the sidebar form like a user.
The test also takes a screenshot (``data.png``, the page with a preview visible; see the
``shots_dir`` fixture).
"""
from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from geo.auth import hash_password
from geo.db import open_store
from geo.sample import make_sample

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


def _harness():
    """tests/browser/conftest.py as a module, for its ``Server`` (shared module name
    with the other browser tests that load it the same way)."""
    name = "partnermap_browser_harness"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(
            "conftest.py"))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        sys.modules[name] = module
    return sys.modules[name]


@pytest.fixture(scope="module")
def staff_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    tmp = tmp_path_factory.mktemp("data_app")
    url = f"sqlite:///{tmp / 'partnermap.db'}"
    store = open_store(url)
    store.load_frames(make_sample(), actor="sample-data")
    store.users.add_user(EMAIL, hash_password(PASSWORD), "staff")
    store.close()
    server = _harness().Server(tmp / "streamlit.log", url)
    try:
        server.wait_healthy()
        yield server
    finally:
        server.stop()


def _idle(page) -> None:
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']",
                           timeout=120_000)


def test_staff_signs_in_uploads_and_sees_the_preview(staff_server, page, tmp_path, shots_dir):
    try:
        page.goto(staff_server.url, wait_until="domcontentloaded")
        _idle(page)
        page.get_by_text("Sign in", exact=True).first.click()
        page.get_by_role("textbox", name="E-mail").fill(EMAIL)
        page.get_by_role("textbox", name="Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_text(f"Signed in as {EMAIL}").wait_for(timeout=60_000)
        page.get_by_role("link", name="Data").click()
        page.get_by_text("1. Start from the template").wait_for(timeout=60_000)
        _idle(page)
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
