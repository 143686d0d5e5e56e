#!/usr/bin/env bash
# End-to-end throughput of the local cluster: `icrl train --preset best` with 1, 2 and 4
# actor processes, SECONDS each, on this machine. Prints one JSON object per actor count:
# env steps/s received by the learner, updates/s and tokens trained/s, averaged over the
# metrics lines after the first WARMUP seconds (replay filling excluded).
#
#   bash scripts/bench_cluster.sh [ICRL_BINARY] [SECONDS] [WARMUP]
#
# The learner admits `B·T / replayRatio` env steps per update (back-pressure), so with
# training on, env steps/s follows updates/s: on 2 cores more actors mostly steal CPU from
# the learner. `icrl bench ingest` measures the receive path alone, unthrottled.
set -euo pipefail
ICRL=${1:-.build/release/icrl}
SECONDS_EACH=${2:-60}
WARMUP=${3:-20}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
minutes=$(python3 -c "print($SECONDS_EACH / 60)")
for n in 1 2 4; do
  run="$OUT/actors-$n"
  "$ICRL" train --preset best --actors "$n" --minutes "$minutes" --out "$run" --progress-every 1000 > "$run.log" 2>&1
  python3 - "$run/metrics.jsonl" "$n" "$WARMUP" <<'PY'
import json, sys
path, n, warm = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
rows = [json.loads(l) for l in open(path) if l.strip()]
rows = [r for r in rows if r.get("charts/elapsed_s", 0) >= warm and r.get("actors/live", 0) == n]
mean = lambda k: sum(r.get(k, 0) for r in rows) / max(1, len(rows))
print(json.dumps({"bench": "cluster", "actors": n, "samples": len(rows),
                  "env_steps_per_s": round(mean("charts/env_steps_per_s")),
                  "updates_per_s": round(mean("charts/updates_per_s"), 2),
                  "tokens_trained_per_s": round(mean("charts/tokens_trained_per_s")),
                  "policy_lag_avg": round(mean("policy_lag/avg"), 1)}, sort_keys=True))
PY
done
