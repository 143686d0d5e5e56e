#!/usr/bin/env bash
# A/B two builds of icrl on the learner benchmark, for a change too small to see across
# runs on a noisy machine: PAIRS pairs of `bench learner --steps 3 --json`, the order
# alternated per pair, then the median and quartiles of the per-pair ratios B / A for the
# train step and its phases (below 1: B is faster).
#   scripts/ab_learner.sh path/to/icrl-A path/to/icrl-B [pairs, default 16]
set -euo pipefail
A="$1"; B="$2"; PAIRS="${3:-16}"
OUT="$(mktemp)"
for i in $(seq 1 "$PAIRS"); do
  if (( i % 2 )); then a=$("$A" bench learner --steps 3 --json); b=$("$B" bench learner --steps 3 --json)
  else b=$("$B" bench learner --steps 3 --json); a=$("$A" bench learner --steps 3 --json); fi
  echo "$a|$b" >> "$OUT"
  echo "pair $i/$PAIRS" >&2
done
python3 - "$OUT" <<'PY'
import json, statistics, sys
rows = [tuple(json.loads(x) for x in line.strip().split("|")) for line in open(sys.argv[1])]
for k in ["train_step_ms", "forward_ms", "backward_ms", "target_forward_ms"]:
    r = sorted(b[k] / a[k] for a, b in rows)
    print(f"{k}: B/A median {statistics.median(r):.3f}, quartiles {r[len(r) // 4]:.3f}-{r[3 * len(r) // 4]:.3f}; "
          f"A median {statistics.median(a[k] for a, b in rows):.1f} ms, B median {statistics.median(b[k] for a, b in rows):.1f} ms")
PY
rm -f "$OUT"
