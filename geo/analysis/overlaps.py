"""Where partners' work overlaps, so staff can connect them.

- :func:`overlap_places`: places with two or more partners, telling *possible
  duplication* (two or more partners doing the same kind of work there) from
  *complementary* work (different kinds only);
- :func:`partner_pairs` and :func:`introductions`: pairs of partners that share places;
- :func:`nearby_pairs`: sites of different partners within a distance of each other.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from geo import codes
from geo.analysis import gazetteer
from geo.analysis.distance import METRES_PER_MILE, haversine_mi, max_scale, project
from geo.analysis.places import check_level, places_at
from geo.schema import KINDS_OF_WORK, Frames

DUPLICATION = "possible duplication"
COMPLEMENTARY = "complementary"

OVERLAP_COLUMNS = ("place_id", "place", "state", "partners", "activities", "overlap",
                   "n_shared_kinds", "shared_kinds", "kinds", "partner_names")
PAIR_COLUMNS = ("partner_a_id", "partner_a", "partner_b_id", "partner_b", "places", "same_kinds",
                "place_names", "place_ids")
NEARBY_COLUMNS = ("site_a_id", "site_a", "partner_a_id", "partner_a", "site_b_id", "site_b",
                  "partner_b_id", "partner_b", "distance_mi", "state", "district_geoid")


def _kind_labels(codes) -> str:
    return "; ".join(KINDS_OF_WORK.get(c, c) for c in sorted(set(codes)))


def _joined(keys: pd.Series, values: pd.Series, fmt=None) -> dict:
    """``key -> "; "-joined values`` in the given order, built with plain Python lists
    (much faster than a pandas groupby with a Python function over arrow strings)."""
    out: dict = {}
    for k, v in zip(keys.tolist(), values.tolist(), strict=True):
        out.setdefault(k, []).append(v)
    return {k: fmt(v) if fmt else "; ".join(v) for k, v in out.items()}


def _names(frames: Frames) -> pd.Series:
    return pd.Series(frames.partners["name"].astype("str").to_numpy(),
                     index=frames.partners["partner_id"].astype("int64").to_numpy())


def _place_names(level: str) -> pd.DataFrame:
    t = gazetteer.place_table(level)
    return t[["place_id", "label", "state"]].rename(columns={"label": "place"})


def overlap_places(frames: Frames, level: str = "district", *,
                   min_partners: int = 2) -> pd.DataFrame:
    """Places of ``level`` where at least ``min_partners`` distinct partners are active.

    One row per place: number of partners and activities; ``overlap`` is "possible
    duplication" when some kind of work is done there by two or more partners (listed in
    ``shared_kinds``), else "complementary". Ranked by partners, then by number of shared
    kinds, then by activities. Which activity counts where follows
    :mod:`geo.analysis.places`.
    """
    check_level(level)
    ap = places_at(frames, level)[["place_id", "partner_id", "kind_of_work", "activity_id"]]
    n_partners = ap.drop_duplicates(["place_id", "partner_id"]).groupby("place_id").size()
    busy = n_partners[n_partners >= min_partners].index
    ap = ap[ap["place_id"].isin(busy)]
    if ap.empty:
        return pd.DataFrame(columns=list(OVERLAP_COLUMNS))
    n_acts = ap.groupby("place_id").size()
    pk = ap.drop_duplicates(["place_id", "kind_of_work", "partner_id"])
    per_kind = pk.groupby(["place_id", "kind_of_work"]).size()
    shared = per_kind[per_kind >= 2].reset_index()
    shared_kinds = _joined(shared["place_id"], shared["kind_of_work"], _kind_labels)
    n_shared = shared.groupby("place_id").size()
    uk = pk.drop_duplicates(["place_id", "kind_of_work"])
    kinds = _joined(uk["place_id"], uk["kind_of_work"], _kind_labels)
    names = _names(frames)
    pp = ap.drop_duplicates(["place_id", "partner_id"])
    pp = pp.assign(name=names.reindex(pp["partner_id"].astype("int64").to_numpy()).to_numpy())
    pp = pp.sort_values("name")
    partner_names = _joined(pp["place_id"], pp["name"])
    out = pd.DataFrame({"partners": n_partners.loc[busy], "activities": n_acts})
    out["n_shared_kinds"] = n_shared.reindex(out.index).fillna(0).astype("int64")
    ids = out.index.tolist()
    out["shared_kinds"] = [shared_kinds.get(i, "") for i in ids]
    out["kinds"] = [kinds.get(i, "") for i in ids]
    out["partner_names"] = [partner_names.get(i, "") for i in ids]
    out["overlap"] = np.where(out["n_shared_kinds"] > 0, DUPLICATION, COMPLEMENTARY)
    out = out.rename_axis("place_id").reset_index()
    out = out.merge(_place_names(level), on="place_id", how="left")
    out["place"] = out["place"].fillna("Unknown place " + out["place_id"])
    out["state"] = out["state"].fillna("")
    out = out.sort_values(["partners", "n_shared_kinds", "activities", "place_id"],
                          ascending=[False, False, False, True], kind="stable")
    out = out[list(OVERLAP_COLUMNS)].reset_index(drop=True)
    return out.astype({"partners": "int64", "activities": "int64"})


def partner_pairs(frames: Frames, *, level: str = "district", max_listed: int = 10) -> pd.DataFrame:
    """Pairs of partners active in the same places of ``level``.

    One row per pair (``partner_a`` sorts before ``partner_b`` by id): how many places
    they share, the kinds of work both do in at least one shared place (``same_kinds``),
    and the shared places by name (the first ``max_listed``; all ids in ``place_ids``).
    Ranked by shared places.
    """
    check_level(level)
    ap = places_at(frames, level)[["place_id", "partner_id", "kind_of_work"]]
    pp = ap.drop_duplicates(["place_id", "partner_id"])[["place_id", "partner_id"]]
    counts = pp.groupby("place_id").size()
    pp = pp[pp["place_id"].isin(counts[counts >= 2].index)]
    if pp.empty:
        return pd.DataFrame(columns=list(PAIR_COLUMNS))
    pairs = pp.merge(pp, on="place_id", suffixes=("_a", "_b"))
    pairs = pairs[pairs["partner_id_a"] < pairs["partner_id_b"]]
    pk = ap.drop_duplicates(["place_id", "partner_id", "kind_of_work"])
    both = (pairs.merge(pk.rename(columns={"partner_id": "partner_id_a"}),
                        on=["place_id", "partner_id_a"])
            .merge(pk.rename(columns={"partner_id": "partner_id_b"}),
                   on=["place_id", "partner_id_b", "kind_of_work"]))
    same = both.groupby(["partner_id_a", "partner_id_b"])["kind_of_work"].agg(_kind_labels)
    labels = dict(zip(*_place_names(level)[["place_id", "place"]].to_numpy().T, strict=True))
    grouped = pairs.sort_values("place_id").groupby(["partner_id_a", "partner_id_b"])["place_id"]
    out = pd.DataFrame({"places": grouped.size(),
                        "place_ids": grouped.agg(lambda ids: ";".join(ids)),
                        "place_names": grouped.agg(
                            lambda ids: "; ".join(labels.get(i, i) for i in list(ids)[:max_listed])
                            + (f"; and {len(ids) - max_listed} more" if len(ids) > max_listed
                               else ""))})
    out["same_kinds"] = same.reindex(out.index).fillna("").astype("str")
    out = out.reset_index().rename(columns={"partner_id_a": "partner_a_id",
                                            "partner_id_b": "partner_b_id"})
    names = _names(frames)
    out["partner_a"] = names.reindex(out["partner_a_id"].astype("int64").to_numpy()).to_numpy()
    out["partner_b"] = names.reindex(out["partner_b_id"].astype("int64").to_numpy()).to_numpy()
    out = out.sort_values(["places", "partner_a", "partner_b"], ascending=[False, True, True],
                          kind="stable")
    return out[list(PAIR_COLUMNS)].reset_index(drop=True).astype({"places": "int64"})


def introductions(frames: Frames, partners_contacts: pd.DataFrame | None = None, *,
                  level: str = "district") -> pd.DataFrame:
    """A list of introductions to make: each pair that shares places, with both contacts.

    ``partners_contacts`` (``partner_id, name, website, email``) is what the viewer may
    see (redacted upstream); default: ``frames.partners``. Activity contacts of each
    partner in the shared places are added (``a_contacts``/``b_contacts``). ``why`` is a
    sentence to paste into an e-mail.
    """
    pairs = partner_pairs(frames, level=level)
    contacts = frames.partners if partners_contacts is None else partners_contacts
    info = contacts[["partner_id", "name", "website", "email"]].astype({"partner_id": "int64"})
    ap = places_at(frames, level)[["place_id", "partner_id", "activity_id"]]
    a = frames.activities[["activity_id", "contact"]]
    ac = ap.merge(a, on="activity_id")
    ac = ac[ac["contact"].fillna("").astype("str") != ""]
    by_partner_place = (ac.groupby(["partner_id", "place_id"])["contact"]
                        .agg(lambda c: list(dict.fromkeys(c))))
    lookup = by_partner_place.to_dict()
    rows = []
    for r in pairs.to_dict("records"):
        ids = r["place_ids"].split(";")
        a_id, b_id = r["partner_a_id"], r["partner_b_id"]
        a_c = list(dict.fromkeys(c for pid in ids for c in lookup.get((a_id, pid), [])))
        b_c = list(dict.fromkeys(c for pid in ids for c in lookup.get((b_id, pid), [])))
        places_word = "place" if r["places"] == 1 else "places"
        why = f"Both work in {r['places']} {places_word} ({r['place_names']})"
        why += (f" on the same kind of work: {r['same_kinds']}." if r["same_kinds"]
                else ", on different kinds of work.")
        rows.append((int(a_id), int(b_id), int(r["places"]), why, "; ".join(a_c), "; ".join(b_c)))
    out = pd.DataFrame(rows, columns=["partner_a_id", "partner_b_id", "places", "why",
                                      "a_contacts", "b_contacts"])
    for side in ("a", "b"):
        side_info = info.rename(columns={"partner_id": f"partner_{side}_id",
                                         "name": f"partner_{side}",
                                         "website": f"{side}_website", "email": f"{side}_email"})
        out = out.merge(side_info, on=f"partner_{side}_id", how="left")
    cols = ["partner_a", "a_website", "a_email", "a_contacts",
            "partner_b", "b_website", "b_email", "b_contacts",
            "places", "why", "partner_a_id", "partner_b_id"]
    return out[cols].fillna("")


def nearby_pairs(frames: Frames, miles: float = 1.0) -> pd.DataFrame:
    """Pairs of sites of *different* partners within ``miles`` of each other.

    Candidates come from an STRtree ``dwithin`` query in EPSG:5070 with the search
    distance widened by the projection's largest scale error at the sites, then every
    candidate is measured exactly (great circle) and kept when within ``miles``. Sites
    without coordinates are skipped. Nearest pairs first.
    """
    if not (miles > 0):
        raise ValueError(f"miles must be a positive distance (got {miles!r})")
    s = frames.sites
    lon = s["longitude"].to_numpy(dtype="float64", na_value=np.nan)
    lat = s["latitude"].to_numpy(dtype="float64", na_value=np.nan)
    ok = np.isfinite(lon) & np.isfinite(lat)
    idx = np.flatnonzero(ok)
    lon, lat = lon[ok], lat[ok]
    partner = s["partner_id"].to_numpy(dtype="int64")[ok]
    x, y = project(lon, lat)
    pts = shapely.points(x, y)
    assert isinstance(pts, np.ndarray)  # arrays of coordinates give an array of points
    tree = shapely.STRtree(pts)
    search_m = miles * METRES_PER_MILE * max_scale(lon, lat) * 1.01
    left, right = tree.query(pts, predicate="dwithin", distance=search_m)
    keep = (left < right) & (partner[left] != partner[right])
    left, right = left[keep], right[keep]
    d = haversine_mi(lon[left], lat[left], lon[right], lat[right])
    close = d <= miles
    left, right, d = left[close], right[close], d[close]
    a_rows = s.iloc[idx[left]]
    b_rows = s.iloc[idx[right]]
    names = _names(frames)
    out = pd.DataFrame({
        "site_a_id": a_rows["site_id"].to_numpy(dtype="int64"),
        "site_a": a_rows["name"].astype("str").to_numpy(),
        "partner_a_id": partner[left],
        "partner_a": names.reindex(partner[left]).to_numpy(),
        "site_b_id": b_rows["site_id"].to_numpy(dtype="int64"),
        "site_b": b_rows["name"].astype("str").to_numpy(),
        "partner_b_id": partner[right],
        "partner_b": names.reindex(partner[right]).to_numpy(),
        "distance_mi": np.round(d, 3),
        "state": (a_rows["state_fips"].fillna("").astype("str").map(codes.postal_codes())
                  .fillna("").to_numpy()),
        "district_geoid": a_rows["district_geoid"].astype("str").to_numpy(),
    })
    return (out.sort_values(["distance_mi", "site_a_id", "site_b_id"], kind="stable")
            .reset_index(drop=True))


def partners_per_place(frames: Frames, level: str) -> pd.Series:
    """The number of distinct partners working in each place of ``level`` that has any
    (place id -> n), as the Overlaps map shades them."""
    places = overlap_places(frames, level, min_partners=1)
    return pd.Series(places["partners"].to_numpy(),
                     index=places["place_id"].astype("str").to_numpy())


# How the Overlaps page counts work in places (shown under its places table).
COUNTING_NOTE = (
    "How work is counted: a site's activities count in the site's district, county and state; a "
    "district-wide activity counts in its district and state but in no county (a district can "
    "cross county lines); county-wide work counts in its county and state; state-wide work only in "
    "the state. Sites are placed in districts on the detailed 1:500,000 boundaries but in counties "
    "on the coarse 1:10 million county lines, so a site within a few hundred metres of a county "
    "line can count in the neighbouring county. That is why a district and a county covering the "
    "same ground (Denver County School District 1 and Denver County) can show different counts.")



def rank_places(places: pd.DataFrame, *, kind: str = "all", rank: str = "partners") -> pd.DataFrame:
    """Rows of :func:`overlap_places` of one ``kind`` of overlap ("all", "duplication":
    the same kind of work, "complementary": different kinds only), ranked by ``rank``
    ("partners": as listed, most partners first; "same": most shared kinds first)."""
    if kind != "all":
        places = places[places["overlap"] == (DUPLICATION if kind == "duplication"
                                              else COMPLEMENTARY)]
    if rank == "same":
        places = places.sort_values(["n_shared_kinds", "partners", "activities"],
                                    ascending=False, kind="stable")
    return places.reset_index(drop=True)
