"""Problems found in a user's file, collected in one :class:`Report`.

Reading and validating a file never stops at the first problem: every check adds what
it finds to a :class:`Report`, and the caller decides at the end what to do (the CLI
writes them into an ``issues`` column; the import page shows them as a table).

Row numbers follow the spreadsheet convention, so a user can find the row in Excel or
LibreOffice: **the header is row 1 and the first data row is row 2**. For GeoJSON,
GeoPackage and Shapefile input the first feature is likewise "row 2". A problem with
the whole file (its encoding, a missing column) has ``row=None``.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from typing import Literal

import pandas as pd

Severity = Literal["error", "warning"]
_SEVERITIES: tuple[str, ...] = ("error", "warning")

ROW_CONVENTION = "row numbers count the header as row 1, so the first data row is row 2"


def row_number(position: int) -> int:
    """Spreadsheet row number of the data row at 0-based ``position`` (header = row 1)."""
    return position + 2


@dataclass(frozen=True)
class Problem:
    """One thing wrong (``error``) or worth a look (``warning``) in a user's file.

    ``row`` is the spreadsheet-style row number (header = 1, first data row = 2) or
    ``None`` for the whole file; ``column`` names the input column concerned, or is
    ``None``; ``table`` names the kind of record the row is or makes (``"partners"``,
    ``"sites"``, ``"activities"``), or is ``None`` when that is not known or not one.
    ``fix`` tells the user what to change. Callers read where a problem is from these
    fields, never from the text of ``message``.

    When the fix is one obvious replacement of the cell (a date written ``9/1/2021``,
    a near-miss of a code such as ``Coaching``), ``value`` is the cell's text as read
    from the file and ``suggestion`` what to write instead, so a caller can offer to
    apply it (see :mod:`geo.importer.fixes`) without reading it back out of ``fix``.
    """

    row: int | None
    column: str | None
    severity: Severity
    message: str
    fix: str
    value: str | None = None
    suggestion: str | None = None
    table: str | None = None

    def __post_init__(self) -> None:
        if self.severity not in _SEVERITIES:
            raise ValueError(
                f"severity must be 'error' or 'warning' (got {self.severity!r})"
            )

    @classmethod
    def error(
        cls, message: str, *, column: str | None = None, row: int | None = None, fix: str = "",
        value: str | None = None, suggestion: str | None = None, table: str | None = None,
    ) -> Problem:
        """An ``error`` problem: ``Problem.error("...", column="email", fix="...")``."""
        return cls(row=row, column=column, severity="error", message=message, fix=fix,
                   value=value, suggestion=suggestion, table=table)

    def short(self) -> str:
        """The problem without its row: ``error (latitude): ... Fix: ...``.

        Used inside a row's ``issues`` cell, where the row is implicit. Semicolons are
        replaced by commas because ``issues`` separates problems with ``;``.
        """
        where = f" ({self.column})" if self.column else ""
        text = f"{self.severity}{where}: {self.message}"
        if self.fix:
            text += f" Fix: {self.fix}"
        return text.replace(";", ",")

    def __str__(self) -> str:
        place = "file" if self.row is None else f"row {self.row}"
        if self.column:
            place += f", column {self.column!r}"
        text = f"{place}: {self.severity}: {self.message}"
        return text + (f" Fix: {self.fix}" if self.fix else "")


class Report:
    """An ordered collection of :class:`Problem` objects for one file."""

    def __init__(self, problems: Iterable[Problem] = ()) -> None:
        self._problems: list[Problem] = list(problems)

    # --- adding ------------------------------------------------------------------
    def add(self, problem: Problem) -> None:
        self._problems.append(problem)

    def error(
        self, message: str, *, row: int | None = None, column: str | None = None, fix: str = "",
        value: str | None = None, suggestion: str | None = None, table: str | None = None,
    ) -> None:
        """Record an error: the row (or file) cannot be used as it is. ``value`` and
        ``suggestion``: the cell and its replacement, when the fix is one; ``table``:
        see :class:`Problem`."""
        self.add(Problem.error(message, row=row, column=column, fix=fix, value=value,
                               suggestion=suggestion, table=table))

    def warning(
        self, message: str, *, row: int | None = None, column: str | None = None, fix: str = "",
        table: str | None = None,
    ) -> None:
        """Record a warning: the row is used, but the user should check it."""
        self.add(Problem(row=row, column=column, severity="warning", message=message, fix=fix,
                         table=table))

    def extend(self, problems: Iterable[Problem]) -> None:
        self._problems.extend(problems)

    # --- reading -----------------------------------------------------------------
    def __iter__(self) -> Iterator[Problem]:
        return iter(self._problems)

    def __len__(self) -> int:
        return len(self._problems)

    def __bool__(self) -> bool:
        return bool(self._problems)

    def errors(self) -> list[Problem]:
        return [p for p in self._problems if p.severity == "error"]

    def warnings(self) -> list[Problem]:
        return [p for p in self._problems if p.severity == "warning"]

    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self._problems)

    def file_problems(self) -> list[Problem]:
        """Problems about the whole file (``row is None``)."""
        return [p for p in self._problems if p.row is None]

    def by_row(self) -> dict[int, list[Problem]]:
        """Row-level problems grouped by row number, rows in ascending order."""
        grouped: dict[int, list[Problem]] = {}
        for p in self._problems:
            if p.row is not None:
                grouped.setdefault(p.row, []).append(p)
        return dict(sorted(grouped.items()))

    def rows_with_errors(self) -> set[int]:
        return {p.row for p in self._problems if p.severity == "error" and p.row is not None}

    def issues_by_row(self) -> dict[int, str]:
        """Row number -> its problems joined with ``"; "`` (rows without problems absent)."""
        return {row: "; ".join(p.short() for p in probs) for row, probs in self.by_row().items()}

    def to_frame(self) -> pd.DataFrame:
        """One line per problem: row (nullable int), column, severity, message, fix."""
        frame = pd.DataFrame(
            [asdict(p) for p in self._problems],
            columns=["row", "column", "severity", "message", "fix"],
        )
        frame["row"] = frame["row"].astype("Int64")
        return frame

    def summary(self) -> str:
        """``"12 warnings, 17 rows with errors"`` (or ``"no problems"``)."""
        if not self._problems:
            return "no problems"
        n_warn = len(self.warnings())
        n_rows = len(self.rows_with_errors())
        file_errors = sum(1 for p in self.errors() if p.row is None)
        parts = [_count(n_warn, "warning"), _count(n_rows, "row") + " with errors"]
        if file_errors:
            parts.append(_count(file_errors, "file error"))
        return ", ".join(parts)


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")
