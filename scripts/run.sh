#!/usr/bin/env bash
# Runs the Showroom gateway with the demo pages on a fresh machine.
#   http://localhost:8080/        the product page (shopper: press "Video call")
#   http://localhost:8080/agent   the agent desk (answer the call)
# Set SHOWROOM_PUBLIC_IP when browsers reach this host through another address.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
bash scripts/pages.sh
echo "==> cargo build --release"
cargo build --release --locked -p showroom
# The Whisper model for on-box transcripts (fetched once, converted by our own converter).
"$CARGO_TARGET_DIR/release/showroom" model fetch tiny.en --models-dir "$SHOWROOM_CACHE/models"
http="${SHOWROOM_HTTP_BIND:-0.0.0.0:8080}"
echo
echo "Showroom: open http://localhost:${http##*:}/ (shopper) and http://localhost:${http##*:}/agent (agent) in two windows."
echo
exec "$CARGO_TARGET_DIR/release/showroom" serve --http "$http" --web-dir web-widget/dist "$@"
