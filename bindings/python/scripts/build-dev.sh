#!/usr/bin/env bash
# Builds the release wheel and installs it into bindings/python/.venv (created if missing,
# with the pinned dev tools). The wheel is left in the directory given as the first argument
# (default: a temporary one, removed). Used by scripts/test.sh and `make bench-stream`.
#
# Honours CARGO_TARGET_DIR (default: <repo>/target) and PYTHON (default: python3, >= 3.9).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="$(cd "$here/../.." && pwd)"
python="${PYTHON:-python3}"
venv="$here/.venv"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
export PIP_DISABLE_PIP_VERSION_CHECK=1

step() { printf '\n==> %s\n' "$*"; }

if [ ! -x "$venv/bin/python" ]; then
    step "creating $venv"
    "$python" -m venv "$venv"
fi
step "installing pinned dev tools"
"$venv/bin/python" -m pip install --quiet -r "$here/requirements-dev.txt"

dist="${1:-}"
if [ -z "$dist" ]; then
    dist="$(mktemp -d)"
    trap 'rm -rf "$dist"' EXIT
fi
step "building the release wheel (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
(cd "$here" && "$venv/bin/maturin" build --release --out "$dist")
wheel="$(ls "$dist"/splants-*.whl)"

step "installing $(basename "$wheel")"
"$venv/bin/python" -m pip install --quiet --force-reinstall --no-deps "$wheel"
