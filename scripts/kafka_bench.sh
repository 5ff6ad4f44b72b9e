#!/usr/bin/env bash
# Kafka to from_json to noop: a local broker (weir kafka-dev) in its own process, golden events
# produced into it first (lz4), then read once by kafka_bench. Runs `runs` times on a fresh broker.
# Usage: scripts/kafka_bench.sh [build] [events=400000] [partitions=4] [runs=5] [maxOffsetsPerTrigger=100000]
# (The local broker keeps about 5 MiB per partition: of 400 k events about 290 k stay readable.)
set -euo pipefail
build=${1:-build}
events=${2:-400000}
partitions=${3:-4}
runs=${4:-5}
max=${5:-100000}
weir="$build/tools/weir/weir"
for run in $(seq "$runs"); do
  dir=$(mktemp -d)
  "$weir" kafka-dev --topic "events:$partitions" --bootstrap-file "$dir/bs" > "$dir/broker.log" 2>&1 &
  broker=$!
  for _ in $(seq 100); do [ -s "$dir/bs" ] && break; sleep 0.1; done
  bs=$(cat "$dir/bs")
  "$weir" generate --bootstrap "$bs" --topic events --count "$events" --users 100000 --seed "$run" 2> /dev/null
  WEIR_NUM_THREADS=1 "$build/bench/kafka_bench" "$bs" events "$broker" "$max"
  WEIR_BENCH_NO_PARSE=1 WEIR_NUM_THREADS=1 "$build/bench/kafka_bench" "$bs" events "$broker" "$max" | sed 's/^/source only: /'
  kill -INT "$broker"; wait "$broker" || true
  rm -rf "$dir"
done
