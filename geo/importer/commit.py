"""Writing an import: the records built from the valid rows, and the one transaction.

:func:`build_frames` turns the checked rows into :class:`geo.schema.Frames` with
provisional negative ids linking new partners, sites and activities (and each record's
file ``row``); :func:`commit_import` writes a prepared :class:`~geo.importer.preview.
ImportPreview` with :meth:`geo.db.Store.load_frames`, all or nothing (see
:mod:`geo.importer.preview` for when it refuses). A problem the database finds is
pointed back at the row of the file it came from.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from geo.db.validation import name_key
from geo.errors import ProblemsError
from geo.importer.dedupe import PartnerMatch
from geo.importer.rowchecks import Row
from geo.problems import Problem, Report, row_number
from geo.safe import safe_url
from geo.schema import ACTIVITY_COLUMNS, PARTNER_COLUMNS, SITE_COLUMNS, Frames

if TYPE_CHECKING:
    from geo.db import Store
    from geo.importer.preview import ImportPreview


class ImportRefused(ProblemsError):
    """:func:`commit_import` wrote nothing; ``problems`` says why."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


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


# --- building what to write -------------------------------------------------------------
def empty_frames() -> Frames:
    return Frames(pd.DataFrame(columns=[*PARTNER_COLUMNS, "row"]),
                  pd.DataFrame(columns=[*SITE_COLUMNS, "row"]),
                  pd.DataFrame(columns=[*ACTIVITY_COLUMNS, "row"]))


def build_frames(valid: list[Row], matches: dict[str, PartnerMatch], *, kind: str,
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
    empty = empty_frames()
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
            column="website", table="partners",
            fix="Add the partner's website on its page after the import.")
        return
    url, row = next(iter(found.items()))
    if safe_url(url) == "":
        report.warning(f"The website {url!r} is not an http(s) link, so it was not stored.",
                       row=row, column="website", table="partners",
                       fix="Write the full address, starting with https://.")
        return
    entry["website"] = url


def _file_rows(problems: list[Problem], frames: Frames) -> list[Problem]:
    """The database's problems with ``frames`` re-pointed at the rows of the file.

    The store numbers the records of each table it was given like spreadsheet rows
    (:func:`geo.problems.row_number`); each record of ``frames`` keeps the file row it
    came from in its ``row`` column.
    """
    out = []
    for p in problems:
        table = p.table or _table_in_message(p)
        row = p.row
        if row is not None and table in _TABLES:
            file_rows = {row_number(pos): int(r)
                         for pos, r in enumerate(getattr(frames, table)["row"])}
            row = file_rows.get(row, row)
        out.append(Problem(row, p.column, p.severity, p.message, p.fix, table=table))
    return out


_TABLES = ("partners", "sites", "activities")


def _table_in_message(problem: Problem) -> str | None:
    """The table a problem of :mod:`geo.db.loading` is about, for as long as it names it
    only as the start of its message (``"sites: ..."``) and leaves ``table`` empty."""
    named = problem.message.partition(":")[0]
    return named if named in _TABLES else None
