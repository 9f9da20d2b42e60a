"""The seeded national dataset of the benchmark: 500 partners, 100,000 sites and
200,000 activities at real places.

Built the way :mod:`geo.sample` builds the small sample (same place candidates, same
coined-name style, same kinds-of-work per partner type, same date rules and reference
day), but vectorised so that 100,000 sites take seconds:

* places: the ZIP centroids that lie in a school district (``geo.sample._candidates``,
  county in the district's state); each partner works in 1-3 home states (national
  partners and state networks anywhere), half of the sites are jittered around the
  centroid like surveyed coordinates and re-joined with :func:`geo.join.assign_boundaries`
  (falling back to the centroid where the jitter lands outside a district);
* partner sizes follow a long tail (a few partners with thousands of sites, most with
  tens), as a real coalition would;
* activities: one per site, a second one at 40% of sites, the rest area-wide work over
  the partners' own districts, counties and states.

The frames have the columns of :mod:`geo.schema` and load into the store unchanged
(ids are kept). Everything depends only on the seed and the bundled data.

    .venv/bin/python bench/national.py     # prints the sizes and the build time
"""
from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo import sample as _sample, schema  # noqa: E402  (sample's helpers: one way to build data)
from geo.join import assign_boundaries  # noqa: E402

SEED = 20250901
N_PARTNERS = 500
N_SITES = 100_000
N_ACTIVITIES = 200_000

_ADJECTIVES = (
    "Brightwater", "Cedarline", "Northgate", "Silverbrook", "Oakmont", "Riverstone",
    "Harborview", "Fairhaven", "Stonebridge", "Willowmere", "Amberfield", "Clearbrook",
    "Highmeadow", "Lakecrest", "Pinehurst", "Redfern", "Sunvale", "Thornfield",
    "Westmere", "Elmstead", "Foxglove", "Greystone", "Hollowell", "Ivybridge",
    "Juniper Ridge", "Kestrel", "Larkfield", "Moonbrook", "Newhaven", "Orchard Hill",
)
_NOUNS = (
    "Learning", "Youth", "Family", "Community", "Schools", "Education", "Kids",
    "Neighborhood", "Futures", "Pathways", "Bridges", "Horizons", "Roots", "Compass",
    "Lantern", "Harvest", "Commons", "Beacon", "Threshold", "Village",
)
_SUFFIX_BY_TYPE: dict[str, tuple[str, ...]] = {
    "national": ("Alliance", "Institute", "Network"),
    "union": ("Educators Union", "Teachers Association", "Federation of Teachers"),
    "nonprofit": ("Collaborative", "Project", "Partners", "Works"),
    "united_way": ("United Way",),
    "university": ("University Center", "College Partnership Office"),
    "foundation": ("Foundation", "Fund"),
    "government": ("County Human Services", "City Youth Office"),
    "state_network": ("State Community Schools Network", "Coalition"),
}
_TYPE_SHARE: dict[str, float] = {
    "nonprofit": 0.40, "union": 0.10, "united_way": 0.10, "university": 0.08,
    "foundation": 0.08, "government": 0.10, "state_network": 0.08, "national": 0.06,
}


def _partners(rng: np.random.Generator) -> pd.DataFrame:
    types = rng.choice(list(_TYPE_SHARE), size=N_PARTNERS, p=list(_TYPE_SHARE.values()))
    combos = rng.permutation(len(_ADJECTIVES) * len(_NOUNS))[:N_PARTNERS]
    names, sites, emails = [], [], []
    for i, (combo, ptype) in enumerate(zip(combos.tolist(), types, strict=True)):
        adjective, noun = _ADJECTIVES[combo // len(_NOUNS)], _NOUNS[combo % len(_NOUNS)]
        suffixes = _SUFFIX_BY_TYPE[str(ptype)]
        name = f"{adjective} {noun} {suffixes[i % len(suffixes)]}"
        names.append(name)
        slug = f"{_sample._slug(name)}-{i + 1}"
        sites.append(f"https://{slug}.example.org")
        emails.append(f"hello@{slug}.example.org")
    public = rng.random(N_PARTNERS) < 0.6
    stamp0 = dt.datetime(2023, 1, 9, 15, 0, tzinfo=dt.UTC)
    consent_at = [
        (stamp0 + dt.timedelta(days=int(d))).isoformat() if p else ""
        for d, p in zip(rng.integers(0, 900, N_PARTNERS), public, strict=True)
    ]
    principle_sets = [
        ";".join(sorted(rng.choice(schema.PRINCIPLES, size=int(k), replace=False)))
        for k in rng.integers(2, 5, N_PARTNERS)
    ]
    frame = pd.DataFrame({
        "partner_id": np.arange(1, N_PARTNERS + 1, dtype="int64"),
        "name": names,
        "type": types,
        "website": sites,
        "email": emails,
        "expertise": [_sample._PARTNERS[k][2]
                      for k in rng.integers(0, len(_sample._PARTNERS), N_PARTNERS)],
        "principles": principle_sets,
        "public": public,
        "consent_by": np.where(public, _sample.CONSENT_BY, ""),
        "consent_at": consent_at,
    })
    for col in ("name", "type", "website", "email", "expertise", "principles", "consent_by",
                "consent_at"):
        frame[col] = frame[col].astype("str")
    return frame[list(schema.PARTNER_COLUMNS)]


def _site_partners(rng: np.random.Generator, partners: pd.DataFrame) -> np.ndarray:
    """The partner of each site: a long-tailed size per partner (national ones larger)."""
    weight = rng.pareto(1.2, N_PARTNERS) + 0.2
    weight *= np.where(partners["type"].to_numpy() == "national", 6.0, 1.0)
    counts = np.floor(weight / weight.sum() * (N_SITES - N_PARTNERS)).astype(np.int64) + 1
    counts[np.argmax(counts)] += N_SITES - counts.sum()  # exactly N_SITES, >= 1 each
    return np.repeat(partners["partner_id"].to_numpy(), counts)


def _places(
    rng: np.random.Generator, partners: pd.DataFrame, site_partner: np.ndarray, cands: pd.DataFrame
) -> np.ndarray:
    """A candidate row for every site: in one of its partner's home states."""
    state_of = cands["state_fips"].to_numpy(dtype=object)
    states, state_code = np.unique(state_of, return_inverse=True)
    by_state = [np.flatnonzero(state_code == k) for k in range(len(states))]
    # A state's chance of being someone's home grows with its number of ZIP codes.
    state_weight = np.array([len(rows) for rows in by_state], dtype=float)
    state_weight /= state_weight.sum()
    picks = np.empty(len(site_partner), dtype=np.int64)
    types = partners.set_index("partner_id")["type"]
    starts = np.flatnonzero(np.r_[True, site_partner[1:] != site_partner[:-1]])
    ends = np.r_[starts[1:], len(site_partner)]
    for lo, hi in zip(starts.tolist(), ends.tolist(), strict=True):
        n = hi - lo
        if types[site_partner[lo]] in ("national", "state_network") and n > 50:
            picks[lo:hi] = rng.integers(0, len(cands), n)  # national reach
            continue
        homes = rng.choice(len(states), size=int(rng.integers(1, 4)), replace=False, p=state_weight)
        pool = np.concatenate([by_state[k] for k in homes])
        # Partners cluster: most sites around a few anchor places in their home states.
        anchors = pool[rng.integers(0, len(pool), max(1, n // 40))]
        near = rng.random(n) < 0.6
        picks[lo:hi] = pool[rng.integers(0, len(pool), n)]
        if near.any():
            picks[lo:hi][near] = _nearest(cands,
                                          anchors[rng.integers(0, len(anchors), int(near.sum()))],
                                          pool, rng)
    return picks


def _nearest(cands: pd.DataFrame, anchors: np.ndarray, pool: np.ndarray,
             rng: np.random.Generator) -> np.ndarray:
    """For each anchor, a random one of the 30 pool candidates closest to it."""
    lat = cands["latitude"].to_numpy()
    lon = cands["longitude"].to_numpy()
    uniq, inverse = np.unique(anchors, return_inverse=True)
    out = np.empty(len(anchors), dtype=np.int64)
    for k, anchor in enumerate(uniq.tolist()):
        d = ((lat[pool] - lat[anchor]) ** 2
             + ((lon[pool] - lon[anchor]) * np.cos(np.radians(lat[anchor]))) ** 2)
        close = pool[np.argsort(d)[:30]]
        members = np.flatnonzero(inverse == k)
        out[members] = close[rng.integers(0, len(close), len(members))]
    return out


def _sites(rng: np.random.Generator, partners: pd.DataFrame, cands: pd.DataFrame) -> pd.DataFrame:
    site_partner = _site_partners(rng, partners)
    rows = cands.iloc[_places(rng, partners, site_partner, cands)].reset_index(drop=True)
    n = len(rows)
    exact = rng.random(n) < 0.5
    jitter = rng.normal(0.0, 0.012, size=(n, 2)) * exact[:, None]
    lat = rows["latitude"].to_numpy() + jitter[:, 0]
    lon = rows["longitude"].to_numpy() + jitter[:, 1]
    joined = assign_boundaries(lon, lat)
    outside = ~(joined["in_district"].to_numpy() & _sample._consistent(joined))
    lat[outside] = rows["latitude"].to_numpy()[outside]
    lon[outside] = rows["longitude"].to_numpy()[outside]
    exact[outside] = False
    # Back at the centroid the candidate's own (checked) boundaries hold.
    ids = {c: np.where(outside, rows[c].to_numpy(dtype=object), joined[c].to_numpy(dtype=object))
           for c in ("state_fips", "county_fips", "district_geoid", "secondary_district_geoid")}
    kinds = rng.choice(["community_school", "office", "affiliate"], size=n,
                       p=[0.78, 0.08, 0.14])
    words = np.array(_sample._SITE_WORDS, dtype=object)[
        rng.integers(0, len(_sample._SITE_WORDS), n)]
    suffix = np.array(_sample._SCHOOL_SUFFIXES, dtype=object)[
        rng.integers(0, len(_sample._SCHOOL_SUFFIXES), n)]
    other = np.where(kinds == "office", "Family Resource Center", "Youth Center")
    names = words + " " + np.where(kinds == "community_school", suffix, other)
    frame = pd.DataFrame({
        "site_id": np.arange(1, n + 1, dtype="int64"),
        "partner_id": site_partner.astype("int64"),
        "name": names,
        "site_kind": kinds,
        "nces_id": "",
        "latitude": np.round(lat, 6),
        "longitude": np.round(lon, 6),
        "zip": rows["zip"].to_numpy(),
        "location_source": np.where(exact, "coordinates", "zip_centroid"),
        **ids,
        "contact": "",
    })
    for col in ("name", "site_kind", "nces_id", "zip", "location_source", "state_fips",
                "county_fips", "district_geoid", "secondary_district_geoid", "contact"):
        frame[col] = frame[col].astype("str")
    return frame[list(schema.SITE_COLUMNS)]


def _dates(rng: np.random.Generator, n: int) -> tuple[pd.Series, pd.Series, np.ndarray]:
    """Start, end and status with geo.sample's rules, drawn as arrays."""
    first = np.datetime64(_sample.FIRST_START, "D")
    span = (_sample.LAST_START - _sample.FIRST_START).days
    start = first + rng.integers(0, span + 1, n).astype("timedelta64[D]")
    ref = np.datetime64(_sample.REFERENCE_DATE, "D")
    has_end = (start <= ref) & (rng.random(n) < 0.45)
    end = np.minimum(start + rng.integers(365, 5 * 365, n).astype("timedelta64[D]"),
                     np.datetime64(_sample.LAST_END, "D"))
    end = np.where(has_end, end, np.datetime64("NaT"))
    status = np.where(start > ref, "planned", np.where(has_end & (end < ref), "ended", "active"))
    to_ns = lambda a: pd.Series(a.astype("datetime64[ns]"))  # noqa: E731
    return to_ns(start), to_ns(end), status


def _activities(rng: np.random.Generator, partners: pd.DataFrame,
                sites: pd.DataFrame) -> pd.DataFrame:
    ptype = partners.set_index("partner_id")["type"]
    kinds_of = {t: np.array(k, dtype=object) for t, k in _sample._KINDS_BY_TYPE.items()}
    site_type = sites["partner_id"].map(ptype).to_numpy(dtype=object)
    n_sites = len(sites)
    second = rng.random(n_sites) < 0.4
    at_site = np.r_[np.arange(n_sites), np.flatnonzero(second)]
    n_area = N_ACTIVITIES - len(at_site)
    # Area-wide work: over a district, county or state where the partner has a site.
    area_src = rng.integers(0, n_sites, n_area)
    level = rng.choice(["district", "county", "state"], size=n_area, p=[0.65, 0.25, 0.10])
    column = {"district": "district_geoid", "county": "county_fips", "state": "state_fips"}
    area_id = np.empty(n_area, dtype=object)
    for lvl, col in column.items():
        mask = level == lvl
        area_id[mask] = sites[col].to_numpy(dtype=object)[area_src[mask]]
    src = np.r_[at_site, area_src]
    types = site_type[src]
    kind = np.empty(len(src), dtype=object)
    for t, kinds in kinds_of.items():
        mask = types == t
        kind[mask] = kinds[rng.integers(0, len(kinds), int(mask.sum()))]
    partner_principles = partners.set_index("partner_id")["principles"]
    principles = sites["partner_id"].map(partner_principles).to_numpy(dtype=object)[src]
    slug = {pid: _sample._slug(str(name))
            for pid, name in zip(partners["partner_id"], partners["name"], strict=True)}
    partner = sites["partner_id"].to_numpy()[src]
    role = np.array(["coordinator", "programs", "info"], dtype=object)[rng.integers(0, 3, len(src))]
    contact = role + "@" + pd.Series(partner).map(slug).to_numpy(dtype=object) + ".example.org"
    start, end, status = _dates(rng, len(src))
    n_site_acts = len(at_site)
    frame = pd.DataFrame({
        "activity_id": np.arange(1, len(src) + 1, dtype="int64"),
        "partner_id": partner.astype("int64"),
        "site_id": pd.array(np.r_[sites["site_id"].to_numpy()[at_site],
                                  np.zeros(n_area, dtype=np.int64)], dtype="Int64"),
        "area_level": np.r_[np.full(n_site_acts, "site", dtype=object), level.astype(object)],
        "area_id": np.r_[np.full(n_site_acts, "", dtype=object), area_id],
        "kind_of_work": kind,
        "principles": principles,
        "status": status,
        "start_date": start,
        "end_date": end,
        "contact": contact,
        "notes": np.array(_sample._NOTES, dtype=object)[
            rng.integers(0, len(_sample._NOTES), len(src))],
    })
    frame.loc[n_site_acts:, "site_id"] = pd.NA
    for col in ("area_level", "area_id", "kind_of_work", "principles", "status", "contact",
                "notes"):
        frame[col] = frame[col].astype("str")
    return frame[list(schema.ACTIVITY_COLUMNS)]


def national_dataset(seed: int = SEED) -> schema.Frames:
    """The benchmark's national frames (partners, sites, activities) for ``seed``."""
    rng = np.random.default_rng(seed)
    cands = _sample._candidates()
    partners = _partners(rng)
    sites = _sites(rng, partners, cands)
    activities = _activities(rng, partners, sites)
    return schema.Frames(partners, sites, activities)


OUT = Path(__file__).resolve().parent / "out"


def _schema_key() -> str:
    """A short hash of the code that decides what the database file holds (the schema
    migrations, the loader, this generator): a cached database built by other code is
    rebuilt, never reused."""
    import hashlib

    repo = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted([*(repo / "geo" / "db" / "migrations" / "versions").glob("*.py"),
                        repo / "geo" / "db" / "loading.py", repo / "geo" / "db" / "models.py",
                        Path(__file__).resolve()]):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def national_database(folder: Path, *, seed: int = SEED, cache: Path = OUT) -> str:
    """An SQLite database in ``folder`` holding the national dataset; returns its URL.

    The database (with its Parquet copy of the frames, as a running app keeps it beside
    the file) is built once under ``cache`` (``bench/out/``, not committed) and copied
    into ``folder`` for each run, so a run never changes the cached one and a benchmark
    that starts the app measures the app, not the load (~1 min).
    """
    import shutil

    from geo.db import open_store

    built = cache / f"national-{seed}-{_schema_key()}"
    if not (built / "partnermap.db").exists():
        t0 = time.perf_counter()
        tmp = cache / f".building-{seed}-{time.time_ns()}"
        tmp.mkdir(parents=True)
        store = open_store(f"sqlite:///{tmp / 'partnermap.db'}")
        store.load_frames(national_dataset(seed), actor="bench")
        store.frames()  # writes the Parquet copy beside the file
        store.close()
        shutil.rmtree(built, ignore_errors=True)
        tmp.rename(built)
        print(f"national database built in {time.perf_counter() - t0:.0f} s: {built}", flush=True)
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    for item in built.iterdir():
        (shutil.copytree if item.is_dir() else shutil.copy2)(item, target / item.name)
    return f"sqlite:///{target / 'partnermap.db'}"


if __name__ == "__main__":
    t0 = time.perf_counter()
    f = national_dataset()
    print(f"{len(f.partners):,} partners, {len(f.sites):,} sites, {len(f.activities):,} activities "
          f"in {time.perf_counter() - t0:.1f} s; "
          f"states with sites: {f.sites['state_fips'].nunique()}, "
          f"districts: {f.sites['district_geoid'].nunique():,}")
