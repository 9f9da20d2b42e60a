"""``scripts/deploy_local.sh`` as an administrator runs it: it fills an empty PostgreSQL
database once, starts two app processes and nginx, serves the app through nginx from
both processes (the map draws in offline Chromium), and stops everything it started on
SIGTERM (as Ctrl-C does)."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from geo.db import open_store
from tests.harness import (
    MAP_DRAWN,
    MAP_FRAME,
    REPO,
    free_port,
    offline_page,
    upstream_for,
    wait_idle,
)

READY_TIMEOUT_S = 240


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_deploy_local_starts_two_processes_behind_nginx_and_stops_them(pg_url, nginx_bin,
                                                                       browser, tmp_path):
    port, app_ports = free_port(), [free_port(), free_port()]
    run_dir = tmp_path / "run"
    out_path = tmp_path / "deploy.out"
    env = dict(os.environ, DATABASE_URL=pg_url, PARTNERMAP_PORT=str(port),
               PARTNERMAP_APP_PORTS=" ".join(map(str, app_ports)),
               PARTNERMAP_RUN_DIR=str(run_dir), PARTNERMAP_SAMPLE_DATA="1",
               PATH=f"{Path(nginx_bin).parent}:{os.environ.get('PATH', '')}")
    with open(out_path, "wb") as out:
        proc = subprocess.Popen(["bash", "scripts/deploy_local.sh"], cwd=REPO, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    page = None
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while "deploy: ready at" not in out_path.read_text(errors="replace"):
            assert proc.poll() is None, out_path.read_text(errors="replace")
            assert time.monotonic() < deadline, out_path.read_text(errors="replace")
            time.sleep(0.2)
        output = out_path.read_text()
        assert "sample data added" in output  # the empty database was filled once
        store = open_store(pg_url, cache_dir=False)
        assert not store.is_empty()
        store.close()

        served_by = {upstream_for(url, f"route-{i}") for i in range(64)}
        assert served_by == {f"127.0.0.1:{p}" for p in app_ports}

        page = offline_page(browser)
        page.goto(url, wait_until="domcontentloaded")
        wait_idle(page)
        page.get_by_role("heading", name="Community Schools Partner Map").wait_for(timeout=60_000)
        frame = page.wait_for_selector(MAP_FRAME, timeout=120_000).content_frame()
        drawn = frame.wait_for_function(MAP_DRAWN, polling="raf", timeout=120_000).json_value()
        assert drawn["sites"] > 1000, drawn
        assert not page.errors and not page.blocked, (page.errors, page.blocked)

        pids = [int((run_dir / f"app-{p}.pid").read_text()) for p in app_ports]
        pids.append(int((run_dir / "nginx.pid.main").read_text()))
        assert all(_alive(pid) for pid in pids)
    finally:
        if page is not None:
            page.context.close()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in pids):
        assert time.monotonic() < deadline, "processes left running: " + str(
            [pid for pid in pids if _alive(pid)])
        time.sleep(0.1)
    assert "deploy: stopped" in out_path.read_text()
