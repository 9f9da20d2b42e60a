"""Time the analyses at national scale: 500 partners, 100,000 sites, 200,000 activities.

Sites are real ZIP-code centroids (bundled ZCTA list) jittered by up to ~1 km, with
their boundary ids from the real spatial join; activities are 150,000 at sites and
50,000 over real districts, counties and states. Fixed seed.

    .venv/bin/python bench/bench_analysis.py [--sites 100000] [--repeat 3]

Prints the timings (best of ``--repeat``) and the budgets from the national-scale issue.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo import boundaries  # noqa: E402
from geo.analysis import coverage, nearby_pairs, overlap_places, rank_fit, resolve_place, scan  # noqa: E402
from geo.analysis import gazetteer  # noqa: E402
from geo.analysis.frames import make_frames  # noqa: E402
from geo.join import assign_boundaries  # noqa: E402
from geo.schema import KINDS_OF_WORK, PARTNER_TYPES, PRINCIPLES, Frames  # noqa: E402


def national_frames(*, n_partners: int = 500, n_sites: int = 100_000, n_activities: int = 200_000,
                    seed: int = 20240901) -> Frames:
    """A synthetic national frame set at real places (see the module docstring)."""
    rng = np.random.default_rng(seed)
    zips = boundaries.zip_centroids()
    zips = zips[(zips["latitude"] > 18.9) & ~zips["zip"].astype("str").str.startswith(("006", "007", "009"))]
    pick = rng.integers(0, len(zips), n_sites)
    lat = zips["latitude"].to_numpy()[pick] + rng.uniform(-0.008, 0.008, n_sites)
    lon = zips["longitude"].to_numpy()[pick] + rng.uniform(-0.008, 0.008, n_sites)
    ids = assign_boundaries(lon, lat)
    principles = np.array([";".join(sorted(set(rng.choice(PRINCIPLES, 2)))) for _ in range(64)])
    partners = pd.DataFrame({
        "partner_id": np.arange(1, n_partners + 1),
        "name": [f"Partner {i:03d}" for i in range(1, n_partners + 1)],
        "type": rng.choice(list(PARTNER_TYPES), n_partners),
        "website": [f"https://p{i}.example.org" for i in range(1, n_partners + 1)],
        "principles": principles[rng.integers(0, 64, n_partners)],
    })
    # partners cluster: each partner works around a few home ZIPs
    site_partner = rng.integers(1, n_partners + 1, n_sites)
    sites = pd.DataFrame({
        "site_id": np.arange(1, n_sites + 1), "partner_id": site_partner,
        "name": [f"Site {i}" for i in range(1, n_sites + 1)],
        "site_kind": rng.choice(["community_school", "office", "affiliate"], n_sites, p=[0.8, 0.1, 0.1]),
        "latitude": lat, "longitude": lon,
        "state_fips": ids["state_fips"].fillna("").astype("str").to_numpy(),
        "county_fips": ids["county_fips"].fillna("").astype("str").to_numpy(),
        "district_geoid": ids["district_geoid"].fillna("").astype("str").to_numpy(),
        "secondary_district_geoid": ids["secondary_district_geoid"].fillna("").astype("str").to_numpy(),
    })
    n_site_acts = int(n_activities * 0.75)
    n_area = n_activities - n_site_acts
    at = rng.integers(0, n_sites, n_site_acts)
    districts = gazetteer.place_table("district")["place_id"].to_numpy()
    counties = gazetteer.place_table("county")["place_id"].to_numpy()
    states = gazetteer.place_table("state")["place_id"].to_numpy()
    level = rng.choice(["district", "county", "state"], n_area, p=[0.7, 0.25, 0.05])
    area_id = np.where(level == "district", rng.choice(districts, n_area),
                       np.where(level == "county", rng.choice(counties, n_area), rng.choice(states, n_area)))
    start = pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 3650, n_activities), unit="D")
    acts = pd.DataFrame({
        "activity_id": np.arange(1, n_activities + 1),
        "partner_id": np.concatenate([site_partner[at], rng.integers(1, n_partners + 1, n_area)]),
        "site_id": pd.array(np.concatenate([at + 1, np.full(n_area, -1)]), dtype="Int64"),
        "area_level": np.concatenate([np.full(n_site_acts, "site"), level]),
        "area_id": np.concatenate([np.full(n_site_acts, ""), area_id]),
        "kind_of_work": rng.choice(list(KINDS_OF_WORK), n_activities),
        "principles": principles[rng.integers(0, 64, n_activities)],
        "status": rng.choice(["active", "planned", "ended"], n_activities, p=[0.7, 0.1, 0.2]),
        "start_date": start,
    })
    acts["site_id"] = acts["site_id"].mask(acts["site_id"] < 0)
    return make_frames(partners, sites, acts)


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=100_000)
    parser.add_argument("--activities", type=int, default=200_000)
    parser.add_argument("--partners", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    t = time.perf_counter()
    for level in ("state", "county", "district"):
        gazetteer.place_table(level)
    gazetteer.need_table()
    print(f"boundary tables loaded (once per process): {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    frames = national_frames(n_partners=args.partners, n_sites=args.sites, n_activities=args.activities)
    print(f"generated {len(frames.partners)} partners, {len(frames.sites)} sites, "
          f"{len(frames.activities)} activities in {time.perf_counter() - t:.1f} s")

    def all_coverage():
        for level in ("state", "county", "district"):
            coverage(frames, level)

    def overlaps_and_pairs():
        overlap_places(frames, "district")
        nearby_pairs(frames, miles=1.0)

    results = {
        "coverage, 3 levels (budget < 1 s)": _best(all_coverage, args.repeat),
        "district overlaps + 1-mile pairs (budget < 3 s)": _best(overlaps_and_pairs, args.repeat),
        "  district overlaps alone": _best(lambda: overlap_places(frames, "district"), args.repeat),
        "  1-mile nearby pairs alone": _best(lambda: nearby_pairs(frames, miles=1.0), args.repeat),
    }
    leon = resolve_place(district="0622710")
    results["scan Los Angeles Unified, 5 mi, 2 needs"] = _best(
        lambda: scan(frames, leon, radius_mi=5, needs="Family Engagement;Funding"), args.repeat)
    results["fit ranking, state of California"] = _best(
        lambda: rank_fit(frames, resolve_place(state="CA"), "Equity;policy"), args.repeat)
    print(f"nearby pairs within 1 mile: {len(nearby_pairs(frames, miles=1.0)):,}; "
          f"districts with 2+ partners: {len(overlap_places(frames, 'district')):,}")
    width = max(map(len, results))
    for name, secs in results.items():
        print(f"{name:<{width}}  {secs:6.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
