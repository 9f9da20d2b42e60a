"""Distances in miles between points given in longitude/latitude (EPSG:4326).

Great-circle (haversine) distance is the figure reported to users. Searches over many
points run in the Albers equal-area projection for the US (EPSG:5070, metres), whose
scale error is checked on the points themselves so that no pair within the distance is
missed; candidate pairs are then measured exactly with the haversine formula.
"""
from __future__ import annotations

import numpy as np
from pyproj import Proj, Transformer

EARTH_RADIUS_MI = 3958.7613
METRES_PER_MILE = 1609.344
# Miles in one degree of latitude (its mean over the US; a degree of longitude is this times
# the cosine of the latitude). For boxes and scales on maps, not for distances.
MILES_PER_DEGREE_LAT = 69.05
PROJECTED_CRS = "EPSG:5070"

_TO_ALBERS = Transformer.from_crs("EPSG:4326", PROJECTED_CRS, always_xy=True)


def haversine_mi(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Great-circle distance in miles (arrays broadcast)."""
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(v, dtype="float64"))
                              for v in (lon1, lat1, lon2, lat2))
    h = (np.sin((lat2 - lat1) / 2) ** 2
         + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_MI * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def project(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Projected x, y in metres (EPSG:5070) for longitude/latitude arrays."""
    x, y = _TO_ALBERS.transform(np.asarray(lon, dtype="float64"), np.asarray(lat, dtype="float64"))
    return np.asarray(x), np.asarray(y)


def max_scale(lon, lat) -> float:
    """The largest linear scale factor of EPSG:5070 at any of the points (>= 1 in practice).

    Computed on the points rounded to whole degrees, which is plenty: the factor changes
    slowly. A search radius multiplied by this (plus a margin) cannot miss a true pair.
    """
    lon = np.asarray(lon, dtype="float64")
    lat = np.asarray(lat, dtype="float64")
    if lon.size == 0:
        return 1.0
    cells = np.unique(np.column_stack([np.round(lon), np.clip(np.round(lat), -89, 89)]), axis=0)
    factors = Proj(PROJECTED_CRS).get_factors(cells[:, 0], cells[:, 1])
    scale = np.maximum(np.asarray(factors.meridional_scale), np.asarray(factors.parallel_scale))
    return float(max(1.0, np.nanmax(scale)))
