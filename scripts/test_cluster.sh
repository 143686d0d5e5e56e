#!/usr/bin/env bash
# Process-level tests of the distributed path, on loopback, with the release binary:
#   1. smoke: learner + 2 actors learn Gymnasium's 4x4 map; the greedy policy from the
#      checkpoint must solve it every time, all in under 2 minutes;
#   2. play: `icrl play --plain` shows the smoke model and the oracle learning a map, and
#      the animated view redraws in place in a terminal (tmux capture-pane);
#   3. cluster: learner + 2 actors by hand for ~30 s: weight versions advance on both
#      actors, experience arrives from both, metrics lines appear, TensorBoard's own reader
#      finds every metric in RUN/tb, nothing is left behind.
# Prints "N passed, M failed" at the end; exits non-zero on any failure.
set -uo pipefail
bin=${1:-.build/release/icrl}
work=$(mktemp -d)
passed=0; failed=0
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$work"; }
trap cleanup EXIT
ok()   { echo "PASS $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }

echo "== smoke: distributed training on one fixed 4x4 map =="
start=$(date +%s)
"$bin" train --preset smoke --actors 2 --minutes 0.5 --out "$work/smoke" --port 24100 --progress-every 15
elapsed=$(( $(date +%s) - start ))
json=$("$bin" eval --checkpoint "$work/smoke/checkpoints/latest.safetensors" --map SFFF,FHFH,FFFH,HFFG \
  --maps 16 --episodes 5 --max-steps 20 --json)
echo "$json"
mean=$(printf '%s\n' "$json" | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["mean_success"])')
if [ "$mean" = "1.0" ] && [ "$elapsed" -lt 120 ]; then
  ok "smoke: greedy success $mean after ${elapsed}s of training"
else
  fail "smoke: greedy success $mean after ${elapsed}s (want 1.0 within 120 s)"
fi

echo "== play: the smoke model and the oracle on the smoke map, plain text =="
played=$("$bin" play --checkpoint "$work/smoke/checkpoints/latest.safetensors" --map SFFF,FHFH,FFFH,HFFG --episodes 3 --max-steps 20 --plain)
if printf '%s\n' "$played" | grep -q "^episode 3: reached the goal" && ! printf '%s\n' "$played" | grep -q $'\e'; then
  ok "play: the trained model reaches the goal in episode 3 (plain output, no escape codes)"
else
  fail "play: unexpected output"; printf '%s\n' "$played" | tail -5
fi
oracle=$("$bin" play --agent oracle --map SFFH,FHFF,FFFH,HFFG --episodes 10 --plain | grep '^episode [0-9]*:')
[ "$(printf '%s\n' "$oracle" | wc -l)" -eq 10 ] && printf '%s\n' "$oracle" | tail -1 | grep -q "reached the goal" \
  && ok "play: the oracle reaches the goal by episode 10" || { fail "play --agent oracle"; printf '%s\n' "$oracle"; }
if "$bin" play --agent oracle --map SFXG --plain > /dev/null 2>&1; then fail "play accepted a bad map"; else ok "play refuses a bad map"; fi

echo "== play: the animation in a terminal, captured under tmux =="
tmux kill-session -t icrl-play-test 2>/dev/null
tmux new-session -d -s icrl-play-test -x 100 -y 40 "$bin play --agent oracle --map SFFH,FHFF,FFFH,HFFG --episodes 6 --delay 100; sleep 30"
sleep 1.5; tmux capture-pane -p -t icrl-play-test > "$work/play1.txt"
sleep 1.5; tmux capture-pane -p -t icrl-play-test > "$work/play2.txt"
tmux kill-session -t icrl-play-test 2>/dev/null
# Redrawn in place: one board per episode on screen (not one per step), the agent (*) on it,
# the pane changing between captures, and episode lines arriving.
frames=$(grep -c '^episode [0-9]*, step' "$work/play2.txt")
episodes=$(grep -c '^episode [0-9]*:' "$work/play2.txt")
if grep -q '\*' "$work/play1.txt" && ! cmp -s "$work/play1.txt" "$work/play2.txt" && [ "$episodes" -ge 1 ] && [ "$frames" -le $((episodes + 1)) ]; then
  ok "play animates in place under tmux ($episodes episodes done, $frames boards on screen)"
else
  fail "play animation: $episodes episode lines, $frames boards"; cat "$work/play2.txt"
fi

echo "== cluster: learner + 2 actor processes for 30 s =="
run="$work/cluster"; mkdir -p "$run"
"$bin" learner --bind tcp://127.0.0.1:24200 --out "$run" --preset smoke --minutes 0.5 > "$run/learner.log" 2>&1 &
learner=$!; pids+=("$learner")
"$bin" actor --learner tcp://127.0.0.1:24200 --id a0 --seed 1 > "$run/a0.log" 2>&1 &
a0=$!; pids+=("$a0")
"$bin" actor --learner tcp://127.0.0.1:24200 --id a1 --seed 2 > "$run/a1.log" 2>&1 &
a1=$!; pids+=("$a1")
wait "$learner"; learner_status=$?
# Actors leave when the learner says so; give them a moment.
for _ in $(seq 1 50); do kill -0 "$a0" 2>/dev/null || kill -0 "$a1" 2>/dev/null || break; sleep 0.2; done
[ "$learner_status" -eq 0 ] && ok "learner exited cleanly" || fail "learner exit status $learner_status"
for a in a0 a1; do
  first=$(grep -o 'weights v[0-9]*' "$run/$a.log" | head -1 | tr -dc 0-9)
  last=$(grep -o 'weights v[0-9]*' "$run/$a.log" | tail -1 | tr -dc 0-9)
  if [ -n "$last" ] && [ "${last:-0}" -gt "${first:-0}" ]; then ok "$a: weight versions advanced ($first -> $last)"; else fail "$a: weight versions did not advance ($first -> $last)"; fi
  sent=$(grep -o 'chunks sent [0-9]*' "$run/$a.log" | tail -1 | tr -dc 0-9)
  [ "${sent:-0}" -gt 0 ] && ok "$a: shipped $sent chunks" || fail "$a: shipped no chunks"
done
lines=$(wc -l < "$run/metrics.jsonl" 2>/dev/null || echo 0)
[ "$lines" -ge 3 ] && ok "metrics.jsonl has $lines lines" || fail "metrics.jsonl has $lines lines"
live=$(python3 -c 'import json,sys; print(max(json.loads(l).get("actors/live",0) for l in open(sys.argv[1])))' "$run/metrics.jsonl")
[ "${live%.*}" -ge 2 ] && ok "learner saw 2 live actors" || fail "learner saw $live live actors"
[ -f "$run/checkpoints/latest.safetensors" ] && ok "checkpoint written" || fail "no checkpoint"
python3 scripts/check_tensorboard.py "$run" && ok "TensorBoard reads RUN/tb with every metric" || fail "TensorBoard event files"
left=0
for p in "$learner" "$a0" "$a1"; do kill -0 "$p" 2>/dev/null && left=$((left + 1)); done
[ "$left" -eq 0 ] && ok "no process left behind" || fail "$left processes still running"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
