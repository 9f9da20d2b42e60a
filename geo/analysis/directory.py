"""The partner directory as a table: one row per partner with its type, safe website,
expertise, principles and how much work it has where; and, for the public, the one line
that stands for the partners that have not approved public listing.

Pure pandas over frames already redacted for the viewer
(:func:`geo.visibility.visible_frames`). Used by the Partners page (search, filters, where
a partner works) and by ``python -m geo publish``.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

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


def filter_directory(table: pd.DataFrame, *, text: str = "", types: Sequence[str] = (),
                     principles: Sequence[str] = (), states: Sequence[str] = ()) -> pd.DataFrame:
    """Rows matching every word of ``text`` (any case) in the name, expertise,
    principles or the places the partner works in (state names and codes, counties,
    districts), of one of ``types`` (labels or codes), working on every one of
    ``principles`` and in one of ``states`` (postal codes).

    A word matches at the start of a word ("famil" finds "family"); a word of one or two
    letters must be a whole word, so "CO" finds Colorado's code, not every "community".
    """
    out = table
    words = re.findall(r"\w+", str(text).lower())
    if words:
        hay = (out["name"] + " " + out["expertise"] + " " + out["principles"] + " "
               + out["where"] + " " + out["states"]).str.lower()
        keep = pd.Series(True, index=out.index)
        for word in words:
            pattern = rf"\b{re.escape(word)}\b" if len(word) <= 2 else rf"\b{re.escape(word)}"
            keep &= hay.str.contains(pattern, regex=True)
        out = out.loc[keep.astype(bool).to_numpy()]
    if states:
        wanted = set(states)
        has = out["states"].str.split(", ").map(lambda items: bool(wanted & set(items)))
        out = out.loc[has.astype(bool).to_numpy()]
    if types:
        labels = {schema.PARTNER_TYPES.get(t, t) for t in types}
        out = out.loc[out["type"].isin(labels).to_numpy()]
    for principle in principles:
        has = out["principles"].str.split("; ").map(lambda items, p=principle: p in items)
        out = out.loc[has.astype(bool).to_numpy()]
    return out


WHERE_LEVELS = ("state", "district")


def where_it_works(frames: schema.Frames, partner_id: int,
                   places: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every state and district a partner's activities touch: level, place id, name,
    number of its activities there and how (at sites, district-wide, ...). ``places``:
    ``activity_places(frames, levels=WHERE_LEVELS)`` if already at hand (the page keeps
    it per data version), else computed here."""
    if places is None:
        places = activity_places(frames, levels=WHERE_LEVELS)
    mine = places[places["partner_id"].astype("int64") == int(partner_id)]
    if mine.empty:
        return pd.DataFrame(columns=["level", "place_id", "place", "activities", "via"])
    rows = []
    for level in ("state", "district"):
        part = mine[mine["level"] == level]
        if part.empty:
            continue
        labels = place_table(level).set_index("place_id")["label"]
        grouped = part.groupby("place_id").agg(activities=("activity_id", "nunique"),
                                               via=("via", lambda v: ", ".join(sorted(set(v)))))
        grouped = grouped.reset_index()
        grouped["level"] = level
        grouped["place"] = grouped["place_id"].map(labels).fillna(grouped["place_id"])
        rows.append(grouped)
    out = pd.concat(rows, ignore_index=True)[["level", "place_id", "place", "activities", "via"]]
    return (out.sort_values(["level", "activities", "place"], ascending=[False, False, True])
            .reset_index(drop=True))
