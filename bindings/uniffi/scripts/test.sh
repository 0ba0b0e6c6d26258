#!/usr/bin/env bash
# The uniffi binding, for real: builds the splants_uniffi cdylib and its bindgen, generates the
# Kotlin bindings from the library, compiles them with the Kotlin test (kotlinc from the npm
# package `kotlin-compiler`, JNA from Debian's libjna-java), runs the test on the JVM, and checks
# that the committed Swift bindings (bindings/uniffi/swift/) are what the library generates.
# Swift itself is not compiled here: there is no Swift toolchain on this machine.
#
#   bindings/uniffi/scripts/test.sh
#   SPLANTS_BLESS=1 bindings/uniffi/scripts/test.sh   # rewrite the committed Swift bindings
#   bindings/uniffi/scripts/test.sh bench [N]          # release library: kotlin/Bench.kt instead
#
# Honours CARGO_TARGET_DIR (default: <repo>/target). Installs what it needs: apt packages
# default-jdk-headless (when javac is missing), libjna-java, libjna-jni; kotlin-compiler into
# ~/.cache/splants/kotlin.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="$(cd "$here/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
KOTLIN_VERSION=2.4.20
cache="${SPLANTS_CACHE:-$HOME/.cache/splants}"

step() { printf '\n==> %s\n' "$*"; }

missing=()
command -v javac >/dev/null || missing+=(default-jdk-headless)
[ -f /usr/share/java/jna.jar ] || missing+=(libjna-java)
jnidispatch="$(ls /usr/lib/*/jni/libjnidispatch.system.so 2>/dev/null | head -n1 || true)"
[ -n "$jnidispatch" ] || missing+=(libjna-jni)
if [ "${#missing[@]}" -gt 0 ]; then
    step "installing ${missing[*]} (apt)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    jnidispatch="$(ls /usr/lib/*/jni/libjnidispatch.system.so | head -n1)"
fi

kotlin_home="$cache/kotlin-$KOTLIN_VERSION/node_modules/kotlin-compiler"
if [ ! -x "$kotlin_home/bin/kotlinc" ]; then
    step "installing kotlin-compiler $KOTLIN_VERSION (npm)"
    mkdir -p "$cache/kotlin-$KOTLIN_VERSION"
    (cd "$cache/kotlin-$KOTLIN_VERSION" && npm install --no-audit --no-fund --silent "kotlin-compiler@$KOTLIN_VERSION")
fi
coroutines="$kotlin_home/lib/kotlinx-coroutines-core-jvm.jar"

profile=debug
if [ "${1:-}" = bench ]; then
    profile=release
    step "building the release cdylib (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
    (cd "$root" && cargo build --release -p splants-uniffi --lib --quiet)
fi
step "building the cdylib and uniffi-bindgen (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
# The workspace's feature set, so the core built for the Rust tests is reused.
(cd "$root" && cargo build --workspace --all-features --quiet)
lib="$CARGO_TARGET_DIR/$profile/libsplants_uniffi.so"
bindgen="$CARGO_TARGET_DIR/debug/uniffi-bindgen"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

step "generating the Kotlin and Swift bindings from the library"
"$bindgen" generate --library "$lib" --language kotlin --out-dir "$work/kotlin" --no-format
"$bindgen" generate --library "$lib" --language swift --out-dir "$work/swift" --no-format
if [ "${SPLANTS_BLESS:-}" = 1 ]; then
    rm -rf "$here/swift" && mkdir -p "$here/swift" && cp "$work"/swift/* "$here/swift/"
    echo "wrote bindings/uniffi/swift/"
elif ! diff -r "$here/swift" "$work/swift" >/dev/null; then
    diff -ru "$here/swift" "$work/swift" | head -n 40
    echo "bindings/uniffi/swift/ is not what the library generates: run SPLANTS_BLESS=1 $0" >&2
    exit 1
fi

# Debian's JNA loads its dispatch library from the JAR; give it the system one as the JAR entry.
jna="$work/jna-dispatch.jar"
mkdir -p "$work/jna/com/sun/jna/linux-x86-64"
cp "$jnidispatch" "$work/jna/com/sun/jna/linux-x86-64/libjnidispatch.so"
(cd "$work/jna" && jar cf "$jna" com)

step "compiling the generated bindings and the Kotlin test (kotlinc $KOTLIN_VERSION)"
classpath="/usr/share/java/jna.jar:$jna:$coroutines"
"$kotlin_home/bin/kotlinc" -nowarn -cp "$classpath" -d "$work/test.jar" \
    "$(find "$work/kotlin" -name '*.kt')" "$here/kotlin/SplantsTest.kt" "$here/kotlin/Quickstart.kt" "$here/kotlin/Bench.kt"
run() { java -Djna.library.path="$(dirname "$lib")" -cp "$work/test.jar:$classpath:$kotlin_home/lib/kotlin-stdlib.jar" "$@"; }

if [ "$profile" = release ]; then
    step "benchmark: per-call overhead from Kotlin"
    (cd "$work" && run bench.BenchKt "${2:-5000}")
    exit 0
fi

step "running the example of docs/kotlin.md"
(cd "$work" && run example.QuickstartKt)

step "running the Kotlin test"
(cd "$work" && run splantstest.SplantsTestKt)
step "uniffi binding: all checks passed"
