"""Partners, sites and activities as the edit forms name and show them.

Plain values only (no Streamlit): which column holds each table's id, the label of each
record in a picker, a site's location in words, and the conversions the forms need to
turn stored cells (NaN, timestamps, lists as text) into widget values.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from geo.schema import KINDS_OF_WORK, Frames

NOUNS: dict[str, str] = {"partners": "partner", "sites": "site", "activities": "activity"}
ID_COLUMNS: dict[str, str] = {"partners": "partner_id", "sites": "site_id",
                              "activities": "activity_id"}


def partner_names(partners: pd.DataFrame) -> dict[int, str]:
    """Partner id -> name."""
    return {int(p): str(n) for p, n in zip(partners["partner_id"], partners["name"], strict=True)}


def by_name(names: Mapping[int, str]) -> list[int]:
    """The ids of ``names`` in name order (case ignored)."""
    return sorted(names, key=lambda pid: names[pid].casefold())


def record_ids(frames: Frames, table: str, partner_id: int) -> list[int]:
    """The ids of one partner's sites or activities (``table``)."""
    frame = frames.sites if table == "sites" else frames.activities
    mine = frame[frame["partner_id"] == partner_id]
    return [int(i) for i in mine[ID_COLUMNS[table]]]


def record_labels(frames: Frames, table: str, names: Mapping[int, str]) -> dict[int, str]:
    """Record id -> its label in a picker: "Name (partner 3)", "Name (site 7)",
    "Tutoring at Site, active (activity 12)"."""
    if table == "partners":
        return {p: f"{n} (partner {p})" for p, n in names.items()}
    if table == "sites":
        s = frames.sites
        return {int(i): f"{n} (site {i})" for i, n in zip(s["site_id"], s["name"], strict=True)}
    a = frames.activities
    site_names = dict(zip(frames.sites["site_id"], frames.sites["name"], strict=True))
    out: dict[int, str] = {}
    for aid, kind, level, area, sid, status in zip(
            a["activity_id"], a["kind_of_work"], a["area_level"], a["area_id"], a["site_id"],
            a["status"], strict=True):
        where = (site_names.get(sid, f"site {sid}") if level == "site"
                 else f"{level} {area}")
        out[int(aid)] = f"{KINDS_OF_WORK.get(kind, kind)} at {where}, {status} " \
                        f"(activity {aid})"
    return out


def owner_of(record: Mapping[str, Any]) -> int | None:
    """The partner a stored record belongs to (None for a partner not stored yet)."""
    value = record.get("partner_id")
    return None if value is None else int(value)


def number_or_none(value: object) -> float | None:
    """A stored number as a float, None for a missing one (None or NaN)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return float(value)  # type: ignore[arg-type]


def date_or_none(value: object) -> dt.date | None:
    """A stored date (date, datetime, timestamp or ISO text) as a date, else None."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if pd.isna(stamp) else stamp.date()


def known(items: Iterable[str], allowed: Iterable[str]) -> list[str]:
    """``items`` that are among ``allowed``, in their order."""
    allowed = set(allowed)
    return [i for i in items if i in allowed]


def describe_location(values: Mapping[str, Any]) -> str:
    """A site's location in words: "at 28.53840, -81.37890, the centre of ZIP 32801,
    district 1201440, county 12095", or "no location yet"."""
    lat = number_or_none(values.get("latitude"))
    lon = number_or_none(values.get("longitude"))
    if lat is None or lon is None:
        return "no location yet"
    parts = [f"at {lat:.5f}, {lon:.5f}"]
    if values.get("location_source") == "zip_centroid":
        parts.append(f"the centre of ZIP {values.get('zip')}")
    if values.get("district_geoid"):
        parts.append(f"district {values['district_geoid']}")
    if values.get("county_fips"):
        parts.append(f"county {values['county_fips']}")
    return ", ".join(parts)
