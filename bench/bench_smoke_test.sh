#!/usr/bin/env bash
# Smoke test of the benchmark suite's programs, not a benchmark: tiny inputs, no timing checked.
# Each program prints well-formed JSON lines with the fields the results table reads, the oracle
# check agrees with DuckDB on the windows and the late rows, a kill -9 and restart reports its
# recovery time, and bench_report turns the lines into the table.
# Usage: bench_smoke_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 src=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
weir=$build/tools/weir/weir
fail() { echo "bench smoke test failed: $*"; cat "$dir/results.jsonl" 2> /dev/null; exit 1; }
mkdir -p "$dir/in"
# 40 k events over 24 minutes of event time (windows close), 1 % 20 minutes late (some dropped), in
# 20 files = 20 batches.
"$weir" generate --count 40000 --users 500 --seed 3 --step-us 36000 --late-fraction 0.01 --out - |
  split -d -a 5 -l 2000 --additional-suffix=.json - "$dir/in/part-"
touch -d @1735689600 "$dir"/in/*.json
r=$dir/results.jsonl
echo '{"row":"S1","system":"info","label":"files to Delta","target":"oracle"}' >> "$r"
WEIR_NUM_THREADS=1 "$build/bench/stream_bench" --row S1 --source files --path "$dir/in" --max-files 1 --sink delta \
  --table "$dir/table" --checkpoint "$dir/ck" >> "$r"
"$build/bench/baseline_bench" --row S1 "$dir"/in/part-*.json >> "$r"
"$build/bench/oracle_diff" --row S1 --table "$dir/table" --checkpoint "$dir/ck" --input "$dir/in/*.json" \
  --batch-per-file >> "$r"
WEIR_NUM_THREADS=1 "$build/bench/batch_golden_bench" --row S2 "$dir/in" >> "$r"
WEIR_NUM_THREADS=1 "$build/bench/stream_bench" --row S3 --source memory --count 20000 --per-batch 5000 --users 100 >> "$r"
mkdir "$dir/rin"
ln -s "$dir/in/part-00000.json" "$dir/rin/"
WEIR_NUM_THREADS=1 FINISH=0 \
  BEFORE_START="'$weir' generate --count 100 --users 500 --seed \$RANDOM --out '$dir/rin/tiny-'\$(date +%s%N).json" \
  bash "$src/scripts/bench-recovery.sh" "$build" "$dir/kills" 1 50 -- --row S4 --source files --path "$dir/rin" \
  --max-files 1 --trigger "100 milliseconds" --checkpoint "$dir/rck" >> "$r"
# The librdkafka floor against a local broker: every record produced is read and counted.
"$weir" kafka-dev --topic floor:4 --bootstrap-file "$dir/bootstrap" > "$dir/broker.log" 2>&1 &
broker=$!
trap 'kill -INT $broker 2> /dev/null; wait $broker 2> /dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do [ -s "$dir/bootstrap" ] && break; sleep 0.1; done
[ -s "$dir/bootstrap" ] || fail "the local broker did not start: $(tail -3 "$dir/broker.log")"
"$weir" generate --bootstrap "$(cat "$dir/bootstrap")" --topic floor --count 3000 --users 50 --seed 4 > /dev/null 2>&1
"$build/bench/kafka_floor_bench" "$(cat "$dir/bootstrap")" floor 3000 S1 >> "$r" || fail "kafka_floor_bench failed"
grep '"system":"kafka-floor"' "$r" | grep -q '"events":3000,' || fail "the floor bench did not read 3000 records"

grep -c '"system":"weir"' "$r" | grep -qx 4 || fail "expected 4 Weir lines"
for key in cpuSeconds events batchP99Ms stateRows droppedByWatermark; do
  grep '"row":"S1"' "$r" | grep '"system":"weir"' | grep -q "\"$key\"" || fail "no $key"
done
grep -q '"recoveryMs":[0-9]' "$r" || fail "no recovery time"
table=$("$build/bench/bench_report" "$r" "$dir/results.md" "smoke")
echo "$table"
[ -s "$dir/results.md" ] || fail "no results.md"
grep -q "unreadable\|FAILED" <<< "$table" && fail "unreadable or failed lines"
grep "^| files to Delta " <<< "$table" | grep -q "0 missing, 0 extra" || fail "the oracle disagrees"
grep "^| files to Delta " <<< "$table" | grep -q "| met |" || fail "late-row counter differs from the oracle"
grep '"row":"S1"' "$r" | grep -q '"oracleDroppedRows":[1-9]' || fail "no late rows in the input"
grep "^| S4 " <<< "$table" | grep -q "1 restarts" || fail "no restart in the table"
grep "^| files to Delta " <<< "$table" | grep -q "librdkafka's consumer alone" || fail "no librdkafka floor note"
echo "bench smoke test passed"
