#!/usr/bin/env bash
# Runs one step of `make test` and says how long it took, so the slowest suites are easy to
# find (CI's budget for make test is 15 minutes). Each step appends "SECONDS NAME" to
# $TEST_TIMES (default .build/test-times.txt); `timed.sh --summary` prints them, slowest first.
#
#   bash scripts/timed.sh NAME COMMAND [ARGS...]
#   bash scripts/timed.sh --summary
set -uo pipefail
times=${TEST_TIMES:-.build/test-times.txt}
if [ "${1:-}" = "--summary" ]; then
  [ -f "$times" ] || exit 0
  total=$(awk '{ s += $1 } END { print s }' "$times")
  echo "== make test: $total s in all; by step, slowest first =="
  sort -rn "$times" | awk '{ printf "  %5d s  %s\n", $1, $2 }'
  exit 0
fi
if [ "${1:-}" = "--reset" ]; then mkdir -p "$(dirname "$times")"; : > "$times"; exit 0; fi
name=$1; shift
start=$(date +%s)
"$@"
status=$?
elapsed=$(( $(date +%s) - start ))
mkdir -p "$(dirname "$times")"
echo "$elapsed $name" >> "$times"
echo "== $name: ${elapsed} s (exit $status) =="
exit $status
