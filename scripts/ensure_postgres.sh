#!/usr/bin/env bash
# Make sure a PostgreSQL server answers at 127.0.0.1:5432 for the database tests.
# Uses the server the machine already runs; starts an installed but stopped cluster; installs
# Debian's postgresql when none is installed (trust auth on loopback, database `test`).
# When KULAKAN_TEST_PG_URL points elsewhere, nothing is done here.
set -euo pipefail
if [ -n "${KULAKAN_TEST_PG_URL:-}" ]; then exit 0; fi
ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
if command -v pg_isready >/dev/null 2>&1 && ready; then
  : # the machine's server answers: nothing to install or start
elif ! command -v pg_ctlcluster >/dev/null 2>&1 || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
  echo "PostgreSQL belum terpasang: memasang paket Debian 'postgresql'..."
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq postgresql >/dev/null
  version=$(ls /etc/postgresql | sort -V | tail -1)
  hba=/etc/postgresql/$version/main/pg_hba.conf
  # A throw-away test server on loopback only.
  $SUDO sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$hba"
fi
if ! ready; then
  version=$(ls /etc/postgresql | sort -V | tail -1)
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
  for _ in $(seq 1 30); do ready && break; sleep 1; done
fi
if ! ready; then
  echo "PostgreSQL tidak menjawab di 127.0.0.1:5432; tes PostgreSQL akan dilewati." >&2
  exit 0
fi
psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='test'" | grep -q 1 \
  || psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE test" >/dev/null || true
# Optional PostGIS for the ST_Contains tests (db/postgis.py); without it those tests skip with a reason.
if ! psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_available_extensions WHERE name='postgis'" | grep -q 1; then
  major=$(psql -h 127.0.0.1 -U postgres -tAc "SHOW server_version_num" | cut -c1-2 || true)
  echo "Memasang PostGIS untuk PostgreSQL $major (opsional)..."
  export DEBIAN_FRONTEND=noninteractive
  { $SUDO apt-get install -y -qq --no-install-recommends "postgresql-$major-postgis-3" >/dev/null 2>&1 \
    || { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends "postgresql-$major-postgis-3" >/dev/null 2>&1; }; } \
    || true
  # Say what really happened: the package may install and still not offer the extension to this server.
  if psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_available_extensions WHERE name='postgis'" | grep -q 1; then
    echo "PostGIS terpasang dan tersedia di server."
  else
    echo "PostGIS tidak dapat dipasang; tes PostGIS akan dilewati." >&2
  fi
fi
