#!/usr/bin/env bash
# Everything the Node package promises, from a clean clone, as CI runs it:
#   1. npm ci                      exact devDependencies from package-lock.json
#   2. npm run build               release addon (napi build --platform --release); honours CARGO_TARGET_DIR
#   3. npm run check-types         committed index.d.ts / index.js are what the Rust generates; usage.ts type-checks
#   4. node --test __test__/       every method, every error code, 200 concurrent generates within budget,
#                                  the event loop during a slow call, and __test__/package.test.mjs:
#                                  npm pack → npm install ./splants-*.tgz in a temp project → a smoke script there
#   5. examples/node-express       npm ci (the addon comes from ../../bindings/node) and its fetch tests
# Each step is bounded by `timeout`; the first failure stops the script with its exit code.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repo="$(cd "$here/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"
export RUST_BACKTRACE=0 # the deliberate-panic test would otherwise print a backtrace

step() { printf '\n== %s\n' "$*"; }

install_deps() {
  if [[ -f package-lock.json ]]; then
    timeout 600 npm ci --no-audit --no-fund
  else
    timeout 600 npm install --no-audit --no-fund
  fi
}

cd "$here"
step "npm ci (bindings/node)"
install_deps

step "release build (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
timeout 1800 npm run --silent build

step "index.d.ts is current and the types check"
timeout 600 npm run --silent check-types

step "node --test __test__/ (includes npm pack → install in a temp project → smoke)"
timeout 900 node --test --test-timeout=300000 __test__/

step "Express example"
cd "$repo/examples/node-express"
install_deps
timeout 300 node --test --test-timeout=120000 test/

step "Node package: all checks passed"
