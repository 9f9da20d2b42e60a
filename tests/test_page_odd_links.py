"""Links naming places that do not exist, or exist only outside the district layer
(Puerto Rico), open every page without a traceback (AppTest, sample data in SQLite)."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.db import open_store
from geo.sample import make_sample
from tests.pagetools import app_env

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def db_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('links') / 'partnermap.db'}"
    store = open_store(url)
    try:
        store.load_frames(make_sample(), actor="test")
    finally:
        store.close()
    return url


@pytest.mark.parametrize("page, params, says", [
    ("overlaps", {"district": "7200030"}, "Puerto Rico Department of Education"),
    ("overlaps", {"district": "9999999"}, "No school district with GEOID 9999999"),
    ("coverage", {"place": "99"}, "No place with id 99"),
])
def test_odd_place_links_open_the_page(db_url, monkeypatch, page, params, says):
    app_env(monkeypatch, REPO, db_url)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=180)
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(f"pages/{page}.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    shown = " ".join(str(e.value)
                     for e in [*at.markdown, *at.warning, *at.error, *at.info, *at.caption])
    assert says in shown.replace("\\", ""), shown[:2000]
