#!/usr/bin/env bash
# `make demo-stop`: stops the demo's local Kafka broker and event generator started by `make demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
pidfile=demo-data/kafka-dev.pid
if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2> /dev/null; then
  pid=$(cat "$pidfile")
  kill -INT "$pid"
  for _ in $(seq 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2> /dev/null && kill -KILL "$pid"
  echo "demo-stop: stopped the local Kafka broker and generator (pid $pid). Its events were in memory only:"
  echo "the next 'make demo' starts over and keeps this run's table under demo-data/previous-<time>/."
else
  echo "demo-stop: no demo broker is running."
fi
rm -f "$pidfile" demo-data/bootstrap
