#!/usr/bin/env bash
# Builds the collector package into pkg/ (ES module for the web): cargo (size-optimised `wasm`
# profile) -> wasm-bindgen (the CLI at the locked version) -> scripts/pack-collector.mjs (wasm-opt -Oz
# from npm's binaryen, short names, terser).
# `--bench`: the bench's own package instead, in pkg-bench/, with the bench hooks
# (`--features bench-hooks`, never shipped).
set -euo pipefail
cd "$(dirname "$0")/.."
out=pkg
features=
case "${1:-}" in
  --bench) out=pkg-bench; features=bench-hooks ;;
  "") ;;
  *) echo "usage: $0 [--bench]" >&2; exit 2 ;;
esac
# Without std: the shipped build traps on panic instead of linking std's panic machinery.
cargo build --locked --profile wasm --target wasm32-unknown-unknown -p telltale --no-default-features --features "$features"
# A clean output directory: a snippet left from an older build would be served and counted.
rm -rf "$out"
# `--encode-into always`: strings go into WebAssembly memory with `TextEncoder.encodeInto`, which
# every browser that runs this module has (Chrome 74, Firefox 66, Safari 14.1; the module's
# bulk-memory and sign-ext need newer ones), so the glue's fallback for engines without it goes.
wasm-bindgen target/wasm32-unknown-unknown/wasm/telltale.wasm --out-dir "$out" --target web --encode-into always
# wasm-opt -Oz with short import/export names, the glue rewritten to match, JS minified.
node scripts/pack-collector.mjs "$out"
