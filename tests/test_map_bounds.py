"""geo.maps.bounds: the one bounding-box type of every map, and its conversions."""
from __future__ import annotations

import json

import pytest
import shapely

from geo.analysis.distance import MILES_PER_DEGREE_LAT
from geo.maps import US_BOUNDS, Bounds, base_map, bounds_of, view_bounds
from geo.maps.bounds import reach_degrees
from geo.safe import json_for_script


def test_conversions_keep_each_side_in_its_place():
    b = Bounds(south=25.0, west=-80.5, north=26.5, east=-80.0)
    assert b.to_folium() == [[25.0, -80.5], [26.5, -80.0]]
    assert b.to_xy() == (-80.5, 25.0, -80.0, 26.5)
    assert Bounds.from_xy(*b.to_xy()) == b
    assert Bounds.from_corners(b.to_folium()) == b
    assert Bounds.coerce(((25.0, -80.5), (26.5, -80.0))) == b and Bounds.coerce(b) is b
    assert b.to_box().bounds == b.to_xy()
    assert b.center == (25.75, -80.25)
    assert b.padded(1) == Bounds(24.0, -81.5, 27.5, -79.0)
    assert b.union(Bounds(20, -81, 21, -80.2)) == Bounds(20, -81, 26.5, -80.0)
    assert Bounds.around(89.5, 0, half_height=1, half_width=2) == Bounds(88.5, -2, 90, 2)


@pytest.mark.parametrize("args", [(26.5, -80.5, 25.0, -80.0), (25.0, -80.0, 26.5, -80.5),
                                  (float("nan"), -80.5, 26.5, -80.0)])
def test_a_box_in_the_wrong_order_is_refused_with_what_to_fix(args):
    with pytest.raises(ValueError, match="south to north and west to east|finite"):
        Bounds(*args)


def test_base_map_fits_a_bounds_and_its_corners_alike():
    def fitted(m) -> list:
        html = m.get_root().render()
        start = html.index(".fitBounds(") + len(".fitBounds(")
        return json.JSONDecoder().raw_decode(html, start)[0]

    b = Bounds(25.0, -80.5, 26.5, -80.0)
    assert fitted(base_map(b)) == fitted(base_map(((25.0, -80.5), (26.5, -80.0))))
    assert fitted(base_map(b)) == b.to_folium()
    assert fitted(base_map()) == US_BOUNDS.to_folium()


def test_map_builders_return_bounds():
    box = bounds_of("state", ["12"])  # Florida
    assert isinstance(box, Bounds) and box.south < 25.0 < 31.0 < box.north
    assert box.west < -87.0 < -80.1 < box.east
    from geo.analysis import resolve_place

    view = view_bounds(resolve_place(district="1201110"), 10.0)
    assert isinstance(view, Bounds)
    place = shapely.box(*view.to_xy())
    assert place.contains(resolve_place(district="1201110").geometry)


def test_one_miles_per_degree_for_boxes_and_scales():
    dlat, dlon = reach_degrees(MILES_PER_DEGREE_LAT, 60.0)
    assert dlat == pytest.approx(1.0) and dlon == pytest.approx(2.0)
    import geo.brief

    assert geo.brief.MILES_PER_DEGREE_LAT is MILES_PER_DEGREE_LAT


def test_compact_script_json_is_the_escaped_json_without_spaces():
    obj = {"a": ["</script>", 1]}
    assert json_for_script(obj, compact=True) == '{"a":["\\u003c/script\\u003e",1]}'
    assert json.loads(json_for_script(obj, compact=True)) == json.loads(json_for_script(obj))
