"""Reading an upload for the import: its size, its format, and its header row.

:func:`read_source` reads a path or uploaded bytes with :mod:`geo.read` after checking the
size limit (``PARTNERMAP_MAX_UPLOAD_MB``); :func:`check_header` refuses formula-like
column names; :func:`delimiter_hint` explains a header read as one column because the
separator was not recognised. Every problem goes to the caller's :class:`Report`.
"""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from geo.importer.cells import CellError, check_text
from geo.importer.mapping import suggest_mapping
from geo.problems import Problem, Report


def _mb(n: int) -> str:
    """A size for messages: ``"50 MB"``, ``"61.2 MB"``, ``"2.0 KB"``, ``"900 bytes"``."""
    for unit, size in (("MB", 1024 * 1024), ("KB", 1024)):
        if n >= size:
            value = n / size
            return f"{value:,.0f} {unit}" if value == int(value) else f"{value:,.1f} {unit}"
    return f"{n:,} bytes"


def read_source(source: str | os.PathLike[str] | bytes, *, name: str, max_bytes: int | None,
                report: Report, sheet: str | None = None) -> pd.DataFrame | None:
    """The file as a frame (index: spreadsheet row numbers), or ``None`` when it is
    larger than ``max_bytes`` (default: the ``PARTNERMAP_MAX_UPLOAD_MB`` setting) or
    cannot be read; ``report`` says why."""
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


def check_header(columns: list[str], *, report: Report) -> None:
    for col in columns:
        try:
            check_text(col)
        except CellError as exc:
            report.error(f"The header: {exc.message}", column=col, fix=exc.fix)


def delimiter_hint(columns: list[str]) -> Problem | None:
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

