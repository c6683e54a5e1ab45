#!/usr/bin/env bash
# Installs what building and testing Showroom needs on a fresh Debian machine, skipping what is
# already there. Sourced by run.sh and test.sh; safe to run again.
set -euo pipefail

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v sox >/dev/null 2>&1 || need_apt+=(sox)
# showroom-asr tests synthesise Spanish and German sentences (sox resamples them).
command -v espeak-ng >/dev/null 2>&1 || need_apt+=(espeak-ng)
command -v opusinfo >/dev/null 2>&1 || need_apt+=(opus-tools)  # validates our Ogg/Opus recordings in tests
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)  # showroom-store tests start a throwaway server
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs npm)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
# whisper-rs (dev-dependency of showroom-asr-model) builds whisper.cpp with cmake and bindgen;
# the `opus` crate (showroom-asr-audio) builds its bundled libopus with cmake (no libopus-dev).
command -v cmake >/dev/null 2>&1 || need_apt+=(cmake)
command -v clang >/dev/null 2>&1 || need_apt+=(clang)
dpkg -s libclang-dev >/dev/null 2>&1 || need_apt+=(libclang-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "==> apt-get install ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
    echo "cargo is required (rustup); this machine image ships it" >&2
    exit 1
fi

# One build directory outside the clone, reused between runs.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/showroom/target}"
# Incremental caches grow by gigabytes per build and a test run never reuses them.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
export SHOWROOM_CACHE="${SHOWROOM_CACHE:-$HOME/.cache/showroom}"
mkdir -p "$CARGO_TARGET_DIR" "$SHOWROOM_CACHE"
