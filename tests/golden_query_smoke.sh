#!/usr/bin/env bash
# The golden query example end to end, thinly: a local broker with golden events (kafka-dev), the
# example run once with Trigger.AvailableNow into a Delta table, then again (resuming from its
# checkpoint). Checks that the table is a partitioned Delta table holding windows. The exact
# oracle over every event is the chaos suite's job.
set -euo pipefail
weir="$1"; golden="$2"
dir=$(mktemp -d)
trap 'kill -INT $broker 2>/dev/null || true; rm -rf "$dir"' EXIT
"$weir" kafka-dev --topic events:4 --bootstrap-file "$dir/bs" > "$dir/broker.log" 2>&1 &
broker=$!
for _ in $(seq 100); do [ -s "$dir/bs" ] && break; sleep 0.1; done
bs=$(cat "$dir/bs")
# Two hours of event time in 40 k events, so that windows close behind the watermark.
"$weir" generate --bootstrap "$bs" --topic events --count 40000 --users 1000 --seed 3 --step-us 200000 2> /dev/null
cd "$dir"
"$golden" --bootstrap "$bs" --checkpoint ckpt --table table --trigger available-now > run1.log 2>&1 || { cat run1.log; exit 1; }
grep -q "^batch 0 " run1.log || { echo "no progress line:"; cat run1.log; exit 1; }
"$weir" generate --bootstrap "$bs" --topic events --count 20000 --users 1000 --seed 4 --step-us 200000 2> /dev/null
"$golden" --bootstrap "$bs" --checkpoint ckpt --table table --trigger available-now > run2.log 2>&1 || { cat run2.log; exit 1; }
ls table/_delta_log/00000000000000000000.json > /dev/null
grep -q '"partitionColumns":\["window_start"\]' table/_delta_log/00000000000000000000.json || { echo "not partitioned by window_start"; exit 1; }
parts=$(ls -d table/window_start=* | wc -l)
[ "$parts" -ge 10 ] || { echo "expected at least 10 window partitions, got $parts"; exit 1; }
# The second run resumed: its first batch id follows the first run's last.
last1=$(grep -o '^batch [0-9]*' run1.log | tail -1 | cut -d' ' -f2)
first2=$(grep -o '^batch [0-9]*' run2.log | head -1 | cut -d' ' -f2)
[ "$first2" -gt "$last1" ] || { echo "the second run did not resume ($last1 then $first2)"; exit 1; }
grep -q "Query it with Weir" run2.log
echo "golden query smoke test passed"
