"""Storage of the Partner Map: SQLite by default, PostgreSQL + PostGIS when shared.

::

    from geo.db import open_store
    store = open_store("sqlite:///var/partnermap.db")   # schema created/upgraded here
    frames = store.frames()
    pid = store.add_partner({"name": "Communities In Schools", "type": "nonprofit"},
                            actor="staff@example.org")

Modules: :mod:`~geo.db.store` (the :class:`Store`), :mod:`~geo.db.crud` (one record
at a time), :mod:`~geo.db.loading` (bulk), :mod:`~geo.db.tx` (transactions: the ``Tx``
the store passes down), :mod:`~geo.db.validation`, :mod:`~geo.db.users`,
:mod:`~geo.db.signins`, :mod:`~geo.db.audit`, :mod:`~geo.db.export`,
:mod:`~geo.db.backup`, :mod:`~geo.db.models` (tables), :mod:`~geo.db.migrate` +
``migrations/`` (Alembic), :mod:`~geo.db.engine`, :mod:`~geo.db.storage_errors`. They
import each other one way, without a cycle (``tests/test_layering.py``).
"""
from geo.db.storage_errors import (
    ConflictError,
    NotEmptyError,
    NotFoundError,
    StoreError,
    UnavailableError,
    ValidationError,
)
from geo.db.store import Store, open_store

__all__ = [
    "ConflictError",
    "NotEmptyError",
    "NotFoundError",
    "Store",
    "StoreError",
    "UnavailableError",
    "ValidationError",
    "open_store",
]
