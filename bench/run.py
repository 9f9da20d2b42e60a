"""The national-scale benchmark: one run, every figure, against the issue's budgets.

    .venv/bin/python bench/run.py [--out FILE] [--naive-timeout 120] [--skip-app]

Generates the seeded national dataset (:mod:`bench.national`: 500 partners, 100,000
sites, 200,000 activities at real places) and measures, in this order:

1. boundary load (the three join layers, cold) and join throughput for the 100,000 sites;
2. coverage at state, county and district level; district overlaps; 1-mile site pairs;
3. three maps, our way and the naive way: bytes of the map document and the time until
   headless Chromium shows it (a tiny local HTTP server serves the document and the
   vendored Leaflet files; a fresh browser context each time, so nothing is cached);
4. the real app (``streamlit run app.py``) on an SQLite database holding the dataset
   (loaded beforehand, timed separately): process start to the first map drawn in
   Chromium, then a filter change to the re-drawn map.

Prints a table and writes JSON (default ``bench/results.json``). See bench/README.md.
"""
from __future__ import annotations

import argparse
import html
import http.server
import importlib.metadata
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import pandas as pd  # noqa: E402

from geo import boundaries  # noqa: E402
from national import SEED, national_dataset  # noqa: E402
from tests.harness import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    IDLE,
    Server as AppServer,
    free_port as _free_port,
)

VIEWPORT = {"width": 1400, "height": 1000}

BUDGETS = {
    "join_points_per_s": (">=", 200_000),
    "coverage_s.total": ("<", 1.0),
    "overlaps_s.total": ("<", 3.0),
    "maps.district_choropleth.bytes": ("<=", 6_000_000),
    "maps.district_choropleth.visible_s": ("<", 2.0),
    "maps.sites.visible_s": ("<", 3.0),
    "app.first_map_s": ("<", 5.0),
    "app.filter_rerender_s": ("<", 1.5),
    "maps.district_choropleth.bytes_ratio": (">=", 10.0),
    "maps.district_choropleth.visible_ratio": (">=", 5.0),
    "maps.sites.bytes_ratio": (">=", 10.0),
    "maps.sites.visible_ratio": (">=", 5.0),
}

# Polled in the map document on every animation frame: the evidence that it is drawn.
# Polygons: SVG paths, or the number of features on a Leaflet canvas that has ink.
# A Leaflet canvas counts as drawn when any of its pixels holds ink (every 97th pixel
# is looked at, as bench/pages.py does). It used to look only at an 80 px square at the
# centre, which is open sea since the choropleths fit every state and territory
# (Alaska and the Pacific islands): "timeout" for maps drawn in under a second.
_INKED = """const inked = (a) => {
    if (!a.width || !a.height) return false;
    const px = a.getContext('2d').getImageData(0, 0, a.width, a.height).data;
    for (let i = 3; i < px.length; i += 4 * 97) { if (px[i]) return true; }
    return false;
  };"""
POLYGONS_DRAWN = """() => {
  """ + _INKED + """
  const n = document.querySelectorAll('.leaflet-overlay-pane path').length;
  if (n > 0) return n;
  for (const a of document.querySelectorAll(
      '.leaflet-overlay-pane canvas:not(.partner-sites-layer)')) {
    if (inked(a)) return window.map
      ? Object.values(window.map._layers).filter(l => l.feature).length : 1;
  }
  return false;
}"""
OUR_SITES_DRAWN = """() => {
  const c = document.querySelector('canvas.partner-sites-layer');
  if (!c || c.style.visibility !== 'visible') return false;
  const k = +c.dataset.clusters + +c.dataset.points;
  return k > 0 ? {shapes: k, sites: +c.dataset.sites} : false;
}"""
NAIVE_SITES_DRAWN = """() => {
  const n = document.querySelectorAll(
    '.leaflet-marker-pane .marker-cluster, .leaflet-marker-pane .leaflet-marker-icon').length;
  return n > 0 ? n : false;
}"""
# In the app, polled from the top page through the (same-origin) st_folium frame, so a
# re-created frame is followed. Returns what the sites canvas reports once drawn.
APP_MAP_STATE = """(arg) => {
  const f = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
  const d = f && f.contentDocument;
  if (!d) return false;
  """ + _INKED + """
  // Areas: SVG paths, or a Leaflet canvas with ink in the middle of the map.
  let areas = d.querySelectorAll('.leaflet-overlay-pane path').length;
  for (const a of d.querySelectorAll('.leaflet-overlay-pane canvas:not(.partner-sites-layer)')) {
    if (inked(a)) areas += 1;
  }
  const c = d.querySelector('canvas.partner-sites-layer');
  if (!c || c.style.visibility !== 'visible' || areas === 0) return false;
  const k = +c.dataset.clusters + +c.dataset.points, sites = +c.dataset.sites;
  if (!(k > 0)) return false;
  return arg.notSites === null || sites !== arg.notSites ? {areas, sites} : false;
}"""


# --- small helpers -------------------------------------------------------------------


def _timed(fn: Callable[[], object], *, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _r(x: float | None, nd: int = 3) -> float | None:
    return None if x is None else round(float(x), nd)


def machine() -> dict[str, object]:
    """Cores, memory, load, Chromium, Python and the versions of the packages used."""
    mem_kb = 0
    with open("/proc/meminfo", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    try:
        chromium = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True,
                                  timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError) as exc:
        chromium = f"unavailable ({exc})"
    packages = {}
    for name in ("streamlit", "streamlit-folium", "folium", "branca", "geopandas", "shapely",
                 "pyogrio", "pandas", "numpy", "pyarrow", "SQLAlchemy", "playwright"):
        try:
            packages[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            packages[name] = None
    import shapely

    return {
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "cpu": platform.processor() or platform.machine(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "chromium": chromium,
        "geos": shapely.geos_version_string,
        "packages": packages,
    }


# --- 1. boundaries and join -------------------------------------------------------


def bench_join(sites: pd.DataFrame) -> dict[str, object]:
    from geo import join

    boundaries.clear_cache()
    join.clear_cache()
    t0 = time.perf_counter()
    boundaries.districts("join")
    boundaries.states()
    boundaries.counties()
    load_s = time.perf_counter() - t0
    lon = sites["longitude"].to_numpy(dtype=float)
    lat = sites["latitude"].to_numpy(dtype=float)
    t0 = time.perf_counter()
    first = join.assign_boundaries(lon, lat)  # builds the trees, prepares the polygons
    first_s = time.perf_counter() - t0
    join_s = _timed(lambda: join.assign_boundaries(lon, lat), repeat=3)
    agree = float((first["district_geoid"].to_numpy() == sites["district_geoid"].to_numpy()).mean())
    return {
        "boundary_load_s": _r(load_s),
        "join_first_call_s": _r(first_s),
        "join_s": _r(join_s),
        "join_points_per_s": int(len(sites) / join_s),
        "join_agrees_with_stored_share": round(agree, 4),
    }


# --- 2. analyses ---------------------------------------------------------------------


def bench_analysis(frames) -> dict[str, object]:
    from geo.analysis import coverage, gazetteer, nearby_pairs, overlap_places

    for level in ("state", "county", "district"):
        gazetteer.place_table(level)  # boundary tables: loaded once per process
    gazetteer.need_table()
    cov = {lv: _timed(partial(coverage, frames, lv), repeat=3)
           for lv in ("state", "county", "district")}
    overlaps = _timed(partial(overlap_places, frames, "district"), repeat=3)
    pairs = _timed(partial(nearby_pairs, frames, miles=1.0), repeat=3)
    return {
        "coverage_s": {**{k: _r(v) for k, v in cov.items()}, "total": _r(sum(cov.values()))},
        "overlaps_s": {"district_overlaps": _r(overlaps), "nearby_pairs_1mi": _r(pairs),
                       "total": _r(overlaps + pairs)},
        "analysis_counts": {
            "districts_with_2plus_partners": len(overlap_places(frames, "district")),
            "site_pairs_within_1mi": len(nearby_pairs(frames, miles=1.0)),
        },
    }


# --- 3. maps ----------------------------------------------------------------------


def _our_maps(frames) -> dict[str, Callable[[], object]]:
    from geo import maps
    from geo.analysis import classify, coverage
    from geo.visibility import visible_frames

    view = visible_frames(frames, "public")

    # As the coverage page draws them (geo.maps.coverage_map: classes from
    # geo.analysis.classify with a "No activity" class, state lines, the map's canvas).
    def _choropleth(level: str) -> object:
        cov = coverage(frames, level).set_index("place_id")["partners"]
        return maps.coverage_map(cov, classify(cov, method="quantiles", k=5), level=level,
                                 legend=f"Partners per {level}", value_label="Partners")

    def state_choropleth():
        return _choropleth("state")

    def district_choropleth():
        return _choropleth("district")

    def sites():
        m = maps.base_map()
        maps.add_sites_layer(m, maps.label_sites(view.sites, view.partners))
        return m

    return {"state_choropleth": state_choropleth, "district_choropleth": district_choropleth,
            "sites": sites}


def _naive_maps(frames) -> dict[str, Callable[[], object]]:
    """What a first folium + streamlit-folium app does: source geometry, every property,
    one marker per site."""
    import folium
    import folium.plugins
    from branca.colormap import linear

    from geo.analysis import coverage
    from geo.assets import use_local_assets
    from geo.visibility import visible_frames

    use_local_assets()
    view = visible_frames(frames, "public")

    def choropleth(gdf, cov, key):
        cov = cov.drop(columns=[c for c in cov.columns if c in gdf.columns])
        gdf = gdf.merge(cov, left_on=key, right_on="place_id", how="left")
        gdf = gdf.drop(columns=[c for c in gdf.columns if c != "geometry" and
                                not pd.api.types.is_numeric_dtype(gdf[c]) and
                                not pd.api.types.is_string_dtype(gdf[c])])
        scale = linear.Blues_05.scale(0, max(1, float(gdf["partners"].max())))
        m = folium.Map(location=[39, -96], zoom_start=4, tiles=None)
        props = [c for c in gdf.columns if c != "geometry"]
        folium.GeoJson(
            gdf,
            style_function=lambda f: {"fillColor": scale(f["properties"]["partners"] or 0),
                                      "color": "#ffffff", "weight": 0.3, "fillOpacity": 0.8},
            tooltip=folium.GeoJsonTooltip(fields=["name", "partners"]),
            popup=folium.GeoJsonPopup(fields=props[:12]),
        ).add_to(m)
        return m

    def state_choropleth():
        return choropleth(boundaries.states(), coverage(frames, "state"), "state_fips")

    def district_choropleth():
        return choropleth(boundaries.districts("join"), coverage(frames, "district"), "geoid")

    def sites():
        from geo.maps import label_sites

        labelled = label_sites(view.sites, view.partners)
        m = folium.Map(location=[39, -96], zoom_start=4, tiles=None, maxZoom=18)
        cluster = folium.plugins.MarkerCluster().add_to(m)
        for row in labelled.itertuples():
            folium.Marker(
                [row.latitude, row.longitude],
                popup=f"{html.escape(row.name)}<br>{html.escape(row.partner_name)}",
            ).add_to(cluster)
        return m

    return {"state_choropleth": state_choropleth, "district_choropleth": district_choropleth,
            "sites": sites}


class _StaticServer:
    """Serves ``root`` (map documents, and static/vendor at /app/static/vendor)."""

    def __init__(self, root: Path) -> None:
        handler = partial(_QuietHandler, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", _free_port()), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def _visible(browser, url: str, condition: str, timeout_s: float) -> tuple[float | None, object]:
    """Seconds from navigation to ``condition`` being truthy in a fresh context; None on
    timeout."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        t0 = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=timeout_s * 1000)
        left = max(1.0, timeout_s - (time.perf_counter() - t0))
        value = page.wait_for_function(condition, polling="raf", timeout=left * 1000).json_value()
        return time.perf_counter() - t0, {"evidence": value, "errors": errors[:3]}
    except Exception as exc:  # playwright TimeoutError and friends: recorded, not fatal
        return None, {"error": type(exc).__name__, "errors": errors[:3]}
    finally:
        context.close()


def bench_maps(frames, browser, *, naive_timeout_s: float) -> dict[str, object]:
    from geo.assets import VENDOR_DIR

    conditions = {"state_choropleth": (POLYGONS_DRAWN, POLYGONS_DRAWN),
                  "district_choropleth": (POLYGONS_DRAWN, POLYGONS_DRAWN),
                  "sites": (OUR_SITES_DRAWN, NAIVE_SITES_DRAWN)}
    ours, naive = _our_maps(frames), _naive_maps(frames)
    out: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="bench-maps-") as tmp:
        root = Path(tmp)
        (root / "app" / "static").mkdir(parents=True)
        (root / "app" / "static" / "vendor").symlink_to(VENDOR_DIR)
        server = _StaticServer(root)
        try:
            for name, (ours_cond, naive_cond) in conditions.items():
                entry: dict[str, object] = {}
                for way, build, cond, limit in (("", ours[name], ours_cond, 60.0),
                                                ("naive_", naive[name], naive_cond,
                                                 naive_timeout_s)):
                    t0 = time.perf_counter()
                    doc = build().get_root().render()
                    entry[f"{way}build_s"] = _r(time.perf_counter() - t0)
                    data = doc.encode("utf-8")
                    (root / f"{way}{name}.html").write_bytes(data)
                    entry[f"{way}bytes"] = len(data)
                    secs, detail = _visible(browser, f"{server.url}/{way}{name}.html", cond, limit)
                    entry[f"{way}visible_s"] = _r(secs)
                    entry[f"{way}detail"] = detail
                    if secs is None:
                        entry[f"{way}timed_out_after_s"] = limit
                    print(f"  {name:<20} {way or 'ours':<7} {len(data) / 1e6:8.2f} MB  "
                          f"visible {'timeout' if secs is None else f'{secs:.2f} s'}", flush=True)
                entry["bytes_ratio"] = round(entry["naive_bytes"] / entry["bytes"], 1)
                nv = entry["naive_visible_s"]
                entry["visible_ratio"] = (round(nv / entry["visible_s"], 1)
                                          if nv and entry["visible_s"] else None)
                if nv is None and entry["visible_s"]:
                    entry["visible_ratio_at_least"] = round(naive_timeout_s / entry["visible_s"], 1)
                out[name] = entry
        finally:
            server.close()
    return out


# --- 4. the app ---------------------------------------------------------------------


def bench_app(frames, browser) -> dict[str, object]:
    from geo.db import open_store

    out: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="bench-app-") as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'national.db'}"
        store = open_store(db_url)
        t0 = time.perf_counter()
        store.load_frames(frames, actor="bench")
        out["db_load_s"] = _r(time.perf_counter() - t0)
        t0 = time.perf_counter()
        store.frames()
        out["db_frames_s"] = _r(time.perf_counter() - t0)
        store.close()
        log_path = Path(tmp) / "streamlit.log"
        server = AppServer(log_path, db_url, sample_data=False)
        t0 = server.started
        context = browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        try:
            server.wait_healthy()
            out["server_healthy_s"] = _r(time.perf_counter() - t0)
            page.goto(server.url, wait_until="commit")
            drawn = page.wait_for_function(APP_MAP_STATE, arg={"notSites": None},
                                           polling="raf", timeout=120_000).json_value()
            out["first_map_s"] = _r(time.perf_counter() - t0)
            out["first_map"] = drawn
            page.wait_for_selector(IDLE,
                                   timeout=120_000)
            out.update(_filter_change(page, frames, drawn["sites"]))
        except Exception as exc:
            out["error"] = f"{type(exc).__name__}: {exc}"[:500]
            out.setdefault("first_map_s", None)
            out.setdefault("filter_rerender_s", None)
        finally:
            context.close()
            server.stop()
        if out.get("error"):
            out["server_log_tail"] = log_path.read_text(errors="replace")[-2000:]
    return out


def _filter_change(page, frames, before: int) -> dict[str, object]:
    """Pick one partner type in the home map's filter; time until the re-drawn map shows
    another number of sites in view (checked against that type's sites afterwards)."""
    from geo.schema import PARTNER_TYPES

    ptype = "union"
    label = PARTNER_TYPES[ptype]
    ids = frames.partners.loc[frames.partners["type"] == ptype, "partner_id"]
    want = int((frames.sites["partner_id"].isin(ids) & frames.sites["latitude"].notna()).sum())
    select = page.get_by_label("Partner type", exact=False).first
    select.click()
    option = page.get_by_role("option", name=label, exact=True)
    option.wait_for(timeout=10_000)
    t0 = time.perf_counter()
    option.click()
    page.keyboard.press("Escape")
    after = page.wait_for_function(APP_MAP_STATE, arg={"notSites": before}, polling="raf",
                                   timeout=60_000).json_value()
    secs = time.perf_counter() - t0
    if after["sites"] > want:
        raise RuntimeError(f"after the filter the map shows {after['sites']} sites in view, "
                           f"more than the {want} sites of {ptype} partners")
    return {"filter_rerender_s": _r(secs),
            "filter": {"partner_type": ptype, "sites_of_type": want,
                       "sites_in_view_before": before, "sites_in_view_after": after["sites"]}}


# --- report -------------------------------------------------------------------------


def _lookup(results: dict, dotted: str) -> object:
    value: object = results
    for key in dotted.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def budgets(results: dict) -> dict[str, dict[str, object]]:
    out = {}
    for key, (op, limit) in BUDGETS.items():
        value = _lookup(results, key)
        if value is None and key.endswith("visible_ratio"):
            value = _lookup(results, key + "_at_least")  # the naive map timed out
        ok = None if value is None else {">=": value >= limit, "<": value < limit,
                                          "<=": value <= limit}[op]
        out[key] = {"value": value, "budget": f"{op} {limit}", "met": ok}
    return out


def _table(results: dict) -> str:
    lines = ["| measure | figure | budget | met |", "|---|---|---|---|"]
    def row(name, value, budget="", met=None):
        mark = "" if met is None else ("yes" if met else "**no**")
        lines.append(f"| {name} | {value} | {budget} | {mark} |")
    b = results["budgets"]
    row("boundary load (3 join layers)", f"{results['boundary_load_s']} s")
    row("join, 100,000 sites", f"{results['join_points_per_s']:,} points/s", ">= 200,000",
        b["join_points_per_s"]["met"])
    c = results["coverage_s"]
    row("coverage state / county / district", f"{c['state']} / {c['county']} / {c['district']} s")
    row("coverage, all three", f"{c['total']} s", "< 1 s", b["coverage_s.total"]["met"])
    o = results["overlaps_s"]
    row("district overlaps / 1-mile pairs", f"{o['district_overlaps']} / {o['nearby_pairs_1mi']} s")
    row("overlaps + 1-mile pairs", f"{o['total']} s", "< 3 s", b["overlaps_s.total"]["met"])
    for name, title in (("state_choropleth", "state choropleth"),
                        ("district_choropleth", "district choropleth"), ("sites", "sites layer")):
        e = results["maps"][name]
        def vis(v, key, e=e):
            return f"timeout (> {e.get(key)} s)" if v is None else f"{v} s"
        row(f"{title}: sent", f"{e['bytes'] / 1e6:.2f} MB (naive {e['naive_bytes'] / 1e6:.1f} MB, "
            f"{e['bytes_ratio']}x fewer)",
            "<= 6 MB; >= 10x" if name == "district_choropleth"
            else (">= 10x" if name == "sites" else ""),
            None if name == "state_choropleth" else (
                b[f"maps.{name}.bytes_ratio"]["met"] and
                (name != "district_choropleth" or b["maps.district_choropleth.bytes"]["met"])))
        ratio = e.get("visible_ratio") or (f">= {e.get('visible_ratio_at_least')}"
                                           if e.get("visible_ratio_at_least") else "n/a")
        budget = {"district_choropleth": "< 2 s; >= 5x", "sites": "< 3 s; >= 5x"}.get(name, "")
        met = None
        if name != "state_choropleth":
            met = (bool(b[f"maps.{name}.visible_s"]["met"])
                   and bool(b[f"maps.{name}.visible_ratio"]["met"]))
        row(f"{title}: visible", f"{vis(e['visible_s'], 'timed_out_after_s')} (naive "
            f"{vis(e['naive_visible_s'], 'naive_timed_out_after_s')}, {ratio}x faster)",
            budget, met)
    a = results["app"]
    row("app: database load (not timed below)", f"{a.get('db_load_s')} s")
    row("app: start to first map", f"{a.get('first_map_s')} s", "< 5 s",
        b["app.first_map_s"]["met"])
    row("app: filter change to re-drawn map", f"{a.get('filter_rerender_s')} s", "< 1.5 s",
        b["app.filter_rerender_s"]["met"])
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results.json")
    parser.add_argument("--naive-timeout", type=float, default=120.0,
                        help="seconds to wait for a naive map before recording a timeout")
    parser.add_argument("--skip-app", action="store_true", help="leave out the app timings")
    args = parser.parse_args(argv)

    results: dict[str, object] = {"seed": SEED, "load_average_start": os.getloadavg()}
    results["machine"] = machine()
    t0 = time.perf_counter()
    frames = national_dataset()
    results["dataset"] = {"partners": len(frames.partners), "sites": len(frames.sites),
                          "activities": len(frames.activities),
                          "generate_s": _r(time.perf_counter() - t0)}
    print(f"dataset: {results['dataset']}", flush=True)
    results.update(bench_join(frames.sites))
    print(f"join: {results['join_points_per_s']:,} points/s", flush=True)
    results.update(bench_analysis(frames))
    print(f"coverage {results['coverage_s']}, overlaps {results['overlaps_s']}", flush=True)

    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        results["machine"]["chromium_reported"] = browser.version
        try:
            # The app first: the naive sites map keeps Chromium busy for minutes and its
            # clean-up would run into the app's start-up.
            results["app"] = ({"first_map_s": None, "filter_rerender_s": None, "skipped": True}
                              if args.skip_app else bench_app(frames, browser))
            results["maps"] = bench_maps(frames, browser, naive_timeout_s=args.naive_timeout)
        finally:
            browser.close()
    results["load_average_end"] = os.getloadavg()
    results["budgets"] = budgets(results)
    results["table_markdown"] = _table(results)
    print(results["table_markdown"])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
