"""The overlaps page under AppTest, on a real temporary SQLite database.

The database holds the fictional sample with one public partner renamed to a formula
(``=HYPERLINK(...)``), so downloads must neutralise it. Expected figures are computed
with ``geo`` on the frames as the viewer may see them, not written in by hand.
AppTest cannot click the map: tests/browser does that.
"""
from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo import auth, codes
from geo.analysis import filter_activities, gazetteer, nearby_pairs, overlap_places, partner_pairs
from geo.db import open_store
from geo.sample import make_sample
from geo.visibility import visible_frames
from tests.pagetools import app_env, csv_frame, download_bytes, map_script, metric

PAGE = "pages/overlaps.py"
EVIL = '=HYPERLINK("http://evil.example","x")'
STAFF = "staff@coalition.example.org"


@pytest.fixture(scope="module")
def world(tmp_path_factory, repo_root) -> Iterator[dict]:
    """A database with the sample (one public partner named like a formula), a staff
    account, and the environment pointing the app at it."""
    url = f"sqlite:///{tmp_path_factory.mktemp('overlaps') / 'partnermap.db'}"
    frames = make_sample()
    partners = frames.partners.copy()
    public_ids = partners.loc[partners["public"], "partner_id"]
    # The public partner with the most shared districts, so it shows up in pairs.
    pairs = partner_pairs(frames)
    busiest = pd.concat([pairs["partner_a_id"], pairs["partner_b_id"]]).value_counts()
    evil_id = int(next(i for i in busiest.index if i in set(public_ids)))
    partners.loc[partners["partner_id"] == evil_id, "name"] = EVIL
    frames.partners = partners
    store = open_store(url)
    store.load_frames(frames, actor="test")
    store.users.add_user(STAFF, auth.hash_password("correct horse battery staple"), "staff")
    stored = store.frames()
    store.close()
    mp = pytest.MonkeyPatch()
    app_env(mp, repo_root, url)
    try:
        yield {"frames": stored, "public": visible_frames(stored, "public"), "evil_id": evil_id}
    finally:
        mp.undo()


def _run(repo_root, query: dict[str, str] | None = None, *,
         viewer: auth.Viewer | None = None) -> AppTest:
    at = AppTest.from_file(str(repo_root / PAGE), default_timeout=180)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    if viewer is not None:
        at.session_state["viewer"] = viewer
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _map_script(at: AppTest) -> str:
    maps = at.get("component_instance")
    assert len(maps) == 1, "the overlaps page shows one map"
    return map_script(maps[0])


def _widget(at: AppTest, kind: str, label: str):
    found = [w for w in getattr(at, kind) if w.label == label]
    assert found, f"no {kind} {label!r}"
    return found[0]


def test_default_view_counts_districts_pairs_and_nearby_sites(world, repo_root):
    at = _run(repo_root)
    public = world["public"]
    assert (metric(at, "School districts with 2+ partners")
            == f"{len(overlap_places(public, 'district')):,}")
    assert metric(at, "Partner pairs") == f"{len(partner_pairs(public)):,}"
    assert metric(at, "Site pairs") == f"{len(nearby_pairs(public, 1.0)):,}"
    assert not at.info, [i.value for i in at.info]


def test_kind_filter_changes_results_and_goes_into_the_url(world, repo_root):
    at = _run(repo_root)
    before = metric(at, "School districts with 2+ partners")
    _widget(at, "multiselect", "Kind of work").set_value(["funding"])
    at.run()
    expected = overlap_places(filter_activities(world["public"], kinds=["funding"]), "district")
    assert metric(at, "School districts with 2+ partners") == f"{len(expected):,}" != before
    assert at.query_params["kind"] in ("funding", ["funding"])


def test_level_and_overlap_kind_switch_the_places_table(world, repo_root):
    at = _run(repo_root)
    _widget(at, "selectbox", "Places").set_value("county")
    at.run()
    counties = overlap_places(world["public"], "county")
    assert metric(at, "Counties with 2+ partners") == f"{len(counties):,}"
    _widget(at, "selectbox", "Overlap").set_value("duplication")
    at.run()
    dup = counties[counties["overlap"] == "possible duplication"]
    assert metric(at, "Counties with 2+ partners") == f"{len(dup):,}"
    table = at.dataframe[0].value
    assert set(table["Overlap"]) == {"possible duplication"} and len(table) == len(dup)
    assert at.query_params["level"] in ("county", ["county"])


def test_rank_by_same_kind_puts_duplication_first(world, repo_root):
    at = _run(repo_root, {"rank": "same"})
    table = at.dataframe[0].value
    assert table["Overlap"].iloc[0] == "possible duplication"
    expected = overlap_places(world["public"], "district").sort_values(
        ["n_shared_kinds", "partners", "activities"], ascending=False, kind="stable")
    assert list(table["Place"].head(10)) == list(expected["place"].head(10))
    assert list(table["Place"].head(10)) != list(
        overlap_places(world["public"], "district")["place"].head(10))


def test_empty_results_say_so_in_plain_words(world, repo_root):
    public = world["public"]
    active_states = set(public.sites["state_fips"]) | {
        str(a)[:2]
        for a in public.activities.loc[public.activities["area_level"] != "site", "area_id"]}
    quiet = next(code for fips, code in sorted(codes.postal_codes().items())
                 if fips not in active_states)
    at = _run(repo_root, {"state": quiet})
    infos = [i.value for i in at.info]
    assert "No district has two or more partners with these filters." in infos
    assert "No two partners share a district with these filters." in infos
    assert ("No sites of different partners are within 1 mile of each other "
            "with these filters.") in infos
    assert _widget(at, "selectbox", "State").value == quiet  # the widget shows the URL's value


def test_url_restores_filters_and_selection(world, repo_root):
    geoid = overlap_places(world["public"], "county")["place_id"].iloc[0]
    at = _run(repo_root, {"kind": "implementation,policy", "status": "active", "level": "county",
                          "mi": "2.5", "county": geoid})
    assert _widget(at, "multiselect", "Kind of work").value == ["implementation", "policy"]
    assert _widget(at, "multiselect", "Status").value == ["active"]
    assert _widget(at, "selectbox", "Places").value == "county"
    assert _widget(at, "number_input", "Within (miles)").value == 2.5
    narrowed = filter_activities(world["public"], kinds=["implementation", "policy"],
                                 statuses=["active"])
    assert metric(at, "Counties with 2+ partners") == f"{len(overlap_places(narrowed, 'county')):,}"
    assert metric(at, "Site pairs") == f"{len(nearby_pairs(narrowed, 2.5)):,}"
    place = gazetteer.place_table("county").set_index("place_id").loc[geoid, "label"]
    assert any(place in m.value for m in at.markdown), "the selected county is named"
    # The map outlines the selected county: a layer of that one county.
    assert f'"ids":["{geoid}"]' in _map_script(at)


def test_bad_link_values_are_ignored_and_reported(world, repo_root):
    at = _run(repo_root, {"kind": "funding,<script>", "level": "planet", "mi": "1e9",
                          "district": "12"})
    assert _widget(at, "multiselect", "Kind of work").value == []
    assert _widget(at, "selectbox", "Places").value == "district"
    assert _widget(at, "number_input", "Within (miles)").value == 1.0
    captions = " ".join(c.value for c in at.caption)
    assert "Ignored unreadable link settings: district, kind, level, mi" in captions


def test_csv_downloads_match_the_tables_and_neutralise_formulas(world, repo_root, downloads):
    at = _run(repo_root, {"level": "state"})
    places = csv_frame(download_bytes(at, downloads, "Download places (CSV)", "overlaps_state.csv"))
    assert len(places) == len(overlap_places(world["public"], "state"))
    assert list(places.columns[:3]) == ["Place ID", "Place", "State"]
    intros = csv_frame(download_bytes(at, downloads, "Download introductions list (CSV)",
                                      "introductions_state.csv"))
    assert len(intros) == len(partner_pairs(world["public"], level="state"))
    cells = intros.to_numpy().ravel().tolist() + places.to_numpy().ravel().tolist()
    assert "'" + EVIL in cells, "the formula-like partner name is kept, as text"
    assert not any(str(c).startswith(("=", "+", "@")) for c in cells)
    nearby = csv_frame(download_bytes(at, downloads, "Download nearby sites (CSV)",
                                      "nearby_sites.csv"))
    assert len(nearby) == len(nearby_pairs(world["public"], 1.0))
    assert {"Distance (mi)", "Site A", "Site B"} <= set(nearby.columns)


def _withheld(frames) -> list[str]:
    p = frames.partners
    hidden = p[~p["public"].astype(bool)]
    return [s for s in [*hidden["name"], *hidden["email"], *hidden["website"]] if s]


def test_public_viewer_gets_no_withheld_name_or_email(world, repo_root, downloads):
    geoid = overlap_places(world["frames"], "district")["place_id"].iloc[0]
    at = _run(repo_root, {"district": geoid})
    secrets = _withheld(world["frames"])
    assert secrets, "the sample must have partners that did not approve public listing"
    intros = download_bytes(at, downloads, "Download introductions list (CSV)",
                       "introductions_district.csv").decode("utf-8-sig")
    script = _map_script(at)
    shown = " ".join([*(t.value for t in at.text), *(m.value for m in at.markdown)]
                     + [df.value.to_csv() for df in at.dataframe])
    for secret in secrets:
        assert secret not in intros
        assert secret not in script
        assert secret not in shown
    assert "A coalition partner" in intros
    # Contacts of withheld partners' activities are blank too.
    hidden_ids = set(world["frames"].partners.loc[~world["frames"].partners["public"],
                                                  "partner_id"])
    contacts = world["frames"].activities.loc[
        world["frames"].activities["partner_id"].isin(hidden_ids), "contact"]
    for contact in set(contacts) - {""}:
        assert contact not in intros


def test_public_downloads_carry_no_id_of_a_withheld_partner(world, repo_root, downloads):
    at = _run(repo_root)
    p = world["frames"].partners
    hidden = {str(i) for i in p.loc[~p["public"], "partner_id"]}
    for label, name in (("Download introductions list (CSV)", "introductions_district.csv"),
                        ("Download nearby sites (CSV)", "nearby_sites.csv")):
        table = pd.read_csv(io.BytesIO(download_bytes(at, downloads, label, name)), dtype=str,
                            keep_default_na=False, encoding="utf-8-sig")
        id_columns = [c for c in table.columns if "partner" in c.lower() and "id" in c.lower()]
        assert len(id_columns) == 2, table.columns
        anonymous = table[[c for c in table.columns if c.lower() in ("partner a", "partner_a")][0]]
        assert (anonymous == "A coalition partner").any(), name  # their work is still listed
        for column in id_columns:
            assert not set(table[column]) & hidden, (name, column)
        assert set(table[id_columns[0]]) - {""}, "approved partners keep their ids"


def test_staff_see_withheld_partners_in_introductions(world, repo_root, downloads):
    at = _run(repo_root, viewer=auth.Viewer(email=STAFF, role="staff"))
    intros = download_bytes(at, downloads, "Download introductions list (CSV)",
                       "introductions_district.csv").decode("utf-8-sig")
    assert any(secret in intros for secret in _withheld(world["frames"]))


def _legend_titles(script: str) -> list[str]:
    return re.findall(r'L\.partnerLegend\(\{"title":"([^"]*)"', script)


@pytest.mark.parametrize("level,noun", [("district", "district"), ("county", "county"),
                                        ("state", "state")])
def test_map_draws_the_level_chosen(world, repo_root, level, noun):
    at = _run(repo_root, {"level": level})
    script = _map_script(at)
    assert _legend_titles(script) == [f"Partners per {noun}"]
    assert any(s.value == f"Partners per {noun}" for s in at.subheader)
    # Each place of the level is drawn with its partner count: the busiest one by its id.
    busiest = overlap_places(world["public"], level, min_partners=1).iloc[0]
    ids = json.loads(re.search(r'"ids":(\[[^\]]*\])', script).group(1))
    assert busiest["place_id"] in ids


def test_a_district_link_under_the_county_level_selects_nothing(world, repo_root):
    geoid = overlap_places(world["public"], "district")["place_id"].iloc[0]
    at = _run(repo_root, {"level": "county", "district": geoid})
    assert f'"ids":["{geoid}"]' not in _map_script(at)
    assert any("Click a county on the map" in m.value for m in at.markdown)


def test_introductions_are_a_table_with_why(world, repo_root):
    at = _run(repo_root)
    tables = [df.value for df in at.dataframe if "Why introduce them" in df.value.columns]
    assert len(tables) == 1, "one introductions table on the page"
    intros = tables[0]
    pairs = partner_pairs(world["public"], level="district")
    assert len(intros) == len(pairs)
    assert metric(at, "Introductions to make") == f"{len(pairs):,}"
    first = intros.iloc[0]
    assert first["Why introduce them"].startswith(f"Both work in {pairs['places'].iloc[0]} place")
    assert {first["Partner A"], first["Partner B"]} == {pairs["partner_a"].iloc[0],
                                                        pairs["partner_b"].iloc[0]}


def test_nearby_site_pairs_are_drawn_on_the_map(world, repo_root):
    near = nearby_pairs(world["public"], 1.0)
    assert len(near) > 0
    script = _map_script(at := _run(repo_root))
    data = json.loads(re.search(r"L\.partnerPairs\((\{.*?\}), \{\}\)", script).group(1))
    assert len(data["pairs"]) == len(near)
    sites = world["public"].sites.set_index("site_id")
    first = near.iloc[0]
    a, b = sites.loc[int(first["site_a_id"])], sites.loc[int(first["site_b_id"])]
    assert data["pairs"][0][:4] == pytest.approx([a["latitude"], a["longitude"],
                                                  b["latitude"], b["longitude"]],
                                                 abs=1e-5)
    assert data["selected"] == -1
    assert any("Orange lines: sites of different partners within 1 mi" in c.value
               for c in at.caption)
    # ?pairs=0 hides them.
    assert "L.partnerPairs" not in _map_script(_run(repo_root, {"pairs": "0"}))


def test_page_explains_why_a_district_and_its_county_differ(world, repo_root):
    at = _run(repo_root)
    note = " ".join(c.value for c in at.caption)
    assert "district-wide activity counts in its district and state but in no county" in note
    assert "1:10 million" in note and "Denver" in note


def test_map_has_a_png_export_saying_what_it_shows(world, repo_root):
    """The overlaps map's "Save as image (PNG)" button draws a header: the level, the
    filters, the place outlined, the site pairs drawn, the date and the sources."""
    geoid = overlap_places(world["public"], "district")["place_id"].iloc[0]
    at = _run(repo_root, {"status": "active", "district": geoid})
    script = _map_script(at)
    spec = json.loads(re.search(r"L\.partnerImageExport\((\{.*?\})\)\.addTo", script).group(1))
    assert spec["title"] == "Overlaps: partners per district"
    assert spec["fileName"] == "overlaps_district.png"
    lines = spec["lines"]
    assert "Status: Active" in lines
    assert len(nearby_pairs(filter_activities(world["public"], statuses=["active"]), 1.0)) > 0
    label = gazetteer.place_table("district").set_index("place_id").loc[geoid, "label"]
    assert f"Outlined in red: {label}" in lines
    assert any(line.startswith("Orange lines: sites of different partners") for line in lines)
    assert lines[-1].startswith("Made ") and spec["sample"].startswith("Sample data")
    assert any("Census" in s for s in spec["sources"])


def test_the_selected_places_partners_are_found_once_and_shared(world, repo_root, monkeypatch):
    """The scan behind "Selected district" runs once per data version, role, filters and
    place, not on every visit or click (about 1 s at national scale)."""
    import functools

    import streamlit as st

    import geo.analysis
    from geo.analysis import place_params

    runs: list[str] = []
    real = geo.analysis.scan

    @functools.wraps(real)
    def counting(frames, place, **kwargs):  # noqa: ANN001, ANN202
        runs.append(place.id)
        return real(frames, place, **kwargs)

    monkeypatch.setattr(geo.analysis, "scan", counting)
    monkeypatch.setattr(place_params, "scan", counting)
    st.cache_resource.clear()
    geoid = overlap_places(world["public"], "district")["place_id"].iloc[0]
    first = _run(repo_root, {"district": geoid})
    second = _run(repo_root, {"district": geoid})
    assert runs == [geoid]
    listed = [t.value for t in second.text]
    assert listed and listed == [t.value for t in first.text]


def test_a_long_table_sends_its_first_rows_and_the_download_has_them_all(world, repo_root,
                                                                         downloads):
    """Within 5 miles the sample has thousands of site pairs: the page shows the nearest
    1,000 (the whole table went to every browser: ~16 MB at national scale), says so, and
    the CSV still holds every pair; a pick in the rows shown still steers the map."""
    total = len(nearby_pairs(world["public"], 5.0))
    assert total > 1000
    at = _run(repo_root, {"mi": "5"})
    assert metric(at, "Site pairs") == f"{total:,}"
    table = next(d.value for d in at.dataframe if "Site A" in d.value.columns)
    assert len(table) == 1000
    captions = " ".join(c.value for c in at.caption)
    assert f"Showing the first 1,000 of {total:,} rows" in captions
    nearby = csv_frame(download_bytes(at, downloads, "Download nearby sites (CSV)",
                                      "nearby_sites.csv"))
    assert len(nearby) == total
