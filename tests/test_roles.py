"""Who sees what: the role matrix over every page of the app, and signing in and out.

Every page listed in ``app.PAGES`` (read from app.py, so a new page is covered as soon
as it is added to the menu) is run under AppTest on a real temporary SQLite database
for each role: public, partner, staff, committee. The viewer is put in the server-side
session exactly as the sidebar's sign-in does (``st.session_state["viewer"]``, with a
real account behind it).

"Everything the page sends to the browser" is collected from the whole element tree:
every string and byte field of every element's protobuf message (markdown, text,
captions, alerts, metrics, widget labels and options, link URLs, the st_folium
component's ``json_args`` with the map's data and script), every dataframe's values,
the bytes of every download button (captured as the page registers them, including
deferred ones, which are then produced) and the query string the page leaves in the
URL.
"""
from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from geo import auth, schema
from geo.db import open_store
from geo.sample import make_sample
from tests.pagetools import fetched_payloads, map_script

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery staple"
STAFF = "staff@coalition.example.org"
COMMITTEE = "chair@committee.example.org"
PARTNER_USER = "lead@open-partner.example.org"
NOTE_TEMPLATE = "{name} tutors here on Tuesdays; see {website} or write to {email}"


def app_pages() -> list[str]:
    """The page files of ``PAGES`` in app.py, in menu order (commented lines skipped)."""
    tree = ast.parse((REPO / "app.py").read_text(encoding="utf-8"))
    pages = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "PAGES"
                                                 for t in node.targets)):
            for call in node.value.elts:  # type: ignore[attr-defined]
                first = call.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    pages.append(first.value)
    return pages


MENU = app_pages()
PAGES = [page for page in MENU if (REPO / page).is_file()]  # the matrix runs these
ROLES = ("public", "partner", "staff", "committee")
RESTRICTED = {"pages/data.py": {"public"},
              "pages/admin.py": {"public", "partner", "committee"}}


# --- the world: sample data, a note naming a withheld partner, one account per role ---
class World:
    def __init__(self, url: str) -> None:
        self.url = url
        store = open_store(url)
        try:
            store.load_frames(make_sample(), actor="test")
            frames = store.frames()
            partners = frames.partners
            withheld = partners[~partners["public"]]
            approved = partners[partners["public"]]
            # A withheld partner whose activity notes repeat its name, site and e-mail.
            target = withheld.iloc[0]
            site = frames.sites[frames.sites["partner_id"] == target["partner_id"]].iloc[0]
            store.add_activity({
                "partner_id": int(target["partner_id"]), "site_id": int(site["site_id"]),
                "area_level": "site", "kind_of_work": "implementation", "status": "active",
                "contact": f"tutoring@{urlsplit(target['website']).hostname}",
                "notes": NOTE_TEMPLATE.format(name=target["name"], website=target["website"],
                                              email=target["email"]),
            }, actor="test")
            frames = store.frames()
            self.partner_id = int(approved.iloc[0]["partner_id"])
            hash_ = auth.hash_password(PASSWORD)
            store.users.add_user(STAFF, hash_, "staff")
            store.users.add_user(COMMITTEE, hash_, "committee")
            store.users.add_user(PARTNER_USER, hash_, "partner", partner_id=self.partner_id)
        finally:
            store.close()
        self.frames = frames
        self.withheld = withheld
        self.approved = approved
        self.target = target

    def secrets(self) -> dict[str, list[str]]:
        """Per withheld partner: every string that would identify it."""
        out: dict[str, list[str]] = {}
        acts = self.frames.activities
        for row in self.withheld.itertuples(index=False):
            host = urlsplit(row.website).hostname or ""
            values = {row.name, row.website, host, row.email}
            values |= set(acts.loc[acts["partner_id"] == row.partner_id, "contact"])
            out[row.name] = sorted(v for v in values if v)
        return out

    def viewer(self, role: str) -> auth.Viewer | None:
        return {
            "public": None,
            "partner": auth.Viewer(email=PARTNER_USER, role="partner",
                                   partner_id=self.partner_id),
            "staff": auth.Viewer(email=STAFF, role="staff"),
            "committee": auth.Viewer(email=COMMITTEE, role="committee"),
        }[role]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> World:
    """The matrix runs on both back ends: what the public sees must not depend on it."""
    if request.param == "postgresql":
        return World(request.getfixturevalue("pg_module_url"))
    return World(f"sqlite:///{tmp_path_factory.mktemp('roles') / 'partnermap.db'}")


@pytest.fixture(scope="module")
def env(world: World) -> Iterator[None]:
    mp = pytest.MonkeyPatch()
    mp.chdir(REPO)
    mp.setenv("DATABASE_URL", world.url)
    mp.setenv("PARTNERMAP_SAMPLE_DATA", "0")
    mp.setenv("PARTNERMAP_TILES", "none")
    try:
        yield
    finally:
        mp.undo()


# --- what a run sends to the browser --------------------------------------------------
class Downloads:
    """Bytes of every file a run registers for download (spying on the real manager)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.files: list[bytes] = []
        self.deferred: list = []
        add, add_deferred = MediaFileManager.add, MediaFileManager.add_deferred
        files, deferred = self.files, self.deferred

        def spy_add(mgr, path_or_data, *args, **kwargs):
            data = path_or_data
            files.append(data if isinstance(data, bytes) else Path(data).read_bytes())
            return add(mgr, path_or_data, *args, **kwargs)

        def spy_add_deferred(mgr, data_callable, *args, **kwargs):
            deferred.append(data_callable)
            return add_deferred(mgr, data_callable, *args, **kwargs)

        monkeypatch.setattr(MediaFileManager, "add", spy_add)
        monkeypatch.setattr(MediaFileManager, "add_deferred", spy_add_deferred)

    def contents(self) -> list[bytes]:
        out = list(self.files)
        for make in self.deferred:
            data = make()
            if hasattr(data, "read"):
                data = data.read()
            out.append(data.encode("utf-8") if isinstance(data, str) else bytes(data))
        return out


def _proto_strings(value, out: list[str]) -> None:
    """Every string (and bytes, decoded) inside a protobuf message, at any depth."""
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, bytes):
        out.append(value.decode("utf-8", errors="replace"))
    elif hasattr(value, "ListFields"):
        for _field, item in value.ListFields():
            _proto_strings(item, out)
    elif hasattr(value, "items"):  # map fields
        for key, item in value.items():
            _proto_strings(key, out)
            _proto_strings(item, out)
    elif hasattr(value, "__iter__"):  # repeated fields
        for item in value:
            _proto_strings(item, out)


def _nodes(node) -> Iterator:
    yield node
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            yield from _nodes(child)


def rendered(at: AppTest, downloads: Downloads) -> str:
    """Everything the run sends to the browser, as one text (see module docstring)."""
    parts: list[str] = []
    for node in _nodes(at._tree):
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "ListFields"):
            _proto_strings(proto, parts)
    for frame in at.dataframe:
        parts.append(frame.value.to_csv())
    for component in at.get("component_instance"):
        args = component.proto.json_args
        parts.append(args)
        if args:  # also decoded, so escaped characters compare as written
            parts.append(json.dumps(json.loads(args), ensure_ascii=False))
            parts += fetched_payloads(component)  # and the layers it fetches
    for data in downloads.contents():
        parts.append(data.decode("utf-8", errors="replace"))
    parts.append(json.dumps(at.query_params.to_dict() if hasattr(at.query_params, "to_dict")
                            else dict(at.query_params), ensure_ascii=False))
    return "\n".join(parts)


def open_page(world: World, page: str, role: str, monkeypatch) -> tuple[AppTest, str]:
    downloads = Downloads(monkeypatch)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=300)
    viewer = world.viewer(role)
    if viewer is not None:
        at.session_state["viewer"] = viewer  # what the sidebar's sign-in stores
    at.switch_page(page).run()
    assert not at.exception, [e.message for e in at.exception]
    return at, rendered(at, downloads)


@pytest.fixture(scope="module")
def runs(world: World, env: None) -> dict[tuple[str, str], tuple[AppTest, str]]:
    """Every page run once for every role (shared by the matrix tests)."""
    out = {}
    mp = pytest.MonkeyPatch()
    try:
        for page in PAGES:
            for role in ROLES:
                with mp.context() as m:
                    out[(page, role)] = open_page(world, page, role, m)
    finally:
        mp.undo()
    return out


def _found(text: str, secrets: dict[str, list[str]]) -> list[str]:
    low = text.casefold()
    return [f"{name}: {value!r}" for name, values in secrets.items() for value in values
            if value.casefold() in low]


# --- the matrix -----------------------------------------------------------------------
def test_every_page_in_the_menu_exists():
    assert MENU[0] == "pages/home.py" and "pages/admin.py" in MENU
    assert [page for page in MENU if page not in PAGES] == []


@pytest.mark.parametrize("page", PAGES)
def test_public_never_receives_a_withheld_identity(runs, world, page):
    at, text = runs[(page, "public")]
    leaks = _found(text, world.secrets())
    assert leaks == [], f"{page} sends withheld identities to the public: {leaks[:10]}"
    sidebar = " ".join(c.value for c in at.sidebar.caption)
    assert "Viewing as: public" in sidebar
    assert schema.ANONYMOUS_PARTNER in sidebar and "include their work" in sidebar


def test_the_leak_check_can_see_names(runs, world):
    """Control: the same collection finds approved names for the public on the map."""
    _, text = runs[("pages/home.py", "public")]
    assert set(world.approved["name"]) <= {n for n in world.approved["name"] if n in text}
    assert schema.ANONYMOUS_PARTNER in text


@pytest.mark.parametrize("role", ["partner", "staff", "committee"])
def test_signed_in_roles_see_every_name(runs, world, role):
    _, text = runs[("pages/home.py", role)]
    missing = [n for n in world.withheld["name"] if n not in text]
    assert missing == [], f"{role} does not see {missing}"
    everything = "\n".join(runs[(page, role)][1] for page in PAGES if
                           role not in RESTRICTED.get(page, set()))
    if "pages/partners.py" in PAGES:  # the page that lists partners with their links
        hidden_sites = [w for w in world.withheld["website"] if w and w not in everything]
        assert hidden_sites == [], f"{role} does not see websites {hidden_sites}"


@pytest.mark.parametrize("page,role", [(p, r) for p, roles in RESTRICTED.items()
                                       for r in sorted(roles)])
def test_restricted_pages_refuse(runs, world, page, role):
    if page not in PAGES:
        pytest.skip(f"{page} is not in app.PAGES yet")
    at, text = runs[(page, role)]
    assert at.main.warning, f"{page} shows no refusal to {role}"
    assert not at.dataframe and not at.get("download_button")
    assert not at.get("file_uploader") and not at.main.text_input
    assert not at.main.button and not at.main.selectbox
    low = text.casefold()
    assert not any(n.casefold() in low for n in world.withheld["name"])
    assert STAFF not in text  # no account list


def test_staff_gets_the_admin_page(runs, world):
    at, text = runs[("pages/admin.py", "staff")]
    assert not at.main.warning
    accounts = at.dataframe[0].value
    assert set(accounts["E-mail"]) == {STAFF, COMMITTEE, PARTNER_USER}
    assert world.target["name"] in text


def test_role_comes_only_from_the_session(world, env):
    """A crafted URL or a forged session value never raises the role."""
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=300)
    at.query_params["role"] = "staff"
    at.query_params["viewer"] = STAFF
    at.session_state["role"] = "staff"
    at.session_state["viewer"] = "staff"  # not a Viewer: ignored
    at.switch_page("pages/admin.py").run()
    assert "Viewing as: public" in " ".join(c.value for c in at.sidebar.caption)
    assert at.main.warning and not at.dataframe


def test_a_viewer_without_an_account_is_public(world, env):
    """A Viewer in the session whose account does not exist (or was removed) is public."""
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=300)
    at.session_state["viewer"] = auth.Viewer(email="ghost@example.org", role="staff")
    at.switch_page("pages/admin.py").run()
    assert "Viewing as: public" in " ".join(c.value for c in at.sidebar.caption)
    assert at.main.warning and not at.dataframe


# --- signing in and out through the sidebar -------------------------------------------
def _sign_in(at: AppTest, email: str, password: str) -> AppTest:
    at.sidebar.text_input(key="sign_in_email").input(email)
    at.sidebar.text_input(key="sign_in_password").input(password)
    return at.sidebar.button(key="sign_in_submit").click().run()


def _caption(at: AppTest) -> str:
    return " ".join(c.value for c in at.sidebar.caption)


def _errors(at: AppTest) -> list[str]:
    return [e.value for e in at.sidebar.error]


@pytest.fixture
def fresh_user(world: World, env: None) -> Iterator[str]:
    """A staff account of its own per test, so lockouts do not leak between tests."""
    import uuid

    email = f"staff-{uuid.uuid4().hex[:8]}@coalition.example.org"
    store = open_store(world.url)
    store.users.add_user(email, auth.hash_password(PASSWORD), "staff")
    yield email
    store.users.remove_user(email)
    store.close()


def test_sign_in_and_out_through_the_sidebar(fresh_user):
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=300)
    at.switch_page("pages/admin.py").run()
    assert "Viewing as: public" in _caption(at) and at.main.warning
    _sign_in(at, fresh_user.upper(), PASSWORD)  # e-mail case does not matter
    assert not at.exception, [e.message for e in at.exception]
    assert _errors(at) == []
    assert "Viewing as: staff" in _caption(at)
    assert f"Signed in as {fresh_user}" in [t.value for t in at.sidebar.text]
    viewer = at.session_state["viewer"]
    assert isinstance(viewer, auth.Viewer) and viewer.role == "staff"
    assert not at.main.warning and at.dataframe  # the admin page opened
    assert not at.sidebar.text_input  # no password field left on the page

    at.sidebar.button(key="sign_out").click().run()
    assert "Viewing as: public" in _caption(at)
    assert "viewer" not in at.session_state
    assert at.main.warning and not at.dataframe


def test_wrong_password_shows_the_generic_message(fresh_user):
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=300)
    at.switch_page("pages/home.py").run()
    _sign_in(at, fresh_user, "not the password at all")
    assert _errors(at) == [auth.WRONG_CREDENTIALS_MESSAGE]
    assert "Viewing as: public" in _caption(at)
    # An unknown address gets the very same words (nothing tells accounts apart).
    _sign_in(at, "nobody-at-all@coalition.example.org", "not the password at all")
    assert _errors(at) == [auth.WRONG_CREDENTIALS_MESSAGE]
    _sign_in(at, fresh_user, "")
    assert _errors(at) == [auth.MISSING_CREDENTIALS_MESSAGE]


def test_five_failures_lock_the_account(fresh_user, world):
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=300)
    at.switch_page("pages/home.py").run()
    for attempt in range(1, auth.MAX_FAILED_ATTEMPTS + 1):
        _sign_in(at, fresh_user, f"wrong password number {attempt}")
        expected = (auth.LOCKED_MESSAGE if attempt == auth.MAX_FAILED_ATTEMPTS
                    else auth.WRONG_CREDENTIALS_MESSAGE)
        assert _errors(at) == [expected], attempt
    _sign_in(at, fresh_user, PASSWORD)  # even the right password is refused now
    assert _errors(at) == [auth.LOCKED_MESSAGE]
    assert "Viewing as: public" in _caption(at)
    store = open_store(world.url)
    failures, locked_until = auth.sign_in_status(store, fresh_user)
    store.close()
    assert failures == auth.MAX_FAILED_ATTEMPTS and locked_until is not None


# --- single sign-on (st.login) --------------------------------------------------------
SSO_SECRETS = {"auth": {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "test-cookie-secret-not-used",
    "client_id": "partner-map", "client_secret": "not-used",
    "server_metadata_url": "https://login.example.org/.well-known/openid-configuration",
}}


def _sso_app(user: dict) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=300)
    at.secrets.update(SSO_SECRETS)
    at.user = user
    return at


def test_sso_button_only_when_configured(world, env):
    plain = AppTest.from_file(str(REPO / "app.py"), default_timeout=300)
    plain.switch_page("pages/admin.py").run()
    assert not [b for b in plain.sidebar.button if b.key == "sign_in_sso"]
    at = _sso_app({"is_logged_in": False})
    at.switch_page("pages/admin.py").run()
    assert [b.label for b in at.sidebar.button if b.key == "sign_in_sso"] == ["Sign in with SSO"]


def test_sso_identity_maps_to_the_account_role(world, env):
    at = _sso_app({"is_logged_in": True, "email": COMMITTEE.upper(), "email_verified": True})
    at.switch_page("pages/home.py").run()
    assert not at.exception, [e.message for e in at.exception]
    assert "Viewing as: committee" in _caption(at)
    assert world.target["name"] in map_script(at.get("component_instance")[0])


@pytest.mark.parametrize("user", [
    {"is_logged_in": True, "email": "stranger@example.org"},     # no account: public
    {"is_logged_in": True, "email": STAFF, "email_verified": False},  # unverified
    {"is_logged_in": False, "email": STAFF},
])
def test_sso_without_a_matching_account_is_public(world, env, user):
    at = _sso_app(user)
    at.switch_page("pages/admin.py").run()
    assert "Viewing as: public" in _caption(at)
    assert at.main.warning and not at.dataframe


# --- editing rights -------------------------------------------------------------------
def test_partner_may_edit_only_its_own_records(world):
    own = world.viewer("partner")
    others = [int(p) for p in world.frames.partners["partner_id"] if p != world.partner_id]
    assert auth.can_edit(own, partner_id=world.partner_id)
    assert not any(auth.can_edit(own, partner_id=p) for p in others)
    assert not auth.can_edit(own, partner_id=None)  # new partners: staff only
    assert not auth.can_edit(world.viewer("committee"), partner_id=world.partner_id)
    assert auth.can_edit(world.viewer("staff"), partner_id=others[0])
    assert not auth.can_edit(auth.PUBLIC, partner_id=world.partner_id)


def test_visibility_rule_follows_geo_auth():
    from geo.visibility import sees_all_names

    for role in ROLES:
        stand_in = auth.Viewer(email="x@example.org" if role != "public" else "", role=role,
                               partner_id=1 if role == "partner" else None)
        assert sees_all_names(role) == auth.can_see_all_names(stand_in)


def test_withheld_notes_are_scrubbed_for_the_public(world):
    from geo.visibility import visible_frames

    out = visible_frames(world.frames, "public")
    notes = out.activities.loc[out.activities["notes"].str.contains("Tuesdays"), "notes"]
    assert list(notes) == [f"{schema.ANONYMOUS_PARTNER} tutors here on Tuesdays; see "
                           f"{schema.ANONYMOUS_PARTNER} or write to [withheld]"]
    staff = visible_frames(world.frames, "staff").activities
    assert world.target["name"] in " ".join(staff["notes"])
    assert re.search(r"\btutoring@", " ".join(staff["contact"]))


# --- the data page as a partner user (runs last: it changes one record) ----------------
@pytest.mark.skipif("pages/data.py" not in PAGES, reason="no data page yet")
def test_partner_user_can_change_only_its_own_records_on_the_data_page(world, env):
    store = open_store(world.url)
    try:
        frames = store.frames()
        own = world.partner_id
        own_name = frames.partners.set_index("partner_id").loc[own, "name"]
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=300)
        at.session_state["viewer"] = world.viewer("partner")
        at.switch_page("pages/data.py").run()
        at.radio(key="data_section").set_value("edit").run()
        assert not at.exception, [e.message for e in at.exception]

        # Only its own partner is offered, and no "add a new partner".
        assert at.selectbox(key="edit_pick_partners").options == [f"{own_name} (partner {own})"]
        for table, frame in (("sites", frames.sites), ("activities", frames.activities)):
            at.radio(key="edit_table").set_value(table).run()
            assert not [s for s in at.selectbox if s.key == "edit_partner"]  # no partner picker
            offered = at.selectbox(key=f"edit_pick_{table}").options
            own_count = int((frame["partner_id"] == own).sum())
            assert len(offered) == own_count + 1, (table, offered[:5])  # + "Add a new ..."
        at.radio(key="edit_table").set_value("partners").run()

        # Its own record can be changed, and the change names the partner user.
        before = store.frames().partners.set_index("partner_id")
        expertise = next(t for t in at.text_area if t.label == "Expertise")
        expertise.input("Tutoring and family nights (edited by the partner)")
        next(b for b in at.button if b.label == "Save changes").click().run()
        assert not at.exception, [e.message for e in at.exception]
        after = store.frames().partners.set_index("partner_id")
        assert after.loc[own, "expertise"] == "Tutoring and family nights (edited by the partner)"
        assert list(store.audit_log(1, table="partners")["actor"]) == [PARTNER_USER]
        others = after.index != own
        assert after.loc[others, "expertise"].equals(before.loc[others, "expertise"])
    finally:
        store.close()
