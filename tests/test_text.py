"""geo.text: what counts as an empty cell, and a cell as text."""
from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from geo import text


def test_missing_and_blank() -> None:
    for value in (None, math.nan, np.float64("nan"), pd.NA, pd.NaT):
        assert text.is_missing(value) and text.is_blank(value), value
    for value in ("", "  ", "\t\n"):
        assert text.is_blank(value) and not text.is_missing(value), repr(value)
    for value in (0, 0.0, False, "0", "x", " x ", dt.date(2024, 1, 1)):
        assert not text.is_blank(value), repr(value)


def test_cell_text() -> None:
    assert text.cell_text(None) == "" and text.cell_text("  ") == ""
    assert text.cell_text(12.0) == "12" and text.cell_text(np.int64(7)) == "7"
    assert text.cell_text(12.5) == "12.5" and text.cell_text(" Leon ") == "Leon"
    assert text.cell_text(True) == "True"
    assert text.cell_text(pd.Timestamp("2024-09-01")) == "2024-09-01"
    assert text.cell_text(dt.datetime(2024, 9, 1, 8, 30)) == "2024-09-01T08:30:00"
    assert text.cell_text(dt.date(2024, 9, 1)) == "2024-09-01"
