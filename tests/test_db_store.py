"""Storage behaviour on both back ends: schema on open, CRUD, soft delete and undo,
audit rows, validation messages, optimistic locking between two stores."""
from __future__ import annotations

import json

import pandas as pd
import pytest
import sqlalchemy as sa

from geo.db import ConflictError, NotFoundError, ValidationError, open_store
from geo.db.migrate import head_revision
from geo.schema import ACTIVITY_COLUMNS, PARTNER_COLUMNS, SITE_COLUMNS
from tests.test_db_sample import GODBY_HIGH, LEON_HIGH

ACTOR = "staff@example.org"


def _partner(store, name="Communities In Schools of Leon County") -> int:
    return store.add_partner({"name": name, "type": "Youth-serving nonprofit",
                              "website": "https://www.cisleon.org",
                              "principles": ["equity", "Family engagement"]}, actor=ACTOR)


def test_new_database_gets_schema_and_is_empty(db_url, tmp_path):
    if db_url.startswith("sqlite"):
        db_url = f"sqlite:///{tmp_path / 'nested' / 'dir' / 'pm.db'}"
    store = open_store(db_url)
    names = set(sa.inspect(store.engine).get_table_names())
    assert {"partners", "sites", "activities", "users", "audit", "alembic_version"} <= names
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() \
            == head_revision()
    assert store.is_empty()
    frames = store.frames()
    assert list(frames.partners.columns) == [*PARTNER_COLUMNS, "version"]
    assert list(frames.sites.columns) == [*SITE_COLUMNS, "version"]
    assert list(frames.activities.columns) == [*ACTIVITY_COLUMNS, "version"]
    open_store(db_url).close()  # opening again (already at head) is harmless


def test_add_update_read_back_with_normalised_values(db_url):
    store = open_store(db_url)
    v0 = store.data_version()
    pid = _partner(store)
    assert store.data_version() > v0
    sid = store.add_site({"partner_id": pid, **LEON_HIGH}, actor=ACTOR)
    aid = store.add_activity({"partner_id": pid, "site_id": sid,
                              "kind_of_work": "Policy and advocacy",
                              "start_date": "2023-08-01"}, actor=ACTOR)
    partners, sites, activities = store.frames()
    row = partners.iloc[0]
    assert (row["name"], row["type"], row["principles"], row["public"]) == (
        "Communities In Schools of Leon County", "nonprofit", "Equity;Family Engagement", False)
    site = sites.iloc[0]
    assert site["location_source"] == "coordinates"
    assert (site["latitude"], site["longitude"]) == (30.4456207, -84.2755025)
    act = activities.iloc[0]
    assert (act["area_level"], act["kind_of_work"], act["status"]) == ("site", "policy", "active")
    assert act["start_date"] == pd.Timestamp("2023-08-01") and pd.isna(act["end_date"])
    assert act["version"] == 1

    new_version = store.update_activity(aid, {"status": "ended", "end_date": "2024-06-30"},
                                        expected_version=1, actor="other@example.org")
    assert new_version == 2
    act = store.frames().activities.iloc[0]
    assert (act["status"], act["end_date"], act["version"]) == (
        "ended", pd.Timestamp("2024-06-30"), 2)
    log = store.audit_log()
    assert log.iloc[0]["action"] == "update" and log.iloc[0]["actor"] == "other@example.org"
    assert json.loads(log.iloc[0]["changes"]) == {"status": ["active", "ended"],
                                                  "end_date": [None, "2024-06-30"]}
    assert log["action"].tolist()[::-1] == ["add", "add", "add", "update"]
    assert (log.iloc[-1]["table"], log.iloc[-1]["record_id"]) == ("partners", str(pid))


def test_soft_delete_cascades_and_undo_brings_back_exactly_that(db_url):
    store = open_store(db_url)
    pid = _partner(store)
    leon = store.add_site({"partner_id": pid, **LEON_HIGH}, actor=ACTOR)
    godby = store.add_site({"partner_id": pid, **GODBY_HIGH}, actor=ACTOR)
    store.add_activity({"partner_id": pid, "site_id": leon, "kind_of_work": "funding"},
                       actor=ACTOR)
    store.delete_site(godby, actor=ACTOR)           # deleted on its own, earlier
    store.delete_partner(pid, actor="boss@example.org")
    frames = store.frames()
    assert frames.partners.empty and frames.sites.empty and frames.activities.empty
    everything = store.frames(include_deleted=True)
    assert len(everything.sites) == 2 and (everything.sites["deleted_at"] != "").all()
    with pytest.raises(NotFoundError, match="deleted by boss@example.org.*restore it first"):
        store.update_partner(pid, {"expertise": "x"}, expected_version=2, actor=ACTOR)

    store.restore_partner(pid, actor=ACTOR)
    frames = store.frames()
    assert len(frames.partners) == 1
    assert frames.sites["name"].tolist() == ["Leon High School"]  # Godby stays deleted
    assert len(frames.activities) == 1
    actions = store.audit_log()[["action", "table"]].head(3).values.tolist()
    assert sorted(actions) == [["restore", "activities"], ["restore", "partners"],
                               ["restore", "sites"]]
    with pytest.raises(NotFoundError, match="not deleted"):
        store.restore_partner(pid, actor=ACTOR)
    store.restore_site(godby, actor=ACTOR)
    assert len(store.frames().sites) == 2


def test_bad_values_are_all_reported_and_nothing_is_written(db_url):
    store = open_store(db_url)
    pid = _partner(store)
    before = store.data_version()
    with pytest.raises(ValidationError) as caught:
        store.add_activity({"partner_id": pid, "kind_of_work": "lobbying",
                            "area_level": "county", "area_id": "123",
                            "status": "maybe", "start_date": "2024-09-01",
                            "end_date": "2024-01-31", "principles": "Equity;Joy"},
                           actor=ACTOR)
    text = str(caught.value)
    for expected in ("kind_of_work 'lobbying'", "area_id '123' is not a 5-digit county code",
                     "status 'maybe'", "end_date 2024-01-31 is before start_date 2024-09-01",
                     "'Joy' not recognised"):
        assert expected in text
    assert {p.column for p in caught.value.problems} >= {"kind_of_work", "area_id", "status",
                                                         "end_date", "principles"}
    assert "Fix:" in text and "technical_assistance" in text
    with pytest.raises(ValidationError, match="website 'javascript:alert\\(1\\)'"):
        store.update_partner(pid, {"website": "javascript:alert(1)"}, expected_version=1,
                             actor=ACTOR)
    with pytest.raises(ValidationError, match="already exists"):
        _partner(store, "communities in schools of  LEON county.")
    with pytest.raises(ValidationError, match="set_consent"):
        store.update_partner(pid, {"public": True}, expected_version=1, actor=ACTOR)
    with pytest.raises(ValidationError, match="latitude 95"):
        store.add_site({"partner_id": pid, **{**LEON_HIGH, "latitude": 95}}, actor=ACTOR)
    assert store.data_version() == before
    assert len(store.frames().activities) == 0 and len(store.frames().sites) == 0


def test_activity_site_must_belong_to_its_partner(db_url):
    store = open_store(db_url)
    cis = _partner(store)
    pta = _partner(store, "Florida PTA")
    leon = store.add_site({"partner_id": cis, **LEON_HIGH}, actor=ACTOR)
    with pytest.raises(ValidationError, match=f"site {leon} belongs to partner {cis}"):
        store.add_activity({"partner_id": pta, "site_id": leon, "kind_of_work": "funding"},
                           actor=ACTOR)


def test_moving_a_site_needs_its_new_boundaries(db_url):
    store = open_store(db_url)
    pid = _partner(store)
    sid = store.add_site({"partner_id": pid, **LEON_HIGH}, actor=ACTOR)
    with pytest.raises(ValidationError, match="boundary assignment"):
        store.update_site(sid, {"latitude": 30.59, "longitude": -84.58}, expected_version=1,
                          actor=ACTOR)
    store.update_site(sid, {"latitude": 30.59, "longitude": -84.58, "state_fips": "12",
                            "county_fips": "12039", "district_geoid": "1200600"},
                      expected_version=1, actor=ACTOR)
    site = store.get_site(sid)
    assert (site["county_fips"], site["district_geoid"], site["version"]) == (
        "12039", "1200600", 2)


def test_second_save_of_a_stale_record_gets_a_conflict(db_url):
    first, second = open_store(db_url), open_store(db_url)
    pid = _partner(first)
    seen_by_a = first.get_partner(pid)["version"]
    seen_by_b = second.get_partner(pid)["version"]
    first.update_partner(pid, {"expertise": "Integrated student supports"},
                         expected_version=seen_by_a, actor="ana@example.org")
    with pytest.raises(ConflictError) as caught:
        second.update_partner(pid, {"expertise": "After-school"},
                              expected_version=seen_by_b, actor="ben@example.org")
    message = str(caught.value)
    assert "was changed by ana@example.org at" in message
    assert "reload and re-apply your change" in message
    assert caught.value.current_version == 2
    assert second.get_partner(pid)["expertise"] == "Integrated student supports"
    # after reloading, the second person's change goes through
    second.update_partner(pid, {"expertise": "After-school"}, expected_version=2,
                          actor="ben@example.org")
    assert first.get_partner(pid)["expertise"] == "After-school"


def test_an_edit_is_undone_as_an_audited_edit_unless_someone_changed_the_record_since(db_url):
    store = open_store(db_url)
    pid = _partner(store)
    sid = store.add_site({"partner_id": pid, **LEON_HIGH}, actor=ACTOR)
    before = store.get_site(sid)
    moved = store.update_site(sid, {"name": "Leon High (moved)", "latitude": 30.59,
                                    "longitude": -84.58, "state_fips": "12",
                                    "county_fips": "12039", "district_geoid": "1200600",
                                    "contact": "pat@example.org"},
                              expected_version=before["version"], actor=ACTOR)
    version = store.undo_update("sites", sid, before, version=moved, actor=ACTOR)
    after = store.get_site(sid)
    assert version == moved + 1 == after["version"]
    for field in ("name", "latitude", "longitude", "county_fips", "district_geoid",
                  "location_source", "contact"):
        assert after[field] == before[field], field
    log = store.audit_log(table="sites", record_id=sid)
    undo = json.loads(log["changes"].iloc[0])
    assert log["action"].iloc[0] == "update" and undo["undo_of_version"] == moved
    assert undo["district_geoid"] == ["1200600", "1201110"]
    # An edit someone else changed since is not undone: their change stays.
    activity = store.add_activity({"partner_id": pid, "site_id": sid, "kind_of_work": "funding",
                                   "start_date": "2023-08-01"}, actor=ACTOR)
    opened = store.get_activity(activity)
    ended = store.update_activity(activity, {"status": "ended", "end_date": "2024-06-30"},
                                  expected_version=opened["version"], actor=ACTOR)
    store.update_activity(activity, {"notes": "Renewed for a year"}, expected_version=ended,
                          actor="colleague@example.org")
    stamp = store.data_version()
    with pytest.raises(ConflictError) as caught:
        store.undo_update("activities", activity, opened, version=ended, actor=ACTOR)
    assert caught.value.changed_by == "colleague@example.org"
    assert store.data_version() == stamp
    kept = store.get_activity(activity)
    assert (kept["status"], kept["notes"]) == ("ended", "Renewed for a year")
    store.delete_activity(activity, actor=ACTOR)
    with pytest.raises(NotFoundError, match="was deleted"):
        store.undo_update("activities", activity, opened, version=ended + 2, actor=ACTOR)


def test_consent_records_who_and_when(db_url):
    store = open_store(db_url)
    pid = _partner(store)
    store.set_consent(pid, public=True, approved_by="director@cisleon.org", actor=ACTOR)
    row = store.frames().partners.iloc[0]
    assert row["public"] and row["consent_by"] == "director@cisleon.org"
    assert pd.Timestamp(row["consent_at"]).tzinfo is not None
    entry = store.audit_log(table="partners", record_id=pid).iloc[0]
    assert entry["action"] == "consent"
    assert json.loads(entry["changes"])["public"] == [False, True]
    with pytest.raises(ValidationError, match="approved_by"):
        store.set_consent(pid, public=False, approved_by=" ", actor=ACTOR)


def test_load_frames_keeps_given_ids_and_refuses_clashes(db_url):
    store = open_store(db_url)
    partners = pd.DataFrame([{"partner_id": 40, "name": "United Way of the Big Bend",
                              "type": "united_way"}])
    sites = pd.DataFrame([{"site_id": 7, "partner_id": 40, **LEON_HIGH}])
    acts = pd.DataFrame([{"activity_id": 3, "partner_id": 40, "site_id": 7,
                          "kind_of_work": "funding"}])
    from geo.schema import Frames

    store.load_frames(Frames(partners, sites, acts), actor=ACTOR)
    frames = store.frames()
    assert frames.partners["partner_id"].tolist() == [40]
    assert frames.activities["site_id"].tolist() == [7]
    # new records continue after the kept ids, on both back ends
    assert _partner(store, "Florida PTA") == 41
    with pytest.raises(ValidationError) as caught:
        store.load_frames(Frames(partners.assign(name="Other"), sites.iloc[0:0],
                                 acts.iloc[0:0]), actor=ACTOR)
    assert "partner_id 40 already exists" in str(caught.value)
    bad = pd.DataFrame([{"partner_id": 40, "name": "X", "latitude": 30.1}])
    with pytest.raises(ValidationError) as caught:
        store.load_frames(Frames(partners.iloc[0:0], bad, acts.iloc[0:0]), actor=ACTOR)
    assert caught.value.problems[0].row == 2  # spreadsheet-style row of the bad site
    assert len(store.frames().sites) == 1
