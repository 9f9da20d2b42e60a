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

The package: :mod:`~geo.read.limits` (the bounds, :class:`ReadError`, zip archives),
:mod:`~geo.read.delimited`, :mod:`~geo.read.workbook`, :mod:`~geo.read.parquet_file`
and :mod:`~geo.read.gis`, one per kind of file.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path, PurePosixPath

import pandas as pd

from geo.config import ReadLimits, read_limits as _limits_from_env
from geo.problems import Report
from geo.read.delimited import extension, read_text
from geo.read.gis import read_geo, read_zipped_shapefile
from geo.read.limits import SUPPORTED_FORMATS, ReadError, check_file_size, too_many_rows
from geo.read.parquet_file import read_parquet
from geo.read.workbook import read_xlsx, sheet_names

__all__ = ["SUPPORTED_FORMATS", "ReadError", "read_sites", "read_upload", "sheet_names",
           "supported_formats_text", "too_many_rows"]


_TEXT_EXTENSIONS = (".csv", ".tsv", ".txt")
_GEO_EXTENSIONS = (".geojson", ".json", ".gpkg", ".shp")


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
    ext = extension(path)
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
        check_file_size(path, limits)
        frame = read_text(path, report=report, limits=limits)
    elif ext == ".xlsx":
        frame = read_xlsx(path, report=report, sheet=sheet, limits=limits)
    elif ext == ".zip":
        frame = read_zipped_shapefile(path, report=report, limits=limits)
    elif ext == ".parquet":
        frame = read_parquet(path, report=report, limits=limits)
    else:
        check_file_size(path, limits)
        frame = read_geo(path, report=report, name=path.name, limits=limits)
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


