"""Time Store.load_frames and Store.frames for 100,000 sites + 200,000 activities.

    .venv/bin/python bench/db_load.py                       # SQLite in a temp folder
    .venv/bin/python bench/db_load.py postgresql://...      # an EMPTY PostGIS database

Synthetic but well-formed records (Florida-like coordinates and codes); prints seconds.
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from geo.db import open_store
from geo.schema import Frames


def synthetic(n_partners: int = 200, n_sites: int = 100_000, n_acts: int = 200_000) -> Frames:
    rng = np.random.default_rng(4)
    partners = pd.DataFrame({
        "partner_id": -np.arange(1, n_partners + 1),
        "name": [f"Partner {i}" for i in range(n_partners)],
        "type": "nonprofit", "principles": "Equity;Family Engagement",
    })
    site_partner = -rng.integers(1, n_partners + 1, n_sites)
    sites = pd.DataFrame({
        "site_id": -np.arange(1, n_sites + 1), "partner_id": site_partner,
        "name": [f"School {i}" for i in range(n_sites)],
        "latitude": rng.uniform(25.0, 30.9, n_sites).round(6),
        "longitude": rng.uniform(-87.5, -80.1, n_sites).round(6),
        "zip": "32301", "state_fips": "12", "county_fips": "12073",
        "district_geoid": "1201110",
    })
    pick = rng.integers(0, n_sites, n_acts)
    activities = pd.DataFrame({
        "partner_id": site_partner[pick], "site_id": sites["site_id"].to_numpy()[pick],
        "area_level": "site", "kind_of_work": "implementation", "principles": "Equity",
        "status": "active", "start_date": "2023-08-01", "contact": "x@example.org",
        "notes": "synthetic",
    })
    return Frames(partners, sites, activities)


def main(url: str | None) -> None:
    frames = synthetic()
    with tempfile.TemporaryDirectory() as tmp:
        url = url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        store = open_store(url)
        start = time.perf_counter()
        counts = store.load_frames(frames, actor="bench")
        loaded = time.perf_counter() - start
        start = time.perf_counter()
        read = store.frames()
        reading = time.perf_counter() - start
        print(f"{store.dialect}: load_frames {counts} in {loaded:.2f} s; "
              f"frames() {len(read.sites):,} sites + {len(read.activities):,} activities "
              f"in {reading:.2f} s")
        store.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
