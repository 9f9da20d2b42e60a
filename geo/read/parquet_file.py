"""Parquet and GeoParquet files, bounded by their footer before any data is read."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from geo.config import ReadLimits
from geo.problems import Report
from geo.read.gis import from_geoframe
from geo.read.limits import (
    ReadError,
    check_rows,
    too_big,
    too_many_columns,
)

# Parquet files made of more row groups than this are refused (each costs a footer entry).
_MAX_ROW_GROUPS = 10_000


def read_parquet(path: Path, *, report: Report, limits: ReadLimits) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    name = path.name
    try:
        parquet = pq.ParquetFile(path)
        meta = parquet.metadata
        schema = parquet.schema_arrow
    except Exception as exc:  # pyarrow raises several types for a corrupt file
        raise ReadError(
            f"{name} is not a readable Parquet file ({type(exc).__name__}). "
            "Export the sites again, or as CSV."
        ) from None
    # Everything below is checked on the footer alone, before any data is read.
    check_rows(name, meta.num_rows, limits)
    if meta.num_columns > limits.max_columns:
        raise too_many_columns(name, f"{meta.num_columns:,}", limits)
    if meta.num_row_groups > _MAX_ROW_GROUPS:
        raise ReadError(f"{name} is made of {meta.num_row_groups:,} row groups; at most "
                        f"{_MAX_ROW_GROUPS:,} are accepted. "
                        "Write it again in one piece, or as CSV.")
    unpacked = 0
    for group in range(meta.num_row_groups):
        unpacked += meta.row_group(group).total_byte_size
        if unpacked > limits.max_unpacked_bytes:
            raise too_big(name, limits)
    geo = b"geo" in (schema.metadata or {})
    # Text columns are read dictionary-encoded, so a value repeated on every row is
    # held once, not once per row.
    text = [f.name for f in schema
            if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
    frame: pd.DataFrame
    try:
        if geo:
            import geopandas as gpd

            frame = gpd.read_parquet(path, read_dictionary=text)
        else:
            frame = pq.read_table(path, read_dictionary=text).to_pandas()
    except Exception as exc:  # noqa: BLE001 - pyarrow/geopandas raise many types
        raise ReadError(
            f"{name} is not a readable Parquet file ({type(exc).__name__}). "
            "Export the sites again, or as CSV."
        ) from None
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype(object)
    if geo:
        return from_geoframe(frame, report=report, name=name, limits=limits)
    frame.index = pd.Index(np.arange(len(frame)) + 2, name="row")
    return frame


