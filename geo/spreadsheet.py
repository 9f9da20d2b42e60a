"""Making frames safe to open in a spreadsheet program (CSV and XLSX exports).

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
run as a formula by Excel and LibreOffice (formula injection: a partner name such as
``=HYPERLINK("http://evil.example", "click")``). Such cells get a leading apostrophe,
so they show as text. Nothing else changes: other text, numbers (a real ``-5`` stays a
number), dates, booleans and empty cells are returned as they are, and so are column
names that do not start with those characters.

The per-cell rule is :func:`geo.safe.spreadsheet_cell`; this module applies it to
whole frames.
"""
from __future__ import annotations

import pandas as pd
from pandas.api.types import is_object_dtype, is_string_dtype

from geo.safe import spreadsheet_cell

__all__ = ["neutralise_cell", "neutralise_frame"]


def neutralise_cell(value: object) -> object:
    """``value`` with a leading apostrophe if it is formula-like text, else unchanged."""
    return spreadsheet_cell(value)


def neutralise_frame(frame: pd.DataFrame, *, keep_number_text: bool = False) -> pd.DataFrame:
    """A copy of ``frame`` with every formula-like text cell (and header) neutralised.

    Only text and mixed (object) columns are touched, and keep their dtype. With
    ``keep_number_text``, text that reads as a number (``"-81.49"``, a raw coordinate
    kept from an input file) is left as it is: a spreadsheet reads it as that number.
    """
    def cell(value: object) -> object:
        if keep_number_text and isinstance(value, str) and _is_number(value):
            return value
        return spreadsheet_cell(value)

    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if is_string_dtype(values.dtype) or is_object_dtype(values.dtype):
            out[column] = values.map(cell, na_action="ignore").astype(values.dtype)
    out.columns = [spreadsheet_cell(c) if isinstance(c, str) else c for c in out.columns]
    return out


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
