"""Read a user's file of sites into a DataFrame, whatever its format.

Supported: delimited text (``.csv``, ``.tsv``, ``.txt``; the delimiter is detected among
``,`` ``;`` tab and ``|``), Excel workbooks (``.xlsx``, first sheet), GeoJSON
(``.geojson``, ``.json``), GeoPackage (``.gpkg``, first layer), Shapefiles (a ``.zip``
holding one, or a ``.shp`` next to its side files) and (Geo)Parquet (``.parquet``).

The result keeps the input columns and, for files that carry geometry, adds
``latitude``/``longitude`` taken from the geometry after reprojecting it to EPSG:4326
(named ``geometry_latitude``/``geometry_longitude`` when the file already has columns
called latitude/longitude). Its index, named ``row``, is the spreadsheet-style row
number of each record (header = row 1, first data row = row 2; see
:mod:`geo.problems`), so problems found later can point at the right row even when
blank lines were skipped.

Anything that makes the file unusable raises :class:`ReadError` with a message saying
what to do; anything the user should merely know (a cp1252 file, a second sheet that
was ignored, a row with too many values) goes into the :class:`~geo.problems.Report`.

Bounds. Any signed-in partner can upload, so a small hostile file must not exhaust the
server: every read is bounded by :class:`geo.config.ReadLimits` (data rows, columns,
worksheets, bytes once unpacked, geometry vertices; environment variables in
:mod:`geo.config`). The bounds are checked before the data is read where the format
declares its size (zip members, Parquet footers, GIS layer info) and while reading
otherwise (text rows are counted as they are parsed; a worksheet is parsed cell by
cell, so a sheet that declares ``A1:XFD1048576`` is never padded to that size; zip
members are unpacked in a stream that stops at the bound). A file past a bound is
refused with a message naming the limit and how to split the file. An archive that is
damaged (bad CRC), encrypted, or an XLSX part with a DTD is refused the same way.
"""
from __future__ import annotations

import csv
import io
import os
import re
import tempfile
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from geo.config import LIMIT_VARIABLES, ReadLimits, read_limits as _limits_from_env
from geo.errors import PartnerMapError
from geo.problems import Report

SUPPORTED_FORMATS: dict[str, str] = {
    ".csv": "CSV (comma, semicolon, tab or | separated)",
    ".tsv": "tab-separated text",
    ".txt": "delimited text",
    ".xlsx": "Excel workbook (first sheet)",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".gpkg": "GeoPackage (first layer)",
    ".zip": "zipped Shapefile",
    ".shp": "Shapefile (with its .shx and .dbf next to it)",
    ".parquet": "Parquet or GeoParquet",
}

_TEXT_EXTENSIONS = (".csv", ".tsv", ".txt")
_GEO_EXTENSIONS = (".geojson", ".json", ".gpkg", ".shp")
_DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
_SNIFF_RECORDS = 50
_SHAPEFILE_REQUIRED = (".shp", ".shx", ".dbf")
# Zip archives (XLSX, zipped Shapefile) with more members than this are refused; a real
# workbook or Shapefile has a few dozen.
_MAX_ZIP_MEMBERS = 1_000
# Parquet files made of more row groups than this are refused (each costs a footer entry).
_MAX_ROW_GROUPS = 10_000
# How an XML document type declaration starts, in the encodings XML parsers accept.
_DTD_MARKS = tuple("<!DOCTYPE".encode(enc) for enc in ("utf-8", "utf-16-le", "utf-16-be")) + \
    tuple("<!ENTITY".encode(enc) for enc in ("utf-8", "utf-16-le", "utf-16-be"))
# What unpacking a damaged, truncated or encrypted member raises.
_ZIP_FAULTS = (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError,
               ValueError, OSError)


class ReadError(PartnerMapError):
    """The file cannot be read at all; the message says what is wrong and what to do."""


def supported_formats_text() -> str:
    """``".csv, .tsv, ..."`` for messages."""
    return ", ".join(SUPPORTED_FORMATS)


def read_sites(path: str | os.PathLike[str], *, report: Report, sheet: str | None = None,
               limits: ReadLimits | None = None) -> pd.DataFrame:
    """Read the sites file at ``path`` (any supported format) into a DataFrame.

    ``sheet``: the worksheet of an Excel workbook to read (default: the first).
    Raises :class:`ReadError` when the file is missing, empty, corrupt, of an
    unsupported kind, has no such sheet, or is past one of ``limits`` (default:
    :func:`geo.config.read_limits`, from the environment). Problems that do not stop the
    reading are added to ``report``.
    """
    limits = limits if limits is not None else _limits_from_env()
    path = Path(path)
    ext = _extension(path)
    if ext not in SUPPORTED_FORMATS:
        raise ReadError(
            f"{path.name}: unsupported file type {ext or '(no extension)'!r}. "
            f"Save the sites as one of: {supported_formats_text()}."
        )
    if not path.exists():
        raise ReadError(f"{path}: no such file. Check the path and the file name.")
    if path.is_dir():
        raise ReadError(f"{path} is a folder, not a file. Give the path of the file itself.")
    if path.stat().st_size == 0:
        raise ReadError(f"{path.name} is empty (0 bytes). Choose the file that holds the sites.")

    if ext in _TEXT_EXTENSIONS:
        _check_file_size(path, limits)
        frame = _read_text(path, report=report, limits=limits)
    elif ext == ".xlsx":
        frame = _read_xlsx(path, report=report, sheet=sheet, limits=limits)
    elif ext == ".zip":
        frame = _read_zipped_shapefile(path, report=report, limits=limits)
    elif ext == ".parquet":
        frame = _read_parquet(path, report=report, limits=limits)
    else:
        _check_file_size(path, limits)
        frame = _read_geo(path, report=report, name=path.name, limits=limits)
    if frame.empty:
        raise ReadError(
            f"{path.name} has column headers but no data rows. Add one row per site "
            "below the header."
        )
    return frame


def read_upload(data: bytes, *, filename: str, report: Report, sheet: str | None = None,
                limits: ReadLimits | None = None) -> pd.DataFrame:
    """Read an uploaded file given as bytes; ``filename`` decides the format.

    The bytes go to a private temporary folder (removed afterwards), never next to
    other files, and only the base name of ``filename`` is used.
    """
    name = PurePosixPath(filename.replace("\\", "/")).name or "upload"
    with tempfile.TemporaryDirectory(prefix="partnermap-upload-") as tmp:
        target = Path(tmp) / name
        target.write_bytes(data)
        return read_sites(target, report=report, sheet=sheet, limits=limits)


def sheet_names(source: str | os.PathLike[str] | bytes) -> list[str]:
    """The worksheet names of an Excel workbook (a path or its bytes); ``[]`` otherwise."""
    from openpyxl import load_workbook

    handle = io.BytesIO(bytes(source)) if isinstance(source, (bytes, bytearray)) else source
    try:
        workbook = load_workbook(handle, read_only=True)
    except Exception:  # a damaged or hostile file: the reader itself says what is wrong
        return []
    try:
        return [ws.title for ws in workbook.worksheets]
    finally:
        workbook.close()


# --- bounds ------------------------------------------------------------------------
def _raise_limit(limit: str) -> str:
    return (f"(the administrator can raise the limit with {LIMIT_VARIABLES[limit]})")


def too_many_rows(name: str, limits: ReadLimits) -> ReadError:
    n = limits.max_rows
    return ReadError(
        f"{name} has more than {n:,} data rows, the most one file may hold "
        f"{_raise_limit('max_rows')}. Split it into files of at most {n:,} rows each, "
        "each with the header row, and import them one after the other.")


def _too_many_columns(name: str, count: int | str, limits: ReadLimits,
                      where: str = "") -> ReadError:
    n = limits.max_columns
    return ReadError(
        f"{name} has {count} columns{where}; one file may have at most {n:,} "
        f"{_raise_limit('max_columns')}. Keep only the columns the sites need (delete "
        "stray values far to the right of the table), or split the columns into two files.")


def _too_big(name: str, limits: ReadLimits, what: str = "holds") -> ReadError:
    n = limits.max_unpacked_mb
    return ReadError(
        f"{name} {what} more than {n:,} MB of data, the most one file may hold "
        f"{_raise_limit('max_unpacked_mb')}. Split the sites into smaller files "
        "(or zip only the Shapefile's own files) and import them one after the other.")


def _check_file_size(path: Path, limits: ReadLimits, name: str | None = None) -> None:
    if path.stat().st_size > limits.max_unpacked_bytes:
        raise _too_big(name or path.name, limits, "is")


def _check_rows(name: str, count: int, limits: ReadLimits) -> None:
    if count > limits.max_rows:
        raise too_many_rows(name, limits)


def _check_vertices(name: str, geometry, limits: ReadLimits) -> None:
    """Refuse geometry with more vertices than ``limits`` allow (before any work on it)."""
    import shapely

    count = int(shapely.get_num_coordinates(np.asarray(geometry)).sum())
    if count > limits.max_vertices:
        n = limits.max_vertices
        raise ReadError(
            f"{name} has {count:,} geometry vertices; one file may have at most {n:,} "
            f"{_raise_limit('max_vertices')}. Give each site as a point (or simplify the "
            "shapes), or split the file into smaller ones.")


def _damaged_zip(name: str, what: str, exc: BaseException) -> ReadError:
    reason = "it is encrypted" if "encrypt" in str(exc).lower() or "password" in str(exc).lower() \
        else f"it is damaged or incomplete: {str(exc)[:120] or type(exc).__name__}"
    return ReadError(
        f"{name} cannot be unpacked ({reason}). {what}")


def _checked_zip(path: Path, *, name: str, limits: ReadLimits, again: str,
                 what: str = "zip file") -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    """Open the zip at ``path``; refuse it when damaged, when it has too many members or
    when its members declare more than the unpacked-size limit. Nothing is unpacked."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise ReadError(f"{name} is not a valid {what} (it may be damaged or incomplete). "
                        + again) from None
    infos = archive.infolist()
    if len(infos) > _MAX_ZIP_MEMBERS:
        archive.close()
        raise ReadError(f"{name} holds {len(infos):,} files; at most {_MAX_ZIP_MEMBERS:,} are "
                        "accepted. " + again)
    if sum(i.file_size for i in infos) > limits.max_unpacked_bytes:
        archive.close()
        raise _too_big(name, limits, "unpacks to")
    return archive, infos


def _unpack(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], *, name: str,
            limits: ReadLimits, again: str, sink=None) -> None:
    """Stream every member of ``infos`` through ``sink(info, chunk)`` (CRCs checked),
    stopping as soon as more than the unpacked-size limit came out in total."""
    total = 0
    try:
        for info in infos:
            if info.is_dir():
                continue
            with archive.open(info) as member:
                while chunk := member.read(1 << 20):
                    total += len(chunk)
                    if total > limits.max_unpacked_bytes:
                        raise _too_big(name, limits, "unpacks to")
                    if sink is not None:
                        sink(info, chunk)
    except ReadError:
        raise
    except _ZIP_FAULTS as exc:
        raise _damaged_zip(name, again, exc) from None


# --- delimited text ----------------------------------------------------------------
def _extension(path: Path) -> str:
    return path.suffix.lower()


def _decode(raw: bytes, *, name: str, report: Report) -> str:
    """Decode UTF-8 (with or without BOM) or UTF-16 with BOM; else cp1252 with a warning."""
    if raw.startswith(b"PK\x03\x04"):
        raise ReadError(
            f"{name} is a zip archive or an Excel workbook, not a text file. "
            "Give it its real extension (.xlsx or .zip) or save it as CSV."
        )
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = raw.decode("utf-16", errors="replace")
    elif b"\x00" in raw:
        raise ReadError(
            f"{name} does not look like a text file (it contains NUL bytes). "
            "Export the sites as CSV, Excel (.xlsx), GeoJSON, GeoPackage or a zipped Shapefile."
        )
    elif raw.startswith(b"\xef\xbb\xbf"):
        if not _is_utf8(raw[3:]):
            raise ReadError(
                f"{name} starts with a UTF-8 marker but is not valid UTF-8. "
                "Save it again as 'CSV UTF-8'."
            )
        text = raw[3:].decode("utf-8")
    elif _is_utf8(raw):
        text = raw.decode("utf-8")
    else:
        # cp1252 leaves five bytes undefined; those become U+FFFD rather than failing.
        text = raw.decode("cp1252", errors="replace")
        example = _first_non_ascii_line(text)
        report.warning(
            "The file is not UTF-8 text, so it was read as Windows-1252 (cp1252)"
            + (f". Check accented letters, e.g. {example!r}" if example else "")
            + ".",
            fix="Save the file as 'CSV UTF-8' to be sure every character is read right.",
        )
    if "\x00" in text:
        raise ReadError(
            f"{name} does not look like a text file (it contains NUL bytes). "
            "Export the sites as CSV, Excel (.xlsx), GeoJSON, GeoPackage or a zipped Shapefile."
        )
    return text


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _first_non_ascii_line(text: str) -> str:
    for line in text.splitlines():
        if any(ord(ch) > 127 for ch in line):
            words = [w for w in re.split(r"[,;\t|]", line) if any(ord(c) > 127 for c in w)]
            return (words[0] if words else line).strip()[:60]
    return ""


def _sniff_delimiter(text: str) -> str:
    """Pick the delimiter that splits the first records into the most consistent columns."""
    head = text[:200_000]
    best, best_score = ",", (-1.0, 0)
    for delim in _DELIMITERS:
        records = []
        for rec in csv.reader(io.StringIO(head, newline=""), delimiter=delim):
            if any(field.strip() for field in rec):
                records.append(rec)
            if len(records) >= _SNIFF_RECORDS:
                break
        if not records:
            continue
        width = len(records[0])
        if width < 2:
            continue
        body = records[1:-1] or records[1:]  # the last record may be cut by the 200 kB window
        agree = sum(1 for r in body if len(r) == width) / len(body) if body else 1.0
        score = (agree, width)
        if score > best_score:
            best, best_score = delim, score
    return best


def _read_text(path: Path, *, report: Report, limits: ReadLimits) -> pd.DataFrame:
    text = _decode(path.read_bytes(), name=path.name, report=report)
    if not text.strip():
        raise ReadError(f"{path.name} contains only blank lines. "
                        "Choose the file that holds the sites.")
    delim = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    del text  # the reader keeps its own reference; parsed records are counted as they come
    header: list[str] | None = None
    width = 0
    rows: list[list[str]] = []
    numbers: list[int] = []
    try:
        for position, rec in enumerate(reader, start=1):
            if not any(field.strip() for field in rec):
                continue  # a blank line: skipped, but the row numbers of later rows stay right
            if header is None:
                if len(rec) > limits.max_columns:
                    raise _too_many_columns(path.name, f"{len(rec):,}", limits, " in its header")
                header = _clean_header(rec, header_row=position, report=report)
                width = len(header)
                continue
            if len(rows) >= limits.max_rows:
                raise too_many_rows(path.name, limits)
            _text_row(rec, position, width=width, delim=delim, report=report)
            rows.append(rec[:width] if len(rec) >= width else rec + [""] * (width - len(rec)))
            numbers.append(position)
    except csv.Error as exc:
        raise ReadError(
            f"{path.name} could not be read as {_DELIMITER_NAMES[delim]}-separated text "
            f"({exc}). Check for an unclosed quote and save the file again as CSV."
        ) from None
    if header is None:
        raise ReadError(f"{path.name} contains only blank lines. "
                        "Choose the file that holds the sites.")
    frame = pd.DataFrame(rows, columns=header, dtype="str")
    frame.index = pd.Index(numbers, name="row")
    return frame


def _text_row(rec: list[str], position: int, *, width: int, delim: str, report: Report) -> None:
    """Report a text row with more (non-empty) values than the header has columns."""
    if len(rec) > width:
        extra = [f for f in rec[width:] if f.strip()]
        if extra:
            report.error(
                f"This row has {len(rec)} values but the header has {width} columns, "
                f"so the values no longer line up with their columns (extra: {extra[0]!r}).",
                row=position,
                fix=f"Put quotes around values that contain a {_DELIMITER_NAMES[delim]}, "
                "or remove the extra values.",
            )


def _clean_header(names: Sequence[object], *, header_row: int, report: Report) -> list[str]:
    """Strip header names; name blank ones ``column_N`` and make duplicates unique."""
    cleaned: list[str] = []
    seen: set[str] = set()
    for i, raw in enumerate(names, start=1):
        name = "" if raw is None else str(raw).strip()
        if not name:
            name = f"column_{i}"
            report.warning(
                f"Column {i} has no name in the header (row {header_row}); it is called {name!r}.",
                column=name,
                fix="Give every column a name in the header row.",
            )
        if name in seen:
            base, n = name, 2
            while f"{base}_{n}" in seen:
                n += 1
            name = f"{base}_{n}"
            report.warning(
                f"The header has two columns named {base!r}; the second is called {name!r}.",
                column=name,
                fix="Give every column a different name.",
            )
        seen.add(name)
        cleaned.append(name)
    return cleaned


# --- Excel -------------------------------------------------------------------------
_XLSX_AGAIN = ("Open it in Excel or LibreOffice and save it again as .xlsx, or export the "
               "sites as CSV.")


def _read_xlsx(path: Path, *, report: Report, limits: ReadLimits,
               sheet: str | None = None) -> pd.DataFrame:
    from xml.etree.ElementTree import ParseError

    from openpyxl import load_workbook  # deferred: only needed for workbooks

    name = path.name
    archive, infos = _checked_zip(path, name=name, limits=limits, again=_XLSX_AGAIN,
                                  what="Excel .xlsx workbook")
    with archive:
        _unpack(archive, infos, name=name, limits=limits, again=_XLSX_AGAIN,
                sink=_DtdScanner(name))
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
                f"{limits.max_sheets:,} {_raise_limit('max_sheets')}. Copy the sheet with the "
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
    header = _clean_header((header_values + [None] * width)[:width], header_row=header_row,
                           report=report)
    rows = [(vals + [None] * width)[:width] for _, vals in body]
    frame = pd.DataFrame(rows, columns=header)
    frame.index = pd.Index([i for i, _ in body], name="row")
    return frame


class _DtdScanner:
    """A sink for :func:`_unpack` refusing XML parts of a workbook that carry a DTD.

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
                    raise _too_many_columns(name, f"{column:,}", limits, where)
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


# --- Parquet -----------------------------------------------------------------------
def _read_parquet(path: Path, *, report: Report, limits: ReadLimits) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    name = path.name
    try:
        parquet = pq.ParquetFile(path)
        meta = parquet.metadata
        schema = parquet.schema_arrow
    except Exception as exc:  # pyarrow raises several types for a corrupt file
        raise ReadError(
            f"{name} is not a readable Parquet file ({type(exc).__name__}). "
            "Export the sites again, or as CSV."
        ) from None
    # Everything below is checked on the footer alone, before any data is read.
    _check_rows(name, meta.num_rows, limits)
    if meta.num_columns > limits.max_columns:
        raise _too_many_columns(name, f"{meta.num_columns:,}", limits)
    if meta.num_row_groups > _MAX_ROW_GROUPS:
        raise ReadError(f"{name} is made of {meta.num_row_groups:,} row groups; at most "
                        f"{_MAX_ROW_GROUPS:,} are accepted. "
                        "Write it again in one piece, or as CSV.")
    unpacked = 0
    for group in range(meta.num_row_groups):
        unpacked += meta.row_group(group).total_byte_size
        if unpacked > limits.max_unpacked_bytes:
            raise _too_big(name, limits)
    geo = b"geo" in (schema.metadata or {})
    # Text columns are read dictionary-encoded, so a value repeated on every row is
    # held once, not once per row.
    text = [f.name for f in schema
            if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
    frame: pd.DataFrame
    try:
        if geo:
            import geopandas as gpd

            frame = gpd.read_parquet(path, read_dictionary=text)
        else:
            frame = pq.read_table(path, read_dictionary=text).to_pandas()
    except Exception as exc:  # noqa: BLE001 - pyarrow/geopandas raise many types
        raise ReadError(
            f"{name} is not a readable Parquet file ({type(exc).__name__}). "
            "Export the sites again, or as CSV."
        ) from None
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype(object)
    if geo:
        return _from_geoframe(frame, report=report, name=name, limits=limits)
    frame.index = pd.Index(np.arange(len(frame)) + 2, name="row")
    return frame


# --- GeoJSON, GeoPackage, Shapefile -------------------------------------------------
def _read_geo(path: Path, *, report: Report, name: str, limits: ReadLimits) -> pd.DataFrame:
    import pyogrio

    try:
        layers = pyogrio.list_layers(path)
        layer = layers[0][0] if len(layers) else None
        if len(layers) > 1:
            others = ", ".join(repr(str(row[0])) for row in layers[1:])
            report.warning(
                f"Only the first layer ({layer!r}) was read; the file also has {others}.",
                fix="Put the sites in one layer, or export that layer on its own.",
            )
        info = pyogrio.read_info(path, layer=layer)
        _check_rows(name, int(info.get("features") or 0), limits)
        if len(info.get("fields", ())) > limits.max_columns:
            raise _too_many_columns(name, f"{len(info['fields']):,}", limits)
        gdf = pyogrio.read_dataframe(path, layer=layer)
    except ReadError:
        raise
    except Exception as exc:  # pyogrio/GDAL raise many error types for unreadable files
        raise ReadError(
            f"{name} could not be read as {SUPPORTED_FORMATS.get(_extension(path), 'a map file')}: "
            f"{_gdal_reason(exc)}. Export it again from your GIS, or save the sites as CSV."
        ) from None
    return _from_geoframe(gdf, report=report, name=name, limits=limits)


def _gdal_reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def _from_geoframe(gdf, *, report: Report, name: str, limits: ReadLimits) -> pd.DataFrame:
    """Attributes of ``gdf`` plus latitude/longitude of its geometry in EPSG:4326."""
    import geopandas as gpd

    if len(gdf) == 0:
        raise ReadError(f"{name} has no features. Choose the file or layer that holds the sites.")
    _check_rows(name, len(gdf), limits)
    if len(gdf.columns) > limits.max_columns:
        raise _too_many_columns(name, f"{len(gdf.columns):,}", limits)
    attrs = (pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
             if isinstance(gdf, gpd.GeoDataFrame) else gdf)
    attrs.index = pd.Index(np.arange(len(gdf)) + 2, name="row")
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf.columns:
        return attrs
    geom = gdf.geometry
    _check_vertices(name, geom.values, limits)
    if geom.crs is None:
        report.warning(
            "The file does not say which coordinate reference system it uses; "
            "its coordinates were taken as longitude/latitude (EPSG:4326).",
            fix="Export it again with its projection (.prj) so it can be reprojected.",
        )
    elif not geom.crs.equals("EPSG:4326"):
        try:
            geom = geom.to_crs("EPSG:4326")
        except Exception as exc:  # pyproj errors for unusable CRS definitions
            raise ReadError(
                f"{name}: its coordinate reference system cannot be converted to "
                f"longitude/latitude ({_gdal_reason(exc)}). Export it again as EPSG:4326."
            ) from None
    missing = geom.isna() | geom.is_empty
    kinds = geom.geom_type
    non_point = (~missing) & (kinds != "Point")
    if non_point.any():
        report.warning(
            f"{int(non_point.sum()):,} features are not points "
            f"({', '.join(sorted(set(kinds[non_point])))}); "
            "a point inside each was used as its location.",
            fix="Give each site as a point if the exact location matters.",
        )
        geom = geom.where(~non_point, geom.representative_point())
    lon = np.full(len(geom), np.nan)
    lat = np.full(len(geom), np.nan)
    ok = ~missing.to_numpy(dtype=bool)
    if ok.any():
        import shapely

        points = np.asarray(geom.values)[ok]  # every one a point by now
        lon[ok] = shapely.get_x(points)
        lat[ok] = shapely.get_y(points)
    lower = {str(c).lower() for c in attrs.columns}
    prefix = "geometry_" if {"latitude", "longitude"} & lower else ""
    attrs[f"{prefix}latitude"] = lat
    attrs[f"{prefix}longitude"] = lon
    return attrs


def _unsafe_member(member: str) -> bool:
    name = member.replace("\\", "/")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return True
    return ".." in PurePosixPath(name).parts


_SHP_AGAIN = "Zip the Shapefile again (the .shp, .shx, .dbf and .prj files)."


def _read_zipped_shapefile(path: Path, *, report: Report, limits: ReadLimits) -> pd.DataFrame:
    archive, all_infos = _checked_zip(path, name=path.name, limits=limits, again=_SHP_AGAIN)
    with archive:
        infos = [i for i in all_infos if not i.is_dir()]
        unsafe = [i.filename for i in infos if _unsafe_member(i.filename)]
        if unsafe:
            raise ReadError(
                f"{path.name} was refused: it contains a file with an unsafe path "
                f"({unsafe[0]!r}) that points outside the archive. Zip only the Shapefile's "
                "own files, without folders above them."
            )
        shapefiles = sorted(
            i.filename
            for i in infos
            if i.filename.lower().endswith(".shp") and not i.filename.startswith("__MACOSX/")
        )
        if not shapefiles:
            listed = ", ".join(i.filename for i in infos[:5]) or "nothing"
            raise ReadError(
                f"{path.name} holds no Shapefile (.shp); it has {listed}. "
                "Zip the Shapefile's .shp, .shx, .dbf and .prj files together."
            )
        chosen = shapefiles[0]
        if len(shapefiles) > 1:
            report.warning(
                f"The zip holds {len(shapefiles)} Shapefiles; only {chosen!r} was read.",
                fix="Zip one Shapefile per file.",
            )
        stem = chosen[:-4]
        members = [i for i in infos
                   if i.filename[: len(stem)] == stem and "." in i.filename[len(stem):]
                   and "/" not in i.filename[len(stem):]]
        present = {i.filename[len(stem):].lower() for i in members}
        lacking = [ext for ext in _SHAPEFILE_REQUIRED if ext not in present]
        if lacking:
            raise ReadError(
                f"{path.name}: the Shapefile {chosen!r} is missing its "
                f"{' and '.join(lacking)} file. Zip all of its files together."
            )
        with tempfile.TemporaryDirectory(prefix="partnermap-shp-") as tmp:
            base = "sites"
            files = {i.filename: open(Path(tmp) / (base + i.filename[len(stem):].lower()), "wb")
                     for i in members}
            try:
                # Streamed with a running total: stops at the unpacked-size limit even
                # when the sizes the zip declares are false.
                _unpack(archive, members, name=path.name, limits=limits, again=_SHP_AGAIN,
                        sink=lambda info, chunk: files[info.filename].write(chunk))
            finally:
                for handle in files.values():
                    handle.close()
            return _read_geo(Path(tmp) / f"{base}.shp", report=report, name=path.name,
                             limits=limits)
