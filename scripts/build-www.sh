#!/usr/bin/env bash
# Copies the dashboard's chart library from npm (node_modules/uplot, installed by
# scripts/setup.sh from package-lock.json) into www/vendor/, so that the server serves it from
# its own origin (the pages' Content-Security-Policy allows scripts and styles from 'self'
# only). www/vendor/ is generated: it is not in git.
set -euo pipefail
cd "$(dirname "$0")/.."
src=node_modules/uplot
if [ ! -f "$src/dist/uPlot.esm.js" ]; then
  echo "build-www: $src is missing; run: bash scripts/setup.sh (or npm ci)" >&2
  exit 1
fi
out=www/vendor/uplot
rm -rf "$out"
mkdir -p "$out"
cp "$src/dist/uPlot.esm.js" "$src/dist/uPlot.min.css" "$src/LICENSE" "$out/"
echo "build-www: uPlot $(node -p "require('./$src/package.json').version") -> $out/"
