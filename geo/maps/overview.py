"""The map the Scan page shows before a place is chosen: the states, to click on."""
from __future__ import annotations

from functools import lru_cache

import folium
import shapely

from geo import boundaries
from geo.maps.areas import EncodedAreas, add_districts, encode_areas
from geo.maps.base import base_map


@lru_cache(maxsize=1)
def state_areas() -> EncodedAreas:
    """States as clickable areas (id: 2-digit FIPS), for the map before a place is chosen."""
    states = boundaries.states()
    states = states[~states["is_territory"].astype(bool)]
    simple = states.assign(geometry=shapely.simplify(states.geometry.values, 0.02))
    return encode_areas(simple, id_column="state_fips", name_column="name")


def overview_map(*, tiles: str | None = "none") -> folium.Map:
    """The map shown before a place is chosen: states to click on."""
    m = base_map(tiles=tiles)
    add_districts(m, state_areas())
    return m
