#!/usr/bin/env bash
# Gymnasium's own dynamics on Gymnasium's own maps: `icrl eval --map-name 4x4|8x8`, plain
# and slippery, with the oracle, the posterior planner and the shipped model, writes a
# trace of every step; scripts/replay_trace_gym.py replays each episode in
# gymnasium.make("FrozenLake-v1", desc=…, is_slippery=…) and checks every transition,
# reward, termination and the 100/200-step time limit.
# Prints "N passed, M failed"; exits non-zero on any failure.
set -uo pipefail
bin=${1:-.build/release/icrl}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0; failed=0
python3 -c 'import gymnasium' 2>/dev/null || { echo "FAIL gymnasium is not installed (make deps installs it)"; exit 1; }
for name in 4x4 8x8; do
  for slip in "" --slippery; do
    label="$name${slip:+ slippery}"
    # shellcheck disable=SC2086
    if "$bin" eval --agent oracle,planner --checkpoint models/icrl-best.safetensors --map-name "$name" $slip \
         --maps 3 --episodes 4 --seed 1 --planner-samples 4 --trace "$work/trace.jsonl" > "$work/eval.txt" 2>&1 \
       && out=$(python3 scripts/replay_trace_gym.py "$work/trace.jsonl" --quiet 2>&1); then
      echo "PASS $label: $(printf '%s' "$out" | tail -1)"; passed=$((passed + 1))
    else
      echo "FAIL $label"; tail -5 "$work/eval.txt"; printf '%s\n' "${out:-}" | tail -5; failed=$((failed + 1))
    fi
    rm -f "$work/trace.jsonl"
  done
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
