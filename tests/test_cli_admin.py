"""``python -m geo users ...`` and ``partners consent``, run as a user runs them.

Each command is a real subprocess against a temporary SQLite file named by
DATABASE_URL; the database is then read back to check what was stored.
"""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from geo import auth
from geo.auth import authenticate, verify_password
from geo.db import open_store

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "maple river lantern 42"


@pytest.fixture
def db(sqlite_url):
    """A database with two partners, neither publicly listed yet."""
    store = open_store(sqlite_url)
    ids = {
        "harbor": store.add_partner({"name": "Harbor Youth Alliance", "type": "nonprofit"},
                                    actor="setup@example.org"),
        "united": store.add_partner({"name": "United Way of the Plains", "type": "united_way"},
                                    actor="setup@example.org"),
    }
    store.close()
    return sqlite_url, ids


def geo(url: str, *args: str, password: str | None = None,
        stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PARTNERMAP_PASSWORD"}
    env.update(DATABASE_URL=url, PARTNERMAP_SAMPLE_DATA="0")
    if password is not None:
        env["PARTNERMAP_PASSWORD"] = password
    return subprocess.run(
        [sys.executable, "-m", "geo", *args], cwd=REPO, env=env, input=stdin,
        capture_output=True, text=True, timeout=120,
    )


def test_users_add_stores_only_a_bcrypt_hash(db):
    url, ids = db
    run = geo(url, "users", "add", "Ana.Staff@Example.org", "--role", "staff", password=PASSWORD)
    assert run.returncode == 0, run.stderr
    assert "Added ana.staff@example.org as staff." in run.stdout
    assert PASSWORD not in run.stdout + run.stderr
    with open_store(url) as store:
        user = store.users.get_user("ana.staff@example.org")
        assert user.role == "staff" and user.partner_id is None
        assert user.password_hash.startswith("$2b$12$")
        assert verify_password(PASSWORD, user.password_hash)
        # The account signs in with that password.
        assert authenticate(store, "ana.staff@example.org", PASSWORD).role == "staff"


def test_users_add_partner_matches_the_name_loosely(db):
    url, ids = db
    run = geo(url, "users", "add", "lead@harbor.example.org", "--role", "partner",
              "--partner", "  harbor   YOUTH alliance ", password=PASSWORD)
    assert run.returncode == 0, run.stderr
    assert "as partner of Harbor Youth Alliance." in run.stdout
    with open_store(url) as store:
        assert store.users.get_user("lead@harbor.example.org").partner_id == ids["harbor"]


def test_users_add_reads_the_password_twice_from_the_prompt(db):
    url, _ = db
    ok = geo(url, "users", "add", "c@example.org", "--role", "committee",
             stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert ok.returncode == 0, ok.stderr
    differ = geo(url, "users", "add", "d@example.org", "--role", "committee",
                 stdin=f"{PASSWORD}\n{PASSWORD}x\n")
    assert differ.returncode == 2
    assert "the two passwords differ; nothing was saved" in differ.stderr
    with open_store(url) as store:
        assert verify_password(PASSWORD, store.users.get_user("c@example.org").password_hash)
        assert store.users.get_user("d@example.org") is None


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (("x@example.org", "--role", "staff"), "short pw", "use at least 12"),
        (("x@example.org", "--role", "staff"), "é" * 40, "bcrypt only reads 72 bytes"),
        (("x@example.org", "--role", "partner"), PASSWORD, "the partner role needs --partner"),
        (("x@example.org", "--role", "staff", "--partner", "Harbor Youth Alliance"), PASSWORD,
         "--partner only applies to the partner role"),
        (("x@example.org", "--role", "partner", "--partner", "Harbour Youth Aliance"), PASSWORD,
         "Did you mean 'Harbor Youth Alliance'?"),
        (("not-an-address", "--role", "staff"), PASSWORD, "is not an e-mail address"),
    ],
)
def test_users_add_refuses_with_a_clear_message(db, args, password, message):
    url, _ = db
    run = geo(url, "users", "add", *args, password=password)
    assert run.returncode == 2
    assert message in run.stderr
    assert "Traceback" not in run.stderr
    with open_store(url) as store:
        assert store.users.list_users().empty  # nothing half-written


def test_users_add_refuses_a_duplicate(db):
    url, _ = db
    assert geo(url, "users", "add", "a@example.org", "--role", "staff",
               password=PASSWORD).returncode == 0
    again = geo(url, "users", "add", "A@example.org", "--role", "committee", password=PASSWORD)
    assert again.returncode == 2 and "already has an account" in again.stderr
    with open_store(url) as store:
        assert store.users.get_user("a@example.org").role == "staff"


def test_users_list_set_role_and_remove(db):
    url, ids = db
    with open_store(url) as store:
        store.users.add_user("p@example.org", "$2b$12$" + "x" * 53, "partner",
                             partner_id=ids["united"])
        store.users.add_user("s@example.org", "$2b$12$" + "y" * 53, "staff")

    listing = geo(url, "users", "list")
    assert listing.returncode == 0, listing.stderr
    lines = listing.stdout.splitlines()
    assert lines[0].split() == ["EMAIL", "ROLE", "PARTNER", "SIGN-IN"]
    assert any(line.split()[:2] == ["p@example.org", "partner"]
               and "United Way of the Plains" in line for line in lines)
    assert any(line.split()[:2] == ["s@example.org", "staff"] for line in lines)
    assert "$2b$" not in listing.stdout and "xxxx" not in listing.stdout

    moved = geo(url, "users", "set-role", "p@example.org", "committee")
    assert moved.returncode == 0, moved.stderr
    back = geo(url, "users", "set-role", "p@example.org", "partner", "--partner",
               "united way of the plains")
    assert back.returncode == 0, back.stderr
    nobody = geo(url, "users", "set-role", "ghost@example.org", "staff")
    assert nobody.returncode == 2 and "ghost@example.org has no account" in nobody.stderr
    with open_store(url) as store:
        user = store.users.get_user("p@example.org")
        assert (user.role, user.partner_id) == ("partner", ids["united"])
        actions = list(store.audit_log(table="users")["action"])
        assert actions.count("set_role") == 2

    removed = geo(url, "users", "remove", "P@example.org")
    assert removed.returncode == 0 and "Removed p@example.org." in removed.stdout
    twice = geo(url, "users", "remove", "p@example.org")
    assert twice.returncode == 2 and "has no account" in twice.stderr
    with open_store(url) as store:
        assert list(store.users.list_users()["email"]) == ["s@example.org"]


def test_users_unlock_and_set_password_clear_a_lock(db):
    url, _ = db
    assert geo(url, "users", "add", "s@example.org", "--role", "staff",
               password=PASSWORD).returncode == 0
    with open_store(url) as store:
        for _ in range(auth.MAX_FAILED_ATTEMPTS):
            with pytest.raises(auth.SignInError):
                auth.authenticate(store, "s@example.org", "a wrong password", client="10.0.0.1")
        assert auth.sign_in_status(store, "s@example.org")[1] is not None
    assert "locked until" in geo(url, "users", "list").stdout

    assert geo(url, "users", "unlock", "s@example.org").returncode == 0
    with open_store(url) as store:
        assert auth.sign_in_status(store, "s@example.org") == (0, None)
        # unlocked for the client that was held off, too
        assert auth.authenticate(store, "s@example.org", PASSWORD,
                                 client="10.0.0.1").role == "staff"

    new = "a different long passphrase"
    run = geo(url, "users", "set-password", "s@example.org", password=new)
    assert run.returncode == 0, run.stderr
    with open_store(url) as store:
        stored = store.users.get_user("s@example.org").password_hash
        assert verify_password(new, stored) and not verify_password(PASSWORD, stored)


def test_partners_consent_records_who_and_when(db):
    url, ids = db
    before = datetime.now(UTC) - timedelta(seconds=1)
    run = geo(url, "partners", "consent", "  united WAY of the   plains", "--public", "yes",
              "--approved-by", "Director@UnitedWay.example.org")
    assert run.returncode == 0, run.stderr
    assert "United Way of the Plains may now be listed publicly" in run.stdout
    with open_store(url) as store:
        partners = store.frames().partners.set_index("partner_id")
        row = partners.loc[ids["united"]]
        assert bool(row["public"]) is True
        assert row["consent_by"] == "director@unitedway.example.org"
        consent_at = datetime.fromisoformat(str(row["consent_at"]))
        assert before <= consent_at <= datetime.now(UTC)
        # The other partner is untouched.
        other = partners.loc[ids["harbor"]]
        assert bool(other["public"]) is False and other["consent_by"] == ""
        audit = store.audit_log(table="partners")
        assert "consent" in list(audit["action"])

    withdrawn = geo(url, "partners", "consent", "United Way of the Plains", "--public", "no",
                    "--approved-by", "director@unitedway.example.org")
    assert withdrawn.returncode == 0, withdrawn.stderr
    assert "is no longer listed publicly" in withdrawn.stdout
    with open_store(url) as store:
        row = store.frames().partners.set_index("partner_id").loc[ids["united"]]
        assert bool(row["public"]) is False
        assert row["consent_by"] == "director@unitedway.example.org"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("United Way of the Plans", "--public", "yes", "--approved-by", "a@example.org"),
         "no partner is called 'United Way of the Plans'. Did you mean "
         "'United Way of the Plains'?"),
        (("Nothing Alike At All", "--public", "yes", "--approved-by", "a@example.org"),
         "no partner is called 'Nothing Alike At All'."),
        (("Harbor Youth Alliance", "--public", "yes", "--approved-by", "someone"),
         "is not an e-mail address"),
    ],
)
def test_partners_consent_refuses_with_a_clear_message(db, args, message):
    url, _ = db
    run = geo(url, "partners", "consent", *args)
    assert run.returncode == 2
    assert message in run.stderr
    assert "Traceback" not in run.stderr
    with open_store(url) as store:
        assert not store.frames().partners["public"].any()


def test_partners_consent_requires_an_explicit_yes_or_no(db):
    url, _ = db
    run = geo(url, "partners", "consent", "Harbor Youth Alliance", "--public", "maybe",
              "--approved-by", "a@example.org")
    assert run.returncode == 2 and "invalid choice: 'maybe'" in run.stderr
