#!/usr/bin/env bash
# Smoke test of `weir delta history|describe|optimize|vacuum` on a copy of a Delta acceptance
# table (DAT basic_partitioned: two commits, three files each, partitioned by letter).
# Usage: delta_cli_test.sh WEIR_BINARY TESTDATA_DIR
set -euo pipefail
weir=$1
table_src=$2/delta/dat/basic_partitioned/delta
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$table_src" "$work/t"
fail() { echo "FAILED: $*"; exit 1; }

out=$("$weir" delta history "$work/t")
[[ $(echo "$out" | head -1) == "version  timestamp"* ]] || fail "history header: $out"
[[ $(echo "$out" | sed -n 2p) == "1 "*"WRITE"*'"mode":"Append"'* ]] || fail "history newest first: $out"
[[ $(echo "$out" | wc -l) == 3 ]] || fail "history lines: $out"

out=$("$weir" delta describe "$work/t")
grep -q '^partitionColumns:  \[letter\]$' <<<"$out" || fail "describe partitions: $out"
grep -q '^numFiles:          6$' <<<"$out" || fail "describe files: $out"
grep -q '^ |-- number: long (nullable = true)$' <<<"$out" || fail "describe schema: $out"

out=$("$weir" delta optimize "$work/t")
[[ $out == "Committed version 2: removed 2 files"*"added 1 files"*"in 1 partitions" ]] || fail "optimize: $out"
[[ $("$weir" delta history "$work/t" --limit 1 | sed -n 2p) == "2 "*OPTIMIZE* ]] || fail "history after optimize"

if "$weir" delta vacuum "$work/t" --retain-hours 0 2>"$work/err"; then fail "vacuum below the retention must be refused"; fi
grep -q DELTA_VACUUM_RETENTION_PERIOD_TOO_SHORT "$work/err" || fail "vacuum error: $(cat "$work/err")"
out=$("$weir" delta vacuum "$work/t" --retain-hours 0 --force --dry-run)
[[ $(echo "$out" | grep -c '^letter=a/part-.*\.parquet$') == 2 ]] || fail "vacuum dry run: $out"
[[ $(ls "$work/t/letter=a" | wc -l) == 3 ]] || fail "dry run deleted files"
out=$("$weir" delta vacuum "$work/t" --retain-hours 0 --force)
[[ $(echo "$out" | tail -1) == "Deleted 2 files"* ]] || fail "vacuum: $out"
[[ $(ls "$work/t/letter=a" | wc -l) == 1 ]] || fail "vacuum left files: $(ls "$work/t/letter=a")"
[[ $("$weir" delta history "$work/t" --limit 2 | awk 'NR>1 {print $4, $5}' | tr '\n' ' ') == "VACUUM END VACUUM START " ]] ||
  fail "vacuum commits: $("$weir" delta history "$work/t")"
echo "delta cli test passed"
