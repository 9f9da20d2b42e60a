"""What the tests that start real processes share: free ports, the app server as
``scripts/run.sh`` starts it, Debian's Chromium kept offline, and a throwaway PostgreSQL
cluster that a test may stop and start.

Used by ``tests/browser/conftest.py`` (fixtures ``app_url``, ``page``, ...), by
``tests/deploy/`` (two app processes behind nginx, faults) and by the benchmarks in
``bench/`` (which also read the server's CPU seconds and memory from ``/proc``).
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}
STARTUP_TIMEOUT_S = 90
PG_BIN = Path("/usr/lib/postgresql/15/bin")
_TICKS = os.sysconf("SC_CLK_TCK")


def stop_process(process: subprocess.Popen) -> None:
    """Ask a server process to end; kill it if it has not within 15 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int, *, reaped_children: bool = False) -> float:
    """User + system CPU seconds the process ``pid`` has used so far (Linux); with
    ``reaped_children``, plus those of its children that ended and were waited for."""
    with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
        # The command name (field 2) may hold spaces; fields after its ')' are fixed.
        fields = fh.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if reaped_children:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
    return ticks / _TICKS


def rss_bytes(pid: int) -> int:
    """Resident memory of ``pid`` now, in bytes (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except FileNotFoundError:
        pass
    return 0


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children, their children...), read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], list(children.get(pid, []))
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def tree_cpu_seconds(pid: int, *, exclude: set[int] = frozenset()) -> float:
    """CPU seconds of the processes below ``pid`` (e.g. the test browsers), leaving out
    ``exclude`` and everything below them: each live process with its ended and reaped
    children (Chromium reaps its renderers when a context closes)."""
    skip = set(exclude)
    for p in exclude:
        skip.update(descendants(p))
    total = 0.0
    for p in descendants(pid):
        if p in skip:
            continue
        try:
            total += cpu_seconds(p, reaped_children=True)
        except (OSError, IndexError, ValueError):
            pass
    return total


def wait_http_ok(url: str, *, timeout: float, process: subprocess.Popen | None = None,
                 log=lambda: "") -> float:  # noqa: ANN001
    """Poll ``url`` until it answers 200; seconds waited. Fails early if ``process`` dies."""
    started = time.monotonic()
    deadline = started + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{process.args[:3]} exited with {process.returncode}:\n{log()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return time.monotonic() - started
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.02)
    raise RuntimeError(f"{url} did not answer within {timeout} s:\n{log()}")


class Server:
    """A running ``streamlit run app.py`` (through ``scripts/serve.py``) and its log.

    ``env`` adds to (or overrides) the environment the app gets; ``port`` picks the port
    (default: a free one); ``extra_args`` are more Streamlit options (e.g.
    ``--secrets.files PATH``).
    """

    def __init__(self, log_path: Path, database_url: str, *, env: dict[str, str] | None = None,
                 port: int | None = None, extra_args: tuple[str, ...] = (),
                 sample_data: bool = True) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.database_url = database_url
        full_env = dict(os.environ, DATABASE_URL=database_url,
                        PARTNERMAP_SAMPLE_DATA="1" if sample_data else "0", PARTNERMAP_TILES="none")
        full_env.update(env or {})
        self._log = open(log_path, "ab")
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "scripts/serve.py",  # as scripts/run.sh starts the app
             "--server.headless", "true", "--server.fileWatcherType", "none",
             "--server.port", str(self.port), "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false", *extra_args],
            cwd=REPO, env=full_env, stdout=self._log, stderr=subprocess.STDOUT,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def cpu_seconds(self) -> float:
        """User + system CPU seconds the server has used so far (for the benchmarks)."""
        return cpu_seconds(self.pid)

    def rss_bytes(self) -> int:
        return rss_bytes(self.pid)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def log(self) -> str:
        if not self._log.closed:  # after stop() the file is closed and complete
            self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_healthy(self) -> float:
        wait_http_ok(f"{self.url}/_stcore/health", timeout=STARTUP_TIMEOUT_S,
                     process=self.process, log=self.log)
        return time.perf_counter() - self.started

    def stop(self) -> None:
        stop_process(self.process)
        if not self._log.closed:
            self._log.close()


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "file", "about"):
        return True
    return (parts.hostname or "") in LOCAL_HOSTS


def offline_page(browser, **context_args):  # noqa: ANN001, ANN201
    """A new Playwright page whose network ends at localhost: ``page.blocked`` lists what
    was refused, ``page.errors`` the uncaught script errors. Close ``page.context``."""
    context = browser.new_context(**{"viewport": {"width": 1400, "height": 1150},
                                     **context_args})
    blocked: list[str] = []

    def route(r):  # noqa: ANN001
        if is_local(r.request.url):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    pg = context.new_page()
    pg.blocked = blocked
    pg.errors = []
    pg.on("pageerror", lambda exc: pg.errors.append(str(exc)))
    return pg


@pytest.fixture(scope="session")
def browser():  # noqa: ANN201
    """Debian's headless Chromium through Playwright, for the session (a missing
    Chromium fails the tests: install it with ``bash scripts/setup.sh --test``)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install it with `bash scripts/setup.sh --test`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


# In a map document of geo.maps: the sites layer's canvas is shown and has placed sites
# (clusters or points), and some vector layer (districts, states) has put ink on its
# canvas or drawn SVG paths. Returns the counts, or false while not drawn yet.
MAP_DRAWN = """() => {
  const c = document.querySelector('canvas.partner-sites-layer');
  if (!c || c.style.visibility !== 'visible') return false;
  let ink = document.querySelectorAll('.leaflet-overlay-pane path').length > 0;
  for (const a of document.querySelectorAll(
      '.leaflet-overlay-pane canvas:not(.partner-sites-layer)')) {
    if (!a.width) continue;
    const px = a.getContext('2d').getImageData(0, 0, a.width, a.height).data;
    for (let i = 3; i < px.length && !ink; i += 4) ink = px[i] > 0;
  }
  const clusters = +c.dataset.clusters, points = +c.dataset.points, sites = +c.dataset.sites;
  return ink && (clusters + points) > 0 ? {clusters, points, sites} : false;
}"""
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
# The app's page when its Streamlit script has finished a run.
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def wait_idle(page, timeout: float = 120_000) -> None:  # noqa: ANN001
    """Wait until the Streamlit script of ``page`` has finished its run."""
    page.wait_for_selector(IDLE, timeout=timeout)


def sign_in(page, url: str, email: str, password: str) -> None:  # noqa: ANN001
    """Open ``url`` and sign in through the sidebar form, as a person does; returns when
    the sidebar says who is signed in."""
    page.goto(url)
    wait_idle(page, timeout=180_000)
    sidebar = page.locator("[data-testid='stSidebar']")
    sidebar.get_by_text("Sign in", exact=True).first.click()
    sidebar.get_by_role("textbox", name="E-mail").fill(email)
    sidebar.get_by_role("textbox", name="Password").fill(password)
    sidebar.get_by_role("button", name="Sign in").click()
    sidebar.get_by_text(f"Signed in as {email}").wait_for(timeout=60_000)


def viewing_as(page, role: str) -> None:  # noqa: ANN001
    """Wait until the sidebar says the page is seen as ``role``."""
    page.locator("[data-testid='stSidebar']").get_by_text(
        f"Viewing as: {role}.").first.wait_for(timeout=60_000)


class ThrowawayPostgres:
    """A PostgreSQL 15 cluster of its own (initdb in a temporary folder, trust auth, fsync
    off, a free port), so a test can stop and start it without touching the shared
    cluster 15/main. PostGIS is available (the Debian package is installed system-wide).

    Run as root, the cluster belongs to the ``postgres`` user (PostgreSQL refuses root).
    """

    def __init__(self) -> None:
        if not (PG_BIN / "initdb").exists():
            raise RuntimeError(f"{PG_BIN}/initdb is missing: install postgresql-15 "
                               "(bash scripts/setup.sh --test)")
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="partnermap-pg-"))
        self.data = self.dir / "data"
        self.logfile = self.dir / "postgres.log"
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run([str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U",
                   "postgres", "--no-sync", "-E", "UTF8"])
        with open(self.data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write(f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                       f"unix_socket_directories = '{self.dir}'\nfsync = off\n"
                       "synchronous_commit = off\nfull_page_writes = off\n")
        self.start()

    def _run(self, cmd: list[str], check: bool = True) -> subprocess.CompletedProcess:
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> float:
        """Start the server; seconds until it accepts connections."""
        t0 = time.perf_counter()
        self._run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.logfile),
                   "-w", "-t", "60", "start"])
        return time.perf_counter() - t0

    def running(self) -> bool:
        return self._run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "status"],
                         check=False).returncode == 0

    def ensure_running(self) -> None:
        if not self.running():
            self.start()

    def stop(self, mode: str = "fast") -> None:
        self._run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"],
                  check=False)

    def create_database(self, name: str) -> str:
        import sqlalchemy as sa

        admin = sa.create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        eng = sa.create_engine(self.url(name), isolation_level="AUTOCOMMIT")
        with eng.connect() as conn:
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
        eng.dispose()
        return self.url(name)

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


def _nginx_conf_module():  # noqa: ANN202
    """scripts/nginx_conf.py as a module (scripts/ is not a package)."""
    import importlib.util

    name = "partnermap_nginx_conf"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / "nginx_conf.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        sys.modules[name] = module
    return sys.modules[name]


def upstream_for(url: str, route: str, path: str = "/_stcore/health") -> str:
    """The ``HOST:PORT`` of the app process that nginx at ``url`` sends a browser whose
    route cookie is ``route`` to (from the diagnostics header)."""
    conf = _nginx_conf_module()
    req = urllib.request.Request(url + path, headers={"Cookie": f"{conf.ROUTE_COOKIE}={route}"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.headers[conf.UPSTREAM_HEADER].split(",")[-1].strip()


class Nginx:
    """nginx in the foreground in front of ``upstreams`` (``HOST:PORT`` of app processes),
    with the configuration ``scripts/deploy_local.sh`` uses (``scripts/nginx_conf.py``),
    its files in a temporary folder, on a free port."""

    def __init__(self, nginx_bin: str, upstreams: list[str]) -> None:
        conf = _nginx_conf_module()
        self.route_cookie = conf.ROUTE_COOKIE
        self.upstream_header = conf.UPSTREAM_HEADER
        self.prefix = Path(tempfile.mkdtemp(prefix="partnermap-nginx-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        path = conf.write(self.prefix / "nginx.conf", f"127.0.0.1:{self.port}", upstreams,
                          self.prefix)
        self.process = subprocess.Popen(
            [nginx_bin, "-c", str(path), "-p", str(self.prefix), "-e",
             str(self.prefix / "error.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)

    def log(self) -> str:
        out = []
        for name in ("error.log", "access.log"):
            path = self.prefix / name
            if path.exists():
                out.append(f"--- nginx {name} ---\n" + path.read_text(errors="replace")[-20_000:])
        return "\n".join(out)

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited with {self.process.returncode}:\n{self.log()}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError(f"nginx did not listen within 30 s:\n{self.log()}")

    def upstream_for(self, route: str, path: str = "/_stcore/health") -> str:
        return upstream_for(self.url, route, path)

    def stop(self) -> None:
        stop_process(self.process)
        shutil.rmtree(self.prefix, ignore_errors=True)


# In a map document: a point (frame pixels) inside the area ``geoid`` that no later-drawn
# clickable area covers (areas are drawn on a canvas: shapes are tested, not DOM
# elements), or null.
CLEAR_POINT = """(geoid) => {
  const all = Object.values(window.map._layers).filter(l => l.feature && l._containsPoint
      && l.options.interactive !== false);
  const l = all.find(l => l.feature.properties.geoid === geoid);
  if (!l || !l._pxBounds) return null;
  const b = l._pxBounds;
  for (let fy = 0.5; fy < 0.95; fy += 0.05) for (let fx = 0.5; fx < 0.95; fx += 0.05) {
    for (const [x, y] of [[b.min.x + (b.max.x - b.min.x) * fx,
                           b.min.y + (b.max.y - b.min.y) * fy],
                          [b.max.x - (b.max.x - b.min.x) * fx,
                           b.max.y - (b.max.y - b.min.y) * fy]]) {
      const p = L.point(x, y);
      if (!l._containsPoint(p)) continue;
      const covered = all.some(o => o !== l && o._leaflet_id > l._leaflet_id && o._pxBounds
          && o._pxBounds.contains(p) && o._containsPoint(p));
      if (!covered) { const c = window.map.layerPointToContainerPoint(p); return {x: c.x, y: c.y}; }
    }
  }
  return null;
}"""
