"""De-duplication: what a file enters twice, or what is stored already.

Partners (:func:`match_partners`, :func:`resolve_partners`)
    The same organization must not be entered twice, so a name is first compared with
    the stored ones after normalising case, spacing and punctuation
    (:func:`geo.db.validation.name_key`: "Communities In Schools, Inc." = "communities in
    schools inc"). A name with no exact match but a close one ("Communities in School" ~
    "Communities In Schools", :mod:`difflib`, or the same name without
    "Inc."/"LLC"/"The") is *not* created silently: the preview carries the suggestion and
    an error, and the user either picks the existing partner or confirms that it is a new
    one (``choices``). A name with nothing close becomes a new partner, without
    public-listing consent.
Rows, sites and activities (:func:`find_duplicates`)
    A row repeating an earlier row (same partner name, same cells ignoring case) is an
    error. A site is the same as a stored or an earlier one when its partner has it with
    the same NCES ID, or under the same name within ~11 m (:func:`site_keys`; two
    different NCES IDs are two schools even at one place): importing sites, that is an
    error; importing activities, the activity goes to that site. An activity equal to a
    stored one in every field is an error.
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from geo.db.validation import name_key
from geo.importer.cells import cell_text
from geo.importer.rowchecks import MAX_NAME, Row, RowChecker
from geo.problems import Report
from geo.schema import Frames

Choice = int | Literal["new"]
How = Literal["exact", "chosen", "new", "unsure"]
_CUTOFF = 0.8
_LEGAL = re.compile(r"\b(inc|incorporated|llc|ltd|corp|corporation|co|the|of america)\b")
_PLACE_DECIMALS = 4  # ~11 m: the same name at the same place is the same site


@dataclass(frozen=True)
class PartnerMatch:
    """What one partner name of the file resolves to.

    ``how``: ``"exact"`` (same normalised name as ``partner_id``), ``"chosen"`` (the
    caller picked ``partner_id``), ``"new"`` (a partner will be created; ``confirmed``
    when the caller said so), or ``"unsure"`` (close to ``suggestions``; the caller must
    choose). ``suggestions`` are ``(partner_id, stored name)``, closest first.
    """

    name: str
    how: How
    partner_id: int | None = None
    existing_name: str | None = None
    suggestions: tuple[tuple[int, str], ...] = ()
    rows: tuple[int, ...] = field(default=(), compare=False)

    @property
    def is_new(self) -> bool:
        return self.how in ("new", "unsure")

    def describe(self) -> str:
        """One line for a summary: ``'X' -> existing partner 3 ('X Inc')``."""
        if self.how in ("exact", "chosen"):
            return f"{self.name!r} -> existing partner {self.partner_id} ({self.existing_name!r})"
        if self.how == "new":
            return f"{self.name!r} -> new partner"
        options = ", ".join(f"{n!r} (id {i})" for i, n in self.suggestions)
        return f"{self.name!r} -> not found; did you mean {options}?"


def _loose(key: str) -> str:
    return " ".join(_LEGAL.sub(" ", key).split())


def loose_words(name: str) -> list[str]:
    """The words de-duplication compares a name by: :func:`name_key` (case, spacing and
    punctuation ignored) without the legal words ("Inc", "LLC", "Corp", "The")."""
    return _loose(name_key(name)).split()


def match_partners(
    names: Mapping[str, list[int]],
    stored: pd.DataFrame,
    *,
    choices: Mapping[str, Choice] | None = None,
) -> dict[str, PartnerMatch]:
    """Resolve each file name (-> its row numbers) against ``stored`` live partners.

    ``stored`` has ``partner_id`` and ``name``. ``choices`` maps a file name (compared
    normalised) to an existing ``partner_id`` or ``"new"``. Returns file name -> match.
    Raises ``ValueError`` for a choice that names no stored partner.
    """
    ids = [int(i) for i in stored["partner_id"]]
    stored_names = [str(n) for n in stored["name"]]
    by_key = {name_key(n): (i, n) for i, n in zip(ids, stored_names, strict=True)}
    by_id = dict(zip(ids, stored_names, strict=True))
    loose: dict[str, list[tuple[int, str]]] = {}
    for key, entry in by_key.items():
        loose.setdefault(_loose(key), []).append(entry)
    chosen = {name_key(k): v for k, v in (choices or {}).items()}
    out: dict[str, PartnerMatch] = {}
    for name, rows in names.items():
        key = name_key(name)
        rows_t = tuple(rows)
        if key in by_key:
            pid, existing = by_key[key]
            out[name] = PartnerMatch(name, "exact", pid, existing, rows=rows_t)
            continue
        choice = chosen.get(key)
        if isinstance(choice, int) and not isinstance(choice, bool):
            if choice not in by_id:
                raise ValueError(f"partner id {choice} chosen for {name!r} is not a stored "
                                 "partner; choose one of the suggestions or 'new'")
            out[name] = PartnerMatch(name, "chosen", choice, by_id[choice], rows=rows_t)
            continue
        if choice is not None and choice != "new":
            raise ValueError(f"the choice for {name!r} must be a partner id or 'new' "
                             f"(got {choice!r})")
        suggestions = _suggestions(key, by_key, loose)
        how: How = "new" if choice == "new" or not suggestions else "unsure"
        out[name] = PartnerMatch(name, how, suggestions=suggestions, rows=rows_t)
    return out


def _suggestions(
    key: str, by_key: dict[str, tuple[int, str]], loose: dict[str, list[tuple[int, str]]]
) -> tuple[tuple[int, str], ...]:
    found: list[tuple[int, str]] = list(loose.get(_loose(key), []))
    for close in difflib.get_close_matches(key, list(by_key), n=3, cutoff=_CUTOFF):
        if by_key[close] not in found:
            found.append(by_key[close])
    return tuple(found[:3])


def resolve_partners(records: list[Row], stored: pd.DataFrame,
                     choices: Mapping[str, Choice] | None, *, report: Report,
                     column: str) -> dict[str, PartnerMatch]:
    """Match every partner name; set each record's ``partner_ref``; report the unsure."""
    names: dict[str, list[int]] = {}
    spelling: dict[str, str] = {}
    for rec in records:
        if rec.partner and len(rec.partner) <= MAX_NAME:
            key = name_key(rec.partner)
            if not key:
                continue
            first = spelling.setdefault(key, rec.partner)
            names.setdefault(first, []).append(rec.row)
    matches = match_partners(names, stored, choices=choices)
    refs = {name_key(n): (m.partner_id if m.partner_id is not None else ("new", name_key(n)))
            for n, m in matches.items()}
    for rec in records:
        rec.partner_ref = refs.get(name_key(rec.partner)) if rec.partner else None
    for match in matches.values():
        n = len(match.rows)
        rows = f"{n:,} row{'s' if n != 1 else ''}, first row {match.rows[0]}"
        if match.how == "unsure":
            options = " or ".join(f"{name!r} (partner {pid})" for pid, name in match.suggestions)
            report.error(
                f"The partner {match.name!r} ({rows}) is not in the database, but {options} "
                "is close: the same organization?",
                column=column, table="partners",
                fix=f"If it is, write the name exactly as {match.suggestions[0][1]!r} (or "
                "choose it); if it is another organization, confirm it as a new partner.",
            )
        elif match.how == "new":
            report.warning(
                f"A new partner {match.name!r} will be created ({rows}). It is not listed "
                "publicly until its consent is recorded.",
                column=column, table="partners",
                fix="If the partner is already in the map under another name, use that name.",
            )
    return matches


# --- rows, sites and activities --------------------------------------------------------
def find_duplicates(checker: RowChecker, records: list[Row], stored: Frames) -> None:
    """Repeated rows, sites already stored or repeated, activities already stored."""
    seen: dict[tuple, int] = {}
    repeated: set[int] = set()
    for k, rec in enumerate(records):
        key = (name_key(rec.partner),) + tuple(
            cell_text(checker.cells[t][k]).casefold() for t in checker.cells if t != "partner")
        if key in seen:
            checker.error(rec.row, None, f"This row repeats row {seen[key]}.",
                       "Delete one of the two rows.")
            repeated.add(rec.row)
        else:
            seen[key] = rec.row
    stored_sites = _stored_site_keys(stored)
    new_sites: dict[tuple, tuple[int, bool, object]] = {}  # (row, has_nces, site_ref)
    for rec in records:
        if rec.row in repeated or not rec.location or rec.partner_ref is None:
            continue
        rec.site_keys = site_keys(rec)
        has_nces = bool(rec.values.get("nces_id"))
        existing, how = _same_site(rec.site_keys, stored_sites, has_nces=has_nces)
        earlier, how_new = _same_site(rec.site_keys, new_sites, has_nces=has_nces)
        if checker.kind == "sites":
            if existing is not None:
                checker.error(rec.row, _KEY_COLUMN[how], f"This site is already in the "
                           f"database (site {existing[0]}, {existing[2]!r}; same {how}).",
                           "Remove the row: the site is stored already (edit it there).")
            elif earlier is not None:
                checker.error(rec.row, _KEY_COLUMN[how_new], f"The same site as row "
                           f"{earlier[0]} (same {how_new}).", "Keep one row per site.")
        if existing is not None:
            rec.site_ref = existing[0]
        elif earlier is not None:
            rec.site_ref = earlier[2]
        else:
            rec.site_ref = rec.site_keys[0]
            for key in rec.site_keys:
                new_sites.setdefault(key, (rec.row, has_nces, rec.site_ref))
    if checker.kind == "activities":
        _stored_activities(checker, records, stored, repeated)

def _stored_activities(checker: RowChecker, records: list[Row], stored: Frames,
                       repeated: set[int]) -> None:
    acts = stored.activities
    if acts.empty:
        return
    keys: dict[tuple, int] = {}
    columns = [acts[c].tolist() for c in (
        "activity_id", "partner_id", "site_id", "area_level", "area_id", "kind_of_work",
        "principles", "status", "start_date", "end_date", "contact", "notes")]
    for aid, pid, sid, level, area, *rest in zip(*columns, strict=True):
        site = None if pd.isna(sid) else int(sid)
        start, end = (None if pd.isna(d) else pd.Timestamp(d).date() for d in rest[3:5])
        keys[(int(pid), site, level, area, rest[0], rest[1], rest[2], start, end,
              rest[5], rest[6])] = int(aid)
    for rec in records:
        if rec.row in repeated or not isinstance(rec.partner_ref, int):
            continue
        key = _activity_key(rec)
        if key is not None and key in keys:
            checker.error(rec.row, None, f"This activity is already in the database "
                       f"(activity {keys[key]}).", "Remove the row: it was imported before.")


_KEY_COLUMN = {"NCES ID": "nces_id", "name and place": "site_name"}


def site_keys(rec: Row) -> tuple[tuple, ...]:
    """The NCES key (when the row has an NCES ID) and the name-and-place key."""
    loc = rec.location
    place = ("place", rec.partner_ref, name_key(rec.site_name),
             round(float(loc["latitude"]), _PLACE_DECIMALS),
             round(float(loc["longitude"]), _PLACE_DECIMALS))
    nces = rec.values.get("nces_id")
    return ((("nces", rec.partner_ref, nces),) if nces else ()) + (place,)


def _same_site(keys: tuple[tuple, ...], known: Mapping[tuple, tuple], *,
               has_nces: bool) -> tuple[tuple | None, str]:
    """The known site (entry, and what matched) for ``keys``, or ``(None, "")``.

    Two sites with different NCES IDs are different schools even at the same place
    under the same name (a charter counted in two districts), so the name-and-place key
    only matches when one of the two has no NCES ID. Entries are ``(id or row,
    has_nces, ...)``.
    """
    for key in keys:
        entry = known.get(key)
        if entry is None:
            continue
        if key[0] == "nces":
            return entry, "NCES ID"
        if not (has_nces and entry[1]):
            return entry, "name and place"
    return None, ""


def _stored_site_keys(stored: Frames) -> dict[tuple, tuple[int, bool, str]]:
    """Keys of the stored live sites -> ``(site_id, has_nces, name)``."""
    sites = stored.sites
    out: dict[tuple, tuple[int, bool, str]] = {}
    if sites.empty:
        return out
    for sid, pid, name, nces, lat, lon in zip(
            sites["site_id"], sites["partner_id"], sites["name"], sites["nces_id"],
            sites["latitude"], sites["longitude"], strict=True):
        entry = (int(sid), bool(nces), str(name))
        if nces:
            out.setdefault(("nces", int(pid), str(nces)), entry)
        if not (pd.isna(lat) or pd.isna(lon)):
            out.setdefault(("place", int(pid), name_key(str(name)),
                            round(float(lat), _PLACE_DECIMALS),
                            round(float(lon), _PLACE_DECIMALS)), entry)
    return out


def _activity_key(rec: Row) -> tuple | None:
    v = rec.values
    place: tuple[int | None, str, str]
    if rec.point:
        if not isinstance(rec.site_ref, int):
            return None
        place = (rec.site_ref, "site", "")
    elif rec.area is not None:
        place = (None, *rec.area)
    else:
        return None
    return (rec.partner_ref, *place, v.get("kind_of_work"), v.get("principles"),
            v.get("status"), v.get("start_date"), v.get("end_date"), v.get("contact"),
            v.get("notes"))
