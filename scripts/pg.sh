#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback, for the server's tests and `npm run bench:server`.
#
#   bash scripts/pg.sh start [--no-fsync]   # prints DATABASE_URL=postgres://USER@127.0.0.1:PORT/telltale
#   bash scripts/pg.sh stop                 # stops it and removes its directory (fine when none runs)
#   bash scripts/pg.sh status
#
# `start` makes a temporary directory, runs initdb in it as an unprivileged user (Debian's
# `postgres` user when run as root: postgres refuses to run as root; the caller itself otherwise),
# and starts postgres listening on 127.0.0.1 only, on a free port, with its unix socket in that
# directory, then creates the database `telltale`. Authentication is `trust`: the cluster lives for
# one run, on loopback, and holds only test data. The URL goes to stdout and, as `KEY=value`
# lines (`DATABASE_URL`, `TELLTALE_TEST_POSTGRES`, `PGPORT`, `PGHOST`, `PGUSER`), to
# `$TELLTALE_PG_STATE/env` (default target/pg/env), which `source` reads. `--no-fsync` turns off
# fsync and synchronous commit: for tests, where durability does not matter; benchmarks leave it on.
# `TELLTALE_PG_STATE` picks another state directory, so two clusters (tests and bench) can coexist.
#
# The binaries come from Debian's `postgresql` package (scripts/setup.sh installs it):
# /usr/lib/postgresql/NN/bin, the newest NN, or whatever `initdb` is on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'pg: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

state=${TELLTALE_PG_STATE:-$PWD/target/pg}
mkdir -p "$(dirname "$state")"
state=$(cd "$(dirname "$state")" && pwd)/$(basename "$state")

bindir() {
  local newest
  # `sort -V`: version 9.6 < 10 < 15, which a plain sort gets wrong.
  newest=$(find /usr/lib/postgresql -maxdepth 3 -path '*/bin/initdb' 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$newest" ]; then
    dirname "$newest"
  elif command -v initdb >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v initdb)")"
  else
    die "initdb not found: run scripts/setup.sh (it installs Debian's postgresql package)"
  fi
}

# Runs a command as the cluster's owner, from inside the cluster directory (the caller's working
# directory may be unreadable to that user).
as_owner() {
  local dir=$1
  shift
  if [ "$(id -u)" = 0 ]; then
    (cd "$dir" && runuser -u "$owner" -- "$@")
  else
    (cd "$dir" && "$@")
  fi
}

if [ "$(id -u)" = 0 ]; then
  owner=${TELLTALE_PG_USER:-postgres}
  getent passwd "$owner" >/dev/null || die "user '$owner' not found (Debian's postgresql package creates 'postgres'; or set TELLTALE_PG_USER)"
else
  owner=$(id -un)
fi

. scripts/free-port.sh

running() {
  [ -f "$state/dir" ] || return 1
  local dir
  dir=$(cat "$state/dir")
  [ -d "$dir/data" ] && [ -f "$state/env" ] || return 1
  # pg_isready, not `pg_ctl status` alone: a postmaster killed here can stay a zombie for a while
  # (an orphan's reaper may be slow in a container), and its pid then still looks alive.
  "$(bindir)/pg_isready" -q -h "$dir" -p "$(sed -n 's/^PGPORT=//p' "$state/env")"
}

start() {
  local fsync=on
  for arg in "$@"; do
    case $arg in
      --no-fsync) fsync=off ;;
      *) die "unknown option: $arg" ;;
    esac
  done
  if running; then
    say "already running ($(cat "$state/dir")): stop it first for a fresh one"
    grep '^DATABASE_URL=' "$state/env"
    return 0
  fi
  (stop) >/dev/null 2>&1 || true # a stale state from a cluster that died: clear it
  local bin dir port started=''
  bin=$(bindir)
  # Under /tmp, not $TMPDIR: the owner must reach the directory, and a TMPDIR under root's home
  # would not let it. A unix socket path must also stay under ~100 bytes.
  dir=$(mktemp -d /tmp/telltale-pg.XXXXXX)
  mkdir -p "$state"
  echo "$dir" >"$state/dir"
  chmod 700 "$dir"
  [ "$(id -u)" = 0 ] && chown "$owner" "$dir"
  # --no-sync: the cluster is thrown away, so initdb need not wait for the disk.
  # --no-locale / UTF8: the same collation whatever the machine's locale.
  as_owner "$dir" "$bin/initdb" -D "$dir/data" --auth=trust --username="$owner" \
    --encoding=UTF8 --no-locale --no-sync >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  for _ in 1 2 3 4 5; do # a port taken between the check and the bind: another port
    port=$(free_port)
    {
      echo "# telltale: a throwaway cluster (scripts/pg.sh)"
      echo "listen_addresses = '127.0.0.1'"
      echo "port = $port"
      echo "unix_socket_directories = '$dir'"
      echo "fsync = $fsync"
      echo "synchronous_commit = $fsync"
      echo "full_page_writes = $fsync"
    } >"$dir/data/postgresql.auto.conf"
    # -w -t 60: wait for it to accept connections, at most a minute (it takes about a second).
    if as_owner "$dir" "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 start >/dev/null; then
      started=1
      break
    fi
    grep -q 'could not bind\|Address already in use' "$dir/postgres.log" 2>/dev/null ||
      { tail -n 20 "$dir/postgres.log" >&2 || true; die "postgres did not start"; }
    say "port $port was taken: another one"
  done
  [ -n "$started" ] || die "postgres did not start (no port could be bound)"
  as_owner "$dir" "$bin/createdb" -h "$dir" -p "$port" -U "$owner" telltale
  local url="postgres://$owner@127.0.0.1:$port/telltale"
  {
    echo "DATABASE_URL=$url"
    echo "TELLTALE_TEST_POSTGRES=$url"
    echo "PGHOST=127.0.0.1"
    echo "PGPORT=$port"
    echo "PGUSER=$owner"
    echo "PGDATABASE=telltale"
  } >"$state/env"
  say "started in $dir (log: $dir/postgres.log; env: $state/env)"
  echo "DATABASE_URL=$url"
}

stop() {
  if [ ! -f "$state/dir" ]; then
    say "not running (no $state/dir)"
    return 0
  fi
  local dir
  dir=$(cat "$state/dir")
  case $dir in
    /tmp/telltale-pg.*) ;;
    *) die "refusing to remove '$dir': not a directory this script made" ;;
  esac
  if [ -d "$dir/data" ]; then
    # -m immediate: no shutdown checkpoint; the directory is removed next, so nothing is lost.
    as_owner "$dir" "$(bindir)/pg_ctl" -D "$dir/data" -m immediate -w -t 60 stop >/dev/null 2>&1 ||
      say "postgres was not running in $dir"
  fi
  rm -rf -- "$dir"
  rm -f "$state/dir" "$state/env"
  say "stopped; removed $dir"
}

case ${1:-} in
  start) shift; start "$@" ;;
  stop) stop ;;
  status)
    if running; then grep '^DATABASE_URL=' "$state/env"; else say "not running"; exit 1; fi
    ;;
  *) die "usage: $0 start [--no-fsync] | stop | status" ;;
esac
