"""Checking and normalising record values before they reach the database.

One implementation serves both paths: a single edit (``add_site({...})``) is checked as
a one-row frame, a bulk load as the whole frame, column by column (vectorised, so
200,000 activities are checked in well under a second). Every problem is collected,
then :class:`~geo.db.storage_errors.ValidationError` lists them all, each naming the field,
the value received and the fix.

Controlled fields accept the stored code or the label shown in the app, in any case
(``"Policy and advocacy"`` -> ``policy``); principles accept a list or a
``;``-joined text and are stored ``;``-joined in the canonical spelling.

Checks that need the database (does the partner exist, does the site belong to the
partner) are made by the store, which knows what is stored.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from geo.codes import PLACE_ID_DIGITS, code_lookup, vocab_key
from geo.problems import Problem, row_number
from geo.safe import safe_url
from geo.schema import (
    AREA_LEVELS,
    KINDS_OF_WORK,
    LOCATION_SOURCES,
    PARTNER_TYPES,
    PRINCIPLES,
    SITE_KINDS,
    STATUSES,
)
from geo.text import is_missing

# Fields a caller may set through add_*/update_* (ids and bookkeeping are the store's).
PARTNER_FIELDS: tuple[str, ...] = ("name", "type", "website", "email", "expertise", "principles")
# Set only through Store.set_consent, or kept by a bulk load (restore, sample data).
CONSENT_FIELDS: tuple[str, ...] = ("public", "consent_by", "consent_at")
SITE_FIELDS: tuple[str, ...] = (
    "partner_id", "name", "site_kind", "nces_id", "latitude", "longitude", "zip",
    "location_source", "state_fips", "county_fips", "district_geoid",
    "secondary_district_geoid", "contact",
)
ACTIVITY_FIELDS: tuple[str, ...] = (
    "partner_id", "site_id", "area_level", "area_id", "kind_of_work", "principles",
    "status", "start_date", "end_date", "contact", "notes",
)
FIELDS: dict[str, tuple[str, ...]] = {
    "partners": PARTNER_FIELDS,
    "sites": SITE_FIELDS,
    "activities": ACTIVITY_FIELDS,
}
ID_COLUMNS: dict[str, str] = {
    "partners": "partner_id",
    "sites": "site_id",
    "activities": "activity_id",
}

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_BOUNDARY_DIGITS = {
    "state_fips": PLACE_ID_DIGITS["state"],
    "county_fips": PLACE_ID_DIGITS["county"],
    "district_geoid": PLACE_ID_DIGITS["district"],
    "secondary_district_geoid": PLACE_ID_DIGITS["district"],
}
_MAX_NAME = 300


def name_key(name: str) -> str:
    """The form of a partner name used to spot duplicates.

    Case, spacing and punctuation are ignored, so "Communities In Schools",
    "communities in  schools." and "Communities-In-Schools" are the same partner.
    """
    words = re.sub(r"[^\w]+", " ", str(name).casefold().replace("_", " "))
    return " ".join(words.split())


_TYPES = code_lookup(PARTNER_TYPES)
_SITE_KINDS = code_lookup(SITE_KINDS)
_KINDS = code_lookup(KINDS_OF_WORK)
_STATUSES = code_lookup(STATUSES)
_AREA_LEVELS = code_lookup(AREA_LEVELS)
_SOURCES = code_lookup(LOCATION_SOURCES)
_PRINCIPLES = code_lookup(PRINCIPLES)


def _valid(codes: Mapping[str, str] | tuple[str, ...]) -> str:
    if isinstance(codes, tuple):
        return ", ".join(codes)
    return ", ".join(f"{c} ({label})" for c, label in codes.items())


class _Checker:
    """Collects problems for one frame; row numbers only when checking a bulk frame."""

    def __init__(self, table: str, *, bulk: bool) -> None:
        self.table = table
        self.bulk = bulk
        self.problems: list[Problem] = []

    def flag(
        self,
        bad: pd.Series,
        field: str,
        values: pd.Series,
        message: Callable[[Any], str],
        fix: str,
    ) -> None:
        """Add one problem per row where ``bad`` is true (``message`` gets the value)."""
        for pos in np.flatnonzero(bad.to_numpy(dtype=bool, na_value=False)):
            text = message(values.iloc[pos])
            if self.bulk:
                text = f"{self.table}: {text}"
            self.problems.append(Problem.error(
                text, row=row_number(int(pos)) if self.bulk else None, column=field, fix=fix))


def _missing(s: pd.Series) -> pd.Series:
    """True where a cell is empty: NA, NaN, None or blank text."""
    empty = s.isna()
    as_text = s[~empty].astype(str).str.strip() == ""
    return empty | as_text.reindex(s.index, fill_value=False)


def _text(s: pd.Series) -> pd.Series:
    """Text with NA as "" and surrounding spaces removed (pandas string dtype)."""
    return s.astype(object).where(s.notna(), "").astype("str").str.strip()


def _code(
    c: _Checker, df: pd.DataFrame, field: str, lookup: dict[str, str],
    codes: Mapping[str, str] | tuple[str, ...], *, default: str | None,
) -> None:
    raw = _text(df[field])
    mapping = {u: lookup.get(vocab_key(u)) for u in raw.unique() if u != ""}
    mapping[""] = default
    out = raw.map(mapping).astype(object)
    out = out.where(out.notna(), None)
    c.flag(
        out.isna() & (raw != ""), field, raw,
        lambda v: f"{field} {v!r} is not one of the allowed values",
        f"use one of: {_valid(codes)}",
    )
    c.flag(
        out.isna() & (raw == ""), field, raw,
        lambda v: f"{field} is empty",
        f"give one of: {_valid(codes)}",
    )
    df[field] = out


def _principles(c: _Checker, df: pd.DataFrame) -> None:
    raw = df["principles"].map(
        lambda v: "; ".join(str(x) for x in v) if isinstance(v, (list, tuple, set)) else v
    )
    raw = _text(raw)
    mapping: dict[str, tuple[str, list[str]]] = {}
    for cell in raw.unique():
        items = [p.strip() for p in str(cell).split(";") if p.strip()]
        bad = [p for p in items if vocab_key(p) not in _PRINCIPLES]
        good = dict.fromkeys(_PRINCIPLES[vocab_key(p)] for p in items
                             if vocab_key(p) in _PRINCIPLES)
        mapping[cell] = (";".join(good), bad)
    unknown = {cell: bool(found[1]) for cell, found in mapping.items()}
    c.flag(
        raw.map(unknown), "principles", raw,
        lambda v: "principles " + ", ".join(repr(b) for b in mapping[v][1])
        + " not recognised",
        f"use these names, separated by ';': {'; '.join(PRINCIPLES)}",
    )
    df["principles"] = raw.map({cell: found[0] for cell, found in mapping.items()}).astype(object)


def _required_text(c: _Checker, df: pd.DataFrame, field: str, what: str) -> None:
    df[field] = _text(df[field])
    c.flag(df[field] == "", field, df[field], lambda v: f"{field} is empty", f"give the {what}")
    c.flag(
        df[field].str.len() > _MAX_NAME, field, df[field],
        lambda v: f"{field} is {len(v)} characters long",
        f"shorten it to at most {_MAX_NAME} characters",
    )


def _digits(c: _Checker, df: pd.DataFrame, field: str, n: int, what: str) -> None:
    df[field] = _text(df[field])
    bad = (df[field] != "") & ~df[field].str.fullmatch(rf"\d{{{n}}}")
    c.flag(
        bad, field, df[field], lambda v: f"{field} {v!r} is not a {n}-digit {what}",
        f"write it as exactly {n} digits, with leading zeros (or leave it empty)",
    )


def _number(c: _Checker, df: pd.DataFrame, field: str, lo: float, hi: float) -> None:
    raw = df[field]
    empty = _missing(raw)
    num = pd.to_numeric(raw.where(~empty, np.nan).astype(object), errors="coerce")
    num = pd.Series(np.asarray(num, dtype="float64"), index=raw.index)
    c.flag(
        num.isna() & ~empty, field, raw, lambda v: f"{field} {v!r} is not a number",
        "write it as a decimal number such as 30.4383 (or leave it empty)",
    )
    c.flag(
        (num < lo) | (num > hi), field, num, lambda v: f"{field} {v} is outside {lo}..{hi}",
        "check the value (latitude and longitude swapped?)",
    )
    df[field] = num


def _integer_id(c: _Checker, df: pd.DataFrame, field: str, *, required: bool) -> None:
    raw = df[field]
    empty = _missing(raw)
    num = pd.to_numeric(raw.where(~empty, np.nan).astype(object), errors="coerce")
    num = pd.Series(np.asarray(num, dtype="float64"), index=raw.index)
    bad = ~empty & (num.isna() | (num != np.floor(num)))
    c.flag(bad, field, raw, lambda v: f"{field} {v!r} is not a whole number",
           "give the number of an existing record")
    if required:
        c.flag(empty, field, raw, lambda v: f"{field} is empty",
               "give the number of an existing record")
    df[field] = num.where(~bad).astype("Int64")


def _date_value(value: object) -> dt.date | None | str:
    """A date, None for empty, or the text back when it cannot be read as a date."""
    if is_missing(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10]) if len(text) in (10, 19) or "T" in text \
            else dt.date.fromisoformat(text)
    except ValueError:
        return text


def _date(c: _Checker, df: pd.DataFrame, field: str) -> None:
    raw = df[field].astype(object)
    keys = raw.where(raw.notna(), None).map(_hashable) if _unhashable(raw) else \
        raw.where(raw.notna(), None)
    mapping = {value: _date_value(value) for value in pd.unique(keys) if value is not None}
    out = keys.map(mapping).astype(object)
    out = out.where(out.notna(), None)
    c.flag(
        out.map(lambda v: isinstance(v, str)), field, raw,
        lambda v: f"{field} {v!r} is not a date",
        "write dates as YYYY-MM-DD, e.g. 2024-09-01 (or leave it empty)",
    )
    df[field] = out.map(lambda v: None if isinstance(v, str) else v).astype(object)


def _unhashable(values: pd.Series) -> bool:
    """True when a column holds values that cannot be dict keys (e.g. lists)."""
    return bool(values.map(type).isin([list, dict, set]).any())


def _hashable(value: object) -> object:
    try:
        hash(value)
    except TypeError:
        return repr(value)
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


def _boolean(c: _Checker, df: pd.DataFrame, field: str) -> None:
    words = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False,
             "": False}
    raw = df[field].astype(object)
    out = raw.map(
        lambda v: v if isinstance(v, (bool, np.bool_)) else words.get(
            "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip().lower()
        )
    )
    c.flag(out.isna(), field, raw, lambda v: f"{field} {v!r} is not yes or no",
           "write yes or no")
    df[field] = out.map(lambda v: bool(v) if v is not None else False).astype(bool)


def _timestamp(c: _Checker, df: pd.DataFrame, field: str) -> None:
    raw = df[field].astype(object)
    parsed = pd.to_datetime(raw.where(~_missing(raw), None), errors="coerce", utc=True,
                            format="ISO8601")
    c.flag(parsed.isna() & ~_missing(raw), field, raw,
           lambda v: f"{field} {v!r} is not a timestamp",
           "write it as an ISO timestamp, e.g. 2024-09-01T12:00:00+00:00")
    df[field] = pd.Series(
        [None if pd.isna(t) else t.to_pydatetime() for t in parsed], index=df.index,
        dtype=object,
    )


# --- per table -------------------------------------------------------------------
def check_partners(df: pd.DataFrame, *, bulk: bool = False) -> tuple[pd.DataFrame, list[Problem]]:
    """Normalise partner values; return the clean frame and the problems found."""
    c = _Checker("partners", bulk=bulk)
    df = df.copy()
    _required_text(c, df, "name", "organization's name")
    df["name_key"] = df["name"].map(name_key).astype(object)
    _code(c, df, "type", _TYPES, PARTNER_TYPES, default="other")
    df["website"] = _text(df["website"])
    bad_url = (df["website"] != "") & (df["website"].map(safe_url) == "")
    c.flag(bad_url, "website", df["website"],
           lambda v: f"website {v!r} is not an http(s) link",
           "give the full address starting with https:// (or http://), or leave it empty")
    df["email"] = _text(df["email"])
    bad_mail = (df["email"] != "") & ~df["email"].str.match(_EMAIL)
    c.flag(bad_mail, "email", df["email"], lambda v: f"email {v!r} is not an e-mail address",
           "write it as name@example.org (or leave it empty)")
    df["expertise"] = _text(df["expertise"])
    _principles(c, df)
    if "public" in df:
        _boolean(c, df, "public")
        df["consent_by"] = _text(df["consent_by"])
        _timestamp(c, df, "consent_at")
    return df, c.problems


def check_sites(df: pd.DataFrame, *, bulk: bool = False) -> tuple[pd.DataFrame, list[Problem]]:
    """Normalise site values; return the clean frame and the problems found."""
    c = _Checker("sites", bulk=bulk)
    df = df.copy()
    _integer_id(c, df, "partner_id", required=True)
    _required_text(c, df, "name", "site's name")
    _code(c, df, "site_kind", _SITE_KINDS, SITE_KINDS, default="community_school")
    _digits(c, df, "nces_id", 12, "NCES school ID")
    _number(c, df, "latitude", -90.0, 90.0)
    _number(c, df, "longitude", -180.0, 180.0)
    has_lat, has_lon = df["latitude"].notna(), df["longitude"].notna()
    c.flag(has_lat != has_lon, "latitude", df["latitude"],
           lambda v: "only one of latitude and longitude is given",
           "give both latitude and longitude, or neither")
    _digits(c, df, "zip", 5, "ZIP code")
    default_source = np.where(has_lat & has_lon, "coordinates", "none")
    raw_source = _text(df["location_source"])
    df["location_source"] = raw_source.where(raw_source != "", pd.Series(default_source,
                                                                          index=df.index))
    _code(c, df, "location_source", _SOURCES, LOCATION_SOURCES, default="none")
    located = df["location_source"] != "none"
    c.flag(located & ~(has_lat & has_lon), "location_source", df["location_source"],
           lambda v: f"location_source is {v!r} but the site has no coordinates",
           "give latitude and longitude, or set location_source to none")
    c.flag((df["location_source"] == "none") & has_lat & has_lon, "location_source",
           df["location_source"],
           lambda v: "location_source is 'none' but the site has coordinates",
           "set location_source to coordinates (or zip_centroid)")
    for field, n in _BOUNDARY_DIGITS.items():
        _digits(c, df, field, n, "Census code")
    state = df["state_fips"]
    for field in ("county_fips", "district_geoid", "secondary_district_geoid"):
        off = (state != "") & (df[field] != "") & (df[field].str[:2] != state)

        def outside(v: object, f: str = field) -> str:
            return f"{f} {v!r} is not in the state of state_fips"

        c.flag(off, field, df[field], outside,
               "check the boundary assignment: the first two digits are the state FIPS code")
    df["contact"] = _text(df["contact"])
    return df, c.problems


def check_activities(
    df: pd.DataFrame, *, bulk: bool = False
) -> tuple[pd.DataFrame, list[Problem]]:
    """Normalise activity values; return the clean frame and the problems found."""
    c = _Checker("activities", bulk=bulk)
    df = df.copy()
    _integer_id(c, df, "partner_id", required=True)
    _integer_id(c, df, "site_id", required=False)
    raw_level = _text(df["area_level"])
    df["area_level"] = raw_level.where(
        raw_level != "", pd.Series(np.where(df["site_id"].notna(), "site", ""), index=df.index)
    )
    _code(c, df, "area_level", _AREA_LEVELS, AREA_LEVELS, default=None)
    df["area_id"] = _text(df["area_id"])
    level = df["area_level"]
    at_site = level == "site"
    c.flag(at_site & df["site_id"].isna(), "site_id", df["site_id"],
           lambda v: "an activity at a site has no site_id",
           "give the site, or set area_level to state, county or district with an area_id")
    c.flag(at_site & (df["area_id"] != ""), "area_id", df["area_id"],
           lambda v: f"area_id {v!r} is given for an activity at a site",
           "leave area_id empty for site activities (the site's boundaries are used)")
    c.flag(~at_site & level.notna() & df["site_id"].notna(), "site_id", df["site_id"],
           lambda v: f"site_id {v} is given for an area-wide activity",
           "set area_level to site, or leave site_id empty")
    for lvl, n in PLACE_ID_DIGITS.items():
        bad = (level == lvl) & ~df["area_id"].str.fullmatch(rf"\d{{{n}}}")

        def not_a_code(v: object, lvl: str = lvl, n: int = n) -> str:
            return f"area_id {v!r} is not a {n}-digit {lvl} code"

        c.flag(bad, "area_id", df["area_id"], not_a_code,
               f"give the {n}-digit Census code of the {lvl}"
               + (" (state FIPS, e.g. 12 for Florida)" if lvl == "state" else
                  " (e.g. 12073 for Leon County, FL)" if lvl == "county" else
                  " (NCES LEAID, e.g. 1200390 for Leon County Schools, FL)"))
    _code(c, df, "kind_of_work", _KINDS, KINDS_OF_WORK, default=None)
    _principles(c, df)
    _code(c, df, "status", _STATUSES, STATUSES, default="active")
    _date(c, df, "start_date")
    _date(c, df, "end_date")
    both = df["start_date"].notna() & df["end_date"].notna()
    start = pd.to_datetime(df["start_date"].where(both, None))
    end = pd.to_datetime(df["end_date"].where(both, None))
    order = (both & (end < start)).astype(bool)
    span = pd.Series(list(zip(df["start_date"], df["end_date"], strict=True)), index=df.index,
                     dtype=object)
    c.flag(order, "end_date", span,
           lambda v: f"end_date {v[1]} is before start_date {v[0]}",
           "correct the dates: the end date must be on or after the start date")
    df["contact"] = _text(df["contact"])
    df["notes"] = _text(df["notes"])
    return df, c.problems


CHECKS = {
    "partners": check_partners,
    "sites": check_sites,
    "activities": check_activities,
}


def unknown_fields(table: str, values: Mapping[str, object]) -> list[Problem]:
    """Problems for keys of ``values`` that are not editable fields of ``table``."""
    allowed = FIELDS[table]
    problems = []
    for key in values:
        if key in allowed:
            continue
        if table == "partners" and key in CONSENT_FIELDS:
            fix = "public listing consent is changed with set_consent (staff only)"
        else:
            fix = f"use only these fields: {', '.join(allowed)}"
        problems.append(Problem.error(f"{key!r} cannot be set here", column=str(key), fix=fix))
    return problems
