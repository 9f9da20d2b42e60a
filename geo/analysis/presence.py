"""How each activity and site relates to a place being scanned.

One rule set serves both the scan table and the fit ranking:

========  =================================================================
tier      meaning (for a district, ZIP or point place; a county or a state
          place reads "the place" where this says "the district(s)")
========  =================================================================
here      a site inside the district(s), or district-wide work on one of them
          (a ZIP code: a site with that ZIP code)
covers    county-wide or state-wide work on an area that contains the place (a ZIP
          code: district-wide work on its district(s) too)
county    a site elsewhere in a county the place lies in (district/point only)
state     a site or any work elsewhere in the same state
none      anything else
========  =================================================================

For a point or ZIP code the place's districts are those containing the point. For a
county, district-wide work on a district that overlaps the county counts as ``here``.
For a state, everything in the state is ``here``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from geo.analysis import gazetteer
from geo.analysis.lookup import Place

TIERS = ("here", "covers", "county", "state", "none")


def site_tier(sites: pd.DataFrame, place: Place) -> np.ndarray:
    """The tier of each site (``here``, ``county``, ``state`` or ``none``)."""
    state = sites["state_fips"].astype("str").to_numpy()
    county = sites["county_fips"].astype("str").to_numpy()
    if place.level == "state":
        here = state == place.id
    elif place.level == "county":
        here = county == place.id
    elif place.level == "zip":
        # A ZIP code has no outline here, only its centroid: its sites are those that
        # give it as their ZIP code (the rest of its district is "county" or nearby).
        # A site without a ZIP code takes the one whose centroid is nearest.
        code = sites["zip"].fillna("").astype("str").str.slice(0, 5).to_numpy(dtype=object)
        blank = code == ""
        if blank.any():
            code[blank] = gazetteer.nearest_zip(
                sites["longitude"].to_numpy(dtype="float64", na_value=np.nan)[blank],
                sites["latitude"].to_numpy(dtype="float64", na_value=np.nan)[blank])
        here = code == place.id
    else:
        wanted = list(place.district_geoids)
        here = (sites["district_geoid"].isin(wanted)
                | sites["secondary_district_geoid"].isin(wanted)).to_numpy()
        # A state-wide district (Puerto Rico) is absent from the join layer: its sites carry
        # no district, only the state.
        whole = [g[:2] for g in wanted if g in gazetteer.STATEWIDE_DISTRICTS]
        if whole:
            here = here | np.isin(state, whole)
    in_county = (np.isin(county, list(place.county_fips))
                 if place.level not in ("state", "county") else here)
    if place.level == "zip":  # the rest of the ZIP's district(s) counts as its county
        wanted = list(place.district_geoids)
        in_county = in_county | (sites["district_geoid"].isin(wanted)
                                 | sites["secondary_district_geoid"].isin(wanted)).to_numpy()
    same_state = state == place.state_fips
    return np.select([here, in_county, same_state], ["here", "county", "state"], "none")


def area_tier(activities: pd.DataFrame, place: Place) -> tuple[np.ndarray, np.ndarray]:
    """The tier of each area activity, and a short phrase saying how it reaches the place.

    Site activities get tier ``none`` here; use :func:`site_tier` for them.
    """
    level = activities["area_level"].astype("str").to_numpy()
    area = activities["area_id"].fillna("").astype("str").to_numpy()
    in_state = (np.char.startswith(area.astype("U7"), place.state_fips) if place.state_fips
                else np.zeros(len(area), bool))
    is_state = level == "state"
    is_county = level == "county"
    is_district = level == "district"
    if place.level == "state":
        here = (is_state | is_county | is_district) & in_state
        covers = np.zeros(len(area), bool)
    elif place.level == "county":
        here = ((is_county & (area == place.id))
                | (is_district & np.isin(area, list(place.district_geoids))))
        covers = is_state & (area == place.state_fips)
    elif place.level == "zip":
        here = np.zeros(len(area), bool)
        covers = ((is_district & np.isin(area, list(place.district_geoids)))
                  | (is_county & np.isin(area, list(place.county_fips)))
                  | (is_state & (area == place.state_fips)))
    else:
        here = is_district & np.isin(area, list(place.district_geoids))
        covers = ((is_county & np.isin(area, list(place.county_fips)))
                  | (is_state & (area == place.state_fips)))
    state = (is_state | is_county | is_district) & in_state & ~here & ~covers
    tier = np.select([here, covers, state], ["here", "covers", "state"], "none")
    phrase = np.select([is_state, is_county, is_district], ["state-wide work", "county-wide work",
                                                            "district-wide work"], "")
    return tier, phrase


def activity_tiers(frames, place: Place) -> pd.DataFrame:
    """Every activity with ``tier`` and ``reach`` (site / state-wide work / ...)."""
    a = frames.activities
    tier, phrase = area_tier(a, place)
    out = a.assign(tier=tier, reach=phrase)
    at_site = (a["area_level"] == "site").to_numpy()
    if at_site.any():
        s = frames.sites.assign(site_tier=site_tier(frames.sites, place))[["site_id", "site_tier"]]
        ids = a["site_id"].where(pd.Series(at_site, index=a.index))
        st = ids.astype("Int64").map(dict(zip(s["site_id"].astype("int64"), s["site_tier"],
                                              strict=True)))
        out.loc[at_site, "tier"] = st[at_site].fillna("none").astype("str").to_numpy()
        out.loc[at_site, "reach"] = "site"
    return out
