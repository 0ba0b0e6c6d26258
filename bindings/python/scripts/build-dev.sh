#!/usr/bin/env bash
# Builds the release wheel and installs it into bindings/python/.venv (created if missing,
# with the pinned dev tools). The wheel is left in the directory given as the first argument
# (default: a temporary one, removed). Used by scripts/test.sh and `make bench-stream`.
#
# The wheel is manylinux2014 (glibc >= 2.17) whatever glibc this machine has: zig, from the
# pinned `ziglang` package in the build tools venv, compiles the C dependencies (aws-lc, SQLite) and links
# against glibc 2.17 (`maturin build --zig`).
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
# The build tools live at a fixed place outside the clone (see requirements-build.txt for why).
tools="${SPLANTS_CACHE:-$HOME/.cache/splants}/python-build-tools"
if ! cmp -s "$here/requirements-build.txt" "$tools/requirements-build.txt" 2>/dev/null; then
    step "installing the pinned build tools into $tools"
    rm -rf "$tools"
    "$python" -m venv "$tools"
    "$tools/bin/python" -m pip install --quiet -r "$here/requirements-build.txt"
    cp "$here/requirements-build.txt" "$tools/requirements-build.txt"
fi
# maturin (through cargo-zigbuild) runs `python3 -m ziglang` with whichever python3 is first on
# PATH unless told otherwise: point it at the tools venv's python.
export CARGO_ZIGBUILD_PYTHON_PATH="$tools/bin/python"
# A target dir of its own, inside the shared one: zig's compiler wrappers change the C
# toolchain's environment, so building here would invalidate the Node addon's release build of
# the same dependencies for the same target (and that build this one's), about 200 crates
# rebuilt twice in every CI run.
zig_target="$CARGO_TARGET_DIR/manylinux-zig"
step "building the release wheel, manylinux2014 with zig $("$tools/bin/python" -m ziglang version) (CARGO_TARGET_DIR=$zig_target)"
(cd "$here" && CARGO_TARGET_DIR="$zig_target" "$tools/bin/maturin" build --release --zig --compatibility manylinux2014 \
    --target x86_64-unknown-linux-gnu --out "$dist")
wheel="$(ls "$dist"/splants-*.whl)"

step "installing $(basename "$wheel")"
"$venv/bin/python" -m pip install --quiet --force-reinstall --no-deps "$wheel"
