"""The viewer's role and the data version, worked out once per script run
(pages/_run.py): asked again in the run, the database is not asked again, and a write
in the run is seen at once."""
from __future__ import annotations

import sqlalchemy as sa

from pages import _cache, _run


def _queries_of_the_version(store) -> list[str]:
    seen: list[str] = []

    @sa.event.listens_for(store.engine, "before_cursor_execute")
    def _count(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        if "data_version" in statement and statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    return seen


def test_the_data_version_is_queried_once_per_run_and_again_after_a_write(tmp_path,
                                                                          monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'memo.db'}")
    monkeypatch.setenv("PARTNERMAP_SAMPLE_DATA", "0")
    store = _cache.store()
    queries = _queries_of_the_version(store)

    with _run.scope():
        first = _cache.data_version()
        assert [_cache.data_version() for _ in range(5)] == [first] * 5
        assert len(queries) == 1
        with store.writing():  # a write in this run: the next answer is the new version
            pass
        assert _cache.data_version() == first + 1
        assert _cache.data_version() == first + 1
        assert len(queries) == 2

    # Outside a run (a helper called on its own) every call asks the database.
    _cache.data_version()
    _cache.data_version()
    assert len(queries) == 4


def test_what_a_run_kept_is_gone_when_it_ends_and_forget_drops_one_answer():
    answers = iter(range(100))
    with _run.scope():
        assert _run.once("k", lambda: next(answers)) == 0
        assert _run.once("k", lambda: next(answers)) == 0
        _run.forget("k")
        assert _run.once("k", lambda: next(answers)) == 1
    with _run.scope():
        assert _run.once("k", lambda: next(answers)) == 2
    try:
        with _run.scope():
            _run.once("k", lambda: next(answers))
            raise RuntimeError("the run stopped")  # st.rerun and st.stop are exceptions
    except RuntimeError:
        pass
    assert _run.once("k", lambda: next(answers)) == 4  # no scope: not kept
    assert _run.once("k", lambda: next(answers)) == 5
