"""The bounds every read of a user's file keeps (:class:`geo.config.ReadLimits`), the
error a file that cannot be read raises, and zip archives opened and unpacked within
the bounds (XLSX workbooks, zipped Shapefiles)."""
from __future__ import annotations

import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO

import numpy as np

from geo.config import LIMIT_VARIABLES, ReadLimits
from geo.errors import PartnerMapError

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

# Zip archives (XLSX, zipped Shapefile) with more members than this are refused; a real
# workbook or Shapefile has a few dozen.
_MAX_ZIP_MEMBERS = 1_000
# What unpacking a damaged, truncated or encrypted member raises.
_ZIP_FAULTS = (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError,
               ValueError, OSError)


class ReadError(PartnerMapError):
    """The file cannot be read at all; the message says what is wrong and what to do."""


def raise_limit(limit: str) -> str:
    return (f"(the administrator can raise the limit with {LIMIT_VARIABLES[limit]})")


def too_many_rows(name: str, limits: ReadLimits) -> ReadError:
    n = limits.max_rows
    return ReadError(
        f"{name} has more than {n:,} data rows, the most one file may hold "
        f"{raise_limit('max_rows')}. Split it into files of at most {n:,} rows each, "
        "each with the header row, and import them one after the other.")


def too_many_columns(name: str, count: int | str, limits: ReadLimits,
                     where: str = "") -> ReadError:
    n = limits.max_columns
    return ReadError(
        f"{name} has {count} columns{where}; one file may have at most {n:,} "
        f"{raise_limit('max_columns')}. Keep only the columns the sites need (delete "
        "stray values far to the right of the table), or split the columns into two files.")


def too_big(name: str, limits: ReadLimits, what: str = "holds") -> ReadError:
    n = limits.max_unpacked_mb
    return ReadError(
        f"{name} {what} more than {n:,} MB of data, the most one file may hold "
        f"{raise_limit('max_unpacked_mb')}. Split the sites into smaller files "
        "(or zip only the Shapefile's own files) and import them one after the other.")


def check_file_size(path: Path, limits: ReadLimits, name: str | None = None) -> None:
    if path.stat().st_size > limits.max_unpacked_bytes:
        raise too_big(name or path.name, limits, "is")


def check_rows(name: str, count: int, limits: ReadLimits) -> None:
    if count > limits.max_rows:
        raise too_many_rows(name, limits)


def check_vertices(name: str, geometry, limits: ReadLimits) -> None:
    """Refuse geometry with more vertices than ``limits`` allow (before any work on it)."""
    import shapely

    count = int(shapely.get_num_coordinates(np.asarray(geometry)).sum())
    if count > limits.max_vertices:
        n = limits.max_vertices
        raise ReadError(
            f"{name} has {count:,} geometry vertices; one file may have at most {n:,} "
            f"{raise_limit('max_vertices')}. Give each site as a point (or simplify the "
            "shapes), or split the file into smaller ones.")


def damaged_zip(name: str, what: str, exc: BaseException) -> ReadError:
    reason = "it is encrypted" if "encrypt" in str(exc).lower() or "password" in str(exc).lower() \
        else f"it is damaged or incomplete: {str(exc)[:120] or type(exc).__name__}"
    return ReadError(
        f"{name} cannot be unpacked ({reason}). {what}")


def checked_zip(path: Path | BinaryIO, *, name: str, limits: ReadLimits, again: str,
                what: str = "zip file") -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    """Open the zip at ``path`` (or in a file object); refuse it when damaged, when it
    has too many members or when its members declare more than the unpacked-size limit.
    Nothing is unpacked."""
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
        raise too_big(name, limits, "unpacks to")
    return archive, infos


def unpack(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], *, name: str,
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
                        raise too_big(name, limits, "unpacks to")
                    if sink is not None:
                        sink(info, chunk)
    except ReadError:
        raise
    except _ZIP_FAULTS as exc:
        raise damaged_zip(name, again, exc) from None


