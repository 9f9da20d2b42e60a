"""The home map in headless Chromium with no network beyond localhost.

Proves what AppTest cannot: Leaflet loads from the app's own static files, the district
polygons and the site clusters are actually drawn inside the st_folium frame, clicks
come back to Python, and downloads work from a file with no server.
"""
from __future__ import annotations

import re
import time

import pandas as pd

from geo import assets, maps
from tests.harness import IDLE, MAP_FRAME

EVIL = "</script><img src=x onerror=alert(1)>"

# Inside a map document: the district layer holds every district and has put ink on
# its canvas (one canvas for 13,000 districts, see geo.maps.national_map); sites are
# drawn on our own canvas.
DRAWN = """() => {
  const map = window.map || Object.values(window).find(v => v instanceof L.Map);
  const layers = Object.values(map._layers);
  const districts = layers.filter(l => l.feature
                                       && /^\\d{7}$/.test(l.feature.properties.geoid)).length;
  let ink = document.querySelectorAll('.leaflet-overlay-pane path').length > 0;  // SVG
  for (const a of document.querySelectorAll(
      '.leaflet-overlay-pane canvas:not(.partner-sites-layer)')) {
    if (!a.width) continue;
    const px = a.getContext('2d').getImageData(Math.floor(a.width / 2) - 40,
                                               Math.floor(a.height / 2) - 40, 80, 80).data;
    for (let i = 3; i < px.length && !ink; i += 4) ink = px[i] > 0;
  }
  const c = document.querySelector('canvas.partner-sites-layer');
  if (!c || c.style.visibility !== 'visible') return false;
  const clusters = +c.dataset.clusters, points = +c.dataset.points, sites = +c.dataset.sites;
  return districts > 0 && ink && (clusters + points) > 0
      ? {districts, clusters, points, sites} : false;
}"""


def _wait_for_app(page) -> None:
    page.wait_for_selector(IDLE,
                           timeout=120_000)


def _map_frame(page):
    handle = page.wait_for_selector(MAP_FRAME, timeout=120_000)
    return handle.content_frame()


def test_home_map_draws_districts_and_clusters_offline(page, app_url, shots_dir):
    started = time.perf_counter()
    page.goto(app_url)
    frame = _map_frame(page)
    drawn = frame.wait_for_function(DRAWN, polling="raf", timeout=120_000).json_value()
    first_map_s = time.perf_counter() - started
    _wait_for_app(page)

    assert drawn["districts"] >= 13_000, drawn  # every school district
    assert drawn["clusters"] >= 10, drawn   # sample sites clustered at national zoom
    assert drawn["sites"] > 1000, drawn
    assert page.blocked == [], f"requests left localhost: {page.blocked}"
    assert page.errors == [], page.errors
    body = page.inner_text("body")
    assert "Sample data — fictional partners" in body
    assert not re.search(r"\b(Error|Traceback)\b", body), body
    assert not re.search(r"\b(Error|Traceback)\b", frame.inner_text("body"))

    page.screenshot(path=str(shots_dir / "home.png"), full_page=True)
    print(f"\nfirst map visible {first_map_s:.2f} s after navigation; drawn: {drawn}")


# A point on the map inside a mid-sized district (by the canvas renderer's own hit
# test) where no site marker is drawn, in page coordinates of the map document.
_FREE_DISTRICT_POINT = """() => {
  const c = document.querySelector('canvas.partner-sites-layer');
  const ctx = c.getContext('2d');
  const ratio = c.width / c.getBoundingClientRect().width;
  const box = c.getBoundingClientRect();
  const frame = window.map.getContainer().getBoundingClientRect();
  for (const l of Object.values(window.map._layers)) {
    if (!l.feature || !/^\\d{7}$/.test(l.feature.properties.geoid) || !l._containsPoint) continue;
    const b = l.getBounds();
    const nw = window.map.latLngToContainerPoint(b.getNorthWest());
    const se = window.map.latLngToContainerPoint(b.getSouthEast());
    const w = se.x - nw.x, h = se.y - nw.y;
    if (w < 25 || h < 25 || w > 80) continue;
    const p = L.point(nw.x + w / 2, nw.y + h / 2);
    if (!l._containsPoint(p)) continue;
    const x = frame.left + p.x, y = frame.top + p.y;
    if (x < box.left + 60 || y < box.top + 60
        || x > box.right - 60 || y > box.bottom - 60) continue;
    const px = ctx.getImageData(Math.round((x - box.left) * ratio) - 12,
                                Math.round((y - box.top) * ratio) - 12, 24, 24).data;
    let ink = 0; for (let i = 3; i < px.length; i += 4) ink += px[i];
    if (ink !== 0) continue;
    // Elementary and secondary districts overlap: every district under the point.
    const under = Object.values(window.map._layers).filter(o => o.feature && o._containsPoint
      && /^\\d{7}$/.test(o.feature.properties.geoid) && o._containsPoint(p));
    return {x, y, geoids: under.map(o => o.feature.properties.geoid)};
  }
  return null;
}"""


def test_clicking_a_district_reaches_python(page, app_url):
    page.goto(app_url)
    frame = _map_frame(page)
    frame.wait_for_function(DRAWN, polling="raf", timeout=120_000)
    _wait_for_app(page)
    point = frame.evaluate(_FREE_DISTRICT_POINT)
    assert point, "no district without a site marker found to click"
    box = page.query_selector(MAP_FRAME).bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    line = page.wait_for_selector("text=/Selected district: .+ \\(GEOID \\d{7}\\)/", timeout=60_000)
    assert re.search(r"GEOID (\d{7})", line.inner_text()).group(1) in point["geoids"], point
    assert page.errors == [], page.errors


def test_clicking_a_cluster_zooms_in_without_a_rerun(page, app_url):
    page.goto(app_url)
    frame = _map_frame(page)
    before = frame.wait_for_function(DRAWN, polling="raf", timeout=120_000).json_value()
    _wait_for_app(page)
    zoom_before = frame.evaluate("() => window.map.getZoom()")
    target = frame.evaluate("""() => {
      const l = Object.values(window.map._layers).find(l => l._drawn);
      const big = l._drawn.filter(d => d.c.n > 1).sort((a, b) => b.c.n - a.c.n)[0];
      return {x: big.px, y: big.py};
    }""")
    box = page.query_selector(MAP_FRAME).bounding_box()
    page.mouse.click(box["x"] + target["x"], box["y"] + target["y"])
    frame.wait_for_function(f"() => window.map.getZoom() > {zoom_before}", timeout=30_000)
    after = frame.wait_for_function(DRAWN, polling="raf", timeout=30_000).json_value()
    assert after["sites"] < before["sites"], (before, after)  # we now see part of the country
    # Nothing was reported to Python: neither the cluster nor the district under it.
    reported = frame.evaluate("() => window.__GLOBAL_DATA__.last_active_drawing")
    assert reported is None, reported


def test_clicking_a_site_reaches_python_not_the_district_under_it(page, app_url):
    page.goto(app_url)
    frame = _map_frame(page)
    frame.wait_for_function(DRAWN, polling="raf", timeout=120_000)
    _wait_for_app(page)
    target = frame.evaluate("""() => {
      const l = Object.values(window.map._layers).find(l => l._drawn);
      const one = l._drawn.find(d => d.c.n === 1 && d.px > 40 && d.py > 40);
      return {x: one.px, y: one.py, site_id: l._properties(one.c.first).site_id};
    }""")
    box = page.query_selector(MAP_FRAME).bounding_box()
    page.mouse.click(box["x"] + target["x"], box["y"] + target["y"])
    frame.wait_for_selector(".partner-sites-popup", timeout=10_000)
    page.wait_for_selector("text=/Selected site: /", timeout=60_000)
    reported = frame.evaluate("() => window.__GLOBAL_DATA__.last_active_drawing")
    assert reported["properties"]["site_id"] == target["site_id"]
    assert "Selected district" not in page.inner_text("body")


def test_standalone_download_works_from_a_file_with_no_network(page, tmp_path):
    sites = pd.DataFrame({
        "site_id": [1], "latitude": [41.8781], "longitude": [-87.6298],
        "name": [EVIL], "partner_name": [EVIL], "site_kind_label": ["Community school"],
    })
    m = maps.base_map()
    maps.add_districts(m)
    maps.add_sites_layer(m, sites)
    path = tmp_path / "map.html"
    path.write_text(assets.standalone_html(m), encoding="utf-8")

    page.goto(path.as_uri())
    drawn = page.wait_for_function(DRAWN, polling="raf", timeout=60_000).json_value()
    assert drawn["points"] == 1 and drawn["districts"] >= 13_000
    assert page.blocked == []

    xy = page.evaluate("""() => {
      const m = Object.values(window).find(v => v instanceof L.Map);
      return m.latLngToContainerPoint([41.8781, -87.6298]);
    }""")
    page.mouse.click(xy["x"], xy["y"])
    popup = page.wait_for_selector(".partner-sites-popup", timeout=10_000)
    assert EVIL in popup.inner_text()        # shown as text ...
    assert popup.query_selector("img") is None  # ... never as markup
    assert page.errors == []
