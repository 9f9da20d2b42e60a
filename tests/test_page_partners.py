"""The Partners page (directory) under AppTest, on a real temporary database."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from geo import auth, schema
from test_page_scan import REPO, STAFF, World
from tests.pagetools import app_env, map_script

PAGE = "pages/partners.py"


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    return World(f"sqlite:///{tmp_path_factory.mktemp('partners') / 'partnermap.db'}")


@pytest.fixture
def env(world, monkeypatch) -> World:
    app_env(monkeypatch, REPO, world.url)
    return world


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


def _directory(at: AppTest):
    return next(df.value for df in at.dataframe if "Website" in df.value.columns)


def _all_text(at: AppTest) -> str:
    parts = ([m.value for m in at.markdown] + [c.value for c in at.caption]
             + [s.value for s in at.subheader])
    parts += [map_script(c) for c in at.get("component_instance")]
    for df in at.dataframe:
        parts.append(df.value.to_csv())
    return "\n".join(parts)


def test_public_sees_approved_partners_by_name_and_one_line_for_the_rest(env):
    at = _open()
    partners = env.frames.partners
    table = _directory(at)
    approved = sorted(partners.loc[partners["public"], "name"], key=str.lower)
    withheld = partners.loc[~partners["public"]]
    assert list(table["Partner"][:-1]) == approved
    last = table.iloc[-1]
    assert (last["Partner"].startswith(schema.ANONYMOUS_PARTNER)
            and f"×{len(withheld)}" in last["Partner"])
    # Counts include the unlisted partners: all sites are accounted for.
    assert table["Sites"].sum() == len(env.frames.sites)
    assert table["Activities"].sum() == len(env.frames.activities)
    text = _all_text(at)
    assert not [n for n in withheld["name"] if n in text]
    assert not [w for w in withheld["website"] if w in text]
    assert "every count on this page includes them" in text
    assert f"**{len(partners)} of {len(partners)} partners**" in text


def test_staff_see_every_partner_by_name(env):
    at = _open(viewer=auth.Viewer(email=STAFF, role="staff"))
    table = _directory(at)
    assert sorted(table["Partner"]) == sorted(env.frames.partners["name"])
    assert "Listed publicly" in table.columns


def test_filters_narrow_the_list_and_go_into_the_link(env):
    at = _open()
    at.multiselect(key="dir_types").select("union").run()
    table = _directory(at)
    unions = env.frames.partners[(env.frames.partners["type"] == "union")
                                 & env.frames.partners["public"]]
    named = [p for p in table["Partner"] if not p.startswith(schema.ANONYMOUS_PARTNER)]
    assert sorted(named) == sorted(unions["name"]) and named
    assert set(table["Type"]) <= {"Teachers' union", "various"}
    assert at.query_params["type"] in ("union", ["union"])

    at.multiselect(key="dir_principles").select("Equity").run()
    for cell in _directory(at)["Principles"]:
        assert cell == "" or "Equity" in cell
    at.text_input(key="dir_q").input("zzz no such partner").run()
    assert any("No partner matches these filters" in i.value for i in at.info)


def test_a_link_restores_filters_and_the_chosen_partner(env):
    partners = env.frames.partners
    chosen = partners[partners["public"]].iloc[0]
    at = _open({"q": str(chosen["name"]).split()[0], "partner": str(int(chosen["partner_id"]))})
    assert at.text_input(key="dir_q").value == str(chosen["name"]).split()[0]
    assert at.selectbox(key="dir_partner").value == int(chosen["partner_id"])
    heading = at.subheader[0].value.replace("\\", "")
    assert heading == chosen["name"]
    sites = env.frames.sites[env.frames.sites["partner_id"] == chosen["partner_id"]]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Sites"] == f"{len(sites):,}"
    where = next(df.value for df in at.dataframe if "How" in df.value.columns)
    states = {s for s in sites["state_fips"] if s}
    assert len(where[where["Level"] == "state"]) >= len(states) > 0
    # Its small map shows its sites.
    script = map_script(at.get("component_instance")[0])
    assert "L.partnerSites(" in script


def test_a_withheld_partner_cannot_be_opened_by_link_by_the_public(env):
    partners = env.frames.partners
    hidden = partners[~partners["public"]].iloc[0]
    at = _open({"partner": str(int(hidden["partner_id"]))})
    assert at.selectbox(key="dir_partner").value is None
    assert hidden["name"] not in _all_text(at)


def test_search_finds_partners_by_where_they_work_and_state_codes_whole(env):
    from geo.analysis import activity_places

    staff = auth.Viewer(email=STAFF, role="staff")
    places = activity_places(env.frames)
    in_denver = set(places.loc[places["place_id"].isin(["0803360", "08031"]),
                               "partner_id"].astype(int))
    in_colorado = set(places.loc[places["place_id"] == "08", "partner_id"].astype(int))
    in_colorado |= set(env.frames.sites.loc[env.frames.sites["state_fips"] == "08",
                                            "partner_id"].astype(int))
    names = dict(zip(env.frames.partners["partner_id"].astype(int), env.frames.partners["name"],
                     strict=True))
    assert in_denver and len(in_colorado) < len(names) / 2

    at = _open({"q": "Denver"}, viewer=staff)
    assert set(_directory(at)["Partner"]) == {names[i] for i in in_denver}
    at.text_input(key="dir_q").input("CO").run()  # the state code, not every "Community…"
    assert set(_directory(at)["Partner"]) == {names[i] for i in in_colorado}
    at.text_input(key="dir_q").input("").run()
    at.multiselect(key="dir_states").select("CO").run()
    assert set(_directory(at)["Partner"]) == {names[i] for i in in_colorado}
    assert at.query_params["state"] in ("CO", ["CO"])


def test_the_directory_is_built_once_per_data_version_and_role(env, monkeypatch):
    """Every session of a role shares one directory table: built by the first visitor,
    not again for the next one or on a filter change (0.5-1 s each at national scale)."""
    import functools

    import streamlit as st

    from geo.analysis import directory as D

    built: list[int] = []
    real = D.directory

    @functools.wraps(real)  # same name: the cache key holds the function's name
    def counting(frames):  # noqa: ANN001, ANN202
        built.append(len(frames.partners))
        return real(frames)

    monkeypatch.setattr(D, "directory", counting)
    st.cache_resource.clear()
    first = _open()
    first.multiselect(key="dir_types").select("union").run()
    second = _open()
    assert len(built) == 1
    assert _directory(second).equals(_directory(_open()))
    _open(viewer=auth.Viewer(email=STAFF, role="staff"))  # another role: its own table
    assert len(built) == 2
