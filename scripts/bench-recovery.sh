#!/usr/bin/env bash
# kill -9 and restart, for the benchmark suite (W5, W8). Runs bench/stream_bench with the given
# arguments (its checkpoint must be among them), waits for its first commit, waits a random moment
# more (up to MAX_DELAY_MS), kills it with SIGKILL and starts it again, KILLS times; then lets the
# last run finish (or, with FINISH=0, kills it too). Every restart passes --started-ms, so the
# restarted process prints the time from its start to its first commit (a JSON line with
# recoveryMs); those lines are this script's output. Before each start, BEFORE_START (a shell
# command) runs if set, e.g. to add a small input file so that there is a new batch to commit.
# FIRST_DELAY_MS (default 0) is added to the first run's wait, so that its state can grow before
# the first kill.
#
# Usage: bench-recovery.sh BUILD_DIR WORK_DIR KILLS MAX_DELAY_MS -- STREAM_BENCH_ARGS...
set -euo pipefail
build=$1 work=$2 kills=$3 maxDelay=$4
shift 4
[ "$1" = "--" ] && shift
finish=${FINISH:-1}
mkdir -p "$work"
progress="$work/progress"
: > "$progress"

lines() { wc -l < "$progress"; }

# Waits until the progress file has more than $1 lines or the child exits; 0 if a commit came.
await_commit() {
  local before=$1
  for _ in $(seq 6000); do
    [ "$(lines)" -gt "$before" ] && return 0
    kill -0 "$child" 2> /dev/null || return 1
    sleep 0.02
  done
  return 1
}

args=("$@")
finished=0
for run in $(seq 0 "$kills"); do
  if [ -n "${BEFORE_START:-}" ]; then eval "$BEFORE_START"; fi
  before=$(lines)
  if [ "$run" -gt 0 ]; then
    "$build/bench/stream_bench" "${args[@]}" --progress-file "$progress" --started-ms "$(date +%s%3N)" \
      > "$work/run-$run.out" 2> "$work/run-$run.err" &
  else
    "$build/bench/stream_bench" "${args[@]}" --progress-file "$progress" > "$work/run-$run.out" \
      2> "$work/run-$run.err" &
  fi
  child=$!
  if ! await_commit "$before"; then
    # It ended before committing anything new: the input is exhausted (or it failed).
    wait "$child" || { cat "$work/run-$run.err" >&2; exit 1; }
    finished=1
    break
  fi
  if [ "$run" -eq "$kills" ] && [ "$finish" = 1 ]; then
    wait "$child" || { cat "$work/run-$run.err" >&2; exit 1; }
    finished=1
    break
  fi
  delay=$((RANDOM % (maxDelay + 1)))
  [ "$run" -eq 0 ] && delay=$((delay + ${FIRST_DELAY_MS:-0}))
  sleep "$(awk -v ms=$delay 'BEGIN { printf "%.3f", ms / 1000 }')"
  kill -KILL "$child" 2> /dev/null || true
  wait "$child" 2> /dev/null || true
done
for f in "$work"/run-*.out; do grep '"recoveryMs"' "$f" || true; done
[ "$finished" = 1 ] || [ "$finish" = 0 ]
