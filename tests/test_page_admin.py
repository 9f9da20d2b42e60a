"""The admin page under AppTest, signed in as staff, on a real temporary SQLite database.

Each action is done through the page's own widgets and checked in the database
afterwards (and in the audit trail, with the staff member as the actor).
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo import auth, schema
from geo.db import open_store
from geo.sample import make_sample
from tests.pagetools import map_script

REPO = Path(__file__).resolve().parent.parent
STAFF = "staff@coalition.example.org"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def url(tmp_path, monkeypatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'partnermap.db'}"
    store = open_store(url)
    store.load_frames(make_sample(), actor="test")
    store.users.add_user(STAFF, auth.hash_password(PASSWORD), "staff")
    store.close()
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PARTNERMAP_SAMPLE_DATA", "0")
    yield url


@pytest.fixture
def store(url):
    s = open_store(url)
    yield s
    s.close()


def _admin(viewer: auth.Viewer | None = None) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=300)
    at.session_state["viewer"] = viewer or auth.Viewer(email=STAFF, role="staff")
    at.switch_page("pages/admin.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _partner_id(store, *, public: bool) -> tuple[int, str]:
    partners = store.frames().partners
    row = partners[partners["public"] == public].iloc[0]
    return int(row["partner_id"]), str(row["name"])


def test_accounts_add_change_remove(store):
    pid, name = _partner_id(store, public=True)
    at = _admin()
    at.text_input(key="admin_add_email").input("New.Person@Partner.example.org")
    at.selectbox(key="admin_add_role").select("partner")
    at.selectbox(key="admin_add_partner").select(pid)
    at.text_input(key="admin_add_password").input(PASSWORD)
    _click(at, "admin_add_submit")
    assert [s.value for s in at.success] == ["Added new.person@partner.example.org as partner."]
    user = store.users.get_user("new.person@partner.example.org")
    assert user.role == "partner" and user.partner_id == pid
    assert auth.authenticate(store, "new.person@partner.example.org", PASSWORD).partner_id == pid
    table = at.dataframe[0].value
    assert name in list(table.loc[table["E-mail"] == "new.person@partner.example.org", "Partner"])

    at.selectbox(key="admin_role_email").select("new.person@partner.example.org")
    at.selectbox(key="admin_role_role").select("committee")
    _click(at, "admin_role_submit")
    user = store.users.get_user("new.person@partner.example.org")
    assert user.role == "committee" and user.partner_id is None

    at.selectbox(key="admin_remove_email").select("new.person@partner.example.org")
    _click(at, "admin_remove_submit")  # not confirmed: nothing happens
    assert store.users.get_user("new.person@partner.example.org") is not None
    assert "Tick" in at.error[0].value
    at.checkbox(key="admin_remove_sure").check()
    _click(at, "admin_remove_submit")
    assert store.users.get_user("new.person@partner.example.org") is None

    log = store.audit_log(10, table="users")
    assert list(log["action"])[:3] == ["remove_user", "set_role", "add_user"]
    assert set(log["actor"][:3]) == {STAFF}


def test_bad_account_input_lists_every_problem_and_saves_nothing(store):
    before = store.users.list_users()
    at = _admin()
    at.text_input(key="admin_add_email").input("not an address")
    at.selectbox(key="admin_add_role").select("partner")  # and no partner picked
    at.text_input(key="admin_add_password").input("short")
    _click(at, "admin_add_submit")
    message = at.error[0].value
    assert message.startswith("Nothing was saved")
    assert "is not an e-mail address" in message
    assert "needs its partner organization" in message
    assert "use at least 12" in message
    assert store.users.list_users().equals(before)


def test_staff_cannot_lock_themselves_out(store):
    at = _admin()
    at.selectbox(key="admin_role_email").select(STAFF)
    at.selectbox(key="admin_role_role").select("committee")
    _click(at, "admin_role_submit")
    assert "your own staff role" in at.error[0].value
    at.selectbox(key="admin_remove_email").select(STAFF)
    at.checkbox(key="admin_remove_sure").check()
    _click(at, "admin_remove_submit")
    assert "your own account" in at.error[0].value
    assert store.users.get_user(STAFF).role == "staff"


def test_consent_records_who_and_when_and_reaches_the_public_map(store):
    pid, name = _partner_id(store, public=False)
    at = _admin()
    at.selectbox(key="admin_consent_partner").select(pid)
    at.radio(key="admin_consent_public").set_value("approved")
    at.text_input(key="admin_consent_by").input("director@partner.example.org")
    _click(at, "admin_consent_submit")
    assert at.success and name in re.sub(r"\\(.)", r"\1", at.success[0].value)
    row = store.get_partner(pid)
    assert row["public"] is True and row["consent_by"] == "director@partner.example.org"
    assert row["consent_at"] is not None
    entry = store.audit_log(1, table="partners", record_id=pid)
    assert list(entry["action"]) == ["consent"] and list(entry["actor"]) == [STAFF]

    public = AppTest.from_file(str(REPO / "app.py"), default_timeout=300).run()
    script = map_script(public.get("component_instance")[0])
    assert name in script  # approved: the public map now names it

    at.selectbox(key="admin_consent_partner").select(pid)
    at.radio(key="admin_consent_public").set_value("not approved")
    at.text_input(key="admin_consent_by").input("")
    _click(at, "admin_consent_submit")  # who withdrew it is required
    assert at.error and "Nothing was saved" in at.error[0].value
    assert store.get_partner(pid)["public"] is True


def test_audit_trail_table(store):
    pid, _ = _partner_id(store, public=True)
    store.set_consent(pid, public=False, approved_by="x@partner.example.org", actor=STAFF)
    at = _admin()
    audit = next(d.value for d in at.dataframe if "Action" in d.value.columns)
    assert list(audit["Action"][:2]) == ["consent", "add_user"]
    assert audit["Who"].iloc[0] == STAFF
    assert json.loads(audit["Changes"].iloc[0])["public"] == [True, False]


def test_undo_a_deleted_partner_brings_back_its_sites(store):
    pid, name = _partner_id(store, public=True)
    n_sites = int((store.frames().sites["partner_id"] == pid).sum())
    store.delete_partner(pid, actor=STAFF)
    at = _admin()
    at.radio(key="admin_undo_table").set_value("sites").run()
    assert not at.exception
    # A site deleted with its partner cannot come back alone: a clear message.
    _click(at, "admin_undo_submit")
    assert at.error and "restore the deleted partner or site first" in at.error[0].value
    at.radio(key="admin_undo_table").set_value("partners").run()
    at.selectbox(key="admin_undo_record").select(pid)
    _click(at, "admin_undo_submit")
    assert at.success and name in re.sub(r"\\(.)", r"\1", at.success[0].value)
    frames = store.frames()
    assert pid in set(frames.partners["partner_id"])
    assert int((frames.sites["partner_id"] == pid).sum()) == n_sites
    assert list(store.audit_log(1, table="partners")["action"]) == ["restore"]


@pytest.mark.parametrize("role", ["partner", "committee"])
def test_other_roles_get_a_plain_message(store, role):
    pid, _ = _partner_id(store, public=True)
    email = f"{role}@example.org"
    store.users.add_user(email, auth.hash_password(PASSWORD), role,
                         partner_id=pid if role == "partner" else None)
    at = _admin(auth.Viewer(email=email, role=role,
                            partner_id=pid if role == "partner" else None))
    assert [w.value for w in at.main.warning] == [
        f"The admin page is for coalition staff; your role ({role}) cannot use it. "
        "Ask coalition staff if you need a change."]
    assert not at.dataframe and not at.main.button
    assert schema.ANONYMOUS_PARTNER not in " ".join(c.value for c in at.sidebar.caption)


def test_consent_confirmation_shows_markdown_in_a_name_as_text(store):
    pid, _ = _partner_id(store, public=False)
    hostile = "Quiet [Org](http://evil.example) ![x](http://evil.example/x.png)"
    store.update_partner(pid, {"name": hostile},
                         expected_version=int(store.get_partner(pid)["version"]), actor=STAFF)
    at = _admin()
    at.selectbox(key="admin_consent_partner").select(pid)
    at.radio(key="admin_consent_public").set_value("approved")
    at.text_input(key="admin_consent_by").input("director@partner.example.org")
    _click(at, "admin_consent_submit")
    shown = at.success[0].value
    assert "](http" not in shown and "![" not in shown  # no live link or image
    assert hostile in re.sub(r"\\(.)", r"\1", shown.replace("\u200b", ""))
