"""The school directory: an official list of schools, matched by ID or by name.

Staff load one once (``python -m geo schools load FILE``: NCES EDGE geocodes, the NCES
CCD directory, HIFLD public schools, or any file with an ID, a name and a location) and
rows of partners' files without coordinates are then placed at their school:

* by **school ID** (the 12-digit NCES school ID, leading zero put back), exactly;
* else by **name** together with the row's city, ZIP or state. Names are normalised
  (case, punctuation, the usual abbreviations: Elementary/Elem/ES, Middle/MS, High/HS,
  Academy/Acad, Saint/St, ...; the word School dropped) and scored against the
  directory's schools in the same city (or ZIP) with ``rapidfuzz``. The one school of
  exactly that (normalised) name there, or a clear winner, is placed; a close call is
  never guessed: it goes to **review** with its top candidates (the Data page lets a
  person pick; the command line leaves the row at its ZIP).

:class:`SchoolDirectory` is the matcher; :func:`directory_frame` turns any school file
into the directory's columns (:data:`DIRECTORY_COLUMNS`).
"""
from __future__ import annotations

import re
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geo.text import column_key

DIRECTORY_COLUMNS: tuple[str, ...] = (
    "school_id", "name", "city", "state", "zip", "latitude", "longitude", "leaid",
)

# A name is placed when its best score reaches PLACE_SCORE and beats the next school by
# MARGIN; anything else with a score of at least REVIEW_SCORE goes to review.
PLACE_SCORE = 90.0
MARGIN = 6.0
REVIEW_SCORE = 70.0
TOP = 3

# Directory file columns, compared ignoring case and punctuation, best first.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "school_id": ("ncessch", "ncesid", "ncesschoolid", "schoolid", "schid", "ncesschid",
                  "id"),
    "name": ("schname", "schoolname", "name", "school", "sitename"),
    "city": ("lcity", "city", "mcity", "cityname", "locationcity"),
    "state": ("lstate", "stabr", "state", "st", "stusps", "stateabbr", "mstate"),
    "zip": ("lzip", "zip", "zipcode", "postalcode", "mzip", "zip5"),
    "latitude": ("lat", "latitude", "latcod", "y"),
    "longitude": ("lon", "long", "longitude", "loncod", "lng", "x"),
    "leaid": ("leaid", "districtid", "ncesleaid", "ncesdistrictid", "lea"),
}

_WORDS: dict[str, str] = {
    "elem": "elementary", "el": "elementary", "es": "elementary", "elementary": "elementary",
    "ms": "middle", "mid": "middle", "middle": "middle",
    "hs": "high", "high": "high", "hi": "high",
    "jr": "junior", "sr": "senior", "acad": "academy", "academy": "academy", "aca": "academy",
    "st": "saint", "saint": "saint", "ste": "sainte", "mt": "mount", "ft": "fort",
    "pt": "port", "ctr": "center", "centre": "center", "cntr": "center",
    "intl": "international", "prep": "preparatory", "comm": "community",
    "tech": "technical", "sci": "science", "math": "mathematics", "magn": "magnet",
    "n": "north", "s": "south", "e": "east", "w": "west",
    "dr": "doctor", "blvd": "boulevard", "co": "county", "cty": "county",
    "&": "and",
}
_DROP = frozenset({"school", "schools", "sch", "the", "of", "public"})


def normalise_name(text: object) -> str:
    """A school (or city) name reduced for comparison: ``"St. Mary's Elem."`` ->
    ``"saint marys elementary"``."""
    value = str(text or "").casefold().replace("&", " and ")
    value = re.sub(r"['\u2019`]", "", value)
    value = re.sub(r"\bk\s*-\s*(\d+)\b", r"k\1", value)  # K-8 -> k8
    value = re.sub(r"[^0-9a-z]+", " ", value)
    words = [_WORDS.get(w, w) for w in value.split()]
    text = " ".join(w for w in words if w not in _DROP)
    return re.sub(r"\bsenior high\b", "high", text)  # "Senior High" is the high school


def detect_directory_columns(columns: Iterable[object]) -> dict[str, str]:
    """``{directory column: file column}`` for the columns a school file has."""
    keyed: dict[str, str] = {}
    for col in columns:
        keyed.setdefault(column_key(col), str(col))
    found: dict[str, str] = {}
    for target, names in _SYNONYMS.items():
        for name in names:
            col = keyed.get(name)
            if col is not None and col not in found.values():
                found[target] = col
                break
    return found


def school_id(value: object) -> str:
    """A 12-digit NCES school ID from a cell (``1.20039e11`` and 11 digits mended); else the
    text as written (other directories' IDs)."""
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            return ""
        if float(value).is_integer():
            value = int(value)
    text = str(value).strip()
    if re.fullmatch(r"\d{11}", text):
        return "0" + text
    return text


def directory_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A school file as the directory's columns; ValueError naming what is missing.

    Needs an ID column, a name column, and a location (latitude and longitude); rows
    without an ID or a name are left out.
    """
    from geo.codes import find_state, read_zip

    cols = detect_directory_columns(frame.columns)
    missing = [t for t in ("school_id", "name", "latitude", "longitude") if t not in cols]
    if missing:
        raise ValueError(
            f"the school file has no {', '.join(missing)} column. Its columns are: "
            f"{', '.join(map(str, list(frame.columns)[:30]))}. Recognised names: "
            + "; ".join(f"{t}: {', '.join(_SYNONYMS[t][:4])}" for t in missing) + ".")

    def text(target: str) -> list[str]:
        if target not in cols:
            return [""] * len(frame)
        return ["" if pd.isna(v) else str(v).strip() for v in frame[cols[target]].tolist()]

    states = [find_state(v) for v in (frame[cols["state"]].tolist() if "state" in cols
                                      else [None] * len(frame))]
    zips = [read_zip(v) for v in (frame[cols["zip"]].tolist() if "zip" in cols
                                  else [None] * len(frame))]
    leaids = [school_id(v) for v in (frame[cols["leaid"]].tolist() if "leaid" in cols
                                     else [""] * len(frame))]
    out = pd.DataFrame({
        "school_id": [school_id(v) for v in frame[cols["school_id"]].tolist()],
        "name": text("name"),
        "city": text("city"),
        "state": [s.postal if s else "" for s in states],
        "zip": [z.code if z else "" for z in zips],
        "latitude": pd.to_numeric(frame[cols["latitude"]], errors="coerce").to_numpy(float),
        "longitude": pd.to_numeric(frame[cols["longitude"]], errors="coerce").to_numpy(float),
        "leaid": [v.zfill(7) if v.isdigit() and len(v) <= 7 else v for v in leaids],
    })
    out = out[(out["school_id"] != "") & (out["name"] != "")]
    out = out.drop_duplicates("school_id", keep="first").reset_index(drop=True)
    return out


def read_directory(path: str | Path) -> pd.DataFrame:
    """A school file (any format :func:`geo.read.read_sites` reads) as a directory frame."""
    from geo.problems import Report
    from geo.read import read_sites

    return directory_frame(read_sites(path, report=Report()).reset_index(drop=True))


@dataclass(frozen=True)
class Candidate:
    school_id: str
    name: str
    city: str
    score: float


@dataclass(frozen=True)
class NameMatch:
    """``status``: ``"name"`` (placed: ``best``), ``"review"`` (``candidates``) or ``"none"``."""

    status: str
    best: Candidate | None = None
    candidates: tuple[Candidate, ...] = field(default_factory=tuple)


class SchoolDirectory:
    """A directory frame (:data:`DIRECTORY_COLUMNS`) ready for matching."""

    def __init__(self, frame: pd.DataFrame) -> None:
        data = frame.reset_index(drop=True)
        self.frame = data
        self._by_id = {str(s): i for i, s in enumerate(data["school_id"]) if str(s)}
        self._names = [normalise_name(n) for n in data["name"]]
        self._cities = [normalise_name(c) for c in data["city"]]
        states = data["state"].astype(str).tolist()
        zips = data["zip"].astype(str).tolist()
        self._by_city: dict[tuple[str, str], list[int]] = {}
        self._by_zip: dict[str, list[int]] = {}
        self._by_state: dict[str, list[int]] = {}
        for i, (st, city, zp) in enumerate(zip(states, self._cities, zips, strict=True)):
            self._by_city.setdefault((st, city), []).append(i)
            self._by_city.setdefault(("", city), []).append(i)
            if zp:
                self._by_zip.setdefault(zp, []).append(i)
            self._by_state.setdefault(st, []).append(i)

    def __len__(self) -> int:
        return len(self.frame)

    def row(self, position: int) -> dict[Hashable, Any]:
        return self.frame.iloc[position].to_dict()

    def by_id(self, value: object) -> int | None:
        """Position of the school with this ID, or ``None``."""
        key = school_id(value)
        return self._by_id.get(key) if key else None

    def position(self, sid: str) -> int | None:
        return self._by_id.get(sid)

    def by_name(self, name: object, *, city: object = "", state: str = "",
                zip_code: str = "") -> NameMatch:
        """Match a school name written by a person (see the module docstring)."""
        from rapidfuzz import fuzz

        query = normalise_name(name)
        if not query:
            return NameMatch("none")
        city_key = normalise_name(city)
        pool: list[int] = []
        if city_key:
            pool = self._by_city.get((state, city_key), []) if state else \
                self._by_city.get(("", city_key), [])
        if not pool and zip_code:
            pool = [i for i in self._by_zip.get(zip_code, [])
                    if not state or self.frame.at[i, "state"] == state]
        confirmed = bool(pool)
        if not pool and state:
            pool = self._by_state.get(state, [])
        if not pool:
            return NameMatch("none")
        scored = []
        for i in pool:
            target = self._names[i]
            score = (2 * fuzz.token_set_ratio(query, target)
                     + fuzz.token_sort_ratio(query, target)) / 3
            scored.append((score, i))
        scored.sort(key=lambda t: (-t[0], t[1]))
        top = tuple(Candidate(str(self.frame.at[i, "school_id"]), str(self.frame.at[i, "name"]),
                              str(self.frame.at[i, "city"]), round(s, 1))
                    for s, i in scored[:TOP])
        exact = [i for i in pool if self._names[i] == query]
        if confirmed and len(exact) == 1:  # the one school of exactly this name there
            i = exact[0]
            best = Candidate(str(self.frame.at[i, "school_id"]), str(self.frame.at[i, "name"]),
                             str(self.frame.at[i, "city"]), 100.0)
            return NameMatch("name", best, (best,) + tuple(
                c for c in top if c.school_id != best.school_id)[:TOP - 1])
        best_score = scored[0][0]
        second = scored[1][0] if len(scored) > 1 else 0.0
        if confirmed and best_score >= PLACE_SCORE and best_score - second >= MARGIN:
            return NameMatch("name", top[0], top)
        if best_score >= REVIEW_SCORE:
            return NameMatch("review", None, top)
        return NameMatch("none", None, top)


BUNDLED_FILE = "schools_fl.parquet"
BUNDLED_SOURCE = "HIFLD Public Schools, Florida (bundled sample directory)"


def bundled_directory(*, data_dir: Path | str | None = None) -> pd.DataFrame:
    """The directory shipped in ``data/``: Florida's 4,337 public schools (HIFLD)."""
    from geo.boundaries import resolve_data_dir

    return pd.read_parquet(resolve_data_dir(data_dir) / BUNDLED_FILE)


def load_sample_directory(store, *, actor: str) -> int:  # noqa: ANN001 - geo.db.Store
    """Load the bundled directory into an empty ``schools`` table (with the sample data)."""
    if store.school_count():
        return 0
    return store.load_schools(bundled_directory(), source=BUNDLED_SOURCE, actor=actor)


def store_directory(store) -> SchoolDirectory | None:  # noqa: ANN001 - geo.db.Store
    """The database's school directory ready for matching; ``None`` when none is loaded."""
    frame = store.schools_frame()
    return SchoolDirectory(frame) if len(frame) else None
