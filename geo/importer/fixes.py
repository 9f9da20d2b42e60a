"""One-click fixes: a refused cell's suggested replacement, applied to every cell like it.

A problem whose fix is one obvious replacement carries it as data
(:class:`geo.problems.Problem` ``value`` and ``suggestion``): ``9/1/2021`` in a date
column -> ``2021-09-01``, ``Coaching`` as a kind of work -> ``technical_assistance``.
:func:`suggested_fixes` gathers them per column and value, with the rows they touch;
a caller offers each one, keeps those the user accepts as *corrections*
``{(column, value): replacement}`` and prepares the import again with them
(``prepare_import(..., corrections=...)``), which applies them with
:func:`apply_corrections` to the file's cells before anything is checked. Nothing is
written until the import itself is confirmed.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from geo.problems import Problem
from geo.text import cell_text

Corrections = Mapping[tuple[str, str], str]


@dataclass(frozen=True)
class Fix:
    """Write ``suggestion`` instead of ``value`` in every cell of ``column`` holding it."""

    column: str
    value: str
    suggestion: str
    rows: tuple[int, ...]

    @property
    def key(self) -> tuple[str, str]:
        """The correction's key: ``(column, value)``."""
        return (self.column, self.value)

    def describe(self) -> str:
        """``start_date: “9/1/2021” → “2021-09-01” (3 rows: 4, 7, 9)``."""
        n = len(self.rows)
        shown = ", ".join(str(r) for r in self.rows[:8]) + (", …" if n > 8 else "")
        return (f"{self.column}: \u201c{self.value}\u201d \u2192 \u201c{self.suggestion}\u201d "
                f"({n:,} row{'s' if n != 1 else ''}: {shown})")


def suggested_fixes(problems: Iterable[Problem]) -> list[Fix]:
    """The fixes the errors among ``problems`` suggest, one per column and value, in
    the order their first row comes (rows listed once each)."""
    found: dict[tuple[str, str], tuple[str, list[int]]] = {}
    for p in problems:
        if (p.severity != "error" or p.suggestion is None or p.value is None
                or p.column is None or p.suggestion == p.value):
            continue
        suggestion, rows = found.setdefault((p.column, p.value), (p.suggestion, []))
        if p.row is not None and p.row not in rows:
            rows.append(p.row)
    return [Fix(column, value, suggestion, tuple(rows))
            for (column, value), (suggestion, rows) in found.items()]


def apply_corrections(raw: pd.DataFrame, corrections: Corrections
                      ) -> tuple[pd.DataFrame, dict[tuple[str, str], int]]:
    """``raw`` with each correction applied, and the number of cells each changed.

    A cell is changed when its text (:func:`geo.text.cell_text`, as the checks
    read it) is exactly the correction's value; a column not in ``raw`` changes nothing.
    ``raw`` itself is left as it was.
    """
    out = raw
    counts: dict[tuple[str, str], int] = {}
    for (column, value), replacement in corrections.items():
        counts[(column, value)] = 0
        if column not in raw.columns:
            continue
        texts = out[column].map(cell_text)
        mask = (texts == value).to_numpy()
        if not mask.any():
            continue
        if out is raw:
            out = raw.copy()
        values = out[column].astype(object).to_numpy(copy=True)
        values[mask] = replacement
        text_column = raw[column].dtype == "str"  # keep a text column text
        out[column] = pd.Series(values, index=out.index, dtype="str" if text_column else object)
        counts[(column, value)] = int(mask.sum())
    return out, counts
