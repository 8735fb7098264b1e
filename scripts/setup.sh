#!/usr/bin/env bash
# Installs, idempotently, everything Telltale needs on a fresh machine (Debian, Rust, Node 20,
# root or sudo): the wasm target, wasm-bindgen-cli at the version in Cargo.lock, Chromium and
# ChromeDriver from Debian's packages (the demo and the tests drive it), the npm dev packages,
# and for the tests only PostgreSQL, Firefox ESR and geckodriver. What is present is skipped.
#
#   bash scripts/setup.sh          # everything (`npm test`, `npm run setup`)
#   bash scripts/setup.sh --run    # what `npm start` and `npm run demo` need, no test tools
set -euo pipefail
cd "$(dirname "$0")/.."
tests=1
case "${1:-}" in
  --run) tests=0 ;;
  "") ;;
  *) echo "usage: $0 [--run]" >&2; exit 2 ;;
esac

say() { printf 'setup: %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# 1. The wasm target.
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# 2. wasm-bindgen-cli, exactly the wasm-bindgen version the lock file pins (the CLI and the crate
#    must match). Installed without --locked: its own lock names a crate version crates.io lacks.
want=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p')
have=$( (wasm-bindgen --version 2>/dev/null || true) | awk '{print $2}')
if [ "$have" != "$want" ]; then
  say "installing wasm-bindgen-cli $want (found: ${have:-none}); about 3 minutes on 2 cores"
  cargo install wasm-bindgen-cli --version "$want"
fi

# 3. Chromium and ChromeDriver (Debian's packages; nothing downloads a browser of its own).
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  say "installing chromium and chromium-driver"
  # A mirror's passing hiccup is retried (cargo and npm retry their own downloads by default).
  as_root apt-get -o Acquire::Retries=3 update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o Acquire::Retries=3 install -y -qq \
    chromium chromium-driver >/dev/null
fi

# 4. npm dev packages, when package-lock.json is newer than what is installed.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

# What follows is for the tests only.
[ "$tests" = 1 ] || exit 0

# 5. PostgreSQL's server binaries (Debian's `postgresql`: initdb, pg_ctl, postgres under
#    /usr/lib/postgresql/NN/bin), for the server's tests and bench on PostgreSQL. scripts/pg.sh runs
#    a throwaway cluster of its own (temporary directory, loopback, a free port), so the package's
#    own `main` cluster is not wanted: the createcluster.d setting stops its post-install from making
#    one (and so from starting one on 5432 where services run; in containers they do not).
if ! command -v initdb >/dev/null 2>&1 && ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
  say "installing postgresql (server binaries for scripts/pg.sh)"
  as_root mkdir -p /etc/postgresql-common/createcluster.d
  echo 'create_main_cluster = false' |
    as_root tee /etc/postgresql-common/createcluster.d/telltale-no-main-cluster.conf >/dev/null
  as_root apt-get -o Acquire::Retries=3 update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o Acquire::Retries=3 install -y -qq \
    postgresql >/dev/null
fi

# 6. A second engine: Firefox ESR (Debian's `firefox-esr`) and geckodriver at a pinned version
#    (crates.io), for the browser and end-to-end tests in Firefox. geckodriver goes under
#    $CARGO_HOME/telltale-geckodriver, off PATH: wasm-bindgen-test-runner takes a geckodriver found
#    on PATH before chromedriver, which would turn the Chromium step into a second Firefox run.
#    scripts/test.sh and tests/e2e/firefox.mjs name it by path (GECKODRIVER).
if ! command -v firefox-esr >/dev/null 2>&1; then
  say "installing firefox-esr"
  as_root apt-get -o Acquire::Retries=3 update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o Acquire::Retries=3 install -y -qq \
    firefox-esr >/dev/null
fi
geckodriver_version=0.37.1
geckodriver_root="${CARGO_HOME:-$HOME/.cargo}/telltale-geckodriver"
have=$( ("$geckodriver_root/bin/geckodriver" --version 2>/dev/null || true) | awk 'NR == 1 {print $2}')
if [ "$have" != "$geckodriver_version" ]; then
  say "installing geckodriver $geckodriver_version (found: ${have:-none}); about 3 minutes on 2 cores"
  cargo install geckodriver --version "$geckodriver_version" --locked --root "$geckodriver_root"
fi
