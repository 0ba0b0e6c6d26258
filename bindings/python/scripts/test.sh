#!/usr/bin/env bash
# Builds the release wheel, installs it into bindings/python/.venv, checks the stubs with
# mypy.stubtest, runs pytest (binding + FastAPI example), and installs the wheel into a
# second, fresh venv to check that `import splants` works there. Works from a clean clone.
#
#   bindings/python/scripts/test.sh            # everything
#   PYTEST_ARGS="-k budget" bindings/python/scripts/test.sh
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

dist="$(mktemp -d)"
trap 'rm -rf "$dist"' EXIT
"$here/scripts/build-dev.sh" "$dist"
wheel="$(ls "$dist"/splants-*.whl)"

step "checking the stubs (mypy.stubtest)"
(cd "$here" && "$venv/bin/python" -m mypy.stubtest splants._splants --allowlist "$here/stubtest-allowlist.txt")

step "type-checking the package, tests and example (mypy --strict)"
(cd "$here" && "$venv/bin/python" -m mypy --strict -p splants)
(cd "$here" && "$venv/bin/python" -m mypy --strict tests "$root/examples/fastapi_app/app.py")

step "pytest"
# shellcheck disable=SC2086 # PYTEST_ARGS is a list of words on purpose
(cd "$here" && "$venv/bin/python" -m pytest ${PYTEST_ARGS:-})

step "installing the wheel into a fresh venv"
fresh="$dist/fresh-venv"
"$python" -m venv "$fresh"
"$fresh/bin/python" -m pip install --quiet --no-deps "$wheel"
(cd "$dist" && "$fresh/bin/python" - <<'EOF'
import asyncio

import splants

async def main() -> None:
    engine = splants.ContentEngine(provider="offline")
    piece = await engine.generate({"content_type": "social_media", "topic": "Fresh venv", "platform": "twitter"})
    assert piece.provider == "offline" and piece.content, piece
    print(f"fresh venv: splants {splants.__version__} generated {piece.metadata.word_count} words")

asyncio.run(main())
EOF
)
step "python binding: all checks passed"
