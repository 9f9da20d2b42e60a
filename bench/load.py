"""Many people at once: N browser sessions open the app on the national dataset together.

    .venv/bin/python bench/load.py                  # N = 1, 5, 20; writes bench/load.json
    .venv/bin/python bench/load.py --sessions 1 5   # other N
    (options: --out FILE)

One app server (``scripts/serve.py`` via ``tests/harness.py``) on a copy of the
national database (``bench/national.py``: built once under ``bench/out/``). Its home page
is opened once and its warm-up left to finish; then, for each N, N fresh browser contexts
start together (a barrier) and each opens home, Scan (Chicago, 5 miles), Overlaps and
Coverage in turn, as a new user would. Per page: median and p95 of the time to content
(script idle and every map drawn, as ``bench/pages.py``), and errors (a timeout, a page
showing a Python exception, an uncaught script error). Per round: the server's CPU
seconds (``/proc/PID/stat``) divided by the page views, its peak RSS (sampled every
0.1 s), the wall time, and the CPU seconds the test browsers themselves used on the same
2 cores (all processes below this one but the server), which is how much of the time is
the browsers' own drawing.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from national import national_database  # noqa: E402
from pages import IDLE, MAPS_DRAWN, VIEWPORT, wait_settled  # noqa: E402
from tests.harness import CHROMIUM, CHROMIUM_ARGS, Server as AppServer, rss_bytes, tree_cpu_seconds  # noqa: E402

# name -> (path, maps): home, then Scan, Overlaps and Coverage, in this order.
VISIT = {
    "home": ("/", 1),
    "scan": ("/scan?district=1709930&radius=5", 1),
    "overlaps": ("/overlaps", 1),
    "coverage": ("/coverage", 1),
}
TIMEOUT_MS = 180_000


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


async def _session(browser, base: str, start: asyncio.Event) -> dict[str, dict[str, object]]:
    context = await browser.new_context(viewport=VIEWPORT)
    await context.route("**/*", lambda r: r.continue_() if "127.0.0.1" in r.request.url
                        else r.abort())
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)[:300]))
    out: dict[str, dict[str, object]] = {}
    await start.wait()
    try:
        for name, (path, maps) in VISIT.items():
            errors.clear()
            t0 = time.perf_counter()
            try:
                await page.goto(base + path, wait_until="commit")
                await page.wait_for_selector(IDLE, timeout=TIMEOUT_MS)
                if maps:
                    await page.wait_for_function(MAPS_DRAWN, arg=maps, polling="raf",
                                                 timeout=TIMEOUT_MS)
                await page.wait_for_selector(IDLE, timeout=TIMEOUT_MS)
                secs = time.perf_counter() - t0
                shown = await page.query_selector("[data-testid='stException']")
                if shown:
                    errors.append("exception shown: " + (await shown.inner_text())[:300])
                out[name] = {"s": secs, "errors": list(errors)}
            except Exception as exc:  # a timeout or a closed page: an error, not a figure
                out[name] = {"s": None, "errors": [*errors, f"{type(exc).__name__}: {exc}"[:300]]}
    finally:
        await context.close()
    return out


async def _round(browser, base: str, n: int) -> list[dict[str, dict[str, object]]]:
    start = asyncio.Event()
    tasks = [asyncio.create_task(_session(browser, base, start)) for _ in range(n)]
    await asyncio.sleep(0.5)  # every context is being created; then all start at once
    start.set()
    return await asyncio.gather(*tasks)


class _PeakRss:
    """Samples the server's RSS every 0.1 s in a thread while in the ``with`` block."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0, threading.Event()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_bytes(self.pid))
            self._stop.wait(0.1)

    def __enter__(self) -> _PeakRss:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes(self.pid))


def _summarise(n: int, sessions: list[dict], wall: float, server_cpu: float, browser_cpu: float,
               peak_rss: int) -> dict[str, object]:
    pages: dict[str, object] = {}
    for name in VISIT:
        times = [s[name]["s"] for s in sessions if name in s and s[name]["s"] is not None]
        errs = [e for s in sessions for e in s.get(name, {"errors": ["not reached"]})["errors"]]
        pages[name] = {"median_s": round(statistics.median(times), 2) if times else None,
                       "p95_s": round(_p95(times), 2) if times else None,
                       "max_s": round(max(times), 2) if times else None,
                       "errors": len(errs), "error_samples": errs[:3]}
    views = n * len(VISIT)
    return {
        "sessions": n, "page_views": views, "wall_s": round(wall, 2),
        "pages": pages, "errors": sum(p["errors"] for p in pages.values()),
        "server_cpu_s": round(server_cpu, 2),
        "server_cpu_s_per_view": round(server_cpu / views, 3),
        "browser_cpu_s": round(browser_cpu, 2),
        "browser_cpu_s_per_view": round(browser_cpu / views, 3),
        "server_peak_rss_mb": round(peak_rss / 2**20),
        # With every CPU second of the round spread over the machine's cores, the
        # shortest the round could take; the browsers' share of that is their drawing.
        "cpu_bound_wall_s": round((server_cpu + browser_cpu) / (os.cpu_count() or 1), 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "load.json")
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 5, 20])
    args = parser.parse_args(argv)
    from playwright.async_api import async_playwright

    results: dict[str, object] = {"load_average_start": os.getloadavg(), "cores": os.cpu_count(),
                                  "rounds": []}
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        url = national_database(Path(tmp) / "db")
        with AppServer(Path(tmp) / "streamlit.log", url, sample_data=False) as server:
            results["server_healthy_s"] = round(server.wait_healthy(), 2)

            async def run() -> None:
                async with async_playwright() as p:
                    browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                    # One visitor first (the server's start-up is bench/pages.py's "first page").
                    await _round(browser, server.url, 1)
                    await asyncio.to_thread(wait_settled, server)
                    results["rss_after_warm_up_mb"] = round(server.rss_bytes() / 2**20)
                    for n in args.sessions:
                        me = os.getpid()
                        cpu0, bcpu0 = (server.cpu_seconds(),
                                       tree_cpu_seconds(me, exclude={server.pid}))
                        with _PeakRss(server.pid) as rss:
                            t0 = time.perf_counter()
                            sessions = await _round(browser, server.url, n)
                            wall = time.perf_counter() - t0
                            # before the contexts' processes are gone from the tree
                        summary = _summarise(n, sessions, wall, server.cpu_seconds() - cpu0,
                                             tree_cpu_seconds(me, exclude={server.pid}) - bcpu0,
                                             rss.peak)
                        results["rounds"].append(summary)
                        print(json.dumps({k: v for k, v in summary.items() if k != "pages"}),
                              flush=True)
                        for name, figures in summary["pages"].items():
                            print(f"  {name:<9} {figures}", flush=True)
                        await asyncio.to_thread(wait_settled, server)
                    await browser.close()

            asyncio.run(run())
            if any(r["errors"] for r in results["rounds"]):
                results["server_log_tail"] = server.log()[-3000:]
    results["load_average_end"] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
