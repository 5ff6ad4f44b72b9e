#!/usr/bin/env bash
# Installs the Debian 12 packages Weir needs to build, test and run. Idempotent: it asks apt only
# for what is missing, and does nothing when everything is present.
set -euo pipefail
packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libsimdjson-dev libabsl-dev libre2-dev libfmt-dev libspdlog-dev nlohmann-json3-dev
  libcli11-dev libxxhash-dev libssl-dev zlib1g-dev libhowardhinnant-date-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
