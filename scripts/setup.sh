#!/usr/bin/env bash
# Everything the demo and the tests need on this machine, idempotently: npm dependencies (when
# package-lock.json is newer than the install) and the local emulators (cached under
# ${SLUICE_CACHE:-~/.cache/sluice}; seconds when warm). Runs before `npm test` and `npm run demo`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== npm ci"
  npm ci --no-audit --no-fund
fi
bash emulators/install.sh
