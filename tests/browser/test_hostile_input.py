"""Hostile input in a real browser: script payloads in every user-written field, every page.

Partners, sites and activities whose names, expertise, notes, contacts, e-mails and
websites carry script payloads are written into the test database through the store
(``store.add_partner`` / ``add_site`` / ``add_activity``), given public consent, and the
real app is started on it. Every page of ``app.PAGES`` is then opened in headless
Chromium, first as the public and then signed in as staff through the sidebar form
(so the staff-only pages render their tables too). For each page:

* no JavaScript dialog opens (``page.on("dialog")``, which also reports dialogs of
  the map iframes);
* no payload ran: ``window.__xss`` is unset in the page and in every frame (each
  payload sets it before calling ``alert``);
* no uncaught script error mentions a payload;
* the payload text is shown literally where names are shown as text: the map's site
  popup and the "Selected site" line of the home page, and the partners page's heading
  for one partner (with its website button pointing at exactly the stored address).

``javascript:`` websites cannot even be stored (the store refuses them); that is
checked here too, since it is the first line of defence.
"""
from __future__ import annotations

import ast
import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from geo import auth
from geo.db import ValidationError, open_store
from geo.sample import make_sample
from geo.schema import Frames
from tests.harness import IDLE, MAP_FRAME, sign_in

REPO = Path(__file__).resolve().parents[2]
STAFF = "staff@coalition.example.org"
PASSWORD = "correct horse battery staple"

# Each payload sets window.__xss to its own marker before it would call alert().
PAYLOADS: dict[str, str] = {
    "script": "<script>window.__xss='script';alert('script')</script>",
    "img": "<img src=x onerror=\"window.__xss='img';alert('img')\">",
    "quotes": "\"'><svg onload=\"window.__xss='svg';alert('svg')\">",
    "template": "`${window.__xss='template'}` ${alert('template')}",
    "close": "</script><script>window.__xss='close';alert('close')</script>",
    "markdown": "[click me](javascript:window.__xss='mdlink';alert('mdlink'))",
    "backslash": "\\`);window.__xss='bs';alert('bs');//",
}
# Websites must be http(s) to be stored at all, so these try to break out of href="...".
WEBSITES: dict[str, str] = {
    "script": "https://evil.example.org/\"onmouseover=\"window.__xss='href';alert('href')\"",
    "img": "https://evil.example.org/'><svg/onload=window.__xss='href2';alert('href2')>",
}
REFUSED_WEBSITES = ("javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)",
                    "data:text/html,<script>alert(1)</script>", "java\tscript:alert(1)")


def _conftest():
    """The browser harness (tests/browser/conftest.py) as a module, for its Server."""
    name = "partnermap_browser_harness"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(
            "conftest.py"))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        sys.modules[name] = module
    return sys.modules[name]


def app_pages() -> dict[str, str]:
    """The page files of ``PAGES`` in app.py that exist, in menu order, with titles."""
    tree = ast.parse((REPO / "app.py").read_text(encoding="utf-8"))
    pages = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "PAGES"
                                                for t in node.targets):
            for call in node.value.elts:  # type: ignore[attr-defined]
                first = call.args[0]
                if isinstance(first, ast.Constant) and (REPO / first.value).is_file():
                    title = next((k.value.value for k in call.keywords if k.arg == "title"),
                                 Path(first.value).stem)
                    pages[first.value] = title
    return pages


TITLES = app_pages()
PAGES = list(TITLES)


def _url_path(page: str) -> str:
    """The URL path Streamlit gives a page: empty for the default (first) page."""
    return "" if page == PAGES[0] else Path(page).stem


def payload_name(key: str) -> str:
    return f"Payload {key} {PAYLOADS[key]}"


def fill(store) -> dict[str, int]:
    """Add one publicly listed partner per payload, with a site and an activity."""
    frames = store.frames()
    template = frames.sites[frames.sites["latitude"].notna()].iloc[0]
    place = {c: template[c] for c in ("latitude", "longitude", "zip", "state_fips",
                                      "county_fips", "district_geoid",
                                      "secondary_district_geoid")}
    place = {k: (v.item() if hasattr(v, "item") else v) for k, v in place.items()}
    ids = {}
    for n, (key, payload) in enumerate(PAYLOADS.items()):
        pid = store.add_partner({
            "name": payload_name(key), "type": "nonprofit",
            "website": WEBSITES.get(key, f"https://payload-{key}.example.org/"),
            "email": f"<svg/onload=alert('mail{n}')>@evil.example.org",
            "expertise": f"Expertise {payload}", "principles": "Equity",
        }, actor="test")
        store.set_consent(pid, public=True, approved_by="director@evil.example.org",
                          actor="test")
        sid = store.add_site({
            "partner_id": pid, "name": f"Site {key} {payload}", "site_kind": "affiliate",
            "location_source": "coordinates",
            **place, "latitude": float(place["latitude"]) + 0.01 * (n + 1),
        }, actor="test")
        store.add_activity({
            "partner_id": pid, "site_id": sid, "area_level": "site",
            "kind_of_work": "implementation", "status": "active",
            "contact": f"Contact {payload}", "notes": f"Notes {payload}",
        }, actor="test")
        ids[key] = pid
    return ids


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    tmp = tmp_path_factory.mktemp("hostile")
    url = f"sqlite:///{tmp / 'partnermap.db'}"
    store = open_store(url)
    store.load_frames(make_sample(), actor="test")
    ids = fill(store)
    store.users.add_user(STAFF, auth.hash_password(PASSWORD), "staff")
    store.close()
    server = _conftest().Server(tmp / "streamlit.log", url)
    server.partner_ids = ids
    try:
        server.wait_healthy()
        yield server
    finally:
        server.stop()


@pytest.fixture
def hostile_url(hostile_server, request: pytest.FixtureRequest) -> Iterator[str]:
    yield hostile_server.url
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        print(f"\n----- streamlit server log -----\n{hostile_server.log()}", file=sys.stderr)


def _watch(page) -> list[str]:
    dialogs: list[str] = []

    def on_dialog(dialog):
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return dialogs


def _settle(page) -> None:
    """Wait until the script has finished and every map frame has loaded its document."""
    page.wait_for_selector(IDLE, timeout=180_000)
    for handle in page.query_selector_all(MAP_FRAME):
        frame = handle.content_frame()
        if frame is not None:
            frame.wait_for_function("() => document.readyState === 'complete' && "
                                    "!!document.querySelector('.leaflet-container')",
                                    timeout=120_000)
    page.wait_for_selector(IDLE, timeout=180_000)


def _markers(page) -> list[str]:
    found = []
    for frame in page.frames:
        try:
            value = frame.evaluate("() => window.__xss")
        except Exception as exc:  # a frame that went away while we looked
            if "detached" in str(exc).lower() or "destroyed" in str(exc).lower():
                continue
            raise
        if value is not None:
            found.append(f"{frame.url}: {value}")
    return found


# The text of a document as the browser holds it, scripts and styles left out: names in
# Streamlit's canvas-drawn tables live in hidden accessibility cells, so innerText alone
# would miss them.
_DOM_TEXT = """() => {
  if (!document.body) return '';
  const copy = document.body.cloneNode(true);
  copy.querySelectorAll('script, style, noscript, template').forEach(e => e.remove());
  return document.body.innerText + '\\n' + copy.textContent;
}"""


def _all_text(page) -> str:
    parts = []
    for frame in page.frames:
        try:
            parts.append(frame.evaluate(_DOM_TEXT))
        except Exception:  # detached frame
            continue
    return "\n".join(parts)


def _check_page(page, base: str, target: str, role: str) -> None:
    """Open ``target``: by URL for the public; for staff through the menu, since a new
    page load is a new Streamlit session (signed out)."""
    dialogs = _watch(page)
    if role == "public":
        page.goto(f"{base}/{_url_path(target)}")
    else:
        nav = page.locator("[data-testid='stSidebarNav'] a", has_text=TITLES[target])
        nav.first.click()
        page.wait_for_url(f"{base}/{_url_path(target)}", timeout=60_000)
    _settle(page)
    text = _all_text(page)
    assert dialogs == [], f"{target} ({role}) opened dialogs: {dialogs}"
    assert _markers(page) == [], f"{target} ({role}) ran payloads: {_markers(page)}"
    payload_errors = [e for e in page.errors if "xss" in e or "alert" in e]
    assert payload_errors == [], payload_errors
    assert "Traceback" not in text, text[:2000]
    if role == "staff":
        assert f"Signed in as {STAFF}" in text, f"{target}: the staff session was lost"


def test_javascript_websites_are_refused_on_the_way_in(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'refuse.db'}")
    for n, website in enumerate(REFUSED_WEBSITES):
        with pytest.raises(ValidationError, match="is not an http"):
            store.add_partner({"name": f"Refused {n}", "website": website}, actor="test")
    import pandas as pd
    with pytest.raises(ValidationError, match="is not an http"):
        store.load_frames(Frames(pd.DataFrame({"name": ["Bulk"], "website": [
            "javascript:alert(1)"]}), pd.DataFrame(), pd.DataFrame()), actor="test")
    assert store.is_empty()
    store.close()


@pytest.mark.parametrize("target", PAGES)
def test_public_pages_run_no_payload(page, hostile_url, target):
    _check_page(page, hostile_url, target, "public")


@pytest.mark.parametrize("target", PAGES)
def test_staff_pages_run_no_payload(page, hostile_url, target):
    sign_in(page, hostile_url, STAFF, PASSWORD)
    _check_page(page, hostile_url, target, "staff")


# The sites layer is on the map and its points have arrived (geo/js/sites.js).
SITES_LOADED = """() => window.map && Object.values(window.map._layers)
  .some(l => l._drawn && l._n > 0)"""


def test_site_popup_and_selection_show_payloads_literally(page, hostile_url):
    dialogs = _watch(page)
    page.goto(hostile_url)
    frame = page.wait_for_selector(MAP_FRAME, timeout=120_000).content_frame()
    frame.wait_for_function(SITES_LOADED, timeout=120_000)
    page.wait_for_selector(IDLE, timeout=180_000)
    for key, payload in PAYLOADS.items():
        site_name = f"Site {key} {payload}"
        found = frame.evaluate("""async (name) => {
          const l = Object.values(window.map._layers).find(l => l._drawn);
          await l._withDetails();  // the popup fields (fetched at the first click)
          for (let i = 0; i < l._n; i++) {
            if (l._properties(i).name === name) {
              l._onHit({c: {n: 1, first: i, members: [i], minX: 0, maxX: 0, minY: 0, maxY: 0}});
              return true;
            }
          }
          return false;
        }""", site_name)
        assert found, f"site {site_name!r} is not in the map data"
        shown = frame.wait_for_function("""(name) => {
          const p = [...document.querySelectorAll('.partner-sites-popup')]
            .find(p => p.innerText.includes(name));
          return p ? p.innerText : false;
        }""", arg=site_name, timeout=10_000).json_value()
        assert payload_name(key) in shown and "Kind: Local affiliate" in shown, shown
        # The click goes back to Python, which names the selection as plain text.
        page.wait_for_function("(t) => document.body.innerText.includes(t)",
                               arg=f"Selected site: {site_name} ({payload_name(key)})",
                               timeout=60_000)
        page.wait_for_selector(IDLE, timeout=180_000)
        frame = page.wait_for_selector(MAP_FRAME, timeout=120_000).content_frame()
        frame.wait_for_function(SITES_LOADED, timeout=120_000)
    assert dialogs == [] and _markers(page) == []


@pytest.mark.skipif("pages/partners.py" not in PAGES, reason="no partners page yet")
@pytest.mark.parametrize("key", list(PAYLOADS))
def test_partner_page_shows_payload_name_and_link_literally(page, hostile_server, hostile_url,
                                                            key):
    """The partners page names one partner (?partner=ID) in its heading, as typed, and
    its website button points at exactly the stored address."""
    dialogs = _watch(page)
    pid = hostile_server.partner_ids[key]
    page.goto(f"{hostile_url}/partners?partner={pid}")
    _settle(page)
    heading = page.wait_for_selector("[data-testid='stMain'] h3", timeout=60_000)
    # Invisible zero-width spaces (the page breaks "javascript:" autolinks with one)
    # do not change what the reader sees.
    assert heading.inner_text().strip().replace("\u200b", "") == payload_name(key)
    if key in WEBSITES:
        link = page.locator("[data-testid='stMain'] a", has_text="Website").first
        assert link.get_attribute("href") == WEBSITES[key]
    assert dialogs == [] and _markers(page) == []
