"""Start the app (``python scripts/serve.py [streamlit options]``, used by run.sh).

The same as ``streamlit run app.py``, except that the heavy modules behind the first
page (folium, GeoPandas, the storage layer, the encoded national layers) are loaded in a
background thread while the server comes up and the browser loads Streamlit's own
page, instead of after the first visitor connects, and the same thread then computes
the public home page's data into the pages' caches (``pages._cache.warm_home``: the
frames, the sites' popup text, the headline figures). A few seconds later it loads what
the coverage and overlaps pages add (mapclassify, the state and county layers), so
their first visit does not pay for it. Of ``pages/`` only ``pages/_cache.py`` is
imported here (no page, no map component).

Files that never change while the server runs (Streamlit's own JavaScript bundle, the
app's ``static/`` folder with Leaflet) are answered from memory in front of Streamlit's
request handling (``scripts/static_memory.py``): about 2 ms of server CPU less for each
of the ~85 files a new browser fetches.

It polls the config and secrets files for edits every 2 s instead of 0.2 s, keeps the
pages' compiled code when the last visitor leaves (checked against the files instead),
and it turns off Streamlit's ``/_stcore/metrics`` endpoint, which Streamlit serves to
anyone without an option to disable it (session counts, memory and cache statistics
of the server): the route is not registered, so the path answers 404. A deployment
that starts Streamlit otherwise should block it in its proxy (docs/roles.md).
"""
from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import static_memory  # scripts/static_memory.py, beside this file

REPO = Path(__file__).resolve().parent.parent
LATER_S = 8.0
POLL_CONFIG_S = 2.0
WARM_UP_DONE = "partnermap: warm-up done (analysis modules and layers loaded)"


def _warm() -> None:
    # Not streamlit_folium: it declares its component on import, which must happen
    # inside the running app.
    import folium  # noqa: F401  (branca, pandas, requests)
    import geopandas  # noqa: F401

    import geo.analysis  # noqa: F401
    import geo.auth  # noqa: F401
    import geo.db  # noqa: F401  (SQLAlchemy, Alembic)
    import geo.sample  # noqa: F401
    import geo.visibility  # noqa: F401
    from geo import maps

    maps.national_layers()
    _warm_public_home()
    # What the coverage and overlaps pages add (mapclassify alone takes ~0.8-1.3 s to
    # import), a little later so it does not compete with the first visitor's map.
    time.sleep(LATER_S)
    import mapclassify  # noqa: F401
    import sklearn.cluster  # noqa: F401

    from geo.maps import choropleth

    for level in ("state", "county", "district"):
        choropleth.area_layer(level)
    # For the log (and bench/pages.py, which waits for it before measuring anything).
    print(WARM_UP_DONE, flush=True)


def _warm_public_home() -> None:
    """The database's public home page data (pages._cache.warm_home): the frames, the
    sites' popup text and the headline figures, computed while the server comes up.
    Its map is still built at the first visit (streamlit-folium cannot be imported
    here). A database that cannot be reached now is reported by the page, not here."""
    import logging

    from streamlit.runtime.scriptrunner_utils import script_run_context

    from pages import _cache

    # Outside a script run Streamlit warns about the missing context on every cached
    # call: nothing here needs one.
    logging.getLogger(script_run_context.__name__).setLevel(logging.ERROR)
    try:
        _cache.warm_home("public")
    except Exception as exc:  # noqa: BLE001  (the page reports it to the visitor)
        logging.getLogger("partnermap").warning("warm-up of the home page skipped: %s", exc)
    finally:
        logging.getLogger(script_run_context.__name__).setLevel(logging.NOTSET)


def _without_metrics() -> None:
    """Leave Streamlit's public metrics route out of the server (see the docstring)."""
    from streamlit.web.server.starlette import starlette_app

    starlette_app.create_metrics_routes = lambda *args, **kwargs: []


def _slower_config_polling() -> None:
    """Look for edits of config.toml and secrets.toml every 2 s instead of every 0.2 s.

    Streamlit polls those files (each in a thread-pool task) whatever
    ``server.fileWatcherType`` says; at 0.2 s that was ~0.8 % of a core on an idle
    server, ~0.4 % at 2 s (bench/README.md). An edit still applies within 2 s."""
    from streamlit.watcher import polling_path_watcher

    polling_path_watcher._POLLING_PERIOD_SECS = POLL_CONFIG_S


def _keep_compiled_pages() -> None:
    """Keep app.py's and the pages' compiled code between visitors.

    Streamlit empties its cache of compiled scripts whenever the last session
    disconnects, so on a server used by one person at a time every visit compiled
    app.py and its page again (~10-25 ms of server CPU per view; bench/README.md).
    Here an entry is checked against its file's modification time and size on every
    use instead (a stat), and emptying the cache leaves it alone: an edited page is
    still compiled afresh."""
    import os

    from streamlit.runtime import runtime
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache

    class StatCheckedScriptCache(ScriptCache):
        def __init__(self) -> None:
            super().__init__()
            self._stamps: dict[str, tuple[int, int]] = {}

        def clear(self) -> None:
            """Nothing to do: every entry is checked against its file when used."""

        def get_bytecode(self, script_path: str):  # noqa: ANN201
            path = os.path.abspath(script_path)
            stat = os.stat(path)
            stamp = (stat.st_mtime_ns, stat.st_size)
            with self._lock:
                if self._stamps.get(path) != stamp:
                    self._cache.pop(path, None)
                    self._stamps[path] = stamp
            return super().get_bytecode(path)

    runtime.ScriptCache = StatCheckedScriptCache  # type: ignore[misc]


def main() -> int:
    sys.path.insert(0, str(REPO))
    threading.Thread(target=_warm, name="partnermap-warm-up", daemon=True).start()
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli

    # Streamlit decides once per process, at the first session, whether the app uses
    # the legacy ``pages/`` directory mode (any folder named ``pages`` beside app.py).
    # In that mode a fresh server whose first request is a deep link (``/scan?...``)
    # runs pages/scan.py without app.py; pages/_ui.py then leaves the mode and reruns,
    # and under load that rerun ran without the link's query string (a shared link
    # lost its filters about one time in three). The app routes with st.navigation,
    # so say so before the first session instead of correcting it afterwards.
    PagesManager.uses_pages_directory = False
    _without_metrics()
    _slower_config_polling()
    _keep_compiled_pages()
    static_memory.install()

    sys.argv = ["streamlit", "run", str(REPO / "app.py"), *sys.argv[1:]]
    return cli.main()


if __name__ == "__main__":
    raise SystemExit(main())
