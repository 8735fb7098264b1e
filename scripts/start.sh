#!/usr/bin/env bash
# `npm start`: installs what is missing, builds the collector, the server and the pages, and runs
# Telltale on http://127.0.0.1:8080 in demo mode (the demo portal's stand-in login, keys printed)
# with its embedded SQLite database. Ctrl-C stops it. The detectors' figures on the public data
# sets are `npm run eval`.
#
# The demo's keys are drawn on the first run and kept in target/demo/keys.env, so that a second
# run, `npm run demo` and a reviewer's open dashboard keep working across restarts.
# TELLTALE_LISTEN, DATABASE_URL and the other variables of the README override the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --run
cargo build --release --locked -p telltale-server
bash scripts/build-collector.sh
bash scripts/build-www.sh

mkdir -p target/demo
keys=target/demo/keys.env
if [ ! -f "$keys" ]; then
  rand() { od -An -N16 -tx1 /dev/urandom | tr -d ' \n'; }
  {
    echo "TELLTALE_PORTAL_KEY=$(rand)"
    echo "TELLTALE_REVIEWER_KEY=$(rand)"
  } > "$keys"
  chmod 600 "$keys"
fi
set -a
# shellcheck source=/dev/null
. "$keys"
set +a
export TELLTALE_LISTEN=${TELLTALE_LISTEN:-127.0.0.1:8080}
export DATABASE_URL=${DATABASE_URL:-target/demo/telltale.db}
# Ten windows per modality instead of 20: `npm run demo` replays recorded people, and a SapiMouse
# user's 3-minute session and an Aalto participant's ten sentences give the demo's pointer twenty
# windows and its typing ten, not twenty (docs/demo.md). Fixed-text entries stay at 20.
export TELLTALE_ENROLL_WINDOWS=${TELLTALE_ENROLL_WINDOWS:-10}
# The server replaces this shell: Ctrl-C (SIGINT) and SIGTERM reach it, it finishes the requests
# in flight and closes the database.
exec target/release/telltale-server --demo --www www --pkg pkg
