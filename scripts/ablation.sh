#!/usr/bin/env bash
# Recipe ablations: trains each named variant of the `best` preset for MINUTES with
# `icrl train --actors 2`, once per seed, then scores its latest checkpoint greedily on
# validation maps (never on evaluation maps: recipes are chosen there). One JSON line per
# run in OUT/ablation.jsonl; a table at the end. Runs one at a time (training takes both
# cores).
#   bash scripts/ablation.sh MINUTES "SEEDS" OUT VARIANT...
#   bash scripts/ablation.sh 15 "1 2" runs/ablation legacy best relabel
# Variants: edits of `icrl config --preset best`, joined with + (e.g. legacy+relabel):
#   best      the preset as it is
#   paper     `icrl config --preset paper` instead of best (only as the first name)
#   legacy    the preset before three fixes: timeouts shown as landings and trained toward
#             0, window starts uniform (actors re-encode after new weights in both)
#   nomask    timeouts trained toward 0 (dqn.masksTimeouts off; `best` has it off)
#   mask      timeouts masked out of the TD loss (dqn.masksTimeouts on)
#   nolanding timeouts shown as landings again (tokenizer.landingsOnlyOnTermination off)
#   nostart   uniform window starts only (dqn.trialStartFraction 0)
#   relabel   teacher relabelling (imitation weight 2, margin 3); relabel1: weight 1
#   norelabel no teacher relabelling and no imitation loss (`best` relabels)
#   trial     trial-level bootstrap (γ 0.9 inside, 0.97 across episodes)
#   limit50   50-step training episodes instead of 25
#   nocautious the belief-greedy oracle as relabelling teacher and oracle behaviour, instead
#             of `best`'s cautious one (an unknown cell costs 3 extra steps on the way to a
#             known goal). Runs labelled best+cautious were `best` before it turned caution on.
#   xstart    exploring starts: 20 % of the episodes after a map's first begin on a random
#             S or F cell (rollout.exploringStartFraction 0.2)
set -euo pipefail
minutes=$1; seeds=$2; out=$3; shift 3
ICRL=${ICRL:-.build/release/icrl}
MAPS=${MAPS:-100}
mkdir -p "$out"
for variant in "$@"; do
  for seed in $seeds; do
    run="$out/$variant-s$seed"
    base=best; [ "${variant%%+*}" = paper ] && base=paper
    "$ICRL" config --preset "$base" | python3 -c '
import json, sys
c = json.load(sys.stdin)
for v in sys.argv[1].split("+"):
    if v == "legacy":
        c["tokenizer"]["landingsOnlyOnTermination"] = False
        c["dqn"]["masksTimeouts"] = False
        c["dqn"]["trialStartFraction"] = 0
    elif v == "nomask":
        c["dqn"]["masksTimeouts"] = False
    elif v == "mask":
        c["dqn"]["masksTimeouts"] = True
    elif v == "norelabel":
        c["dqn"]["teacherRelabel"] = False
        c["dqn"]["imitationWeight"] = 0
    elif v == "nolanding":
        c["tokenizer"]["landingsOnlyOnTermination"] = False
    elif v == "nostart":
        c["dqn"]["trialStartFraction"] = 0
    elif v in ("relabel", "relabel1"):
        c["dqn"]["teacherRelabel"] = True
        c["dqn"]["imitationWeight"] = 2 if v == "relabel" else 1
        c["dqn"]["imitationMargin"] = 3
    elif v == "trial":
        c["dqn"]["bootstrap"] = "trial"; c["dqn"]["gammaAcrossEpisodes"] = 0.97
    elif v in ("cautious", "nocautious"):
        cost = 3 if v == "cautious" else 0
        c["dqn"]["teacherUnknownStepCost"] = cost; c["rollout"]["oracleUnknownStepCost"] = cost
    elif v == "xstart":
        c["rollout"]["exploringStartFraction"] = 0.2
    elif v == "limit50":
        c["rollout"]["episodeStepLimit"] = 50
    elif v not in ("best", "paper"):
        sys.exit(f"unknown variant {v}")
json.dump(c, open(sys.argv[2], "w"), indent=1)' "$variant" "$out/$variant.json"
    echo "== $variant seed $seed: training $minutes min into $run =="
    rm -rf "$run"
    "$ICRL" train --config "$out/$variant.json" --seed "$seed" --actors 2 --minutes "$minutes" --out "$run" --progress-every 120 \
      > "$run.log" 2>&1 || { echo "training failed: $run.log"; tail -5 "$run.log"; continue; }
    tail -1 "$run/metrics.jsonl" | python3 -c 'import json,sys; r=json.load(sys.stdin); print("   updates", r.get("charts/updates"), "train success", round(r.get("charts/success_model", 0), 3))'
    "$ICRL" eval --checkpoint "$run/checkpoints/latest.safetensors" --suite in-dist --split validation --maps "$MAPS" --json \
      | python3 -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    r["variant"], r["seed"], r["minutes"] = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    print(json.dumps(r))' "$variant" "$seed" "$minutes" >> "$out/ablation.jsonl"
    tail -1 "$out/ablation.jsonl" | python3 -c 'import json,sys; r=json.load(sys.stdin); s=r["success_by_episode"]; o=r.get("outcomes",{}); print("   validation: mean", round(r["mean_success"],3), "episodes 1/5/10/30", [round(s[i],2) for i in (0,4,9,29)], "failures", {k: round(v,3) for k, v in o.items() if k != "success"})'
  done
done
python3 - "$out/ablation.jsonl" <<'PY'
import json, sys, collections
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
by = collections.defaultdict(list)
for r in rows: by[r["variant"]].append(r)
print(f"{'variant':16} {'runs':>4} {'mean':>6} {'ep1':>5} {'ep5':>5} {'ep10':>5} {'ep30':>5} {'timeout':>7} {'hole_new':>8} {'hole_seen':>9}")
for v, rs in by.items():
    m = lambda f: sum(f(r) for r in rs) / len(rs)
    o = lambda k: m(lambda r: r.get("outcomes", {}).get(k, float("nan")))
    print(f"{v:16} {len(rs):4d} {m(lambda r: r['mean_success']):6.3f} {m(lambda r: r['success_by_episode'][0]):5.2f} "
          f"{m(lambda r: r['success_by_episode'][4]):5.2f} {m(lambda r: r['success_by_episode'][9]):5.2f} {m(lambda r: r['success_by_episode'][29]):5.2f} "
          f"{o('timeout'):7.3f} {o('hole_new'):8.3f} {o('hole_seen'):9.3f}")
PY
