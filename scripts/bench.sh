#!/usr/bin/env bash
# `make bench`: the benchmark suite of spec/benchmarks.md. Runs workloads B (batch), W0, W2, W3,
# W5, W6, W8 and W9 with the programs of bench/ (each prints JSON lines into
# bench-data/results.jsonl), the hand-written baseline and DuckDB (one thread) on the same input in
# the same run, and ends with one table (bench/bench_report), also written to
# bench-data/results.md. docs/benchmarks.md explains the workloads and the metrics.
#
# Every measurement holds /tmp/weir-bench.lock while it runs (other engineers share the machine).
# Weir runs with WEIR_NUM_THREADS=1 unless a row says 2 threads.
#
# Settings (environment):
#   BENCH_RUNS (3)          runs of each light measurement (the table shows median, min and max)
#   BENCH_SCALE (1)         multiplies W5's events and keys; 10 or more adds W9's 200 M-event step
#   BENCH_ONLY              workloads to run, e.g. "W2 W5" (default: B W0 W2 W3 W5 W6 W8 W9)
#   BENCH_LIVE_SECONDS (15) length of each live latency run of W2
#   BENCH_KILLS (5)         kill -9 points of W8
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
root=$(pwd)
runs=${BENCH_RUNS:-3}
scale=${BENCH_SCALE:-1}
only=" ${BENCH_ONLY:-B W0 W2 W3 W5 W6 W8 W9} "
live_seconds=${BENCH_LIVE_SECONDS:-15}
kills=${BENCH_KILLS:-5}
lock=/tmp/weir-bench.lock
data=bench-data
weir=$build/tools/weir/weir
bench=$build/bench
results=$data/results.jsonl
started=$(date +%s)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir -p "$data"
: > "$results"
work=$(mktemp -d /tmp/weir-bench.XXXXXX)
broker=
cleanup() {
  if [ -n "$broker" ]; then kill -INT "$broker" 2> /dev/null || true; wait "$broker" 2> /dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

want() { [[ "$only" == *" $1 "* ]]; }
say() { echo "bench [$(($(date +%s) - started)) s]: $*" >&2; }
error() {
  printf '{"row":"%s","system":"error","message":"%s"}\n' "$1" "$(tr '\n"\\' '   ' <<< "$2")" >> "$results"
  echo "bench: $1 failed: $2" >&2
}
info() { printf '{"row":"%s","system":"info",%s}\n' "$1" "$2" >> "$results"; }

# run ROW COMMAND...: its JSON lines into the results; a failure becomes an error of ROW.
run() {
  local row=$1
  shift
  if "$@" > "$work/out" 2> "$work/err"; then
    grep '^{' "$work/out" >> "$results" || true
  else
    error "$row" "$(grep -v '^[0-9-]* [0-9:.]* info ' "$work/err" | tail -3)"
  fi
}
# measure ROW COMMAND...: run under the benchmark lock.
measure() {
  local row=$1
  shift
  run "$row" flock "$lock" "$@"
}
# duck ROW EVENTS SQL: DuckDB's time for SQL on one thread (CPU seconds of its process).
duck() {
  local row=$1 events=$2 sql=$3 out cpu wall
  if out=$(flock "$lock" node tests/oracle/duckdb_query.mjs --threads 1 --time "$sql" 2> "$work/err"); then
    wall=$(grep -o '"seconds":[0-9.e+-]*' <<< "$out" | cut -d: -f2)
    cpu=$(grep -o '"cpuSeconds":[0-9.e+-]*' <<< "$out" | cut -d: -f2)
    printf '{"row":"%s","system":"duckdb","events":%s,"cpuSeconds":%s,"wallSeconds":%s}\n' "$row" "$events" "$cpu" \
      "$wall" >> "$results"
  else
    error "$row" "DuckDB: $(tail -2 "$work/err")"
  fi
}
# Copies the baseline and DuckDB lines of row FROM to row TO (the same computation on the same input).
share() { grep "\"row\":\"$1\"" "$results" | grep -E '"system":"(baseline|duckdb)"' | sed "s/\"row\":\"$1\"/\"row\":\"$2\"/" \
  >> "$results" || true; }

columns="columns={event_id: 'VARCHAR', user_id: 'VARCHAR', event_time: 'TIMESTAMP', action: 'VARCHAR', value: 'DOUBLE'}"
# DuckDB's count per (window, user) over GLOB for a window of SIZE_US sliding by SLIDE_US.
duck_windows() {
  echo "SELECT count(*) FROM (SELECT w, user_id, count(*) FROM (SELECT user_id, time_bucket(INTERVAL '$3 microseconds', \
event_time, TIMESTAMP '1970-01-01') - to_microseconds(k * $3) AS w FROM read_json('$1', $columns), range($(($2 / $3))) \
r(k)) GROUP BY ALL)"
}

# gen DIR COUNT PER_FILE GENERATE_OPTIONS...: golden events in files of PER_FILE lines, generated
# once (bench-data is kept between runs; DIR/.params says what a directory holds, with a digest of
# the generator's first events, so that a changed generator regenerates: Kafka rows compare the
# files with events the current generator produces).
gen() {
  local dir=$1 count=$2 per=$3
  shift 3
  local params
  params="$count $per $* $("$weir" generate --count 3 "$@" --out - | md5sum | cut -c1-12)"
  [ -f "$dir/.params" ] && [ "$(cat "$dir/.params")" = "$params" ] && return
  say "generating $count events into $dir"
  rm -rf "$dir"
  mkdir -p "$dir"
  "$weir" generate --count "$count" "$@" --out - | split -d -a 5 -l "$per" --additional-suffix=.json - "$dir/part-"
  # One modification time for all: the file source then reads them in name order.
  touch -d @1735689600 "$dir"/part-*.json
  echo "$params" > "$dir/.params"
}
# subset DIR SOURCE N: the first N files of SOURCE, as links.
subset() {
  rm -rf "$1"
  mkdir -p "$1"
  local f
  for f in $(ls "$2"/part-*.json | head -"$3"); do ln -s "$root/$f" "$1/"; done
}
# median_wall_rate ROW: the median of events / wall seconds of ROW's Weir runs.
median_wall_rate() {
  grep "\"row\":\"$1\"" "$results" | grep '"system":"weir"' | while read -r line; do
    e=$(grep -o '"events":[0-9]*' <<< "$line" | cut -d: -f2)
    w=$(grep -o '"wallSeconds":[0-9.e+-]*' <<< "$line" | cut -d: -f2)
    awk -v e="$e" -v w="$w" 'BEGIN { if (w > 0) printf "%.0f\n", e / w }'
  done | sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print 0 }'
}

# The golden events: 20 M (2 h of event time, 100 k users), the first 2 M and 3 M as subsets.
gen "$data/e20m" 20000000 500000 --users 100000 --seed 7
subset "$data/e2m" "$data/e20m" 4
subset "$data/e3m" "$data/e20m" 6

if want B; then
  say "B: batch golden aggregation"
  info B '"label":"B: batch golden aggregation over NDJSON, 2 M events, 1 thread","target":"T9"'
  for _ in $(seq "$runs"); do
    measure B env WEIR_NUM_THREADS=1 "$bench/batch_golden_bench" --row B "$data/e2m"
    measure B "$bench/baseline_bench" --row B "$data"/e2m/part-*.json
    duck B 2000000 "$(duck_windows "$root/$data/e2m/*.json" 600000000 300000000)"
  done
fi

if want W0 || want W2 || want W8; then
  # One local broker; topic events holds the first 3 M golden events (the files of e3m).
  "$weir" kafka-dev --topic events:32 --topic keys:64 --topic live1:8 --topic live2:8 --bootstrap-file "$work/bootstrap" \
    > "$work/broker.log" 2>&1 &
  broker=$!
  for _ in $(seq 100); do [ -s "$work/bootstrap" ] && break; sleep 0.1; done
  bootstrap=$(cat "$work/bootstrap")
  say "producing 3 M events into Kafka"
  "$weir" generate --bootstrap "$bootstrap" --topic events --count 3000000 --users 100000 --seed 7 > /dev/null 2>&1
  if want W8; then
    # W8 (T6 asks for recovery at 1 M live keys): the events of k6m, 350 k users, in topic keys
    # (64 partitions: the local broker keeps about 5 MiB per partition and drops older records).
    gen "$data/k6m" 6000000 500000 --users 350000 --seed 8
    say "producing 6 M events over 350 k users into Kafka"
    "$weir" generate --bootstrap "$bootstrap" --topic keys --count 6000000 --users 350000 --seed 8 > /dev/null 2>&1
  fi
  # The local broker is librdkafka's mock cluster, which answers a fetch that finds no new records
  # only after the consumer's whole fetch.wait.max.ms (500 ms by default), where a real broker
  # answers as soon as records arrive: a short wait keeps that artifact out of the measurements.
  fetch_wait=(--source-option kafka.fetch.wait.max.ms=10)
  kafka=(--source kafka --bootstrap "$bootstrap" --topic events "${fetch_wait[@]}")
fi

if want W0; then
  say "W0: pass-through"
  info W0 '"label":"W0: pass-through, Kafka JSON to Delta, 3 M events, 1 thread","target":"T2"'
  for r in $(seq "$runs"); do
    measure W0 env WEIR_NUM_THREADS=1 "$bench/stream_bench" --row W0 "${kafka[@]}" --max-offsets 250000 \
      --query passthrough --sink delta --table "$work/w0-$r"
    measure W0 "$bench/kafka_floor_bench" "$bootstrap" events 3000000 W0
    rm -rf "$work/w0-$r"
    duck W0 3000000 "COPY (SELECT * FROM read_json('$root/$data/e3m/*.json', $columns)) TO '$work/w0.parquet' (FORMAT parquet)"
    rm -f "$work/w0.parquet"
  done
fi

if want W2; then
  say "W2: golden query, throughput"
  info W2-1 '"label":"W2: golden query, Kafka to Delta, 3 M events, 250 k per batch, 1 thread","target":"T1"'
  info W2-2 '"label":"W2: golden query, same, 2 threads and 2 state partitions","target":"T1-2","oneCore":"W2-1"'
  for r in $(seq "$runs"); do
    measure W2-1 env WEIR_NUM_THREADS=1 "$bench/stream_bench" --row W2-1 "${kafka[@]}" --max-offsets 250000 \
      --sink delta --table "$work/w2-$r"
    rm -rf "$work/w2-$r"
    measure W2-2 env WEIR_NUM_THREADS=2 "$bench/stream_bench" --row W2-2 "${kafka[@]}" --max-offsets 250000 \
      --sink delta --table "$work/w2-$r" --partitions 2
    rm -rf "$work/w2-$r"
    measure W2-1 "$bench/baseline_bench" --row W2-1 "$data"/e3m/part-*.json
    measure W2-1 "$bench/kafka_floor_bench" "$bootstrap" events 3000000 W2-1
    duck W2-1 3000000 "$(duck_windows "$root/$data/e3m/*.json" 600000000 300000000)"
  done
  share W2-1 W2-2
  # Live: half the rate one thread sustained above (at most 300 k/s), produced by another process
  # while the query runs.
  rate=$(median_wall_rate W2-1)
  half=$(((rate / 2 / 1000) * 1000))
  rate=$half
  [ "$rate" -lt 10000 ] && rate=10000
  [ "$rate" -gt 300000 ] && rate=300000
  how="half of one thread's rate"
  [ "$rate" -lt "$half" ] && how="one thread's rate is $((half * 2 / 1000)) k/s; the generator's cap"
  count=$((rate * live_seconds))
  say "W2: live at $rate events/s"
  for t in "1 second|1s|live1|-" "100 milliseconds|100ms|live2|T5"; do
    IFS='|' read -r trigger id topic target <<< "$t"
    info "W2-$id" "\"label\":\"W2: golden query live, $((rate / 1000)) k events/s ($how), trigger $trigger, 1 thread\",\"target\":\"$target\""
    measure "W2-$id" env WEIR_NUM_THREADS=1 scripts/bench-live.sh "$build" "$bootstrap" "$topic" "$rate" "$count" -- \
      --row "W2-$id" --trigger "$trigger" --sink delta --table "$work/live-$id" "${fetch_wait[@]}"
  done
fi

if want W3; then
  # 2 M events over 2 h of event time (1 M an hour), so that hour-long windows close too.
  gen "$data/w3" 2000000 500000 --users 100000 --seed 13 --step-us 3600
  for shape in "tumble-1m|1 minute|1 minute|60000000|60000000|$runs" \
               "slide-10m-5m|10 minutes|5 minutes|600000000|300000000|$runs" \
               "slide-1h-5m|1 hour|5 minutes|3600000000|300000000|$runs" \
               "slide-1h-1m|1 hour|1 minute|3600000000|60000000|1"; do
    IFS='|' read -r id size slide size_us slide_us shape_runs <<< "$shape"
    say "W3: $id"
    info "W3-$id" "\"label\":\"W3: window $size sliding $slide, JSON files to noop, 2 M events, 1 thread\""
    for _ in $(seq "$shape_runs"); do
      measure "W3-$id" env WEIR_NUM_THREADS=1 "$bench/stream_bench" --row "W3-$id" --source files --path "$data/w3" \
        --max-files 1 --window "$size" --slide "$slide"
      measure "W3-$id" "$bench/baseline_bench" --row "W3-$id" --window-us "$size_us" --slide-us "$slide_us" "$data"/w3/part-*.json
      duck "W3-$id" 2000000 "$(duck_windows "$root/$data/w3/*.json" "$size_us" "$slide_us")"
    done
  done
  say "W3: window operator alone"
  info W3-op '"label":"W3: window operator alone, parsed rows in memory, 10 min sliding 5 min, 100 k users, 2 M events","target":"T3"'
  for _ in $(seq "$runs"); do
    measure W3-op env WEIR_NUM_THREADS=1 "$bench/stream_bench" --row W3-op --source memory --count 2000000 \
      --per-batch 200000 --users 100000
  done
fi

if want W5; then
  # As many live keys as fit: 3 M events (times BENCH_SCALE) over as many users within 5 minutes of
  # event time, so that no window closes and every (window, user) stays in the state.
  n=$((3000000 * scale))
  gen "$data/w5" "$n" 1000000 --users "$n" --seed 21 --step-us $((300000000 / n > 0 ? 300000000 / n : 1))
  say "W5: state-heavy, $n events"
  info W5 "\"label\":\"W5: state-heavy, $((n / 1000000)) M events over $((n / 1000000)) M users in 5 min of event time, files to noop, 1 thread\",\"target\":\"T3-T4-T6\""
  mkdir -p "$work/w5in"
  for f in "$data"/w5/part-*.json; do ln -s "$root/$f" "$work/w5in/"; done
  measure W5 env WEIR_NUM_THREADS=1 "$bench/stream_bench" --row W5 --source files --path "$work/w5in" --max-files 1 \
    --checkpoint "$work/w5/ck"
  info W5 "\"checkpointBytes\":$(du -sb "$work/w5/ck" | cut -f1)"
  measure W5 "$bench/baseline_bench" --row W5 "$data"/w5/part-*.json
  duck W5 "$n" "$(duck_windows "$root/$data/w5/*.json" 600000000 300000000)"
  # kill -9 and restart 3 times, each with a small new file to commit.
  measure W5 env WEIR_NUM_THREADS=1 FINISH=0 \
    BEFORE_START="'$weir' generate --count 1000 --users $n --seed \$RANDOM --step-us 100 --out '$work/w5in/tiny-'\$(date +%s%N).json" \
    scripts/bench-recovery.sh "$build" "$work/w5/kills" 3 300 -- --row W5 --source files --path "$work/w5in" \
    --max-files 1 --trigger "200 milliseconds" --checkpoint "$work/w5/ck"
  rm -rf "$work/w5" "$work/w5in"
fi

if want W6; then
  # 2 M events in 20 files (one per batch), disorder up to the 10 minute delay, 1 % 20 minutes late.
  gen "$data/w6" 2000000 100000 --users 100000 --seed 17 --jitter-ms 600000 --late-fraction 0.01
  say "W6: disorder"
  info W6 '"label":"W6: disorder, jitter up to the 10 min delay, 1 % 20 min late, JSON files to Delta, 20 batches, 1 thread","target":"oracle"'
  measure W6 env WEIR_NUM_THREADS=1 "$bench/stream_bench" --row W6 --source files --path "$data/w6" --max-files 1 \
    --sink delta --table "$work/w6/table" --checkpoint "$work/w6/ck"
  run W6 "$bench/oracle_diff" --row W6 --table "$work/w6/table" --checkpoint "$work/w6/ck" --input "$root/$data/w6/*.json" \
    --batch-per-file
  rm -rf "$work/w6"
fi

if want W8; then
  say "W8: kill -9 at $kills random points"
  info W8 "\"label\":\"W8: golden query Kafka to Delta, kill -9 at $kills random points after the first 2.5 s, 6 M events over 350 k users (about 1 M live keys), 100 k per batch, 1 thread\",\"target\":\"T6\""
  measure W8 env WEIR_NUM_THREADS=1 FIRST_DELAY_MS=2500 scripts/bench-recovery.sh "$build" "$work/w8/kills" "$kills" 1500 -- --row W8 \
    --source kafka --bootstrap "$bootstrap" --topic keys "${fetch_wait[@]}" --max-offsets 100000 --sink delta \
    --table "$work/w8/table" --checkpoint "$work/w8/ck"
  run W8 "$bench/oracle_diff" --row W8 --table "$work/w8/table" --checkpoint "$work/w8/ck" --input "$root/$data/k6m/*.json"
  rm -rf "$work/w8"
fi

if want W9; then
  sizes="2 20"
  [ "$scale" -ge 10 ] && sizes="2 20 200"
  for m in $sizes; do
    dir="$data/e${m}m"
    [ "$m" = 200 ] && gen "$dir" 200000000 500000 --users 100000 --seed 7
    size_runs=$runs
    [ "$m" != 2 ] && size_runs=1
    say "W9: $m M events"
    target='"target":"T7","reference":"W9-2m"'
    [ "$m" = 2 ] && target='"target":"-"'
    info "W9-${m}m" "\"label\":\"W9: growth, golden query JSON files to Delta, $m M events ($((m / 2))x), 1 thread\",$target"
    for _ in $(seq "$size_runs"); do
      measure "W9-${m}m" env WEIR_NUM_THREADS=1 "$bench/stream_bench" --row "W9-${m}m" --source files --path "$dir" \
        --max-files 1 --sink delta --table "$work/w9"
      rm -rf "$work/w9"
      measure "W9-${m}m" "$bench/baseline_bench" --row "W9-${m}m" "$dir"/part-*.json
      duck "W9-${m}m" $((m * 1000000)) "$(duck_windows "$root/$dir/*.json" 600000000 300000000)"
    done
  done
fi

header="Weir benchmark suite ($(git rev-parse --short HEAD 2> /dev/null || echo '?')), $(date -u +%Y-%m-%dT%H:%MZ), \
$(nproc) cores, BENCH_RUNS=$runs BENCH_SCALE=$scale, $(($(date +%s) - started)) s; load average at start $load_start, \
at end $(cut -d' ' -f1-3 /proc/loadavg)"
echo
"$bench/bench_report" "$results" "$data/results.md" "$header"
