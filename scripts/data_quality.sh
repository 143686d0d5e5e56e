#!/usr/bin/env bash
# The paper's data-quality experiment: three models trained offline (no actors) from
# datasets of low, mid and high quality, compared on held-out in-dist maps.
#
#   bash scripts/data_quality.sh [MINUTES_PER_MODEL] [STEPS_PER_DATASET] [OUTDIR]
#
# Datasets (`icrl collect`, the best preset's tokenizer and model):
#   low  — random-heavy:  random 3 : oracle 1
#   mid  — mixed:         random 1 : qlearning 1 : oracle 1
#   high — success-heavy: oracle 3 : random 1
# Each model trains with `icrl learner --dataset FILE --minutes M` on the best recipe
# (`make data-quality` uses 30 minutes per model). Defaults: 8 minutes, 1,000,000 steps.
# BALANCED=1 samples each acting policy's trials equally often
# (`dqn.balancesBehaviours`); BALANCED=0 (the default) in proportion to the steps each holds.
# AUGMENT=1 shows every sampled window through a random grid symmetry on a fresh placement
# (`dqn.augmentsSymmetries`); AUGMENT=0 trains on the windows as stored.
# SET="dqn.gamma=0 dqn.imitationWeight=4" overrides any config field (JSON values) for
# an ablation; EVAL_SPLIT=validation scores on validation maps (choices are made there).
# EVAL_MAPS (default 200) sets how many maps each model is scored on; `make data-quality`
# uses 2,000: over ten draws of 200 maps the same three models' spread ranged .03–.08.
set -euo pipefail
bin=${ICRL:-.build/release/icrl}
minutes=${1:-8}
steps=${2:-1000000}
out=${3:-runs/data-quality}
balanced=${BALANCED:-0}
augment=${AUGMENT:-0}
overrides=${SET:-}
mkdir -p "$out"
"$bin" config --preset best | python3 -c '
import json, sys
c = json.load(sys.stdin)
c["dqn"]["balancesBehaviours"] = sys.argv[1] == "1"
c["dqn"]["augmentsSymmetries"] = sys.argv[2] == "1"
for item in sys.argv[3].split():
    path, _, value = item.partition("=")
    *parents, leaf = path.split(".")
    node = c
    for key in parents:
        node = node[key]
    if leaf not in node:
        sys.exit(f"SET: {path} is not a config field (see icrl config --preset best)")
    node[leaf] = json.loads(value)
json.dump(c, sys.stdout)' "$balanced" "$augment" "$overrides" > "$out/config.json"
declare -A mix=(
  [low]="--random 3 --qlearning 0 --oracle 1"
  [mid]="--random 1 --qlearning 1 --oracle 1"
  [high]="--random 1 --qlearning 0 --oracle 3"
)
checkpoints=()
for q in low mid high; do
  if [ ! -f "$out/$q.pb" ]; then
    echo "== $q: collect $steps steps (${mix[$q]})"
    # shellcheck disable=SC2086
    "$bin" collect --preset best --steps "$steps" ${mix[$q]} --out "$out/$q.pb" | tail -1
  else
    echo "== $q: using $out/$q.pb"
  fi
  echo "== $q: train offline for $minutes min"
  "$bin" learner --config "$out/config.json" --dataset "$out/$q.pb" --minutes "$minutes" --bind "tcp://127.0.0.1:$((5700 + ${#checkpoints[@]} * 10))" \
    --out "$out/train-$q" > "$out/train-$q.log" 2>&1
  cp "$out/train-$q/checkpoints/latest.safetensors" "$out/model-$q.safetensors"
  checkpoints+=(--checkpoint "$out/model-$q.safetensors")
done
"$bin" eval --agent random,qlearning,oracle "${checkpoints[@]}" --suite in-dist --maps "${EVAL_MAPS:-200}" \
  --split "${EVAL_SPLIT:-eval}" --seed 1 \
  --report "${REPORT:-$out}" --name data-quality
# The paper scores with forced random episodes first (the model acts with probability
# 0, 0, .1, .1, ... then 1); the same models under that protocol, for comparison only.
"$bin" eval "${checkpoints[@]}" --suite in-dist --maps "${EVAL_MAPS:-200}" \
  --split "${EVAL_SPLIT:-eval}" --seed 1 --warmup paper \
  --report "${REPORT:-$out}" --name data-quality-paper-warmup
