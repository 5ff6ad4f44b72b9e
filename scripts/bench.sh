#!/usr/bin/env bash
# The benchmark suite: micro benchmarks (one core) and the batch golden aggregation against the
# hand-written baseline and DuckDB on the same 2 M-event file. Medians of 5 runs.
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
mkdir -p bench-data
file=bench-data/events_2m.json
if [ ! -s "$file" ]; then
  "$build/tools/weir/weir" generate --count 2000000 --users 100000 --seed 7 --out "$file"
fi
echo "== Micro benchmarks (1 thread, median of 5)"
WEIR_NUM_THREADS=1 "$build/bench/micro_bench" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
  --benchmark_counters_tabular=true
echo
echo "== Batch golden aggregation"
WEIR_NUM_THREADS=1 "$build/bench/batch_golden_bench" "$file" 5 "$(pwd)"
