"""Every page in headless Chromium: first render, each filter change, a click on the
map, the map data each page sends and the server's CPU seconds for each.

    .venv/bin/python bench/pages.py              # the sample data (issue 3)
    .venv/bin/python bench/pages.py --national   # the national dataset (issue 11)
    (options: --out bench/pages.json, --repeat 3, --only home overlaps ... to compare two
    versions of the code on a few pages without writing the file)

Each run replaces its own section ("sample" or "national") of the JSON file.
Budgets: sample data (issue 3): first render < 3 s, a filter change < 1.5 s, <= 8 MB of
map data per page; national (issue 11): content < 2 s, a filter change or map click
< 1 s, the first page after the server starts < 4 s, <= 0.25 s of server CPU per view.

A fresh app server (scripts/serve.py, as run.sh starts it; ``tests/harness.py``)
on a fresh SQLite database: the sample data, or a copy of the national database
(``bench/national.py``: built once, kept under ``bench/out/``). Its home page is opened
once first: *first page* = from navigation until the map is drawn, on a server that
has just answered its health check. Then the server's warm-up is left to finish (its
CPU use settles) and, for each page, in a fresh browser context:
*first render* = from navigation until the page's script is idle and, on pages with a
map, the map has drawn areas or sites and every layer it fetches has arrived and been
drawn; *map data* = the bytes of the map documents the page holds and of the layers
they fetched, as sent (gzip-compressed). *Filter change* = from picking the option
until the script is idle and the map shows the change (home: a partner type; coverage:
counties instead of states; scan: another radius). *Map click* = from the click until
the page lists the clicked place (overlaps: a district with partners; coverage: the
state with the highest value).
*Server CPU* = user + system CPU seconds of the server process (``/proc/PID/stat``)
from navigation (or the pick) until done, so the browser's own drawing on the same
machine is not counted. Median of ``--repeat`` runs. Nothing goes beyond localhost.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from tests.harness import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    CLEAR_POINT,
    IDLE,
    MAP_FRAME,
    Server as AppServer,
)

# Every map frame of the page has drawn something: SVG paths, or ink on a canvas.
MAPS_DRAWN = """(want) => {
  const frames = [...document.querySelectorAll('iframe[title="streamlit_folium.st_folium"]')];
  if (frames.length < want) return false;
  for (const f of frames) {
    const d = f.contentDocument;
    if (!d || !d.querySelector('.leaflet-container')) return false;
    if (f.contentWindow.partnerPending) return false;  // layers still being fetched
    let ink = d.querySelectorAll('.leaflet-overlay-pane path').length > 0;
    for (const c of d.querySelectorAll('.leaflet-overlay-pane canvas')) {
      if (ink || !c.width || !c.height) continue;
      const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      for (let i = 3; i < px.length; i += 4 * 97) { if (px[i]) { ink = true; break; } }
    }
    if (!ink) return false;
  }
  return frames.length;
}"""
# The map documents and the layers they fetched (media files, geo/js/fetch.js).
MAP_BYTES = """() => [...document.querySelectorAll('iframe[title="streamlit_folium.st_folium"]')]
  .map(f => new Blob([f.contentDocument.documentElement.outerHTML]).size
       + f.contentWindow.performance.getEntriesByType('resource')
           .filter(e => e.name.includes('/media/'))
           .reduce((a, e) => a + e.decodedBodySize, 0))
  .reduce((a, b) => a + b, 0)"""

# path, number of maps it shows to the public
PAGES = {
    "home": ("/", 1),
    "scan": ("/scan?district=1709930&radius=5", 1),
    "overlaps": ("/overlaps", 1),
    "coverage": ("/coverage", 1),
    "partners": ("/partners", 0),
    "data": ("/data", 0),
    "admin": ("/admin", 0),
}
FILTERS = ("home", "coverage", "scan")
CLICKS = ("overlaps", "coverage")
TIMEOUT_MS = 120_000
VIEWPORT = {"width": 1400, "height": 1100}
BUDGETS = {  # issue 11, national data
    "first_page_s": 4.0, "content_s": 2.0, "change_s": 1.0, "server_cpu_s": 0.25,
}
# Zoom the map onto the area with the highest value and return its GEOID.
TARGET = """() => {
  const layers = Object.values(window.map._layers).filter(l => l.feature
      && l.feature.properties.value > 0
      && l.options.interactive !== false);
  if (!layers.length) return null;
  layers.sort((a, b) => b.feature.properties.value - a.feature.properties.value);
  window.map.fitBounds(layers[0].getBounds(), {animate: false, padding: [40, 40]});
  return layers[0].feature.properties.geoid;
}"""



def _context(browser):
    context = browser.new_context(viewport=VIEWPORT)
    context.route("**/*", lambda r: r.continue_() if "127.0.0.1" in r.request.url else r.abort())
    return context


def _check_page(page) -> None:
    """A page that shows a Python exception has not shown its content."""
    shown = page.query_selector("[data-testid='stException']")
    if shown:
        raise RuntimeError("the page shows an exception: " + shown.inner_text()[:500])


def open_page(page, url: str, maps: int, *, timeout_ms: int = TIMEOUT_MS) -> float:
    """Go to ``url``; seconds until the script is idle and every map has drawn."""
    t0 = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.wait_for_selector(IDLE, timeout=timeout_ms)
    if maps:
        page.wait_for_function(MAPS_DRAWN, arg=maps, polling="raf", timeout=timeout_ms)
    page.wait_for_selector(IDLE, timeout=timeout_ms)
    secs = time.perf_counter() - t0
    _check_page(page)
    return secs


def _first_render(browser, server: AppServer, url: str, maps: int) -> dict[str, float]:
    context = _context(browser)
    page = context.new_page()
    try:
        cpu0 = server.cpu_seconds()
        secs = open_page(page, url, maps)
        cpu = server.cpu_seconds() - cpu0
        return {"s": secs, "cpu_s": cpu, "map_bytes": page.evaluate(MAP_BYTES) if maps else 0}
    finally:
        context.close()


def _legend_has(text: str) -> str:
    return ("() => { const f = document.querySelector('" + MAP_FRAME.replace("'", "\\'") + "');"
            " const l = f && f.contentDocument"
            " && f.contentDocument.querySelector('.partner-legend');"
            f" return l && l.innerText.includes({json.dumps(text)}); }}")


def _filter_change(browser, server: AppServer, name: str) -> dict[str, float]:
    """Seconds (and server CPU) from picking a filter value until the page shows it."""
    base = server.url
    context = _context(browser)
    page = context.new_page()
    try:
        if name == "coverage":
            open_page(page, base + "/coverage", 1)
            page.click("input[role='combobox'][aria-label='Level']")
            t0, cpu0 = time.perf_counter(), server.cpu_seconds()
            page.click("[role='option']:has-text('Counties')")
            page.wait_for_function(_legend_has("per county"), polling="raf", timeout=60_000)
        elif name == "home":
            open_page(page, base + "/", 1)
            before = page.evaluate("() => document.querySelector('" + MAP_FRAME.replace("'", "\\'")
                                   + "').contentDocument"
                                     ".querySelector('canvas.partner-sites-layer').dataset.sites")
            page.get_by_label("Partner type", exact=False).first.click()
            option = page.get_by_role("option", name="Teachers' union", exact=True)
            option.wait_for(timeout=10_000)
            t0, cpu0 = time.perf_counter(), server.cpu_seconds()
            option.click()
            page.keyboard.press("Escape")
            page.wait_for_function(
                "(before) => { const f = document.querySelector('"
                + MAP_FRAME.replace("'", "\\'") + "');"
                " const c = f && f.contentDocument"
                " && f.contentDocument.querySelector('canvas.partner-sites-layer');"
                " return c && c.style.visibility === 'visible' && c.dataset.sites !== before; }",
                arg=before, polling="raf", timeout=60_000)
        else:  # scan: another radius
            open_page(page, base + "/scan?district=1709930&radius=5", 1)
            box = page.get_by_role("spinbutton", name="Radius (miles)")
            box.fill("25")
            t0, cpu0 = time.perf_counter(), server.cpu_seconds()
            box.press("Enter")
            page.wait_for_function("() => window.location.search.includes('radius=25')",
                                   timeout=60_000)
            page.wait_for_function(MAPS_DRAWN, arg=1, polling="raf", timeout=60_000)
        page.wait_for_selector(IDLE, timeout=60_000)
        out = {"s": time.perf_counter() - t0, "cpu_s": server.cpu_seconds() - cpu0}
        _check_page(page)
        return out
    finally:
        context.close()


def _map_click(browser, server: AppServer, name: str) -> dict[str, object]:
    """Seconds (and server CPU) from a click on the page's map until the page lists the
    clicked place: a district on overlaps, the state with the highest value on coverage."""
    context = _context(browser)
    page = context.new_page()
    try:
        open_page(page, server.url + "/" + name, 1)
        frame = page.query_selector(MAP_FRAME).content_frame()
        geoid = frame.evaluate(TARGET)
        if not geoid:
            raise RuntimeError(f"{name}: no area with a value on the map")
        point = None
        for _ in range(100):  # fitBounds has no animation; the canvas redraws on the next frame
            point = frame.evaluate(CLEAR_POINT, geoid)
            if point:
                break
            page.wait_for_timeout(20)
        if not point:
            raise RuntimeError(f"{name}: area {geoid} is not clickable on screen")
        box = page.query_selector(MAP_FRAME).bounding_box()
        t0, cpu0 = time.perf_counter(), server.cpu_seconds()
        page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
        if name == "overlaps":
            page.get_by_text(f"GEOID {geoid}").wait_for(timeout=60_000)
        else:
            page.get_by_text("Selected: ").wait_for(timeout=60_000)
        page.wait_for_selector(IDLE, timeout=60_000)
        if name == "coverage":  # the re-drawn map, centred on the place
            page.wait_for_function(MAPS_DRAWN, arg=1, polling="raf", timeout=60_000)
        out = {"s": time.perf_counter() - t0, "cpu_s": server.cpu_seconds() - cpu0, "geoid": geoid}
        _check_page(page)
        return out
    finally:
        context.close()


# What scripts/serve.py logs when its background warm-up (which loads the coverage and
# overlaps modules 8 s after the first phase) has finished.
WARM_UP_DONE = "partnermap: warm-up done"


def wait_settled(server: AppServer, *, quiet_s: float = 1.0, timeout_s: float = 60.0) -> float:
    """Wait until the server's warm-up has finished (its log says so) and it has used
    (almost) no CPU for ``quiet_s``; returns the seconds waited. Without the first, a
    quiet second between the warm-up's two phases passed for settled, and the second
    phase's ~1.5 s of CPU landed on the first page measured."""
    t0 = time.monotonic()
    while WARM_UP_DONE not in server.log() and time.monotonic() - t0 < timeout_s:
        time.sleep(0.2)
    last = server.cpu_seconds()
    while time.monotonic() - t0 < timeout_s:
        time.sleep(quiet_s)
        now = server.cpu_seconds()
        if now - last < 0.05 * quiet_s:
            break
        last = now
    return time.monotonic() - t0


def _summary(runs: list[dict[str, float]]) -> dict[str, object]:
    return {"median_s": round(statistics.median(r["s"] for r in runs), 2),
            "runs_s": [round(r["s"], 2) for r in runs],
            "server_cpu_s": round(statistics.median(r["cpu_s"] for r in runs), 3)}


def _database(tmp: Path, national: bool) -> tuple[str, bool]:
    """(database URL, fill with the sample data on first open)."""
    if national:
        from national import national_database

        return national_database(tmp / "db"), False
    return f"sqlite:///{tmp / 'sample.db'}", True


def measure(national: bool, repeat: int, only: set[str] | None = None) -> dict[str, object]:
    from playwright.sync_api import sync_playwright

    results: dict[str, object] = {"load_average_start": os.getloadavg(), "pages": {}, "filters": {},
                                  "clicks": {}}
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        url, sample = _database(Path(tmp), national)
        with AppServer(Path(tmp) / "streamlit.log", url, sample_data=sample) as server:
            results["server_healthy_s"] = round(server.wait_healthy(), 2)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                first = _first_render(browser, server, server.url + "/", 1)
                results["first_page"] = {"s": round(first["s"], 2),
                                         "server_cpu_s": round(first["cpu_s"], 3)}
                print("first page after start", results["first_page"], flush=True)
                results["settle_s"] = round(wait_settled(server), 1)
                for name, (path, maps) in PAGES.items():
                    if only and name not in only:
                        continue
                    runs = [_first_render(browser, server, server.url + path, maps)
                            for _ in range(repeat)]
                    results["pages"][name] = {**_summary(runs), "first_render_s": round(
                        statistics.median(r["s"] for r in runs), 2),
                        "map_bytes": max(r["map_bytes"] for r in runs)}
                    print(name, results["pages"][name], flush=True)
                for name in FILTERS:
                    if only and name not in only:
                        continue
                    runs = [_filter_change(browser, server, name) for _ in range(repeat)]
                    results["filters"][name] = {**_summary(runs), "rerender_s": round(
                        statistics.median(r["s"] for r in runs), 2)}
                    print(name, "filter change", results["filters"][name], flush=True)
                for name in CLICKS:
                    if only and name not in only:
                        continue
                    runs = [_map_click(browser, server, name) for _ in range(repeat)]
                    results["clicks"][name] = {**_summary(runs), "place": runs[0]["geoid"]}
                    print(name, "map click", results["clicks"][name], flush=True)
                browser.close()
            results["server_peak_rss_mb"] = round(_peak_rss(server.pid) / 2**20)
    results["load_average_end"] = os.getloadavg()
    return results


def _peak_rss(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "pages.json")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--national", action="store_true",
                        help="the national dataset (500 partners, 100,000 sites) "
                             "instead of the sample")
    parser.add_argument("--only", nargs="+", choices=sorted(PAGES), metavar="PAGE",
                        help="only these pages (and their filter change and map click); "
                             "prints the figures without writing them")
    args = parser.parse_args(argv)
    section = "national" if args.national else "sample"
    results = measure(args.national, args.repeat, set(args.only or ()))
    if args.only:
        return 0
    old = json.loads(args.out.read_text(encoding="utf-8")) if args.out.exists() else {}
    if "pages" in old:  # the file as it was before the national section existed
        old = {"sample": old}
    old[section] = results
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(old, indent=2) + "\n", encoding="utf-8")
    print(f"written to {args.out} ({section})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
