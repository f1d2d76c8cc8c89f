#!/usr/bin/env bash
# Install llama-cpp-python[server] (the local OpenAI-compatible server the LLM tests run
# against) from a wheel built once and kept in a cache folder.
#
# PyPI ships llama-cpp-python only as a source archive; compiling llama.cpp takes several
# minutes on two cores, too long to repeat on every `make install` or CI run. So the wheel
# is built once into $WENBAO_WHEEL_CACHE (default ~/.cache/wenbao/wheels) and every later
# install takes it from there; the server extra's dependencies come from PyPI as usual.
#
# Usage: scripts/llama_server_wheel.sh [PIP]   (PIP defaults to .venv/bin/pip)
# Environment: LLAMA_CPP_VERSION (pinned default below), WENBAO_WHEEL_CACHE, CMAKE_ARGS
# (default -DGGML_NATIVE=OFF so the wheel runs on any x86-64 CPU, not just the builder's),
# CMAKE_BUILD_PARALLEL_LEVEL (default: the number of cores).
set -euo pipefail

PIP="${1:-.venv/bin/pip}"
VERSION="${LLAMA_CPP_VERSION:-0.3.36}"
CACHE="${WENBAO_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/wenbao/wheels}"
PIP_FLAGS=(--quiet --disable-pip-version-check)

installed_version() {
    "$PIP" show llama-cpp-python 2>/dev/null | sed -n 's/^Version: //p'
}

cached_wheel() {
    compgen -G "$CACHE/llama_cpp_python-$VERSION-*.whl" | head -n 1 || true
}

if [[ "$(installed_version)" == "$VERSION" ]] && "$PIP" show uvicorn >/dev/null 2>&1; then
    echo "llama-cpp-python[server]==$VERSION is already installed"
    exit 0
fi

mkdir -p "$CACHE"
if [[ -z "$(cached_wheel)" ]]; then
    echo "building llama-cpp-python==$VERSION into $CACHE (compiles llama.cpp: several minutes)"
    started=$SECONDS
    CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF}" \
        CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}" \
        "$PIP" wheel "${PIP_FLAGS[@]}" --no-deps --no-binary llama-cpp-python \
        -w "$CACHE" "llama-cpp-python==$VERSION"
    echo "built $(basename "$(cached_wheel)") in $((SECONDS - started)) s"
fi

"$PIP" install "${PIP_FLAGS[@]}" --find-links "$CACHE" --only-binary llama-cpp-python \
    "llama-cpp-python[server]==$VERSION"
echo "installed llama-cpp-python[server]==$VERSION from $CACHE"
