"""Finding the place a user means: a state, county, school district, ZIP code or point.

:func:`resolve_place` turns one identifier into a :class:`Place` (or says plainly what is
wrong with it); :func:`find_places` turns typed text into a short list of suggestions
for a search box.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from geo.analysis import gazetteer
from geo.codes import find_state, is_place_id, is_zip5
from geo.errors import PartnerMapError

PLACE_LEVELS = ("state", "county", "district", "zip", "point")

# Share of the smaller shape's area two polygons must share to count as overlapping;
# the county layer is coarser (1:10m) than the district layer (1:500k), so slivers
# along shared borders must not count.
_MIN_SHARED_AREA = 0.01


class PlaceNotFound(PartnerMapError, LookupError):
    """The identifier does not name a known place; the message says how to fix it."""


@dataclass(frozen=True)
class Place:
    """A place to scan, with the boundary ids it touches.

    ``center`` is (latitude, longitude): the point itself, or a point inside the polygon.
    ``district_geoids`` are the school districts that contain the point or overlap the
    area; ``county_fips`` likewise for counties.
    """

    level: str
    id: str
    name: str
    geometry: BaseGeometry
    center: tuple[float, float]
    state_fips: str
    state: str = ""
    county_fips: tuple[str, ...] = ()
    district_geoids: tuple[str, ...] = field(default=())

    @property
    def label(self) -> str:
        """How to name the place in a sentence: "Leon County School District, FL"."""
        if self.level == "state" or not self.state:
            return self.name
        return f"{self.name}, {self.state}"

    @property
    def is_point(self) -> bool:
        return self.level in ("zip", "point")

    @property
    def noun(self) -> str:
        """"this state", "this county", "this district", "this ZIP code", "this point"."""
        return {"state": "this state", "county": "this county", "district": "this district",
                "zip": "this ZIP code area", "point": "this point"}[self.level]


def _overlapping(level: str, geom: BaseGeometry, *,
                 state_fips: str | None = None) -> tuple[str, ...]:
    layer = gazetteer.lookup_boundary(level)
    if state_fips is not None:
        layer = layer[layer["state_fips"] == state_fips]
    idx = layer.sindex.query(geom, predicate="intersects")
    if len(idx) == 0:
        return ()
    cand = layer.iloc[idx]
    geoms = cand.geometry.values
    shared = shapely.area(shapely.intersection(geoms, geom))
    smaller = np.minimum(shapely.area(geoms), geom.area)
    keep = shared > _MIN_SHARED_AREA * np.where(smaller > 0, smaller, 1)
    return tuple(sorted(cand["place_id"][keep].astype("str")))


def _center(geom: BaseGeometry) -> tuple[float, float]:
    pt = geom.representative_point() if not isinstance(geom, Point) else geom
    return (round(float(pt.y), 6), round(float(pt.x), 6))


def _polygon_place(level: str, place_id: str) -> Place:
    layer = gazetteer.lookup_boundary(level)
    row = layer[layer["place_id"] == place_id]
    if row.empty:
        raise PlaceNotFound(_not_found_message(level, place_id))
    r = row.iloc[0]
    geom = r.geometry
    if level == "state":
        districts = tuple(sorted(gazetteer.lookup_table("district")
                                 .query("state_fips == @place_id")["place_id"]))
        counties = tuple(sorted(gazetteer.place_table("county")
                                .query("state_fips == @place_id")["place_id"]))
    elif level == "county":
        counties = (place_id,)
        districts = _overlapping("district", geom)
    else:
        districts = (place_id,)
        counties = _overlapping("county", geom)
    return Place(level=level, id=place_id, name=str(r["name"]), geometry=geom, center=_center(geom),
                 state_fips=str(r["state_fips"]), state=str(r["state"]), county_fips=counties,
                 district_geoids=districts)


def _not_found_message(level: str, value: str) -> str:
    if level == "state":
        return (f"No state {value!r}; use a two-letter postal code (FL), a 2-digit FIPS code (12) "
                "or the state's name")
    if level == "county":
        return (f"No county with FIPS code {value!r}; check the 5-digit county FIPS "
                "(state + county, e.g. 12073)")
    if level == "district":
        return (f"No school district with GEOID {value}; check the 7-digit NCES LEAID "
                "(e.g. 1201110 for Leon County, FL)")
    return (f"No ZIP code {value!r} in the ZIP centroid list; check the 5 digits "
            "(PO Box ZIPs are not listed)")


def _state_id(state: str) -> str:
    text = str(state).strip()
    found = find_state(text)
    if found is None:
        raise PlaceNotFound(_not_found_message("state", text))
    return found.fips


def _point_place(level: str, place_id: str, name: str, lat: float, lon: float) -> Place:
    from geo.join import assign_boundaries

    b = assign_boundaries(np.array([lon], dtype="float64"),
                          np.array([lat], dtype="float64")).iloc[0]
    state_fips = str(b["state_fips"]) if pd.notna(b["state_fips"]) else ""
    districts = tuple(str(b[c]) for c in ("district_geoid", "secondary_district_geoid")
                      if pd.notna(b[c]) and str(b[c]))
    county = ((str(b["county_fips"]),) if pd.notna(b["county_fips"]) and str(b["county_fips"])
              else ())
    state = str(b["state"]) if pd.notna(b["state"]) else ""
    if not state_fips:
        raise PlaceNotFound(f"{name} is not in the United States or its territories "
                            "(the map covers only those); "
                            "check the numbers: latitude first, then longitude, "
                            "e.g. 41.88,-87.63 for Chicago")
    if not districts and gazetteer.statewide_district(state_fips):
        districts = (gazetteer.statewide_district(state_fips),)
    return Place(level=level, id=place_id, name=name, geometry=Point(lon, lat), center=(lat, lon),
                 state_fips=state_fips, state=state, county_fips=county, district_geoids=districts)


def parse_point(text: str) -> tuple[float, float]:
    """(lat, lon) from "LAT,LON" text, with a clear error for anything else."""
    m = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*", str(text))
    if not m:
        raise PlaceNotFound("A point is written LAT,LON in decimal degrees, e.g. 30.44,-84.28 "
                            f"(got {text!r})")
    lat, lon = float(m.group(1)), float(m.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise PlaceNotFound("Latitude must be within -90..90 and longitude within -180..180 "
                            f"(got {lat},{lon}); did you swap them?")
    return lat, lon


def resolve_place(*, state: str | None = None, county: str | None = None,
                  district: str | None = None, zip: str | None = None,  # noqa: A002
                  point: tuple[float, float] | str | None = None) -> Place:
    """The :class:`Place` named by exactly one of the keyword arguments.

    ``state``: postal code, FIPS or name; ``county``: 5-digit FIPS; ``district``: 7-digit
    GEOID (= NCES LEAID); ``zip``: 5-digit ZIP (its ZCTA centroid); ``point``: (lat, lon)
    or "LAT,LON". Raises :class:`PlaceNotFound` with a fix-it message otherwise.
    """
    given = {k: v for k, v in dict(state=state, county=county, district=district, zip=zip,
                                   point=point).items()
             if v is not None and str(v).strip() != ""}
    if len(given) != 1:
        raise PlaceNotFound("Give exactly one place: a state, a county, a district, a ZIP code "
                            f"or a point (got {', '.join(given) or 'none'})")
    kind, value = next(iter(given.items()))
    if kind == "state":
        return _polygon_place("state", _state_id(str(value)))
    if kind == "county":
        text = str(value).strip()
        if not is_place_id("county", text):
            raise PlaceNotFound(_not_found_message("county", text))
        return _polygon_place("county", text)
    if kind == "district":
        text = str(value).strip()
        if not is_place_id("district", text):
            raise PlaceNotFound(_not_found_message("district", text))
        return _polygon_place("district", text)
    if kind == "zip":
        from geo.boundaries import zip_centroids

        text = str(value).strip()
        zips = zip_centroids()
        hit = (zips[zips["zip"].astype("str") == text] if is_zip5(text)
               else zips.iloc[0:0])
        if hit.empty:
            raise PlaceNotFound(_not_found_message("zip", text))
        lat, lon = float(hit["latitude"].iloc[0]), float(hit["longitude"].iloc[0])
        return _point_place("zip", text, f"ZIP {text}", lat, lon)
    lat, lon = parse_point(value) if isinstance(value, str) else (float(value[0]), float(value[1]))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise PlaceNotFound("Latitude must be within -90..90 and longitude within -180..180 "
                            f"(got {lat},{lon})")
    return _point_place("point", f"{lat:.5f},{lon:.5f}", f"Point {lat:.4f}, {lon:.4f}", lat, lon)


@dataclass(frozen=True)
class Suggestion:
    """One search-box suggestion; pass ``level=id`` to :func:`resolve_place`.

    ``exact``: the place's name is what was typed (less generic words such as "County
    School District"); ``state``: its postal code.
    """

    level: str
    id: str
    label: str
    exact: bool = False
    state: str = ""

    def resolve(self) -> Place:
        return resolve_place(**{self.level: self.id})


# Words that say what kind of body a district is, not where: "Denver County School
# District 1" is named "denver" for matching.
_GENERIC_WORDS = frozenset("""
    area borough central city community consolidated county cusd district elementary exempted high
    independent isd joint local municipal no of parish public regional school schools supervisory
    the town township union unified unit usd village
""".split())
_LEVEL_ORDER = {"state": 0, "district": 1, "county": 2, "zip": 3}


def _core_name(name: str) -> str:
    words = re.findall(r"[a-z0-9']+", name.lower())
    kept = [w for w in words if w not in _GENERIC_WORDS and not any(c.isdigit() for c in w)]
    return " ".join(kept) or " ".join(words)


def _match_tier(names: pd.Series, query: str) -> np.ndarray:
    """0: the name is the query (less generic words); 1: the name starts with the
    query's words; 2: the query's words appear in the name as whole words; 3: the query
    appears inside a word; 4: no match."""
    low = names.str.lower()
    core = low.map(_core_name)
    q = re.escape(query)
    exact = (core == query) | (low == query)
    starts = low.str.match(rf"{q}\b")
    words = low.str.contains(rf"\b{q}\b", regex=True)
    inside = low.str.contains(query, regex=False)
    return np.select([exact, starts, words, inside], [0, 1, 2, 3], 4)


def find_places(text: str, *, limit: int = 10,
                partners: Mapping[str, int] | None = None) -> list[Suggestion]:
    """Places whose name, code or ZIP matches typed ``text``, best matches first.

    Understands a state name or postal code ("Florida", "FL"), a district or county
    name optionally followed by ", ST" or ", State" ("Leon, FL"), a ZIP code ("32301",
    "ZIP 32301") or county FIPS, and a 7-digit district GEOID.

    Ranking: how well the name matches (see :func:`_match_tier`: a whole-name match
    before a name that starts with the text, before whole words, before part of a word),
    then places where more partners work (``partners``: place id -> number of partners,
    e.g. :func:`geo.analysis.coverage.partners_by_place`), then larger places (children
    5-17), then districts before counties, then by name. :func:`best_match` says when the
    first suggestion is clearly the one meant.
    """
    query = " ".join(str(text).strip().split())
    zip_text = re.fullmatch(r"(?i)zip\s*(?:code)?\s*(\d{5})", query)
    if zip_text:
        query = zip_text.group(1)
    if not query:
        return []
    out: list[Suggestion] = []
    if is_place_id("district", query):
        t = gazetteer.lookup_table("district")
        out += [Suggestion("district", str(r.place_id), str(r.label), True, str(r.state))
                for r in t[t["place_id"] == query].itertuples()]
    if is_zip5(query):
        from geo.boundaries import zip_centroids

        z = zip_centroids()
        if (z["zip"].astype("str") == query).any():
            out.append(Suggestion("zip", query, f"ZIP {query}", True))
        if not zip_text:
            t = gazetteer.place_table("county")
            out += [Suggestion("county", str(r.place_id), str(r.label), True, str(r.state))
                    for r in t[t["place_id"] == query].itertuples()]
    if out or query.isdigit():
        return out[:limit]
    name, _, st = query.partition(",")
    name, st = name.strip().lower(), st.strip()
    states = gazetteer.place_table("state")
    if st:
        hit = states[(states["state"].str.upper() == st.upper())
                     | (states["name"].str.lower() == st.lower())]
        if hit.empty:
            return []
        st = str(hit["state"].iloc[0])
    if not name:
        return []
    frames = []
    if not st:
        tier = np.where(states["state"].str.lower() == name, 0, _match_tier(states["name"], name))
        frames.append(states.assign(level="state", tier=tier))
    for level in ("district", "county"):
        t = gazetteer.lookup_table(level)
        if st:
            t = t[t["state"] == st]
        frames.append(t.assign(level=level, tier=_match_tier(t["name"], name)))
    found = pd.concat(frames, ignore_index=True)
    found = found[found["tier"] < 4]
    if found.empty:
        return []
    weights = pd.Series(partners or {}, dtype="float64")
    found = found.assign(
        n_partners=found["place_id"].map(weights).fillna(0.0),
        size=found["place_id"].map(gazetteer.place_size()).fillna(0.0),
        level_order=found["level"].map(_LEVEL_ORDER),
    ).sort_values(["tier", "n_partners", "size", "level_order", "label"],
                  ascending=[True, False, False, True, True], kind="stable")
    return [Suggestion(str(r.level), str(r.place_id), str(r.label), bool(r.tier == 0), str(r.state))
            for r in found.head(limit).itertuples()]


def best_match(suggestions: list[Suggestion]) -> Suggestion | None:
    """The suggestion to open without asking, or None when the user should choose.

    One suggestion is opened; so is the first when every whole-name match (or, with
    none, every suggestion) lies in one state ("Leon, FL": the district and the county
    of that name); a state typed by name or code is opened. "Denver" (Colorado, Texas,
    Iowa) or "Springfield" asks.
    """
    if not suggestions:
        return None
    if len(suggestions) == 1 or suggestions[0].level == "state" and suggestions[0].exact:
        return suggestions[0]  # a state named in full or by its code is never ambiguous
    pool = [s for s in suggestions if s.exact] or suggestions
    if len(pool) == 1 or len({s.state for s in pool}) == 1 and all(s.state for s in pool):
        return pool[0]
    return None
