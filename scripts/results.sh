#!/usr/bin/env bash
# The paper's experiments on a trained model, beside the classical agents, on held-out maps
# (evaluation split, seeded; never selected on): tables (Markdown, CSV, JSON lines) and SVG
# plots in OUTDIR, plus the trajectory figure.
#
#   bash scripts/results.sh [CHECKPOINT] [OUTDIR] [MAPS]
#
# Defaults: models/icrl-best.safetensors, results/, 200 maps. The slippery tables play
# SLIPPERY_MODEL (models/icrl-slippery.safetensors) beside it. About 15 minutes on 2 cores,
# most of it the planner on slippery ice.
set -euo pipefail
bin=${ICRL:-.build/release/icrl}
model=${1:-models/icrl-best.safetensors}
out=${2:-results}
maps=${3:-200}
agents=random,qlearning,oracle,cautious-oracle,planner,known-map
slippery_model=${SLIPPERY_MODEL:-models/icrl-slippery.safetensors}
mkdir -p "$out"
run() { echo "-- icrl eval $*" >&2; "$bin" eval --checkpoint "$model" --maps "$maps" --seed 1 --report "$out" "$@"; }

run --agent "$agents" --suite in-dist --name in-dist --trace "$out/in-dist-trace.jsonl"
run --agent "$agents" --suite ood --name ood
run --agent "$agents" --suite nonstationary --name nonstationary
run --agent "$agents" --suite stitch --episodes 5 --name stitch
# The paper's own stitching map and context (Eval.ipynb; scripts/paper-stitch-context.md):
# one game of 5 episodes there; here as many trials as maps (the greedy model plays each alike).
run --agent "$agents" --map HHFF,FFFF,SFFH,HFFF,HFFF,HFGF --context scripts/paper-stitch-context.jsonl \
  --episodes 5 --name stitch-paper --trace "$out/stitch-paper-trace.jsonl"
"$bin" trajectories --trace "$out/stitch-paper-trace.jsonl" --agent model --trial 0 --episodes 1,2,3,4,5 --out "$out/stitch-paper-trajectories.svg"
rm -f "$out/stitch-paper-trace.jsonl"
# The paper's forced exploration, for comparison with its setting (not our default).
run --agent "$agents" --suite in-dist --warmup paper --name in-dist-paper-warmup
"$bin" trajectories --trace "$out/in-dist-trace.jsonl" --agent model --trial 0 --episodes 1,3,10,30 --out "$out/trajectories.svg"
# Larger maps: the paper's rule at 8 x 8, Gymnasium's random 8 x 8 maps and its two named maps.
run --agent "$agents" --suite ood8 --name ood8
run --agent "$agents" --suite 8x8 --name gym-random-8x8
run --agent "$agents" --map-name 4x4 --name gym-map-4x4
run --agent "$agents" --map-name 8x8 --name gym-map-8x8
# Slippery ice (Gymnasium's default dynamics): the slippery model beside the shipped one.
# The planner plans every open decision there, so it draws 8 maps instead of 16. Slippery
# trials outgrow the context, so the models keep older landing tokens in view (eval's
# default with --slippery: --carry-landings).
slip() {
  echo "-- icrl eval --slippery $*" >&2
  "$bin" eval --checkpoint "$slippery_model" --checkpoint "$model" --maps "$maps" --seed 1 --report "$out" \
    --slippery --planner-samples 8 "$@"
}
slip --agent "$agents" --suite in-dist --name slippery-in-dist
slip --agent "$agents" --suite ood --name slippery-ood     # about 10 minutes: the planner on 6-7 x 6-7 slippery maps
slip --agent "$agents" --map-name 4x4 --name slippery-gym-map-4x4
rm -f "$out/in-dist-trace.jsonl"
echo "results in $out: $(ls "$out" | tr '\n' ' ')"
