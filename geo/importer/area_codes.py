"""Area codes of an import row: a school district, a county or a state.

District-wide, county-wide and state-wide work is placed by a code, checked against the
bundled boundary layers so a typo cannot create an activity in a place that does not
exist. The tables load on first use and are cached by :mod:`geo.boundaries`.
"""
from __future__ import annotations

from functools import lru_cache

from geo.codes import PLACE_ID_DIGITS, find_state
from geo.importer.cells import CellError, code_digits


@lru_cache(maxsize=1)
def _districts() -> dict[str, tuple[str, str]]:
    from geo.boundaries import districts

    table = districts("national")
    return {str(g): (str(n), str(s)) for g, n, s in
            zip(table["geoid"], table["name"], table["state_fips"], strict=True)}


@lru_cache(maxsize=1)
def _counties() -> dict[str, tuple[str, str]]:
    from geo.boundaries import counties

    table = counties()
    return {str(c): (str(n), str(s)) for c, n, s in
            zip(table["county_fips"], table["name"], table["state_fips"], strict=True)}


def district(text: str) -> tuple[str, str, str]:
    """``(geoid, name, state_fips)`` of a district code, or :class:`CellError`."""
    code = code_digits(text, digits=PLACE_ID_DIGITS["district"],
                       what="school district GEOID (NCES LEAID)",
                       example="1201110 for Leon County, FL")
    found = _districts().get(code)
    if found is None:
        raise CellError(f"{code} is not a known school district GEOID (NCES LEAID).",
                        "Check the code: the first two digits are the state FIPS code; look "
                        "the district up in the NCES district search.")
    return code, found[0], found[1]


def county(text: str) -> tuple[str, str, str]:
    """``(county_fips, name, state_fips)`` of a county code, or :class:`CellError`."""
    code = code_digits(text, digits=PLACE_ID_DIGITS["county"], what="county FIPS code",
                       example="12073 for Leon County, FL")
    found = _counties().get(code)
    if found is None:
        raise CellError(f"{code} is not a known county FIPS code.",
                        "Write the 5-digit code: 2 digits of the state and 3 of the county.")
    return code, found[0], found[1]


def state(text: str) -> tuple[str, str, str]:
    """``(state_fips, postal, name)`` from a postal code, a name or a FIPS code."""
    found = find_state(text)
    if found is None:
        raise CellError(f"{text!r} is not a US state.",
                        "Write the state's postal code, e.g. FL.")
    return found.fips, found.postal, found.name
