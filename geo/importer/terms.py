"""Reading controlled values (kind of work, principles, status, site kind) from a file.

Codes and labels are accepted in any case and spacing ("Policy and advocacy",
"POLICY", "technical assistance"). An unknown value is an error whose fix names the
closest valid value (``difflib``), also when the user wrote a common other word for it
("professional development" -> "Professional learning").
"""
from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from geo.codes import code_lookup, vocab_key
from geo.schema import KINDS_OF_WORK, PRINCIPLES, SITE_KINDS, STATUSES

# Other words people use, pointing at a code: only used to suggest, never accepted
# silently, so the user sees what the value will become.
_HINTS: dict[str, dict[str, str]] = {
    "kind_of_work": {
        "direct service": "implementation", "services": "implementation",
        "programs": "implementation", "advocacy": "policy", "public policy": "policy",
        "ta": "technical_assistance", "coaching": "technical_assistance",
        "capacity building": "technical_assistance",
        "professional development": "professional_learning", "pd": "professional_learning",
        "training": "professional_learning", "evaluation": "research",
        "network": "convening", "networking": "convening", "grants": "funding",
        "grantmaking": "funding", "financial support": "funding",
    },
    "status": {"current": "active", "ongoing": "active", "completed": "ended",
               "finished": "ended", "closed": "ended", "past": "ended",
               "proposed": "planned", "upcoming": "planned", "future": "planned"},
    "principles": {"learning": "Learning and Development",
                   "youth leadership": "Youth Leadership and Engagement",
                   "results": "Results-Driven Partnership"},
    "site_kind": {"initiative office": "office", "affiliate": "affiliate",
                  "local affiliate": "affiliate", "regular school": "school",
                  "public school": "school"},
}


@dataclass(frozen=True)
class Vocabulary:
    """One controlled field: its codes, their labels, and lookups for reading."""

    field: str
    labels: Mapping[str, str]  # code -> label shown

    def lookup(self) -> dict[str, str]:
        return code_lookup(self.labels)

    def read(self, text: str) -> str | None:
        """The code for ``text`` (a code or label in any case), or ``None``."""
        return self._table.get(vocab_key(text))

    def suggest(self, text: str) -> str | None:
        """The closest valid value to ``text`` as shown to users, or ``None``."""
        code = self.suggest_code(text)
        return None if code is None else self.show(code)

    def suggest_code(self, text: str) -> str | None:
        """The code of the closest valid value to ``text``, or ``None``."""
        key = vocab_key(text)
        hints = {vocab_key(k): v for k, v in _HINTS.get(self.field, {}).items()}
        if key in hints:
            return hints[key]
        candidates = {**hints, **self._table}
        close = difflib.get_close_matches(key, list(candidates), n=1, cutoff=0.6)
        return candidates[close[0]] if close else None

    def show(self, code: str) -> str:
        """``"policy (Policy and advocacy)"``, or just the code when it is its own label."""
        label = self.labels[code]
        return code if label == code else f"{code} ({label})"

    def choices(self) -> str:
        return ", ".join(self.show(code) for code in self.labels)

    @cached_property
    def _table(self) -> dict[str, str]:
        return self.lookup()


VOCABULARIES: dict[str, Vocabulary] = {
    "kind_of_work": Vocabulary("kind_of_work", KINDS_OF_WORK),
    "status": Vocabulary("status", {s: s for s in STATUSES}),
    "principles": Vocabulary("principles", {p: p for p in PRINCIPLES}),
    "site_kind": Vocabulary("site_kind", SITE_KINDS),
}


def split_principles(text: str) -> list[str]:
    """Items of a principles cell: separated by ``;`` (or by ``,`` when there is no ``;``)."""
    separator = ";" if ";" in text or "," not in text else ","
    return [part.strip() for part in text.split(separator) if part.strip()]
