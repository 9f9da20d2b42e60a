"""One bounding-box type for every map: :class:`Bounds` (south, west, north, east).

Leaflet and folium write a box as ``[[south, west], [north, east]]``; shapely and
GeoPandas (``.bounds``, ``.total_bounds``, ``box()``) as ``(minx, miny, maxx, maxy)``,
that is (west, south, east, north). Each map builder takes and returns a
:class:`Bounds` and converts only at those edges, so no box is read in the wrong order.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from shapely.geometry import Polygon, box

from geo.analysis.distance import MILES_PER_DEGREE_LAT


@dataclass(frozen=True)
class Bounds:
    """A box in degrees (EPSG:4326): ``south`` <= ``north``, ``west`` <= ``east``."""

    south: float
    west: float
    north: float
    east: float

    def __post_init__(self) -> None:
        values = (self.south, self.west, self.north, self.east)
        if not all(math.isfinite(float(v)) for v in values):
            raise ValueError(f"a map's bounds must be finite numbers (got {values})")
        if self.south > self.north or self.west > self.east:
            raise ValueError("a map's bounds run south to north and west to east "
                             f"(got south={self.south}, west={self.west}, "
                             f"north={self.north}, east={self.east})")

    @classmethod
    def from_xy(cls, minx: float, miny: float, maxx: float, maxy: float) -> Bounds:
        """From shapely/GeoPandas order: (minx, miny, maxx, maxy) = (west, south, east, north)."""
        return cls(float(miny), float(minx), float(maxy), float(maxx))

    @classmethod
    def from_corners(cls, corners: Sequence[Sequence[float]]) -> Bounds:
        """From folium/Leaflet order: ((south, west), (north, east))."""
        (south, west), (north, east) = corners
        return cls(float(south), float(west), float(north), float(east))

    @classmethod
    def coerce(cls, value: Bounds | Sequence[Sequence[float]]) -> Bounds:
        """``value`` itself, or a box given as ((south, west), (north, east))."""
        return value if isinstance(value, Bounds) else cls.from_corners(value)

    @classmethod
    def around(cls, lat: float, lon: float, *, half_height: float,
               half_width: float) -> Bounds:
        """The box centred on (``lat``, ``lon``), ``half_height`` and ``half_width``
        degrees to each side; latitudes are kept within -90..90."""
        return cls(max(lat - half_height, -90.0), lon - half_width,
                   min(lat + half_height, 90.0), lon + half_width)

    @property
    def center(self) -> tuple[float, float]:
        """(lat, lon) of the box's middle."""
        return (self.south + self.north) / 2, (self.west + self.east) / 2

    def to_folium(self) -> list[list[float]]:
        """``[[south, west], [north, east]]``, as Leaflet's ``fitBounds`` reads it."""
        return [[float(self.south), float(self.west)], [float(self.north), float(self.east)]]

    def to_xy(self) -> tuple[float, float, float, float]:
        """(minx, miny, maxx, maxy), as shapely's ``box`` and spatial indexes read it."""
        return self.west, self.south, self.east, self.north

    def to_box(self) -> Polygon:
        """The box as a shapely polygon."""
        return box(*self.to_xy())

    def padded(self, pad: float) -> Bounds:
        """The box widened by ``pad`` degrees on every side."""
        return Bounds(self.south - pad, self.west - pad, self.north + pad, self.east + pad)

    def union(self, other: Bounds) -> Bounds:
        """The smallest box holding both."""
        return Bounds(min(self.south, other.south), min(self.west, other.west),
                      max(self.north, other.north), max(self.east, other.east))


def reach_degrees(miles: float, lat: float) -> tuple[float, float]:
    """(degrees of latitude, degrees of longitude) that ``miles`` span at latitude ``lat``
    (longitude degrees shrink towards the poles; capped at ten times the latitude's)."""
    dlat = miles / MILES_PER_DEGREE_LAT
    return dlat, dlat / max(0.1, float(np.cos(np.radians(lat))))


# The contiguous United States.
LOWER_48_BOUNDS = Bounds(south=24.4, west=-125.0, north=49.5, east=-66.9)
# The default national view: every state and territory with districts or partners in the
# Americas and the Pacific near them: the lower 48, Alaska (the Aleutians west to about
# 172 W; the few islands past the 180th meridian are left out), Hawaii, Puerto Rico and the
# US Virgin Islands.
US_BOUNDS = Bounds(south=17.6, west=-172.5, north=71.5, east=-64.5)
