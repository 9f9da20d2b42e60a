"""Finding the place a user means: a state, county, school district, ZIP code or point.

:func:`resolve_place` turns one identifier into a :class:`Place` (or says plainly what is
wrong with it); :func:`find_places` turns typed text into a short list of suggestions
for a search box.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from geo.analysis import gazetteer

PLACE_LEVELS = ("state", "county", "district", "zip", "point")

# Share of the smaller shape's area two polygons must share to count as overlapping;
# the county layer is coarser (1:10m) than the district layer (1:500k), so slivers
# along shared borders must not count.
_MIN_SHARED_AREA = 0.01


class PlaceNotFound(LookupError):
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


def _overlapping(level: str, geom: BaseGeometry, *, state_fips: str | None = None) -> tuple[str, ...]:
    layer = gazetteer.boundary(level)
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
    layer = gazetteer.boundary(level)
    row = layer[layer["place_id"] == place_id]
    if row.empty:
        raise PlaceNotFound(_not_found_message(level, place_id))
    r = row.iloc[0]
    geom = r.geometry
    if level == "state":
        districts = tuple(sorted(gazetteer.place_table("district").query("state_fips == @place_id")["place_id"]))
        counties = tuple(sorted(gazetteer.place_table("county").query("state_fips == @place_id")["place_id"]))
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
        return f"No county with FIPS code {value!r}; check the 5-digit county FIPS (state + county, e.g. 12073)"
    if level == "district":
        return f"No school district with GEOID {value}; check the 7-digit NCES LEAID (e.g. 1201110 for Leon County, FL)"
    return f"No ZIP code {value!r} in the ZIP centroid list; check the 5 digits (PO Box ZIPs are not listed)"


def _state_id(state: str) -> str:
    text = str(state).strip()
    table = gazetteer.place_table("state")
    if re.fullmatch(r"\d{1,2}", text):
        fips = text.zfill(2)
        if fips in set(table["place_id"]):
            return fips
    else:
        key = text.lower()
        hit = table[(table["state"].str.lower() == key) | (table["name"].str.lower() == key)]
        if not hit.empty:
            return str(hit["place_id"].iloc[0])
    raise PlaceNotFound(_not_found_message("state", text))


def _point_place(level: str, place_id: str, name: str, lat: float, lon: float) -> Place:
    from geo.join import assign_boundaries

    b = assign_boundaries(np.array([lon], dtype="float64"), np.array([lat], dtype="float64")).iloc[0]
    state_fips = str(b["state_fips"]) if pd.notna(b["state_fips"]) else ""
    districts = tuple(str(b[c]) for c in ("district_geoid", "secondary_district_geoid")
                      if pd.notna(b[c]) and str(b[c]))
    county = (str(b["county_fips"]),) if pd.notna(b["county_fips"]) and str(b["county_fips"]) else ()
    state = str(b["state"]) if pd.notna(b["state"]) else ""
    return Place(level=level, id=place_id, name=name, geometry=Point(lon, lat), center=(lat, lon),
                 state_fips=state_fips, state=state, county_fips=county, district_geoids=districts)


def parse_point(text: str) -> tuple[float, float]:
    """(lat, lon) from "LAT,LON" text, with a clear error for anything else."""
    m = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*", str(text))
    if not m:
        raise PlaceNotFound(f"A point is written LAT,LON in decimal degrees, e.g. 30.44,-84.28 (got {text!r})")
    lat, lon = float(m.group(1)), float(m.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise PlaceNotFound(f"Latitude must be within -90..90 and longitude within -180..180 (got {lat},{lon}); "
                            "did you swap them?")
    return lat, lon


def resolve_place(*, state: str | None = None, county: str | None = None, district: str | None = None,
                  zip: str | None = None, point: tuple[float, float] | str | None = None) -> Place:  # noqa: A002
    """The :class:`Place` named by exactly one of the keyword arguments.

    ``state``: postal code, FIPS or name; ``county``: 5-digit FIPS; ``district``: 7-digit
    GEOID (= NCES LEAID); ``zip``: 5-digit ZIP (its ZCTA centroid); ``point``: (lat, lon)
    or "LAT,LON". Raises :class:`PlaceNotFound` with a fix-it message otherwise.
    """
    given = {k: v for k, v in dict(state=state, county=county, district=district, zip=zip, point=point).items()
             if v is not None and str(v).strip() != ""}
    if len(given) != 1:
        raise PlaceNotFound("Give exactly one place: a state, a county, a district, a ZIP code or a point "
                            f"(got {', '.join(given) or 'none'})")
    kind, value = next(iter(given.items()))
    if kind == "state":
        return _polygon_place("state", _state_id(value))
    if kind == "county":
        text = str(value).strip()
        if not re.fullmatch(r"\d{5}", text):
            raise PlaceNotFound(_not_found_message("county", text))
        return _polygon_place("county", text)
    if kind == "district":
        text = str(value).strip()
        if not re.fullmatch(r"\d{7}", text):
            raise PlaceNotFound(_not_found_message("district", text))
        return _polygon_place("district", text)
    if kind == "zip":
        from geo.boundaries import zip_centroids

        text = str(value).strip()
        zips = zip_centroids()
        hit = zips[zips["zip"].astype("str") == text] if re.fullmatch(r"\d{5}", text) else zips.iloc[0:0]
        if hit.empty:
            raise PlaceNotFound(_not_found_message("zip", text))
        lat, lon = float(hit["latitude"].iloc[0]), float(hit["longitude"].iloc[0])
        return _point_place("zip", text, f"ZIP {text}", lat, lon)
    lat, lon = parse_point(value) if isinstance(value, str) else (float(value[0]), float(value[1]))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise PlaceNotFound(f"Latitude must be within -90..90 and longitude within -180..180 (got {lat},{lon})")
    return _point_place("point", f"{lat:.5f},{lon:.5f}", f"Point {lat:.4f}, {lon:.4f}", lat, lon)


@dataclass(frozen=True)
class Suggestion:
    """One search-box suggestion; pass ``level=id`` to :func:`resolve_place`."""

    level: str
    id: str
    label: str

    def resolve(self) -> Place:
        return resolve_place(**{self.level: self.id})


def find_places(text: str, *, limit: int = 10) -> list[Suggestion]:
    """Places whose name, code or ZIP matches typed ``text``, best matches first.

    Understands a state name or postal code ("Florida", "FL"), a district or county
    name optionally followed by ", ST" ("Leon, FL"), a 5-digit ZIP code or county FIPS,
    and a 7-digit district GEOID. Names match on their start first, then anywhere.
    """
    query = " ".join(str(text).strip().split())
    if not query:
        return []
    out: list[Suggestion] = []
    if re.fullmatch(r"\d{7}", query):
        t = gazetteer.place_table("district")
        out += [Suggestion("district", r.place_id, r.label) for r in t[t["place_id"] == query].itertuples()]
    if re.fullmatch(r"\d{5}", query):
        from geo.boundaries import zip_centroids

        z = zip_centroids()
        if (z["zip"].astype("str") == query).any():
            out.append(Suggestion("zip", query, f"ZIP {query}"))
        t = gazetteer.place_table("county")
        out += [Suggestion("county", r.place_id, r.label) for r in t[t["place_id"] == query].itertuples()]
    if out or query.isdigit():
        return out[:limit]
    name, _, st = query.partition(",")
    name, st = name.strip().lower(), st.strip().upper()
    states = gazetteer.place_table("state")
    if not st:
        for r in states.itertuples():
            if name in (r.state.lower(), r.name.lower()):
                out.append(Suggestion("state", r.place_id, r.name))
        for r in states.itertuples():
            if r.name.lower().startswith(name) and all(s.id != r.place_id for s in out):
                out.append(Suggestion("state", r.place_id, r.name))
    for level in ("district", "county"):
        t = gazetteer.place_table(level)
        if st:
            t = t[t["state"] == st]
        names = t["name"].str.lower()
        starts = t[names.str.startswith(name)]
        inside = t[names.str.contains(name, regex=False) & ~names.str.startswith(name)]
        for part in (starts, inside):
            out += [Suggestion(level, r.place_id, r.label) for r in part.sort_values("name").head(limit).itertuples()]
    return out[:limit]
