#!/usr/bin/env bash
# Our transformer against PyTorch on the same machine, interleaved so all see the same
# load: `icrl bench learner|actor --json` (with the CPU's best NN kernels, and again with
# ICRL_NN_KERNELS=portable) and Benchmarks/pytorch_reference.py, ROUNDS times each, then a
# Markdown table of the medians. Needs a release build and python3 with torch.
#   scripts/nn_vs_pytorch.sh [path/to/icrl] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
ICRL="${1:-.build/release/icrl}"
ROUNDS="${2:-3}"
OUT="$(mktemp -d)"
for r in $(seq 1 "$ROUNDS"); do
  "$ICRL" bench learner --json > "$OUT/ours-learner-$r.json"
  "$ICRL" bench actor --json > "$OUT/ours-actor-$r.json"
  ICRL_NN_KERNELS=portable "$ICRL" bench learner --json > "$OUT/portable-learner-$r.json"
  ICRL_NN_KERNELS=portable "$ICRL" bench actor --json > "$OUT/portable-actor-$r.json"
  python3 Benchmarks/pytorch_reference.py > "$OUT/torch-$r.json"
done
python3 - "$OUT" "$ROUNDS" <<'PY'
import json, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
load = lambda name: [json.load(open(f"{out}/{name}-{r}.json")) for r in range(1, rounds + 1)]
learner, actor, torch = load("ours-learner"), load("ours-actor"), load("torch")
portable_learner, portable_actor = load("portable-learner"), load("portable-actor")
med = lambda rows, key: statistics.median(row[key] for row in rows)
ours_train, ours_decode = med(learner, "train_step_ms"), med(actor, "decode_ms")
portable_train, portable_decode = med(portable_learner, "train_step_ms"), med(portable_actor, "decode_ms")
torch_train, torch_decode = med(torch, "train_step_ms"), med(torch, "decode_ms")
kernels = learner[0].get("nn_kernels", "?")
print(f"| measurement (median of {rounds}) | ICRL, {kernels} kernels | ICRL, portable kernels | PyTorch {torch[0]['torch_version']} | speed-up ({kernels}) |")
print("|---|---|---|---|---|")
print(f"| DQN train step, 32 x 256 tokens | {ours_train:.1f} ms | {portable_train:.1f} ms | {torch_train:.1f} ms | {torch_train / ours_train:.2f}x |")
print(f"| decode 1 token, 64 sequences at context 255 | {ours_decode:.3f} ms | {portable_decode:.3f} ms | {torch_decode:.3f} ms | {torch_decode / ours_decode:.2f}x |")
print(f"\nsgemm peak {med(learner, 'sgemm_peak_gflops'):.0f} GFLOP/s, train {med(learner, 'train_gflops'):.0f} GFLOP/s, "
      f"peak RSS {med(learner, 'peak_rss_mb'):.0f} MiB, OpenBLAS core {learner[0]['openblas_core']}, threads {learner[0]['threads']}")
print(f"decode reads {med(actor, 'kv_read_mb'):.1f} MB of KV cache per step; memory read {med(actor, 'memory_read_gbps'):.1f} GB/s "
      f"-> floor {med(actor, 'kv_read_floor_ms'):.3f} ms per step for the cache reads alone")
PY
