#!/usr/bin/env bash
# Set up (if needed) and run the app on its embedded default: bundled boundaries, an
# SQLite file in var/ (created and filled with sample data on first run).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python scripts/serve.py "$@"
