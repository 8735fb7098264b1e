#!/usr/bin/env bash
# `npm start`: installs what is missing, builds everything, and runs Telltale. Until the server
# exists it prints the detectors' figures on the public data sets.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo build --release --locked --workspace
# The collector package a portal embeds (pkg/, see the README's "Embedding the collector").
bash scripts/build-collector.sh
eval=target/release/telltale-eval
echo "== CMU keystroke benchmark (Killourhy and Maxion 2009 protocol) =="
for r in 0 1 16.7; do
  "$eval" keystroke --timer-resolution-ms "$r" --plot "target/det-keystroke-${r}ms.svg"
  echo
done
echo "== SapiMouse (data README protocol) =="
"$eval" pointer --block-seconds 15,30,60
