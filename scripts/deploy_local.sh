#!/usr/bin/env bash
# A shared deployment on this machine, as docs/deploy.md describes it:
#   PostgreSQL + PostGIS (the Debian cluster 15/main, database "partnermap"),
#   two app processes (scripts/serve.py, as run.sh starts it) on 127.0.0.1,
#   nginx in front (WebSockets, sticky sessions; config from scripts/nginx_conf.py).
# Runs in the foreground; Ctrl-C (or SIGTERM) stops the app processes and nginx it
# started (PostgreSQL keeps running). Works as root or as a normal user with sudo.
#
# Environment (all optional):
#   PARTNERMAP_PORT        port nginx listens on (default 8080)
#   PARTNERMAP_HOST        address nginx listens on (default 127.0.0.1; 0.0.0.0 for all)
#   PARTNERMAP_APP_PORTS   ports of the app processes (default "8501 8502"; any number)
#   DATABASE_URL           use this database instead of starting the local PostgreSQL
#   PARTNERMAP_SAMPLE_DATA 1 (default) fills an empty database with the sample data once
#   PARTNERMAP_RUN_DIR     folder for logs, pid files and nginx's files (default: new temp)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

PORT=${PARTNERMAP_PORT:-8080}
HOST=${PARTNERMAP_HOST:-127.0.0.1}
APP_PORTS=${PARTNERMAP_APP_PORTS:-"8501 8502"}

bash scripts/setup.sh --deploy
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

if [ -z "${DATABASE_URL:-}" ]; then
  export PARTNERMAP_PG_DB=partnermap
  source scripts/postgres.sh   # starts PostgreSQL, creates the database; exports PARTNERMAP_TEST_PG_URL
  export DATABASE_URL=$PARTNERMAP_TEST_PG_URL
fi
export PARTNERMAP_SAMPLE_DATA=${PARTNERMAP_SAMPLE_DATA:-1}
# One cookie secret for every process: Streamlit signs its cookies (XSRF token, single
# sign-on identity) with it, and a browser may move to another process.
if [ -z "${STREAMLIT_SERVER_COOKIE_SECRET:-}" ]; then
  export STREAMLIT_SERVER_COOKIE_SECRET=$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(32))')
fi

RUN_DIR=${PARTNERMAP_RUN_DIR:-$(mktemp -d /tmp/partnermap-deploy.XXXXXX)}
mkdir -p "$RUN_DIR"
RUN_DIR=$(cd "$RUN_DIR" && pwd)

healthy() {
  .venv/bin/python -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
    "$1" >/dev/null 2>&1
}

pids=()
stop_all() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  echo "deploy: stopped (logs in $RUN_DIR)"
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Create or upgrade the schema and add the sample data once, before several processes
# would race to do it.
.venv/bin/python - <<'PY'
from geo.config import load_settings
from geo.db import open_store
from geo.sample import make_sample

settings = load_settings()
with open_store(settings.database_url) as store:
    if settings.sample_data and store.is_empty():
        store.load_frames(make_sample(), actor="sample-data")
        print("deploy: the database was empty: sample data added")
PY

upstreams=()
for p in $APP_PORTS; do
  .venv/bin/python scripts/serve.py --server.port "$p" --server.address 127.0.0.1 \
    --server.headless true --server.fileWatcherType none \
    --browser.gatherUsageStats false >"$RUN_DIR/app-$p.log" 2>&1 &
  pids+=($!)
  echo $! >"$RUN_DIR/app-$p.pid"
  upstreams+=(--upstream "127.0.0.1:$p")
done

.venv/bin/python scripts/nginx_conf.py --listen "$HOST:$PORT" "${upstreams[@]}" \
  --prefix "$RUN_DIR/nginx" -o "$RUN_DIR/nginx/nginx.conf"
"$NGINX" -t -q -c "$RUN_DIR/nginx/nginx.conf" -p "$RUN_DIR/nginx" -e "$RUN_DIR/nginx/error.log"
"$NGINX" -c "$RUN_DIR/nginx/nginx.conf" -p "$RUN_DIR/nginx" -e "$RUN_DIR/nginx/error.log" &
pids+=($!)
echo $! >"$RUN_DIR/nginx.pid.main"

for p in $APP_PORTS; do
  for _ in $(seq 1 180); do
    healthy "http://127.0.0.1:$p/_stcore/health" && break
    for pid in "${pids[@]}"; do
      kill -0 "$pid" 2>/dev/null || { echo "deploy: a process exited; see $RUN_DIR" >&2; exit 1; }
    done
    sleep 0.5
  done
done
healthy "http://127.0.0.1:$PORT/_stcore/health" || { echo "deploy: nginx does not answer" >&2; exit 1; }
echo "deploy: ready at http://$HOST:$PORT/ (app processes on ports $APP_PORTS; logs in $RUN_DIR)"
echo "deploy: Ctrl-C stops the app processes and nginx"
wait -n "${pids[@]}" || true
echo "deploy: a process exited; stopping the others" >&2
exit 1
