"""PostgreSQL only: site locations are also a PostGIS geometry, indexed and in sync."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from geo.db import open_store
from tests.test_db_sample import LEON_HIGH, sample_frames

pytestmark = pytest.mark.postgres


def _xy(store, site_id):
    with store.engine.connect() as conn:
        return conn.execute(sa.text(
            "SELECT ST_X(geom), ST_Y(geom), ST_SRID(geom), GeometryType(geom) "
            "FROM sites WHERE site_id = :i"), {"i": site_id}).one()


def test_geometry_column_follows_every_write(pg_url):
    store = open_store(pg_url)
    pid = store.add_partner({"name": "Communities In Schools of Leon County"}, actor="t")
    sid = store.add_site({"partner_id": pid, **LEON_HIGH}, actor="t")
    assert tuple(_xy(store, sid)) == (-84.2755025, 30.4456207, 4326, "POINT")
    store.update_site(sid, {"latitude": 30.5881, "longitude": -84.5833, "state_fips": "12",
                            "county_fips": "12039", "district_geoid": "1200600"},
                      expected_version=1, actor="t")
    assert tuple(_xy(store, sid))[:2] == (-84.5833, 30.5881)
    store.update_site(sid, {"latitude": None, "longitude": None, "state_fips": "",
                            "county_fips": "", "district_geoid": ""}, expected_version=2,
                      actor="t")
    assert _xy(store, sid)[0] is None  # no coordinates, no point
    with store.engine.connect() as conn:
        index = conn.execute(sa.text(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'sites' "
            "AND indexname = 'ix_sites_geom'")).scalar_one()
        assert "USING gist (geom)" in index
        # a hand-written write cannot put the point elsewhere: geom is generated
        with pytest.raises(sa.exc.DatabaseError):
            conn.execute(sa.text("UPDATE sites SET geom = ST_Point(0, 0, 4326)"))


def test_bulk_load_fills_geometry_for_every_located_site(pg_url):
    store = open_store(pg_url)
    store.load_frames(sample_frames(), actor="t")
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT latitude, longitude, ST_Y(geom), ST_X(geom) FROM sites")).all()
        within = conn.execute(sa.text(
            "SELECT count(*) FROM sites WHERE ST_DWithin(geom::geography, "
            "ST_Point(-84.28, 30.44, 4326)::geography, 6000)")).scalar_one()
    assert len(rows) == 3
    for lat, lon, y, x in rows:
        assert (lat, lon) == (y, x)
    assert within == 2  # Leon High and Godby High are within 6 km of downtown Tallahassee
