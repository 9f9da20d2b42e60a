"""The home page under AppTest, on a real temporary SQLite database.

AppTest cannot draw the map (see tests/browser for that); it checks everything around
it and what the page sends to the map component.
"""
from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from geo import schema
from geo.db import open_store
from pages import _mapview
from tests.pagetools import map_args

APP = "app.py"


def _run(monkeypatch, repo_root, database_url: str, *, sample: bool = True) -> AppTest:
    monkeypatch.chdir(repo_root)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("PARTNERMAP_SAMPLE_DATA", "1" if sample else "0")
    at = AppTest.from_file(str(repo_root / APP), default_timeout=180).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _map_args(at: AppTest) -> dict:
    maps = at.get("component_instance")
    assert len(maps) == 1, "the home page shows exactly one map"
    return map_args(maps[0])


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, repo_root):
    """One first run on a new database (filled with the sample), shared by the tests."""
    url = f"sqlite:///{tmp_path_factory.mktemp('home') / 'partnermap.db'}"
    mp = pytest.MonkeyPatch()
    try:
        at = _run(mp, repo_root, url)
        yield at, url
    finally:
        mp.undo()


def test_first_run_fills_the_database_with_the_sample(seeded):
    _, url = seeded
    store = open_store(url)
    frames = store.frames()
    assert len(frames.partners) == 40 and len(frames.activities) > 1000
    store.close()


def test_sample_notice_is_visible(seeded):
    at, _ = seeded
    assert any("Sample data — fictional partners" in i.value for i in at.info)
    assert any("Sample data" in w.value for w in at.sidebar.warning)


def test_headline_figures_match_the_database(seeded):
    at, url = seeded
    store = open_store(url)
    frames = store.frames()
    store.close()
    states = set(frames.sites["state_fips"]) | {
        a[:2] for a in frames.activities.loc[frames.activities["area_level"] != "site", "area_id"]
    }
    assert _metrics(at) == {
        "Partners": f"{len(frames.partners):,}",
        "Sites": f"{len(frames.sites):,}",
        "Activities": f"{len(frames.activities):,}",
        "States with activity": f"{len(states):,}",
    }


def test_map_component_gets_local_assets_districts_and_sites(seeded):
    at, _ = seeded
    args = _map_args(at)
    assert args["js_links"] == ["/app/static/vendor/leaflet/leaflet.js"]
    assert args["css_links"] == ["/app/static/vendor/leaflet/leaflet.css"]
    assert args["height"] == 600
    assert sorted(args["returned_objects"]) == ["last_active_drawing", "last_object_clicked"]
    script = args["script"]
    assert "L.partnerAreas(" in script and "L.partnerSites(" in script
    assert '"3620580"' in script  # a district id: the district layer is on the map


def test_big_layers_are_fetched_by_the_map_not_sent_in_its_script(seeded):
    """The national district layer (2 MB) and the sites' popup fields travel as files the
    map fetches; the script the page sends carries their URLs."""
    at, _ = seeded
    component = at.get("component_instance")[0]
    sent = json.loads(component.proto.json_args)["script"]
    assert len(sent) < 200_000
    assert '"3620580"' not in sent and "Partner type" not in sent
    urls = re.findall(r'\{"url":"([^"]+)"\}', sent)
    # districts, state outlines, then the sites' popup fields
    *areas, details = (json.loads(_mapview.payload_at(u)) for u in urls)
    assert len(areas) == 2 and "3620580" in areas[0]["ids"]
    assert [f["label"] for f in details][:3] == ["Site", "Partner", "Kind"]


def test_public_viewer_never_receives_withheld_names(seeded):
    at, url = seeded
    store = open_store(url)
    partners = store.frames().partners
    store.close()
    script = _map_args(at)["script"]
    for name in partners.loc[~partners["public"], "name"]:
        assert name not in script
    assert schema.ANONYMOUS_PARTNER in script
    assert any(name in script for name in partners.loc[partners["public"], "name"])


def test_without_sample_data_the_map_still_renders_empty(monkeypatch, repo_root, tmp_path):
    at = _run(monkeypatch, repo_root, f"sqlite:///{tmp_path / 'empty.db'}", sample=False)
    assert not any("Sample data" in i.value for i in at.info)
    assert _metrics(at)["Sites"] == "0"
    assert "L.partnerAreas(" in _map_args(at)["script"]
