#!/usr/bin/env bash
# The Debian packages costcalc's tests need, installed when missing (idempotent;
# needs root or sudo). `make test` runs it; nothing else has to.
#   postgresql   the engine tests' local server (scripts/start-postgres.sh starts it)
#   unixodbc     libodbc.so.2 for pyodbc (dbt-sqlserver, the T-SQL compile check)
#   a Java 17+   pyspark's local session (the Spark engine tests)
#   chromium     the headless browser the dashboard tests drive (tests/test_dashboard_browser.py)
set -euo pipefail

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
  echo "setup-system: need root or sudo to install: $*" >&2; exit 1; fi; }

missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
ldconfig -p 2>/dev/null | grep -q 'libodbc.so.2' || missing+=(unixodbc)
java_major=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1 || true)
if [ -z "${java_major:-}" ] || [ "$java_major" -lt 17 ]; then missing+=(openjdk-17-jre-headless); fi

command -v chromium >/dev/null || missing+=(chromium)

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup-system: installing ${missing[*]} (Debian packages)" >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
