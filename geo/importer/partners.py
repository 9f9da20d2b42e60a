"""Matching the partner names of a file to the partners already stored.

The same organization must not be entered twice, so a name is first compared with the
stored ones after normalising case, spacing and punctuation (:func:`geo.db.validation.
name_key`: "Communities In Schools, Inc." = "communities in schools inc"). A name with
no exact match but a close one ("Communities in School" ~ "Communities In Schools",
:mod:`difflib`, or the same name without "Inc."/"LLC"/"The") is *not* created silently:
the preview carries the suggestion and an error, and the user either picks the existing
partner or confirms that it is a new one (``choices``). A name with nothing close
becomes a new partner, without public-listing consent.
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from geo.db.validation import name_key

Choice = int | Literal["new"]
How = Literal["exact", "chosen", "new", "unsure"]
_CUTOFF = 0.8
_LEGAL = re.compile(r"\b(inc|incorporated|llc|ltd|corp|corporation|co|the|of america)\b")


@dataclass(frozen=True)
class PartnerMatch:
    """What one partner name of the file resolves to.

    ``how``: ``"exact"`` (same normalised name as ``partner_id``), ``"chosen"`` (the
    caller picked ``partner_id``), ``"new"`` (a partner will be created; ``confirmed``
    when the caller said so), or ``"unsure"`` (close to ``suggestions``; the caller must
    choose). ``suggestions`` are ``(partner_id, stored name)``, closest first.
    """

    name: str
    how: How
    partner_id: int | None = None
    existing_name: str | None = None
    suggestions: tuple[tuple[int, str], ...] = ()
    rows: tuple[int, ...] = field(default=(), compare=False)

    @property
    def is_new(self) -> bool:
        return self.how in ("new", "unsure")

    def describe(self) -> str:
        """One line for a summary: ``'X' -> existing partner 3 ('X Inc')``."""
        if self.how in ("exact", "chosen"):
            return f"{self.name!r} -> existing partner {self.partner_id} ({self.existing_name!r})"
        if self.how == "new":
            return f"{self.name!r} -> new partner"
        options = ", ".join(f"{n!r} (id {i})" for i, n in self.suggestions)
        return f"{self.name!r} -> not found; did you mean {options}?"


def _loose(key: str) -> str:
    return " ".join(_LEGAL.sub(" ", key).split())


def loose_words(name: str) -> list[str]:
    """The words de-duplication compares a name by: :func:`name_key` (case, spacing and
    punctuation ignored) without the legal words ("Inc", "LLC", "Corp", "The")."""
    return _loose(name_key(name)).split()


def match_partners(
    names: Mapping[str, list[int]],
    stored: pd.DataFrame,
    *,
    choices: Mapping[str, Choice] | None = None,
) -> dict[str, PartnerMatch]:
    """Resolve each file name (-> its row numbers) against ``stored`` live partners.

    ``stored`` has ``partner_id`` and ``name``. ``choices`` maps a file name (compared
    normalised) to an existing ``partner_id`` or ``"new"``. Returns file name -> match.
    Raises ``ValueError`` for a choice that names no stored partner.
    """
    ids = [int(i) for i in stored["partner_id"]]
    stored_names = [str(n) for n in stored["name"]]
    by_key = {name_key(n): (i, n) for i, n in zip(ids, stored_names, strict=True)}
    by_id = dict(zip(ids, stored_names, strict=True))
    loose: dict[str, list[tuple[int, str]]] = {}
    for key, entry in by_key.items():
        loose.setdefault(_loose(key), []).append(entry)
    chosen = {name_key(k): v for k, v in (choices or {}).items()}
    out: dict[str, PartnerMatch] = {}
    for name, rows in names.items():
        key = name_key(name)
        rows_t = tuple(rows)
        if key in by_key:
            pid, existing = by_key[key]
            out[name] = PartnerMatch(name, "exact", pid, existing, rows=rows_t)
            continue
        choice = chosen.get(key)
        if isinstance(choice, int) and not isinstance(choice, bool):
            if choice not in by_id:
                raise ValueError(f"partner id {choice} chosen for {name!r} is not a stored "
                                 "partner; choose one of the suggestions or 'new'")
            out[name] = PartnerMatch(name, "chosen", choice, by_id[choice], rows=rows_t)
            continue
        if choice is not None and choice != "new":
            raise ValueError(f"the choice for {name!r} must be a partner id or 'new' "
                             f"(got {choice!r})")
        suggestions = _suggestions(key, by_key, loose)
        how: How = "new" if choice == "new" or not suggestions else "unsure"
        out[name] = PartnerMatch(name, how, suggestions=suggestions, rows=rows_t)
    return out


def _suggestions(
    key: str, by_key: dict[str, tuple[int, str]], loose: dict[str, list[tuple[int, str]]]
) -> tuple[tuple[int, str], ...]:
    found: list[tuple[int, str]] = list(loose.get(_loose(key), []))
    for close in difflib.get_close_matches(key, list(by_key), n=3, cutoff=_CUTOFF):
        if by_key[close] not in found:
            found.append(by_key[close])
    return tuple(found[:3])
