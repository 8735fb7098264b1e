#!/usr/bin/env bash
# Builds the collector package into pkg/ (ES module for the web): cargo (size-optimised `wasm`
# profile) -> wasm-bindgen (the CLI at the locked version) -> scripts/pack-collector.mjs (wasm-opt -Oz
# from npm's binaryen, short names, terser).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --locked --profile wasm --target wasm32-unknown-unknown -p telltale
# A clean pkg/: a snippet left from an older build would be served and counted.
rm -rf pkg
wasm-bindgen target/wasm32-unknown-unknown/wasm/telltale.wasm --out-dir pkg --target web
# wasm-opt -Oz with short import/export names, the glue rewritten to match, JS minified.
node scripts/pack-collector.mjs
