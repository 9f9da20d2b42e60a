"""Building :class:`~geo.schema.Frames` from plain records, with the contract's columns
and dtypes (ids as int64, text as str with "" for missing, dates as datetime64).

Analyses read frames from storage; tests, benchmarks and examples build them here, so
all of them exercise the same column shapes.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from geo.schema import ACTIVITY_COLUMNS, PARTNER_COLUMNS, SITE_COLUMNS, Frames

_INT = {"partner_id", "site_id", "activity_id"}
_FLOAT = {"latitude", "longitude"}
_DATE = {"start_date", "end_date"}
_BOOL = {"public"}
_DEFAULTS: dict[str, str | bool] = {
    "area_level": "site", "status": "active", "site_kind": "community_school",
    "location_source": "coordinates", "type": "nonprofit", "public": True}


def _frame(records: Iterable[Mapping] | pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    df = pd.DataFrame(list(records)) if not isinstance(records, pd.DataFrame) else records.copy()
    for col in columns:
        if col not in df.columns:
            df[col] = _DEFAULTS.get(col, pd.NA if col in _INT | _FLOAT | _DATE else "")
    out: dict[str, pd.Series] = {}
    for col in df.columns:
        s = df[col]
        if col in _DEFAULTS:
            s = s.where(s.notna(), _DEFAULTS[col])
        if col in _INT:
            out[col] = pd.to_numeric(s, errors="raise").astype("Int64")
            if col != "site_id" or not out[col].isna().any():
                out[col] = out[col].astype("int64") if not out[col].isna().any() else out[col]
        elif col in _FLOAT:
            out[col] = pd.to_numeric(s, errors="coerce").astype("float64")
        elif col in _DATE:
            out[col] = pd.to_datetime(s, errors="raise")
        elif col in _BOOL:
            out[col] = s.fillna(False).astype(bool)
        else:
            out[col] = s.astype("object").where(s.notna(), "").astype("str")
    return pd.DataFrame(out)[list(dict.fromkeys([*columns, *df.columns]))]


def make_frames(partners: Iterable[Mapping] | pd.DataFrame = (),
                sites: Iterable[Mapping] | pd.DataFrame = (),
                activities: Iterable[Mapping] | pd.DataFrame = ()) -> Frames:
    """Frames from records (dicts or DataFrames); missing contract columns get defaults
    (area_level "site", status "active", site_kind "community_school", text "")."""
    return Frames(_frame(list(partners) if not isinstance(partners, pd.DataFrame) else partners,
                         PARTNER_COLUMNS),
                  _frame(list(sites) if not isinstance(sites, pd.DataFrame) else sites,
                         SITE_COLUMNS),
                  _frame(list(activities) if not isinstance(activities, pd.DataFrame)
                         else activities,
                         ACTIVITY_COLUMNS))
