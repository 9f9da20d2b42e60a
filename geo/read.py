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
"""
from __future__ import annotations

import csv
import io
import os
import re
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

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
# A zipped Shapefile larger than this once unpacked is refused (zip-bomb guard).
_MAX_UNZIPPED_BYTES = 2 * 1024**3
_SHAPEFILE_REQUIRED = (".shp", ".shx", ".dbf")


class ReadError(Exception):
    """The file cannot be read at all; the message says what is wrong and what to do."""


def supported_formats_text() -> str:
    """``".csv, .tsv, ..."`` for messages."""
    return ", ".join(SUPPORTED_FORMATS)


def read_sites(path: str | os.PathLike[str], *, report: Report,
               sheet: str | None = None) -> pd.DataFrame:
    """Read the sites file at ``path`` (any supported format) into a DataFrame.

    ``sheet``: the worksheet of an Excel workbook to read (default: the first).
    Raises :class:`ReadError` when the file is missing, empty, corrupt or of an
    unsupported kind, or has no such sheet. Problems that do not stop the reading are
    added to ``report``.
    """
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
        frame = _read_text(path, report=report)
    elif ext == ".xlsx":
        frame = _read_xlsx(path, report=report, sheet=sheet)
    elif ext == ".zip":
        frame = _read_zipped_shapefile(path, report=report)
    elif ext == ".parquet":
        frame = _read_parquet(path, report=report)
    else:
        frame = _read_geo(path, report=report, name=path.name)
    if frame.empty:
        raise ReadError(
            f"{path.name} has column headers but no data rows. Add one row per site "
            "below the header."
        )
    return frame


def read_upload(data: bytes, *, filename: str, report: Report,
                sheet: str | None = None) -> pd.DataFrame:
    """Read an uploaded file given as bytes; ``filename`` decides the format.

    The bytes go to a private temporary folder (removed afterwards), never next to
    other files, and only the base name of ``filename`` is used.
    """
    name = PurePosixPath(filename.replace("\\", "/")).name or "upload"
    with tempfile.TemporaryDirectory(prefix="partnermap-upload-") as tmp:
        target = Path(tmp) / name
        target.write_bytes(data)
        return read_sites(target, report=report, sheet=sheet)


def sheet_names(source: str | os.PathLike[str] | bytes) -> list[str]:
    """The worksheet names of an Excel workbook (a path or its bytes); ``[]`` otherwise."""
    from openpyxl import load_workbook

    handle = io.BytesIO(bytes(source)) if isinstance(source, (bytes, bytearray)) else source
    try:
        workbook = load_workbook(handle, read_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return []
    try:
        return [ws.title for ws in workbook.worksheets]
    finally:
        workbook.close()


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


def _read_text(path: Path, *, report: Report) -> pd.DataFrame:
    text = _decode(path.read_bytes(), name=path.name, report=report)
    if not text.strip():
        raise ReadError(f"{path.name} contains only blank lines. Choose the file that holds the sites.")
    delim = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    try:
        records = list(reader)
    except csv.Error as exc:
        raise ReadError(
            f"{path.name} could not be read as {_DELIMITER_NAMES[delim]}-separated text "
            f"({exc}). Check for an unclosed quote and save the file again as CSV."
        ) from None
    first = next((i for i, rec in enumerate(records) if any(f.strip() for f in rec)), None)
    if first is None:
        raise ReadError(f"{path.name} contains only blank lines. Choose the file that holds the sites.")
    header = _clean_header(records[first], header_row=first + 1, report=report)
    width = len(header)
    rows: list[list[str]] = []
    numbers: list[int] = []
    for position, rec in enumerate(records[first + 1 :], start=first + 2):
        if not any(field.strip() for field in rec):
            continue  # a blank line: skipped, but the row numbers of later rows stay right
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
            rec = rec[:width]
        elif len(rec) < width:
            rec = rec + [""] * (width - len(rec))
        rows.append(rec)
        numbers.append(position)
    frame = pd.DataFrame(rows, columns=header, dtype="str")
    frame.index = pd.Index(numbers, name="row")
    return frame


def _clean_header(names: list[object], *, header_row: int, report: Report) -> list[str]:
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
def _read_xlsx(path: Path, *, report: Report, sheet: str | None = None) -> pd.DataFrame:
    from openpyxl import load_workbook  # deferred: only needed for workbooks

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ReadError(
            f"{path.name} is not a valid Excel .xlsx workbook ({type(exc).__name__}). "
            "Open it in Excel or LibreOffice and save it again as .xlsx, or export it as CSV."
        ) from None
    try:
        if not workbook.worksheets:
            raise ReadError(f"{path.name} has no worksheets. Put the sites on the first sheet.")
        titles = [ws.title for ws in workbook.worksheets]
        if sheet is not None:
            if sheet not in titles:
                raise ReadError(
                    f"{path.name} has no sheet {sheet!r}. Its sheets are: "
                    f"{', '.join(repr(t) for t in titles)}. Give one of them (--sheet NAME, "
                    "or the sheet choice on the Data page).")
            chosen = workbook.worksheets[titles.index(sheet)]
        else:
            chosen = workbook.worksheets[0]
            if len(titles) > 1:
                others = ", ".join(repr(t) for t in titles[1:])
                report.warning(
                    f"Only the first sheet ({chosen.title!r}) was read; the workbook also "
                    f"has {others}.",
                    fix="Choose the sheet that holds the sites (--sheet NAME, or the sheet "
                    "choice on the Data page).",
                )
        rows_iter = chosen.iter_rows(min_row=1, min_col=1, values_only=True)
        records = [(i, list(values)) for i, values in enumerate(rows_iter, start=1)]
    finally:
        workbook.close()
    filled = [(i, vals) for i, vals in records if any(_filled(v) for v in vals)]
    if not filled:
        raise ReadError(f"{path.name}: the first sheet is empty. Put the sites on the first sheet.")
    header_row, header_values = filled[0]
    body = filled[1:]
    # Drop trailing columns that have neither a header nor any value (formatting only).
    width = len(header_values)
    while width > 0 and not _filled(header_values[width - 1]) and not any(
        len(vals) >= width and _filled(vals[width - 1]) for _, vals in body
    ):
        width -= 1
    header = _clean_header(header_values[:width], header_row=header_row, report=report)
    rows = [(vals + [None] * width)[:width] for _, vals in body]
    frame = pd.DataFrame(rows, columns=header)
    frame.index = pd.Index([i for i, _ in body], name="row")
    return frame


def _filled(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


# --- Parquet -----------------------------------------------------------------------
def _read_parquet(path: Path, *, report: Report) -> pd.DataFrame:
    import pyarrow.parquet as pq

    try:
        metadata = pq.read_schema(path).metadata or {}
    except Exception as exc:  # pyarrow raises several types for a corrupt file
        raise ReadError(
            f"{path.name} is not a readable Parquet file ({type(exc).__name__}). "
            "Export the sites again, or as CSV."
        ) from None
    if b"geo" in metadata:
        import geopandas as gpd

        return _from_geoframe(gpd.read_parquet(path), report=report, name=path.name)
    frame = pd.read_parquet(path)
    frame.index = pd.Index(np.arange(len(frame)) + 2, name="row")
    return frame


# --- GeoJSON, GeoPackage, Shapefile -------------------------------------------------
def _read_geo(path: Path, *, report: Report, name: str) -> pd.DataFrame:
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
        gdf = pyogrio.read_dataframe(path, layer=layer)
    except Exception as exc:  # pyogrio/GDAL raise many error types for unreadable files
        raise ReadError(
            f"{name} could not be read as {SUPPORTED_FORMATS.get(_extension(path), 'a map file')}: "
            f"{_gdal_reason(exc)}. Export it again from your GIS, or save the sites as CSV."
        ) from None
    return _from_geoframe(gdf, report=report, name=name)


def _gdal_reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def _from_geoframe(gdf, *, report: Report, name: str) -> pd.DataFrame:
    """Attributes of ``gdf`` plus latitude/longitude of its geometry in EPSG:4326."""
    import geopandas as gpd

    if len(gdf) == 0:
        raise ReadError(f"{name} has no features. Choose the file or layer that holds the sites.")
    attrs = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)) if isinstance(gdf, gpd.GeoDataFrame) else gdf
    attrs.index = pd.Index(np.arange(len(gdf)) + 2, name="row")
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf.columns:
        return attrs
    geom = gdf.geometry
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
            f"{int(non_point.sum()):,} features are not points ({', '.join(sorted(set(kinds[non_point])))}); "
            "a point inside each was used as its location.",
            fix="Give each site as a point if the exact location matters.",
        )
        geom = geom.where(~non_point, geom.representative_point())
    lon = np.full(len(geom), np.nan)
    lat = np.full(len(geom), np.nan)
    ok = ~missing.to_numpy()
    if ok.any():
        lon[ok] = geom[ok].x.to_numpy()
        lat[ok] = geom[ok].y.to_numpy()
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


def _read_zipped_shapefile(path: Path, *, report: Report) -> pd.DataFrame:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise ReadError(
            f"{path.name} is not a valid zip file (it may be damaged or incomplete). "
            "Zip the Shapefile again (the .shp, .shx, .dbf and .prj files)."
        ) from None
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        unsafe = [i.filename for i in infos if _unsafe_member(i.filename)]
        if unsafe:
            raise ReadError(
                f"{path.name} was refused: it contains a file with an unsafe path "
                f"({unsafe[0]!r}) that points outside the archive. Zip only the Shapefile's "
                "own files, without folders above them."
            )
        if sum(i.file_size for i in infos) > _MAX_UNZIPPED_BYTES:
            raise ReadError(
                f"{path.name} unpacks to more than {_MAX_UNZIPPED_BYTES // 1024**3} GB. "
                "Zip only the Shapefile of the sites."
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
        members = [i for i in infos if i.filename[: len(stem)] == stem and "." in i.filename[len(stem):]
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
            for info in members:
                target = Path(tmp) / (base + info.filename[len(stem):].lower())
                with archive.open(info) as src, open(target, "wb") as dst:
                    while chunk := src.read(1 << 20):
                        dst.write(chunk)
            return _read_geo(Path(tmp) / f"{base}.shp", report=report, name=path.name)
