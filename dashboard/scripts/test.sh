#!/usr/bin/env bash
# `make test-dashboard`: a clean `npm ci`; the TypeScript check; dist/ rebuilt in a temporary
# directory and compared with the committed one (and its compressed size against 250 KB); the
# release splants-server built; the browser tests (Debian's chromium, installed when missing)
# with the server's idle RSS held to 30 MiB.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund
npx tsc --noEmit -p .
node scripts/check.mjs
(cd .. && "${CARGO:-cargo}" build --release -p splants --features server,postgres,redis --bin splants-server)
SPLANTS_RSS_LIMIT_MIB="${SPLANTS_RSS_LIMIT_MIB:-30}" node test/run.mjs
