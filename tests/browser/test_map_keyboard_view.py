"""The maps' national view, keyboard order and clicks, in headless Chromium.

Each map is the standalone HTML the app's downloads produce (the same script as in the
app's map frame), opened from a file with no network. No app server is needed: what is
tested here lives in the map's own script (geo/maps/elements.py, geo/js/areas.js).
"""
from __future__ import annotations

import pandas as pd

from geo import assets, maps
from geo.analysis import classify

MAP = "Object.values(window).find(v => v instanceof L.Map)"
AREAS_DRAWN = f"() => window.L && {MAP} && document.querySelector('.partner-legend') !== null"
# Places a national view must show without zooming out.
CITIES = {"Anchorage": (61.2181, -149.9003), "Honolulu": (21.3069, -157.8583),
          "San Juan": (18.4655, -66.1057), "Seattle": (47.6062, -122.3321),
          "Miami": (25.7617, -80.1918), "Bangor": (44.8016, -68.7712)}


def _coverage_with_gaps() -> object:
    """A state coverage map with the gap overlay (drawn as SVG paths, as on the Coverage page)."""
    values = pd.Series({"06": 3, "08": 5, "17": 1, "12": 2})
    gaps = pd.Series({"0803360": 1000, "0622710": 5000, "1709930": 200, "1200870": 3000,
                      "1200390": 800})
    return maps.coverage_map(values, classify(values, method="quantiles", k=3), level="state",
                                   legend="Partners", value_label="Partners", gaps=gaps)


def _open(page, tmp_path, m, name: str = "map.html", header: assets.MapHeader | None = None):
    path = tmp_path / name
    path.write_text(assets.standalone_html(m, header=header), encoding="utf-8")
    page.goto(path.as_uri())
    page.wait_for_function(AREAS_DRAWN, polling="raf", timeout=60_000)
    return path


def test_national_view_shows_alaska_hawaii_and_puerto_rico(page, tmp_path):
    _open(page, tmp_path, _coverage_with_gaps())
    inside = page.evaluate(f"""(cities) => {{
      const m = {MAP};
      return Object.fromEntries(Object.entries(cities).map(
        ([k, ll]) => [k, m.getBounds().contains(ll)]));
    }}""", CITIES)
    assert inside == {k: True for k in CITIES}, inside
    assert page.errors == []


def test_tab_never_stops_on_map_shapes(page, tmp_path):
    _open(page, tmp_path, _coverage_with_gaps())
    assert page.evaluate("() => document.querySelectorAll('path.leaflet-interactive').length") >= 5
    stops = []
    for _ in range(12):
        page.keyboard.press("Tab")
        stops.append(page.evaluate("() => document.activeElement.tagName.toLowerCase()"))
    assert "path" not in stops, stops
    assert "a" in stops, "the zoom buttons are still reached by Tab"


def test_a_click_on_a_map_partly_below_the_fold_lands_where_pointed(page, tmp_path):
    """Leaflet focuses the map on mousedown; in a frame partly below the fold that focus
    scrolled the page (the click then hit whatever moved under the pointer)."""
    m = maps.base_map()
    maps.add_districts(m, renderer="map")
    maps.Legend({"title": "Districts", "colors": ["#9fb3c8"], "labels": ["district"]}).add_to(m)
    _open(page, tmp_path, m, "inner.html")
    parent = tmp_path / "page.html"
    parent.write_text(
        "<!doctype html><html><body style='margin:0'>"
        "<div style='height:560px;background:#eee'>Page content above the map</div>"
        "<iframe id='f' src='inner.html' style='width:900px;height:520px;border:0'></iframe>"
        "<div style='height:2000px'></div></body></html>", encoding="utf-8")
    page.set_viewport_size({"width": 1000, "height": 700})
    page.goto(parent.as_uri())
    frame = page.frame_locator("#f").locator(".partner-legend")
    frame.wait_for(timeout=60_000)
    inner = page.frames[1]
    inner.evaluate(f"() => {{ window.__clicks = []; "
                   f"{MAP}.on('click', e => window.__clicks.push(e.latlng)); }}")
    # Point at Denver, in the part of the frame that is on screen (page y 560-700).
    target = inner.evaluate(f"() => {{ const m = {MAP}; "
                            "m.setView([39.74, -104.99], 6, {animate: false});"
                            " return m.latLngToContainerPoint([39.74, -104.99]); }")
    inner.evaluate(f"() => {MAP}.panBy([0, {target['y'] - 60}], {{animate: false}})")
    target = inner.evaluate(f"() => {MAP}.latLngToContainerPoint([39.74, -104.99])")
    assert 560 + target["y"] < 700, target
    page.mouse.click(target["x"], 560 + target["y"])
    inner.wait_for_function("() => window.__clicks.length === 1", timeout=10_000)
    assert page.evaluate("() => window.scrollY") == 0, "the page did not scroll"
    clicked = inner.evaluate("() => window.__clicks[0]")
    assert abs(clicked["lat"] - 39.74) < 0.05 and abs(clicked["lng"] + 104.99) < 0.05, clicked


def test_a_downloaded_map_with_its_header_still_fills_the_window(page, tmp_path):
    header = assets.MapHeader("Coverage: <b>Partners</b> per state",
                              details=["Kind of work: Funding"],
                              sources=["Urban Institute"], sample=True)
    page.set_viewport_size({"width": 1000, "height": 700})
    _open(page, tmp_path, _coverage_with_gaps(), header=header)
    assert page.title() == "Coverage: <b>Partners</b> per state"  # text, not markup
    top = page.locator("header.partner-map-header")
    assert "Sample data" in top.inner_text() and "Kind of work: Funding" in top.inner_text()
    head_h = top.bounding_box()["height"]
    box = page.locator(".folium-map").bounding_box()
    assert box["y"] >= head_h - 1 and box["height"] >= 700 - head_h - 2, (head_h, box)
    assert page.evaluate(f"() => {MAP}.getSize().y") == round(box["height"])
