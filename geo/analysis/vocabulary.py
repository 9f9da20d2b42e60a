"""Turning what a person types (principle names, kind-of-work codes or labels) into
the stored vocabulary of :mod:`geo.schema`.

Matching is :func:`geo.codes.vocab_key`'s (case, spacing, ``_ - /`` ignored). Unknown values are
collected and reported together, with the list of valid values, so one error message
is enough to fix the whole input.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from geo.codes import code_lookup, vocab_key
from geo.errors import PartnerMapError
from geo.schema import KINDS_OF_WORK, PRINCIPLES, STATUSES


class UnknownTermError(PartnerMapError, ValueError):
    """One or more values are not in the controlled vocabulary."""


_PRINCIPLE_BY_KEY = code_lookup(PRINCIPLES)
_KIND_BY_KEY = code_lookup(KINDS_OF_WORK)
_STATUS_BY_KEY = code_lookup(STATUSES)


def _as_items(values: str | Iterable[str] | None) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        values = values.split(";")
    return [str(v).strip() for v in values if str(v).strip()]


def _valid_kinds_text() -> str:
    return "; ".join(f"{label} ({code})" for code, label in KINDS_OF_WORK.items())


def principles(values: str | Iterable[str] | None) -> list[str]:
    """Canonical principle names for ``values`` (a list or a ";"-joined string)."""
    items = _as_items(values)
    bad = [v for v in items if vocab_key(v) not in _PRINCIPLE_BY_KEY]
    if bad:
        raise UnknownTermError(
            f"Unknown principle(s): {', '.join(repr(b) for b in bad)}. "
            f"Valid principles: {'; '.join(PRINCIPLES)}."
        )
    return list(dict.fromkeys(_PRINCIPLE_BY_KEY[vocab_key(v)] for v in items))


def kinds(values: str | Iterable[str] | None) -> list[str]:
    """Kind-of-work codes for ``values`` given as codes or labels."""
    items = _as_items(values)
    bad = [v for v in items if vocab_key(v) not in _KIND_BY_KEY]
    if bad:
        raise UnknownTermError(
            f"Unknown kind(s) of work: {', '.join(repr(b) for b in bad)}. "
            f"Valid kinds of work (label or code): {_valid_kinds_text()}."
        )
    return list(dict.fromkeys(_KIND_BY_KEY[vocab_key(v)] for v in items))


def statuses(values: str | Iterable[str] | None) -> list[str]:
    """Status codes (planned, active, ended) for ``values``."""
    items = _as_items(values)
    bad = [v for v in items if vocab_key(v) not in _STATUS_BY_KEY]
    if bad:
        raise UnknownTermError(
            f"Unknown status(es): {', '.join(repr(b) for b in bad)}. "
            f"Valid statuses: {', '.join(STATUSES)}."
        )
    return list(dict.fromkeys(_STATUS_BY_KEY[vocab_key(v)] for v in items))


@dataclass(frozen=True)
class Needs:
    """What a place needs, as ticked by the user: principles and kinds of work."""

    principles: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.principles or self.kinds)

    def __len__(self) -> int:
        return len(self.principles) + len(self.kinds)

    def labels(self) -> list[str]:
        """Display labels, principles first."""
        return [*self.principles, *(KINDS_OF_WORK[k] for k in self.kinds)]


def parse_needs(values: str | Iterable[str] | Needs | None) -> Needs:
    """Sort each value into a principle or a kind of work (name, code or label).

    Every unknown value is reported in one :class:`UnknownTermError` that lists all
    valid principles and kinds of work.
    """
    if isinstance(values, Needs):
        return values
    found_p: list[str] = []
    found_k: list[str] = []
    bad: list[str] = []
    for item in _as_items(values):
        key = vocab_key(item)
        if key in _PRINCIPLE_BY_KEY:
            found_p.append(_PRINCIPLE_BY_KEY[key])
        elif key in _KIND_BY_KEY:
            found_k.append(_KIND_BY_KEY[key])
        else:
            bad.append(item)
    if bad:
        raise UnknownTermError(
            f"Unknown need(s): {', '.join(repr(b) for b in bad)}. A need is a principle "
            f"({'; '.join(PRINCIPLES)}) or a kind of work ({_valid_kinds_text()})."
        )
    return Needs(tuple(dict.fromkeys(found_p)), tuple(dict.fromkeys(found_k)))
