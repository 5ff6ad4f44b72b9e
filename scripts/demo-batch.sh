#!/usr/bin/env bash
# `make demo-batch`: generates golden events once into demo-data/ and runs examples/batch_events.
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
mkdir -p demo-data
events=demo-data/events.json
if [ ! -s "$events" ]; then
  echo "Generating 1,000,000 golden events into $events ..."
  "$build/tools/weir/weir" generate --count 1000000 --users 100000 --seed 42 --out "$events"
fi
"$build/examples/batch_events" "$events"
