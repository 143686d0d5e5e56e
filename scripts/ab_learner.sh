#!/usr/bin/env bash
# A/B two builds of icrl (or two settings of one) on the learner benchmark, for a change
# too small to see across runs on a noisy machine: PAIRS pairs of `bench learner --steps 3
# --json`, the order alternated per pair, then the median and quartiles of the per-pair
# ratios B / A for the train step and the phases both report (below 1: B is faster).
# Each side is a path to icrl, optionally followed by flags for `bench learner`.
# PINNED=1 runs A and B at the same time instead, one thread each on its own core
# (taskset), swapping cores every pair: both see the same moment of the host, which
# tightens the ratios several-fold on this VM, for changes that a single thread shows.
#   scripts/ab_learner.sh path/to/icrl-A path/to/icrl-B [pairs, default 16]
#   scripts/ab_learner.sh ".build/release/icrl --separate-passes" .build/release/icrl
#   PINNED=1 scripts/ab_learner.sh path/to/icrl-A path/to/icrl-B
set -euo pipefail
read -r -a A <<< "$1"; read -r -a B <<< "$2"; PAIRS="${3:-16}"
OUT="$(mktemp)"
run() { "$1" bench learner --steps 3 --json "${@:2}"; }
for i in $(seq 1 "$PAIRS"); do
  if [[ "${PINNED:-0}" == 1 ]]; then
    ca=$(( i % 2 )); cb=$(( 1 - ca )); fa="$(mktemp)"; fb="$(mktemp)"
    ICRL_NN_THREADS=1 taskset -c "$ca" "${A[0]}" bench learner --steps 3 --json "${A[@]:1}" > "$fa" &
    ICRL_NN_THREADS=1 taskset -c "$cb" "${B[0]}" bench learner --steps 3 --json "${B[@]:1}" > "$fb" &
    wait
    a=$(cat "$fa"); b=$(cat "$fb"); rm -f "$fa" "$fb"
  elif (( i % 2 )); then a=$(run "${A[@]}"); b=$(run "${B[@]}")
  else b=$(run "${B[@]}"); a=$(run "${A[@]}"); fi
  echo "$a|$b" >> "$OUT"
  echo "pair $i/$PAIRS" >&2
done
python3 - "$OUT" <<'PY'
import json, statistics, sys
rows = [tuple(json.loads(x) for x in line.strip().split("|")) for line in open(sys.argv[1])]
keys = ["train_step_ms", "forward_backward_ms", "forward_ms", "backward_ms", "target_forward_ms"]
for k in [k for k in keys if all(k in a and k in b for a, b in rows)]:
    r = sorted(b[k] / a[k] for a, b in rows)
    print(f"{k}: B/A median {statistics.median(r):.3f}, quartiles {r[len(r) // 4]:.3f}-{r[3 * len(r) // 4]:.3f}; "
          f"A median {statistics.median(a[k] for a, b in rows):.1f} ms, B median {statistics.median(b[k] for a, b in rows):.1f} ms")
PY
rm -f "$OUT"
