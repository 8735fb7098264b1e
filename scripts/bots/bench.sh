#!/usr/bin/env bash
# `npm run bench:bots`: automation against bots that imitate people. Writes the sessions
# (scripts/bots/streams.mjs: every human of SapiMouse, Aalto and CMU, and BOTS_PER_KIND bots of
# each kind) and runs them through telltale-core's windower (`telltale-eval bots`). The browser
# run that shows the page agrees is tests/e2e/bots.test.mjs.
set -euo pipefail
cd "$(dirname "$0")/../.."
PER_KIND="${BOTS_PER_KIND:-200}"
mkdir -p target/bots
cargo build --locked --release -p telltale-eval
node scripts/bots/write.mjs target/bots/streams.ndjson "$PER_KIND"
target/release/telltale-eval bots --streams target/bots/streams.ndjson "$@"
