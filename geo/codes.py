"""The small code rules every part of the app shares, each in one place.

* ZIP codes: :func:`read_zip` (the one ZIP5 / ZIP+4 parser, spreadsheet numbers
  included) and :func:`is_zip5` (exactly five digits, for ids coming back from a page);
* Census place ids: :data:`PLACE_ID_DIGITS` (state 2 digits, county 5, district 7),
  :func:`is_place_id` and :func:`level_of_id` ("which level is this place id");
* the state index: :func:`find_state` turns a postal code, a name or a FIPS code into
  one :class:`State`; :func:`states` lists them and :func:`postal_codes` maps FIPS to
  postal code;
* controlled vocabularies: :func:`vocab_key` is the one normalisation of a typed value,
  :func:`code_lookup` the table from a vocabulary's codes and labels to its codes.

The state index is read from the bundled state layer (:mod:`geo.boundaries`) on first
use; everything else here is pure.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

# --- cells holding codes ----------------------------------------------------------------


def code_text(value: object) -> str | None:
    """A code cell as text: a whole float (a spreadsheet's ``32301.0``) loses its ``.0``;
    a blank, a fraction or a non-finite number gives ``None``."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value) or not float(value).is_integer():
            return None
        value = int(value)
    return str(value).strip()


# --- ZIP codes --------------------------------------------------------------------------
# States (and territories) whose ZIP codes start with 0: a 4-digit ZIP there lost it.
ZERO_ZIP_STATES: frozenset[str] = frozenset(
    {"CT", "MA", "ME", "NH", "NJ", "RI", "VT", "PR", "VI"})

_ZIP = re.compile(r"^(\d{5})(?:[-\s]?\d{4})?$")
_ZIP5 = re.compile(r"\d{5}")


@dataclass(frozen=True)
class ZipRead:
    """A ZIP read from a cell: the 5 digits and whether lost leading zeros were put back."""

    code: str
    restored: bool = False


def read_zip(value: object) -> ZipRead | None:
    """The 5-digit ZIP of a cell, or ``None`` when the cell is not a ZIP code.

    ``"32301"``, ``"32301-1234"``, ``"32301 1234"``, ``"323011234"`` and ``32301.0``
    give 32301; ``"2134"``, ``"213"`` and ``2134`` give 02134 / 00213 with
    ``restored=True`` (a spreadsheet dropped the zeros).
    """
    text = code_text(value)
    if text is None:
        return None
    if re.fullmatch(r"\d{3,4}", text):
        return ZipRead(text.zfill(5), restored=True)
    if re.fullmatch(r"\d{9}", text):
        return ZipRead(text[:5])
    match = _ZIP.match(text)
    return ZipRead(match.group(1)) if match else None


def is_zip5(text: object) -> bool:
    """True when ``text`` is exactly five ASCII digits (no ZIP+4, no restored zeros)."""
    return isinstance(text, str) and _ZIP5.fullmatch(text) is not None and text.isascii()


# --- Census place ids -------------------------------------------------------------------
# Digits of a place id: state FIPS, county FIPS, school district GEOID (= NCES LEAID).
PLACE_ID_DIGITS: dict[str, int] = {"state": 2, "county": 5, "district": 7}
_LEVEL_BY_DIGITS = {n: level for level, n in PLACE_ID_DIGITS.items()}


def is_place_id(level: str, text: object) -> bool:
    """True when ``text`` has the form of a ``level`` id (2, 5 or 7 ASCII digits)."""
    n = PLACE_ID_DIGITS.get(level)
    return (n is not None and isinstance(text, str) and len(text) == n and text.isascii()
            and text.isdigit())


def level_of_id(place_id: object) -> str | None:
    """"state", "county" or "district" by the form of ``place_id`` (2, 5 or 7 digits),
    else ``None``. Says nothing about whether such a place exists."""
    text = str(place_id)
    if not (text.isascii() and text.isdigit()):
        return None
    return _LEVEL_BY_DIGITS.get(len(text))


# --- states -----------------------------------------------------------------------------
@dataclass(frozen=True)
class State:
    fips: str
    postal: str
    name: str


@lru_cache(maxsize=1)
def states() -> tuple[State, ...]:
    """Every state, DC and territory of the bundled state layer, in the layer's order."""
    from geo.boundaries import states as state_layer

    table = state_layer()
    return tuple(State(str(fips).zfill(2), str(postal), str(name))
                 for fips, postal, name in zip(table["state_fips"], table["postal"],
                                               table["name"], strict=True))


@lru_cache(maxsize=1)
def state_index() -> dict[str, State]:
    """Postal code and name (lower-cased) and 2-digit FIPS -> :class:`State`."""
    index: dict[str, State] = {}
    for entry in states():
        index[entry.postal.lower()] = entry
        index[entry.name.lower()] = entry
        index[entry.fips] = entry
    return index


def find_state(value: object) -> State | None:
    """The state a cell names (``FL``, ``Florida``, ``12``, ``9`` or ``12.0``), or ``None``."""
    text = code_text(value)
    if text is None:
        return None
    key = text.zfill(2) if text.isdigit() else text.lower()
    return state_index().get(key)


def clear_state_index() -> None:
    """Forget the loaded state layer (after the data folder changed)."""
    states.cache_clear()
    state_index.cache_clear()


def postal_codes() -> dict[str, str]:
    """2-digit state FIPS -> two-letter postal code, for every state in the layer."""
    return {s.fips: s.postal for s in states()}


# --- controlled vocabularies ------------------------------------------------------------
_VOCAB_SEPARATORS = re.compile(r"[_\-/]+")


def vocab_key(text: object) -> str:
    """The form in which a typed value is compared with a vocabulary's codes and labels:
    case folded, underscores, hyphens and slashes read as spaces, spaces collapsed
    (``" Technical_Assistance "``, ``"technical-assistance"`` -> ``"technical assistance"``).
    """
    return " ".join(_VOCAB_SEPARATORS.sub(" ", str(text).casefold()).split())


def code_lookup(codes: Mapping[str, str] | Iterable[str]) -> dict[str, str]:
    """:func:`vocab_key` of each code and label -> the code.

    ``codes`` is ``{code: label}`` or a sequence of codes that are their own labels. A
    label made of parts (``"Implementation / direct services"``) is also found by each
    part, unless the part is another code's key.
    """
    labels = dict(codes) if isinstance(codes, Mapping) else {c: c for c in codes}
    table: dict[str, str] = {}
    for code, label in labels.items():
        table[vocab_key(code)] = code
        table[vocab_key(label)] = code
    for code, label in labels.items():
        for part in label.split(" / "):
            table.setdefault(vocab_key(part), code)
    return table


def state_choices() -> dict[str, str]:
    """Postal code -> ``"Name (CO)"`` for every state, DC and territory, by name."""
    return {s.postal: f"{s.name} ({s.postal})" for s in sorted(states(), key=lambda s: s.name)}
