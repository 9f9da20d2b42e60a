"""Records as the edit forms name and show them (geo.records), on the sample data."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from geo import records
from geo.sample import make_sample
from geo.schema import KINDS_OF_WORK


@pytest.fixture(scope="module")
def frames():
    return make_sample()


def test_partner_names_and_name_order(frames):
    names = records.partner_names(frames.partners)
    assert len(names) == len(frames.partners)
    ordered = [names[p].casefold() for p in records.by_name(names)]
    assert ordered == sorted(ordered)
    assert records.by_name({2: "b", 1: "B", 3: "a"}) == [3, 2, 1]


def test_labels_name_each_record_and_its_id(frames):
    names = records.partner_names(frames.partners)
    pid = next(iter(names))
    assert records.record_labels(frames, "partners", names)[pid] == f"{names[pid]} (partner {pid})"
    site = frames.sites.iloc[0]
    labels = records.record_labels(frames, "sites", names)
    assert labels[int(site["site_id"])] == f"{site['name']} (site {site['site_id']})"
    act = frames.activities[frames.activities["area_level"] == "site"].iloc[0]
    label = records.record_labels(frames, "activities", names)[int(act["activity_id"])]
    site_name = frames.sites.set_index("site_id").loc[act["site_id"], "name"]
    assert label == (f"{KINDS_OF_WORK[act['kind_of_work']]} at {site_name}, {act['status']} "
                     f"(activity {act['activity_id']})")


def test_record_ids_are_one_partners(frames):
    pid = int(frames.sites["partner_id"].iloc[0])
    ids = records.record_ids(frames, "sites", pid)
    mine = frames.sites[frames.sites["partner_id"] == pid]
    assert ids == [int(i) for i in mine["site_id"]]
    assert records.record_ids(frames, "activities", -5) == []


def test_owner_and_conversions():
    assert records.owner_of({"partner_id": np.int64(4)}) == 4
    assert records.owner_of({}) is None
    assert records.number_or_none(float("nan")) is None
    assert records.number_or_none(None) is None
    assert records.number_or_none(np.float64(2.5)) == 2.5
    assert records.date_or_none("2024-09-01") == dt.date(2024, 9, 1)
    assert records.date_or_none(pd.Timestamp("2024-09-01 10:00")) == dt.date(2024, 9, 1)
    assert records.date_or_none(dt.datetime(2024, 9, 1, 10)) == dt.date(2024, 9, 1)
    assert records.date_or_none(pd.NaT) is None
    assert records.date_or_none("not a date") is None
    assert records.known(["b", "x", "a"], ("a", "b")) == ["b", "a"]


def test_a_sites_location_in_words():
    assert records.describe_location({"latitude": None, "longitude": 1.0}) == "no location yet"
    assert records.describe_location({
        "latitude": 30.4383, "longitude": -84.2807, "location_source": "zip_centroid",
        "zip": "32301", "district_geoid": "1201110", "county_fips": "12073",
    }) == "at 30.43830, -84.28070, the centre of ZIP 32301, district 1201110, county 12073"
