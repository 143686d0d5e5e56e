#!/usr/bin/env bash
# `make demo`: the main job on its built-in defaults, end to end:
#   1. a short local training run: one learner and 2 actor processes on loopback
#      (preset "best", DEMO_MINUTES minutes, default 3);
#   2. an evaluation table on 100 held-out in-distribution maps, 30 episodes each:
#      the model just trained beside the classical agents, and the shipped model
#      (models/icrl-best.safetensors) when the repository has one.
#   scripts/demo.sh BINARY OUTDIR
set -euo pipefail
bin=${1:-.build/release/icrl}
out=${2:-runs/demo}
minutes=${DEMO_MINUTES:-3}
mkdir -p "$out"
echo "== ICRL demo: outputs in $out =="

echo
echo "-- 1. Training: learner + 2 actors, preset best, $minutes min (progress every 15 s) --"
"$bin" train --preset best --actors 2 --minutes "$minutes" --out "$out/train" --progress-every 15

echo
echo "-- 2. Evaluation on 100 held-out in-distribution maps (never trained on), 30 episodes --"
checkpoints=(--checkpoint "$out/train/checkpoints/latest.safetensors")
if [ -f models/icrl-best.safetensors ]; then checkpoints+=(--checkpoint models/icrl-best.safetensors); fi
"$bin" eval --agent random,qlearning,oracle,known-map "${checkpoints[@]}" \
  --suite in-dist --maps 100 --episodes 30 --seed 1 --trace "$out/trace.jsonl" | tee "$out/eval.txt"

echo
echo "Done. Run folder: $out (train/: config, metrics.jsonl, checkpoints, logs; eval.txt; trace.jsonl)"
echo "A model trained for $minutes minutes is far from the shipped recipe's hour; see README 'Results'."
