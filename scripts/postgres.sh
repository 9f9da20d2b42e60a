# Sourced by scripts/test.sh (and deploy_local.sh): start the Debian PostgreSQL 15 cluster
# and create a database with PostGIS (PARTNERMAP_PG_DB, default partnermap_test).
# Exports PARTNERMAP_TEST_PG_URL.
PG_USER=partnermap
PG_DB=${PARTNERMAP_PG_DB:-partnermap_test}
PG_PORT=${PARTNERMAP_PG_PORT:-5432}
if ! pg_lsclusters -h 2>/dev/null | grep -q '^15 *main'; then
  pg_createcluster 15 main >/dev/null
fi
if ! pg_lsclusters -h | grep -q '^15 *main .*online'; then
  pg_ctlcluster 15 main start
fi
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -c "$1"; else sudo -u postgres sh -c "$1"; fi; }
as_pg "psql -p $PG_PORT -tAc \"SELECT 1 FROM pg_roles WHERE rolname='$PG_USER'\" | grep -q 1 || psql -p $PG_PORT -qc \"CREATE ROLE $PG_USER LOGIN SUPERUSER PASSWORD '$PG_USER'\""
as_pg "psql -p $PG_PORT -tAc \"SELECT 1 FROM pg_database WHERE datname='$PG_DB'\" | grep -q 1 || createdb -p $PG_PORT -O $PG_USER $PG_DB"
as_pg "psql -p $PG_PORT -d $PG_DB -qc 'SET client_min_messages=warning; CREATE EXTENSION IF NOT EXISTS postgis'"
export PARTNERMAP_TEST_PG_URL="postgresql://$PG_USER:$PG_USER@localhost:$PG_PORT/$PG_DB"
