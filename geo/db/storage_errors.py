"""The exceptions the storage layer raises, so callers can tell them apart.

Every message names what is wrong and what to do next; pages and the command line show
``str(exc)`` as it is. All derive from :class:`geo.errors.PartnerMapError`;
:class:`ValidationError` carries its problems as a :class:`geo.errors.ProblemsError`.
"""
from __future__ import annotations

from geo.errors import PartnerMapError, ProblemsError
from geo.problems import Problem

# The message lists this many problems; all of them stay in ``.problems``.
_MAX_LINES = 50


class StoreError(PartnerMapError):
    """Base class of the storage errors below."""


class ValidationError(ProblemsError, StoreError, ValueError):
    """Values given to the store break the record rules; nothing was written.

    ``problems`` lists every problem found (not just the first), each naming the field,
    the value received and the fix. For bulk loads ``Problem.row`` is the position of
    the row in its frame plus 2 (the spreadsheet convention of :mod:`geo.problems`).
    """

    def __init__(self, problems: list[Problem]) -> None:
        problems = list(problems)
        lines = [
            str(p) if p.row is not None else _field_line(p)
            for p in problems[:_MAX_LINES]
        ]
        if len(problems) > _MAX_LINES:
            lines.append(f"... and {len(problems) - _MAX_LINES:,} more (see .problems)")
        n = len(problems)
        head = "1 problem" if n == 1 else f"{n:,} problems"
        super().__init__(f"{head}, nothing was saved:\n- " + "\n- ".join(lines), problems)


def _field_line(problem: Problem) -> str:
    where = f"{problem.column}: " if problem.column else ""
    return f"{where}{problem.message}" + (f" Fix: {problem.fix}" if problem.fix else "")


class NotFoundError(StoreError, LookupError):
    """The record (or user) asked for does not exist, or is deleted."""


class ConflictError(StoreError):
    """Someone else saved the record after the caller read it (optimistic locking).

    ``changed_by``/``changed_at`` say who and when, ``current_version`` is the version
    now stored: reload the record and re-apply the change.
    """

    def __init__(
        self, message: str, *, changed_by: str, changed_at: str, current_version: int
    ) -> None:
        super().__init__(message)
        self.changed_by = changed_by
        self.changed_at = changed_at
        self.current_version = current_version


class NotEmptyError(StoreError):
    """A restore was asked into a database that already holds partners."""


UNREACHABLE = (
    "The database is not reachable just now, so nothing can be shown or saved. Nothing "
    "was changed. Try again in a minute; if it lasts, ask whoever runs the server to "
    "check that the database is running."
)


class UnavailableError(StoreError, ConnectionError):
    """The database server cannot be reached (stopped, restarting, network down).

    Raised for any store call while it lasts; the open transaction, if any, is rolled
    back by the server, so nothing is half-written. ``str(exc)`` is the plain message
    for users (:data:`UNREACHABLE`); ``detail`` is the driver's own first line, for logs
    and the command line. The store reconnects by itself once the server is back.
    """

    def __init__(self, detail: str = "") -> None:
        super().__init__(UNREACHABLE)
        self.detail = detail
