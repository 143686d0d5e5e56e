#!/usr/bin/env bash
# Time to quality: train once, keep the weights at fixed minutes, score each on validation
# maps. The figure a user sees first (how long until the model is good) as one command.
#
#   bash scripts/time_to_quality.sh [MINUTES] [OUTDIR] [MARKS]
#
# Defaults: 60 minutes, runs/time-to-quality, marks 5,10,15,30,60.
# Trains `icrl train --preset PRESET --actors ACTORS --keep-checkpoints-at MARKS` (PRESET
# best, ACTORS 2), then `icrl eval` of every kept checkpoint on EVAL_MAPS (200) in-dist
# maps (SUITE) of the validation split (recipes are chosen there, never on the eval split).
# CONFIG=file.json trains a config file instead of the preset; SET="dqn.learningRate=6e-4"
# overrides config fields (JSON values), so a recipe change is scored at equal wall-clock.
# Writes REPORT/NAME.{md,csv,jsonl,svg} (per-episode tables per checkpoint) and
# REPORT/NAME-curve.{json,svg} (validation mean against minutes); REPORT defaults to
# OUTDIR, NAME to time-to-quality.
set -euo pipefail
bin=${ICRL:-.build/release/icrl}
minutes=${1:-60}
out=${2:-runs/time-to-quality}
marks=${3:-5,10,15,30,60}
report=${REPORT:-$out}
name=${NAME:-time-to-quality}
mkdir -p "$out" "$report"
if [ -n "${CONFIG:-}" ]; then cp "$CONFIG" "$out/base-config.json"; else "$bin" config --preset "${PRESET:-best}" > "$out/base-config.json"; fi
python3 - "$out/base-config.json" "${SET:-}" > "$out/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
for item in sys.argv[2].split():
    path, _, value = item.partition("=")
    *parents, leaf = path.split(".")
    node = c
    for key in parents:
        node = node[key]
    if leaf not in node:
        sys.exit(f"SET: {path} is not a config field (see icrl config --preset best)")
    node[leaf] = json.loads(value)
json.dump(c, sys.stdout)
PY
echo "== train ${minutes} min, keeping the weights at minutes ${marks} (run folder $out)"
"$bin" train --config "$out/config.json" --actors "${ACTORS:-2}" --minutes "$minutes" --seed "${SEED:-1}" \
  --keep-checkpoints-at "$marks" --port "${PORT:-5590}" --progress-every 60 --out "$out"
checkpoints=()
for f in "$out"/checkpoints/minute-*.safetensors; do
  [ -e "$f" ] && checkpoints+=(--checkpoint "$f")
done
[ ${#checkpoints[@]} -gt 0 ] || { echo "no kept checkpoints in $out/checkpoints: did training stop before the first mark?" >&2; exit 1; }
echo "== score $(( ${#checkpoints[@]} / 2 )) checkpoints on ${EVAL_MAPS:-200} validation maps"
"$bin" eval "${checkpoints[@]}" --suite "${SUITE:-in-dist}" --split validation --maps "${EVAL_MAPS:-200}" --seed 1 \
  --report "$report" --name "$name"
python3 scripts/time_to_quality.py "$report/$name.jsonl" "$out" "$report/$name-curve"
