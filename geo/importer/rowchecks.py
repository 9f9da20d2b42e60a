"""Checking the rows of an import one by one: every cell, every problem reported.

:class:`RowChecker` reads each mapped row into a :class:`Row` (clean values, its place
when it is over an area, what it resolves to later) and adds every problem it finds to the
report with the row (spreadsheet numbering: header = row 1) and the file's own column
name: formula-like text, empty or too long names, codes and principles not in the
vocabularies (with the closest one as a one-click fix), dates, NCES IDs, the Yes/No
``community_school`` column against ``site_kind``, and area codes (district, county,
state) of rows placed over an area. Point rows are placed afterwards by
:mod:`geo.importer.place_points`, duplicates found by :mod:`geo.importer.dedupe`.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from geo.importer import area_codes
from geo.importer.cells import (
    CellError,
    cell_text,
    check_text,
    code_digits,
    is_blank,
    parse_date,
    yes_no,
    zip5,
)
from geo.importer.terms import VOCABULARIES, split_principles
from geo.problems import Report
from geo.schema import SITE_KINDS

MAX_NAME = 300


@dataclass
class Row:
    """One input row as checked: clean values, its place and what it resolves to."""

    row: int
    partner: str = ""
    site_name: str = ""
    values: dict[str, object] = field(default_factory=dict)
    point: bool = False
    area: tuple[str, str] | None = None  # (area_level, area_id)
    place_label: str = ""
    location: dict[str, Any] = field(default_factory=dict)  # the placed columns
    partner_ref: object = None  # existing partner_id (int) or ("new", key)
    site_keys: tuple[tuple, ...] = ()
    site_ref: object = None  # existing site_id (int) or a site key of a new site
    failed: set[str] = field(default_factory=set)  # cells already reported unreadable


class RowChecker:
    """Checks the mapped rows one by one, adding every problem to the report."""

    def __init__(self, data: pd.DataFrame, *, kind: str, report: Report,
                 mapping: Mapping[str, str], fill: str | None) -> None:
        self.kind = kind
        self.report = report
        self.mapping = mapping
        self.data = data
        self.fill = fill
        self.rows = [int(r) for r in data.index]
        self.cells = {t: data[t].tolist() for t in data.columns}
        self.blank_is_no = blank_means_no(self.cells.get("community_school"))

    def src(self, target: str) -> str:
        return self.mapping.get(target, target)

    def error(self, row: int, target: str | None, message: str, fix: str, *,
              value: str | None = None, suggestion: str | None = None) -> None:
        """Report an error; ``value`` -> ``suggestion``: the one obvious replacement of
        the cell, when there is one (a one-click fix on the page)."""
        self.report.error(message, row=row, column=self.src(target) if target else None,
                          fix=fix, value=value if suggestion is not None else None,
                          suggestion=suggestion, table=self.kind)

    def warning(self, row: int, target: str, message: str, fix: str) -> None:
        """Report a warning about the cell of ``target`` in ``row``."""
        self.report.warning(message, row=row, column=self.src(target), fix=fix,
                            table=self.kind)

    def text(self, target: str, i: int) -> str:
        values = self.cells.get(target)
        return "" if values is None else cell_text(values[i])

    # --- per row -----------------------------------------------------------------
    def check_rows(self) -> list[Row]:
        return [self._check(i) for i in range(len(self.rows))]

    def _check(self, i: int) -> Row:
        row = Row(row=self.rows[i])
        texts: dict[str, str] = {}
        for target in self.cells:
            value = self.text(target, i)
            if value and target not in ("latitude", "longitude", "start_date", "end_date"):
                try:
                    check_text(value)
                except CellError as exc:
                    self.error(row.row, target, exc.message, exc.fix)
                    row.failed.add(target)
                    value = ""
            texts[target] = value
        row.partner = texts.get("partner") or self.fill or ""
        self._name(row, "partner", row.partner, "partner", "Fill in the partner's name"
                   + ("." if "partner" in self.cells and self.fill is None else
                      ", or choose one partner for the whole file."))
        row.point = self.kind == "sites" or any(
            not is_blank(self.cells[t][i]) for t in ("latitude", "longitude", "zip", "address")
            if t in self.cells) or bool(
            "nces_id" in self.cells and not is_blank(self.cells["nces_id"][i])
            and not any(texts.get(t) for t in ("district_geoid", "county_fips")))
        v = row.values
        v["site_kind"] = self._site_kind(row, texts)
        v["nces_id"] = self._nces(row, texts.get("nces_id", ""))
        v["website"] = texts.get("website", "")
        if self.kind == "sites":
            v["contact"] = texts.get("contact", "")  # the site's (an activity's: below)
        if row.point:
            row.site_name = texts.get("site_name", "")
            self._name(row, "site_name", row.site_name, "site name",
                       "Fill in the name of the school or place (a row placed by coordinates "
                       "or ZIP code creates a site).")
            v["zip"] = self._zip(texts.get("zip", ""))
        else:
            self._area(row, texts)
        if self.kind == "activities":
            self._activity(row, i, texts)
        return row

    def _name(self, row: Row, target: str, value: str, what: str, fix: str) -> None:
        if target in row.failed:
            return
        if not value:
            if target not in self.cells and target != "partner":
                return
            self.error(row.row, target, f"The {what} is empty.", fix)
        elif len(value) > MAX_NAME:
            self.error(row.row, target, f"The {what} is {len(value)} characters long.",
                       f"Shorten it to at most {MAX_NAME} characters.")

    def _code(self, row: Row, target: str, text: str, *, default: str | None) -> str | None:
        if target in row.failed:
            return None
        if not text:
            if default is None:
                vocab = VOCABULARIES[target]
                self.error(row.row, target, f"The {target} is empty.",
                           f"Give one of: {vocab.choices()}.")
            return default
        vocab = VOCABULARIES[target]
        code = vocab.read(text)
        if code is None:
            close = vocab.suggest_code(text)
            fix = (f"Did you mean {vocab.show(close)}? " if close else "") + \
                f"Use one of: {vocab.choices()}."
            self.error(row.row, target, f"{text!r} is not a valid {target}.", fix,
                       value=text, suggestion=close)
        return code

    def _site_kind(self, row: Row, texts: dict[str, str]) -> str | None:
        """The site's kind from ``site_kind`` and a Yes/No ``community_school`` column.

        Yes makes a community school, No a school that is not one (or the office or
        affiliate ``site_kind`` names); an empty cell means No in a column that marks
        community schools and never says No, else it leaves the kind to ``site_kind``
        (default community_school) with a warning. A Yes/No that contradicts
        ``site_kind`` is an error.
        """
        stated = texts.get("site_kind", "")
        kind = self._code(row, "site_kind", stated, default="community_school")
        if "community_school" not in self.cells or "community_school" in row.failed:
            return kind
        text = texts.get("community_school", "")
        try:
            answer = yes_no(text)
        except CellError as exc:
            self.error(row.row, "community_school", exc.message,
                       exc.fix + " If the column holds something else, map it to its own "
                       "column (or to '(not used)') instead.")
            return kind
        if answer is None:
            if self.blank_is_no is None:  # an empty column: site_kind decides
                return kind
            if not self.blank_is_no:
                if kind is not None:
                    self.warning(
                        row.row, "community_school",
                        "The cell is empty, so the site is recorded as "
                        f"\u201c{SITE_KINDS[kind]}\u201d "
                        f"({'from site_kind' if stated else 'the default'}).",
                        "Write Yes or No to say whether it is a community school.")
                return kind
            answer = False
        if stated and kind is not None and (kind == "community_school") != answer:
            self.error(row.row, "community_school",
                       f"{text or '(empty)'!r} says the site is "
                       f"{'' if answer else 'not '}a community school, but the "
                       f"{self.src('site_kind')!r} column says {stated!r}.",
                       "Correct one of the two cells (or leave site_kind empty).")
            return None
        if answer:
            return "community_school"
        return kind if stated and kind is not None else "school"

    def _nces(self, row: Row, text: str) -> str:
        if not text:
            return ""
        try:
            return code_digits(text, digits=12, what="NCES school ID",
                               example="120111001162")
        except CellError as exc:
            self.error(row.row, "nces_id", exc.message, exc.fix + " Or leave it empty.")
            return ""

    def _zip(self, text: str) -> str:
        try:
            return zip5(text) if text else ""
        except CellError:
            return ""  # reported by geo.locate when it is needed to place the site

    def _area(self, row: Row, texts: dict[str, str]) -> None:
        readers = (("district_geoid", "district", area_codes.district),
                   ("county_fips", "county", area_codes.county),
                   ("state", "state", area_codes.state))
        if row.failed & {"district_geoid", "county_fips", "state", "zip"}:
            return
        for target, level, reader in readers:
            text = texts.get(target, "")
            if not text:
                continue
            try:
                if level == "state":
                    code, _postal, name = reader(text)
                    state_fips = code
                else:
                    code, name, state_fips = reader(text)
            except CellError as exc:
                self.error(row.row, target, exc.message, exc.fix)
                return
            row.area = (level, code)
            row.place_label = f"{level}-wide: {name} ({code})"
            self._stated_state(row, texts, state_fips, level)
            finer = [t for t in ("latitude", "zip", "district_geoid", "county_fips")
                     if t in self.cells and t != target]
            if level == "state" and finer:
                # Other rows give a finer place: this one's may be missing, not meant.
                self.warning(
                    row.row, "state",
                    f"Only a state ({text}) is given: the row becomes state-wide work across "
                    f"{name}, counted in no county or district.",
                    "If the work is at a school or in one district or county, fill in "
                    f"{' or '.join(finer)}; leave it as it is for state-wide work.")
            if texts.get("site_name"):
                self.warning(
                    row.row, "site_name",
                    f"The site name {texts['site_name']!r} is not used: the row has no "
                    f"coordinates or ZIP code, so it is {level}-wide work.",
                    "Add latitude and longitude (or a ZIP code) to record it at the site.")
            return
        given = [t for t in ("latitude", "zip", "district_geoid", "county_fips", "state")
                 if t in self.cells]
        self.error(row.row, given[0] if given else None, "The row gives no place.",
                   "Fill in latitude and longitude, a ZIP code, a district_geoid, a "
                   "county_fips or a state (postal code).")

    def _stated_state(self, row: Row, texts: dict[str, str], state_fips: str,
                      level: str) -> None:
        if level == "state" or not texts.get("state"):
            return
        try:
            stated = area_codes.state(texts["state"])
        except CellError:
            return
        if stated[0] != state_fips:
            self.warning(
                row.row, "state",
                f"The state column says {texts['state']!r}, but the {level} is in another "
                f"state (FIPS {state_fips}).",
                "Check the code and the state: one of them is wrong.")

    def _activity(self, row: Row, i: int, texts: dict[str, str]) -> None:
        v = row.values
        v["kind_of_work"] = self._code(row, "kind_of_work", texts.get("kind_of_work", ""),
                                       default=None)
        v["status"] = self._code(row, "status", texts.get("status", ""), default="active")
        v["principles"] = self._principles(row, texts.get("principles", ""))
        dates = {}
        for target in ("start_date", "end_date"):
            try:
                dates[target] = parse_date(self.cells[target][i]) if target in self.cells \
                    else None
                if dates[target] is not None:
                    check_text(texts[target])
            except CellError as exc:
                self.error(row.row, target, exc.message, exc.fix,
                           value=texts.get(target), suggestion=exc.suggestion)
                dates[target] = None
        start, end = dates["start_date"], dates["end_date"]
        if start and end and end < start:
            self.error(row.row, "end_date", f"The end date {end} is before the start date "
                       f"{start}.", "Correct one of the dates: the end must be on or after "
                       "the start.")
        v.update(dates)
        v["contact"] = texts.get("contact", "")
        v["notes"] = texts.get("notes", "")

    def _principles(self, row: Row, text: str) -> str:
        vocab = VOCABULARIES["principles"]
        good: list[str] = []
        unknown: list[tuple[str, str | None]] = []
        for item in split_principles(text):
            code = vocab.read(item)
            if code is None:
                unknown.append((item, vocab.suggest_code(item)))
            elif code not in good:
                good.append(code)
        # The cell as it would read with every unknown item replaced by its closest
        # principle: one replacement for the whole cell (None unless each has one).
        mended = None
        if unknown and all(close for _, close in unknown):
            close_of = dict(unknown)
            mended = "; ".join(close_of.get(item) or item for item in split_principles(text))
        for item, close in unknown:
            self.error(row.row, "principles", f"{item!r} is not one of the principles.",
                       (f"Did you mean {close}? " if close else "")
                       + f"Use these, separated by ';': {vocab.choices()}.",
                       value=text, suggestion=mended)
        return ";".join(good)


def blank_means_no(values: list[object] | None) -> bool | None:
    """What an empty cell of a Yes/No ``community_school`` column says.

    ``None`` when the column says nothing (all empty, or not mapped): ``site_kind``
    decides. ``True`` when it marks community schools and never says No (Yes or x on
    some rows, the others empty). ``False`` when it says No somewhere: an empty cell is
    then unknown.
    """
    if values is None:
        return None
    answers = set()
    for value in values:
        try:
            answers.add(yes_no(value))
        except CellError:
            continue
    if False in answers:
        return False
    return True if True in answers else None

