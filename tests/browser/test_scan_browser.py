"""The Scan and Partners pages in headless Chromium, offline: a click on a district of the
scan map selects it, a copied link restores the view, and screenshots of both pages.

Timings are printed (not asserted: speed belongs in bench/); see the report in the
commit log for the figures.
"""
from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlsplit

from tests.harness import IDLE, MAP_FRAME

CHICAGO = "1709930"
LEON = "1201110"

# Districts drawn (SVG paths) inside the map document.
DRAWN = ("() => document.querySelectorAll('.leaflet-overlay-pane path.leaflet-interactive')"
         ".length > 0")

# A neighbouring district, big enough to hit, with no site marker over its centre.
_NEIGHBOUR = """(selected) => {
  const canvas = document.querySelector('canvas.partner-sites-layer');
  const ctx = canvas ? canvas.getContext('2d') : null;
  const cbox = canvas ? canvas.getBoundingClientRect() : null;
  const ratio = canvas ? canvas.width / cbox.width : 1;
  const frame = document.querySelector('.leaflet-container').getBoundingClientRect();
  for (const layer of Object.values(window.map._layers)) {
    if (!layer.feature || !layer._path) continue;
    const p = layer.feature.properties;
    if (!p || !/^\\d{7}$/.test(p.geoid) || p.geoid === selected) continue;
    const b = layer._path.getBoundingClientRect();
    if (b.width < 30 || b.height < 30) continue;
    const x = b.left + b.width / 2, y = b.top + b.height / 2;
    if (x < frame.left + 50 || y < frame.top + 50
        || x > frame.right - 50 || y > frame.bottom - 50) continue;
    if (document.elementFromPoint(x, y) !== layer._path) continue;
    if (ctx) {
      const px = ctx.getImageData(Math.round((x - cbox.left) * ratio) - 10,
                                  Math.round((y - cbox.top) * ratio) - 10, 20, 20).data;
      let ink = 0; for (let i = 3; i < px.length; i += 4) ink += px[i];
      if (ink !== 0) continue;
    }
    return {x, y, geoid: p.geoid, name: p.name};
  }
  return null;
}"""


def _warm_up(page, app_url: str) -> None:
    """Open the app's root first, as a user arriving at the home page does (a deep link
    as a fresh server's first request is test_deep_link.py's subject)."""
    page.goto(app_url)
    page.wait_for_selector(IDLE, timeout=120_000)


def _open(page, url: str) -> tuple:
    started = time.perf_counter()
    page.goto(url)
    frame = page.wait_for_selector(MAP_FRAME, timeout=120_000).content_frame()
    frame.wait_for_function(DRAWN, timeout=120_000)
    page.wait_for_selector(IDLE, timeout=120_000)
    return frame, time.perf_counter() - started


def _query(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def test_clicking_a_district_on_the_scan_map_selects_it(page, app_url):
    _warm_up(page, app_url)
    frame, _ = _open(page, f"{app_url}/scan?district={CHICAGO}&radius=3")
    assert "Chicago Public School District 299, IL" in page.inner_text("body")
    target = frame.evaluate(_NEIGHBOUR, CHICAGO)
    assert target, "no clickable neighbouring district found on the scan map"
    box = page.query_selector(MAP_FRAME).bounding_box()
    page.mouse.click(box["x"] + target["x"], box["y"] + target["y"])
    page.wait_for_function(f"() => location.search.includes('district={target['geoid']}')",
                           timeout=60_000)
    page.wait_for_selector(IDLE, timeout=60_000)
    page.wait_for_selector(f"h3:has-text({target['name']!r})", timeout=60_000)
    assert _query(page)["district"] == [target["geoid"]]
    assert _query(page)["radius"] == ["3"]  # the rest of the view is kept
    # The map now centres on the clicked district: it is drawn, and a new map was built.
    frame = page.wait_for_selector(MAP_FRAME, timeout=60_000).content_frame()
    frame.wait_for_function(DRAWN, timeout=60_000)
    assert page.errors == [] and page.blocked == [], (page.errors, page.blocked)


def test_a_copied_link_restores_the_scan(page, app_url):
    _warm_up(page, app_url)
    url = f"{app_url}/scan?district={LEON}&radius=10&needs=Equity,funding"
    _, first_s = _open(page, url)
    body = page.inner_text("body")
    assert "Leon County School District, FL" in body
    assert "No partner works in this district yet." in body
    radius = page.get_by_label("Radius (miles)", exact=True)
    assert float(radius.input_value()) == 10
    chips = page.inner_text("[data-testid='stMultiSelect']:has-text('Needs: principles')")
    assert "Equity" in chips
    assert "Funding" in page.inner_text(
        "[data-testid='stMultiSelect']:has-text('Needs: kinds of work')")

    # A change re-renders: a larger radius finds partners in neighbouring districts.
    started = time.perf_counter()
    radius.fill("40")
    radius.press("Enter")
    page.wait_for_function("() => location.search.includes('radius=40')", timeout=60_000)
    page.wait_for_selector(IDLE, timeout=60_000)
    change_s = time.perf_counter() - started
    assert _query(page)["needs"] == ["Equity,funding"]
    assert not re.search(r"\b(Traceback|Error)\b", page.inner_text("body"))
    assert page.errors == [] and page.blocked == [], (page.errors, page.blocked)
    print(f"\nscan: first render {first_s:.2f} s (map drawn, script idle); "
          f"radius change {change_s:.2f} s")


def test_screenshots_of_scan_and_partners(page, app_url, app_server, shots_dir):
    _warm_up(page, app_url)
    page.set_viewport_size({"width": 1400, "height": 2300})
    _, scan_s = _open(page, f"{app_url}/scan?district={CHICAGO}"
                            "&radius=5&needs=Family%20Engagement,funding")
    # The brief downloads, made on the click, with the map and the partners shown.
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Download a one-page brief (HTML, printable)").click()
    brief = download.value.path().read_text(encoding="utf-8")
    assert "Partner scan: Chicago Public School District 299, IL" in brief and "<svg" in brief
    assert "Brightpath Community Schools Alliance" in brief
    page.get_by_role("tab", name="Partners").click()
    page.screenshot(path=str(shots_dir / "scan.png"), full_page=True)

    _, partners_s = _open(page, f"{app_url}/partners?partner=1")
    body = page.inner_text("body")
    assert "Brightpath Community Schools Alliance" in body and "Where it works" in body
    page.screenshot(path=str(shots_dir / "partners.png"), full_page=True)
    assert page.errors == [] and page.blocked == [], (page.errors, page.blocked)
    print(f"\nscan (Chicago, 5 mi, 2 needs) first render {scan_s:.2f} s; "
          f"partners (one chosen) {partners_s:.2f} s")


def test_the_brief_prints_as_a_short_complete_handout(browser, tmp_path):
    """Chromium's own print (letter, the brief's @page margins) of a state with many
    partners: the map, summary and need on the first page, then every partner with all
    its contacts and every community school (a handout, nothing cut), in a few pages."""
    import datetime as dt

    from geo.analysis import resolve_place, scan
    from geo.brief import brief_html
    from geo.sample import make_sample
    from geo.visibility import visible_frames

    frames = visible_frames(make_sample(), "public")
    result = scan(frames, resolve_place(state="NY"), needs=["Equity"])
    assert len(result.partners) > 8
    path = tmp_path / "brief.html"
    path.write_text(brief_html(result, generated=dt.date(2025, 1, 2), sample_data=True),
                    encoding="utf-8")
    page = browser.new_page()
    try:
        page.goto(path.as_uri())
        assert page.evaluate("document.querySelectorAll('svg path').length") >= 1
        page.emulate_media(media="print")
        # Letter paper less the 11 mm margins, in CSS pixels (96 per inch).
        first_page_px = (11 * 25.4 - 22) / 25.4 * 96
        assert page.evaluate(
            "document.querySelector('.row').getBoundingClientRect().bottom") < first_page_px
        partner_rows = page.evaluate("document.querySelectorAll('h2 + table tbody')[0].rows.length")
        assert partner_rows == len(result.partners)
        pdf = page.pdf(prefer_css_page_size=True)
    finally:
        page.close()
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 1 <= pages <= 3, f"the brief prints on {pages} pages"


def test_puerto_rico_and_unknown_places_open_without_a_traceback(page, app_url):
    _warm_up(page, app_url)
    page.goto(f"{app_url}/scan?zip=00901")
    frame = page.wait_for_selector(MAP_FRAME, timeout=120_000).content_frame()
    # No Census district is drawn in Puerto Rico: wait for the map itself (Leaflet loaded, sized).
    frame.wait_for_function("() => window.map"
                            " && document.querySelector('.leaflet-container').offsetHeight > 0",
                            timeout=120_000)
    page.wait_for_selector(IDLE, timeout=120_000)
    assert "ZIP 00901, PR" in page.inner_text("body")
    page.get_by_role("tab", name="Need").click()
    # Puerto Rico's district figures
    page.wait_for_selector("text=Source: Urban Institute", timeout=30_000)
    page.goto(f"{app_url}/scan?district=9999999")
    page.wait_for_selector(IDLE, timeout=120_000)
    page.wait_for_selector("[data-testid='stAlertContentError']", timeout=60_000)
    body = page.inner_text("body")
    assert "No school district with GEOID 9999999" in body and "Pick a place from the list" in body
    assert not page.query_selector("[data-testid='stException']")
    assert page.errors == [] and page.blocked == [], (page.errors, page.blocked)


def test_a_search_several_states_match_asks_which_place(page, app_url):
    _warm_up(page, app_url)
    _open(page, f"{app_url}/scan")
    box = page.get_by_label("Find a place", exact=True)
    box.fill("Denver")
    box.press("Enter")
    page.wait_for_selector("text=places match “Denver”: which one?", timeout=60_000)
    page.wait_for_selector(IDLE, timeout=60_000)
    assert ("district" not in _query(page) and "Denver City" not in page.inner_text("h3")
            if page.query_selector("h3") else "district" not in _query(page))
    page.get_by_label(re.compile("places match “Denver”")).click()
    options = page.locator("[role='option']")
    options.first.wait_for(timeout=30_000)
    assert options.first.inner_text().startswith("Denver County School District 1, CO")
    options.first.click()
    page.wait_for_function("() => location.search.includes('district=0803360')", timeout=60_000)
    page.wait_for_selector("h3:has-text('Denver County School District 1, CO')", timeout=60_000)
    assert page.errors == [] and page.blocked == [], (page.errors, page.blocked)
