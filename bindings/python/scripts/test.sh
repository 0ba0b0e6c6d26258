#!/usr/bin/env bash
# Builds the release wheel (manylinux2014, with zig), checks that it really is manylinux2014
# (its tags, and glibc symbol versions <= 2.17 in the extension module), installs it into
# bindings/python/.venv, checks the stubs with mypy.stubtest, runs pytest (binding + FastAPI
# example), and installs the wheel into a second, fresh venv to check that `import splants`
# works there. Works from a clean clone; needs objdump (binutils).
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

step "checking that $(basename "$wheel") is manylinux2014"
fail() { printf '\nFAILED: %s\n' "$*" >&2; exit 1; }
command -v objdump >/dev/null || fail "objdump not found (install binutils): cannot check the wheel's glibc needs"
# The file name is name-version-python-abi-platforms.whl, several platform tags joined by '.'.
IFS=- read -r _ _ pytag abitag platforms <<<"$(basename "$wheel" .whl)"
[ "$pytag-$abitag" = "cp39-abi3" ] || fail "wheel is $pytag-$abitag, expected cp39-abi3 (one wheel for CPython >= 3.9)"
case ".$platforms." in
    *.manylinux_2_17_x86_64.* | *.manylinux2014_x86_64.*) ;;
    *) fail "wheel platform tags are '$platforms', expected manylinux_2_17_x86_64 / manylinux2014_x86_64" ;;
esac
# The GLIBC symbol versions the extension module needs: the highest must be <= 2.17.
so_dir="$dist/so-check"
so="$("$venv/bin/python" - "$wheel" "$so_dir" <<'EOF'
import sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    modules = [n for n in z.namelist() if n.endswith(".so")]
    if len(modules) != 1:
        sys.exit(f"expected one extension module in the wheel, found {modules}")
    print(z.extract(modules[0], out))
EOF
)"
symbols="$(objdump -T "$so")"
highest="$({ grep -o 'GLIBC_[0-9][0-9.]*' <<<"$symbols" || true; } | sed 's/^GLIBC_//' | sort -uV | tail -n1)"
[ -n "$highest" ] || fail "objdump -T found no GLIBC symbol versions in $so"
if [ "$(printf '%s\n2.17\n' "$highest" | sort -V | tail -n1)" != "2.17" ]; then
    fail "$(basename "$so") needs GLIBC_$highest > 2.17, so the wheel is not manylinux2014:
$({ grep -E 'GLIBC_(2\.(1[89]|[2-9][0-9])|[3-9])' <<<"$symbols" || true; } | awk '{print "  " $(NF-1), $NF}')"
fi
echo "tags $pytag-$abitag-$platforms; highest GLIBC symbol version needed: GLIBC_$highest (<= 2.17)"
echo "shared libraries needed: $(objdump -p "$so" | awk '/NEEDED/ {print $2}' | tr '\n' ' ')"

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
import importlib.metadata
import platform

from pip._vendor.packaging.tags import sys_tags

import splants

# The installed wheel's tags, and the first one this interpreter accepts (the one pip matched).
wheel = importlib.metadata.distribution("splants").read_text("WHEEL") or ""
wheel_tags = [line.split(": ", 1)[1] for line in wheel.splitlines() if line.startswith("Tag: ")]
matched = next((str(t) for t in sys_tags() if str(t) in wheel_tags), None)
assert matched is not None, f"no tag of {wheel_tags} fits this interpreter"
print(f"fresh venv: installed {matched} (wheel tags: {', '.join(wheel_tags)}) "
      f"on CPython {platform.python_version()}, glibc {platform.libc_ver()[1]}")

async def main() -> None:
    engine = splants.ContentEngine(provider="offline")
    piece = await engine.generate({"content_type": "social_media", "topic": "Fresh venv", "platform": "twitter"})
    assert piece.provider == "offline" and piece.content, piece
    print(f"fresh venv: splants {splants.__version__} generated {piece.metadata.word_count} words")

asyncio.run(main())
EOF
)
step "python binding: all checks passed"
