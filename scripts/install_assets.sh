#!/usr/bin/env bash
# Install the map's front-end assets (Leaflet and two plugins) from the npm registry into
# static/vendor/, which Streamlit serves at /app/static/vendor/ (server.enableStaticServing).
# The map must work without internet, so nothing is loaded from a CDN at run time.
#
# Idempotent: a stamp file records the installed versions; when it matches and every file is
# there, nothing is done (so this also works offline after the first install).
# The versions and file list must match geo/assets.py (tests/unit/test_assets.py checks it).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR="$ROOT/static/vendor"
BUILD="$ROOT/.build/npm"
STAMP="$VENDOR/.versions"
PACKAGES=(leaflet@1.9.4 leaflet.markercluster@1.5.3 leaflet.heat@0.2.0)

# Files copied as "package:source-in-node_modules:destination-in-vendor".
FILES=(
  "leaflet:dist/leaflet.js:leaflet.js"
  "leaflet:dist/leaflet.js.map:leaflet.js.map"
  "leaflet:dist/leaflet.css:leaflet.css"
  "leaflet:LICENSE:LICENSE"
  "leaflet.markercluster:dist/leaflet.markercluster.js:leaflet.markercluster.js"
  "leaflet.markercluster:dist/leaflet.markercluster.js.map:leaflet.markercluster.js.map"
  "leaflet.markercluster:dist/MarkerCluster.css:MarkerCluster.css"
  "leaflet.markercluster:dist/MarkerCluster.Default.css:MarkerCluster.Default.css"
  "leaflet.markercluster:MIT-LICENCE.txt:MIT-LICENCE.txt"
  "leaflet.heat:dist/leaflet-heat.js:leaflet-heat.js"
  "leaflet.heat:LICENSE:LICENSE"
)
LEAFLET_IMAGES=(layers.png layers-2x.png marker-icon.png marker-icon-2x.png marker-shadow.png)

expected_stamp() { printf '%s\n' "${PACKAGES[@]}"; }

all_present() {
  [[ -f "$STAMP" ]] && [[ "$(cat "$STAMP")" == "$(expected_stamp)" ]] || return 1
  local entry pkg dest img
  for entry in "${FILES[@]}"; do
    IFS=: read -r pkg _ dest <<<"$entry"
    [[ -s "$VENDOR/$pkg/$dest" ]] || return 1
  done
  for img in "${LEAFLET_IMAGES[@]}"; do
    [[ -s "$VENDOR/leaflet/images/$img" ]] || return 1
  done
}

# True when .build/npm already holds exactly the pinned versions (lets a re-copy run offline).
npm_tree_matches() {
  local spec name version pkg_json
  for spec in "${PACKAGES[@]}"; do
    name="${spec%@*}"
    version="${spec##*@}"
    pkg_json="$BUILD/node_modules/$name/package.json"
    [[ -f "$pkg_json" ]] || return 1
    grep -q "\"version\": *\"$version\"" "$pkg_json" || return 1
  done
}

# npm is only a build-time tool here (nothing of Node runs with the app). Install Debian's package when it is
# missing, like the other system packages (scripts/install_chromium.sh, install_nginx.sh), and check it works.
ensure_npm() {
  command -v npm >/dev/null 2>&1 && npm --version >/dev/null 2>&1 && return 0
  if command -v apt-get >/dev/null 2>&1; then
    echo "install_assets: 'npm' tidak ditemukan: memasang paket Debian 'npm'..."
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq || true
    $sudo apt-get install -y -qq npm >/dev/null || true
  fi
  if ! command -v npm >/dev/null 2>&1 || ! npm --version >/dev/null 2>&1; then
    echo "install_assets: GAGAL: 'npm' tidak ada dan tidak dapat dipasang otomatis." >&2
    echo "  Pasang Node.js + npm (Debian/Ubuntu: 'sudo apt-get install npm'; lainnya: https://nodejs.org)," >&2
    echo "  lalu jalankan lagi: bash scripts/install_assets.sh (atau make run)" >&2
    exit 1
  fi
  echo "install_assets: npm $(npm --version) terpasang"
}

if all_present; then
  echo "install_assets: aset peta sudah terpasang ($(paste -sd' ' "$STAMP"))"
  exit 0
fi

if ! npm_tree_matches; then
  ensure_npm
  mkdir -p "$BUILD"
  echo "install_assets: npm install ${PACKAGES[*]}"
  # --ignore-scripts: these packages need no install scripts, so none is run.
  if ! npm install --no-save --no-audit --no-fund --ignore-scripts --prefix "$BUILD" "${PACKAGES[@]}"; then
    echo "install_assets: GAGAL: npm install tidak berhasil (registry npm tidak terjangkau?)" >&2
    exit 1
  fi
  npm_tree_matches || { echo "install_assets: GAGAL: versi paket tidak sesuai pin" >&2; exit 1; }
fi

# Copy into a staging folder first so an interrupted run never leaves a half-filled vendor/.
STAGE="$ROOT/.build/vendor.staging"
rm -rf "$STAGE"
mkdir -p "$STAGE/leaflet/images"
for entry in "${FILES[@]}"; do
  IFS=: read -r pkg src dest <<<"$entry"
  mkdir -p "$STAGE/$pkg"
  cp "$BUILD/node_modules/$pkg/$src" "$STAGE/$pkg/$dest"
done
for img in "${LEAFLET_IMAGES[@]}"; do
  cp "$BUILD/node_modules/leaflet/dist/images/$img" "$STAGE/leaflet/images/$img"
done
expected_stamp >"$STAGE/.versions"

mkdir -p "$ROOT/static"
rm -rf "$VENDOR"
mv "$STAGE" "$VENDOR"
echo "install_assets: aset peta terpasang di static/vendor/ ($(paste -sd' ' "$STAMP"))"
