"""The partner directory as a table: one row per partner with its type, safe website,
expertise, principles and how much work it has where; and, for the public, the one line
that stands for the partners that have not approved public listing.

Pure pandas over frames already redacted for the viewer
(:func:`geo.visibility.visible_frames`). Used by the Partners page (``pages/_directory``)
and by ``python -m geo publish``.
"""
from __future__ import annotations

import pandas as pd

from geo import schema
from geo.analysis.gazetteer import place_table
from geo.analysis.places import activity_places
from geo.safe import safe_url

DIRECTORY_COLUMNS = ("partner_id", "name", "type", "website", "expertise", "principles", "sites",
                     "community_schools", "activities", "states", "listed", "where")


def _where_text(frames: schema.Frames) -> pd.Series:
    """Per partner id, the names of the states (and their codes), counties and
    districts it works in, for the search box ("Denver" finds partners working there)."""
    places = activity_places(frames)
    if places.empty:
        return pd.Series(dtype="str")
    names = []
    for level in ("state", "county", "district"):
        t = place_table(level)
        label = t["name"] + (" " + t["state"] if level == "state" else "")
        names.append(pd.Series(label.to_numpy(), index=t["place_id"].to_numpy()))
    lookup = pd.concat(names)
    lookup = lookup[~lookup.index.duplicated()]
    pairs = places[["partner_id", "place_id"]].drop_duplicates()
    text = pairs["place_id"].map(lookup).fillna("")
    by_partner = text.groupby(pairs["partner_id"].astype("int64").to_numpy())
    return by_partner.agg(lambda v: " · ".join(sorted(set(v))))


def directory(frames: schema.Frames) -> pd.DataFrame:
    """One row per partner: type label, safe website, expertise, principles, numbers of
    sites, community schools and activities, and the states it works in."""
    p, s, a = frames.partners, frames.sites, frames.activities
    pid = p["partner_id"].astype("int64")
    sites = s.groupby(s["partner_id"].astype("int64")).size()
    schools = s[s["site_kind"] == "community_school"].groupby("partner_id").size()
    schools.index = schools.index.astype("int64")
    acts = a.groupby(a["partner_id"].astype("int64")).size()
    places = activity_places(frames, levels=("state",))
    names = dict(zip(place_table("state")["place_id"], place_table("state")["state"], strict=True))
    states = (places.assign(st=places["place_id"].map(names).fillna(places["place_id"]))
              .groupby(places["partner_id"].astype("int64"))["st"]
              .agg(lambda v: ", ".join(sorted(set(v)))))
    out = pd.DataFrame({
        "partner_id": pid.to_numpy(),
        "name": p["name"].astype("str").to_numpy(),
        "type": p["type"].map(schema.PARTNER_TYPES).fillna(p["type"]).astype("str").to_numpy(),
        "website": p["website"].map(safe_url).to_numpy(),
        "expertise": p["expertise"].fillna("").astype("str").to_numpy(),
        "principles": p["principles"].fillna("").astype("str").str.replace(";", "; ").to_numpy(),
        "sites": pid.map(sites).fillna(0).astype("int64").to_numpy(),
        "community_schools": pid.map(schools).fillna(0).astype("int64").to_numpy(),
        "activities": pid.map(acts).fillna(0).astype("int64").to_numpy(),
        "states": pid.map(states).fillna("").astype("str").to_numpy(),
        "listed": p["public"].fillna(False).astype(bool).to_numpy(),
        "where": pid.map(_where_text(frames)).fillna("").astype("str").to_numpy(),
    })
    return (out.sort_values("name", key=lambda c: c.str.lower(), kind="stable")
            .reset_index(drop=True))


def public_view(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split for a public viewer: (partners named, partners not listed publicly)."""
    return table[table["listed"]], table[~table["listed"]]


def unlisted_line(unlisted: pd.DataFrame) -> pd.DataFrame:
    """The one row standing for every partner that has not approved public listing:
    how many there are and their sites and activities together, nothing that names them."""
    n = len(unlisted)
    return pd.DataFrame([{
        "partner_id": -1,
        "name": f"{schema.ANONYMOUS_PARTNER} ×{n} (not listed publicly)",
        "type": ("various" if unlisted["type"].nunique() > 1
                 else (unlisted["type"].iloc[0] if n else "")),
        "website": "",
        "expertise": "",
        "principles": "",
        "sites": int(unlisted["sites"].sum()),
        "community_schools": int(unlisted["community_schools"].sum()),
        "activities": int(unlisted["activities"].sum()),
        "states": ", ".join(sorted({x for v in unlisted["states"] for x in v.split(", ") if x})),
        "listed": False,
        "where": "",
    }])
