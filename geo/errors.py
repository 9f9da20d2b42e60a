"""The base of every exception the Partner Map raises on purpose.

``except PartnerMapError`` catches each refusal the app explains itself (a file that
cannot be read, a record that breaks the rules, a failed sign-in, a database that is
down...) and nothing else: ``str(exc)`` says what is wrong and how to fix it, fit to
show as it is. Exceptions that list several problems derive from :class:`ProblemsError`
and carry them as ``.problems`` (:class:`geo.problems.Problem` objects, every problem
found, not just the first), so a page can show them as a table.

The classes themselves stay where they are raised (``geo.db.storage_errors``, ``geo.read``,
``geo.importer.commit``...); they also keep the built-in bases callers catch them by
(``ValueError``, ``LookupError``, ``ConnectionError``, ``FileNotFoundError``...).
"""
from __future__ import annotations

from collections.abc import Iterable

from geo.problems import Problem


class PartnerMapError(Exception):
    """A refusal the app explains: ``str(exc)`` says what is wrong and what to do."""


class ProblemsError(PartnerMapError):
    """A refusal with the list of what is wrong: ``problems``.

    ``ProblemsError(message, problems)``. A subclass that sets ``self.problems`` before
    calling this ``__init__`` without problems keeps the ones it set.
    """

    problems: list[Problem]

    def __init__(self, message: str, problems: Iterable[Problem] | None = None) -> None:
        super().__init__(message)
        if problems is not None or not hasattr(self, "problems"):
            self.problems = list(problems or ())
