"""Prepare an import (read, map, check every row, locate, match partners), then commit it.

:func:`prepare_import` never writes and never stops at the first problem: it returns an
:class:`ImportPreview` with the validation report (row, column, message, fix), the rows
it would write (as :class:`geo.schema.Frames` with provisional negative ids), the
rejected rows with their reasons, the partner matches and counts. A page shows it,
lets the user fix the column mapping or choose partners, and prepares again;
:func:`~geo.importer.commit.commit_import` then writes it in one transaction.

The steps, each in its module: reading the upload and its header
(:mod:`~geo.importer.source`), mapping its columns (:mod:`~geo.importer.mapping`),
checking each row (:mod:`~geo.importer.rowchecks`), placing the point rows
(:mod:`~geo.importer.place_points`), matching partners and finding duplicates
(:mod:`~geo.importer.dedupe`), building the records to write and writing them
(:mod:`~geo.importer.commit`).

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
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from geo.importer.cells import CellError, cell_text, check_text, is_formula_like
from geo.importer.commit import build_frames, empty_frames
from geo.importer.dedupe import Choice, PartnerMatch, find_duplicates, resolve_partners
from geo.importer.fixes import Corrections, Fix, apply_corrections, suggested_fixes
from geo.importer.mapping import (
    ACTIVITY_ONLY,
    TARGETS,
    _check_kind,
    mapping_problems,
    required_targets,
    suggest_mapping,
)
from geo.importer.place_points import PlaceOptions, place_points
from geo.importer.rowchecks import Row, RowChecker
from geo.importer.source import check_header, delimiter_hint, read_source
from geo.problems import Problem, Report
from geo.schema import Frames

if TYPE_CHECKING:
    from geo.db import Store
    from geo.locate import Placement
    from geo.schools import SchoolDirectory


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
    raw = read_source(source, name=name, max_bytes=max_bytes, report=report, sheet=sheet)
    if raw is None:
        return state.failed()
    if corrections:
        raw, state.corrected = apply_corrections(raw, corrections)
    state.columns = [str(c) for c in raw.columns]
    state.suggested = suggest_mapping(state.columns)
    used = dict(state.suggested if mapping is None else mapping)
    state.mapping = used
    check_header(state.columns, report=report)
    problems = mapping_problems(state.columns, used, kind=kind, partner_given=fill is not None,
                                names_place=schools is not None)
    if problems:
        report.extend(problems)
        hint = delimiter_hint(state.columns)
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
    checker = RowChecker(data, kind=kind, report=report, mapping=used, fill=fill)
    records = checker.check_rows()
    state.placement = place_points(checker, records, state.place_options)
    try:
        state.partners = resolve_partners(records, frames.partners, partner_choices,
                                          report=report, column=checker.src("partner"))
    except ValueError as exc:
        report.error(str(exc), column=checker.src("partner"),
                     fix="Choose a partner id from the suggestions, or 'new'.")
        return state.failed()
    find_duplicates(checker, records, frames)
    return state.finish(raw, records, frames)


# --- steps -----------------------------------------------------------------------------
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
    place_options: PlaceOptions = field(default_factory=lambda: PlaceOptions())
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
        return self.preview(empty_frames(), pd.DataFrame(columns=_ROW_TABLE),
                            pd.DataFrame(columns=["row", "problems"]), counts)

    def finish(self, raw: pd.DataFrame, records: list[Row], stored: Frames) -> ImportPreview:
        # Problems of the whole file first, then by row (checks run in several passes).
        self.report = Report(sorted(self.report, key=lambda p: -1 if p.row is None else p.row))
        bad = self.report.rows_with_errors()
        valid = [r for r in records if r.row not in bad]
        frames = build_frames(valid, self.partners, kind=self.kind, report=self.report)
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


def _row_table(records: list[Row], report: Report, bad: set[int]) -> pd.DataFrame:
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
