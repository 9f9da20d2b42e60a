"""Benchmark: loading the join layers and locating points on them.

    .venv/bin/python bench/bench_join.py [--n 100000] [--out FILE]

Points are drawn with a fixed seed at real places: a random district (weighted by
nothing, so small city districts are as likely as large rural ones), then a random
point inside it. Prints a table and writes the figures as JSON (default
``bench/out/bench_join.json``).
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo import boundaries, join  # noqa: E402

SEED = 20240131


def _points_in_districts(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(SEED)
    geoms = boundaries.districts("join").geometry.values
    x = np.empty(0)
    y = np.empty(0)
    while len(x) < n:  # rejection sampling in each picked district's bounding box
        picks = geoms[rng.choice(len(geoms), n)]
        b = shapely.bounds(picks)
        u = rng.random((n, 2))
        px = b[:, 0] + u[:, 0] * (b[:, 2] - b[:, 0])
        py = b[:, 1] + u[:, 1] * (b[:, 3] - b[:, 1])
        inside = shapely.contains_xy(picks, px, py)
        x, y = np.r_[x, px[inside]], np.r_[y, py[inside]]
    return x[:n], y[:n]


def _timed(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="number of points")
    parser.add_argument("--out", type=Path, default=Path("bench/out/bench_join.json"))
    args = parser.parse_args(argv)

    data_dir = boundaries.resolve_data_dir()
    t0 = time.perf_counter()
    boundaries.districts("join", data_dir=data_dir)
    boundaries.states(data_dir=data_dir)
    boundaries.counties(data_dir=data_dir)
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    join.in_us([0.0], [0.0], data_dir=data_dir)  # builds the STRtrees
    index_s = time.perf_counter() - t0

    x, y = _points_in_districts(args.n)
    t0 = time.perf_counter()
    join.assign_boundaries(x, y, data_dir=data_dir)  # first call also prepares polygons
    first_s = time.perf_counter() - t0
    join_s = _timed(lambda: join.assign_boundaries(x, y, data_dir=data_dir))
    index = join._index(data_dir)
    points = shapely.points(x, y)
    districts_only_s = _timed(lambda: join._hits(index.districts, points))
    # Reference: a plain geopandas sjoin of the same points on the district layer only.
    frame = gpd.GeoDataFrame(geometry=points, crs="EPSG:4326")
    layer = boundaries.districts("join", data_dir=data_dir)[["geoid", "geometry"]]
    sjoin_s = _timed(lambda: gpd.sjoin(frame, layer, predicate="intersects"), repeat=1)
    in_us_s = _timed(lambda: join.in_us(x, y, data_dir=data_dir))
    result = join.assign_boundaries(x, y, data_dir=data_dir)

    figures = {
        "n_points": args.n,
        "load_join_layers_s": round(load_s, 3),
        "build_index_s": round(index_s, 3),
        "assign_boundaries_first_call_s": round(first_s, 3),
        "assign_boundaries_s": round(join_s, 3),
        "assign_boundaries_points_per_s": round(args.n / join_s),
        "district_lookup_only_s": round(districts_only_s, 3),
        "district_lookup_only_points_per_s": round(args.n / districts_only_s),
        "geopandas_sjoin_districts_s": round(sjoin_s, 3),
        "geopandas_sjoin_points_per_s": round(args.n / sjoin_s),
        "in_us_s": round(in_us_s, 3),
        "in_us_points_per_s": round(args.n / in_us_s),
        "share_in_district": round(float(result["in_district"].mean()), 4),
        "share_with_secondary": round(float((result["secondary_district_geoid"] != "").mean()), 4),
        "python": platform.python_version(),
        "shapely": shapely.__version__,
        "geos": shapely.geos_version_string,
    }
    width = max(map(len, figures))
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
