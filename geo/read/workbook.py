"""Excel workbooks (``.xlsx``): one sheet read cell by cell within the bounds, never
padded to the size a sheet declares; a part with a DTD is refused."""
from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pandas as pd

from geo.config import ReadLimits, read_limits
from geo.problems import Report
from geo.read.delimited import clean_header
from geo.read.limits import (
    ReadError,
    checked_zip,
    raise_limit,
    too_many_columns,
    too_many_rows,
    unpack,
)

# How an XML document type declaration starts, in the encodings XML parsers accept.
_DTD_MARKS = tuple("<!DOCTYPE".encode(enc) for enc in ("utf-8", "utf-16-le", "utf-16-be")) + \
    tuple("<!ENTITY".encode(enc) for enc in ("utf-8", "utf-16-le", "utf-16-be"))

_XLSX_AGAIN = ("Open it in Excel or LibreOffice and save it again as .xlsx, or export the "
               "sites as CSV.")


def check_workbook(source: Path | io.BytesIO, *, name: str, limits: ReadLimits) -> None:
    """Refuse (:class:`ReadError`) a workbook that is not a sound zip, unpacks past the
    limit, or has a part with a DTD, before any XML of it is parsed."""
    archive, infos = checked_zip(source, name=name, limits=limits, again=_XLSX_AGAIN,
                                 what="Excel .xlsx workbook")
    with archive:
        unpack(archive, infos, name=name, limits=limits, again=_XLSX_AGAIN,
               sink=_DtdScanner(name))


def read_xlsx(path: Path, *, report: Report, limits: ReadLimits,
              sheet: str | None = None) -> pd.DataFrame:
    from xml.etree.ElementTree import ParseError

    from openpyxl import load_workbook  # deferred: only needed for workbooks

    name = path.name
    check_workbook(path, name=name, limits=limits)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, AttributeError,
            ParseError) as exc:
        raise ReadError(
            f"{name} is not a valid Excel .xlsx workbook ({type(exc).__name__}). " + _XLSX_AGAIN
        ) from None
    try:
        sheets = workbook.worksheets
        if not sheets:
            raise ReadError(f"{name} has no worksheets. Put the sites on the first sheet.")
        if len(workbook.sheetnames) > limits.max_sheets:
            raise ReadError(
                f"{name} has {len(workbook.sheetnames):,} sheets; a workbook may have at most "
                f"{limits.max_sheets:,} {raise_limit('max_sheets')}. Copy the sheet with the "
                "sites into a new workbook (or save it as CSV) and import that.")
        titles = [ws.title for ws in sheets]
        if sheet is not None:
            if sheet not in titles:
                raise ReadError(
                    f"{name} has no sheet {sheet!r}. Its sheets are: "
                    f"{', '.join(repr(t) for t in titles)}. Give one of them (--sheet NAME, "
                    "or the sheet choice on the Data page).")
            chosen = sheets[titles.index(sheet)]
        else:
            chosen = sheets[0]
            if len(titles) > 1:
                others = ", ".join(repr(t) for t in titles[1:])
                report.warning(
                    f"Only the first sheet ({chosen.title!r}) was read; the workbook also "
                    f"has {others}.",
                    fix="Choose the sheet that holds the sites (--sheet NAME, or the sheet "
                    "choice on the Data page).",
                )
        filled = list(_sheet_rows(chosen, name=name, limits=limits))
    except ReadError:
        raise
    except (ParseError, ValueError, KeyError, IndexError, TypeError, OSError,
            zipfile.BadZipFile) as exc:
        raise ReadError(
            f"{name}: the first sheet could not be read ({type(exc).__name__}). " + _XLSX_AGAIN
        ) from None
    finally:
        workbook.close()
    if not filled:
        where = f"the sheet {sheet!r}" if sheet is not None else "the first sheet"
        raise ReadError(f"{name}: {where} is empty. Choose the sheet that holds the sites.")
    header_row, header_values = filled[0]
    body = filled[1:]
    # Drop trailing columns that have neither a header nor any value (formatting only).
    width = max(len(vals) for _, vals in filled)
    while width > 0 and not any(
        len(vals) >= width and _filled(vals[width - 1]) for _, vals in filled
    ):
        width -= 1
    header = clean_header((header_values + [None] * width)[:width], header_row=header_row,
                          report=report)
    rows = [(vals + [None] * width)[:width] for _, vals in body]
    frame = pd.DataFrame(rows, columns=header)
    frame.index = pd.Index([i for i, _ in body], name="row")
    return frame


class _DtdScanner:
    """A sink for :func:`unpack` refusing XML parts of a workbook that carry a DTD.

    Excel and LibreOffice never write one; a DTD in a workbook is there to define
    entities (entity expansion, external entities), so the file is refused outright.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.tails: dict[str, bytes] = {}

    def __call__(self, info: zipfile.ZipInfo, chunk: bytes) -> None:
        if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
            return
        window = self.tails.get(info.filename, b"") + chunk
        if any(mark in window for mark in _DTD_MARKS):
            raise ReadError(
                f"{self.name} was refused: its part {info.filename!r} contains an XML "
                "document type declaration (DTD), which spreadsheet programs never write. "
                + _XLSX_AGAIN)
        self.tails[info.filename] = window[-32:]


def _sheet_rows(sheet, *, name: str, limits: ReadLimits):
    """``(sheet row number, values)`` for each row of ``sheet`` with a value in it.

    Parses the sheet's XML cell by cell (openpyxl's own worksheet parser), so only the
    cells the file really holds are made: the size a sheet *declares* (its
    ``<dimension>``) is ignored. A value past the column limit, or more rows than the
    row limit (plus the header), refuses the file as soon as it is met.
    """
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet._reader import WorkSheetParser  # the parser iter_rows uses

    book = sheet.parent
    filled_rows = 0
    with sheet._get_source() as source:
        parser = WorkSheetParser(source, sheet._shared_strings, data_only=book.data_only,
                                 epoch=book.epoch, date_formats=book._date_formats,
                                 timedelta_formats=book._timedelta_formats)
        for row_number, cells in parser.parse():
            values: dict[int, object] = {}
            for cell in cells:
                value = cell["value"]
                if value is None:
                    continue
                column = int(cell["column"])
                if column > limits.max_columns:
                    if not _filled(value):
                        continue
                    where = f" (a value in cell {get_column_letter(column)}{row_number})"
                    raise too_many_columns(name, f"{column:,}", limits, where)
                values[column] = value
            if not any(_filled(v) for v in values.values()):
                continue
            filled_rows += 1
            if filled_rows > limits.max_rows + 1:  # the header row and max_rows data rows
                raise too_many_rows(name, limits)
            row: list[object] = [None] * max(values)
            for column, value in values.items():
                row[column - 1] = value
            yield row_number, row


def _filled(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def sheet_names(source: str | os.PathLike[str] | bytes, *,
                limits: ReadLimits | None = None) -> list[str]:
    """The worksheet names of an Excel workbook (a path or its bytes); ``[]`` otherwise,
    and for a workbook the reader refuses (:func:`check_workbook`: checked before any of
    it is parsed; reading it then says what is wrong)."""
    from openpyxl import load_workbook

    handle = (io.BytesIO(bytes(source)) if isinstance(source, (bytes, bytearray))
              else Path(source))
    try:
        check_workbook(handle, name="workbook", limits=limits or read_limits())
    except ReadError:
        return []
    try:
        workbook = load_workbook(handle, read_only=True)
    except Exception:  # a damaged or hostile file: the reader itself says what is wrong
        return []
    try:
        return [ws.title for ws in workbook.worksheets]
    finally:
        workbook.close()


