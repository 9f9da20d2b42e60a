"""The coverage page under AppTest on a real temporary SQLite database, and the
choropleth maps behind it (geo.maps) rendered to HTML.

Expected figures come from ``geo`` on the frames the viewer may see. AppTest cannot
draw the map; the map's script (``json_args``) is what the browser would receive.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo import schema
from geo.analysis import (
    activities_by_start_year,
    activities_per_state,
    classify,
    coverage,
    filter_activities,
    gaps,
    summary,
)
from geo.boundaries import counties
from geo.db import open_store
from geo.maps import choropleth, counts
from geo.sample import make_sample
from geo.visibility import visible_frames
from tests.pagetools import app_env, csv_frame, download_bytes, map_args, metric

PAGE = "pages/coverage.py"
MAX_MAP_BYTES = 8_000_000


@pytest.fixture(scope="module")
def world(tmp_path_factory, repo_root) -> Iterator[dict]:
    url = f"sqlite:///{tmp_path_factory.mktemp('coverage') / 'partnermap.db'}"
    store = open_store(url)
    store.load_frames(make_sample(), actor="test")
    stored = store.frames()
    store.close()
    mp = pytest.MonkeyPatch()
    app_env(mp, repo_root, url)
    try:
        yield {"frames": stored, "public": visible_frames(stored, "public")}
    finally:
        mp.undo()


def _run(repo_root, query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(repo_root / PAGE), default_timeout=180)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _widget(at: AppTest, kind: str, label: str):
    found = [w for w in getattr(at, kind) if w.label == label]
    assert found, f"no {kind} {label!r}"
    return found[0]


def _map_args(at: AppTest) -> dict:
    maps = at.get("component_instance")
    assert len(maps) == 1, "the coverage page shows one map"
    return map_args(maps[0])


def _legends(script: str) -> list[dict]:
    """The legend specs in a map script, in the order they are added."""
    return [json.loads(m) for m in re.findall(r"L\.partnerLegend\((\{.*?\})\)\.addTo", script)]


def _layers(script: str) -> list[tuple[list[str], dict]]:
    """(ids, options) of every area layer in a map script."""
    out = []
    for match in re.finditer(r'L\.partnerAreas\(\{"scale":\d+,"ids":(\[.*?\])', script):
        ids = json.loads(match.group(1))
        opts = re.search(r"\}, (\{[^{}]*\})\)\.addTo", script[match.end():])
        out.append((ids, json.loads(opts.group(1))))
    return out


def test_headline_figures_match_the_data(world, repo_root):
    at = _run(repo_root)
    figures = summary(world["public"])
    assert metric(at, "Partners active") == f"{figures['active_partners']:,}"
    assert metric(at, "Activities") == f"{figures['activities']:,}"
    assert metric(at, "Community-school sites") == f"{figures['community_schools']:,}"
    assert metric(at, "Districts with activity") == f"{figures['districts_with_activity']:,}"


def test_default_map_shades_states_with_a_no_activity_class(world, repo_root):
    at = _run(repo_root)
    script = _map_args(at)["script"]
    legend = _legends(script)[0]
    table = coverage(world["public"], "state")
    classes = classify(table["value"], method="quantiles", k=5)
    upper, labels = choropleth.whole_number_classes(classes, table["value"])
    assert legend["title"] == "Partners per state"
    assert legend["labels"] == ["No activity", *labels]
    assert legend["colors"][0] == choropleth.NO_ACTIVITY_COLOR
    ids, opts = _layers(script)[0]
    assert len(ids) == len(table) and opts["bins"] == [0, *upper]
    assert len(json.dumps(_map_args(at))) < MAX_MAP_BYTES


def test_filters_change_the_figures_and_the_url(world, repo_root):
    at = _run(repo_root)
    before = metric(at, "Activities")
    _widget(at, "multiselect", "Partner type").set_value(["union"])
    _widget(at, "multiselect", "Principle").set_value(["family"])
    at.run()
    narrowed = filter_activities(world["public"], partner_types=["union"],
                                 principles=["Family Engagement"])
    assert metric(at, "Activities") == f"{len(narrowed.activities):,}" != before
    assert at.query_params["ptype"] in ("union", ["union"])
    assert at.query_params["principle"] in ("family", ["family"])


def test_level_metric_and_classification_switch_the_map(world, repo_root):
    at = _run(repo_root)
    _widget(at, "selectbox", "Level").set_value("county")
    _widget(at, "selectbox", "Measure").set_value("activities")
    _widget(at, "selectbox", "Classification").set_value("natural_breaks")
    _widget(at, "selectbox", "Classes").set_value("4")
    at.run()
    script = _map_args(at)["script"]
    table = coverage(world["public"], "county", metric="activities")
    legend = _legends(script)[0]
    assert legend["title"] == "Activities per county"
    bins = _layers(script)[0][1]["bins"]
    assert legend["labels"][0] == "No activity" and 3 <= len(legend["labels"]) <= 5
    assert bins[0] == 0 and bins == sorted(bins) and bins[-1] == table["value"].max()
    assert _legends(_map_args(at.run())["script"])[0] == legend, \
        "the classes stay put across reruns"
    # Every county with a shape, with or without activity (Falls Church city, VA has
    # none at 1:10m: it is in the table but cannot be drawn).
    drawable = {f for f, g in zip(counties()["county_fips"], counties().geometry, strict=True)
                if not g.is_empty}
    assert set(_layers(script)[0][0]) == drawable and len(drawable) >= len(table) - 1
    wanted = {"level": "county", "metric": "activities", "classes": "natural_breaks", "k": "4"}
    assert all(at.query_params.get(k) in (v, [v]) for k, v in wanted.items()), dict(at.query_params)
    _widget(at, "selectbox", "Classification").set_value("equal_interval")
    at.run()
    equal = choropleth.whole_number_classes(classify(table["value"], method="equal_interval", k=4),
                                            table["value"])[1]
    assert (_legends(_map_args(at)["script"])[0]["labels"] == ["No activity", *equal]
            != legend["labels"])


def test_url_restores_the_view(world, repo_root):
    query = {"level": "district", "metric": "community_schools", "classes": "equal_interval",
             "k": "3", "kind": "implementation", "status": "active,planned",
             "asof": "2023-01-15", "place": "0622710"}
    at = _run(repo_root, query)
    assert _widget(at, "selectbox", "Level").value == "district"
    assert _widget(at, "selectbox", "Measure").value == "community_schools"
    assert _widget(at, "selectbox", "Classification").value == "equal_interval"
    assert _widget(at, "selectbox", "Classes").value == "3"
    assert _widget(at, "multiselect", "Kind of work").value == ["implementation"]
    assert _widget(at, "multiselect", "Status").value == ["active", "planned"]
    assert _widget(at, "radio", "When").value == "asof"
    assert str(_widget(at, "date_input", "As of").value) == "2023-01-15"
    narrowed = filter_activities(world["public"], kinds=["implementation"],
                                 statuses=["active", "planned"], as_of="2023-01-15")
    assert metric(at, "Activities") == f"{len(narrowed.activities):,}"
    row = coverage(narrowed, "district").set_index("place_id").loc["0622710"]
    assert any(t.value.startswith(f"Selected: {row['place']} — {int(row['partners'])} partners")
               for t in at.text)
    assert '"ids":["0622710"]' in _map_args(at)["script"]  # the selection outline


def test_date_range_filter(world, repo_root):
    at = _run(repo_root, {"from": "2016-01-01", "to": "2016-12-31"})
    assert _widget(at, "radio", "When").value == "range"
    narrowed = filter_activities(world["public"], date_range=("2016-01-01", "2016-12-31"))
    assert metric(at, "Activities") == f"{len(narrowed.activities):,}"


def test_empty_results_are_said_in_plain_words(world, repo_root):
    at = _run(repo_root, {"asof": "1990-01-01"})
    infos = [i.value for i in at.info]
    assert "No activity matches with these filters: every place is shown as “No activity”." in infos
    assert "No state has partners with these filters." in infos
    assert "No activity in any state with these filters." in infos
    legend = _legends(_map_args(at)["script"])[0]
    assert legend["labels"] == ["No activity"]


def test_gaps_table_and_map_layer(world, repo_root, downloads):
    at = _run(repo_root, {"gaps": "1", "gapmax": "1", "gapby": "pct_poverty", "gapn": "25"})
    expected = gaps(world["public"], max_partners=1, by="pct_poverty")
    table = next(d.value for d in at.dataframe if "Rank" in d.value.columns)
    assert list(table["Place ID"].head(5)) == list(expected["place_id"].head(5))
    script = _map_args(at)["script"]
    gap_ids, gap_opts = _layers(script)[1]
    assert gap_ids and set(gap_ids) <= set(expected["place_id"].head(25)) and len(gap_ids) >= 20
    assert gap_opts["colors"] == choropleth.palette("oranges", len(gap_opts["colors"]))
    assert _legends(script)[1]["title"].startswith("Gaps: children in poverty (share), top 25")
    csv = csv_frame(download_bytes(at, downloads, "Download gaps (CSV)", "coverage_gaps.csv"))
    assert len(csv) == len(expected)
    assert csv["Place ID"].tolist()[:10] == expected["place_id"].tolist()[:10]


def test_csv_downloads(world, repo_root, downloads):
    at = _run(repo_root, {"level": "county"})
    counties = csv_frame(download_bytes(at, downloads, "Download counties (CSV)",
                                        "coverage_county.csv"))
    expected = coverage(world["public"], "county")
    assert len(counties) == len(expected)  # every county, with or without activity
    assert {"Place", "Partners", "Activities", "Community schools"} <= set(counties.columns)
    cook = counties[counties["Place ID"] == "17031"].iloc[0]
    assert int(cook["Activities"]) == int(expected.set_index("place_id").loc["17031", "activities"])
    per_state = csv_frame(download_bytes(at, downloads, "Download per state (CSV)",
                                         "activities_per_state.csv"))
    assert (per_state["Activities"].astype(int).sum()
            == activities_per_state(world["public"])["activities"].sum())
    years = csv_frame(download_bytes(at, downloads, "Download by year (CSV)",
                                     "activities_by_start_year.csv"))
    assert (years["Start year"].tolist()
            == activities_by_start_year(world["public"])["start_year"].tolist())
    for frame in (counties, per_state, years):
        assert not any(str(c).startswith(("=", "+", "@")) for c in frame.to_numpy().ravel())


def _chart(element) -> tuple[dict, pd.DataFrame]:
    """A Vega-Lite chart's specification and the rows it draws."""
    import pyarrow as pa

    rows = pa.ipc.open_stream(element.proto.data.data).read_all().to_pandas()
    return json.loads(element.proto.spec), rows


def test_charts_show_activities_per_state_tallest_first_and_by_start_year(world, repo_root):
    at = _run(repo_root)
    (state_spec, states), (year_spec, years) = [_chart(c) for c in at.get("vega_lite_chart")]
    expected = activities_per_state(world["public"])
    expected = expected[expected["activities"] > 0]
    assert dict(zip(states["state"], states["activities"], strict=True)) == dict(
        zip(expected["state"], expected["activities"], strict=True))
    assert state_spec["mark"]["type"] == "bar"
    assert state_spec["encoding"]["x"]["title"] == "State"
    assert state_spec["encoding"]["x"]["sort"] == {"field": "activities", "order": "descending"}
    assert year_spec["encoding"]["x"]["title"] == "Start year"
    assert "sort" not in year_spec["encoding"]["x"]  # in the years' own order
    assert years["start_year"].tolist() == activities_by_start_year(
        world["public"])["start_year"].tolist()


def test_map_download_is_a_standalone_page(world, repo_root, downloads):
    at = _run(repo_root, {"level": "district", "gaps": "1"})
    html = download_bytes(at, downloads, "Download the map (HTML)",
                          "coverage_district_partners.html").decode("utf-8")
    assert "<script src=" not in html and "<link" not in html.replace('rel="icon"', "")
    assert "L.partnerAreas(" in html and "Partners per district" in html and "No activity" in html
    assert len(html.encode("utf-8")) < MAX_MAP_BYTES


def test_map_download_says_what_it_shows(world, repo_root, downloads):
    """The downloaded page names its view, filters, date and sources, and says the data
    is the fictional sample, above the map and as the page title."""
    at = _run(repo_root, {"level": "district", "gaps": "1", "kind": "funding,policy",
                          "status": "active"})
    html = download_bytes(at, downloads, "Download the map (HTML)",
                          "coverage_district_partners.html").decode("utf-8")
    head = html[html.index("<body>"):html.index('<div class="folium-map"')]
    assert "<title>Coverage: Partners per district</title>" in html
    assert "<h1" in head and "Coverage: Partners per district" in head
    kinds = ", ".join(schema.KINDS_OF_WORK[k] for k in ("funding", "policy"))
    assert f"Kind of work: {kinds}" in head
    assert "Status: Active" in head
    assert f"Made {dt.date.today().isoformat()}" in head
    assert "Urban Institute" in head and "Census" in head
    assert "Sample data" in head


def test_public_viewer_never_receives_withheld_names(world, repo_root, downloads):
    at = _run(repo_root, {"level": "district"})
    p = world["frames"].partners
    secrets = [s for s in [*p.loc[~p["public"], "name"], *p.loc[~p["public"], "email"]] if s]
    assert secrets
    script = _map_args(at)["script"]
    options = " ".join(o for w in at.multiselect for o in w.options)
    assert "A coalition partner" not in options  # withheld partners cannot be picked
    html = download_bytes(at, downloads, "Download the map (HTML)",
                          "coverage_district_partners.html").decode("utf-8")
    for secret in secrets:
        assert secret not in script and secret not in options and secret not in html


def test_public_cannot_single_out_a_withheld_partner(world, repo_root):
    p = world["frames"].partners
    hidden = int(p.loc[~p["public"], "partner_id"].iloc[0])
    everything = _run(repo_root)
    at = _run(repo_root, {"partner": str(hidden)})
    assert any("cannot be chosen one by one" in i.value for i in at.sidebar.info)
    partner_box = _widget(at, "multiselect", "Partner")
    assert partner_box.value == [] and not any("#" in o for o in partner_box.options)
    assert len(partner_box.options) == int(p["public"].sum())
    # The link's partner is ignored: the page shows the whole coalition's figures.
    assert [m.value for m in at.metric] == [m.value for m in everything.metric]


# --- geo.maps.choropleth ---------------------------------------------------------------------

def test_whole_number_classes_keep_every_count_in_its_class():
    values = pd.Series([0, 1, 2, 3, 5, 8, 9, 20, 120, 0, 4])
    classes = classify(values, method="quantiles", k=5)
    assert any("." in label for label in classes.labels)  # quantiles cut counts at fractions
    upper, labels = choropleth.whole_number_classes(classes, values)
    assert all(float(u).is_integer() for u in upper) and not any("." in label for label in labels)
    positive = values[values > 0]
    old = pd.Series(pd.cut(positive, [0, *classes.upper], labels=False))
    new = pd.Series(pd.cut(positive, [0, *upper], labels=False))
    assert old.tolist() == new.tolist()


def test_partner_count_map_has_no_unknown_districts():
    m = counts.partner_count_map(pd.Series({"3620580": 9, "0622710": 2}))
    html = m.get_root().render()
    legend = _legends(html)[0]
    assert legend["labels"][0] == "No partner" and legend["noDataLabel"] is None
    assert "No data" not in legend["labels"]


def test_area_choropleth_checks_its_classes():
    areas = choropleth.area_layer("state")
    m = counts.partner_count_map(pd.Series(dtype="int64"))
    with pytest.raises(ValueError, match="one per class"):
        choropleth.add_area_choropleth(m, areas, pd.Series({"06": 1}), upper=[1, 2], labels=["1"],
                                       legend="x")
    with pytest.raises(ValueError, match="ascending"):
        choropleth.add_area_choropleth(m, areas, pd.Series({"06": 1}), upper=[2, 1],
                                       labels=["a", "b"], legend="x")
    with pytest.raises(ValueError, match="level must be one of"):
        choropleth.area_layer("planet")


def test_dates_the_data_covers_can_be_picked(world, repo_root):
    """Activities start in 2015 (ten years before 'today' is 2016 and later): the date
    inputs must offer them, and the figures say which date they are for."""
    first = pd.to_datetime(world["public"].activities["start_date"]).min().date()
    at = _run(repo_root, {"asof": "2015-06-30"})
    asof = _widget(at, "date_input", "As of")
    low, high = (pd.Timestamp(asof.proto.min).date(), pd.Timestamp(asof.proto.max).date())
    assert low <= first and high >= pd.Timestamp.today().date()
    assert str(asof.value) == "2015-06-30"
    narrowed = filter_activities(world["public"], as_of="2015-06-30")
    assert metric(at, "Activities") == f"{len(narrowed.activities):,}"
    assert "Figures: activities under way on 2015-06-30." in [c.value for c in at.sidebar.caption]
    at.radio(key=_widget(at, "radio", "When").key).set_value("range").run()
    span = _widget(at, "date_input", "From – to")
    assert pd.Timestamp(span.proto.min).date() <= first
    # A link with a date no form accepts is reported, not turned into an error.
    odd = _run(repo_root, {"asof": "1850-01-01"})
    assert "Ignored unreadable link settings: asof" in [c.value for c in odd.caption]


def test_map_has_a_png_export_saying_what_it_shows(world, repo_root):
    """The map's "Save as image (PNG)" button draws the same header as the HTML download."""
    at = _run(repo_root, {"level": "county", "kind": "funding", "gaps": "1"})
    script = _map_args(at)["script"]
    spec = json.loads(re.search(r"L\.partnerImageExport\((\{.*?\})\)\.addTo", script).group(1))
    assert spec["title"] == "Coverage: Partners per county"
    assert spec["fileName"] == "coverage_county_partners.png"
    assert spec["sample"] and spec["sample"].startswith("Sample data")
    assert f"Kind of work: {schema.KINDS_OF_WORK['funding']}" in spec["lines"]
    assert spec["lines"][-1] == f"Made {dt.date.today().isoformat()}"
    assert any(line.startswith("Gaps:") for line in spec["lines"])
    sources = " ".join(spec["sources"])
    assert "Census" in sources and "Urban Institute" in sources
    assert "html-to-image/html-to-image.js" in " ".join(_map_args(at)["js_links"])


def test_place_names_are_off_by_default_and_follow_the_checkbox(world, repo_root):
    at = _run(repo_root)
    box = _widget(at, "checkbox", "Show place names")
    assert box.value is False and "L.partnerLabels(" not in _map_args(at)["script"]
    assert "PARTNERMAP_TILES=osm" in box.help  # the basemap is a server setting: say so
    box.check()
    at.run()
    script = _map_args(at)["script"]
    payload = json.loads(re.search(r"L\.partnerLabels\((\{.*?\})\)\.addTo", script).group(1))
    states, counties = payload["states"], payload["counties"]
    assert {"Texas", "Colorado"} <= set(states["names"]) and "TX" in states["short"]
    assert len(counties["names"]) > 3000
    assert payload["countyZoom"] == choropleth.COUNTY_LABEL_ZOOM
    assert at.query_params["names"] in ("1", ["1"])
    assert "L.partnerLabels(" in _map_args(_run(repo_root, {"names": "1"}))["script"]


def test_place_label_points_sit_inside_their_place():
    states = choropleth.place_labels("state")
    assert len(states["names"]) == len(states["lat"]) == len(states["lon"]) == len(states["short"])
    assert states["names"][0] == "Alaska"  # largest first: big places win a crowded spot
    i = states["names"].index("Michigan")  # on the Lower Peninsula, its largest part
    assert 41.7 < states["lat"][i] < 45.8 and -86.5 < states["lon"][i] < -82.4
    counties = choropleth.place_labels("county")
    assert len(counties["names"]) > 3000 and "short" not in counties
    with pytest.raises(ValueError, match="states and counties"):
        choropleth.place_labels("district")
