"""The fictional sample dataset shown on first run, so the app has something to explore.

About 40 invented partner organizations (websites and e-mails under ``example.org``)
and about 1,500 activities at real places: sites at real ZIP centroids or at points
near them that fall inside a real school district, concentrated in a dozen metro
areas plus scattered ones, with their state, county and district filled by
:func:`geo.join.assign_boundaries`. A few districts deliberately host several partners
doing the same kind of work, so the overlap views have something to show.

Everything is drawn from ``numpy.random.default_rng(seed)`` and a fixed reference
date, so the same seed always gives the same frames (the app labels them as sample
data; nothing here describes a real organization).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo import boundaries, schema
from geo.join import assign_boundaries

# Statuses are derived from dates relative to this fixed day (never "today", which
# would make the sample change from one day to the next).
REFERENCE_DATE = dt.date(2025, 9, 1)
FIRST_START = dt.date(2015, 1, 1)
LAST_START = dt.date(2026, 6, 30)
LAST_END = dt.date(2026, 12, 31)
CONSENT_BY = "staff@coalition.example.org"


@dataclass(frozen=True)
class _Metro:
    name: str
    lat: float
    lon: float


METROS: tuple[_Metro, ...] = (
    _Metro("New York", 40.73, -73.94),
    _Metro("Los Angeles", 34.03, -118.25),
    _Metro("Chicago", 41.84, -87.68),
    _Metro("Houston", 29.76, -95.39),
    _Metro("Philadelphia", 39.98, -75.16),
    _Metro("Atlanta", 33.75, -84.42),
    _Metro("Cincinnati", 39.13, -84.50),
    _Metro("Oakland", 37.80, -122.24),
    _Metro("Baltimore", 39.30, -76.62),
    _Metro("Albuquerque", 35.10, -106.63),
    _Metro("Tulsa", 36.15, -95.95),
    _Metro("Minneapolis", 44.97, -93.26),
    _Metro("Denver", 39.74, -104.96),
)
_METRO_RADIUS_DEG = 0.35

# (name, type, expertise). Coined names: none is meant to be a real organization.
_PARTNERS: tuple[tuple[str, str, str], ...] = (
    ("Brightpath Community Schools Alliance", "national",
     "Community school strategy; site coordinator networks; needs assessments"),
    ("Kindlewood Learning Institute", "national",
     "Whole-child research; expanded learning time; coaching for principals"),
    ("Northstar Family Partnership Network", "national",
     "Family engagement programs; parent leadership academies"),
    ("Lumenfield Youth Collaborative", "national",
     "Youth leadership councils; student voice in school governance"),
    ("Commonground Health in Schools", "national",
     "School-based health centers; mental health partnerships"),
    ("Quillmoor Educators Federation", "union",
     "Educator professional learning; labor-management collaboration on community schools"),
    ("Vantris Teachers Association", "union",
     "Teacher leadership; advocacy for community school funding"),
    ("Harborlight Teachers Guild", "union", "Mentoring for new teachers; family home visits"),
    ("Ashgrove Education Workers Union", "union",
     "Paraprofessional training; school climate committees"),
    ("Riverbend Youth Alliance", "nonprofit", "After-school and summer programs; tutoring"),
    ("Maplestone Kids Network", "nonprofit", "Mentoring; attendance and re-engagement"),
    ("Cedar Hollow Youth Works", "nonprofit", "Career exploration; paid youth internships"),
    ("Bluewater Learning Partners", "nonprofit", "Literacy tutoring; family reading nights"),
    ("Sunfield Family Services", "nonprofit", "Food pantries; housing navigation for families"),
    ("Ironwood Arts Collective", "nonprofit", "Arts residencies; creative youth development"),
    ("Pinecrest Mentoring Circle", "nonprofit", "One-to-one mentoring; college access"),
    ("Goldleaf Out-of-School Time Council", "nonprofit",
     "Program quality standards; staff training for after-school providers"),
    ("United Way of Lakemont Valley", "united_way",
     "Collective impact tables; funding community school coordinators"),
    ("United Way of Greater Thornbury", "united_way",
     "Early grade reading campaigns; volunteer tutoring"),
    ("United Way of Copper Ridge", "united_way",
     "Family resource centers; data sharing agreements"),
    ("Westbrook University Center for Community Schools", "university",
     "Evaluation; continuous improvement; principal preparation"),
    ("Elmhurst State College Partnership Office", "university",
     "Teacher residencies; university-assisted community schools"),
    ("Granite Bay University Family Research Lab", "university",
     "Family engagement research; survey design"),
    ("Tallow Creek Community Foundation", "foundation",
     "Grants for community school coordinators; capacity building"),
    ("Silverline Education Fund", "foundation",
     "Multi-year funding for integrated student supports"),
    ("Meadowlark Family Foundation", "foundation", "Early learning and family engagement grants"),
    ("Office of Youth Opportunity, City of Ferncastle", "government",
     "City-school joint use agreements; youth employment"),
    ("Larkspur County Health Department", "government",
     "School-based clinics; vaccination and vision screening"),
    ("Department of Neighborhoods, City of Orrin Falls", "government",
     "Neighborhood hubs; family resource navigation"),
    ("Brookhaven County Human Services Agency", "government",
     "Benefits enrollment at schools; family case management"),
    ("Statewide Community Schools Network of Northland", "state_network",
     "State policy; technical assistance for new community schools"),
    ("Prairie States Community Schools Coalition", "state_network",
     "Peer learning networks; state budget advocacy"),
    ("Gulf Coast Community Schools Collaborative", "state_network",
     "Coordinator training; cross-district convenings"),
    ("Mountain West Whole Child Network", "state_network",
     "Rural community schools; regional convenings"),
    ("Keystone Family Engagement Network", "nonprofit",
     "Family leadership training; bilingual family liaisons"),
    ("Harmony Square Restorative Practices Project", "nonprofit",
     "Restorative practices; school climate coaching"),
    ("Open Door Legal Aid for Families", "nonprofit", "Legal clinics for families at school sites"),
    ("Wildflower Early Learning Partnership", "nonprofit",
     "Pre-K partnerships; transitions to kindergarten"),
    ("Fieldstone STEM Exchange", "nonprofit", "STEM clubs; family science nights"),
    ("Evergreen Schools Research Consortium", "university",
     "District data partnerships; implementation studies"),
)

# Kinds of work typical for each partner type (first is most common).
_KINDS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "national": ("technical_assistance", "implementation", "professional_learning", "policy",
                 "convening"),
    "union": ("professional_learning", "implementation", "policy"),
    "nonprofit": ("implementation", "implementation", "technical_assistance"),
    "united_way": ("funding", "convening", "implementation"),
    "university": ("research", "technical_assistance", "professional_learning"),
    "foundation": ("funding",),
    "government": ("implementation", "funding", "convening"),
    "state_network": ("technical_assistance", "convening", "policy"),
}

_SITE_WORDS = (
    "Juniper", "Willow", "Sycamore", "Aspen", "Magnolia", "Hawthorn", "Birchwood", "Linden",
    "Cottonwood", "Redbud", "Chestnut", "Larch", "Alder", "Hazel", "Poplar", "Spruce",
    "Bayberry", "Clover", "Fernridge", "Hillcrest", "Brookside", "Stonegate", "Sunrise",
    "Lakeview", "Meadow", "Orchard", "Riverside", "Summit", "Harbor", "Prairie",
)
_SCHOOL_SUFFIXES = ("Community School", "Elementary", "Middle School", "High School", "Academy",
                    "K-8")
_NOTES = (
    "After-school tutoring and family nights",
    "Site coordinator shared with the district",
    "Summer learning program",
    "Mental health counselor on site two days a week",
    "Parent leadership group meets monthly",
    "Food pantry open after school",
    "Pilot year; evaluation under way",
    "",
    "",
)


def _slug(name: str) -> str:
    words = [w for w in "".join(ch if ch.isalnum() else " " for ch in name.lower()).split()
             if w not in ("of", "the", "for", "in", "city")]
    return "-".join(words[:3])


def _candidates() -> pd.DataFrame:
    """ZIP centroids that lie inside a school district, with their boundaries."""
    zips = boundaries.zip_centroids()
    joined = assign_boundaries(zips["longitude"], zips["latitude"])
    ok = joined["in_district"].to_numpy() & _consistent(joined)
    out = zips.loc[ok].reset_index(drop=True)
    return pd.concat([out, joined.loc[ok].reset_index(drop=True)], axis=1)


def _consistent(joined: pd.DataFrame) -> np.ndarray:
    """County in the district's state: near a state line the coarse (1:10m) county layer
    can disagree with the 1:500k districts, and the store refuses such a row."""
    county_state = joined["county_fips"].astype(str).str[:2]
    return (county_state == joined["state_fips"].astype(str)).to_numpy()


def _near(cands: pd.DataFrame, lat: float, lon: float, radius: float) -> np.ndarray:
    dx = (cands["longitude"].to_numpy() - lon) * np.cos(np.radians(lat))
    dy = cands["latitude"].to_numpy() - lat
    return np.flatnonzero(dx * dx + dy * dy <= radius * radius)


def _partners(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    stamp0 = dt.datetime(2023, 1, 9, 15, 0, tzinfo=dt.UTC)
    # Exactly 60% approved public listing; the others show as anonymous to the public.
    n_public = round(0.6 * len(_PARTNERS))
    public_flags = rng.permutation(np.arange(len(_PARTNERS)) < n_public)
    for i, (name, ptype, expertise) in enumerate(_PARTNERS, start=1):
        slug = _slug(name)
        public = bool(public_flags[i - 1])
        principles = sorted(
            rng.choice(len(schema.PRINCIPLES), size=int(rng.integers(2, 5)), replace=False)
        )
        consent_at = stamp0 + dt.timedelta(days=int(rng.integers(0, 900)))
        rows.append({
            "partner_id": i,
            "name": name,
            "type": ptype,
            "website": f"https://{slug}.example.org",
            "email": f"hello@{slug}.example.org",
            "expertise": expertise,
            "principles": ";".join(schema.PRINCIPLES[k] for k in principles),
            "public": public,
            "consent_by": CONSENT_BY if public else "",
            "consent_at": consent_at.isoformat() if public else "",
        })
    frame = pd.DataFrame(rows, columns=list(schema.PARTNER_COLUMNS))
    frame["partner_id"] = frame["partner_id"].astype("int64")
    frame["public"] = frame["public"].astype(bool)
    return frame


def _footprint(
    rng: np.random.Generator, partners: pd.DataFrame
) -> dict[int, tuple[list[int], int, int]]:
    """Per partner: its metros (indexes into METROS), sites in metros, scattered sites."""
    plan: dict[int, tuple[list[int], int, int]] = {}
    for row in partners.to_dict("records"):
        ptype, pid = row["type"], int(row["partner_id"])
        if ptype == "national":
            metros = sorted(rng.choice(len(METROS), size=int(rng.integers(6, 10)),
                                       replace=False).tolist())
            plan[pid] = (metros, int(rng.integers(55, 80)), int(rng.integers(15, 30)))
        elif ptype == "state_network":
            metros = [int(rng.integers(len(METROS)))]
            plan[pid] = (metros, int(rng.integers(8, 14)), 0)
        elif ptype == "foundation":
            metros = sorted(rng.choice(len(METROS), size=2, replace=False).tolist())
            plan[pid] = (metros, int(rng.integers(6, 12)), 0)
        else:
            n_metros = 1 if rng.random() < 0.7 else 2
            metros = sorted(rng.choice(len(METROS), size=n_metros, replace=False).tolist())
            plan[pid] = (metros, int(rng.integers(14, 30)), int(rng.integers(0, 4)))
    return plan


def _site_name(rng: np.random.Generator, kind: str) -> str:
    # Never the partner's name: a site name is shown even where the partner is anonymous.
    word = _SITE_WORDS[int(rng.integers(len(_SITE_WORDS)))]
    if kind == "community_school":
        return f"{word} {_SCHOOL_SUFFIXES[int(rng.integers(len(_SCHOOL_SUFFIXES)))]}"
    return f"{word} {'Family Resource Center' if kind == 'office' else 'Youth Center'}"


def _sites(
    rng: np.random.Generator, partners: pd.DataFrame, cands: pd.DataFrame
) -> tuple[pd.DataFrame, set[int]]:
    """The sites, and the ids of those placed at the heart of a metro."""
    plan = _footprint(rng, partners)
    metro_pool = [_near(cands, m.lat, m.lon, _METRO_RADIUS_DEG) for m in METROS]
    # The heart of each metro: a few partners each get sites here (deliberate overlaps).
    core_pool = [_near(cands, m.lat, m.lon, 0.06) for m in METROS]
    picks: list[tuple[int, int, bool]] = []  # (partner_id, candidate row, in core)
    for pid, (metros, n_metro, n_scattered) in plan.items():
        for k in range(n_metro):
            metro = metros[k % len(metros)]
            at_core = k < 2 and core_pool[metro].size > 0
            pool = core_pool[metro] if at_core else metro_pool[metro]
            picks.append((pid, int(pool[rng.integers(pool.size)]), at_core))
        for _ in range(n_scattered):
            picks.append((pid, int(rng.integers(len(cands))), False))
    rows = cands.loc[[c for _, c, _ in picks]].reset_index(drop=True)
    n = len(rows)
    # About half the sites have surveyed coordinates near the ZIP centroid; the rest are
    # located at the centroid itself (as a ZIP-only import would be).
    exact = rng.random(n) < 0.5
    jitter = rng.normal(0.0, 0.012, size=(n, 2)) * exact[:, None]
    lat = rows["latitude"].to_numpy() + jitter[:, 0]
    lon = rows["longitude"].to_numpy() + jitter[:, 1]
    joined = assign_boundaries(lon, lat)
    outside = ~(joined["in_district"].to_numpy() & _consistent(joined))
    if outside.any():  # in water, off a coast or across a state line: use the centroid
        lat[outside] = rows["latitude"].to_numpy()[outside]
        lon[outside] = rows["longitude"].to_numpy()[outside]
        exact[outside] = False
        joined = assign_boundaries(lon, lat)
    kinds = rng.choice(["community_school", "office", "affiliate"], size=n,
                       p=[0.78, 0.08, 0.14])
    partner_ids = [pid for pid, _, _ in picks]
    core = np.array([c for _, _, c in picks])
    kinds[core] = "community_school"
    frame = pd.DataFrame({
        "site_id": np.arange(1, n + 1, dtype="int64"),
        "partner_id": np.array(partner_ids, dtype="int64"),
        "name": [_site_name(rng, kinds[i]) for i in range(n)],
        "site_kind": kinds,
        "nces_id": "",
        "latitude": np.round(lat, 6),
        "longitude": np.round(lon, 6),
        "zip": rows["zip"].to_numpy(),
        "location_source": np.where(exact, "coordinates", "zip_centroid"),
        "state_fips": joined["state_fips"].to_numpy(),
        "county_fips": joined["county_fips"].to_numpy(),
        "district_geoid": joined["district_geoid"].to_numpy(),
        "secondary_district_geoid": joined["secondary_district_geoid"].to_numpy(),
        "contact": "",
    })
    for col in ("name", "site_kind", "nces_id", "zip", "location_source", "state_fips",
                "county_fips", "district_geoid", "secondary_district_geoid", "contact"):
        frame[col] = frame[col].astype("str")
    return frame, set(frame["site_id"].to_numpy()[core].tolist())


def _dates(rng: np.random.Generator, n: int) -> tuple[list, list, list[str]]:
    span = (LAST_START - FIRST_START).days
    starts, ends, statuses = [], [], []
    for _ in range(n):
        start = FIRST_START + dt.timedelta(days=int(rng.integers(0, span + 1)))
        end = None
        if start > REFERENCE_DATE:
            status = "planned"
        else:
            if rng.random() < 0.45:
                end = min(start + dt.timedelta(days=int(rng.integers(365, 5 * 365))), LAST_END)
            status = "ended" if end is not None and end < REFERENCE_DATE else "active"
        starts.append(pd.Timestamp(start))
        ends.append(pd.Timestamp(end) if end is not None else pd.NaT)
        statuses.append(status)
    return starts, ends, statuses


def _activities(
    rng: np.random.Generator, partners: pd.DataFrame, sites: pd.DataFrame, core: set[int]
) -> pd.DataFrame:
    by_id = partners.set_index("partner_id")
    records: list[dict[str, object]] = []

    def add(pid: int, site_id: object, level: str, area_id: str, kind: str) -> None:
        partner = by_id.loc[pid]
        own = schema.split_list(partner["principles"])
        chosen = sorted(rng.choice(len(own), size=int(rng.integers(1, len(own) + 1)),
                                   replace=False))
        slug = _slug(str(partner["name"]))
        records.append({
            "partner_id": pid, "site_id": site_id, "area_level": level, "area_id": area_id,
            "kind_of_work": kind, "principles": ";".join(own[k] for k in chosen),
            "contact": (f"{('coordinator', 'programs', 'info')[int(rng.integers(3))]}"
                        f"@{slug}.example.org"),
            "notes": _NOTES[int(rng.integers(len(_NOTES)))],
        })

    type_of = by_id["type"].to_dict()
    for site in sites[["site_id", "partner_id"]].to_dict("records"):
        kinds = _KINDS_BY_TYPE[type_of[site["partner_id"]]]
        first = kinds[int(rng.integers(len(kinds)))]
        if site["site_id"] in core and "implementation" in kinds:
            first = "implementation"  # same place, same kind of work: an overlap to find
        add(site["partner_id"], site["site_id"], "site", "", first)
        if rng.random() < 0.27 and len(set(kinds)) > 1:
            second = next(k for k in rng.permutation(kinds) if k != first)
            add(site["partner_id"], site["site_id"], "site", "", str(second))

    # Area-wide work: state policy, county convening and funding, district-wide efforts.
    for pid in by_id.index.tolist():
        partner = by_id.loc[pid]
        own_sites = sites[sites["partner_id"] == pid]
        if own_sites.empty:
            continue
        ptype = partner["type"]
        states = own_sites["state_fips"].value_counts().index.tolist()
        districts = own_sites["district_geoid"].value_counts().index.tolist()
        counties = own_sites["county_fips"].value_counts().index.tolist()
        if ptype in ("state_network", "national"):
            for fips in states[: (3 if ptype == "state_network" else 4)]:
                add(int(pid), pd.NA, "state", str(fips), "policy")
        if ptype in ("state_network", "foundation", "nonprofit"):
            for geoid in districts[: (3 if ptype != "nonprofit" else 1)]:
                kind = "funding" if ptype == "foundation" else _KINDS_BY_TYPE[ptype][0]
                add(int(pid), pd.NA, "district", str(geoid), kind)
        if ptype in ("united_way", "government"):
            for fips in [c for c in counties if c][:2]:
                add(int(pid), pd.NA, "county", str(fips), _KINDS_BY_TYPE[ptype][1])

    frame = pd.DataFrame.from_records(records)
    frame.insert(0, "activity_id", np.arange(1, len(frame) + 1, dtype="int64"))
    starts, ends, statuses = _dates(rng, len(frame))
    frame["status"] = statuses
    frame["start_date"] = pd.to_datetime(pd.Series(starts)).astype("datetime64[ns]")
    frame["end_date"] = pd.to_datetime(pd.Series(ends)).astype("datetime64[ns]")
    frame["partner_id"] = frame["partner_id"].astype("int64")
    frame["site_id"] = frame["site_id"].astype("Int64")
    for col in ("area_level", "area_id", "kind_of_work", "principles", "status", "contact",
                "notes"):
        frame[col] = frame[col].astype("str")
    return frame[list(schema.ACTIVITY_COLUMNS)]


def make_sample(seed: int = 7) -> schema.Frames:
    """The fictional sample dataset (partners, sites, activities) for ``seed``.

    Deterministic: the same seed and the same bundled boundary data give identical
    frames. Takes about a second (two spatial joins over ~34,000 ZIP centroids and the
    sites).
    """
    rng = np.random.default_rng(seed)
    cands = _candidates()
    partners = _partners(rng)
    sites, core = _sites(rng, partners, cands)
    activities = _activities(rng, partners, sites, core)
    return schema.Frames(partners, sites, activities)


def contains_sample(partners: pd.DataFrame) -> bool:
    """True when ``partners`` (unredacted) include partners of the sample dataset, so
    the UI can label what it shows as fictional."""
    sample = {(name, f"https://{_slug(name)}.example.org") for name, _, _ in _PARTNERS}
    pairs = zip(partners["name"].astype(str), partners["website"].astype(str), strict=True)
    return any(pair in sample for pair in pairs)
