#!/usr/bin/env bash
# Builds the demo pages (web-widget/dist) with the locked npm dependencies.
set -euo pipefail
cd "$(dirname "$0")/../web-widget"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "==> npm ci"
    npm ci --no-audit --no-fund --loglevel=error
fi
echo "==> building pages"
npm run build --silent
