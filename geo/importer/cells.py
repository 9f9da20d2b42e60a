"""Reading single cells of an import file: text, dates, codes, formula-like text.

Each reader returns the clean value or raises :class:`CellError` whose message and fix
are shown to the user with the row and column. They never touch frames, so the checks
of :mod:`geo.importer.rowchecks` stay one loop over the rows.

Formula-like cells (:func:`geo.safe.is_formula_like`)
    Text starting with ``=`` or ``@``, or with ``+``/``-`` followed by something that
    is not a number, a phone number or a space (``+cmd|...``, ``-HYPERLINK(...)``), is
    **rejected** with an error, not stored: it is almost always a spreadsheet formula
    pasted by mistake or an injection attempt, and storing it neutralised (``'=...``)
    would show a stray apostrophe everywhere in the app. ``+1 (850) 555-0100``,
    ``-84.28`` and ``- met the principal`` are ordinary text and are kept. Whatever is
    stored, spreadsheet exports neutralise again (:mod:`geo.spreadsheet`).
"""
from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from geo.errors import PartnerMapError
from geo.safe import is_formula_like
from geo.text import cell_text, is_blank

_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
_US_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
REPLACEMENT_CHARACTER = "\ufffd"
DATE_FORMAT_FIX = "Write dates as YYYY-MM-DD, e.g. 2024-09-01 (or leave the cell empty)."


class CellError(PartnerMapError, ValueError):
    """A cell that cannot be used: ``message`` says why, ``fix`` what to do, and
    ``suggestion`` the value to write instead when there is one obvious replacement."""

    def __init__(self, message: str, fix: str, suggestion: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix
        self.suggestion = suggestion


def check_text(text: str) -> None:
    """Raise :class:`CellError` for formula-like text or characters lost in decoding."""
    if is_formula_like(text):
        raise CellError(
            f"The value {_clip(text)!r} starts with {text[0]!r}, so a spreadsheet would run "
            "it as a formula; it is not imported.",
            f"Remove the leading {text[0]!r} (or write the text in words). If the cell held "
            "a formula, paste its value instead.",
        )
    if REPLACEMENT_CHARACTER in text:
        raise CellError(
            f"The value {_clip(text)!r} contains characters that could not be read (bytes "
            "that are neither UTF-8 nor Windows-1252 text).",
            "Save the file as 'CSV UTF-8' and check this cell's accented letters.",
        )


def _clip(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1] + "\u2026"


def parse_date(value: object) -> dt.date | None:
    """A date from a cell (``YYYY-MM-DD`` text or a spreadsheet date); ``None`` if empty."""
    if is_blank(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = cell_text(value)
    match = _ISO_DATE.match(text)
    if match:
        try:
            return dt.date(*(int(g) for g in match.groups()))
        except ValueError:
            raise CellError(f"{text!r} is not a real date (no such day).",
                            DATE_FORMAT_FIX) from None
    fix = DATE_FORMAT_FIX
    suggestion = None
    us = _US_DATE.match(text)
    if us:
        month, day, year = (int(g) for g in us.groups())
        try:
            meant = dt.date(year, month, day)
            fix = f"Write it as {meant.isoformat()} if you meant {meant:%B} {day}, {year} " \
                "(dates are YYYY-MM-DD)."
            suggestion = meant.isoformat()
        except ValueError:
            pass
    raise CellError(f"{_clip(text)!r} is not a date in the format YYYY-MM-DD.", fix,
                    suggestion)


# Yes/No cells: the words people use, any case. A mark ("x", a tick) says yes; in a
# column of marks an empty cell says no (see :func:`yes_no`).
_YES = frozenset({"yes", "y", "true", "t", "1", "x", "\u2713", "\u2714", "\u2611"})
_NO = frozenset({"no", "n", "false", "f", "0"})
MARKS = frozenset({"x", "\u2713", "\u2714", "\u2611"})
YES_NO_FIX = ("Write Yes or No (also Y/N, TRUE/FALSE, 1/0, or x for yes with the cell "
              "left empty for no).")


def yes_no(value: object) -> bool | None:
    """``True``/``False`` for a Yes/No cell (see :data:`YES_NO_FIX`); ``None`` if empty.

    Raises :class:`CellError` for anything else.
    """
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    text = cell_text(value)
    if not text:
        return None
    word = text.casefold().rstrip(".")
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise CellError(f"{_clip(text)!r} is not Yes or No.", YES_NO_FIX)


def zip5(text: str) -> str:
    """A 5-digit ZIP from ``"32301"``, ``"32301-1234"``, ``"2134"`` (leading zero lost).

    The rule is :func:`geo.codes.read_zip`'s; this raises :class:`CellError`.
    """
    from geo.codes import read_zip

    read = read_zip(text)
    if read is None:
        raise CellError(f"{_clip(text)!r} is not a ZIP code.",
                        "Write a 5-digit ZIP code, e.g. 32301.")
    return read.code


def code_digits(text: str, *, digits: int, what: str, example: str) -> str:
    """A numeric code of ``digits`` digits; one lost leading zero is put back."""
    if re.fullmatch(rf"\d{{{digits - 1}}}", text):
        text = "0" + text
    if not re.fullmatch(rf"\d{{{digits}}}", text):
        raise CellError(f"{_clip(text)!r} is not a {digits}-digit {what}.",
                        f"Write the {digits}-digit {what}, e.g. {example}.")
    return text
