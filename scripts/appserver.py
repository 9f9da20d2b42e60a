"""The app as scripts/run.sh starts it, on a free port: shared by ``tests/browser`` and
``bench/`` (one harness, not a copy in each).

    from appserver import AppServer, CHROMIUM, CHROMIUM_ARGS   # scripts/ on sys.path
    server = AppServer(log_path, database_url, sample_data=True)
    server.wait_healthy()          # polls /_stcore/health; raises with the log if it dies
    server.cpu_seconds()           # user + system CPU of the server process (/proc/PID/stat)
    server.rss_bytes()             # its resident memory now (VmRSS)
    server.stop()

The server runs ``scripts/serve.py`` (``streamlit run app.py`` with its warm-up),
headless, without file watcher, on 127.0.0.1, with map tiles off, so nothing goes
beyond localhost.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
STARTUP_TIMEOUT_S = 90
_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
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


class AppServer:
    """A running app (``scripts/serve.py``) and its log."""

    def __init__(self, log_path: Path, database_url: str, *, sample_data: bool = True,
                 env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(log_path)
        self.database_url = database_url
        full_env = dict(os.environ, DATABASE_URL=database_url,
                        PARTNERMAP_SAMPLE_DATA="1" if sample_data else "0",
                        PARTNERMAP_TILES="none", **(env or {}))
        self._log = open(self.log_path, "wb")
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "scripts/serve.py",  # as scripts/run.sh starts the app
             "--server.headless", "true", "--server.fileWatcherType", "none",
             "--server.port", str(self.port), "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false"],
            cwd=REPO, env=full_env, stdout=self._log, stderr=subprocess.STDOUT,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_healthy(self, timeout_s: float = STARTUP_TIMEOUT_S) -> float:
        """Poll ``/_stcore/health`` until it answers 200; seconds since the start."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.process.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        return time.perf_counter() - self.started
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.02)
        raise RuntimeError(f"streamlit did not answer within {timeout_s} s:\n{self.log()}")

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)

    def rss_bytes(self) -> int:
        return rss_bytes(self.pid)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()

    def __enter__(self) -> AppServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


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
