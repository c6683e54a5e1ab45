#!/usr/bin/env bash
# Runs every Showroom test on a fresh machine: installs what it needs, builds, then runs the
# Rust tests (unit, integration over real WebRTC) and the browser tests (Debian Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
bash scripts/test-data.sh

echo "==> infra lint"
bash infra/lint.sh

echo "==> cargo build"
cargo build --workspace --all-targets --locked

echo "==> cargo test"
cargo test --workspace --locked 2>&1 | tee "$SHOWROOM_CACHE/cargo-test.log"

bash scripts/pages.sh
echo "==> browser tests"
mkdir -p artifacts/browser
cd web-widget
SHOWROOM_BIN="$CARGO_TARGET_DIR/debug/showroom" SHOWROOM_TEST_WAV="$SHOWROOM_CACHE/data/jfk-48k.wav" npm test
