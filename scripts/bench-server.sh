#!/usr/bin/env bash
# `npm run bench:server`: the server under load on loopback, SQLite then PostgreSQL (a benchmark,
# not a test). Builds telltale-server and the load generator (crates/bench, `telltale-load`) in
# release, starts the server on 127.0.0.1 on a free port with a fresh SQLite file and generated
# keys, runs the load (30 s by default), stops the server; then the same on a throwaway
# PostgreSQL cluster (scripts/pg.sh), which is stopped and removed afterwards.
#
#   npm run bench:server                          # 30 s on each database
#   npm run bench:server -- --seconds 10          # flags go to telltale-load (see --help)
#   BENCH_DATABASES=sqlite npm run bench:server   # one database only (sqlite, postgres)
#
# The issue's target applies to SQLite: at least 5,000 summaries/s with a p99 under 50 ms. The
# load is offered at that rate (open loop: requests leave on a schedule, latency counts from the
# scheduled time, so a server that cannot keep up shows a backlog, not a politely slower client);
# `-- --rate 0` measures the server's capacity instead (closed loop, `--concurrency` in flight).
# PostgreSQL's figures are printed against the same target, for information.
# Exit status: non-zero when SQLite misses the target, or when on either database the summaries
# acknowledged differ from those stored.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n== %s ==\n' "$*"; }

# The issue's target (SQLite, on this 2-core machine).
TARGET_SPS=5000
TARGET_P99_MS=50
# Offered 5% above the target: throughput is counted over the run and its last answers, so a
# server offered exactly the target measures a little under it even when it keeps up.
OFFERED_SPS=5250
databases=${BENCH_DATABASES:-sqlite postgres}

bash scripts/setup.sh
cargo build --locked --release -p telltale-server -p telltale-bench

work=$(mktemp -d /tmp/telltale-bench.XXXXXX)
# The bench's own cluster state, apart from a test cluster's (target/pg).
export TELLTALE_PG_STATE=$PWD/target/pg-bench
server_pid=''

stop_server() {
  [ -n "$server_pid" ] || return 0
  kill -TERM "$server_pid" 2>/dev/null || true
  # Graceful shutdown finishes requests in flight; 20 s bounds it (then it is killed).
  for _ in $(seq 1 200); do
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=''
}
cleanup() {
  stop_server
  if [[ " $databases " == *" postgres "* ]]; then bash scripts/pg.sh stop >/dev/null 2>&1 || true; fi
  rm -rf -- "$work"
}
trap cleanup EXIT

# Keys for this run only: 128 random bits each, as hex.
key() { od -An -N16 -tx1 /dev/urandom | tr -d ' \n'; }
export TELLTALE_PORTAL_KEY="bench-portal-$(key)" TELLTALE_REVIEWER_KEY="bench-reviewer-$(key)"

. scripts/free-port.sh

# run LABEL DB COUNT-FLAG COUNT-VALUE [telltale-load flags...]: one server, one load; sets rc
# to telltale-load's exit status (0 fine, 1 acknowledged != stored or no run, 2 target missed).
rc=0
run() {
  local label=$1 db=$2 count_flag=$3 count_value=$4 port
  rc=0
  shift 4
  port=$(free_port)
  target/release/telltale-server --listen "127.0.0.1:$port" --db "$db" --www www \
    >"$work/server-$label.log" 2>&1 &
  server_pid=$!
  # --wait 30: the server opens (and migrates) the database before it answers /healthz.
  target/release/telltale-load --server "http://127.0.0.1:$port" --wait 30 --label "$label" \
    "$count_flag" "$count_value" --rate "$OFFERED_SPS" \
    --target-summaries-per-s "$TARGET_SPS" --target-p99-ms "$TARGET_P99_MS" "$@" ||
    rc=$?
  stop_server
  if [ "$rc" = 1 ]; then
    echo "bench-server: $label: the server's log ends:" >&2
    tail -n 5 "$work/server-$label.log" >&2
  fi
}

failed=0
for database in $databases; do
  case $database in
    sqlite)
      say "SQLite (a fresh file in $work)"
      run sqlite "$work/bench.db" --sqlite "$work/bench.db" "$@"
      [ "$rc" = 0 ] || failed=1 # the target applies here
      ;;
    postgres)
      say "PostgreSQL (a throwaway cluster, scripts/pg.sh)"
      url=$(bash scripts/pg.sh start | sed -n 's/^DATABASE_URL=//p')
      run postgres "$url" --database-url "$url" "$@"
      [ "$rc" != 1 ] || failed=1 # for PostgreSQL only acknowledged == stored is required
      bash scripts/pg.sh stop
      ;;
    *)
      echo "bench-server: unknown database '$database' (sqlite, postgres)" >&2
      exit 2
      ;;
  esac
done
exit "$failed"
