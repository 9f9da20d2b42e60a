"""The files of ``geo publish`` open in offline Chromium straight from disk (file://, no
server, no internet): the map draws its districts and site clusters, alone and embedded
in index.html."""
from __future__ import annotations

from geo.publish import publish
from geo.sample import make_sample
from tests.harness import MAP_DRAWN


def test_published_map_draws_offline_from_files(page, tmp_path):
    out = tmp_path / "site"
    publish(make_sample(), out)
    page.goto((out / "map.html").as_uri())
    drawn = page.wait_for_function(MAP_DRAWN, polling="raf", timeout=120_000).json_value()
    assert drawn["sites"] > 1000, drawn
    assert page.blocked == [] and page.errors == [], (page.blocked, page.errors)

    page.goto((out / "index.html").as_uri())
    frame = page.wait_for_selector('iframe[src="map.html"]', timeout=60_000).content_frame()
    embedded = frame.wait_for_function(MAP_DRAWN, polling="raf", timeout=120_000).json_value()
    assert embedded["sites"] == drawn["sites"]
    assert page.get_by_role("heading", name="Partners").is_visible()
    assert page.blocked == [] and page.errors == [], (page.blocked, page.errors)
