"""``python -m geo publish -o DIR``: the public view as static files, with the public
view's rules in full (nothing of a partner without approval in any published file)."""
from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
import pytest

from geo.db import open_store
from geo.sample import make_sample
from tests.harness import REPO

CONTACT = "Dana Whitfield, dana.whitfield@quietharbor.example.net, (850) 555-0143"


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("publish")
    url = f"sqlite:///{tmp / 'partnermap.db'}"
    store = open_store(url, cache_dir=False)
    store.load_frames(make_sample(), actor="sample-data")
    # A withheld partner with every kind of identity a file could leak.
    pid = store.add_partner({"name": "Quiet Harbor Mentoring Guild", "type": "nonprofit",
                             "website": "https://quietharbor.example.net",
                             "email": "office@quietharbor.example.net",
                             "expertise": "Quiet Harbor Mentoring Guild trains mentors"},
                            actor="staff@example.org")
    sid = store.add_site({"partner_id": pid, "name": "Quiet Harbor Mentoring Guild office",
                          "site_kind": "office", "latitude": 30.4383,
                          "longitude": -84.2807, "state_fips": "12", "county_fips": "12073",
                          "district_geoid": "1201110", "secondary_district_geoid": ""},
                         actor="staff@example.org")
    store.add_activity({"partner_id": pid, "site_id": sid, "area_level": "site",
                        "kind_of_work": "implementation", "contact": CONTACT,
                        "notes": "Call office@quietharbor.example.net first"},
                       actor="staff@example.org")
    frames = store.frames()
    store.close()
    out = tmp / "site"
    env = dict(os.environ, DATABASE_URL=url)
    done = subprocess.run([sys.executable, "-m", "geo", "publish", "-o", str(out)], cwd=REPO,
                          env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return out, frames


def _texts(folder) -> dict[str, str]:
    return {str(p.relative_to(folder)): p.read_text(encoding="utf-8", errors="replace")
            for p in folder.rglob("*") if p.is_file()}


def test_publish_writes_the_public_view_as_static_files(published):
    out, frames = published
    files = _texts(out)
    for name in ("index.html", "map.html", "partners.csv", "partners.json",
                 "coverage_by_state.csv", "coverage_by_state.json",
                 "vendor/leaflet/leaflet.js",
                 "vendor/leaflet.markercluster/leaflet.markercluster.js"):
        assert name in files, sorted(files)
    listed = frames.partners[frames.partners["public"]]
    directory = pd.read_csv(out / "partners.csv", dtype=str, keep_default_na=False)
    # Every listed partner by name with its link; the others as one line.
    assert set(listed["name"]) <= set(directory["name"])
    assert len(directory) == len(listed) + 1
    assert directory["name"].iloc[-1].startswith("A coalition partner ×")
    first = listed.iloc[0]
    assert (first["website"] in files["index.html"]
            and f'href="{first["website"]}"' in files["index.html"])
    states = pd.read_csv(out / "coverage_by_state.csv", dtype=str)
    assert "Florida" in set(states["place"])
    # No CDN or app URL: the map loads Leaflet from the published folder.
    assert 'src="vendor/leaflet/leaflet.js"' in files["map.html"]
    assert "cdn" not in files["map.html"].lower() and "/app/static" not in files["map.html"]
    assert 'src="map.html"' in files["index.html"]


def test_no_published_file_names_a_partner_without_approval(published):
    out, frames = published
    files = _texts(out)
    withheld = frames.partners[~frames.partners["public"]]
    assert len(withheld) > 10
    secrets = set()
    for row in withheld.itertuples():
        secrets |= {row.name, row.website, row.email}
    theirs = frames.activities[frames.activities["partner_id"].isin(withheld["partner_id"])]
    secrets |= set(theirs["contact"])
    secrets |= {"quietharbor", "Dana Whitfield", "555-0143"}
    secrets = {s.lower() for s in secrets if isinstance(s, str) and len(s.strip()) >= 4}
    leaks = [(name, s) for name, text in files.items() for s in secrets if s in text.lower()]
    assert leaks == []
    # Their work is still counted: the withheld partner's office is on the map.
    assert "Initiative office" in files["map.html"]


def test_publish_refuses_a_folder_it_did_not_write(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    from geo.publish import publish

    with pytest.raises(FileExistsError, match="not a folder written by"):
        publish(make_sample(), tmp_path / "mine")
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"
