"""Where a page's server time goes at national scale: cProfile around the page script
under AppTest (three runs per page; the third, with the caches warm, is profiled).

    .venv/bin/python bench/profile_pages.py [home scan overlaps coverage partners]

With PROFILE_CALLERS set to a regular expression (e.g. ``head|copy``), the callers of the
functions it matches are printed too: who pays for an expensive library call.
"""
import cProfile
import importlib.util
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Not bench/ itself: its pages.py would shadow the app's pages/ (a namespace package).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]
sys.path.insert(0, str(REPO))

_spec = importlib.util.spec_from_file_location("national", REPO / "bench" / "national.py")
_nat = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_nat)
national_database = _nat.national_database
sys.modules.pop("pages", None)
tmp = tempfile.mkdtemp(prefix="perf11-prof-")
url = national_database(Path(tmp) / "db")
os.environ.update(DATABASE_URL=url, PARTNERMAP_SAMPLE_DATA="0", PARTNERMAP_TILES="none")
# Streamlit is imported only now, after the environment above is set.
import streamlit.runtime.scriptrunner.script_runner as _sr  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

_orig = _sr.exec_func_with_error_handling
PROF = {"p": None}
def _wrapped(func, ctx):
    p = PROF["p"]
    if p is None:
        return _orig(func, ctx)
    p.enable()
    try:
        return _orig(func, ctx)
    finally:
        p.disable()
_sr.exec_func_with_error_handling = _wrapped
pages = sys.argv[1:] or ["home", "scan", "overlaps", "coverage", "partners"]
query = {"scan": {"district": "1709930", "radius": "5"}}
for name in pages:
    for i in range(3):
        at = AppTest.from_file(str(REPO / "pages" / f"{name}.py"), default_timeout=600)
        for k, v in query.get(name, {}).items():
            at.query_params[k] = v
        prof = cProfile.Profile() if i == 2 else None
        t0 = time.process_time()
        PROF["p"] = prof
        at.run()
        PROF["p"] = None
        print(f"{name} run {i}: cpu {time.process_time() - t0:.2f} s; "
              f"exceptions {len(at.exception)}", flush=True)
    s = io.StringIO()
    pstats.Stats(prof, stream=s).sort_stats("cumulative").print_stats(28)
    print(s.getvalue()[:9000])
    if os.environ.get("PROFILE_CALLERS"):
        s = io.StringIO()
        pstats.Stats(prof, stream=s).sort_stats("cumulative").print_callers(
            os.environ["PROFILE_CALLERS"])
        print(s.getvalue()[:9000])
