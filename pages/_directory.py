"""The partner directory's tables: one row per partner the viewer may see, where each
partner works, and the one line that stands for the partners the public may not name.

Pure pandas over already-redacted frames (:func:`pages._ui.frames_for_viewer`); kept
apart from the page script so it can be unit-tested.
"""
from __future__ import annotations

import re

import geopandas as gpd
import pandas as pd

from geo import boundaries, schema
from geo.analysis import activity_places
from geo.analysis.directory import (  # noqa: F401  (the page uses them through this module)
    DIRECTORY_COLUMNS,
    directory,
    public_view,
    unlisted_line,
)
from geo.analysis.gazetteer import place_table
from geo.codes import state_choices  # noqa: F401  (the page uses it through this module)


def filter_directory(table: pd.DataFrame, *, text: str = "", types: list[str] = (),
                     principles: list[str] = (), states: list[str] = ()) -> pd.DataFrame:
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


def district_shapes(geoids: list[str]) -> gpd.GeoDataFrame:
    """The districts (drawing detail) with these GEOIDs."""
    layer = boundaries.districts("draw")
    return layer[layer["geoid"].isin(set(geoids))]


def bounds_of(lon: pd.Series, lat: pd.Series,
              shapes: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    """(west, south, east, north) around the points and the shapes (one must be non-empty)."""
    xs = [float(lon.min()), float(lon.max())] if len(lon) else []
    ys = [float(lat.min()), float(lat.max())] if len(lat) else []
    if len(shapes):
        minx, miny, maxx, maxy = (float(v) for v in shapes.total_bounds)
        xs += [minx, maxx]
        ys += [miny, maxy]
    return min(xs), min(ys), max(xs), max(ys)
