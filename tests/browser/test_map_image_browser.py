"""The coverage map as something to hand out, in headless Chromium with no network beyond
localhost: "Save as image (PNG)" on the map (in the app and in the downloaded standalone
page) downloads one PNG with the title, sample-data label, filters, date and sources
drawn above the map as shown; "Show place names" writes the names of the states, and of
the counties once zoomed in, from the bundled boundaries.

The PNG is read back with Pillow: its size is the map's plus the header's, the header
holds text (dark pixels) and the yellow sample-data label, and the map part holds the
choropleth (blues) and the gaps overlay (oranges, an SVG layer).
"""
from __future__ import annotations

import datetime as dt
import time

import numpy as np
from PIL import Image
from playwright.sync_api import expect

from tests.harness import IDLE, MAP_FRAME

EXPORT = ".partner-export"
LABELS = "canvas.partner-labels"
# The Leaflet map of a document: window.map under st_folium, a map_* global in a download.
_MAP = """(window.map || Object.keys(window).filter(k => k.startsWith('map_')).map(k => window[k])
      .find(v => v && v.getContainer))"""
# The coverage map is in: the choropleth and the gaps overlay (its SVG paths) have
# projected their shapes and the two legends are on the map.
_DRAWN = """() => {
  const map = __MAP__;
  if (!map || document.querySelectorAll('.partner-legend').length !== 2) return false;
  const shapes = Object.values(map._layers).filter(l => l.feature && l._parts && l._parts.length);
  const gapPaths = document.querySelectorAll('.leaflet-overlay-pane svg path').length;
  return shapes.length > 50 && gapPaths > 0;
}""".replace("__MAP__", _MAP)
# The overlaps map: every district projected on the map's canvas.
_DISTRICTS_DRAWN = """() => window.map && document.querySelector('.partner-legend') !== null
  && Object.values(window.map._layers)
       .filter(l => l.feature && l._parts && l._parts.length).length >= 13000"""
# Zoom onto the first gap district (the SVG overlay) without animation.
_ZOOM_TO_GAP = """() => {
  const map = __MAP__;
  const gap = Object.values(map._layers)
      .find(l => l._path && l.feature && l.feature.properties.value != null);
  map.fitBounds(gap.getBounds(), {animate: false, padding: [60, 60]});
  return gap.feature.properties.geoid;
}""".replace("__MAP__", _MAP)


def _open_coverage(page, url: str):
    page.goto(url)
    frame = page.wait_for_selector(MAP_FRAME, timeout=120_000).content_frame()
    frame.wait_for_function(_DRAWN, polling="raf", timeout=120_000)
    page.wait_for_selector(IDLE, timeout=120_000)
    return frame


def _save_png(page, doc, tmp_path, name: str) -> tuple[np.ndarray, dict]:
    """Click "Save as image (PNG)" in ``doc`` (a frame or page); the PNG as an RGB array
    and what the button and the map container say about it (sizes, legend boxes)."""
    button = doc.locator(EXPORT)
    expect(button).to_have_text("Save as image (PNG)")
    started = time.perf_counter()
    with page.expect_download(timeout=60_000) as info:
        button.click()
    download = info.value
    print(f"\n{name}: click to download {time.perf_counter() - started:.2f} s")  # shown with -s
    expect(button).to_have_attribute("data-state", "saved")
    path = tmp_path / name
    download.save_as(path)
    facts = doc.evaluate("""() => {
      const b = document.querySelector('.partner-export');
      const c = document.querySelector('.leaflet-container');
      const at = c.getBoundingClientRect();
      const legends = [...document.querySelectorAll('.partner-legend')].map(l => {
        const r = l.getBoundingClientRect();
        return [r.left - at.left, r.top - at.top, r.right - at.left, r.bottom - at.top];
      });
      return {header: +b.dataset.header, width: c.clientWidth, height: c.clientHeight,
              ratio: window.devicePixelRatio, legends: legends};
    }""")
    facts["file"] = download.suggested_filename
    with Image.open(path) as img:
        assert img.format == "PNG"
        return np.asarray(img.convert("RGB")).astype(int), facts


def _check_image(rgb: np.ndarray, facts: dict) -> tuple[np.ndarray, np.ndarray]:
    """Check the PNG's size and header; return its map part as (r, g, b) arrays and a
    mask of the map's pixels outside the legends."""
    height, width, _ = rgb.shape
    ratio, head = facts["ratio"], facts["header"]
    assert width == round(facts["width"] * ratio), (width, facts)
    assert height == head + round(facts["height"] * ratio), (height, facts)
    assert 60 * ratio < head < 400 * ratio, f"header of {head} px"
    top, rest = rgb[:head], rgb[head:]
    # Header: black-ish text on white, and the sample-data label's yellow (#fff3cd).
    dark = (top.max(axis=2) < 90).sum()
    yellow = (np.abs(top - np.array([255, 243, 205])).max(axis=2) < 4).sum()
    assert dark > 1500, f"only {dark} text pixels in the header"
    assert yellow > 1000, f"no sample-data label in the header ({yellow} yellow pixels)"
    assert top.std() > 20 and rest.std() > 15, (top.std(), rest.std())
    outside = np.ones(rest.shape[:2], dtype=bool)
    for x0, y0, x1, y1 in facts["legends"]:
        rows = slice(max(0, int(y0 * ratio)), int(y1 * ratio) + 1)
        outside[rows, max(0, int(x0 * ratio)):int(x1 * ratio) + 1] = False
    return rest.transpose(2, 0, 1), outside


def _coverage_colours(rgb: np.ndarray, facts: dict, *, gaps_in_view: bool = False) -> None:
    """Outside the legends, the choropleth's blues (a canvas) are drawn, and with a gap
    district in view the gaps' oranges (SVG) too."""
    (r, g, b), outside = _check_image(rgb, facts)
    blues = ((b - r > 25) & (b > 150) & outside).sum()
    oranges = ((r - b > 90) & (r > 200) & (g < 200) & outside).sum()
    assert blues > 3000, f"{blues} blue pixels: the choropleth is missing"
    if gaps_in_view:
        assert oranges > 2000, f"{oranges} orange pixels: the gaps overlay is missing"


def test_coverage_map_saves_as_a_png_with_its_header(page, app_url, tmp_path, shots_dir):
    frame = _open_coverage(page, f"{app_url}/coverage?gaps=1&names=1&kind=funding,policy")
    rgb, facts = _save_png(page, frame, tmp_path, "coverage.png")
    assert facts["file"] == "coverage_state_partners.png"
    _coverage_colours(rgb, facts)
    Image.fromarray(rgb.astype(np.uint8)).save(shots_dir / "coverage_image.png")

    # The map as shown: zoomed in on a gap district, the image is of that view.
    frame.evaluate(_ZOOM_TO_GAP)
    rgb, facts = _save_png(page, frame, tmp_path, "coverage_zoomed.png")
    _coverage_colours(rgb, facts, gaps_in_view=True)
    assert page.errors == [] and page.blocked == [], (page.errors, page.blocked)


def test_downloaded_standalone_map_saves_as_a_png_too(page, app_url, tmp_path):
    _open_coverage(page, f"{app_url}/coverage?gaps=1&status=active")
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name="Download the map (HTML)").click()
    html = tmp_path / "coverage.html"
    info.value.save_as(html)
    text = html.read_text(encoding="utf-8")
    assert "Status: Active" in text and f"Made {dt.date.today().isoformat()}" in text

    page.goto(html.as_uri())
    page.wait_for_function(_DRAWN, polling="raf", timeout=120_000)
    page.evaluate(_ZOOM_TO_GAP)
    rgb, facts = _save_png(page, page, tmp_path, "standalone.png")
    assert facts["file"] == "coverage_state_partners.png"
    _coverage_colours(rgb, facts, gaps_in_view=True)
    assert page.errors == [] and page.blocked == [], (page.errors, page.blocked)


def test_tiles_that_cannot_load_are_left_out_of_the_image(page, app_url, tmp_path):
    """With PARTNERMAP_TILES=osm and no internet, the tiles fail to load; the image is
    still made, on the plain background (html-to-image alone would give up)."""
    frame = _open_coverage(page, f"{app_url}/coverage?gaps=1")
    frame.evaluate("""() => {
      window.tileErrors = 0;
      L.tileLayer('https://tile.openstreetmap.org/{z}/{x}/{y}.png')
        .on('tileerror', () => { window.tileErrors += 1; }).addTo(window.map);
    }""")
    frame.wait_for_function("() => window.tileErrors > 0", timeout=30_000)
    rgb, facts = _save_png(page, frame, tmp_path, "tiles.png")
    _coverage_colours(rgb, facts)
    osm = "https://tile.openstreetmap.org/"
    assert page.blocked and all(u.startswith(osm) for u in page.blocked), page.blocked
    assert page.errors == [], page.errors


def test_overlaps_map_saves_as_a_png_too(page, app_url, tmp_path, shots_dir):
    page.goto(f"{app_url}/overlaps")
    frame = page.wait_for_selector(MAP_FRAME, timeout=120_000).content_frame()
    frame.wait_for_function(_DISTRICTS_DRAWN, polling="raf", timeout=120_000)
    page.wait_for_selector(IDLE, timeout=120_000)
    rgb, facts = _save_png(page, frame, tmp_path, "overlaps.png")
    assert facts["file"] == "overlaps_district.png"
    _check_image(rgb, facts)
    Image.fromarray(rgb.astype(np.uint8)).save(shots_dir / "overlaps_image.png")

    # Zoomed in on the district with the most partners, the image shows it in purple
    # (#bcbddc to #3f007d: districts with partners).
    frame.evaluate("""() => {
      const l = Object.values(window.map._layers)
          .filter(l => l.feature && l.feature.properties.value >= 2)
          .sort((a, b) => b.feature.properties.value - a.feature.properties.value)[0];
      window.map.fitBounds(l.getBounds(), {animate: false, padding: [60, 60]});
    }""")
    rgb, facts = _save_png(page, frame, tmp_path, "overlaps_zoomed.png")
    (r, g, b), outside = _check_image(rgb, facts)
    purples = ((b - g > 20) & (r - g > 5) & (b > 120) & outside).sum()
    assert purples > 2000, f"{purples} purple pixels: the districts are missing"
    assert page.errors == [] and page.blocked == [], (page.errors, page.blocked)


def test_place_names_are_off_by_default_and_drawn_when_ticked(page, app_url):
    frame = _open_coverage(page, f"{app_url}/coverage?gaps=1")
    assert frame.locator(LABELS).count() == 0
    assert "names=" not in page.url

    page.get_by_text("Show place names").click()
    # The new map comes in a new frame: wait for its labels from the page.
    page.wait_for_function(f"""() => {{
      const f = document.querySelector('{MAP_FRAME}'), d = f && f.contentDocument;
      const c = d && d.querySelector('{LABELS}');
      return location.search.includes('names=1') && c && c.dataset.names;
    }}""", polling="raf", timeout=60_000)
    page.wait_for_selector(IDLE, timeout=60_000)
    frame = page.wait_for_selector(MAP_FRAME, timeout=60_000).content_frame()
    labels = frame.locator(LABELS)
    names = labels.get_attribute("data-names").split("|")
    for state in ("Texas", "California", "Florida"):
        assert state in names, names
    assert "Denver" not in names, "county names wait until the map is zoomed in"
    # Large states keep their names; crowded small ones give way (or show their postal code).
    assert int(labels.get_attribute("data-count")) == len(names) >= 20

    # Zoomed in on Colorado, its counties are named too (a zoom without animation ends,
    # and the labels are redrawn, before setView returns).
    names = frame.evaluate("""() => {
      window.map.setView([39.4, -105.2], 7.5, {animate: false});
      return document.querySelector('canvas.partner-labels').dataset.names.split('|');
    }""")
    assert {"Colorado", "Jefferson", "Boulder", "Park"} <= set(names), names
    assert len(names) > 20, names
    assert page.errors == [] and page.blocked == [], (page.errors, page.blocked)
