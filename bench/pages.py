"""Every page with the sample data, in headless Chromium: first render, a filter change,
and the map data each page sends (issue 3's budgets: first render < 3 s, a filter change
< 1.5 s, <= 8 MB of map data per page).

    .venv/bin/python bench/pages.py [--out bench/pages.json] [--repeat 3]

A fresh app server (scripts/serve.py, as run.sh starts it) on a fresh SQLite database
filled with the sample data; its home page is opened once first (the server's own
start-up is issue 6's "first map"). Then, for each page, in a fresh browser context:
*first render* = from navigation until the page's script is idle and, on pages with a
map, the map has drawn areas or sites; *map data* = the bytes of the map documents the
page holds. *Filter change* = from picking the option until the script is idle and the
map shows the change (home: a partner type; coverage: counties instead of states; scan:
another radius). Median of ``--repeat`` runs. Nothing goes beyond localhost.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

from run import CHROMIUM, CHROMIUM_ARGS, _free_port, _wait_healthy  # noqa: E402

IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
# Every map frame of the page has drawn something: SVG paths, or ink on a canvas.
MAPS_DRAWN = """(want) => {
  const frames = [...document.querySelectorAll('iframe[title="streamlit_folium.st_folium"]')];
  if (frames.length < want) return false;
  for (const f of frames) {
    const d = f.contentDocument;
    if (!d || !d.querySelector('.leaflet-container')) return false;
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
MAP_BYTES = """() => [...document.querySelectorAll('iframe[title="streamlit_folium.st_folium"]')]
  .map(f => new Blob([f.contentDocument.documentElement.outerHTML]).size)
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


def _first_render(browser, url: str, maps: int) -> dict[str, float]:
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    context.route("**/*", lambda r: r.continue_() if "127.0.0.1" in r.request.url else r.abort())
    page = context.new_page()
    try:
        t0 = time.perf_counter()
        page.goto(url, wait_until="commit")
        page.wait_for_selector(IDLE, timeout=120_000)
        if maps:
            page.wait_for_function(MAPS_DRAWN, arg=maps, polling="raf", timeout=120_000)
        page.wait_for_selector(IDLE, timeout=120_000)
        secs = time.perf_counter() - t0
        return {"s": secs, "map_bytes": page.evaluate(MAP_BYTES) if maps else 0}
    finally:
        context.close()


def _legend_has(text: str) -> str:
    return ("() => { const f = document.querySelector('" + MAP_FRAME.replace("'", "\\'") + "');"
            " const l = f && f.contentDocument && f.contentDocument.querySelector('.partner-legend');"
            f" return l && l.innerText.includes({json.dumps(text)}); }}")


def _filter_change(browser, base: str, name: str) -> float:
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    page = context.new_page()
    try:
        if name == "coverage":
            page.goto(base + "/coverage")
            page.wait_for_selector(IDLE, timeout=120_000)
            page.wait_for_function(MAPS_DRAWN, arg=1, polling="raf", timeout=120_000)
            page.click("input[role='combobox'][aria-label='Level']")
            t0 = time.perf_counter()
            page.click("[role='option']:has-text('Counties')")
            page.wait_for_function(_legend_has("per county"), polling="raf", timeout=60_000)
        elif name == "home":
            page.goto(base + "/")
            page.wait_for_selector(IDLE, timeout=120_000)
            page.wait_for_function(MAPS_DRAWN, arg=1, polling="raf", timeout=120_000)
            before = page.evaluate("() => document.querySelector('" + MAP_FRAME.replace("'", "\\'")
                                   + "').contentDocument.querySelector('canvas.partner-sites-layer').dataset.sites")
            page.get_by_label("Partner type", exact=False).first.click()
            option = page.get_by_role("option", name="Teachers' union", exact=True)
            option.wait_for(timeout=10_000)
            t0 = time.perf_counter()
            option.click()
            page.keyboard.press("Escape")
            page.wait_for_function(
                "(before) => { const f = document.querySelector('" + MAP_FRAME.replace("'", "\\'") + "');"
                " const c = f && f.contentDocument && f.contentDocument.querySelector('canvas.partner-sites-layer');"
                " return c && c.style.visibility === 'visible' && c.dataset.sites !== before; }",
                arg=before, polling="raf", timeout=60_000)
        else:  # scan: another radius
            page.goto(base + "/scan?district=1709930&radius=5")
            page.wait_for_selector(IDLE, timeout=120_000)
            page.wait_for_function(MAPS_DRAWN, arg=1, polling="raf", timeout=120_000)
            box = page.get_by_role("spinbutton", name="Radius (miles)")
            box.fill("25")
            t0 = time.perf_counter()
            box.press("Enter")
            page.wait_for_function("() => window.location.search.includes('radius=25')", timeout=60_000)
            page.wait_for_function(MAPS_DRAWN, arg=1, polling="raf", timeout=60_000)
        page.wait_for_selector(IDLE, timeout=60_000)
        return time.perf_counter() - t0
    finally:
        context.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "pages.json")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    results: dict[str, object] = {"load_average_start": os.getloadavg(), "pages": {}, "filters": {}}
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        env = dict(os.environ, DATABASE_URL=f"sqlite:///{Path(tmp) / 'sample.db'}",
                   PARTNERMAP_SAMPLE_DATA="1", PARTNERMAP_TILES="none")
        with open(Path(tmp) / "streamlit.log", "wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "scripts/serve.py", "--server.headless", "true",
                 "--server.fileWatcherType", "none", "--server.port", str(port),
                 "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
                cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
            try:
                _wait_healthy(base, proc)
                with sync_playwright() as p:
                    browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                    _first_render(browser, base + "/", 1)  # the server's own start-up
                    for name, (path, maps) in PAGES.items():
                        runs = [_first_render(browser, base + path, maps) for _ in range(args.repeat)]
                        results["pages"][name] = {
                            "first_render_s": round(statistics.median(r["s"] for r in runs), 2),
                            "runs_s": [round(r["s"], 2) for r in runs],
                            "map_bytes": max(r["map_bytes"] for r in runs)}
                        print(name, results["pages"][name], flush=True)
                    for name in ("home", "coverage", "scan"):
                        runs = [_filter_change(browser, base, name) for _ in range(args.repeat)]
                        results["filters"][name] = {"rerender_s": round(statistics.median(runs), 2),
                                                    "runs_s": [round(r, 2) for r in runs]}
                        print(name, "filter change", results["filters"][name], flush=True)
                    browser.close()
            finally:
                proc.terminate()
                proc.wait(timeout=15)
    results["load_average_end"] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
