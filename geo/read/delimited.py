"""Delimited text files (``.csv``, ``.tsv``, ``.txt``): the encoding (UTF-8, else
Windows-1252, said in a warning), the delimiter, rows of the wrong width, and the
header every format's columns are cleaned by."""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from geo.config import ReadLimits
from geo.problems import Report
from geo.read.limits import (
    ReadError,
    too_many_columns,
    too_many_rows,
)

_DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
_SNIFF_RECORDS = 50


def extension(path: Path) -> str:
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


def read_text(path: Path, *, report: Report, limits: ReadLimits) -> pd.DataFrame:
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
                    raise too_many_columns(path.name, f"{len(rec):,}", limits, " in its header")
                header = clean_header(rec, header_row=position, report=report)
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


def clean_header(names: Sequence[object], *, header_row: int, report: Report) -> list[str]:
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


