"""The Scan page under AppTest, on a real temporary SQLite database with the sample data.

AppTest cannot click the map (tests/browser/test_scan_browser.py does); it checks the
place chosen by link and by widgets, what is listed, the ranking, the empty-result
messages and the bytes of the brief download.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from geo import auth, schema
from geo.analysis import rank_fit, resolve_place, scan
from geo.analysis.scan import sites_by_partner
from geo.brief import MAX_PARTNER_ROWS
from geo.db import open_store
from geo.safe import markdown_text as md_text
from geo.sample import make_sample
from geo.visibility import visible_frames
from tests.pagetools import app_env, map_args

REPO = Path(__file__).resolve().parents[1]
PAGE = "pages/scan.py"
CHICAGO = "1709930"
LEON = "1201110"
STAFF = "staff@coalition.example.org"
PASSWORD = "a long enough test password"


class World:
    """The sample data in a temporary database, plus one staff account."""

    def __init__(self, url: str) -> None:
        self.url = url
        store = open_store(url)
        try:
            store.load_frames(make_sample(), actor="test")
            store.users.add_user(STAFF, auth.hash_password(PASSWORD), "staff")
            self.frames = store.frames()
        finally:
            store.close()

    def as_seen_by(self, role: str) -> schema.Frames:
        return visible_frames(self.frames, role)


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    return World(f"sqlite:///{tmp_path_factory.mktemp('scan') / 'partnermap.db'}")


@pytest.fixture
def env(world, monkeypatch) -> World:
    app_env(monkeypatch, REPO, world.url)
    return world


class Downloads:
    """Every file a run hands to the browser for download (spying on the real manager)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.files: list[bytes] = []
        self.deferred: list = []
        original, original_deferred = MediaFileManager.add, MediaFileManager.add_deferred

        def add(mgr, path_or_data, *args, **kwargs):
            self.files.append(path_or_data if isinstance(path_or_data, bytes)
                              else Path(path_or_data).read_bytes())
            return original(mgr, path_or_data, *args, **kwargs)

        def add_deferred(mgr, make, *args, **kwargs):
            self.deferred.append(make)
            return original_deferred(mgr, make, *args, **kwargs)

        monkeypatch.setattr(MediaFileManager, "add", add)
        monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)

    def contents(self) -> list[bytes]:
        """Files sent with the page, and files made when their button is clicked."""
        made = [make() for make in self.deferred]
        return self.files + [m.encode("utf-8") if isinstance(m, str) else bytes(m) for m in made]


def _open(params: dict[str, str] | None = None, *, viewer: auth.Viewer | None = None) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=180)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    if viewer is not None:
        at.session_state["viewer"] = viewer
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _unescape(text: str) -> str:
    """Markdown text as the user reads it (pages backslash-escape punctuation)."""
    out, skip = [], False
    for ch in text:
        if ch == "\\" and not skip:
            skip = True
            continue
        skip = False
        out.append(ch)
    return "".join(out).replace("\u200b", "")


def _heading(at: AppTest) -> str:
    return _unescape(at.subheader[0].value) if len(at.subheader) else ""


def _texts(at: AppTest) -> str:
    parts = ([m.value for m in at.markdown] + [i.value for i in at.info]
             + [c.value for c in at.caption])
    return _unescape("\n".join(parts))


def _table(at: AppTest, column: str, *, without: str = "\0"):
    for df in at.dataframe:
        if column in df.value.columns and without not in df.value.columns:
            return df.value
    raise AssertionError(f"no table with a {column!r} column")


def test_a_link_restores_place_radius_and_needs(env):
    at = _open({"district": CHICAGO, "radius": "5", "needs": "Family Engagement,funding"})
    assert _heading(at) == "Chicago Public School District 299, IL"
    assert at.number_input(key="scan_radius").value == 5.0
    assert at.multiselect(key="scan_principles").value == ["Family Engagement"]
    assert at.multiselect(key="scan_kinds").value == ["funding"]
    expected = scan(env.as_seen_by("public"), resolve_place(district=CHICAGO), radius_mi=5,
                    needs=["Family Engagement", "funding"])
    shown = _table(at, "Presence")
    assert list(shown["Partner"]) == list(expected.partners["partner"])
    assert list(shown["Fit score"]) == list(expected.partners["fit_score"])
    # Need figures with their source.
    need = _table(at, "Children 5-17")
    assert int(need["Children 5-17"].iloc[0]) == int(expected.need["children_5_17"].iloc[0])
    assert "Source: Urban Institute" in _texts(at)
    # The map is the neighbourhood only: the place and its neighbours, not the nation.
    args = map_args(at.get("component_instance")[0])
    assert f'"{CHICAGO}"' in args["script"] and '"0601332"' not in args["script"]
    assert len(args["script"]) < 2_000_000


def test_each_partner_lists_its_own_sites_here(env):
    at = _open({"district": CHICAGO, "radius": "5"})
    frames = env.as_seen_by("public")
    expected = scan(frames, resolve_place(district=CHICAGO), radius_mi=5)
    owner = dict(zip(frames.sites["site_id"].astype(int), frames.sites["partner_id"].astype(int),
                     strict=True))
    lines = [e for e in at.markdown if e.value.startswith("**Sites here")]
    assert lines
    groups = sites_by_partner(expected, frames.sites)
    for pid, mine in groups.items():
        assert {owner[int(i)] for i in mine["site_id"]} == {pid}
    assert sum(len(g) for g in groups.values()) == len(expected.sites)
    some = list(groups)[:2]
    assert list(sites_by_partner(expected, frames.sites, some)) == some
    shown = [pid for pid in expected.partners["partner_id"].astype(int).head(25) if pid in groups]
    assert len(lines) == len(shown)
    for pid, line in zip(shown, lines, strict=True):
        first = groups[pid].head(30)
        assert line.value.startswith(f"**Sites here ({len(groups[pid])}):**")
        away = int((first["distance_mi"].fillna(0) != 0).sum())
        assert _unescape(line.value).count(" mi away)") == away
        assert md_text(first["site"].iloc[0]) in line.value


def test_typing_a_place_selects_it_and_writes_the_link(env):
    at = _open()
    assert _heading(at) == ""
    assert "click a state" in _texts(at).lower()
    at.text_input(key="scan_search").input("Leon, FL").run()
    assert _heading(at) == "Leon County School District, FL"
    assert at.query_params.get("district") == [LEON] or at.query_params.get("district") == LEON
    # Other matches stay one click away.
    pick = at.selectbox(key="scan_pick")
    assert ("county:12073" in pick.options
            or "Leon, FL" in [pick.format_func(o) for o in pick.options])


def test_empty_results_are_said_in_plain_words(env):
    at = _open({"district": LEON})
    texts = _texts(at)
    assert "No partner works in this district yet." in texts
    assert "No partner works in Leon County School District, FL yet." in texts
    assert "No partner sites in Leon County School District, FL." in texts
    assert not any("Presence" in df.value.columns for df in at.dataframe)


def test_a_point_with_a_radius(env):
    at = _open()
    at.text_input(key="scan_point").input("41.8781, -87.6298").run()
    assert _heading(at) == "Point 41.8781, -87.6298, IL"
    assert at.number_input(key="scan_radius").value == 5.0  # a point alone gets 5 miles
    assert at.query_params["point"] in ("41.87810,-87.62980", ["41.87810,-87.62980"])
    expected = scan(env.as_seen_by("public"), resolve_place(point=(41.8781, -87.6298)), radius_mi=5)
    assert len(_table(at, "Community school")) == len(expected.sites) > 0


def test_a_bad_point_and_bad_link_values_get_clear_messages(env):
    at = _open({"district": "12ab", "radius": "9999"})
    assert "not understood" in at.warning[0].value and "district" in at.warning[0].value
    at.text_input(key="scan_point").input("-87.6, 241.9").run()
    assert any("Latitude must be within" in e.value for e in at.error)
    at2 = _open({"district": "1299999"})
    assert any("No school district with GEOID 1299999" in e.value for e in at2.error)


def test_ticking_needs_changes_the_ranking(env):
    at = _open({"district": CHICAGO})
    before = list(_table(at, "Why", without="Presence")["Partner"])
    at.multiselect(key="scan_kinds").select("research").run()
    at.multiselect(key="scan_principles").select("Equity").run()
    fit = _table(at, "Why", without="Presence")
    expected = rank_fit(env.as_seen_by("public"), resolve_place(district=CHICAGO),
                        ["Equity", "research"])
    assert list(fit["Partner"]) == list(expected["name"])
    assert list(fit["Partner"]) != before
    assert fit["Why"].str.contains("works on Equity, Research and evaluation").any()
    assert at.query_params["needs"] in ("Equity,research", ["Equity,research"])


def _brief(downloads: Downloads) -> str:
    briefs = [f.decode("utf-8") for f in downloads.contents() if f.startswith(b"<!DOCTYPE html>")]
    assert len(briefs) == 1, len(downloads.files)
    return briefs[0]


def test_public_brief_names_only_approved_partners(env, monkeypatch):
    downloads = Downloads(monkeypatch)
    at = _open({"state": "17"})
    button = at.get("download_button")[0]
    assert "brief" in button.proto.label.lower()
    html = _brief(downloads)
    # The brief prints the first rows of the page's table (same order: no needs ticked).
    shown = set(_table(at, "Presence")["Partner"].head(MAX_PARTNER_ROWS))
    approved = set(env.frames.partners.loc[env.frames.partners["public"], "name"])
    withheld = set(env.frames.partners.loc[~env.frames.partners["public"], "name"])
    assert shown & approved and all(name in html for name in shown & approved)
    assert schema.ANONYMOUS_PARTNER in html
    assert not [n for n in withheld if n in html]
    assert "Sample data" not in html or "fictional" in html


def test_staff_brief_names_every_partner_found(env, monkeypatch):
    downloads = Downloads(monkeypatch)
    _open({"state": "17"}, viewer=auth.Viewer(email=STAFF, role="staff"))
    html = _brief(downloads)
    expected = scan(env.frames, resolve_place(state="IL"))
    withheld_here = set(expected.partners["partner"]) - set(
        env.frames.partners.loc[env.frames.partners["public"], "name"])
    assert withheld_here, "the sample should have unlisted partners in Illinois"
    assert all(name in html for name in withheld_here
               if name in set(expected.partners["partner"].head(MAX_PARTNER_ROWS)))
    assert schema.ANONYMOUS_PARTNER not in html
    assert "signed-in staff" in html


def test_untrusted_text_in_labels_is_literal_markdown():
    from geo.analysis.place_params import clicked_place

    assert md_text("**Bold** [x](javascript:alert(1)) $x$ :smile:") == (
        "\\*\\*Bold\\*\\* \\[x\\]\\(javascript\\:\u200balert\\(1\\)\\) "
        "\\$x\\$ \\:\u200bsmile\\:\u200b")
    assert md_text("two\nlines") == "two lines"
    assert clicked_place({"geoid": CHICAGO, "name": "x"})["district"] == CHICAGO
    assert clicked_place({"geoid": "17", "name": "Illinois"})["state"] == "17"
    assert clicked_place({"site_id": 4, "geoid": CHICAGO}) is None
    assert clicked_place({"geoid": "17'); drop"}) is None


@pytest.mark.parametrize("params, heading", [
    ({"zip": "00901"}, "ZIP 00901, PR"),
    ({"point": "18.4655,-66.1057"}, "Point 18.4655, -66.1057, PR"),
    ({"district": "7200030"}, "Puerto Rico Department of Education, PR"),
    ({"state": "72"}, "Puerto Rico"),
])
def test_puerto_rico_places_open_with_their_need_figures(env, params, heading):
    at = _open(params)  # no traceback (an IndexError before)
    assert _heading(at) == heading
    need = _table(at, "Children 5-17")
    # Puerto Rico's one district (Urban Institute)
    assert int(need["Children 5-17"].iloc[0]) == 529844
    assert at.get("component_instance"), "the map is drawn"


@pytest.mark.parametrize("params, message", [
    ({"district": "9999999"}, "No school district with GEOID 9999999"),
    ({"point": "0,0"}, "is not in the United States"),
    ({"county": "99999"}, "No county with FIPS code '99999'"),
])
def test_an_unknown_place_in_a_link_says_so_and_the_page_still_works(env, params, message):
    at = _open(params)
    assert any(message in e.value and "Pick a place from the list" in e.value for e in at.error), \
        [e.value for e in at.error]
    assert _heading(at) == ""
    assert at.get("component_instance"), "the map to pick a place from is drawn"
    at.text_input(key="scan_search").input("Leon, FL").run()
    assert _heading(at) == "Leon County School District, FL"
    assert not at.error


def test_a_name_shared_by_several_states_asks_which_one(env):
    at = _open()
    at.text_input(key="scan_search").input("Denver").run()
    assert _heading(at) == ""  # not Denver City ISD, TX
    pick = at.selectbox(key="scan_pick")
    labels = [pick.format_func(o) for o in pick.options]
    assert (labels[0] == "Denver County School District 1, CO"
            and "Denver City Independent School District, TX" in labels)
    assert "which one" in pick.label and pick.value is None
    pick.set_value(pick.options[0]).run()
    assert _heading(at) == "Denver County School District 1, CO"
    assert at.query_params["district"] in ("0803360", ["0803360"])


def test_a_zip_scan_shows_the_zip_codes_own_figures(env):
    at = _open()
    at.text_input(key="scan_search").input("ZIP 80205").run()
    assert _heading(at) == "ZIP 80205, CO"
    zip_scan = scan(env.as_seen_by("public"), resolve_place(zip="80205"))
    district = scan(env.as_seen_by("public"), resolve_place(district="0803360"))
    assert 0 < int(zip_scan.sites["inside"].sum()) < int(district.sites["inside"].sum())
    assert _unescape(at.markdown[[i for i, m in enumerate(at.markdown)
                                  if "partner" in m.value][0]].value) \
        == zip_scan.summary
    assert "in this ZIP code" in set(_table(at, "Presence")["Presence"])


def test_map_clicks_are_checked_like_links():
    from geo.analysis.place_params import clicked_place

    assert clicked_place({"geoid": "9999999"}) is None  # the right shape, but no such district
    assert clicked_place({"geoid": "99"}) is None
    assert clicked_place({"geoid": "7200030"})["district"] == "7200030"


def test_tables_show_percentages_thousands_and_dashes_for_missing(env):
    at = _open({"state": "17"})
    need = next(df for df in at.dataframe if "Children 5-17" in df.value.columns)
    config = json.loads(need.proto.columns)
    # 20.7%, not 20.7398
    assert config["Children in poverty (%)"]["type_config"]["format"] == "%.1f%%"
    assert config["Children 5-17"]["type_config"]["format"] == "localized"        # 1,234,567
    assert need.proto.placeholder == "—"                                           # not "None"
    partners = next(df for df in at.dataframe if "Presence" in df.value.columns)
    config = json.loads(partners.proto.columns)
    assert (config["Partner"]["width"] == "large"
            and config["Website"]["type_config"]["type"] == "link")
    assert config["Nearest site (mi)"]["type_config"]["format"] == "%.2f"
    assert partners.proto.placeholder == "—"


def test_best_fit_tab_shows_the_ranking_of_the_brief(env, monkeypatch):
    downloads = Downloads(monkeypatch)
    at = _open({"district": CHICAGO, "needs": "Equity,funding"})
    shown = next(df.value for df in at.dataframe if "Presence here" in df.value.columns)
    expected = scan(env.as_seen_by("public"), resolve_place(district=CHICAGO),
                    needs=["Equity", "funding"]).best_fit()
    assert (list(shown["Partner"]) == list(expected["name"])
            and list(shown.index) == list(expected.index))
    html = _brief(downloads)
    top = expected.head(10)
    assert all(f"<td class=num>{rank}</td><td><b>{name}</b>" in html.replace("&#x27;", "'")
               for rank, name in zip(top.index, top["name"], strict=True))
