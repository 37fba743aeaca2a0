#!/usr/bin/env bash
# Start a throw-away PostgreSQL server for the store tests and print its
# SQLAlchemy URL on stdout (everything else goes to stderr).
#
#   export NETSOC_TEST_PG_URL="$(.ci/postgres.sh)"
#
# Needs Debian's `postgresql` package (apt-get install -y postgresql).  Works as
# root (the server runs as the `postgres` user) and as an ordinary user.  The
# cluster lives in a temporary directory, listens on 127.0.0.1 on a free port,
# and has a database `netsoc_test` owned by the password user `netsoc`.
# Stop it with:  .ci/postgres.sh stop DATADIR   (DATADIR is printed on stderr)
set -euo pipefail

log() { echo "postgres.sh: $*" >&2; }

bindir="${PG_BINDIR:-}"
if [[ -z "$bindir" ]]; then
  bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)"
fi
if [[ -z "$bindir" || ! -x "$bindir/initdb" ]]; then
  log "PostgreSQL server binaries not found; install them with: apt-get install -y postgresql"
  exit 1
fi

as_owner() {
  if [[ "$(id -u)" == 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

if [[ "${1:-}" == "stop" ]]; then
  as_owner "$bindir/pg_ctl" -D "${2:?usage: postgres.sh stop DATADIR}/data" -m fast stop >&2
  rm -rf "$2"
  exit 0
fi

base="$(mktemp -d /tmp/netsoc-pg.XXXXXX)"
chmod 755 "$base"
if [[ "$(id -u)" == 0 ]]; then
  chown postgres: "$base"
fi
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
password="netsoc-$(date +%s)-$$"
pwfile="$base/pw"
echo "$password" > "$pwfile"
[[ "$(id -u)" == 0 ]] && chown postgres: "$pwfile"

log "initdb into $base/data"
as_owner "$bindir/initdb" -D "$base/data" -U postgres --auth-local=trust \
  --auth-host=scram-sha-256 --pwfile="$pwfile" -E UTF8 --locale=C.UTF-8 >"$base/initdb.log" 2>&1 \
  || { cat "$base/initdb.log" >&2; exit 1; }
rm -f "$pwfile"

log "starting on 127.0.0.1:$port"
as_owner "$bindir/pg_ctl" -D "$base/data" -l "$base/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $base -c fsync=off -c max_connections=100" start >&2 \
  || { cat "$base/server.log" >&2; exit 1; }

as_owner "$bindir/psql" -h "$base" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q >&2 <<SQL
CREATE ROLE netsoc LOGIN PASSWORD '$password';
CREATE DATABASE netsoc_test OWNER netsoc;
SQL

log "ready; stop with: .ci/postgres.sh stop $base"
echo "postgresql+psycopg://netsoc:${password}@127.0.0.1:${port}/netsoc_test"
