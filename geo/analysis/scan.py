"""Scanning a place before starting work there: who is already active in and around it,
on what, since when, how to reach them, how well they fit the place's needs, which
community schools are there, and what the place needs.

:func:`scan` returns a :class:`ScanResult` whose tables are ready to show (see
:func:`geo.analysis.columns.for_display`) and whose ``messages`` say in plain words when
something is empty. Website and contact columns are shown as the frames hold them: the
caller redacts what the viewer may not see before calling.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely

from geo.analysis import gazetteer
from geo.analysis.distance import _TO_ALBERS, METRES_PER_MILE, haversine_mi, max_scale
from geo.analysis.fit import rank_fit
from geo.analysis.lookup import Place
from geo.analysis.presence import activity_tiers, site_tier
from geo.analysis.vocabulary import Needs, parse_needs
from geo.schema import KINDS_OF_WORK, SITE_KINDS, Frames, split_list

PARTNER_COLUMNS = ("partner_id", "partner", "type", "presence", "kinds_of_work", "principles",
                   "status", "since", "sites_here", "sites_nearby", "nearest_mi", "website",
                   "email", "contact", "fit_score", "fit_reasons")
SITE_COLUMNS = ("site_id", "site", "partner", "site_kind", "community_school", "distance_mi",
                "inside", "nces_id", "zip", "district_geoid", "district", "latitude", "longitude",
                "location_source")
BEST_FIT_COLUMNS = ("partner_id", "name", "score", "presence", "reasons")
NEED_TABLE_COLUMNS = ("geoid", "district", "children_5_17", "pct_poverty", "children_in_poverty")

_PRESENCE_ORDER = {"in": 0, "covers_district": 1, "covers_county": 2, "covers_state": 3,
                   "within": 4}
_COVER_CODES = {"district-wide work": "covers_district", "county-wide work": "covers_county",
                "state-wide work": "covers_state"}


@dataclass
class ScanResult:
    """What :func:`scan` found. Tables use machine column names; see ``for_display``."""

    place: Place
    radius_mi: float | None
    needs: Needs
    partners: pd.DataFrame
    sites: pd.DataFrame
    need: pd.DataFrame
    need_source: str = gazetteer.NEED_SOURCE
    messages: list[str] = field(default_factory=list)
    summary: str = ""
    fit: pd.DataFrame | None = None

    def best_fit(self, limit: int | None = None) -> pd.DataFrame:
        """The fit ranking (:func:`geo.analysis.fit.rank_fit`, every partner, best
        first, index = rank) with each partner's presence here ("not here" for partners
        elsewhere): the one ranking the Best fit tab and the brief both show."""
        if self.fit is None or self.fit.empty:
            return pd.DataFrame(columns=list(BEST_FIT_COLUMNS))
        presence = dict(zip(self.partners["partner_id"].astype("int64"), self.partners["presence"],
                            strict=True))
        out = self.fit.assign(presence=self.fit["partner_id"].astype("int64").map(presence)
                              .fillna("not here"))
        out = out[list(BEST_FIT_COLUMNS)]
        return out if limit is None else out.head(limit)


def _projected(geom):
    return shapely.transform(
        geom, lambda xy: np.column_stack(_TO_ALBERS.transform(xy[:, 0], xy[:, 1])))


def distance_to_place_mi(place: Place, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Miles from each point to the place (0 inside a polygon place).

    Points: great-circle distance. Polygons: distance in EPSG:5070, divided by the
    projection's scale there (good to a few hundredths of a mile at these distances).
    """
    lon = np.asarray(lon, dtype="float64")
    lat = np.asarray(lat, dtype="float64")
    if place.is_point:
        return haversine_mi(lon, lat, place.center[1], place.center[0])
    if lon.size == 0:
        return np.zeros(0)
    poly = _projected(place.geometry)
    x, y = _TO_ALBERS.transform(lon, lat)
    d = shapely.distance(poly, shapely.points(x, y)) / METRES_PER_MILE
    return d / max_scale([place.center[1]], [place.center[0]])


def _by_partner(acts: pd.DataFrame) -> dict[int, dict]:
    """Kinds, statuses, principles, contacts and earliest start of each partner's activities."""
    out: dict[int, dict] = {}
    starts = pd.to_datetime(acts["start_date"])
    for pid, kind, status, cells, contact, start in zip(
            acts["partner_id"].astype("int64").tolist(), acts["kind_of_work"].tolist(),
            acts["status"].tolist(), acts["principles"].tolist(), acts["contact"].tolist(),
            starts.tolist(), strict=True):
        d = out.setdefault(pid, {"kinds": set(), "statuses": set(), "principles": [],
                                 "contacts": [], "since": None})
        d["kinds"].add(kind)
        d["statuses"].add(status)
        d["principles"] += [x for x in split_list(cells) if x not in d["principles"]]
        if isinstance(contact, str) and contact and contact not in d["contacts"]:
            d["contacts"].append(contact)
        if start is not None and not pd.isna(start):
            day = start.date()
            d["since"] = day if d["since"] is None or day < d["since"] else d["since"]
    return out


def _nearest_mi(place: Place, sites: pd.DataFrame, dist: np.ndarray, lon: np.ndarray,
                lat: np.ndarray, partner_ids: list[int]) -> dict[int, float]:
    """Miles from each listed partner's nearest site to the place (0 inside; NaN: no sites).

    Uses distances already measured; for a partner whose sites were all too far to be
    measured, finds its nearest site with an STRtree nearest-neighbour query (exact).
    """
    pid_arr = sites["partner_id"].to_numpy(dtype="int64")
    known = (pd.DataFrame({"partner_id": pid_arr, "d": dist}).dropna()
             .groupby("partner_id")["d"].min().to_dict())
    out = {pid: known[pid] for pid in partner_ids if pid in known}
    missing = [pid for pid in partner_ids if pid not in out]
    if not missing:
        return out
    ok = np.isfinite(lon) & np.isfinite(lat)
    if place.is_point:
        d = haversine_mi(lon, lat, place.center[1], place.center[0])
        frame = pd.DataFrame({"partner_id": pid_arr[ok], "d": d[ok]})
        found = frame[frame["partner_id"].isin(missing)].groupby("partner_id")["d"].min()
        out.update(zip(found.index.tolist(), found.tolist(), strict=True))
        return out
    poly = _projected(place.geometry)
    scale = max_scale([place.center[1]], [place.center[0]])
    x, y = _TO_ALBERS.transform(lon, lat)
    mask = ok & np.isin(pid_arr, missing)
    idx = np.flatnonzero(mask)
    order = np.argsort(pid_arr[idx], kind="stable")
    idx = idx[order]
    bounds = np.flatnonzero(np.diff(pid_arr[idx])) + 1
    for group in np.split(idx, bounds) if idx.size else []:
        tree = shapely.STRtree(shapely.points(x[group], y[group]))
        _, metres = tree.query_nearest(poly, return_distance=True)
        out[int(pid_arr[group[0]])] = float(np.min(metres)) / METRES_PER_MILE / scale
    return out


def _presence_label(code: str, place: Place, radius_mi: float | None) -> str:
    if code == "in":
        return {"point": "in this district",
                "zip": "in this ZIP code"}.get(place.level, "in this place")
    if code == "covers_district":
        return "covers this place (district-wide work)"
    if code == "covers_county":
        return "covers this place (county-wide work)"
    if code == "covers_state":
        return "covers this place (state-wide work)"
    return f"within {radius_mi:g} mi"


def _join(values) -> str:
    return "; ".join(dict.fromkeys(v for v in values if isinstance(v, str) and v))


def _need_table(place: Place) -> pd.DataFrame:
    need = gazetteer.need_table()
    names = gazetteer.lookup_table("district")[["place_id", "label"]]
    rows = need[need["geoid"].isin(place.district_geoids)].merge(
        names.rename(columns={"place_id": "geoid", "label": "district"}), on="geoid", how="left")
    rows = rows[list(NEED_TABLE_COLUMNS)].sort_values("children_in_poverty", ascending=False)
    if place.level == "state" or len(rows) > 1:
        total_children = float(rows["children_5_17"].sum())
        total_poor = float(rows["children_in_poverty"].sum())
        total = pd.DataFrame([{
            "geoid": "",
            "district": f"All {len(rows)} districts in {place.label}" if place.level != "state"
            else f"All {len(rows)} districts in {place.name}",
            "children_5_17": total_children,
            "pct_poverty": (round(100 * total_poor / total_children, 1) if total_children
                            else np.nan),
            "children_in_poverty": total_poor}])
        rows = total if place.level == "state" else pd.concat([rows, total], ignore_index=True)
    return rows.reset_index(drop=True)


def scan(frames: Frames, place: Place, *, radius_mi: float | None = None, needs=()) -> ScanResult:
    """Who works in and around ``place`` (see the module docstring).

    ``radius_mi`` adds partners whose sites lie within that many miles of the place (of
    the point, or of the polygon's edge). ``needs`` (principles, kinds of work) feed the
    fit score of each listed partner; the full ranking of all partners is in ``fit``.
    """
    if radius_mi is not None and not (radius_mi > 0):
        raise ValueError(f"radius_mi must be a positive number of miles (got {radius_mi!r})")
    wanted = parse_needs(needs)
    p, s = frames.partners, frames.sites
    acts = activity_tiers(frames, place)
    stier = site_tier(s, place)
    inside_site = stier == "here"

    # Distance of every site near enough to matter: inside (0), or within the radius.
    dist = np.full(len(s), np.nan)
    dist[inside_site] = 0.0
    lon = s["longitude"].to_numpy(dtype="float64", na_value=np.nan)
    lat = s["latitude"].to_numpy(dtype="float64", na_value=np.nan)
    if place.is_point:
        dist = haversine_mi(lon, lat, place.center[1], place.center[0])
        if not radius_mi:
            dist = np.where(inside_site, dist, np.nan)
    elif radius_mi:
        minx, miny, maxx, maxy = place.geometry.bounds
        pad_lat = radius_mi / 60.0
        pad_lon = radius_mi / (60.0 * max(0.1, np.cos(np.radians(max(abs(miny), abs(maxy))))))
        near_box = (~inside_site & (lon >= minx - pad_lon) & (lon <= maxx + pad_lon)
                    & (lat >= miny - pad_lat) & (lat <= maxy + pad_lat))
        dist[near_box] = distance_to_place_mi(place, lon[near_box], lat[near_box])
    within = ~inside_site & (dist <= (radius_mi or -1))

    # Evidence per partner.
    sites_here = s[inside_site]
    sites_near = s[within]
    here_acts = acts[acts["tier"] == "here"]
    cover_acts = acts[acts["tier"] == "covers"]
    near_acts = acts[(acts["area_level"] == "site") & acts["site_id"].isin(sites_near["site_id"])]
    evidence = pd.concat([
        pd.DataFrame({"partner_id": here_acts["partner_id"].to_numpy(dtype="int64"), "code": "in"}),
        pd.DataFrame({"partner_id": cover_acts["partner_id"].to_numpy(dtype="int64"),
                      "code": (cover_acts["reach"].map(_COVER_CODES).fillna("covers_county")
                               .to_numpy())}),
        pd.DataFrame({"partner_id": near_acts["partner_id"].to_numpy(dtype="int64"),
                      "code": "within"}),
        pd.DataFrame({"partner_id": sites_here["partner_id"].to_numpy(dtype="int64"),
                      "code": "in"}),
        pd.DataFrame({"partner_id": sites_near["partner_id"].to_numpy(dtype="int64"),
                      "code": "within"}),
    ], ignore_index=True)
    evidence["order"] = evidence["code"].map(_PRESENCE_ORDER).astype("int64")
    best = evidence.sort_values("order", kind="stable").drop_duplicates("partner_id")
    codes = dict(zip(best["partner_id"].tolist(), best["code"].tolist(), strict=True))

    fit = rank_fit(frames, place, wanted)
    fit_by = fit.set_index("partner_id")
    fit_score = fit_by["score"]
    relevant = pd.concat([here_acts, cover_acts, near_acts]).drop_duplicates("activity_id")
    info = _by_partner(relevant)
    nearest = _nearest_mi(place, s, dist, lon, lat, list(codes))
    n_here = sites_here["partner_id"].astype("int64").value_counts().to_dict()
    n_near = sites_near["partner_id"].astype("int64").value_counts().to_dict()
    prow_by = p.assign(partner_id=p["partner_id"].astype("int64")).set_index("partner_id")
    rows = []
    for pid, code in codes.items():
        prow = prow_by.loc[pid]
        mine = info.get(pid, {})
        principles = list(dict.fromkeys([*split_list(prow["principles"]),
                                         *mine.get("principles", [])]))
        near = nearest.get(pid, np.nan)
        rows.append({
            "partner_id": pid,
            "partner": str(prow["name"]),
            "type": str(prow["type"]),
            "presence": _presence_label(code, place, radius_mi),
            "kinds_of_work": "; ".join(KINDS_OF_WORK.get(k, k)
                                       for k in sorted(mine.get("kinds", set()))),
            "principles": "; ".join(principles),
            "status": "; ".join(st for st in ("active", "planned", "ended")
                                if st in mine.get("statuses", set())),
            "since": mine.get("since"),
            "sites_here": int(n_here.get(pid, 0)),
            "sites_nearby": int(n_near.get(pid, 0)),
            "nearest_mi": round(near, 2) if np.isfinite(near) else np.nan,
            "website": str(prow["website"] or ""),
            "email": str(prow["email"] or ""),
            "contact": "; ".join(mine.get("contacts", [])),
            "fit_score": float(fit_score[pid]),
            "fit_reasons": str(fit_by.loc[pid, "reasons"]),
            "_order": _PRESENCE_ORDER[code],
        })
    partners = pd.DataFrame(rows, columns=[*PARTNER_COLUMNS, "_order"])
    partners = partners.sort_values(["_order", "fit_score", "partner"],
                                    ascending=[True, False, True],
                                    kind="stable").drop(columns="_order").reset_index(drop=True)
    partners = partners.astype({"partner_id": "int64", "sites_here": "int64",
                                "sites_nearby": "int64", "nearest_mi": "float64",
                                "fit_score": "float64"})

    shown = inside_site | within
    names = dict(zip(p["partner_id"].astype("int64"), p["name"].astype("str"), strict=True))
    district_names = gazetteer.lookup_table("district").set_index("place_id")["name"]
    sites = s[shown].assign(
        site=lambda d: d["name"].astype("str"),
        partner=lambda d: d["partner_id"].astype("int64").map(names),
        community_school=lambda d: (d["site_kind"] == "community_school").to_numpy(),
        site_kind=lambda d: d["site_kind"].map(SITE_KINDS).fillna(d["site_kind"]),
        distance_mi=np.round(dist[shown], 2),
        inside=inside_site[shown],
        zip=lambda d: d["zip"].fillna("").astype("str"),
        district=lambda d: d["district_geoid"].map(district_names).fillna("").astype("str"),
    )[list(SITE_COLUMNS)].sort_values(["distance_mi", "site"]).reset_index(drop=True)

    need = _need_table(place)
    messages, summary = _messages(place, radius_mi, partners, sites, need)
    return ScanResult(place=place, radius_mi=radius_mi, needs=wanted, partners=partners,
                      sites=sites, need=need, messages=messages, summary=summary, fit=fit)


def _messages(place: Place, radius_mi: float | None, partners: pd.DataFrame, sites: pd.DataFrame,
              need: pd.DataFrame) -> tuple[list[str], str]:
    noun = "this district" if place.level == "point" else place.noun
    msgs: list[str] = []
    n_in = int(partners["presence"].str.startswith("in this").sum())
    n_cover = int(partners["presence"].str.startswith("covers").sum())
    n_near = len(partners) - n_in - n_cover
    if place.is_point and not place.district_geoids:
        msgs.append("This point is not inside any school district in the boundary data.")
    if n_in == 0:
        msgs.append(f"No partner works in {noun} yet.")
    if radius_mi and n_near == 0:
        msgs.append(f"No other partner has a site within {radius_mi:g} mi outside {noun}.")
    if sites.empty:
        msgs.append(f"No partner sites in {noun}"
                    + (f" or within {radius_mi:g} mi." if radius_mi else "."))
    elif not sites["community_school"].any():
        msgs.append("No community-school sites among the partner sites here.")
    if need.empty or need["children_5_17"].isna().all():
        msgs.append("No need figures for this place in the Urban Institute data.")
    summary = f"{n_in} partner{'s' if n_in != 1 else ''} in {place.label}"
    if n_cover:
        summary += f"; {n_cover} more cover{'s' if n_cover == 1 else ''} it with "
        summary += ("district-, county- or state-wide work" if place.level == "zip"
                    else "county- or state-wide work")
    if radius_mi:
        summary += f"; {n_near} more within {radius_mi:g} mi"
    summary += f". {len(sites)} partner site{'s' if len(sites) != 1 else ''}"
    summary += (f", {int(sites['community_school'].sum()) if len(sites) else 0}"
                " of them community schools.")
    return msgs, summary


def sites_by_partner(result: ScanResult, all_sites: pd.DataFrame,
                     partner_ids: Iterable[int] | None = None) -> dict[int, pd.DataFrame]:
    """The scan's sites grouped by partner id (names may repeat: several partners can
    show as "A coalition partner" to the public); only those of ``partner_ids`` if
    given (the page lists the first partners' sites)."""
    if result.sites.empty:
        return {}
    ids = result.sites["site_id"].astype("int64")
    # Only the scan's sites are looked up (not a dictionary of every site in the nation).
    mine = all_sites.loc[all_sites["site_id"].isin(ids.to_numpy()), ["site_id", "partner_id"]]
    owner = pd.Series(mine["partner_id"].astype("int64").to_numpy(),
                      index=mine["site_id"].astype("int64").to_numpy())
    pid = ids.map(owner[~owner.index.duplicated()]).to_numpy()
    # One reordering by partner (stable: each partner's sites keep their order), then a
    # slice per partner: cheap, where a take per partner copies every column each time.
    codes, uniques = pd.factorize(pid, sort=False)
    order = np.argsort(codes, kind="stable")
    grouped = result.sites.take(order)
    bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
    wanted = None if partner_ids is None else {int(i) for i in partner_ids}
    return {int(k): grouped.iloc[bounds[i]:bounds[i + 1]] for i, k in enumerate(uniques)
            if wanted is None or int(k) in wanted}


PARTNER_TABLE_COLUMNS = ["partner", "type", "presence", "kinds_of_work", "principles", "status",
                         "since", "sites_here", "sites_nearby", "nearest_mi", "website", "email",
                         "contact"]
SITE_TABLE_COLUMNS = ["site", "partner", "site_kind", "community_school", "distance_mi",
                      "district", "zip", "nces_id"]


def partners_table(result: ScanResult, *, with_fit: bool) -> pd.DataFrame:
    """The scan's partners as the Partners tab lists them: type labels, only safe
    website links, and the fit score and its reasons ``with_fit`` (needs ticked)."""
    from geo.safe import safe_url
    from geo.schema import PARTNER_TYPES

    table = result.partners.assign(
        website=result.partners["website"].map(safe_url),
        type=result.partners["type"].map(lambda t: PARTNER_TYPES.get(t, t)))
    return table[PARTNER_TABLE_COLUMNS + (["fit_score", "fit_reasons"] if with_fit else [])]


def partner_card(row: pd.Series) -> list[tuple[str, str]]:
    """(label, text) lines about one partner of the scan (a row of ``result.partners``):
    type, kinds of work, principles, status, since when and how to reach it."""
    from geo.schema import PARTNER_TYPES

    since = (row["since"].strftime("%B %Y") if hasattr(row["since"], "strftime")
             else "date not recorded")
    return [
        ("Type", PARTNER_TYPES.get(row["type"], row["type"])),
        ("Kinds of work", row["kinds_of_work"] or "none recorded here"),
        ("Principles", row["principles"] or "none listed"),
        ("Status", row["status"] or "—"),
        ("Since", since),
        ("Contact", "; ".join(v for v in (row["email"], row["contact"]) if v) or "not shown"),
    ]
