#!/usr/bin/env bash
# Builds the collector package into pkg/ (ES module for the web): cargo (size-optimised `wasm`
# profile) -> wasm-bindgen (the CLI at the locked version) -> wasm-opt -Oz (npm's binaryen).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --locked --profile wasm --target wasm32-unknown-unknown -p telltale
# A clean pkg/: a snippet left from an older build would be served and counted.
rm -rf pkg
wasm-bindgen target/wasm32-unknown-unknown/wasm/telltale.wasm --out-dir pkg --target web
# Features current wasm-bindgen output uses; binaryen must be told it may keep them.
node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
  --enable-reference-types --enable-sign-ext --enable-mutable-globals \
  pkg/telltale_bg.wasm -o pkg/telltale_bg.wasm
