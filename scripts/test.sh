#!/usr/bin/env bash
# Set up (if needed), lint (ruff), type-check geo/ (mypy) and run the whole test suite:
# unit, storage on SQLite and on PostgreSQL + PostGIS, AppTest and headless-Chromium
# browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
# Lint and type checks first (settings in pyproject.toml); either failing fails the run.
.venv/bin/ruff check .
.venv/bin/mypy   # the files it checks (geo/) are set in pyproject.toml
source scripts/postgres.sh   # starts PostgreSQL, exports PARTNERMAP_TEST_PG_URL
export PARTNERMAP_REQUIRE_POSTGRES=1   # PostgreSQL tests fail instead of skipping
set +e
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
rc=$?
set -e
if [ "$rc" = 5 ]; then
  echo "test: pytest collected no tests - treated as a failure" >&2
  exit 1
fi
exit "$rc"
