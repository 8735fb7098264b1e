#!/usr/bin/env bash
# tests/web.rs (wasm-bindgen-test) in one headless browser: `chromium` (ChromeDriver from
# Debian's package) or `firefox` (geckodriver, which scripts/setup.sh installs off PATH).
#
#   bash scripts/web-tests.sh chromium|firefox
#
# The runner's page server (tiny_http 0.12) serves each keep-alive connection on a thread of a pool
# that can miss a free thread: a request then waits until the browser closes an idle connection,
# 300 s later. The more files the test page loads at once, the likelier (tests/web.rs keeps its JS
# helpers in one module, tests/web.js, for this: with three inline snippets 5 of 12 runs hung here,
# with one 0 of 12). So an attempt that has printed no "test result:" line after 120 s (a normal
# run takes 2 s once built) is stopped, and the tests run once more, saying so. A test that fails
# is never retried.
set -euo pipefail
cd "$(dirname "$0")/.."
engine=${1:-}
case "$engine" in
  chromium)
    # ChromeDriver from Debian's package; the runner launches Chromium with headless,
    # no-sandbox and disable-dev-shm-usage. (A webdriver.json adding flags made the runner's
    # session start hang for 300 s with ChromeDriver 156: none is used.)
    unset GECKODRIVER ;;
  firefox)
    export GECKODRIVER="${CARGO_HOME:-$HOME/.cargo}/telltale-geckodriver/bin/geckodriver" ;;
  *) echo "usage: $0 chromium|firefox" >&2; exit 2 ;;
esac
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
cargo test --locked --target wasm32-unknown-unknown -p telltale --test web --no-run
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for attempt in 1 2; do
  # Its own process group, so a stuck attempt is stopped with its driver and browser.
  setsid bash -c 'cargo test --locked --target wasm32-unknown-unknown -p telltale --test web 2>&1 |
    tee "$0"' "$log" &
  run=$!
  (sleep 120 && kill -- -"$run") >/dev/null 2>&1 &
  watchdog=$!
  rc=0
  wait "$run" || rc=$?
  pkill -P "$watchdog" sleep 2>/dev/null || true
  [ "$rc" = 0 ] && exit 0
  if ! grep -q "test result:" "$log" && [ "$attempt" = 1 ]; then
    echo "web-tests: $engine never ran the tests (the page did not load in 120 s); once more"
    continue
  fi
  exit 1
done
