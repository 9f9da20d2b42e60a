"""The Data page under AppTest, on a real temporary SQLite database with the sample data.

Viewers sign in the way the app's sign-in does: a real account in the users table and
a :class:`geo.auth.Viewer` in the server-side session (``st.session_state["viewer"]``),
which ``_ui.current_viewer`` checks against the account on every run.

Downloads: the page builds export files only when a button is clicked (deferred
downloads). AppTest drops its media store after each run, so the tests keep a
reference to the real ``MediaFileManager`` of the last run and ask it for the file,
as the browser's click does.
"""
from __future__ import annotations

import io
import json
import re
import shutil

import pandas as pd
import pytest
import streamlit.testing.v1.app_test as app_test_module
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from geo.auth import Viewer
from geo.boundaries import zip_centroids
from geo.db import open_store
from geo.sample import make_sample

STAFF = Viewer("staff@example.org", "staff")
COMMITTEE = Viewer("committee@example.org", "committee")
REFUSAL = "Sign in as staff or a partner to manage data"


class _KeptMedia(MediaFileManager):
    """The real media manager, remembered so a test can fetch what a button offers."""

    last: MediaFileManager | None = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        type(self).last = self


@pytest.fixture(scope="module")
def seeded_db(tmp_path_factory):
    """The sample dataset plus one account per role, built once and copied per test."""
    path = tmp_path_factory.mktemp("data_page") / "seed.db"
    store = open_store(f"sqlite:///{path}")
    store.load_frames(make_sample(), actor="sample-data")
    store.users.add_user(STAFF.email, "", "staff")
    store.users.add_user(COMMITTEE.email, "", "committee")
    partners = store.frames().partners
    for pid in (1, 2):
        store.users.add_user(f"partner{pid}@example.org", "", "partner", pid)
    store.close()
    return path, partners


@pytest.fixture
def db(seeded_db, tmp_path, monkeypatch, repo_root):
    path, _ = seeded_db
    copy = tmp_path / "partnermap.db"
    shutil.copy(path, copy)
    url = f"sqlite:///{copy}"
    monkeypatch.chdir(repo_root)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PARTNERMAP_SAMPLE_DATA", "1")
    monkeypatch.setattr(app_test_module, "MediaFileManager", _KeptMedia)
    store = open_store(url)
    yield store
    store.close()


def _partner(pid: int) -> Viewer:
    return Viewer(f"partner{pid}@example.org", "partner", partner_id=pid)


def _open(repo_root, viewer: Viewer | None, section: str | None = None) -> AppTest:
    at = AppTest.from_file(str(repo_root / "app.py"), default_timeout=180)
    if viewer is not None:
        at.session_state["viewer"] = viewer
    at.switch_page("pages/data.py")
    _run(at)
    if section is not None:
        at.radio(key="data_section").set_value(section)
        _run(at)
    return at


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _plain(text: str) -> str:
    """Markdown as the user reads it (the page backslash-escapes punctuation)."""
    return re.sub(r"\\(.)", r"\1", text).replace("\u200b", "")  # zero-width: unseen


def _texts(at: AppTest, kind: str) -> list[str]:
    return [_plain(e.value) for e in getattr(at, kind)]


def _by_label(widgets, label: str):
    found = [w for w in widgets if w.label == label]
    assert len(found) == 1, (label, [w.label for w in widgets])
    return found[0]


def _download(at: AppTest, label: str | None = None, *, key: str | None = None) -> bytes:
    """The bytes the download button (by label or key) gives, as a click would."""
    buttons = at.get("download_button")
    button = (_by_label(buttons, label) if key is None
              else next(b for b in buttons if b.key == key))
    media = _KeptMedia.last
    assert media is not None
    url = (media.execute_deferred(button.proto.deferred_file_id)
           if button.proto.deferred_file_id else button.proto.url)
    file = media.read_file(url.rsplit("/", 1)[1].split(".")[0])
    assert file is not None, url
    return file.content


def _problem_table(at: AppTest) -> pd.DataFrame:
    """The one table of problems (column, problem, how to fix) the page shows."""
    tables = [d.value for d in at.main.dataframe if "how to fix" in d.value.columns]
    assert len(tables) == 1, len(tables)
    return tables[0]


def _upload(at: AppTest, name: str, content: bytes) -> AppTest:
    at.file_uploader[0].set_value((name, content, "text/csv"))
    return _run(at)


def _counts(store) -> tuple[int, int, int, int]:
    f = store.frames()
    return len(f.partners), len(f.sites), len(f.activities), store.data_version()


# --- who may see the page -----------------------------------------------------------
@pytest.mark.parametrize("viewer", [None, COMMITTEE], ids=["public", "committee"])
def test_public_and_committee_get_a_message_and_no_data_controls(db, repo_root, viewer):
    at = _open(repo_root, viewer)
    assert any(REFUSAL in w for w in _texts(at, "warning"))
    main = at.main
    assert not at.file_uploader and not at.get("download_button")
    assert not main.button and not main.radio and not main.selectbox
    assert not main.text_input and not main.dataframe and not main.checkbox


def test_staff_see_import_edit_and_export(db, repo_root):
    at = _open(repo_root, STAFF)
    assert at.radio(key="data_section").options == ["Import", "Edit", "Export"]
    assert {b.label for b in at.get("download_button")} == {"Template (CSV)",
                                                            "Template (Excel)"}
    assert "up to 50 MB" in at.file_uploader[0].label
    template = _download(at, "Template (CSV)").decode("utf-8")
    assert template.splitlines()[0].startswith("partner,site_name,kind_of_work")


# --- import ---------------------------------------------------------------------------
GOOD = (
    "partner,site_name,kind_of_work,principles,status,start_date,contact,latitude,longitude,"
    "district_geoid\n"
    "Brightpath Community Schools Alliance,Leon High School,implementation,Equity,active,"
    "2024-08-01,lee@example.org,30.4456207,-84.2755025,\n"
    "Brightpath Community Schools Alliance,,policy,,planned,2025-01-15,"
    "pat@example.org,,,1201110\n"
)


def test_staff_upload_previews_then_confirm_writes_the_rows(db, repo_root):
    before = _counts(db)
    at = _open(repo_root, STAFF)
    _upload(at, "good.csv", GOOD.encode())
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Rows read"] == "2" and metrics["Ready to import"] == "2"
    assert metrics["Rejected"] == "0"
    assert _counts(db) == before, "the preview writes nothing"
    confirm = at.button(key="import_confirm")
    assert confirm.label == "Import 2 rows" and not confirm.disabled
    confirm.click()
    _run(at)
    assert any("Imported good.csv" in s for s in _texts(at, "success"))
    acts = db.frames().activities
    new = acts[acts["contact"].isin(["lee@example.org", "pat@example.org"])]
    assert len(new) == 2 and set(new["partner_id"]) == {1}
    district = new[new["area_level"] == "district"]
    assert district["area_id"].tolist() == ["1201110"]
    site_id = int(new.loc[new["area_level"] == "site", "site_id"].iloc[0])
    site = db.get_site(site_id)
    assert site["name"] == "Leon High School" and site["district_geoid"] == "1201110"
    assert _counts(db)[2] == before[2] + 2
    assert at.file_uploader[0].value is None, "the uploader is cleared after an import"
    log = db.audit_log(limit=5)
    assert (log["actor"] == STAFF.email).any()


BAD = (
    "partner,site_name,kind_of_work,start_date,end_date,latitude,longitude,notes\n"
    "Brightpath Community Schools Alliance,Good School,funding,2024-01-01,,30.44,-84.27,ok\n"
    "Brightpath Community Schools Alliance,Bad Date School,funding,2024-13-45,,30.44,-84.28,\n"
    "Brightpath Community Schools Alliance,Far School,funding,2024-01-01,,123.0,-84.27,\n"
    "Brightpath Community Schools Alliance,Formula School,funding,2024-01-01,,30.45,-84.29,"
    "=HYPERLINK(\"http://x\")\n"
)


def test_bad_file_shows_row_and_column_problems_and_writes_nothing(db, repo_root):
    before = _counts(db)
    at = _open(repo_root, STAFF)
    _upload(at, "bad.csv", BAD.encode())
    problems = _problem_table(at)
    errors = problems[problems["severity"] == "error"]
    where = set(zip(errors["row"].astype(int), errors["column"], strict=True))
    assert (3, "start_date") in where
    assert (4, "latitude") in where
    assert (5, "notes") in where
    assert errors["how to fix"].str.len().gt(0).all()
    assert {m.label: m.value for m in at.metric}["Rejected"] == "3"
    confirm = at.button(key="import_confirm")
    assert confirm.disabled
    rejected = pd.read_csv(io.BytesIO(_download(at, "Download the 3 rejected rows with "
                                                    "their reasons (CSV)")), dtype=str)
    assert rejected["row"].tolist() == ["3", "4", "5"]
    assert rejected["problems"].str.len().gt(0).all()
    assert at.checkbox(key="import_valid_only").value is False
    assert _counts(db) == before


def test_unreadable_file_is_explained(db, repo_root):
    before = _counts(db)
    at = _open(repo_root, STAFF)
    _upload(at, "empty.csv", b"")
    assert any("cannot be imported" in e for e in _texts(at, "error"))
    assert not [b for b in at.button if b.key == "import_confirm"]
    assert _counts(db) == before


ODD_NAMES = (
    "Who,School called,Doing,North,East\n"
    "Brightpath Community Schools Alliance,Rickards High School,research,30.4647,-84.2417\n"
)


def test_columns_named_otherwise_are_mapped_on_the_page(db, repo_root):
    before = _counts(db)
    at = _open(repo_root, STAFF)
    _upload(at, "odd.csv", ODD_NAMES.encode())
    assert any("cannot be imported" in e for e in _texts(at, "error"))
    boxes = {}
    for s in at.selectbox:
        if s.key and s.key.startswith("import_map_"):
            target = re.sub(r"^import_map_[0-9a-f]+_", "", s.key)
            boxes[target] = s
    assert boxes["partner"].value == ""
    assert boxes["partner"].options[1:] == ["Who", "School called", "Doing", "North", "East"]
    for target, column in {"partner": "Who", "site_name": "School called",
                           "kind_of_work": "Doing", "latitude": "North",
                           "longitude": "East"}.items():
        boxes[target].set_value(column)
    _run(at)
    assert not _texts(at, "error")
    assert {m.label: m.value for m in at.metric}["Ready to import"] == "1"
    at.button(key="import_confirm").click()
    _run(at)
    sites = db.frames().sites
    assert (sites["name"] == "Rickards High School").sum() == 1
    assert _counts(db)[2] == before[2] + 1


def test_close_partner_name_is_offered_and_the_choice_is_used(db, repo_root):
    before = _counts(db)
    at = _open(repo_root, STAFF)
    close = GOOD.replace("Brightpath Community Schools Alliance",
                         "Brightpath Community School Alliance")
    _upload(at, "close.csv", close.encode())
    choice = [r for r in at.radio if r.key and r.key.startswith("import_partner_")]
    assert len(choice) == 1
    assert "Brightpath Community School Alliance" in _plain(choice[0].label)
    assert choice[0].options[0] == "Use the existing partner “Brightpath Community Schools " \
                                   "Alliance” (partner 1)"
    assert not [b for b in at.button if b.key == "import_confirm"], \
        "an unsure name must be resolved before anything can be imported"
    choice[0].set_value(1)
    _run(at)
    at.button(key="import_confirm").click()
    _run(at)
    after = _counts(db)
    assert after[0] == before[0], "no second partner for the same organization"
    acts = db.frames().activities
    assert set(acts.loc[acts["contact"] == "pat@example.org", "partner_id"]) == {1}


HOSTILE = "Brightpath [Community](http://evil.example) ![x](http://evil.example/x.png) Schools"


def test_partner_choice_shows_markdown_in_names_as_text(db, repo_root):
    db.update_partner(1, {"name": HOSTILE}, expected_version=int(db.get_partner(1)["version"]),
                      actor="test")
    at = _open(repo_root, STAFF)
    close = GOOD.replace("Brightpath Community Schools Alliance", HOSTILE[:-1])
    _upload(at, "close.csv", close.encode())
    choice = [r for r in at.radio if r.key and r.key.startswith("import_partner_")]
    assert len(choice) == 1
    for option in choice[0].options:
        assert "](http" not in option and "![" not in option  # no live link or image
    existing = choice[0].options[0]
    assert _plain(existing) == f"Use the existing partner “{HOSTILE}” (partner 1)"


def test_partner_user_imports_only_for_its_own_organization(db, repo_root):
    at = _open(repo_root, _partner(2))
    other = GOOD  # every row names partner 1
    _upload(at, "mine.csv", other.encode())
    assert not [s for s in at.selectbox if s.key and s.key.endswith("_partner")
                and s.key.startswith("import_map_")]
    at.button(key="import_confirm").click()
    _run(at)
    acts = db.frames().activities
    assert set(acts.loc[acts["contact"].isin(["lee@example.org", "pat@example.org"]),
                        "partner_id"]) == {2}


# --- edit -----------------------------------------------------------------------------
def _edit(at: AppTest, table: str, *, partner: int | None, record: int) -> AppTest:
    at.radio(key="data_section").set_value("edit")
    _run(at)
    at.radio(key="edit_table").set_value(table)
    _run(at)
    if partner is not None:
        at.selectbox(key="edit_partner").set_value(partner)
        _run(at)
    at.selectbox(key=f"edit_pick_{table}").set_value(record)
    return _run(at)


def test_editing_a_site_by_zip_stores_the_centroid_and_its_district(db, repo_root):
    site = db.frames().sites.iloc[0]
    sid, pid = int(site["site_id"]), int(site["partner_id"])
    at = _open(repo_root, STAFF)
    _edit(at, "sites", partner=pid, record=sid)
    _by_label(at.radio, "Set the location by").set_value("zip")
    _run(at)
    _by_label(at.text_input, "ZIP code").set_value("32301")
    _run(at)
    _by_label(at.button, "Save changes").click()
    _run(at)
    assert any("Saved" in s for s in _texts(at, "success"))
    stored = db.get_site(sid)
    centre = zip_centroids().set_index("zip").loc["32301"]
    assert stored["latitude"] == pytest.approx(centre["latitude"])
    assert stored["longitude"] == pytest.approx(centre["longitude"])
    assert stored["zip"] == "32301" and stored["location_source"] == "zip_centroid"
    # Downtown Tallahassee: Leon County, FL and its school district (NCES 1201110).
    assert stored["district_geoid"] == "1201110"
    assert stored["county_fips"] == "12073" and stored["state_fips"] == "12"


def test_unknown_zip_is_refused_with_a_clear_message(db, repo_root):
    site = db.frames().sites.iloc[0]
    sid, pid = int(site["site_id"]), int(site["partner_id"])
    before = db.get_site(sid)
    at = _open(repo_root, STAFF)
    _edit(at, "sites", partner=pid, record=sid)
    _by_label(at.radio, "Set the location by").set_value("zip")
    _by_label(at.text_input, "ZIP code").set_value("00000")
    _run(at)
    _by_label(at.button, "Save changes").click()
    _run(at)
    assert any("Not saved" in e for e in _texts(at, "error"))
    assert db.get_site(sid)["version"] == before["version"]


def test_concurrent_edit_shows_the_conflict_and_keeps_the_other_change(db, repo_root):
    site = db.frames().sites.iloc[0]
    sid, pid = int(site["site_id"]), int(site["partner_id"])
    at = _open(repo_root, STAFF)
    _edit(at, "sites", partner=pid, record=sid)  # the form is open: version read now
    record = db.get_site(sid)
    db.update_site(sid, {"name": "Renamed by a colleague"},
                   expected_version=int(record["version"]), actor="colleague@example.org")
    _by_label(at.text_input, "Name").set_value("My new name")
    _run(at)
    _by_label(at.button, "Save changes").click()
    _run(at)
    errors = _texts(at, "error")
    assert any("Not saved" in e and "colleague@example.org" in e and "since you opened it"
               in e for e in errors), errors
    assert db.get_site(sid)["name"] == "Renamed by a colleague"
    assert _by_label(at.text_input, "Name").value == "My new name", "the user's edit is kept"


def test_partner_user_cannot_edit_another_partners_records(db, repo_root):
    frames = db.frames()
    foreign = frames.sites[frames.sites["partner_id"] == 1].iloc[0]
    fid = int(foreign["site_id"])
    own_site = int(frames.sites.loc[frames.sites["partner_id"] == 2, "site_id"].iloc[0])
    before = _counts(db)
    at = _open(repo_root, _partner(2), section="edit")
    # Force the site picker and the staff-only partner filter to the other partner's
    # records (as a crafted request would), before the sites form is drawn.
    at.session_state["edit_pick_sites"] = fid
    at.session_state["edit_partner"] = 1
    at.radio(key="edit_table").set_value("sites")
    _run(at)
    picker = at.selectbox(key="edit_pick_sites")
    assert picker.value != fid
    assert not any(o.endswith(f"(site {fid})") for o in picker.options)
    assert any(o.endswith(f"(site {own_site})") for o in picker.options)
    assert not [s for s in at.selectbox if s.key == "edit_partner"]
    assert _by_label(at.text_input, "Name").value != foreign["name"]
    # A new activity forced onto the other partner's site is refused.
    at.radio(key="edit_table").set_value("activities")
    _run(at)
    at.selectbox(key="edit_pick_activities").set_value(0)
    _run(at)
    _by_label(at.radio, "Where").set_value("area")
    _run(at)
    nonce = at.session_state["edit_opened"]["nonce"]
    at.session_state[f"edit_activities_0_{nonce}_site"] = fid
    _by_label(at.radio, "Where").set_value("site")
    _run(at)
    _by_label(at.button, "Add activity").click()
    _run(at)
    # Streamlit drops a value that is not among the options, so whatever was added is
    # the partner's own work at one of its own sites.
    acts = db.frames().activities
    added = acts[~acts["activity_id"].isin(frames.activities["activity_id"])]
    assert len(added) == 1 and added["partner_id"].tolist() == [2]
    assert int(added["site_id"].iloc[0]) != fid
    assert db.get_site(int(added["site_id"].iloc[0]))["partner_id"] == 2
    # Partners: forced to partner 1, the picker offers and opens only partner 2.
    at.session_state["edit_pick_partners"] = 1
    at.radio(key="edit_table").set_value("partners")
    _run(at)
    picker = at.selectbox(key="edit_pick_partners")
    assert [o.rsplit("(", 1)[1] for o in picker.options] == ["partner 2)"], \
        "a partner user may not add partners, only edit its own"
    assert picker.value == 2
    assert _by_label(at.text_input, "Name").value == frames.partners.set_index(
        "partner_id").loc[2, "name"]
    after = db.frames()
    for name in ("partners", "sites", "activities"):
        old, new = getattr(frames, name), getattr(after, name)
        pd.testing.assert_frame_equal(old[old["partner_id"] == 1].reset_index(drop=True),
                                      new[new["partner_id"] == 1].reset_index(drop=True))
    assert _counts(db)[:2] == before[:2]


def test_staff_add_end_delete_and_undo_an_activity(db, repo_root):
    at = _open(repo_root, STAFF, section="edit")
    at.radio(key="edit_table").set_value("activities")
    _run(at)
    at.selectbox(key="edit_partner").set_value(3)
    _run(at)
    at.selectbox(key="edit_pick_activities").set_value(0)
    _run(at)
    _by_label(at.radio, "Where").set_value("area")
    _run(at)
    _by_label(at.selectbox, "Area").set_value("district")
    _by_label(at.text_input, "Area code").set_value("1201110")
    _by_label(at.text_input, "Contact (name, e-mail or phone)").set_value("new@example.org")
    _run(at)
    _by_label(at.button, "Add activity").click()
    _run(at)
    acts = db.frames().activities
    row = acts[acts["contact"] == "new@example.org"]
    assert len(row) == 1 and row["area_id"].iloc[0] == "1201110"
    aid = int(row["activity_id"].iloc[0])
    assert at.selectbox(key="edit_pick_activities").value == aid
    _by_label(at.button, "End this activity").click()
    _run(at)
    ended = db.get_activity(aid)
    assert ended["status"] == "ended" and ended["end_date"] is not None
    _by_label(at.button, "Delete this activity").click()
    _run(at)
    assert db.get_activity(aid)["deleted_at"] is not None
    at.button(key="edit_undo_button").click()
    _run(at)
    assert db.get_activity(aid)["deleted_at"] is None
    assert any("Restored" in s for s in _texts(at, "success"))


def test_staff_edit_with_a_bad_value_lists_the_problem_and_writes_nothing(db, repo_root):
    at = _open(repo_root, STAFF)
    _edit(at, "partners", partner=None, record=1)
    version = db.get_partner(1)["version"]
    _by_label(at.text_input, "Website (https://...)").set_value("javascript:alert(1)")
    _run(at)
    _by_label(at.button, "Save changes").click()
    _run(at)
    assert any("Not saved" in e for e in _texts(at, "error"))
    table = _problem_table(at)
    assert "website" in set(table["column"])
    assert db.get_partner(1)["version"] == version


# --- export ---------------------------------------------------------------------------
def test_exports_download_with_the_expected_rows(db, repo_root):
    frames = db.frames()
    at = _open(repo_root, STAFF, section="export")
    labels = [b.label for b in at.get("download_button")]
    assert labels.count("GeoJSON") == 3 and "Full backup (GeoPackage)" in labels
    partners = pd.read_csv(io.BytesIO(_download(at, key="export_partners_csv")), dtype=str,
                           keep_default_na=False)
    assert sorted(partners["partner_id"].astype(int)) == sorted(frames.partners["partner_id"])
    sites = pd.read_csv(io.BytesIO(_download(at, key="export_sites_csv")), dtype=str,
                        keep_default_na=False)
    assert sorted(sites["site_id"].astype(int)) == sorted(frames.sites["site_id"])
    assert {"district_geoid", "county_fips", "partner_name"} <= set(sites.columns)
    first = frames.sites.iloc[0]
    row = sites[sites["site_id"] == str(first["site_id"])].iloc[0]
    assert row["district_geoid"] == first["district_geoid"]
    collection = json.loads(_download(at, key="export_activities_geojson"))
    assert len(collection["features"]) == len(frames.activities)
    workbook = pd.read_excel(io.BytesIO(_download(at, key="export_sites_xlsx")), dtype=str)
    assert len(workbook) == len(frames.sites)
    backup = _download(at, key="export_backup")
    assert backup[:16] == b"SQLite format 3\x00"  # a GeoPackage is an SQLite file


def test_partner_user_exports_without_the_backup(db, repo_root):
    at = _open(repo_root, _partner(2), section="export")
    keys = {b.key for b in at.get("download_button")}
    assert "export_backup" not in keys and "export_partners_xlsx" in keys


def test_preview_shows_how_rows_are_placed_and_review_picks_a_school(db, repo_root):
    # The bundled Florida school directory, loaded as the sample data does.
    from geo.schools import load_sample_directory

    assert load_sample_directory(db, actor="sample-data") == 4337
    names = ("partner,school,city,state,zip\n"
             "Brightpath Community Schools Alliance,fort myers hs,Fort Myers,FL,33901\n"
             "Brightpath Community Schools Alliance,myers hs,Fort Myers,FL,33901\n"
             "Brightpath Community Schools Alliance,Quincy office,,FL,32351\n")
    at = _open(repo_root, STAFF)
    at.radio(key="import_kind").set_value("sites")
    _run(at)
    _upload(at, "names.csv", names.encode())
    placed = next(d.value for d in at.main.dataframe if "placed by" in d.value.columns)
    assert dict(zip(placed["placed by"], placed["rows"], strict=True)) == {
        "school directory": 1, "ZIP centroid (approximate)": 2}
    assert any("School names to review" in m for m in _texts(at, "markdown"))
    pick = next(s for s in at.selectbox if s.key and s.key.startswith("import_school_"))
    assert _plain(pick.label) == "Row 3: “myers hs”"
    south = next(o for o in pick.options if "SOUTH FORT MYERS HIGH" in o)
    pick.select(re.search(r"NCES (\d{12})", south).group(1))  # the option's value
    _run(at)
    placed = next(d.value for d in at.main.dataframe if "placed by" in d.value.columns)
    assert dict(zip(placed["placed by"], placed["rows"], strict=True)) == {
        "school directory": 2, "ZIP centroid (approximate)": 1}
    sites_before = len(db.frames().sites)
    at.button(key="import_confirm").click()
    _run(at)
    sites = db.frames().sites
    assert len(sites) == sites_before + 3
    new = sites.sort_values("site_id").tail(3)
    assert sorted(new["location_source"]) == ["school_directory", "school_directory",
                                              "zip_centroid"]


def test_partner_user_exports_carry_other_partners_private_fields_only_where_public(db, repo_root):
    frames = db.frames()
    at = _open(repo_root, _partner(2), section="export")
    partners = pd.read_csv(io.BytesIO(_download(at, key="export_partners_csv")), dtype=str,
                           keep_default_na=False).set_index("partner_id")
    acts = pd.read_csv(io.BytesIO(_download(at, key="export_activities_csv")), dtype=str,
                       keep_default_na=False)
    stored = frames.partners.set_index("partner_id")
    withheld = [p for p in stored.index if not stored.loc[p, "public"] and p != 2]
    assert withheld and any(stored.loc[p, "email"] for p in withheld)
    for pid in withheld:
        row = partners.loc[str(pid)]
        assert row["name"] == stored.loc[pid, "name"]  # names: the partner role sees them
        assert (row["email"], row["consent_by"]) == ("", "")
        theirs = acts[acts["partner_id"] == str(pid)]
        assert set(theirs["contact"]) <= {""} and set(theirs["notes"]) <= {""}
    own = acts[acts["partner_id"] == "2"]
    stored_own = frames.activities[frames.activities["partner_id"] == 2]
    assert sorted(own["contact"]) == sorted(stored_own["contact"].fillna(""))  # its own: whole


NO_PARTNER_COLUMN = (
    "site_name,latitude,longitude,zip\n"
    "Eastside Elementary,30.4456207,-84.2755025,\n"
    "Westside Middle,,,32304\n"
)


def test_staff_create_a_new_partner_from_the_import(db, repo_root):
    """A file of a partner not stored yet: "New partner…" and its name, no other tab."""
    before = _counts(db)
    at = _open(repo_root, STAFF)
    at.radio(key="import_kind").set_value("sites")
    fill = at.selectbox(key="import_fill")
    assert "New partner…" in fill.options
    fill.set_value(-1)
    _run(at)
    at.text_input(key="import_new_partner").input("Eastside Family Center")
    _run(at)
    _upload(at, "eastside.csv", NO_PARTNER_COLUMN.encode())
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Ready to import"] == "2", _texts(at, "error")
    assert any("1 new and 0 existing partners" in s for s in _texts(at, "success"))
    at.button(key="import_confirm").click()
    _run(at)
    partners = db.frames().partners
    new = partners[partners["name"] == "Eastside Family Center"]
    assert len(new) == 1 and not bool(new["public"].iloc[0]), \
        "created without public-listing consent"
    sites = db.frames().sites
    assert set(sites.loc[sites["partner_id"] == int(new["partner_id"].iloc[0]), "name"]) == \
        {"Eastside Elementary", "Westside Middle"}
    assert _counts(db)[0] == before[0] + 1


YES_NO = (
    "partner,school,Community school,zip\n"
    "Brightpath Community Schools Alliance,Northside Academy,Yes,32301\n"
    "Brightpath Community Schools Alliance,Southside Academy,No,32303\n"
)


def _mapping_boxes(at: AppTest) -> dict[str, object]:
    return {re.sub(r"^import_map_[0-9a-f]+_", "", s.key): s for s in at.selectbox
            if s.key and s.key.startswith("import_map_")}


def test_a_yes_no_community_school_column_is_offered_and_a_no_stays_a_plain_school(
        db, repo_root):
    at = _open(repo_root, STAFF)
    at.radio(key="import_kind").set_value("sites")
    _run(at)
    _upload(at, "yn.csv", YES_NO.encode())
    box = _mapping_boxes(at)["community_school"]
    assert box.value == "Community school", "suggested from the header"
    assert {m.label: m.value for m in at.metric}["Ready to import"] == "2"
    at.button(key="import_confirm").click()
    _run(at)
    sites = db.frames().sites.set_index("name")
    assert sites.loc["Northside Academy", "site_kind"] == "community_school"
    assert sites.loc["Southside Academy", "site_kind"] == "school"


def test_an_unreadable_yes_no_value_is_a_problem_with_row_column_and_fix(db, repo_root):
    at = _open(repo_root, STAFF)
    at.radio(key="import_kind").set_value("sites")
    _run(at)
    _upload(at, "yn.csv", YES_NO.replace(",No,", ",Perhaps,").encode())
    problems = _problem_table(at)
    bad = problems[(problems["severity"] == "error")]
    assert list(zip(bad["row"].astype(int), bad["column"], strict=True)) == [
        (3, "Community school")]
    assert "Write Yes or No" in bad["how to fix"].iloc[0]
    assert at.button(key="import_confirm").disabled


def test_a_site_contact_from_the_import_is_stored_and_shown_in_the_site_form(db, repo_root):
    sites = ("partner,school,site contact,latitude,longitude\n"
             "Brightpath Community Schools Alliance,Northside Academy,Pat Lee 850-555-0100,"
             "30.4647,-84.2417\n")
    at = _open(repo_root, STAFF)
    at.radio(key="import_kind").set_value("sites")
    _run(at)
    _upload(at, "contacts.csv", sites.encode())
    assert _mapping_boxes(at)["contact"].value == "site contact"
    shown = [d.value for d in at.main.dataframe if "how to fix" in d.value.columns]
    assert not any(table["problem"].str.contains("not used").any() for table in shown)
    at.button(key="import_confirm").click()
    _run(at)
    stored = db.frames().sites
    site = stored[stored["name"] == "Northside Academy"].iloc[0]
    assert site["contact"] == "Pat Lee 850-555-0100"
    _edit(at, "sites", partner=int(site["partner_id"]), record=int(site["site_id"]))
    field = _by_label(at.text_input, "Contact at the site (name, e-mail or phone; optional)")
    assert field.value == "Pat Lee 850-555-0100"
    field.set_value("lee@brightpath.example.org")
    _run(at)
    _by_label(at.button, "Save changes").click()
    _run(at)
    assert db.get_site(int(site["site_id"]))["contact"] == "lee@brightpath.example.org"


FIXABLE = (
    "partner,site_name,kind_of_work,start_date,contact,latitude,longitude\n"
    "Brightpath Community Schools Alliance,Leon High School,Coaching,9/1/2021,"
    "fix1@example.org,30.4456207,-84.2755025\n"
    "Brightpath Community Schools Alliance,Rickards High School,Coaching,9/1/2021,"
    "fix2@example.org,30.4647,-84.2417\n"
)


def _fix_button(at: AppTest, column: str, value: str):
    """The Apply button of the fix of ``value`` in ``column`` (its line says what it does)."""
    assert sum(_plain(m.value).startswith(f"{column}: “{value}” → ")
               for m in at.main.markdown) == 1
    [button] = [b for b in at.button if b.key and b.key.startswith("import_fix_")
                and b.key.endswith(repr((column, value)))]
    assert button.label == "Apply"
    return button


def test_a_suggested_fix_is_applied_to_every_such_cell_with_one_click(db, repo_root):
    before = _counts(db)
    at = _open(repo_root, STAFF)
    _upload(at, "fixable.csv", FIXABLE.encode())
    assert {m.label: m.value for m in at.metric}["Rejected"] == "2"
    assert at.button(key="import_confirm").disabled
    _fix_button(at, "start_date", "9/1/2021").click()
    _run(at)
    errors = _problem_table(at)
    errors = errors[errors["severity"] == "error"]
    assert set(errors["column"]) == {"kind_of_work"}, "both dates fixed, the rest re-checked"
    assert any("“9/1/2021” → “2021-09-01” (2 cells)" in c for c in _texts(at, "caption"))
    assert _counts(db) == before, "a fix writes nothing"
    _fix_button(at, "kind_of_work", "Coaching").click()
    _run(at)
    assert {m.label: m.value for m in at.metric}["Ready to import"] == "2"
    assert _counts(db) == before
    at.button(key="import_confirm").click()
    _run(at)
    acts = db.frames().activities
    new = acts[acts["contact"].isin(["fix1@example.org", "fix2@example.org"])]
    assert list(new["kind_of_work"]) == ["technical_assistance"] * 2
    assert [str(pd.Timestamp(d).date()) for d in new["start_date"]] == ["2021-09-01"] * 2


def test_fixes_can_be_undone_before_the_import(db, repo_root):
    at = _open(repo_root, STAFF)
    _upload(at, "fixable.csv", FIXABLE.encode())
    at.button(key=next(b.key for b in at.button if b.key and b.key.startswith(
        "import_fix_all_"))).click()
    _run(at)
    assert {m.label: m.value for m in at.metric}["Rejected"] == "0"
    at.button(key=next(b.key for b in at.button if b.key and b.key.startswith(
        "import_fix_undo_"))).click()
    _run(at)
    assert {m.label: m.value for m in at.metric}["Rejected"] == "2"


def test_an_edit_of_a_site_is_undone_and_the_undo_is_audited(db, repo_root):
    site = db.frames().sites.iloc[0]
    sid, pid = int(site["site_id"]), int(site["partner_id"])
    before = db.get_site(sid)
    at = _open(repo_root, STAFF)
    _edit(at, "sites", partner=pid, record=sid)
    _by_label(at.text_input, "Name").set_value("Renamed by mistake")
    _by_label(at.radio, "Set the location by").set_value("zip")
    _run(at)
    _by_label(at.text_input, "ZIP code").set_value("32301")
    _run(at)
    _by_label(at.button, "Save changes").click()
    _run(at)
    edited = db.get_site(sid)
    assert (edited["name"], edited["location_source"]) == ("Renamed by mistake", "zip_centroid")
    assert any("Changed the site Renamed by mistake" in i for i in _texts(at, "info"))
    at.button(key="edit_undo_button").click()
    _run(at)
    assert any("Undid your changes" in s for s in _texts(at, "success"))
    after = db.get_site(sid)
    for field in ("name", "latitude", "longitude", "zip", "location_source", "district_geoid",
                  "county_fips"):
        assert after[field] == before[field], field
    assert after["version"] == before["version"] + 2
    log = db.audit_log(limit=1)
    assert (log["action"].iloc[0], log["actor"].iloc[0]) == ("update", STAFF.email)
    assert json.loads(log["changes"].iloc[0])["name"] == ["Renamed by mistake", before["name"]]
    assert _by_label(at.text_input, "Name").value == before["name"], "the form shows it too"
    assert not [b for b in at.button if b.key == "edit_undo_button"]


def test_undo_of_an_edit_is_refused_when_someone_changed_the_record_since(db, repo_root):
    at = _open(repo_root, STAFF)
    _edit(at, "partners", partner=None, record=1)
    _by_label(at.text_area, "Expertise").set_value("Mine, by mistake")
    _run(at)
    _by_label(at.button, "Save changes").click()
    _run(at)
    assert db.get_partner(1)["expertise"] == "Mine, by mistake"
    version = db.get_partner(1)["version"]
    db.update_partner(1, {"expertise": "The colleague's text"}, expected_version=version,
                      actor="colleague@example.org")
    at.button(key="edit_undo_button").click()
    _run(at)
    errors = _texts(at, "error")
    assert any("Could not undo" in e and "colleague@example.org" in e for e in errors), errors
    assert db.get_partner(1)["expertise"] == "The colleague's text"
    assert db.get_partner(1)["version"] == version + 1
    _run(at)
    assert not [b for b in at.button if b.key == "edit_undo_button"]


def test_ending_an_activity_can_be_undone(db, repo_root):
    act = db.frames().activities
    row = act[act["status"] == "active"].iloc[0]
    aid, pid = int(row["activity_id"]), int(row["partner_id"])
    at = _open(repo_root, STAFF)
    _edit(at, "activities", partner=pid, record=aid)
    _by_label(at.button, "End this activity").click()
    _run(at)
    assert db.get_activity(aid)["status"] == "ended"
    at.button(key="edit_undo_button").click()
    _run(at)
    restored = db.get_activity(aid)
    assert restored["status"] == "active"
    assert restored["end_date"] == (None if pd.isna(row["end_date"])
                                    else pd.Timestamp(row["end_date"]).date())
