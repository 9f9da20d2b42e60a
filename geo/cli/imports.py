"""Commands of this group are registered here (see geo/cli/__init__.py)."""
from __future__ import annotations


def register(subparsers) -> None:  # noqa: ARG001 - filled in by the import work
    return None
