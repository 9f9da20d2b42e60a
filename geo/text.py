"""What counts as an empty cell, and a cell as text: the rules every reader shares.

* :func:`is_missing` — no value at all: ``None``, a float NaN, ``pandas.NA`` or
  ``pandas.NaT`` (how pandas hands over an empty cell);
* :func:`is_blank` — missing, or text that is only spaces;
* :func:`cell_text` — a cell as stripped text (``""`` when blank, a whole float
  ``12.0`` as ``"12"``, a date as ``YYYY-MM-DD``);
* :func:`column_key` — a column name as it is compared with known names (``"Zip
  Code"`` = ``"zip_code"`` = ``"zipcode"``).

Kept free of a pandas import so :mod:`geo.safe` can use it cheaply.
"""
from __future__ import annotations

import datetime as dt
import math
import re

import numpy as np

_PANDAS_MISSING = frozenset({"NAType", "NaTType"})
_NOT_ALNUM = re.compile(r"[^0-9a-z]")


def is_missing(value: object) -> bool:
    """True for ``None``, a float NaN, ``pandas.NA`` and ``pandas.NaT``."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    # pandas.NA: compared with anything it returns NA, whose truth value is undefined,
    # so it is recognised by its type.
    return type(value).__name__ in _PANDAS_MISSING


def is_blank(value: object) -> bool:
    """True when :func:`is_missing` or for text that is empty or only whitespace."""
    if is_missing(value):
        return True
    return isinstance(value, str) and not value.strip()


def cell_text(value: object) -> str:
    """A cell as stripped text; ``""`` when empty; ``12.0`` (a whole float) as ``"12"``."""
    if is_blank(value):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, np.integer):
        return str(int(value))
    if isinstance(value, dt.datetime):  # pandas Timestamps included
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def column_key(name: object) -> str:
    """A column name with case, spaces and punctuation removed: "Zip Code" -> "zipcode"."""
    return _NOT_ALNUM.sub("", str(name).casefold())
