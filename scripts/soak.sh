#!/usr/bin/env bash
# Soak (`make soak`, not in CI): a learner and 4 actors for MINUTES (default 10) while
# actors are killed (-9 or TERM, at random) and restarted every 5–30 s. From the
# learner's metrics.jsonl it reports RSS over time (growth after warm-up), open file
# descriptors, throughput per minute and the memory budget the config predicts, as
# JSON (also written to results/soak.json), and fails on a leak or a collapse:
#   - open fds at the end more than 8 above the level after warm-up;
#   - RSS in the last third more than 5% above the first third's peak (after warm-up);
#   - peak RSS above the config's memory budget (LearnerMemoryBudget);
#   - env steps/s in the last minute below a third of the median minute.
#   bash scripts/soak.sh [ICRL_BINARY] [MINUTES] [ACTORS]
set -uo pipefail
bin=$(readlink -f "${1:-.build/release/icrl}")
minutes=${2:-10}
actors=${3:-4}
work=$(mktemp -d)
run="$work/run"; port=24700
pids=()
cleanup() { for p in "${pids[@]}" "${actor_pids[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null; done; }
trap cleanup EXIT
# The shipped recipe, with a replay small enough to fill early: after that, memory must stay flat.
"$bin" config --preset best | python3 -c '
import json, sys
c = json.load(sys.stdin); c["replayCapacitySteps"] = 200000; c["minReplaySteps"] = 20000; c["metricsSeconds"] = 5
json.dump(c, open(sys.argv[1], "w"))' "$work/config.json"
"$bin" learner --bind "tcp://127.0.0.1:$port" --out "$run" --config "$work/config.json" --minutes "$minutes" > "$work/learner.log" 2>&1 &
learner=$!; pids+=("$learner")
declare -a actor_pids
start_actor() {
  "$bin" actor --learner "tcp://127.0.0.1:$port" --id "soak$1" >> "$work/actor$1.log" 2>&1 &
  actor_pids[$1]=$!
}
for i in $(seq 0 $((actors - 1))); do start_actor "$i"; done
echo "soak: learner + $actors actors for $minutes min, restarting actors at random; run folder $run"
restarts=0
end=$(( $(date +%s) + minutes * 60 ))
next=$(( $(date +%s) + RANDOM % 26 + 5 ))
while kill -0 "$learner" 2>/dev/null && [ "$(date +%s)" -lt "$end" ]; do
  sleep 1
  if [ "$(date +%s)" -ge "$next" ]; then
    i=$(( RANDOM % actors ))
    if [ $(( RANDOM % 2 )) -eq 0 ]; then sig=KILL; else sig=TERM; fi
    kill -s "$sig" "${actor_pids[$i]}" 2>/dev/null; wait "${actor_pids[$i]}" 2>/dev/null
    start_actor "$i"; restarts=$((restarts + 1))
    next=$(( $(date +%s) + RANDOM % 26 + 5 ))
    [ $((restarts % 5)) -eq 0 ] && tail -1 "$run/metrics.jsonl" | python3 -c '
import json, sys
g = json.loads(sys.stdin.read()).get
print("  [%.0fs] restarts %s, updates %.0f, env steps/s %.0f, rss %.0f MB, fds %.0f, live actors %.0f" % (
    g("charts/elapsed_s", 0), sys.argv[1], g("charts/updates", 0), g("charts/env_steps_per_s", 0),
    g("system/rss_mb", 0), g("system/open_fds", 0), g("actors/live", 0)), flush=True)' "$restarts" 2>/dev/null
  fi
done
wait "$learner"; status=$?
for i in "${!actor_pids[@]}"; do kill "${actor_pids[$i]}" 2>/dev/null; done
sleep 1
mkdir -p results
python3 - "$run/metrics.jsonl" "$status" "$restarts" "$minutes" "$actors" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
status, restarts, minutes, actors = int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
rows = [r for r in rows if "system/rss_mb" in r]
if len(rows) < 3:
    print(json.dumps({"problems": [f"only {len(rows)} metrics lines: the learner stopped early (exit {status}); see its log"]}))
    sys.exit(1)
t = [r["charts/elapsed_s"] for r in rows]
rss = [r["system/rss_mb"] for r in rows]
fds = [r["system/open_fds"] for r in rows]
warm = next((i for i, r in enumerate(rows) if r.get("replay/steps", 0) >= 0.99 * 200000), len(rows) // 3)
span = len(rows) - warm
first, last = rows[warm:warm + span // 3], rows[len(rows) - span // 3:]
per_minute = {}
for r in rows:
    per_minute.setdefault(int(r["charts/elapsed_s"] // 60), []).append(r.get("charts/env_steps_per_s", 0))
minute_rates = [statistics.mean(v) for k, v in sorted(per_minute.items()) if k < int(t[-1] // 60)]
budget = rows[-1]["system/memory_budget_mb"]
summary = {
    "minutes": minutes, "actors": actors, "actor_restarts": restarts, "learner_exit": status,
    "updates": rows[-1]["charts/updates"], "actor_deaths_seen": rows[-1].get("actors/deaths", 0),
    "rejoins_seen": rows[-1].get("actors/rejoins", 0), "rejected_total": rows[-1].get("rejected/total", 0),
    "replay_full_at_s": t[warm] if warm < len(rows) else None,
    "rss_mb_after_warmup": max(r["system/rss_mb"] for r in first) if first else None,
    "rss_mb_end": rss[-1], "rss_mb_peak": max(rss),
    "rss_growth_pct_after_warmup": 100 * (max(r["system/rss_mb"] for r in last) / max(r["system/rss_mb"] for r in first) - 1) if first and last else None,
    "memory_budget_mb": budget,
    "open_fds_after_warmup": fds[warm] if warm < len(fds) else None, "open_fds_end": fds[-1], "open_fds_max": max(fds),
    "env_steps_per_s_by_minute": [round(x) for x in minute_rates],
    "rejected_by_reason": {k.split("/", 1)[1]: v for k, v in rows[-1].items() if k.startswith("rejected/") and v},
    "lost_chunks": rows[-1].get("transport/lost_chunks", 0),
    "updates_per_s_mean": statistics.mean(r.get("charts/updates_per_s", 0) for r in rows[warm:]) if span else None,
}
problems = []
if status != 0: problems.append(f"learner exited with {status}")
if summary["open_fds_after_warmup"] is not None and fds[-1] > summary["open_fds_after_warmup"] + 8: problems.append("file descriptors grew")
if summary["rss_growth_pct_after_warmup"] is not None and summary["rss_growth_pct_after_warmup"] > 5: problems.append("RSS grew after warm-up")
if max(rss) > budget: problems.append("RSS above the memory budget")
if minute_rates and minute_rates[-1] < statistics.median(minute_rates) / 3: problems.append("throughput collapsed")
summary["problems"] = problems
print(json.dumps(summary, indent=1))
json.dump(summary, open("results/soak.json", "w"), indent=1)
sys.exit(1 if problems else 0)
PY
result=$?
[ $result -eq 0 ] && echo "soak: ok" || { echo "soak: FAILED"; tail -5 "$work/learner.log"; }
exit $result
