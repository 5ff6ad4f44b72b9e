#!/usr/bin/env bash
# weir kafka-dev as a user runs it: the broker starts, prints and writes its bootstrap servers,
# accepts clients on --port, produces golden events that kcat reads back, and stops on SIGINT.
set -euo pipefail
weir="$1"
dir=$(mktemp -d)
trap 'kill -INT $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
port=$((20000 + RANDOM % 20000))
"$weir" kafka-dev --topic events:3 --topic other:1 --port "$port" --bootstrap-file "$dir/bs" \
  --generate events --rate 5000 --users 100 > "$dir/out" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -s "$dir/bs" ] && break; sleep 0.1; done
bs=$(cat "$dir/bs")
head -1 "$dir/out" | grep -qx "bootstrap.servers=$bs" || { echo "first line is not bootstrap.servers=$bs:"; cat "$dir/out"; exit 1; }
# The topics exist with their partitions, seen through the forwarded port.
kcat -L -b "127.0.0.1:$port" -t events | grep -q 'topic "events" with 3 partitions' || { echo "events topic missing"; kcat -L -b "$bs"; exit 1; }
kcat -L -b "$bs" -t other | grep -q 'topic "other" with 1 partitions' || { echo "other topic missing"; exit 1; }
# 200 golden events, keyed by their user (kcat waits until the generator has produced them).
timeout 60 kcat -C -b "$bs" -t events -o beginning -c 200 -q -f '%k %s\n' > "$dir/events"
n=$(grep -cE '^u[0-9]+ \{"event_id":"[0-9a-f-]{36}","user_id":"u[0-9]+","event_time":"20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z","action":"[a-z]+","value":[0-9.]+\}$' "$dir/events")
[ "$n" -eq 200 ] || { echo "expected 200 golden events, got $n:"; head -3 "$dir/events"; exit 1; }
# The key is the event's user.
awk '{ split($2, a, "\"user_id\":\""); split(a[2], b, "\""); if (b[1] != $1) { print "key " $1 " != user " b[1]; exit 1 } }' "$dir/events"
kill -INT $pid
wait $pid
grep -q "stopped" "$dir/out"
# With --start-time, a seed gives the same events every run.
for run in 1 2; do
  rm -f "$dir/bs"
  "$weir" kafka-dev --topic r:1 --bootstrap-file "$dir/bs" --generate r --rate 2000 --seed 9 \
    --start-time 2025-01-01T00:00:00Z > "$dir/out$run" 2>&1 &
  pid=$!
  for _ in $(seq 100); do [ -s "$dir/bs" ] && break; sleep 0.1; done
  timeout 60 kcat -C -b "$(cat "$dir/bs")" -t r -o beginning -c 100 -q -f '%k %s\n' > "$dir/events$run"
  kill -INT $pid
  wait $pid
done
[ "$(wc -l < "$dir/events1")" -eq 100 ] || { echo "expected 100 events"; exit 1; }
cmp -s "$dir/events1" "$dir/events2" || { echo "same seed and start, different events:"; diff "$dir/events1" "$dir/events2" | head -4; exit 1; }
head -1 "$dir/events1" | grep -qE '"event_time":"(2024-12-31T23:59:5|2025-01-01T00:00:0)' || { echo "start time not applied:"; head -1 "$dir/events1"; exit 1; }
echo "kafka-dev test passed"
