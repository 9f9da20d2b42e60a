#!/usr/bin/env bash
# Set up everything the app needs on a fresh Debian machine (idempotent):
#   - a Python virtual environment in .venv with the pinned requirements;
#   - the map's JavaScript/CSS (Leaflet, its plugins, html-to-image) from the npm registry, copied into
#     static/vendor/ so the app serves them itself (no CDN at run time).
# With --test it also installs Chromium, PostgreSQL + PostGIS and nginx (Debian packages);
# with --deploy, PostgreSQL + PostGIS and nginx (scripts/deploy_local.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

want_test=0
want_deploy=0
[ "${1:-}" = "--test" ] && want_test=1 && want_deploy=1
[ "${1:-}" = "--deploy" ] && want_deploy=1

apt_missing=()
command -v npm >/dev/null 2>&1 || apt_missing+=(npm)
if [ "$want_test" = 1 ]; then
  command -v chromium >/dev/null 2>&1 || apt_missing+=(chromium)
fi
if [ "$want_deploy" = 1 ]; then
  dpkg -s postgresql-15-postgis-3 >/dev/null 2>&1 || apt_missing+=(postgresql-15 postgresql-15-postgis-3)
  dpkg -s nginx >/dev/null 2>&1 || apt_missing+=(nginx)
fi
if [ "${#apt_missing[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${apt_missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${apt_missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.requirements.sha
sum=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$sum" ]; then
  echo "setup: installing Python packages (requirements.txt)"
  .venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
  echo "$sum" > "$stamp"
fi

# Map assets from the npm registry -> static/vendor/
asum=$(sha256sum scripts/assets/package.json | cut -d' ' -f1)
if [ "$(cat static/vendor/.sha 2>/dev/null)" != "$asum" ]; then
  echo "setup: installing map assets (npm: leaflet, leaflet.markercluster, html-to-image)"
  mkdir -p .cache/npm
  cp scripts/assets/package.json .cache/npm/package.json
  (cd .cache/npm && npm install --no-audit --no-fund --silent >/dev/null)
  rm -rf static/vendor && mkdir -p static/vendor
  cp -r .cache/npm/node_modules/leaflet/dist static/vendor/leaflet
  cp -r .cache/npm/node_modules/leaflet.markercluster/dist static/vendor/leaflet.markercluster
  cp -r .cache/npm/node_modules/html-to-image/dist static/vendor/html-to-image
  cp .cache/npm/node_modules/html-to-image/LICENSE static/vendor/html-to-image/LICENSE  # MIT: keep the notice
  rm -f static/vendor/*/*.map
  echo "$asum" > static/vendor/.sha
fi
echo "setup: ready"
