"""Where partners are and are not active, by state, county and district, and how
that compares with need.

:func:`coverage` lists *every* place of a level (zero where nobody works: gaps are the
point), :func:`gaps` ranks districts with many children in poverty and few partners,
and the two summaries give the figures and chart behind the coverage page.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from geo.analysis import gazetteer
from geo.analysis.classify import Classes, classify
from geo.analysis.places import check_level, places_at
from geo.schema import Frames

METRICS = ("partners", "activities", "sites", "community_schools")

_SITE_COLUMNS = {"state": ("state_fips",), "county": ("county_fips",),
                 "district": ("district_geoid", "secondary_district_geoid")}


def _site_places(frames: Frames, level: str) -> pd.DataFrame:
    s = frames.sites
    parts = [pd.DataFrame({"place_id": s[c].fillna("").astype("str").to_numpy(),
                           "partner_id": s["partner_id"].to_numpy(dtype="int64"),
                           "site_id": s["site_id"].to_numpy(dtype="int64"),
                           "community_school": (s["site_kind"] == "community_school").to_numpy()})
             for c in _SITE_COLUMNS[level]]
    out = pd.concat(parts, ignore_index=True)
    return out[out["place_id"].str.len() > 0]


def _counts(frames: Frames, level: str) -> pd.DataFrame:
    ap = places_at(frames, level)[["place_id", "partner_id"]]
    ap = ap.assign(partner_id=ap["partner_id"].astype("int64"))
    sp = _site_places(frames, level)
    activities = ap.groupby("place_id").size()
    sites = sp.groupby("place_id").size()
    community = sp[sp["community_school"]].groupby("place_id").size()
    both = pd.concat([ap[["place_id", "partner_id"]], sp[["place_id", "partner_id"]]],
                     ignore_index=True)
    partners = both.drop_duplicates().groupby("place_id").size()
    return pd.DataFrame({"partners": partners, "activities": activities, "sites": sites,
                         "community_schools": community}).fillna(0).astype("int64")


def coverage(frames: Frames, level: str, *, metric: str = "partners") -> pd.DataFrame:
    """Every place of ``level`` with its counts, zero where there is no activity.

    Columns: ``place_id, place, name, state_fips, state, partners, activities, sites,
    community_schools, value`` (``value`` = the chosen ``metric``); for districts also
    ``children_5_17, pct_poverty, children_in_poverty`` (source:
    :data:`geo.analysis.gazetteer.NEED_SOURCE`; empty where the district has no figures).
    A partner counts in a place when it has an activity there (see
    :mod:`geo.analysis.places`) or a site there. Activity ids in unknown places (not in
    the boundary layer) are left out. Sorted by ``value``, highest first.
    """
    check_level(level)
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {', '.join(METRICS)} (got {metric!r})")
    places = gazetteer.place_table(level)
    counts = _counts(frames, level)
    out = places.rename(columns={"label": "place"}).set_index("place_id")
    out = out.join(counts, how="left")
    out[list(METRICS)] = out[list(METRICS)].fillna(0).astype("int64")
    out["value"] = out[metric]
    out = out.reset_index()
    cols = ["place_id", "place", "name", "state_fips", "state", *METRICS, "value"]
    if level == "district":
        out = out.merge(gazetteer.need_table().rename(columns={"geoid": "place_id"}),
                        on="place_id", how="left")
        cols += list(gazetteer.NEED_COLUMNS)
    out = out.sort_values(["value", "place_id"], ascending=[False, True], kind="stable")
    return out[cols].reset_index(drop=True)


def gaps(frames: Frames, *, max_partners: int = 0, min_children_in_poverty: float = 0,
         by: str = "children_in_poverty") -> pd.DataFrame:
    """Districts with at most ``max_partners`` partners, ranked by need.

    ``by`` is ``children_in_poverty`` (count, default) or ``pct_poverty`` (share).
    Districts without need figures are left out; ``rank`` starts at 1.
    """
    if by not in ("children_in_poverty", "pct_poverty"):
        raise ValueError(f"by must be children_in_poverty or pct_poverty (got {by!r})")
    if max_partners < 0:
        raise ValueError(f"max_partners must be 0 or more (got {max_partners})")
    cov = coverage(frames, "district")
    cov = cov[(cov["partners"] <= max_partners) & cov["children_in_poverty"].notna()
              & (cov["children_in_poverty"] >= min_children_in_poverty)]
    other = "pct_poverty" if by == "children_in_poverty" else "children_in_poverty"
    cov = cov.sort_values([by, other, "place_id"], ascending=[False, False, True], kind="stable")
    cov = cov.drop(columns=["value"]).reset_index(drop=True)
    cov.insert(0, "rank", np.arange(1, len(cov) + 1))
    return cov


def activities_per_state(frames: Frames) -> pd.DataFrame:
    """Activities and partners per state (every state, zero included), most first."""
    cov = coverage(frames, "state", metric="activities")
    return cov[["place_id", "place", "state", "activities", "partners", "sites"]]


def activities_by_start_year(frames: Frames) -> pd.DataFrame:
    """Activities and partners by the year the activity started (``start_year``; missing
    start dates are grouped as "unknown", last)."""
    a = frames.activities
    year = pd.to_datetime(a["start_date"]).dt.year
    label = year.astype("Int64").astype("str").where(year.notna(), "unknown")
    df = pd.DataFrame({"start_year": label.to_numpy(), "partner_id": a["partner_id"].to_numpy()})
    out = df.groupby("start_year").agg(activities=("partner_id", "size"),
                                       partners=("partner_id", "nunique"))
    out = out.reset_index()
    out["_unknown"] = out["start_year"] == "unknown"
    return (out.sort_values(["_unknown", "start_year"]).drop(columns="_unknown")
            .reset_index(drop=True))


def summary(frames: Frames) -> dict[str, int]:
    """Headline figures: partners, sites, community schools, activities, states,
    counties and districts with any activity."""
    return {
        "partners": int(frames.partners["partner_id"].nunique()),
        "active_partners": int(frames.activities["partner_id"].nunique()),
        "sites": len(frames.sites),
        "community_schools": int((frames.sites["site_kind"] == "community_school").sum()),
        "activities": len(frames.activities),
        **{f"{plural}_with_activity": int(places_at(frames, lv)["place_id"].nunique())
           for lv, plural in (("state", "states"), ("county", "counties"),
                              ("district", "districts"))},
    }


def partners_by_place(frames: Frames) -> pd.Series:
    """Number of partners working in each state, county and district (by the rules of
    :func:`coverage`), one series indexed by place id (2, 5 or 7 digits; the id lengths
    keep the levels apart). Places without partners are absent."""
    parts = [_counts(frames, level)["partners"] for level in ("state", "county", "district")]
    out = pd.concat(parts)
    return out[out > 0].astype("int64")


def coverage_classes(frames: Frames, level: str, metric: str, method: str, k: int) -> Classes:
    """The colour classes of the coverage map of ``metric`` per place of ``level`` (cache
    them per filters: natural breaks start from random seeds, and recomputed on every
    rerun the legend would change under the user)."""
    return classify(coverage(frames, level, metric=metric)["value"], method=method, k=k)


def place_line(row: pd.Series, level: str, with_filters: str = "") -> str:
    """One line on a place of a :func:`coverage` table (plain text: names come from data):
    its partners, activities, sites and community schools, and for a district its
    children in poverty."""
    text = (f"Selected: {row['place']} — {int(row['partners'])} partners, "
            f"{int(row['activities'])} activities, "
            f"{int(row['sites'])} partner sites "
            f"({int(row['community_schools'])} community schools){with_filters}.")
    if level == "district" and pd.notna(row.get("children_in_poverty")):
        text += (f" Children 5-17: {int(row['children_5_17']):,}; in poverty: "
                 f"{int(row['children_in_poverty']):,} ({row['pct_poverty']:.1f}%).")
    return text

