#!/usr/bin/env bash
# Installs the local emulators sluice's stack needs, outside the clone, idempotently.
#
#   bash emulators/install.sh
#
# - Pub/Sub and Firestore: the official emulators that ship with gcloud. Only checked here;
#   this script says how to install them when they are missing.
# - BigQuery: bqemulator (PyPI) in a Python venv, plus the DuckDB spatial extension copied
#   from PyPI's duckdb-extension-spatial wheel so bqemulator's `INSTALL spatial` never
#   reaches for the internet.
# - Cloud Storage: fake-gcs-server, built with `go install`.
#
# Everything lands in ${SLUICE_CACHE:-$HOME/.cache/sluice}; a warm machine re-runs in about a
# second. Go keeps its module and build caches where `go env GOMODCACHE GOCACHE` says (outside
# the clone). emulators/stack.ts reads the same layout.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${SLUICE_CACHE:-$HOME/.cache/sluice}"
mkdir -p "$CACHE"

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }
say() { printf '[install] %s\n' "$*"; }
fail() { printf '[install] ERROR: %s\n' "$*" >&2; exit 1; }
json() { node -e 'const v=require(process.argv[1]);console.log(process.argv[2].split(".").reduce((o,k)=>o[k],v))' "$ROOT/emulators/versions.json" "$1"; }

T_ALL=$(now)
SUMMARY=()

# --- gcloud: official Pub/Sub and Firestore emulators --------------------------------------
T=$(now)
command -v java >/dev/null || fail "java is missing (the gcloud Pub/Sub and Firestore emulators are Java programs). Install a JDK ≥ 11, e.g. 'apt-get install -y default-jre-headless'."
command -v gcloud >/dev/null || fail "gcloud is missing. Install the Google Cloud CLI with its emulators: 'apt-get install -y google-cloud-cli google-cloud-cli-pubsub-emulator google-cloud-cli-firestore-emulator' (from Google's apt repository), or see https://cloud.google.com/sdk/docs/install, then 'gcloud components install pubsub-emulator cloud-firestore-emulator'."
SDK_ROOT="$(cd "$(dirname "$(readlink -f "$(command -v gcloud)")")/.." && pwd)"
PUBSUB_BIN="$SDK_ROOT/platform/pubsub-emulator/bin/cloud-pubsub-emulator"
FIRESTORE_BIN="$SDK_ROOT/platform/cloud-firestore-emulator/cloud_firestore_emulator"
[ -x "$PUBSUB_BIN" ] || fail "the gcloud Pub/Sub emulator is missing ($PUBSUB_BIN). Install it: 'gcloud components install pubsub-emulator' or 'apt-get install -y google-cloud-cli-pubsub-emulator'."
[ -x "$FIRESTORE_BIN" ] || fail "the gcloud Firestore emulator is missing ($FIRESTORE_BIN). Install it: 'gcloud components install cloud-firestore-emulator' or 'apt-get install -y google-cloud-cli-firestore-emulator'."
SUMMARY+=("pubsub+firestore emulators: present in $SDK_ROOT (checked, $(since "$T"))")

# --- BigQuery: bqemulator in a venv + offline DuckDB spatial extension ---------------------
T=$(now)
BQ_DIR="$CACHE/bqemulator"
REQ="$ROOT/$(json bqemulator.requirements)"
PYTHON="${PYTHON:-python3}"
command -v "$PYTHON" >/dev/null || fail "python3 is missing (bqemulator is a Python package). Install Python ≥ 3.11 with venv support, e.g. 'apt-get install -y python3 python3-venv'."
WANT_STAMP="$(cat "$REQ" | sha256sum | cut -c1-16) $("$PYTHON" -c 'import sys;print("%d.%d"%sys.version_info[:2])')"
if [ -x "$BQ_DIR/venv/bin/bqemulator" ] && [ "$(cat "$BQ_DIR/stamp" 2>/dev/null)" = "$WANT_STAMP" ]; then
  SUMMARY+=("bqemulator: cached in $BQ_DIR (skipped, $(since "$T"))")
else
  say "installing bqemulator into $BQ_DIR/venv (pip, about a minute) ..."
  rm -rf "$BQ_DIR/venv" "$BQ_DIR/stamp"
  mkdir -p "$BQ_DIR"
  "$PYTHON" -m venv "$BQ_DIR/venv" || fail "could not create a Python venv. Install venv support, e.g. 'apt-get install -y python3-venv'."
  "$BQ_DIR/venv/bin/pip" install --quiet --disable-pip-version-check -r "$REQ" \
    || fail "pip could not install bqemulator from $REQ (needs PyPI)."
  # The spatial extension: same version as duckdb, file only (no .info beside it, which would
  # make DuckDB try to update it from the internet).
  EXT_DIR="$("$BQ_DIR/venv/bin/python" - <<'PY'
import duckdb, pathlib, duckdb_extension_spatial as s
plat = duckdb.connect().execute("select * from pragma_platform()").fetchone()[0]
src = next(pathlib.Path(s.__file__).parent.rglob("spatial.duckdb_extension"))
print(f"v{duckdb.__version__}/{plat} {src}")
PY
)"
  DEST="$BQ_DIR/home/.duckdb/extensions/${EXT_DIR%% *}"
  rm -rf "$BQ_DIR/home/.duckdb"
  mkdir -p "$DEST"
  cp "${EXT_DIR#* }" "$DEST/spatial.duckdb_extension"
  # Prove that INSTALL/LOAD spatial works offline with HOME pointing at the cache.
  HOME="$BQ_DIR/home" "$BQ_DIR/venv/bin/python" -c 'import duckdb;c=duckdb.connect();c.execute("INSTALL spatial");c.execute("LOAD spatial");print(c.execute("select ST_AsText(ST_Point(1,2))").fetchone()[0])' >/dev/null \
    || fail "DuckDB could not load the spatial extension from $DEST."
  echo "$WANT_STAMP" > "$BQ_DIR/stamp"
  SUMMARY+=("bqemulator: installed in $BQ_DIR, spatial extension in $DEST ($(since "$T"))")
fi

# --- Cloud Storage: fake-gcs-server via go install -----------------------------------------
T=$(now)
GCS_MOD="$(json fakeGcsServer.module)"
GCS_VER="$(json fakeGcsServer.version)"
GCS_DIR="$CACHE/fake-gcs-server/$GCS_VER"
if [ -x "$GCS_DIR/fake-gcs-server" ]; then
  SUMMARY+=("fake-gcs-server $GCS_VER: cached in $GCS_DIR (skipped, $(since "$T"))")
else
  command -v go >/dev/null || fail "go is missing (fake-gcs-server is built with 'go install'). Install Go ≥ 1.22 (https://go.dev/doc/install or 'apt-get install -y golang')."
  say "building fake-gcs-server $GCS_VER with go install (1–2 minutes cold) ..."
  mkdir -p "$GCS_DIR"
  (cd "$CACHE" && GOBIN="$GCS_DIR" CGO_ENABLED=0 GOFLAGS=-buildvcs=false go install "$GCS_MOD@$GCS_VER") \
    || fail "go install $GCS_MOD@$GCS_VER failed (needs the Go module proxy)."
  SUMMARY+=("fake-gcs-server $GCS_VER: built into $GCS_DIR ($(since "$T"))")
fi

for line in "${SUMMARY[@]}"; do say "$line"; done
say "done in $(since "$T_ALL") (cache: $CACHE)"
