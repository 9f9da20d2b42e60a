"""The bundled boundary layers in data/: what a map user relies on.

Counts and codes match the Census sources; the simplified layers keep every district,
keep its area, and keep shared borders identical (no slivers or overlaps on the map).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely

from geo import boundaries

EQUAL_AREA = "EPSG:5070"


@pytest.fixture(scope="module")
def join_layer():
    return boundaries.districts("join")


def test_all_census_districts_are_there_with_their_types(join_layer) -> None:
    assert len(join_layer) == 13_345
    assert join_layer["district_type"].value_counts().to_dict() == {
        "unified": 10_889,
        "elementary": 1_968,
        "secondary": 488,
    }
    assert join_layer["geoid"].is_unique
    assert join_layer["geoid"].str.fullmatch(r"\d{7}").all()
    assert (join_layer["geoid"].str[:2] == join_layer["state_fips"]).all()
    fips = set(join_layer["state_fips"])
    assert len(fips) == 51 and "11" in fips  # 50 states + DC
    assert join_layer.crs.to_epsg() == 4326
    assert shapely.is_valid(join_layer.geometry.values).all()


def test_columns_of_every_layer_are_as_documented() -> None:
    assert list(boundaries.states().columns[:3]) == ["state_fips", "postal", "name"]
    st = boundaries.states()
    assert st.loc[st["state_fips"] == "11", "postal"].item() == "DC"
    assert st.loc[~st["is_territory"], "state_fips"].nunique() == 51
    co = boundaries.counties()
    assert co["county_fips"].str.fullmatch(r"\d{5}").all() and co["county_fips"].is_unique
    assert (co["county_fips"].str[:2] == co["state_fips"]).all()
    assert co.loc[co["county_fips"] == "17031", "name"].item() == "Cook"
    assert shapely.is_valid(co.geometry.values).all()
    z = boundaries.zip_centroids()
    assert z["zip"].str.fullmatch(r"\d{5}").all() and len(z) > 33_000
    row = z.loc[z["zip"] == "60201"].iloc[0]  # Evanston, IL
    assert 41.9 < row["latitude"] < 42.2 and -87.8 < row["longitude"] < -87.6
    need = boundaries.need()
    assert need["geoid"].str.len().eq(7).all()
    assert need["pct_poverty"].between(0, 100).all()
    expected = (need["children_5_17"] * need["pct_poverty"] / 100).round().astype("int64")
    assert (need["children_in_poverty"] == expected).all()


@pytest.mark.parametrize("detail", ["draw", "national"])
def test_simplified_layers_keep_every_district(detail: str, join_layer) -> None:
    layer = boundaries.districts(detail)
    assert list(layer["geoid"]) == list(join_layer["geoid"])
    geoms = layer.geometry.values
    assert not shapely.is_empty(geoms).any()
    assert shapely.is_valid(geoms).all()
    assert shapely.get_num_coordinates(geoms).sum() < shapely.get_num_coordinates(
        join_layer.geometry.values
    ).sum() / 1.5


def test_draw_layer_keeps_district_areas(join_layer) -> None:
    draw = boundaries.districts("draw")
    source = join_layer.to_crs(EQUAL_AREA).area.to_numpy()
    simple = draw.to_crs(EQUAL_AREA).area.to_numpy()
    within = np.abs(simple / source - 1) <= 0.10
    assert within.mean() >= 0.99, f"only {within.mean():.2%} of districts within 10% of their area"


def _holes(geom: shapely.Geometry, *, larger_than: float) -> int:
    """Holes in a (multi)polygon whose area exceeds ``larger_than`` (deg²)."""
    parts = shapely.get_parts(geom)
    holes = [ring for part in parts for ring in part.interiors]
    areas = shapely.area(shapely.polygons(holes)) if holes else np.zeros(0)
    return int((areas > larger_than).sum())


@pytest.mark.parametrize(
    ("states", "types"),
    [
        (("17",), ("unified", "elementary")),  # Illinois: unified + elementary
        (("17",), ("unified", "secondary")),  # Illinois: unified + secondary
        (("06",), ("unified", "elementary")),  # California
        (("19", "17"), ("unified",)),  # Iowa + Illinois: borders across a state line
    ],
)
@pytest.mark.parametrize("detail", ["draw", "national"])
def test_simplified_neighbours_share_borders(detail: str, states, types, join_layer) -> None:
    """Neighbours neither overlap nor open slivers between them after simplification."""
    layer = boundaries.districts(detail)
    pick = layer["state_fips"].isin(states) & layer["district_type"].isin(types)
    simple = layer.loc[pick].geometry.values
    source = join_layer.loc[pick.to_numpy()].geometry.values
    union = shapely.union_all(simple)
    overlap = shapely.area(simple).sum() - union.area
    assert overlap <= 1e-6 * union.area, f"districts overlap by {overlap:.3g} deg²"
    # Inconsistent borders would open thin holes between neighbours: the union of the
    # simplified districts may not have more holes than the union of the originals.
    # The national layer leaves out fragments under 5e-4 deg² (~4 km²): only holes
    # larger than that count there.
    smallest = 0.0 if detail == "draw" else 5e-4
    assert _holes(union, larger_than=smallest) <= _holes(
        shapely.union_all(source), larger_than=smallest
    )
    # and what holes there are cover no more ground than before (beyond rounding)
    assert abs(union.area - shapely.union_all(source).area) <= 0.01 * union.area


def test_no_two_unified_districts_cover_the_same_point(join_layer) -> None:
    """The join relies on this Census design rule; check it at 100,000 points.

    Points are drawn uniformly in the bounding boxes of random districts, so many fall
    near borders, where an overlap would show.
    """
    rng = np.random.default_rng(11)
    unified = join_layer[join_layer["district_type"] == "unified"].geometry.values
    bounds = shapely.bounds(unified[rng.choice(len(unified), 100_000)])
    u = rng.random((len(bounds), 2))
    x = bounds[:, 0] + u[:, 0] * (bounds[:, 2] - bounds[:, 0])
    y = bounds[:, 1] + u[:, 1] * (bounds[:, 3] - bounds[:, 1])
    hits, _ = shapely.STRtree(unified).query(shapely.points(x, y), predicate="within")
    counts = np.bincount(hits, minlength=len(x))
    assert (counts == 1).sum() > 50_000  # the sample does land in districts
    assert counts.max() == 1


def test_bundled_data_stays_small(repo_root: Path) -> None:
    total = sum(p.stat().st_size for p in (repo_root / "data").rglob("*") if p.is_file())
    assert total < 60 * 1024 * 1024, f"data/ is {total / 1e6:.1f} MB"


def test_missing_data_says_how_to_build_it(tmp_path: Path) -> None:
    with pytest.raises(boundaries.BoundaryDataMissing, match="scripts/build_data.py"):
        boundaries.districts("join", data_dir=tmp_path)


def test_unknown_detail_is_refused() -> None:
    with pytest.raises(ValueError, match="'join', 'draw', 'national'.*'fine'"):
        boundaries.districts("fine")  # type: ignore[arg-type]


def test_callers_cannot_change_the_cached_layer() -> None:
    first = boundaries.states()
    first["name"] = "changed"
    assert (boundaries.states()["name"] != "changed").all()


def test_a_layers_attributes_are_its_rows_without_the_shapes(join_layer) -> None:
    """What the place lists (geo.analysis.gazetteer.place_table) read instead of the
    shapes: the same rows, in the same order, with every column but the geometry."""
    import pandas as pd

    for layer, whole in (("states", boundaries.states()), ("counties", boundaries.counties()),
                         ("districts_join", join_layer)):
        rows = boundaries.attributes(layer)
        pd.testing.assert_frame_equal(rows, pd.DataFrame(whole.drop(columns="geometry")))
    with pytest.raises(ValueError, match="no boundary layer"):
        boundaries.attributes("parcels")
