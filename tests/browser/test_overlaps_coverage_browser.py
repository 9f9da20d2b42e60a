"""The overlaps and coverage pages in headless Chromium with no network beyond localhost.

What AppTest cannot show: a click on a district of the overlaps map reaches Python and
lists that district's partners, and a copied link opens both pages with the same
filters in their widgets and on the map. Timings are printed (run with ``-s``), not
asserted: speed belongs in bench/.

A fresh server's first request being a deep link is covered by test_deep_link.py.
"""
from __future__ import annotations

import re
import time

import pytest

from geo.analysis import filter_activities, overlap_places
from geo.sample import make_sample
from geo.visibility import visible_frames
from tests.harness import CLEAR_POINT, IDLE, MAP_FRAME

# Every district is a layer of the map (drawn on its canvas) once the choropleth is in.
DISTRICTS_DRAWN = """() => window.map && document.querySelector('.partner-legend') !== null
  && Object.values(window.map._layers)
       .filter(l => l.feature && l._parts && l._parts.length).length >= 13000"""
# The same for the ~3,200 counties (a map drawn at county level).
COUNTIES_DRAWN = DISTRICTS_DRAWN.replace("13000", "3000")


@pytest.fixture(scope="module")
def public_frames():
    """The sample as the public sees it: the app under test seeds the same sample."""
    return visible_frames(make_sample(), "public")


@pytest.fixture
def ready(page, app_url):
    """``page`` after the router has run once (see the module docstring)."""
    page.goto(app_url)
    page.wait_for_selector(IDLE, timeout=120_000)
    page.wait_for_selector(MAP_FRAME, timeout=120_000)
    return page


def _open(page, url: str, drawn: str = DISTRICTS_DRAWN) -> tuple[object, float]:
    """Go to ``url``; return the map frame once its layer is drawn and the seconds it took."""
    started = time.perf_counter()
    page.goto(url)
    frame = page.wait_for_selector(MAP_FRAME, timeout=120_000).content_frame()
    frame.wait_for_function(drawn, polling="raf", timeout=120_000)
    seconds = time.perf_counter() - started
    page.wait_for_selector(IDLE, timeout=120_000)
    return frame, seconds


def _selected(page, label: str) -> str:
    """The option a selectbox shows (its combobox input's value)."""
    return page.input_value(f"input[role='combobox'][aria-label='{label}']")


def _legend(frame) -> str:
    return frame.inner_text(".partner-legend") if frame.query_selector(".partner-legend") else ""


# Zoom the map onto the district with the most partners and return its GEOID.
_TARGET = """() => {
  const layers = Object.values(window.map._layers)
    .filter(l => l.feature && l.feature.properties.value >= 2);
  if (!layers.length) return null;
  layers.sort((a, b) => b.feature.properties.value - a.feature.properties.value);
  const l = layers[0];
  window.map.fitBounds(l.getBounds(), {animate: false, padding: [40, 40]});
  return l.feature.properties.geoid;
}"""
def test_clicking_a_district_lists_its_partners(ready, app_url, public_frames, shots_dir):
    page = ready
    frame, first_s = _open(page, f"{app_url}/overlaps")
    assert "Partners per district" in _legend(frame) and "No partner" in _legend(frame)
    geoid = frame.evaluate(_TARGET)
    assert geoid, "no district with two or more partners on the map"
    frame.wait_for_function(f"() => window.map.getBounds().contains({_center_js(geoid)})",
                            timeout=10_000)
    point = frame.evaluate(CLEAR_POINT, geoid)
    assert point, f"district {geoid} is not clickable on screen"
    box = page.query_selector(MAP_FRAME).bounding_box()
    started = time.perf_counter()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    page.wait_for_selector("text=/\\d+ partners? works? here/", timeout=60_000)
    page.wait_for_selector(IDLE, timeout=60_000)
    click_s = time.perf_counter() - started

    expected = overlap_places(public_frames, "district", min_partners=1).set_index("place_id")
    names = sorted(expected.loc[geoid, "partner_names"].split("; "))
    listed = page.inner_text("[data-testid='stText']").splitlines()
    assert sorted(listed) == names
    assert f"GEOID {geoid}" in page.inner_text("body")
    assert re.search(f"[?&]district={geoid}(&|$)", page.url), page.url
    assert page.errors == [] and page.blocked == [], (page.errors, page.blocked)

    page.mouse.move(5, 5)  # no district tooltip over the screenshot
    page.screenshot(path=str(shots_dir / "overlaps.png"), full_page=True)
    print(f"\noverlaps: map drawn {first_s:.2f} s after navigation; district click listed "
          f"its partners in {click_s:.2f} s")


def _center_js(geoid: str) -> str:
    return ("Object.values(window.map._layers).find(l => l.feature && "
            f"l.feature.properties.geoid === '{geoid}').getBounds().getCenter()")


def test_copied_overlaps_link_restores_the_view(ready, app_url, public_frames):
    page = ready
    frame, _ = _open(page, f"{app_url}/overlaps"
                           "?kind=funding,policy&status=active&level=county&mi=2.5",
                     COUNTIES_DRAWN)
    assert "Partners per county" in _legend(frame)  # the level chosen is the level drawn
    kinds = page.inner_text("[data-testid='stSidebar'] [data-testid='stMultiSelect']"
                            ":has-text('Kind of work')")
    assert "Funding" in kinds and "Policy and advocacy" in kinds
    status = page.inner_text("[data-testid='stSidebar'] [data-testid='stMultiSelect']"
                             ":has-text('Status')")
    assert "Active" in status
    assert _selected(page, "Places") == "Counties"
    assert float(page.input_value("input[aria-label='Within (miles)']")) == 2.5
    narrowed = filter_activities(public_frames, kinds=["funding", "policy"], statuses=["active"])
    metric = page.inner_text("[data-testid='stMetric']:has-text('Counties with 2+ partners')")
    assert f"{len(overlap_places(narrowed, 'county')):,}" in metric
    assert page.errors == [] and page.blocked == []


def test_copied_coverage_link_restores_the_view_and_filters_rerender(ready, app_url):
    page = ready
    url = (f"{app_url}/coverage?level=county&metric=activities&classes=equal_interval&k=4"
           "&kind=policy&asof=2023-01-15")
    frame, first_s = _open(page, url, COUNTIES_DRAWN)
    assert "Activities per county" in _legend(frame) and "No activity" in _legend(frame)
    for label, shown in (("Level", "Counties"), ("Measure", "Activities"),
                         ("Classification", "Equal intervals"), ("Classes", "4")):
        assert _selected(page, label) == shown, label
    assert "Policy and advocacy" in page.inner_text("[data-testid='stSidebar'] "
                                                    "[data-testid='stMultiSelect']"
                                                    ":has-text('Kind of work')")
    assert page.input_value(
        "[data-testid='stSidebar'] [data-testid='stDateInput'] input") == "2023-01-15"

    # A filter change in the page re-renders the map with the new level.
    started = time.perf_counter()
    page.click("input[role='combobox'][aria-label='Level']")
    page.click("[role='option']:has-text('States')")
    page.wait_for_function(
        """() => { const f = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
                   const l = f && f.contentDocument.querySelector('.partner-legend');
                   return l && l.innerText.includes('Activities per state'); }""", timeout=60_000)
    page.wait_for_selector(IDLE, timeout=60_000)
    change_s = time.perf_counter() - started
    # States are the default level, so the link drops it and keeps the rest.
    assert "level=" not in page.url and "kind=policy" in page.url and "asof=2023-01-15" in page.url
    assert page.errors == [] and page.blocked == []
    print(f"\ncoverage (county level): map drawn {first_s:.2f} s after navigation; level change "
          f"re-rendered in {change_s:.2f} s")


def test_coverage_screenshot_with_gaps(ready, app_url, shots_dir):
    page = ready
    frame, first_s = _open(page, f"{app_url}/coverage?gaps=1",
                           "() => document.querySelectorAll('.partner-legend').length === 2")
    assert "Gaps: children in poverty" in frame.inner_text("body")
    assert page.errors == [] and page.blocked == []
    page.screenshot(path=str(shots_dir / "coverage.png"), full_page=True)
    print(f"\ncoverage (states + gaps): map drawn {first_s:.2f} s after navigation")
