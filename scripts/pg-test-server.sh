#!/usr/bin/env bash
# Throwaway PostgreSQL for the store test suite: 127.0.0.1:${PGTEST_PORT:-54329}, trust auth,
# data in a temporary folder. Idempotent: a running server is reused. Prints the URL.
#   scripts/pg-test-server.sh          start (or reuse) and print postgres://postgres@127.0.0.1:54329/postgres
#   scripts/pg-test-server.sh stop     stop it and remove its folder
set -euo pipefail

port="${PGTEST_PORT:-54329}"
base="${PGTEST_DIR:-${TMPDIR:-/tmp}/delineate-pg-test-${port}}"
data="$base/data"
url="postgres://postgres@127.0.0.1:${port}/postgres"

find_bin() {
  local name="$1" candidate
  for candidate in /usr/lib/postgresql/*/bin/"$name"; do
    [ -x "$candidate" ] && { echo "$candidate"; return; }
  done
  command -v "$name" || { echo "pg-test-server: $name not found (apt-get install -y postgresql)" >&2; exit 1; }
}

initdb="$(find_bin initdb)"
pg_ctl="$(find_bin pg_ctl)"
pg_isready="$(dirname "$pg_ctl")/pg_isready"

# initdb and postgres refuse to run as root: run them as the postgres user when we are root.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

case "${1:-start}" in
  stop)
    if [ -f "$data/postmaster.pid" ]; then as_owner "$pg_ctl" -D "$data" -m fast -w stop >/dev/null; fi
    rm -rf "$base"
    exit 0
    ;;
  start) ;;
  *) echo "usage: $0 [start|stop]" >&2; exit 2 ;;
esac

if [ -f "$data/postmaster.pid" ] && as_owner "$pg_ctl" -D "$data" status >/dev/null 2>&1; then
  echo "$url"
  exit 0
fi

mkdir -p "$base"
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$base"
fi
if [ ! -f "$data/PG_VERSION" ]; then
  as_owner "$initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$base/initdb.log" 2>&1 \
    || as_owner "$initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --no-locale >"$base/initdb.log" 2>&1
fi
# fsync off: the data is thrown away; durability is not what these tests measure.
as_owner "$pg_ctl" -D "$data" -l "$base/server.log" -w -t 60 \
  -o "-h 127.0.0.1 -p ${port} -k $base -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null
"$pg_isready" -h 127.0.0.1 -p "$port" -t 30 >/dev/null
echo "$url"
