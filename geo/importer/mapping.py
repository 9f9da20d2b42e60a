"""The columns of the import format, and mapping a file's own column names onto them.

:data:`TEMPLATE_COLUMNS` is the one place the format is declared (name -> help text);
the template, the page's mapping step and the error messages all read it.

A file rarely uses our names, so :func:`suggest_mapping` proposes a source column for
each target from the usual synonyms ("Organization" -> ``partner``, "Lat" ->
``latitude``), the user corrects it, and :func:`apply_mapping` turns the file into a
frame with the target names. Names are compared ignoring case, spaces and punctuation
("Zip Code" = "zipcode" = "ZIP_CODE").
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from geo.errors import ProblemsError
from geo.problems import Problem
from geo.schema import KINDS_OF_WORK, PRINCIPLES, SITE_KINDS, STATUSES
from geo.text import column_key

IMPORT_KINDS: tuple[str, ...] = ("sites", "activities")

# target column -> help text shown in the template, the page and messages.
TEMPLATE_COLUMNS: dict[str, str] = {
    "partner": "The partner organization's name. Matched to existing partners ignoring case, "
    "spacing and punctuation; a new name creates a partner (not listed publicly until "
    "its consent is recorded). Can be left out when one partner is chosen for the file.",
    "site_name": "The school or place. Needed when the place is a point (coordinates or ZIP).",
    "kind_of_work": "What the partner does there (activities only): "
    + "; ".join(f"{code} ({label})" for code, label in KINDS_OF_WORK.items()) + ".",
    "principles": "Community-school principles served, separated by ';': "
    + "; ".join(PRINCIPLES) + ". Optional.",
    "status": f"One of {', '.join(STATUSES)}. Optional (default active).",
    "start_date": "When the work started, as YYYY-MM-DD (e.g. 2024-09-01). Optional.",
    "end_date": "When it ended or will end, as YYYY-MM-DD; not before start_date. Optional.",
    "contact": "Who to reach (name, e-mail or phone): about this work for activities, at "
    "the site for sites. Optional.",
    "notes": "Anything else worth knowing. Optional.",
    "latitude": "Place as a point: latitude in decimal degrees (e.g. 30.4456).",
    "longitude": "Place as a point: longitude in decimal degrees (e.g. -84.2755; negative "
    "in the US).",
    "zip": "Place as a point when there are no coordinates: a 5-digit ZIP code (the site "
    "goes at the ZIP's centre, marked approximate).",
    "address": "Place as a point when there are no coordinates: the site's address (its "
    "ZIP code is read from it), or a location text holding \"(latitude, longitude)\".",
    "city": "The site's city. Optional; with the school directory it tells schools of the "
    "same name apart.",
    "district_geoid": "District-wide work (activities only): the 7-digit NCES LEAID / Census "
    "GEOID of the school district, e.g. 1201110.",
    "county_fips": "County-wide work (activities only): the 5-digit county FIPS code, e.g. 12073.",
    "state": "State-wide work (activities only): the state's postal code, e.g. FL. For "
    "a point it is only checked against the coordinates.",
    "site_kind": "Kind of site: " + "; ".join(f"{c} ({label})" for c, label in SITE_KINDS.items())
    + ". Optional (default community_school).",
    "community_school": "Is the site a community school? Yes or No (also Y/N, TRUE/FALSE, "
    "1/0, or x for yes with the cell left empty for no): Yes makes it a community_school, "
    "No a school (not a community school), or the site_kind given. Optional.",
    "nces_id": "The school's 12-digit NCES ID. Optional; used to spot the same school twice.",
    "website": "The partner's website (https://...), stored for a new partner. Optional.",
}
TARGETS: tuple[str, ...] = tuple(TEMPLATE_COLUMNS)
PLACE_COLUMNS: tuple[str, ...] = ("latitude", "longitude", "zip", "address", "nces_id",
                                  "district_geoid", "county_fips", "state")
POINT_COLUMNS: tuple[str, ...] = ("latitude", "longitude", "zip", "address", "nces_id")
# Columns a file must have (besides a place), per kind of import. ``partner`` may come
# from the caller instead (``--partner``).
REQUIRED: dict[str, tuple[str, ...]] = {
    "sites": ("partner", "site_name"),
    "activities": ("partner", "kind_of_work"),
}
# Columns that only mean something for activities (ignored, with a warning, for sites).
ACTIVITY_ONLY: tuple[str, ...] = ("kind_of_work", "principles", "status", "start_date",
                                  "end_date", "notes", "district_geoid", "county_fips")

# Recognised names per target, best first (compared after :func:`column_key`).
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "partner": ("partner", "partnername", "organization", "organisation", "organizationname",
                "organisationname", "org", "orgname", "partnerorganization", "agency",
                "provider"),
    "site_name": ("sitename", "site", "schoolname", "school", "name", "schname", "campus",
                  "locationname", "placename"),
    "kind_of_work": ("kindofwork", "typeofwork", "worktype", "work", "kindwork",
                     "activitytype", "typeofactivity", "servicetype"),
    "principles": ("principles", "principle", "communityschoolprinciples"),
    "status": ("status", "activitystatus", "workstatus"),
    "start_date": ("startdate", "start", "begindate", "begin", "datestarted", "since",
                   "fromdate"),
    "end_date": ("enddate", "end", "dateended", "until", "todate", "finishdate"),
    "contact": ("contact", "contactname", "contactemail", "contactperson", "pointofcontact",
                "poc", "email", "sitecontact", "schoolcontact", "sitecoordinator",
                "coordinator", "contactinfo"),
    "notes": ("notes", "note", "comments", "comment", "remarks", "description"),
    "latitude": ("latitude", "lat", "y", "latdd", "ycoord", "ycoordinate",
                 "geometrylatitude"),
    "longitude": ("longitude", "lon", "lng", "long", "x", "londd", "xcoord", "xcoordinate",
                  "geometrylongitude"),
    "zip": ("zip", "zipcode", "zip5", "postalcode", "postcode", "zcta"),
    "address": ("address", "location1", "location", "fulladdress", "streetaddress",
                "siteaddress", "schooladdress", "physicaladdress", "addr"),
    "city": ("city", "cityname", "town", "sitecity", "schoolcity", "lcity"),
    "district_geoid": ("districtgeoid", "leaid", "ncesleaid", "districtid", "districtleaid",
                       "schooldistrictid", "districtcode"),
    "county_fips": ("countyfips", "countygeoid", "cntyfips", "countyfipscode",
                    "stcntyfips"),
    "state": ("state", "statecode", "stateabbr", "stateabbreviation", "statepostal",
              "stusps", "stabbr", "st", "statename"),
    "site_kind": ("sitekind", "sitetype", "kindofsite", "typeofsite", "locationtype"),
    "community_school": ("communityschool", "iscommunityschool", "communityschoolyn",
                         "communityschoolyesno", "communityschoolflag",
                         "isacommunityschool", "isthisacommunityschool",
                         "isitacommunityschool"),
    "nces_id": ("ncesid", "ncessch", "ncesschoolid", "schoolncesid", "ncesschid",
                "schoolid"),
    "website": ("website", "partnerwebsite", "url", "websiteurl", "web", "homepage"),
}


class MappingError(ProblemsError, ValueError):
    """The mapping cannot be applied; ``problems`` lists every reason (file-level)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


def suggest_mapping(columns: Iterable[object]) -> dict[str, str]:
    """Propose a source column for each target column the names allow.

    Returns ``{target: source}`` for the targets found; each source is used once, and
    the best-ranked name wins (a ``LATITUDE`` column before ``Lat`` before ``Y``).
    """
    keyed: dict[str, str] = {}
    for col in columns:
        keyed.setdefault(column_key(col), str(col))
    used: set[str] = set()
    found: dict[str, str] = {}
    # Rank 0 (a column named exactly like a target) for every target first, so a
    # synonym of one target cannot take the column another target is named after.
    for rank_exact in (True, False):
        for target, names in _SYNONYMS.items():
            if target in found:
                continue
            candidates = (column_key(target),) if rank_exact else names
            for name in candidates:
                source = keyed.get(name)
                if source is not None and source not in used:
                    found[target] = source
                    used.add(source)
                    break
    return {t: found[t] for t in TARGETS if t in found}


def required_targets(kind: str, *, partner_given: bool) -> tuple[str, ...]:
    """The targets an import of ``kind`` needs (``partner`` not when given by the caller)."""
    _check_kind(kind)
    return tuple(t for t in REQUIRED[kind] if not (t == "partner" and partner_given))


def mapping_problems(
    columns: Iterable[object], mapping: Mapping[str, str], *, kind: str, partner_given: bool,
    names_place: bool = False,
) -> list[Problem]:
    """Every reason ``mapping`` cannot be used on a file with ``columns`` (empty if none).

    ``names_place``: a school directory is loaded, so a ``site_name`` can place a row.
    """
    names = [str(c) for c in columns]
    shown = ", ".join(repr(n) for n in names[:30]) + (" ..." if len(names) > 30 else "")
    problems: list[Problem] = []

    def fail(message: str, fix: str, column: str | None = None) -> None:
        problems.append(Problem(row=None, column=column, severity="error",
                                message=message, fix=fix))

    for target, source in mapping.items():
        if target not in TEMPLATE_COLUMNS:
            fail(f"{target!r} is not a column of the import format.",
                 f"Map columns to: {', '.join(TARGETS)}.")
        if source not in names:
            fail(f"The file has no column {source!r} (mapped to {target!r}).",
                 f"Choose one of the file's columns: {shown}.", column=source)
    sources = [s for s in mapping.values()]
    for source in sorted({s for s in sources if sources.count(s) > 1}):
        targets = [t for t, s in mapping.items() if s == source]
        fail(f"The column {source!r} is mapped to {' and '.join(map(repr, targets))}.",
             "Map each column to one target only.", column=source)
    missing = [t for t in required_targets(kind, partner_given=partner_given)
               if t not in mapping]
    for target in missing:
        extra = " or choose one partner for the whole file (--partner)" \
            if target == "partner" else ""
        fail(f"The file has no {target!r} column, which importing {kind} needs.",
             f"Add a {target!r} column, or map one of the file's columns to it{extra}. "
             f"The file's columns are: {shown}. Recognised names for {target!r}: "
             f"{', '.join(_SYNONYMS[target][:6])}.")
    if ("latitude" in mapping) != ("longitude" in mapping):
        has, lacks = ("latitude", "longitude") if "latitude" in mapping else \
            ("longitude", "latitude")
        fail(f"The file has a {has} column ({mapping[has]!r}) but no {lacks} column.",
             f"Map a column to {lacks!r}, or leave out {has!r} and give ZIP codes.")
    places = POINT_COLUMNS if kind == "sites" else PLACE_COLUMNS
    if names_place:
        places = (*places, "site_name")
    if not any(t in mapping for t in places):
        fail(f"The file has no column giving a place: importing {kind} needs "
             + ("latitude and longitude, zip, address or nces_id." if kind == "sites" else
                "latitude and longitude, zip, address, nces_id, district_geoid, county_fips "
                "or state."),
             f"Add one of those columns, or map one of the file's columns to it. "
             f"The file's columns are: {shown}.")
    return problems


def apply_mapping(
    df: pd.DataFrame, mapping: Mapping[str, str], *, kind: str = "activities",
    partner_given: bool = False,
) -> pd.DataFrame:
    """``df`` reduced to the mapped columns, renamed to their targets (same index).

    Raises :class:`MappingError` listing every problem: a source that is not in the
    file, a column used twice, a required target left unmapped (named in the message).
    """
    problems = mapping_problems(df.columns, mapping, kind=kind, partner_given=partner_given)
    if problems:
        raise MappingError(problems)
    ordered = [t for t in TARGETS if t in mapping]
    out = pd.DataFrame({t: df[mapping[t]] for t in ordered}, index=df.index)
    return out


def _check_kind(kind: str) -> None:
    if kind not in IMPORT_KINDS:
        raise ValueError(f"kind must be one of {', '.join(IMPORT_KINDS)} (got {kind!r})")


def merge_mapping(
    suggested: Mapping[str, str], overrides: Mapping[str, str], *, columns: Iterable[object]
) -> dict[str, str]:
    """``suggested`` with the user's ``{source: target}`` choices applied.

    A source is found by its exact name, else ignoring case and punctuation. An empty
    target means "do not use this column". Raises :class:`MappingError` for an unknown
    source or target.
    """
    names = [str(c) for c in columns]
    keyed = {column_key(n): n for n in names}
    problems: list[Problem] = []
    merged = dict(suggested)
    for source, target in overrides.items():
        column = source if source in names else keyed.get(column_key(source))
        if column is None:
            problems.append(Problem(None, source, "error",
                                    f"The file has no column {source!r}.",
                                    f"Use one of: {', '.join(repr(n) for n in names[:30])}."))
            continue
        if target and target not in TEMPLATE_COLUMNS:
            problems.append(Problem(None, source, "error",
                                    f"{target!r} is not a column of the import format.",
                                    f"Map to one of: {', '.join(TARGETS)}."))
            continue
        merged = {t: s for t, s in merged.items() if s != column and t != target}
        if target:
            merged[target] = column
    if problems:
        raise MappingError(problems)
    return {t: merged[t] for t in TARGETS if t in merged}
