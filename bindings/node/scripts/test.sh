#!/usr/bin/env bash
# Everything the Node package promises, from a clean clone, as CI runs it:
#   1. npm ci                      exact devDependencies from package-lock.json
#   2. npm run check-types         the release build (napi build --platform --release, as `npm run build`;
#                                  honours CARGO_TARGET_DIR), failing if the committed index.d.ts / index.js
#                                  are not what it generates; then usage.ts type-checks against index.d.ts
#   3. node --test __test__/       every method, every error code, 200 concurrent generates within budget,
#                                  the event loop during a slow call, and __test__/package.test.mjs:
#                                  npm pack → npm install ./splants-*.tgz in a temp project → a smoke script there
#   4. examples/node-express       npm ci (the addon comes from ../../bindings/node) and its fetch tests
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

step "release build and stale index.d.ts check (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
timeout 1800 npm run --silent check-types

step "node --test __test__/ (includes npm pack → install in a temp project → smoke)"
timeout 900 node --test --test-timeout=300000 __test__/

step "Express example"
cd "$repo/examples/node-express"
install_deps
timeout 300 node --test --test-timeout=120000 test/

step "Node package: all checks passed"
