"""Which places each activity touches, at state, county and district level.

This is the one table behind overlaps, coverage and the partner counts on maps, so
every view agrees on what "a partner works in this district" means:

- a **site** activity touches the site's state, county, district and, where the site
  lies in both an elementary and a secondary district, the secondary district too
  (boundary ids stored on the site by the spatial join; nothing is recomputed here);
- a **district** activity touches that district and its state. It is *not* attributed
  to counties: districts cross county lines and a district-wide effort says nothing
  about which of those counties it reaches, so counting it in each would overstate
  county coverage;
- a **county** activity touches the county and its state;
- a **state** activity touches the state only (state-wide work "covers" the counties
  and districts below it, which the scan reports, but it is not counted as local
  presence in each of them).
"""
from __future__ import annotations

import pandas as pd

from geo.schema import Frames

LEVELS: tuple[str, ...] = ("state", "county", "district")

PLACE_COLUMNS = ("activity_id", "partner_id", "kind_of_work", "status", "via", "level", "place_id")

_SITE_ID_COLUMNS = {
    "state": ("state_fips",),
    "county": ("county_fips",),
    "district": ("district_geoid", "secondary_district_geoid"),
}


def check_level(level: str) -> str:
    """``level`` if it is one of state, county, district; else a clear ``ValueError``."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)} (got {level!r})")
    return level


def _site_places(frames: Frames, level: str) -> pd.DataFrame:
    a = frames.activities
    at_site = a[a["area_level"] == "site"][["activity_id", "partner_id", "kind_of_work", "status",
                                            "site_id"]]
    if at_site.empty:
        return pd.DataFrame(columns=list(PLACE_COLUMNS))
    cols = _SITE_ID_COLUMNS[level]
    sites = frames.sites[["site_id", *cols]]
    merged = at_site.astype({"site_id": "int64"}).merge(
        sites.astype({"site_id": "int64"}), on="site_id", how="inner")
    parts = []
    for col in cols:
        part = merged[["activity_id", "partner_id", "kind_of_work", "status", col]].rename(
            columns={col: "place_id"})
        parts.append(part)
    out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    out["via"] = "site"
    return out


def _area_places(frames: Frames, level: str) -> pd.DataFrame:
    a = frames.activities
    if level == "state":
        area = a[a["area_level"].isin(("state", "county", "district"))]
        place = area["area_id"].fillna("").astype("str").str.slice(0, 2)
    else:
        area = a[a["area_level"] == level]
        place = area["area_id"].fillna("").astype("str")
    out = area[["activity_id", "partner_id", "kind_of_work", "status", "area_level"]].rename(
        columns={"area_level": "via"})
    out["place_id"] = place.to_numpy()
    return out


def places_at(frames: Frames, level: str) -> pd.DataFrame:
    """Activity-to-place rows at one ``level`` (see the module docstring for the rules)."""
    check_level(level)
    parts = [df for df in (_site_places(frames, level), _area_places(frames, level))
             if not df.empty]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c.endswith("_id") and c != "place_id"
                                          else "str")
                             for c in PLACE_COLUMNS})
    out = pd.concat(parts, ignore_index=True)
    place = out["place_id"].fillna("").astype("str")
    out = out[(place.str.len() > 0).to_numpy()]
    out = out.drop_duplicates(["activity_id", "place_id"])
    out["level"] = level
    out["place_id"] = out["place_id"].astype("str")
    return out[list(PLACE_COLUMNS)].reset_index(drop=True)


def activity_places(frames: Frames, *, levels: tuple[str, ...] = LEVELS) -> pd.DataFrame:
    """Every place each activity touches.

    Columns: ``activity_id, partner_id, kind_of_work, status, via, level, place_id``
    where ``via`` says how the activity reaches the place (``site`` or the activity's
    own area level) and ``place_id`` is a 2-digit state FIPS, a 5-digit county FIPS or a
    7-digit district GEOID, depending on ``level``.
    """
    return pd.concat([places_at(frames, lv) for lv in levels], ignore_index=True)
