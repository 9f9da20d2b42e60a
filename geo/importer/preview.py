"""Prepare an import (read, map, check every row, locate, match partners), then commit it.

:func:`prepare_import` never writes and never stops at the first problem: it returns an
:class:`ImportPreview` with the validation report (row, column, message, fix), the rows
it would write (as :class:`geo.schema.Frames` with provisional negative ids), the
rejected rows with their reasons, the partner matches and counts. A page shows it,
lets the user fix the column mapping or choose partners, and prepares again;
:func:`commit_import` then writes it in one transaction.

All or nothing
    :func:`commit_import` refuses a preview with any error. With
    ``valid_rows_only=True`` the caller may choose to write the rows without errors
    (the rejected ones are listed for download); problems with the whole file (a
    missing column, an unresolved partner name) always refuse. The command line uses
    all-or-nothing unless ``--skip-bad-rows`` is given. A preview made from a store
    remembers the store's ``data_version``; if anything was written since, the commit
    is refused and the import must be prepared again (its partner matches and
    duplicate checks would be out of date).
"""
from __future__ import annotations

import io
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

import numpy as np
import pandas as pd

from geo.db.validation import name_key
from geo.importer import area_codes
from geo.importer.cells import (
    CellError,
    cell_text,
    check_text,
    code_digits,
    is_blank,
    is_formula_like,
    parse_date,
    yes_no,
    zip5,
)
from geo.importer.fixes import Corrections, Fix, apply_corrections, suggested_fixes
from geo.importer.mapping import (
    ACTIVITY_ONLY,
    TARGETS,
    _check_kind,
    mapping_problems,
    required_targets,
    suggest_mapping,
)
from geo.importer.partners import Choice, PartnerMatch, match_partners
from geo.importer.terms import VOCABULARIES, split_principles
from geo.problems import Problem, Report
from geo.safe import safe_url
from geo.schema import ACTIVITY_COLUMNS, PARTNER_COLUMNS, SITE_COLUMNS, SITE_KINDS, Frames

if TYPE_CHECKING:
    from geo.db import Store
    from geo.locate import Placement
    from geo.schools import SchoolDirectory

_MAX_NAME = 300
_STATE_COLUMN = "__stated_state__"
_NCES_COLUMN = "__row_school_code__"  # no synonym of a site-ID column
_PLACE_DECIMALS = 4  # ~11 m: the same name at the same place is the same site


class ImportRefused(Exception):
    """:func:`commit_import` wrote nothing; ``problems`` says why."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


@dataclass
class _Row:
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


@dataclass
class ImportPreview:
    """Everything the preview step shows and the commit step needs (see module doc)."""

    filename: str
    kind: str
    columns: list[str]
    mapping: dict[str, str]
    suggested: dict[str, str]
    missing: list[str]
    report: Report
    frames: Frames
    partners: dict[str, PartnerMatch]
    rows: pd.DataFrame
    rejected: pd.DataFrame
    counts: dict[str, int]
    data_version: int | None = None
    # How the point rows were placed (geo.locate.Placement): rows per location_source,
    # the CRS of projected coordinates ("" for degrees) and whether it was detected,
    # the school names left for a person to review, and the workbook sheet read.
    placed: dict[str, int] = field(default_factory=dict)
    crs: str = ""
    crs_detected: bool = False
    review: pd.DataFrame = field(default_factory=pd.DataFrame)
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    # The corrections applied to the file's cells: (column, value) -> cells changed.
    corrected: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def file_errors(self) -> list[Problem]:
        return [p for p in self.report.errors() if p.row is None]

    @property
    def has_errors(self) -> bool:
        return self.report.has_errors()

    def fixes(self) -> list[Fix]:
        """The one-click fixes the errors suggest (see :mod:`geo.importer.fixes`)."""
        return suggested_fixes(self.report)

    def can_commit(self, *, valid_rows_only: bool = False) -> bool:
        """True when :func:`commit_import` would write (see the module docstring)."""
        if self.file_errors or self.counts.get("rows_valid", 0) == 0:
            return False
        return valid_rows_only or not self.has_errors

    def rejected_csv(self) -> bytes:
        """The rejected rows with a ``problems`` column, as CSV (UTF-8 with BOM for Excel).

        Formula-like cells (the rule of :func:`geo.importer.cells.is_formula_like`) get
        the leading apostrophe of :func:`geo.safe.spreadsheet_cell`; coordinates such as
        ``-84.28`` and phone numbers stay as they were, so the file can be fixed and
        imported again.
        """
        from geo.safe import spreadsheet_cell

        safe = self.rejected.copy()
        for column in safe.columns:
            if safe[column].dtype == "str" or safe[column].dtype == object:
                # A number or phone number keeps its leading sign; any other text gets
                # the one neutraliser (leading and after-separator formulas).
                safe[column] = safe[column].map(
                    lambda v: spreadsheet_cell(v) if isinstance(v, str) and (
                        is_formula_like(v) or not v.startswith(("+", "-"))) else v)
        safe.columns = [spreadsheet_cell(c) if is_formula_like(str(c)) else c
                        for c in safe.columns]
        buffer = io.StringIO()
        safe.to_csv(buffer, index=False)
        return buffer.getvalue().encode("utf-8-sig")

    def summary(self) -> str:
        c = self.counts
        if self.file_errors:
            return f"{self.filename}: cannot be imported ({len(self.file_errors)} problem(s) " \
                "with the whole file)"
        what = f"{c['new_sites']:,} new sites"
        if self.kind == "activities":
            what = f"{c['new_activities']:,} activities ({c['new_sites']:,} new sites)"
        partners = f"{c['new_partners']:,} new and {c['existing_partners']:,} existing partners"
        return (f"{self.filename}: {c['rows_read']:,} rows, {c['rows_valid']:,} ready to import "
                f"as {what} for {partners}; {c['rows_rejected']:,} rejected; "
                f"{len(self.report.warnings()):,} warnings")


# --- public API ------------------------------------------------------------------------
def prepare_import(
    source: str | os.PathLike[str] | bytes,
    *,
    kind: str,
    filename: str | None = None,
    store: Store | None = None,
    frames: Frames | None = None,
    partner: str | None = None,
    mapping: Mapping[str, str] | None = None,
    partner_choices: Mapping[str, Choice] | None = None,
    max_bytes: int | None = None,
    crs: str | None = None,
    sheet: str | None = None,
    schools: SchoolDirectory | None = None,
    school_choices: Mapping[int, str] | None = None,
    corrections: Corrections | None = None,
) -> ImportPreview:
    """Read ``source`` (a path, or uploaded bytes named ``filename``) and check it all.

    ``kind`` is ``"sites"`` or ``"activities"``. The stored records come from ``store``
    (its ``data_version`` is remembered) or ``frames``. ``partner`` fills the partner of
    rows without one (files without a ``partner`` column). ``mapping`` is ``{target:
    source column}``; default :func:`~geo.importer.mapping.suggest_mapping`.
    ``partner_choices`` resolves names that are close to a stored partner: ``{name:
    partner_id or "new"}``. ``max_bytes`` defaults to the ``PARTNERMAP_MAX_UPLOAD_MB``
    setting (50 MB). ``crs``, ``schools`` and ``school_choices`` are those of
    :func:`geo.locate.place_frame` (the CRS of projected coordinates, the school
    directory, a person's picks for school names in review); ``sheet`` the workbook
    sheet to read (default: the first). ``corrections`` (``{(column, value):
    replacement}``, see :mod:`geo.importer.fixes`) are applied to the file's cells
    before any check; the preview's ``corrected`` says how many cells each changed.
    """
    _check_kind(kind)
    if (store is None) == (frames is None):
        raise TypeError("give exactly one of store= or frames=")
    data_version = None
    if store is not None:
        data_version = store.data_version()  # before reading: a later write is noticed
        frames = store.frames()
    assert frames is not None
    name = filename or ("upload" if isinstance(source, (bytes, bytearray)) else Path(source).name)
    report = Report()
    fill = (partner or "").strip() or None
    state = _State(kind=kind, name=name, report=report, data_version=data_version)
    state.place_options = {"crs": crs, "schools": schools, "school_choices": school_choices}
    state.sheet = sheet
    if name.lower().endswith(".xlsx"):
        from geo.read import sheet_names

        state.sheets = sheet_names(bytes(source) if isinstance(source, (bytes, bytearray))
                                   else source)

    if fill is not None:
        try:
            check_text(fill)
        except CellError as exc:
            report.error(f"The partner name given for the file: {exc.message}",
                         column="partner", fix=exc.fix)
    raw = _read(source, name=name, max_bytes=max_bytes, report=report, sheet=sheet)
    if raw is None:
        return state.failed()
    if corrections:
        raw, state.corrected = apply_corrections(raw, corrections)
    state.columns = [str(c) for c in raw.columns]
    state.suggested = suggest_mapping(state.columns)
    used = dict(state.suggested if mapping is None else mapping)
    state.mapping = used
    _check_header(state.columns, report=report)
    problems = mapping_problems(state.columns, used, kind=kind, partner_given=fill is not None,
                                names_place=schools is not None)
    if problems:
        report.extend(problems)
        hint = _delimiter_hint(state.columns)
        if hint is not None:
            report.add(hint)
        state.missing = [t for t in required_targets(kind, partner_given=fill is not None)
                         if t not in used]
        return state.failed()
    if report.errors():
        return state.failed()
    if kind == "sites":
        ignored = [t for t in ACTIVITY_ONLY if t in used]
        if ignored:
            report.warning(
                "These columns are not used when importing sites: "
                + ", ".join(f"{used[t]!r} ({t})" for t in ignored) + ".",
                fix="Import the file as activities to record the work too.",
            )
    data = pd.DataFrame({t: raw[used[t]] for t in TARGETS if t in used}, index=raw.index)
    checker = _Checker(state, data, fill=fill)
    records = checker.check_rows()
    checker.locate(records)
    try:
        state.partners = _resolve_partners(records, frames.partners, partner_choices,
                                           report=report, column=checker.src("partner"))
    except ValueError as exc:
        report.error(str(exc), column=checker.src("partner"),
                     fix="Choose a partner id from the suggestions, or 'new'.")
        return state.failed()
    checker.duplicates(records, frames)
    return state.finish(raw, records, frames)


def commit_import(store: Store, preview: ImportPreview, *, actor: str,
                  valid_rows_only: bool = False) -> dict[str, int]:
    """Write ``preview`` in one transaction and return the rows written per table.

    Raises :class:`ImportRefused` (nothing written) when the preview has errors (unless
    ``valid_rows_only``), problems with the whole file, nothing to write, or when the
    database changed since the preview was prepared.
    """
    from geo.db import ValidationError

    if preview.file_errors:
        raise ImportRefused(f"{preview.filename} cannot be imported; nothing was written.",
                            preview.file_errors)
    if preview.has_errors and not valid_rows_only:
        n = preview.counts["rows_rejected"]
        raise ImportRefused(
            f"{n:,} row(s) of {preview.filename} have errors, so nothing was written. Fix "
            "them and import again, or choose to import only the valid rows.",
            preview.report.errors())
    if preview.counts["rows_valid"] == 0:
        raise ImportRefused(f"{preview.filename} has no row to import; nothing was written.")
    if preview.data_version is not None and store.data_version() != preview.data_version:
        raise ImportRefused("The database changed since this import was checked (someone "
                            "saved a record); nothing was written. Check the file again, "
                            "then import.")
    try:
        return store.load_frames(preview.frames, actor=actor)
    except ValidationError as exc:
        raise ImportRefused("The database refused the import; nothing was written.",
                            _file_rows(exc.problems, preview.frames)) from None


# --- steps -----------------------------------------------------------------------------
class _PlaceOptions(TypedDict, total=False):
    """The options of :func:`geo.locate.place_frame` that the caller gave."""

    crs: str | None
    schools: SchoolDirectory | None
    school_choices: Mapping[int, str] | None


@dataclass
class _State:
    kind: str
    name: str
    report: Report
    data_version: int | None
    columns: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    suggested: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    partners: dict[str, PartnerMatch] = field(default_factory=dict)
    place_options: _PlaceOptions = field(default_factory=lambda: _PlaceOptions())
    placement: Placement | None = None  # of the point rows
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    corrected: dict[tuple[str, str], int] = field(default_factory=dict)

    def preview(self, frames: Frames, rows: pd.DataFrame, rejected: pd.DataFrame,
                counts: dict[str, int]) -> ImportPreview:
        placed = self.placement
        return ImportPreview(
            filename=self.name, kind=self.kind, columns=self.columns, mapping=self.mapping,
            suggested=self.suggested, missing=self.missing, report=self.report,
            frames=frames, partners=self.partners, rows=rows, rejected=rejected,
            counts=counts, data_version=self.data_version,
            placed=placed.counts() if placed is not None else {},
            crs=placed.crs if placed is not None else "",
            crs_detected=bool(placed.crs_detected) if placed is not None else False,
            review=placed.review if placed is not None else pd.DataFrame(),
            sheet=self.sheet or (self.sheets[0] if self.sheets else None),
            sheets=self.sheets, corrected=self.corrected)

    def failed(self) -> ImportPreview:
        counts = dict.fromkeys(_COUNT_NAMES, 0)
        return self.preview(_empty_frames(), pd.DataFrame(columns=_ROW_TABLE),
                            pd.DataFrame(columns=["row", "problems"]), counts)

    def finish(self, raw: pd.DataFrame, records: list[_Row], stored: Frames) -> ImportPreview:
        # Problems of the whole file first, then by row (checks run in several passes).
        self.report = Report(sorted(self.report, key=lambda p: -1 if p.row is None else p.row))
        bad = self.report.rows_with_errors()
        valid = [r for r in records if r.row not in bad]
        frames = _build_frames(valid, self.partners, kind=self.kind, report=self.report)
        counts = {
            "rows_read": len(records),
            "rows_valid": len(valid),
            "rows_rejected": len(records) - len(valid),
            "new_partners": len(frames.partners),
            "existing_partners": len({r.partner_ref for r in valid
                                      if isinstance(r.partner_ref, int)}),
            "new_sites": len(frames.sites),
            "existing_sites": len({r.site_ref for r in valid if isinstance(r.site_ref, int)}),
            "new_activities": len(frames.activities),
        }
        return self.preview(frames, _row_table(records, self.report, bad),
                            _rejected(raw, bad, self.report), counts)


_COUNT_NAMES = ("rows_read", "rows_valid", "rows_rejected", "new_partners",
                "existing_partners", "new_sites", "existing_sites", "new_activities")
_ROW_TABLE = ["row", "partner", "partner_match", "place", "outcome", "problems"]


def _mb(n: int) -> str:
    """A size for messages: ``"50 MB"``, ``"61.2 MB"``, ``"2.0 KB"``, ``"900 bytes"``."""
    for unit, size in (("MB", 1024 * 1024), ("KB", 1024)):
        if n >= size:
            value = n / size
            return f"{value:,.0f} {unit}" if value == int(value) else f"{value:,.1f} {unit}"
    return f"{n:,} bytes"


def _read(source: str | os.PathLike[str] | bytes, *, name: str, max_bytes: int | None,
          report: Report, sheet: str | None = None) -> pd.DataFrame | None:
    from geo.read import ReadError, read_sites, read_upload

    if max_bytes is None:
        from geo.config import load_settings

        max_bytes = load_settings().max_upload_bytes
    if isinstance(source, (bytes, bytearray)):
        size = len(source)
    else:
        size = Path(source).stat().st_size if Path(source).is_file() else 0
    if size > max_bytes:
        report.error(f"{name} is {_mb(size)}, more than the import limit of {_mb(max_bytes)}.",
                     fix="Split the file into smaller files (or ask the administrator to "
                     "raise PARTNERMAP_MAX_UPLOAD_MB).")
        return None
    try:
        if isinstance(source, (bytes, bytearray)):
            return read_upload(bytes(source), filename=name, report=report, sheet=sheet)
        return read_sites(source, report=report, sheet=sheet)
    except ReadError as exc:
        report.error(str(exc))
        return None


def _check_header(columns: list[str], *, report: Report) -> None:
    for col in columns:
        try:
            check_text(col)
        except CellError as exc:
            report.error(f"The header: {exc.message}", column=col, fix=exc.fix)


def _delimiter_hint(columns: list[str]) -> Problem | None:
    """A hint when the header holds several target names run together by a separator."""
    for col in columns:
        for sep in (";", "|", "\t", ",", ":", "^", "~", "#", "/"):
            parts = [p.strip().strip('"') for p in col.split(sep)]
            if len(parts) >= 2 and len(suggest_mapping(parts)) >= 2:
                shown = {"\t": "tab"}.get(sep, repr(sep))
                return Problem(
                    row=None, column=col, severity="error",
                    message=f"The whole header was read as one column ({col[:60]!r}...): the "
                    f"values seem to be separated by {shown}, which was not recognised.",
                    fix="Save the file again as CSV with commas between values (semicolons, "
                    "tabs and '|' work too), and check the header row is not in quotes.",
                )
    return None


class _Checker:
    """Checks the mapped rows one by one, adding every problem to the report."""

    def __init__(self, state: _State, data: pd.DataFrame, *, fill: str | None) -> None:
        self.state = state
        self.kind = state.kind
        self.report = state.report
        self.mapping = state.mapping
        self.data = data
        self.fill = fill
        self.rows = [int(r) for r in data.index]
        self.cells = {t: data[t].tolist() for t in data.columns}
        self.blank_is_no = _blank_means_no(self.cells.get("community_school"))

    def src(self, target: str) -> str:
        return self.mapping.get(target, target)

    def error(self, row: int, target: str | None, message: str, fix: str, *,
              value: str | None = None, suggestion: str | None = None) -> None:
        """Report an error; ``value`` -> ``suggestion``: the one obvious replacement of
        the cell, when there is one (a one-click fix on the page)."""
        self.report.error(message, row=row, column=self.src(target) if target else None,
                          fix=fix, value=value if suggestion is not None else None,
                          suggestion=suggestion)

    def text(self, target: str, i: int) -> str:
        values = self.cells.get(target)
        return "" if values is None else cell_text(values[i])

    # --- per row -----------------------------------------------------------------
    def check_rows(self) -> list[_Row]:
        return [self._check(i) for i in range(len(self.rows))]

    def _check(self, i: int) -> _Row:
        row = _Row(row=self.rows[i])
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

    def _name(self, row: _Row, target: str, value: str, what: str, fix: str) -> None:
        if target in row.failed:
            return
        if not value:
            if target not in self.cells and target != "partner":
                return
            self.error(row.row, target, f"The {what} is empty.", fix)
        elif len(value) > _MAX_NAME:
            self.error(row.row, target, f"The {what} is {len(value)} characters long.",
                       f"Shorten it to at most {_MAX_NAME} characters.")

    def _code(self, row: _Row, target: str, text: str, *, default: str | None) -> str | None:
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

    def _site_kind(self, row: _Row, texts: dict[str, str]) -> str | None:
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
                    self.report.warning(
                        "The cell is empty, so the site is recorded as "
                        f"\u201c{SITE_KINDS[kind]}\u201d "
                        f"({'from site_kind' if stated else 'the default'}).",
                        row=row.row, column=self.src("community_school"),
                        fix="Write Yes or No to say whether it is a community school.")
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

    def _nces(self, row: _Row, text: str) -> str:
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

    def _area(self, row: _Row, texts: dict[str, str]) -> None:
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
                self.report.warning(
                    f"Only a state ({text}) is given: the row becomes state-wide work across "
                    f"{name}, counted in no county or district.",
                    row=row.row, column=self.src("state"),
                    fix="If the work is at a school or in one district or county, fill in "
                        f"{' or '.join(finer)}; leave it as it is for state-wide work.")
            if texts.get("site_name"):
                self.report.warning(
                    f"The site name {texts['site_name']!r} is not used: the row has no "
                    f"coordinates or ZIP code, so it is {level}-wide work.",
                    row=row.row, column=self.src("site_name"),
                    fix="Add latitude and longitude (or a ZIP code) to record it at the site.")
            return
        given = [t for t in ("latitude", "zip", "district_geoid", "county_fips", "state")
                 if t in self.cells]
        self.error(row.row, given[0] if given else None, "The row gives no place.",
                   "Fill in latitude and longitude, a ZIP code, a district_geoid, a "
                   "county_fips or a state (postal code).")

    def _stated_state(self, row: _Row, texts: dict[str, str], state_fips: str,
                      level: str) -> None:
        if level == "state" or not texts.get("state"):
            return
        try:
            stated = area_codes.state(texts["state"])
        except CellError:
            return
        if stated[0] != state_fips:
            self.report.warning(
                f"The state column says {texts['state']!r}, but the {level} is in another "
                f"state (FIPS {state_fips}).",
                row=row.row, column=self.src("state"),
                fix="Check the code and the state: one of them is wrong.")

    def _activity(self, row: _Row, i: int, texts: dict[str, str]) -> None:
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

    def _principles(self, row: _Row, text: str) -> str:
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

    # --- location ----------------------------------------------------------------
    def locate(self, records: list[_Row]) -> None:
        """Place point rows with :func:`geo.locate.place_frame` (coordinates, school
        directory, NCES ID, address, ZIP)."""
        from geo.locate import place_frame
        from geo.placement import SOURCE_LABELS
        from geo.read import ReadError

        points = [k for k, r in enumerate(records) if r.point]
        if not points:
            return
        frame = pd.DataFrame(index=pd.Index([records[k].row for k in points], name="row",
                                            dtype="int64"))
        roles: dict[str, str | None] = {"lat_col": None, "lon_col": None, "zip_col": None,
                                        "state_col": None}
        for target, role in (("latitude", "lat_col"), ("longitude", "lon_col"),
                             ("zip", "zip_col"), ("state", "state_col")):
            if target in self.cells:
                column = _STATE_COLUMN if target == "state" else self.src(target)
                frame[column] = pd.Series([self.cells[target][k] for k in points],
                                          index=frame.index, dtype=object)
                roles[role] = column
        place_cols: dict[str, str | None] = {"wkt": None, "leaid": None}
        for target, role in (("address", "text"), ("nces_id", "nces"), ("site_name", "name"),
                             ("city", "city")):
            if target in self.cells:
                # The NCES ID goes in under a private name: it is no site ID to check here
                # (the import's own duplicate checks cover it).
                column = _NCES_COLUMN if target == "nces_id" else self.src(target)
                if column not in frame.columns:
                    frame[column] = pd.Series([self.cells[target][k] for k in points],
                                              index=frame.index, dtype=object)
                place_cols[role] = column
            else:
                place_cols[role] = None
        found = Report()
        try:
            placement = place_frame(frame, report=found, place_cols=place_cols,
                                    lat_col=roles["lat_col"], lon_col=roles["lon_col"],
                                    zip_col=roles["zip_col"], state_col=roles["state_col"],
                                    **self.state.place_options)
        except ReadError as exc:
            self.report.error(str(exc), fix="Check the CRS given, or leave it out.")
            return
        self.state.placement = placement
        located = placement.frame
        state_source = self.src("state")
        renamed = {_STATE_COLUMN: state_source, _NCES_COLUMN: self.src("nces_id")}
        for p in found:
            shown = None if p.column is None else renamed.get(p.column, p.column)
            self.report.add(Problem(p.row, shown, p.severity, p.message, p.fix))
        cols = {c: located[c].tolist() for c in (
            "latitude", "longitude", "location_source", "state_fips", "county_fips",
            "district_geoid", "secondary_district_geoid")}
        flagged = found.rows_with_errors()
        for j, k in enumerate(points):
            source = cols["location_source"][j]
            if source == "none":
                if records[k].row not in flagged:  # never expected: locate explains each
                    self.error(records[k].row, "latitude" if "latitude" in self.cells
                               else "zip", "The site could not be placed.",
                               "Check latitude and longitude, or the ZIP code.")
                continue
            rec = records[k]
            rec.location = {c: values[j] for c, values in cols.items()}
            if source == "address_zip" and not rec.values.get("zip"):
                from geo.placement import zip_in_address  # the ZIP that placed the row

                rec.values["zip"] = zip_in_address(self.text("address", k)) or ""
            rec.place_label = "site: " + SOURCE_LABELS.get(source, source)

    # --- duplicates --------------------------------------------------------------
    def duplicates(self, records: list[_Row], stored: Frames) -> None:
        """Repeated rows, sites already stored or repeated, activities already stored."""
        seen: dict[tuple, int] = {}
        repeated: set[int] = set()
        for k, rec in enumerate(records):
            key = (name_key(rec.partner),) + tuple(
                cell_text(self.cells[t][k]).casefold() for t in self.cells if t != "partner")
            if key in seen:
                self.error(rec.row, None, f"This row repeats row {seen[key]}.",
                           "Delete one of the two rows.")
                repeated.add(rec.row)
            else:
                seen[key] = rec.row
        stored_sites = _stored_site_keys(stored)
        new_sites: dict[tuple, tuple[int, bool, object]] = {}  # (row, has_nces, site_ref)
        for rec in records:
            if rec.row in repeated or not rec.location or rec.partner_ref is None:
                continue
            rec.site_keys = _site_keys(rec)
            has_nces = bool(rec.values.get("nces_id"))
            existing, how = _same_site(rec.site_keys, stored_sites, has_nces=has_nces)
            earlier, how_new = _same_site(rec.site_keys, new_sites, has_nces=has_nces)
            if self.kind == "sites":
                if existing is not None:
                    self.error(rec.row, _KEY_COLUMN[how], f"This site is already in the "
                               f"database (site {existing[0]}, {existing[2]!r}; same {how}).",
                               "Remove the row: the site is stored already (edit it there).")
                elif earlier is not None:
                    self.error(rec.row, _KEY_COLUMN[how_new], f"The same site as row "
                               f"{earlier[0]} (same {how_new}).", "Keep one row per site.")
            if existing is not None:
                rec.site_ref = existing[0]
            elif earlier is not None:
                rec.site_ref = earlier[2]
            else:
                rec.site_ref = rec.site_keys[0]
                for key in rec.site_keys:
                    new_sites.setdefault(key, (rec.row, has_nces, rec.site_ref))
        if self.kind == "activities":
            self._stored_activities(records, stored, repeated)

    def _stored_activities(self, records: list[_Row], stored: Frames,
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
                self.error(rec.row, None, f"This activity is already in the database "
                           f"(activity {keys[key]}).", "Remove the row: it was imported before.")


def _blank_means_no(values: list[object] | None) -> bool | None:
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


_KEY_COLUMN = {"NCES ID": "nces_id", "name and place": "site_name"}


def _site_keys(rec: _Row) -> tuple[tuple, ...]:
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


def _activity_key(rec: _Row) -> tuple | None:
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


# --- partners ---------------------------------------------------------------------------
def _resolve_partners(records: list[_Row], stored: pd.DataFrame,
                      choices: Mapping[str, Choice] | None, *, report: Report,
                      column: str) -> dict[str, PartnerMatch]:
    """Match every partner name; set each record's ``partner_ref``; report the unsure."""
    names: dict[str, list[int]] = {}
    spelling: dict[str, str] = {}
    for rec in records:
        if rec.partner and len(rec.partner) <= _MAX_NAME:
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
                column=column,
                fix=f"If it is, write the name exactly as {match.suggestions[0][1]!r} (or "
                "choose it); if it is another organization, confirm it as a new partner.",
            )
        elif match.how == "new":
            report.warning(
                f"A new partner {match.name!r} will be created ({rows}). It is not listed "
                "publicly until its consent is recorded.",
                column=column,
                fix="If the partner is already in the map under another name, use that name.",
            )
    return matches


# --- building what to write -------------------------------------------------------------
def _empty_frames() -> Frames:
    return Frames(pd.DataFrame(columns=[*PARTNER_COLUMNS, "row"]),
                  pd.DataFrame(columns=[*SITE_COLUMNS, "row"]),
                  pd.DataFrame(columns=[*ACTIVITY_COLUMNS, "row"]))


def _build_frames(valid: list[_Row], matches: dict[str, PartnerMatch], *, kind: str,
                  report: Report) -> Frames:
    """The rows to write, with negative (provisional) ids linking new records."""
    new_partner_ids: dict[object, int] = {}
    partner_rows: list[dict[str, object]] = []
    websites: dict[object, dict[str, int]] = {}
    names = {("new", name_key(n)): n for n, m in matches.items() if m.is_new}
    for rec in valid:
        ref = rec.partner_ref
        if isinstance(ref, tuple) and ref not in new_partner_ids:
            new_partner_ids[ref] = -(len(new_partner_ids) + 1)
            partner_rows.append({"partner_id": new_partner_ids[ref], "name": names[ref],
                                 "type": "other", "website": "", "row": rec.row})
        if isinstance(ref, tuple) and rec.values.get("website"):
            websites.setdefault(ref, {}).setdefault(str(rec.values["website"]), rec.row)
    for entry in partner_rows:
        _set_website(entry, websites.get(next(k for k, v in new_partner_ids.items()
                                              if v == entry["partner_id"]), {}), report)

    def partner_id(ref: object) -> int:
        return ref if isinstance(ref, int) else new_partner_ids[ref]

    site_ids: dict[object, int] = {}
    site_rows: list[dict[str, object]] = []
    activity_rows: list[dict[str, object]] = []
    for rec in valid:
        site_id = None
        if rec.point:
            if isinstance(rec.site_ref, int):
                site_id = rec.site_ref
            else:
                if rec.site_ref not in site_ids:
                    site_ids[rec.site_ref] = -(len(site_ids) + 1)
                    site_rows.append({
                        "site_id": site_ids[rec.site_ref],
                        "partner_id": partner_id(rec.partner_ref), "name": rec.site_name,
                        "site_kind": rec.values["site_kind"],
                        "nces_id": rec.values["nces_id"], "zip": rec.values["zip"],
                        "contact": rec.values["contact"] if kind == "sites" else "",
                        **rec.location, "row": rec.row,
                    })
                site_id = site_ids[rec.site_ref]
        if kind == "activities":
            v = rec.values
            if rec.point:
                level, area = "site", ""
            elif rec.area is not None:
                level, area = rec.area
            else:  # never: a checked activity is at a site or over an area
                raise ValueError(f"row {rec.row}: an activity with no place")
            activity_rows.append({
                "partner_id": partner_id(rec.partner_ref), "site_id": site_id,
                "area_level": level, "area_id": area, "kind_of_work": v["kind_of_work"],
                "principles": v["principles"], "status": v["status"],
                "start_date": v["start_date"], "end_date": v["end_date"],
                "contact": v["contact"], "notes": v["notes"], "row": rec.row,
            })
    empty = _empty_frames()
    return Frames(
        pd.DataFrame(partner_rows, columns=["partner_id", "name", "type", "website", "row"]),
        pd.DataFrame(site_rows, columns=list(empty.sites.columns)),
        pd.DataFrame(activity_rows, columns=[c for c in empty.activities.columns
                                             if c != "activity_id"]),
    )


def _set_website(entry: dict[str, object], found: dict[str, int], report: Report) -> None:
    if not found:
        return
    if len(found) > 1:
        report.warning(
            f"The rows of the new partner {entry['name']!r} give {len(found)} different "
            "websites, so none was stored.",
            column="website", fix="Add the partner's website on its page after the import.")
        return
    url, row = next(iter(found.items()))
    if safe_url(url) == "":
        report.warning(f"The website {url!r} is not an http(s) link, so it was not stored.",
                       row=row, column="website",
                       fix="Write the full address, starting with https://.")
        return
    entry["website"] = url


def _row_table(records: list[_Row], report: Report, bad: set[int]) -> pd.DataFrame:
    issues = report.issues_by_row()
    table = pd.DataFrame({
        "row": [r.row for r in records],
        "partner": [r.partner for r in records],
        "partner_match": [("existing " + str(r.partner_ref)) if isinstance(r.partner_ref, int)
                          else "new" if r.partner_ref is not None else "" for r in records],
        "place": [r.place_label for r in records],
        "outcome": ["rejected" if r.row in bad else "import" for r in records],
        "problems": [issues.get(r.row, "") for r in records],
    }, columns=_ROW_TABLE)
    return table


def _rejected(raw: pd.DataFrame, bad: set[int], report: Report) -> pd.DataFrame:
    """The rejected input rows as text, with their row number and problems first."""
    chosen = raw.loc[[r for r in raw.index if int(r) in bad]]
    texts = {row: "; ".join(p.short() for p in probs)
             for row, probs in report.by_row().items()}
    out = pd.DataFrame({c: [cell_text(v) for v in chosen[c].tolist()] for c in chosen.columns},
                       index=chosen.index, dtype="str")
    out.insert(0, "problems", [texts.get(int(r), "") for r in chosen.index])
    out.insert(0, "row", np.asarray(chosen.index, dtype="int64"))
    return out.reset_index(drop=True)


def _file_rows(problems: list[Problem], frames: Frames) -> list[Problem]:
    """Store problems (positions in our frames) re-pointed at the rows of the file."""
    tables = {"partners": frames.partners, "sites": frames.sites,
              "activities": frames.activities}
    out = []
    for p in problems:
        table = p.message.split(":", 1)[0]
        row = p.row
        frame = tables.get(table)
        if row is not None and frame is not None and 0 <= row - 2 < len(frame):
            row = int(frame["row"].iloc[row - 2])
        out.append(Problem(row, p.column, p.severity, p.message, p.fix))
    return out

