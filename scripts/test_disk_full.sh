#!/usr/bin/env bash
# A full disk under a training learner: its run folder on a small tmpfs that is filled up
# while it trains (smoke preset, a checkpoint and replay snapshot every 2 s, one actor):
#   - checkpoint and snapshot writes fail, are logged and counted (icrl_checkpoint_failures_total
#     on the Prometheus endpoint), and leave the last good files in place, loadable, with no
#     temporary files behind;
#   - training goes on (updates keep rising) and the learner stays up;
#   - once space is freed, the next checkpoint is written; the learner exits cleanly.
# Needs root (mount -t tmpfs); skips with a message without it.
#   scripts/test_disk_full.sh [path/to/icrl]
set -uo pipefail
bin=${1:-.build/release/icrl}
if [ "$(id -u)" -ne 0 ]; then echo "SKIP test_disk_full: needs root to mount a tmpfs"; exit 0; fi
work=$(mktemp -d)
disk="$work/disk"
mkdir -p "$disk"
passed=0; failed=0
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; umount "$disk" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
ok()   { echo "PASS $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
if ! mount -t tmpfs -o size=16m tmpfs "$disk" 2>"$work/mount.err"; then
  echo "SKIP test_disk_full: cannot mount a tmpfs here: $(cat "$work/mount.err")"; exit 0
fi
scrape() { curl -s "http://127.0.0.1:26969/metrics" | awk -v n="$1" '$1 == n { print $2 }' | head -1; }

"$bin" config --preset smoke | python3 -c 'import json,sys; c=json.load(sys.stdin); c["checkpointSeconds"]=2; print(json.dumps(c))' > "$work/config.json"
run="$disk/run"
"$bin" learner --bind tcp://127.0.0.1:26960 --out "$run" --config "$work/config.json" --minutes 1.2 \
  --metrics-port 26969 > "$work/learner.log" 2>&1 &
learner=$!; pids+=("$learner")
"$bin" actor --learner tcp://127.0.0.1:26960 --id a0 --seed 1 > "$work/actor.log" 2>&1 & pids+=("$!")
for _ in $(seq 1 60); do [ -f "$run/checkpoints/latest.safetensors" ] && [ -f "$run/checkpoints/replay.bin" ] && break; sleep 0.5; done
sleep 3
[ -f "$run/checkpoints/latest.safetensors" ] && ok "a checkpoint and a replay snapshot on the small disk" || fail "no checkpoint written"

echo "== filling the disk =="
dd if=/dev/zero of="$disk/filler" bs=64k > /dev/null 2>&1
df -h "$disk" | tail -1
good_ckpt=$(md5sum < "$run/checkpoints/latest.safetensors")
good_replay=$(md5sum < "$run/checkpoints/replay.bin")
updates_full=$(scrape icrl_updates_total)
sleep 8
failures=$(scrape icrl_checkpoint_failures_total)
updates_later=$(scrape icrl_updates_total)
[ "${failures:-0}" != "0" ] && [ -n "$failures" ] && ok "failed writes counted: icrl_checkpoint_failures_total $failures" \
  || fail "no checkpoint failure counted ($failures)"
grep -q 'checkpoint failed (training continues' "$work/learner.log" && ok "the log says so: $(grep -m1 -o 'checkpoint failed.*' "$work/learner.log" | cut -c1-160)" \
  || fail "no checkpoint failure in the log"
[ "$(md5sum < "$run/checkpoints/latest.safetensors")" = "$good_ckpt" ] && [ "$(md5sum < "$run/checkpoints/replay.bin")" = "$good_replay" ] \
  && ok "the last good checkpoint and replay snapshot are untouched" || fail "the last good files changed on a full disk"
"$bin" eval --checkpoint "$run/checkpoints/latest.safetensors" --map SFFF,FHFH,FFFH,HFFG --maps 1 --episodes 1 --max-steps 20 --json > /dev/null 2>&1 \
  && ok "the last good checkpoint loads" || fail "the last good checkpoint does not load"
leftovers=$(find "$run" -name '.*.tmp-*' | wc -l)
[ "$leftovers" -eq 0 ] && ok "no temporary files left behind" || fail "$leftovers temporary files left on the full disk"
kill -0 "$learner" 2>/dev/null && python3 -c "import sys; sys.exit(0 if float('${updates_later:-0}') > float('${updates_full:-0}') else 1)" \
  && ok "training goes on with the disk full: updates $updates_full -> $updates_later" \
  || fail "training stopped on a full disk (updates $updates_full -> $updates_later)"

echo "== freeing space =="
rm -f "$disk/filler"
sleep 5
[ "$(md5sum < "$run/checkpoints/latest.safetensors")" != "$good_ckpt" ] && ok "a new checkpoint once space is back" \
  || fail "no new checkpoint after freeing space"
wait "$learner"; status=$?
[ "$status" -eq 0 ] && ok "learner exited cleanly" || { fail "learner exit status $status"; tail -20 "$work/learner.log"; }

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
