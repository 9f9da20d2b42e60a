"""What stays the same for the whole of one script run, worked out once in that run.

Every cached frame, analysis and map is keyed on the viewer's role and the data version,
so a page asks for both a dozen times per run. Each answer costs something: the viewer
is checked against the secrets file, the session cookie and (signed in) the users table;
the data version is a query. Asked again in the same run, the answer cannot differ
unless this run changed it (a sign-in, a sign-out, a write), so
:func:`pages._ui.run_page` opens a :func:`scope` around the page and the askers go
through :func:`once`; what changes an answer calls :func:`forget` (a write changes the
key instead: see :func:`pages._cache.data_version`). Outside a scope (a test calling a
helper directly) nothing is kept.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")

# Each session's script runs in its own thread: one run's answers per thread.
_local = threading.local()


@contextmanager
def scope() -> Iterator[None]:
    """Keep :func:`once`'s answers until the run ends (however it ends: a rerun and a
    stop are exceptions)."""
    _local.memo = {}
    try:
        yield
    finally:
        _local.memo = None


def once(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, worked out at most once per run for ``key``."""
    memo: dict[Hashable, object] | None = getattr(_local, "memo", None)
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]  # type: ignore[return-value]


def forget(key: Hashable) -> None:
    """Drop the answer kept for ``key`` (this run changed it)."""
    memo: dict[Hashable, object] | None = getattr(_local, "memo", None)
    if memo:
        memo.pop(key, None)
