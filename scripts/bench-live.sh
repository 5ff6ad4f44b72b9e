#!/usr/bin/env bash
# A live run for the benchmark suite (W2 latency): bench/stream_bench reads an empty Kafka topic
# with --latency while `weir generate` produces COUNT golden events into it at RATE events/s (a
# process of its own, paced by the clock); the query stops once it has committed them all.
# Prints stream_bench's JSON line (batch durations, end-to-end latency).
#
# Usage: bench-live.sh BUILD_DIR BOOTSTRAP TOPIC RATE COUNT -- STREAM_BENCH_ARGS...
set -euo pipefail
build=$1 bootstrap=$2 topic=$3 rate=$4 count=$5
shift 5
[ "$1" = "--" ] && shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$build/bench/stream_bench" --source kafka --bootstrap "$bootstrap" --topic "$topic" --latency \
  --stop-after-events "$count" --timeout $((count / rate + 120)) --ready-file "$work/ready" "$@" > "$work/out" 2> "$work/err" &
query=$!
for _ in $(seq 300); do [ -e "$work/ready" ] && break; sleep 0.05; done
"$build/tools/weir/weir" generate --bootstrap "$bootstrap" --topic "$topic" --count "$count" --rate "$rate" \
  --users 100000 --seed 8 > /dev/null 2>&1
wait "$query" || { cat "$work/err" >&2; exit 1; }
cat "$work/out"
