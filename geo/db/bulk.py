"""Writing many rows at once, at driver speed, inside the caller's transaction.

Row-by-row ORM inserts take minutes for a few hundred thousand rows; here PostgreSQL
gets one ``COPY ... FROM STDIN`` per table (psycopg 3) and SQLite one ``executemany``
of a prepared ``INSERT``. Values go through the same type conversions SQLAlchemy uses
for ordinary statements, so rows written here read back exactly like the others.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping

import pandas as pd
import sqlalchemy as sa


def _rows(frame: pd.DataFrame) -> Iterator[tuple[object, ...]]:
    """Rows as tuples of plain Python values, with ``None`` for every missing cell."""
    plain = frame.astype(object)
    plain = plain.where(frame.notna(), None)
    return plain.itertuples(index=False, name=None)


def insert_frame(conn: sa.Connection, table: sa.Table, frame: pd.DataFrame) -> int:
    """Insert every row of ``frame`` (columns named as ``table``'s) and return the count."""
    if frame.empty:
        return 0
    unknown = [c for c in frame.columns if c not in table.c]
    if unknown:
        raise ValueError(f"{table.name} has no column(s) {unknown}")
    if conn.dialect.name == "postgresql":
        return _copy(conn, table, frame)
    return _executemany(conn, table, frame)


def _copy(conn: sa.Connection, table: sa.Table, frame: pd.DataFrame) -> int:
    import psycopg

    columns = ", ".join(f'"{c}"' for c in frame.columns)
    dbapi = conn.connection.driver_connection
    if not isinstance(dbapi, psycopg.Connection):
        raise TypeError(f"COPY needs a psycopg 3 connection, not {type(dbapi).__name__}")
    count = 0
    with dbapi.cursor() as cursor:
        with cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
            for row in _rows(frame):
                copy.write_row(row)
                count += 1
    return count


def _executemany(conn: sa.Connection, table: sa.Table, frame: pd.DataFrame) -> int:
    dialect = conn.dialect
    frame = frame.copy()
    for name in frame.columns:
        proc = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if proc is None:
            continue
        # Convert each distinct value once (timestamps repeat: a load stamps one "now").
        values = frame[name].astype(object).where(frame[name].notna(), None)
        mapping = {v: proc(v) for v in pd.unique(values) if v is not None}
        converted = values.map(mapping).astype(object)
        frame[name] = converted.where(values.notna(), None)
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    marks = ", ".join("?" for _ in frame.columns)
    # sqlite3's own cursor: its executemany takes the rows as they come (an iterator),
    # without a list of them all in memory.
    driver = conn.connection.driver_connection
    if not isinstance(driver, sqlite3.Connection):
        raise TypeError(f"executemany here is for sqlite3, not {type(driver).__name__}")
    cursor = driver.cursor()
    try:
        cursor.executemany(f'INSERT INTO "{table.name}" ({columns}) VALUES ({marks})',
                           _rows(frame))
    finally:
        cursor.close()
    return len(frame)


def insert_unless_present(
    conn: sa.Connection, table: sa.Table, values: Mapping[str, object], key: str
) -> None:
    """Insert one row unless ``table`` already has a row with the same ``key`` (then
    nothing changes and nothing is raised): ``ON CONFLICT DO NOTHING``, on either back end."""
    from sqlalchemy.dialects import postgresql, sqlite

    statement: postgresql.Insert | sqlite.Insert
    if conn.dialect.name == "postgresql":
        statement = postgresql.insert(table)
    else:
        statement = sqlite.insert(table)
    conn.execute(statement.values(**values).on_conflict_do_nothing(index_elements=[key]))


def reset_id_sequence(conn: sa.Connection, table: sa.Table, id_column: str) -> None:
    """After inserting explicit ids on PostgreSQL, move the id sequence past the largest."""
    if conn.dialect.name != "postgresql":
        return
    conn.execute(
        sa.text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', '{id_column}'), "
            f'COALESCE((SELECT max("{id_column}") FROM "{table.name}"), 0) + 1, false)'
        )
    )
