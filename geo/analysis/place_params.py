"""A place as the pages' links name it: one URL parameter per kind of place
(``?district=1201110``, ``?point=41.87810,-87.62980``), read back into a
:class:`~geo.analysis.lookup.Place`, and the place a click on a map names.

Values from the URL and the browser are checked here before anything is looked up.
"""
from __future__ import annotations

import re

from geo.analysis import gazetteer
from geo.analysis.lookup import Place, resolve_place
from geo.analysis.scan import ScanResult, scan

# One URL parameter per kind of place, as ``resolve_place`` and ``python -m geo scan``
# name them; a link carries exactly one.
PLACE_PATTERNS: dict[str, str] = {
    "state": r"\d{2}",
    "county": r"\d{5}",
    "district": r"\d{7}",
    "zip": r"\d{5}",
    "point": r"-?\d{1,2}(\.\d{1,6})?,-?\d{1,3}(\.\d{1,6})?",
}


def place_param(place: Place) -> dict[str, str | None]:
    """The query parameters naming ``place`` (the other place keys set to None)."""
    values: dict[str, str | None] = {k: None for k in PLACE_PATTERNS}
    if place.level == "point":
        values["point"] = f"{place.center[0]:.5f},{place.center[1]:.5f}"
    else:
        values[place.level] = place.id
    return values


def place_from_params(params: dict[str, str | None]) -> Place | None:
    """The place named by already-validated parameters (first of PLACE_PATTERNS order).

    Raises :class:`PlaceNotFound` when the id has the right shape but names no place.
    """
    for level in PLACE_PATTERNS:
        value = params.get(level)
        if value:
            return resolve_place(**{level: value})
    return None


def scan_params(frames, params: tuple[tuple[str, str | None], ...], radius_mi: float | None,
                needs: tuple[str, ...]) -> ScanResult:
    """:func:`geo.analysis.scan` of the place the URL ``params`` name: a module-level
    function of hashable values, for ``pages._filters.cached`` (one scan per data
    version, viewer role, place, radius and needs, shared by every session)."""
    place = place_from_params(dict(params))
    if place is None:
        raise ValueError(f"no place in the parameters {dict(params)}; give one of "
                         + ", ".join(PLACE_PATTERNS))
    return scan(frames, place, radius_mi=radius_mi, needs=list(needs))


def place_token(place: Place | None) -> str:
    """A short stable id for a place ("district-1201110"), for widget and map keys."""
    if place is None:
        return "none"
    return f"{place.level}-{re.sub(r'[^0-9a-z]', '_', place.id.lower())}"


def clicked_place(properties: dict | None) -> dict[str, str | None] | None:
    """The place parameters of a clicked area (from ``_ui.clicked_properties``): a
    7-digit GEOID is a district, a 2-digit one a state. The value comes from the browser,
    so it is checked like a link's: anything else (a site, an id that names no known
    district or state) is None."""
    if not properties or "site_id" in properties:
        return None
    geoid = str(properties.get("geoid", ""))[:7]
    level = gazetteer.place_level(geoid)
    if level not in ("district", "state"):
        return None
    values: dict[str, str | None] = {k: None for k in PLACE_PATTERNS}
    values[level] = geoid
    return values
