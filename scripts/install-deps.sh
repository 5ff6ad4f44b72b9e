#!/usr/bin/env bash
# Installs the Debian 12 packages Weir needs to build, test and run. Idempotent: it asks apt only
# for what is missing, and does nothing when everything is present.
set -euo pipefail
packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libsimdjson-dev libabsl-dev libre2-dev libfmt-dev libspdlog-dev nlohmann-json3-dev
  libcli11-dev libxxhash-dev libssl-dev zlib1g-dev libhowardhinnant-date-dev
  libsnappy-dev libzstd-dev liblz4-dev librdkafka-dev kcat libroaring-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js runs DuckDB, the independent oracle of the tests (any packaged version works).
command -v node > /dev/null || missing+=(nodejs)
command -v npm > /dev/null || missing+=(npm)
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# DuckDB for Node, from the npm registry, into tests/oracle/node_modules (once).
oracle="$(cd "$(dirname "$0")/.." && pwd)/tests/oracle"
if [ ! -d "$oracle/node_modules/@duckdb/node-api" ]; then
  echo "install-deps: installing @duckdb/node-api into tests/oracle"
  (cd "$oracle" && npm install --no-audit --no-fund --loglevel=error > /dev/null)
fi
