"""Map building without a browser: render to HTML and check what the browser would get."""
from __future__ import annotations

import json
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import MultiPolygon, Polygon

from geo import assets, maps, schema
from geo.analysis import gazetteer
from geo.maps import choropleth
from geo.sample import make_sample
from geo.visibility import visible_frames

EVIL = "</script><img src=x onerror=alert(1)>"


def _payload(html: str, call: str) -> dict:
    """The JSON object passed as first argument to ``call(`` in the page."""
    start = html.index(call + "(") + len(call) + 1
    value, _ = json.JSONDecoder().raw_decode(html, start)
    return value


def _payloads(html: str, call: str) -> list[dict]:
    out, pos = [], 0
    decoder = json.JSONDecoder()
    while (i := html.find(call + "(", pos)) >= 0:
        value, end = decoder.raw_decode(html, i + len(call) + 1)
        out.append(value)
        pos = end
    return out


def _sites_payload(html: str) -> dict:
    """The points and (under ``fields``) the popup fields given to ``L.partnerSites(``."""
    start = html.index("L.partnerSites(") + len("L.partnerSites(")
    decoder = json.JSONDecoder()
    points, end = decoder.raw_decode(html, start)
    details, _ = decoder.raw_decode(html, re.compile(r"\s*,\s*").match(html, end).end())
    return {**points, "fields": details}


def _decode_sites(p: dict) -> pd.DataFrame:
    lat = np.cumsum(p["lat"]) / p["scale"]
    lon = np.cumsum(p["lon"]) / p["scale"]
    out = pd.DataFrame({"site_id": p["ids"], "latitude": lat, "longitude": lon})
    for f in p["fields"]:
        vals = f["values"] if f["codes"] is None else [f["values"][c] for c in f["codes"]]
        out[f["key"]] = vals
    return out


def _decode_rings(p: dict, i: int) -> list[list[np.ndarray]]:
    polys = []
    for poly in p["geoms"][i]:
        rings = []
        for ring in poly:
            xy = np.cumsum(np.asarray(ring, dtype=float).reshape(-1, 2), axis=0) / p["scale"]
            rings.append(xy)
        polys.append(rings)
    return polys


@pytest.fixture(scope="module")
def sample():
    return make_sample()


@pytest.fixture(scope="module")
def national_html(sample):
    f = visible_frames(sample, "public")
    return maps.national_map(f.sites, partners=f.partners).get_root().render()


def _sites(**extra) -> pd.DataFrame:
    base = {
        "site_id": [1, 2, 3],
        "latitude": [41.881234567, 40.7, np.nan],
        "longitude": [-87.6298765, -74.0, -90.0],
        "name": ["Alpha School", "Beta School", "Nowhere"],
        "partner_name": ["P1", "P2", "P1"],
        "site_kind_label": ["Community school"] * 3,
    }
    base.update(extra)
    return pd.DataFrame(base)


def test_national_map_has_districts_states_and_sites(national_html, sample):
    areas = _payloads(national_html, "L.partnerAreas")
    districts = next(a for a in areas if a.get("names"))
    assert len(districts["ids"]) == 13345
    assert "3620580" in districts["ids"]  # New York City Department of Education
    nyc = districts["names"][districts["ids"].index("3620580")]
    assert "New York City" in nyc
    states = next(a for a in areas if not a.get("names"))
    assert {"06", "36", "48"} <= set(states["ids"])
    sites = _decode_sites(_sites_payload(national_html))
    assert len(sites) == len(sample.sites)


def test_national_map_size_with_sample_sites(national_html):
    # Budget (issue 6): the district layer at most 6 MB; the whole home map fits in it.
    assert len(national_html.encode()) < 6_000_000


def test_partner_name_cannot_break_out_of_the_script():
    m = maps.base_map()
    maps.add_sites_layer(m, _sites(partner_name=[EVIL, "P2", "P1"], name=[EVIL, "b", "c"]))
    html = m.get_root().render()
    assert "<img src=x" not in html
    assert "</script><img" not in html
    assert "\\u003c/script\\u003e\\u003cimg" in html
    # and the name still arrives intact for the popup (shown with textContent)
    decoded = _decode_sites(_sites_payload(html))
    assert EVIL in set(decoded["partner_name"]) and EVIL in set(decoded["name"])


def test_sites_payload_round_trips_at_five_decimals():
    sites = _sites()
    payload, n = maps.sites_payload(sites, popup_fields=maps.DEFAULT_POPUP_FIELDS)
    assert n == 2  # the site without coordinates is left out and counted
    decoded = _decode_sites(json.loads(payload)).set_index("site_id").sort_index()
    assert list(decoded.index) == [1, 2]
    assert decoded.loc[1, "latitude"] == pytest.approx(41.88123, abs=1e-9)
    assert decoded.loc[1, "longitude"] == pytest.approx(-87.62988, abs=1e-9)
    assert decoded.loc[2, "name"] == "Beta School"


def test_sites_payload_names_missing_columns():
    with pytest.raises(ValueError, match="partner_name"):
        maps.sites_payload(_sites().drop(columns="partner_name"),
                           popup_fields=maps.DEFAULT_POPUP_FIELDS)


def test_label_sites_uses_the_names_given():
    partners = pd.DataFrame({"partner_id": [1], "name": [schema.ANONYMOUS_PARTNER]})
    sites = pd.DataFrame({"partner_id": [1, 9], "site_kind": ["office", "community_school"]})
    out = maps.label_sites(sites, partners)
    assert list(out["partner_name"]) == [schema.ANONYMOUS_PARTNER, schema.ANONYMOUS_PARTNER]
    assert list(out["site_kind_label"]) == ["Initiative office", "Community school"]


def test_a_sites_popup_contact_starts_with_the_sites_own_contact():
    from geo.analysis.frames import make_frames

    frames = make_frames(
        partners=[{"partner_id": 1, "name": "Open Org"}],
        sites=[{"site_id": s, "partner_id": 1, "name": n, "contact": c, "latitude": 30.4,
                "longitude": -84.3, "district_geoid": "1201110", "county_fips": "12073"}
               for s, n, c in ((1, "Alpha School", "Pat Lee 850-555-0100"), (2, "Beta School", ""),
                               (3, "Gamma School", "lee@open.example.org"))],
        activities=[{"activity_id": a, "partner_id": 1, "site_id": s, "kind_of_work": "funding",
                     "contact": c} for a, s, c in ((1, 1, "lee@open.example.org"),
                                                   (2, 2, "kim@open.example.org"),
                                                   (3, 3, "lee@open.example.org"))])
    out = maps.label_sites(frames.sites, frames.partners, frames.activities)
    assert list(out["contact_label"]) == [
        "Pat Lee 850-555-0100; lee@open.example.org", "kim@open.example.org",
        "lee@open.example.org"]
    assert maps.DETAILED_POPUP_FIELDS["Contact"] == "contact_label"


def test_a_sites_popup_lists_its_activities_work_statuses_dates_and_contacts():
    """Distinct values in the order the activities were entered (statuses in their own
    order), at most three kinds and statuses and two contacts, then "and N more"."""
    from geo.analysis.frames import make_frames

    work = [  # site 1: five activities, four kinds of work (one twice), three contacts
        (1, "research", "ended", "2019-01-01", "2020-06-30", "a@x.example.org"),
        (2, "funding", "active", "2021-09-01", None, "b@x.example.org"),
        (3, "research", "planned", "2018-03-01", "2018-12-31", "a@x.example.org"),
        (4, "policy", "active", None, None, ""),
        (5, "convening", "active", None, None, "c@x.example.org"),
    ]
    frames = make_frames(
        partners=[{"partner_id": 1, "name": "Open Org"}],
        sites=[{"site_id": s, "partner_id": 1, "name": f"School {s}", "latitude": 30.4,
                "longitude": -84.3} for s in (1, 2, 3)],
        activities=[{"activity_id": a, "partner_id": 1, "site_id": 1, "kind_of_work": k,
                     "status": st, "start_date": b, "end_date": e, "contact": c}
                    for a, k, st, b, e, c in work]
        + [{"activity_id": 6, "partner_id": 1, "site_id": 2, "kind_of_work": "funding",
            "status": "ended", "start_date": "2015-01-01", "end_date": "2016-01-01"}])
    out = maps.label_sites(frames.sites, frames.partners, frames.activities).set_index("site_id")
    assert out.loc[1, "work_label"] == (
        "Research and evaluation; Funding; Policy and advocacy; and 1 more")
    assert out.loc[1, "status_label"] == "planned; active; ended"
    assert out.loc[1, "dates_label"] == "since 2018-03-01"  # two have no end yet
    assert out.loc[1, "contact_label"] == "a@x.example.org; b@x.example.org; and 1 more"
    assert out.loc[2, ["work_label", "status_label", "dates_label", "contact_label"]].tolist() == [
        "Funding", "ended", "2015-01-01 to 2016-01-01", ""]
    assert out.loc[3, ["work_label", "status_label", "dates_label", "contact_label"]].tolist() == [
        "", "", "", ""]  # no activity at this site


def test_withheld_partner_names_never_reach_the_map(sample, national_html):
    hidden = sample.partners.loc[~sample.partners["public"], "name"]
    shown = sample.partners.loc[sample.partners["public"], "name"]
    assert len(hidden) > 0
    for name in hidden:
        assert name not in national_html
    assert any(name in national_html for name in shown)


def _square(x: float, y: float, d: float) -> Polygon:
    return Polygon([(x, y), (x + d, y), (x + d, y + d), (x, y + d)])


def test_area_encoding_keeps_shapes_holes_and_tiny_polygons():
    holed = Polygon(_square(0, 0, 1).exterior.coords, [_square(0.25, 0.25, 0.5).exterior.coords])
    tiny = _square(5, 5, 0.00015)  # 1.5 grid steps at 4 decimals: must not vanish
    multi = MultiPolygon([_square(10, 10, 1), _square(12, 10, 1)])
    gdf = gpd.GeoDataFrame(
        {"geoid": ["A", "B", "C", "D"], "name": ["a", "b", "c", "empty"]},
        geometry=[holed, tiny, multi, Polygon()], crs="EPSG:4326",
    )
    p = json.loads(maps.area_payload(maps.encode_areas(gdf, id_column="geoid", name_column="name")))
    assert p["ids"] == ["A", "B", "C"]  # empty geometry skipped
    a = _decode_rings(p, 0)
    assert len(a) == 1 and len(a[0]) == 2  # one polygon with a hole
    assert a[0][1].min(axis=0) == pytest.approx([0.25, 0.25])
    assert len(_decode_rings(p, 1)[0][0]) >= 3
    assert len(_decode_rings(p, 2)) == 2


def test_area_encoding_reprojects(tmp_path):
    gdf = gpd.GeoDataFrame({"geoid": ["A"]}, geometry=[_square(-90, 40, 1)], crs="EPSG:4326")
    p = json.loads(maps.area_payload(maps.encode_areas(gdf.to_crs("EPSG:3857"), id_column="geoid")))
    xy = _decode_rings(p, 0)[0][0]
    assert xy.min(axis=0) == pytest.approx([-90, 40], abs=1e-4)


def test_area_choropleth_values_legend_and_no_data():
    """The choropleth the Coverage and Overlaps maps draw: each area's value, the classes
    with "No activity" apart, "No data" only for areas without a value, and names
    from the data embedded as text that cannot end the script."""
    gdf = gpd.GeoDataFrame(
        {"geoid": ["0100001", "0100002", "0100003", "0100004"], "name": ["a", "b", EVIL, "d"]},
        geometry=[_square(0, 0, 1), _square(1, 0, 1), _square(2, 0, 1), _square(3, 0, 1)],
        crs="EPSG:4326",
    )
    areas = maps.encode_areas(gdf, id_column="geoid", name_column="name")
    m = maps.base_map()
    values = pd.Series([3, 10, 0], index=["0100001", "0100002", "0100004"])
    choropleth.add_area_choropleth(m, areas, values, upper=[5, 10, 20],
                                   labels=["1 - 5", "6 - 10", "11 - 20"], legend="Partners")
    html = m.get_root().render()
    p = _payload(html, "L.partnerAreas")
    assert p["values"] == [3, 10, None, 0]
    assert EVIL in p["names"] and "<img" not in html
    opts_start = html.index("L.partnerAreas(")
    assert '"bins":[0.0,5.0,10.0,20.0]' in html[opts_start:]
    legend = _payload(html, "L.partnerLegend")
    assert legend["title"] == "Partners" and legend["noDataLabel"] == "No data"
    assert legend["labels"] == ["No activity", "1 - 5", "6 - 10", "11 - 20"]
    assert legend["colors"][0] == choropleth.NO_ACTIVITY_COLOR
    assert len(legend["labels"]) == len(legend["colors"]) == 4


@pytest.mark.parametrize("upper, labels, message", [
    ([5, 3], ["a", "b"], "ascending"),
    ([5, 10], ["a"], "one per class"),
    ([0, 10], ["a", "b"], "above 0"),
])
def test_area_choropleth_bad_classes_say_what_to_do(upper, labels, message):
    gdf = gpd.GeoDataFrame({"geoid": ["1"], "name": ["a"]}, geometry=[_square(0, 0, 1)],
                           crs="EPSG:4326")
    areas = maps.encode_areas(gdf, id_column="geoid", name_column="name")
    with pytest.raises(ValueError, match=message):
        choropleth.add_area_choropleth(maps.base_map(), areas, pd.Series([1], index=["1"]),
                                       upper=upper, labels=labels, legend="x")


def test_base_map_options():
    html = maps.base_map().get_root().render()
    assert '"maxZoom": 18' in html  # camelCase survives tiles=None
    assert "L.Icon.Default.imagePath = \"/app/static/vendor/leaflet/images/\"" in html
    assert '"preferCanvas": true' in html
    assert "L.tileLayer" not in html
    assert "openstreetmap" in maps.base_map(tiles="osm").get_root().render().lower()
    with pytest.raises(ValueError, match="'none' or 'osm'"):
        maps.base_map(tiles="satellite")


def test_standalone_download_of_national_map_has_no_external_urls(national_html, sample):
    f = visible_frames(sample, "public")
    html = assets.standalone_html(maps.national_map(f.sites, partners=f.partners))
    assert not re.search(r"""<(?:script|link)\b[^>]*\b(?:src|href)=["']?(?:https?:)?//""",
                         html, re.I)


def _site_popups(html: str) -> pd.DataFrame:
    """Every site's popup values as the browser decodes them (label -> text)."""
    p = _sites_payload(html)
    cols = {}
    for f in p["fields"]:
        cols[f["label"]] = ([f["values"][c] for c in f["codes"]] if f["codes"] is not None
                            else f["values"])
    return pd.DataFrame(cols, index=p["ids"])


def test_site_popups_show_place_status_dates_and_contact_as_the_viewer_may(sample):
    """A site's popup names its district, county and ZIP, and its activities' kinds of
    work, status, dates and contacts; contacts of partners without public-listing
    consent never reach a public viewer."""
    for role in ("public", "staff"):
        f = visible_frames(sample, role)
        html = maps.national_map(f.sites, partners=f.partners,
                                 activities=f.activities).get_root().render()
        popups = _site_popups(html)
        assert {"Site", "Partner", "Kind", "District", "County", "ZIP", "Work", "Status", "Dates",
                "Contact"} <= set(popups.columns)
        a = sample.activities[sample.activities["area_level"] == "site"]
        site = sample.sites.set_index("site_id").loc[int(a["site_id"].iloc[0])]
        mine = a[a["site_id"] == a["site_id"].iloc[0]]
        shown = popups.loc[int(a["site_id"].iloc[0])]
        labels = gazetteer.place_table("district").set_index("place_id")["label"]
        assert shown["District"] == labels[site["district_geoid"]]
        assert shown["ZIP"] == site["zip"]
        assert set(shown["Status"].split("; ")) == set(mine["status"])
        assert shown["Dates"].startswith(("since ", mine["start_date"].min().date().isoformat()))
        hidden = set(sample.partners.loc[~sample.partners["public"].astype(bool), "partner_id"])
        hidden_contacts = set(a.loc[a["partner_id"].isin(hidden), "contact"]) - {""}
        public_contacts = set(a.loc[~a["partner_id"].isin(hidden), "contact"]) - {""}
        assert hidden_contacts and public_contacts
        contacts = set("; ".join(popups["Contact"]).split("; "))
        assert public_contacts & contacts, "contacts of consenting partners are shown"
        if role == "public":
            assert not (hidden_contacts & contacts)
            assert not (hidden_contacts & set(re.findall(r"[\w.+-]+@[\w.-]+", html)))
        else:
            assert hidden_contacts & contacts


def test_fetch_large_data_takes_big_layers_out_of_the_script_and_keeps_small_ones():
    sites = _sites(name=[EVIL, "b", "c"])
    m = maps.base_map()
    maps.add_sites_layer(m, sites)
    maps.add_districts(m, maps.district_areas("national"), renderer="map")
    inline = m.get_root().render()
    published: list[bytes] = []

    def publish(data: bytes) -> str:
        published.append(data)
        return f"/media/{len(published)}.json"

    urls = maps.fetch_large_data(m, publish, min_bytes=1_000)
    html = m.get_root().render()
    # the district layer (megabytes) is fetched; the three sites' arrays stay inline
    assert urls == ["/media/1.json"] and len(published) == 1
    assert '{"url":"/media/1.json"}' in html and len(html) < len(inline) // 10
    assert json.loads(published[0]) == _payload(inline, "L.partnerAreas")
    assert EVIL in set(_decode_sites(_sites_payload(html))["name"])
    # with a lower bar the sites' points and popup fields go too, each its own file,
    # and the fetched text is still safe JSON (no "</script>" even outside a script)
    m2 = maps.base_map()
    maps.add_sites_layer(m2, sites)
    published.clear()
    assert maps.fetch_large_data(m2, publish, min_bytes=1) == ["/media/1.json", "/media/2.json"]
    points, details = (json.loads(d) for d in published)
    assert sorted(points["ids"]) == [1, 2] and EVIL in details[0]["values"]
    assert b"</script>" not in published[1]
    assert 'L.partnerSites({"url":"/media/1.json"}, {"url":"/media/2.json"}' in (
        m2.get_root().render())
