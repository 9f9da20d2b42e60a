"""Locating points on the bundled boundaries (geo.join), checked on real places."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geo.join import JOIN_COLUMNS, assign_boundaries, in_us

# Evanston Township High School, 1600 Dodge Ave, Evanston IL: Evanston has a separate
# elementary district (CCSD 65) and high-school district (District 202).
EVANSTON = (-87.6975, 42.0477)
# Chicago City Hall: Chicago Public School District 299 (a unified district).
CHICAGO = (-87.6319, 41.8838)
# Open Atlantic, ~400 km east of Cape Hatteras.
ATLANTIC = (-71.0, 35.0)


@pytest.fixture(scope="module")
def fl_sample(fixtures_dir: Path) -> pd.DataFrame:
    return pd.read_csv(fixtures_dir / "fl_schools_sample.csv", dtype=str)


def test_florida_schools_land_in_their_own_district(fl_sample: pd.DataFrame) -> None:
    got = assign_boundaries(fl_sample["LONGITUDE"].astype(float),
                            fl_sample["LATITUDE"].astype(float))
    assert len(got) == 300 and list(got.columns) == list(JOIN_COLUMNS)
    share = (got["district_geoid"] == fl_sample["DISTRICTID"]).mean()
    assert share >= 0.98, f"only {share:.1%} of Florida schools got their own district"
    assert (got["state"] == "FL").all() and (got["state_fips"] == "12").all()
    assert got["in_district"].all()
    assert (got["secondary_district_geoid"] == "").all()  # Florida has unified districts only
    assert (got["county_fips"].str[:2] == "12").mean() == 1.0


def test_elementary_and_secondary_districts_are_both_kept() -> None:
    got = assign_boundaries([EVANSTON[0]], [EVANSTON[1]]).iloc[0]
    assert "Evanston" in got["district_name"] and "65" in got["district_name"]
    assert "Evanston" in got["secondary_district_name"] and "202" in got["secondary_district_name"]
    assert (got["district_geoid"].startswith("17")
            and got["secondary_district_geoid"].startswith("17"))
    assert got["district_geoid"] != got["secondary_district_geoid"]
    assert (got["state"], got["county"], got["county_fips"]) == ("IL", "Cook", "17031")


def test_unified_district_has_no_secondary() -> None:
    got = assign_boundaries([CHICAGO[0]], [CHICAGO[1]]).iloc[0]
    assert "Chicago" in got["district_name"] and "299" in got["district_name"]
    assert got["secondary_district_geoid"] == "" and got["in_district"]


def test_points_outside_and_missing_are_kept_with_empty_fields() -> None:
    lon = pd.Series([ATLANTIC[0], np.nan, None, CHICAGO[0]], index=[10, 11, 12, 13])
    lat = pd.Series([ATLANTIC[1], 41.0, np.nan, CHICAGO[1]], index=[10, 11, 12, 13])
    got = assign_boundaries(lon, lat)
    assert list(got.index) == [10, 11, 12, 13]
    assert list(got["in_district"]) == [False, False, False, True]
    for column in JOIN_COLUMNS[:-1]:
        assert list(got[column].iloc[:3]) == ["", "", ""], column
    assert list(in_us(lon, lat)) == [False, False, False, True]


def test_in_us_tells_a_swapped_coordinate_pair() -> None:
    lon = [-87.6319, 41.8838, -155.5, -66.1]  # Chicago, Chicago swapped, Hawaii, Puerto Rico
    lat = [41.8838, -87.6319, 19.6, 18.4]
    assert list(in_us(lon, lat)) == [True, False, True, True]


def test_puerto_rico_has_a_state_but_no_school_district() -> None:
    got = assign_boundaries([-66.1057], [18.4655]).iloc[0]  # San Juan
    assert got["state"] == "PR" and got["county_fips"].startswith("72")
    assert not got["in_district"] and got["district_geoid"] == ""


def test_text_that_is_not_a_number_is_refused_with_its_position() -> None:
    with pytest.raises(ValueError, match=r"lat: 1 value\(s\) are not numbers \(positions 1\)"):
        assign_boundaries([-87.6, -87.6], ["41.8", "north"])


def test_lengths_must_agree() -> None:
    with pytest.raises(ValueError, match="same length"):
        assign_boundaries([-87.6, -87.7], [41.8])
