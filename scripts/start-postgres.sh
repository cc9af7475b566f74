#!/usr/bin/env bash
# Start a throw-away local PostgreSQL server for costcalc's engine tests (make test
# and developers). Idempotent: installs the Debian packages when missing
# (scripts/setup-system.sh), creates the cluster once, starts it when it is not running.
#
#   eval "$(scripts/start-postgres.sh)"     # exports the COSTCALC_PG_* variables
#
# The server listens on 127.0.0.1 only, in $COSTCALC_PG_DIR (default
# /tmp/costcalc-pg), on $COSTCALC_PG_PORT (default 54329). Authentication is
# "trust" for local TCP connections: the cluster is for tests only.
# Everything but the final export lines goes to stderr.
set -euo pipefail
PGDIR="${COSTCALC_PG_DIR:-/tmp/costcalc-pg}"
PORT="${COSTCALC_PG_PORT:-54329}"

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1; }
if [ -z "$(pg_bin)" ] || [ ! -x "$(pg_bin)/initdb" ]; then
  "$(dirname "$0")/setup-system.sh"
fi
BIN="$(pg_bin)"

# The server must not run as root: use the 'postgres' account when we are root.
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir "$PGDIR" postgres
  RUN=(runuser -u postgres --)
  mkdir -p "$PGDIR"; chown postgres "$PGDIR"
else
  RUN=()
  mkdir -p "$PGDIR"
fi

if [ ! -f "$PGDIR/data/PG_VERSION" ]; then
  "${RUN[@]}" "$BIN/initdb" -D "$PGDIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >&2
fi
if ! "${RUN[@]}" "$BIN/pg_ctl" -D "$PGDIR/data" status >/dev/null 2>&1; then
  "${RUN[@]}" "$BIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" -w -t 60 start \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $PGDIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >&2
fi
"${RUN[@]}" "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -tAc \
  "SELECT 1 FROM pg_database WHERE datname = 'costcalc'" | grep -q 1 ||
  "${RUN[@]}" "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres costcalc >&2

cat <<EOT
export COSTCALC_PG_HOST=127.0.0.1
export COSTCALC_PG_PORT=$PORT
export COSTCALC_PG_USER=postgres
export COSTCALC_PG_PASSWORD=
export COSTCALC_PG_DATABASE=costcalc
EOT
