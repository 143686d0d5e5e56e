#!/usr/bin/env bash
# Data-parallel learner on this machine: 1 rank x 2 threads against 2 ranks x 1 thread,
# trained offline from the same dataset (no actors, so only the learner is measured).
#
#   bash scripts/bench_ranks.sh [UPDATES] [WORKDIR]
#
# Rows (JSON lines): ranks, threads per rank, per-rank and global batch, updates/s,
# samples/s (windows trained per second), the allreduce's share of the step and its
# seconds per update. dqn.batchSize is the global batch, split over the ranks. Runs: 1x2
# at best's batch B; 2x1 at B (B/2 per rank: best's recipe); 2x1 at 2B (B per rank).
# Each run trains UPDATES updates (default 300) after the replay warm-up.
# BASELINE=path/to/another/icrl adds A/B pairs of 1-rank runs (PAIRS, default 3, order
# alternated): the baseline binary against this one, and the median ratio of updates/s.
set -euo pipefail
bin=${ICRL:-.build/release/icrl}
updates=${1:-300}
work=${2:-$(mktemp -d)}
mpi=(mpirun --allow-run-as-root --oversubscribe --mca btl self,tcp --mca btl_tcp_if_include lo --mca oob_tcp_if_include lo)
mkdir -p "$work"
[ -f "$work/data.pb" ] || "$bin" collect --preset best --steps 300000 --random 1 --oracle 1 --out "$work/data.pb" | tail -1 >&2
"$bin" config --preset best | python3 -c '
import json, sys
c = json.load(sys.stdin); c["dqn"]["batchSize"] *= 2; json.dump(c, sys.stdout)' > "$work/double.json"
"$bin" config --preset best > "$work/full.json"
run() {  # run NAME NP THREADS CONFIG PORT [BINARY]
  local name=$1 np=$2 threads=$3 config=$4 port=$5 icrl=${6:-$bin}
  rm -rf "$work/$name"
  local launcher=()
  [ "$np" -gt 1 ] && launcher=("${mpi[@]}" -np "$np")
  ICRL_NN_THREADS=$threads "${launcher[@]}" "$icrl" learner --config "$config" --dataset "$work/data.pb" --updates "$updates" \
    --bind "tcp://127.0.0.1:$port" --out "$work/$name" > "$work/$name.log" 2>&1
  python3 - "$work/$name/metrics.jsonl" "$name" "$np" "$threads" "$config" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
training = [r for r in rows if r.get("charts/updates", 0) > 0]
first, last = training[0], training[-1]
dt = last["charts/elapsed_s"] - first["charts/elapsed_s"]
du = last["charts/updates"] - first["charts/updates"]
np_, threads = int(sys.argv[3]), int(sys.argv[4])
per_rank = json.load(open(sys.argv[5]))["dqn"]["batchSize"] // np_
ups = du / dt if dt > 0 else 0
share = sum(r.get("timing/learner/allreduce", 0) for r in training[1:]) / max(1, len(training) - 1)
print(json.dumps({"bench": "learner_ranks", "run": sys.argv[2], "ranks": np_, "threads_per_rank": threads,
                  "per_rank_batch": per_rank, "global_batch": per_rank * np_, "updates_per_s": round(ups, 3),
                  "samples_per_s": round(ups * per_rank * np_, 1), "allreduce_share": round(share, 4),
                  "allreduce_ms_per_update": round(1000 * share / ups, 3) if ups > 0 else None}))
PY
}
run 1x2 1 2 "$work/full.json" 24800
run 2x1-same-global 2 1 "$work/full.json" 24810
run 2x1-double-global 2 1 "$work/double.json" 24820
if [ -n "${BASELINE:-}" ]; then
  rows=()
  for i in $(seq 1 "${PAIRS:-3}"); do
    if (( i % 2 )); then
      a=$(run "baseline-$i" 1 2 "$work/full.json" 24830 "$BASELINE"); b=$(run "this-$i" 1 2 "$work/full.json" 24840)
    else
      b=$(run "this-$i" 1 2 "$work/full.json" 24840); a=$(run "baseline-$i" 1 2 "$work/full.json" 24830 "$BASELINE")
    fi
    echo "$a"; echo "$b"; rows+=("$a|$b")
  done
  printf '%s\n' "${rows[@]}" | python3 -c '
import json, statistics, sys
ratios = []
for line in sys.stdin:
    a, b = (json.loads(x) for x in line.strip().split("|"))
    ratios.append(b["updates_per_s"] / a["updates_per_s"])
print(json.dumps({"bench": "learner_ranks_ab", "pairs": len(ratios), "ratios": [round(r, 4) for r in ratios],
                  "median_this_over_baseline": round(statistics.median(ratios), 4)}))'
fi
