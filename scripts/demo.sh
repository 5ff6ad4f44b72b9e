#!/usr/bin/env bash
# `make demo`: the golden query, live. Starts (once) a local Kafka broker in the background with a
# generator producing golden events into topic `events` (100 k users, a few seconds out of order,
# 0.1 % later than the watermark), then runs examples/golden_query on it into demo-data/events_agg
# with a short trigger. Ctrl-C stops the query; the broker and the generator keep running, so the
# next `make demo` resumes from the checkpoint. `make demo-stop` (scripts/demo-stop.sh) stops them.
#
# Event time runs DEMO_SPEED times faster than the clock (60: a minute per second), so the 10 minute
# windows close and appear in the table within seconds instead of after 20 minutes.
#
# Settings (environment): DEMO_RATE events/s (3000), DEMO_TRIGGER ("5 seconds"), DEMO_SPEED (60).
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
data=demo-data
pidfile=$data/kafka-dev.pid
bsfile=$data/bootstrap
mkdir -p "$data"

broker_running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2> /dev/null; }

if ! broker_running; then
  # The broker keeps its events in memory: a checkpoint of an earlier broker refers to offsets the
  # new one does not have. Keep that run's table aside and start over.
  if [ -d "$data/checkpoints" ] || [ -d "$data/events_agg" ]; then
    old="$data/previous-$(date +%Y%m%d-%H%M%S)"
    mkdir -p "$old"
    for d in checkpoints events_agg; do [ -e "$data/$d" ] && mv "$data/$d" "$old/"; done
    echo "demo: the previous demo's broker is gone (its events lived in memory); its table and checkpoint are now in $old"
  fi
  rm -f "$bsfile"
  # 32 partitions: the in-memory broker keeps about 5 MiB per partition, some ten minutes of events
  # at the default rate, which is how long the query may stay stopped before events are lost.
  setsid "$build/tools/weir/weir" kafka-dev --topic events:32 --bootstrap-file "$bsfile" \
    --generate events --rate "${DEMO_RATE:-3000}" --users 100000 --jitter-ms 5000 --late-fraction 0.001 \
    --event-time-speed "${DEMO_SPEED:-60}" \
    > "$data/kafka-dev.log" 2>&1 < /dev/null &
  echo $! > "$pidfile"
  for _ in $(seq 100); do [ -s "$bsfile" ] && break; sleep 0.1; done
  if [ ! -s "$bsfile" ]; then
    echo "demo: the local broker did not start; its log ($data/kafka-dev.log):" >&2
    cat "$data/kafka-dev.log" >&2
    exit 1
  fi
  echo "demo: local Kafka broker at $(cat "$bsfile") (pid $(cat "$pidfile"), log $data/kafka-dev.log), producing" \
    "${DEMO_RATE:-3000} golden events/s into topic 'events'. It keeps running after Ctrl-C; 'make demo-stop' stops it."
else
  echo "demo: the local Kafka broker is running at $(cat "$bsfile") (pid $(cat "$pidfile")); resuming the query."
fi
echo "demo: golden query -> table $data/events_agg, checkpoint $data/checkpoints/events_agg. Ctrl-C stops it."
exec "$build/examples/golden_query" --bootstrap "$(cat "$bsfile")" --topic events \
  --checkpoint "$data/checkpoints/events_agg" --table "$data/events_agg" --trigger "${DEMO_TRIGGER:-5 seconds}"
