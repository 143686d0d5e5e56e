#!/usr/bin/env bash
# Our transformer against PyTorch on the same machine, interleaved so all see the same
# load: `icrl bench learner|actor --json` in each kernel variant this CPU runs, and
# Benchmarks/pytorch_reference.py, ROUNDS times each, then a Markdown table of the medians.
# The summary also gives every variant's ratio round by round, and a JSON line.
# Variants: the default (the best kernel path the CPU runs, with its default GEMMs),
# openblas (ICRL_NN_MATMUL=openblas: the linear layers on OpenBLAS), avx2 (on an AVX-512
# CPU, ICRL_NN_KERNELS=avx2: what an AVX2 + FMA machine runs, with OpenBLAS's Haswell
# kernels as there, against PyTorch held to AVX2), avx2-fp32 (the same with our GEMM tile),
# portable (Swift kernels + OpenBLAS, as on arm64) and bf16x3 (AMX, where the CPU has it).
# Needs a release build and python3 with torch
# (pip install torch --index-url https://download.pytorch.org/whl/cpu).
#   scripts/nn_vs_pytorch.sh [path/to/icrl] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
ICRL="${1:-.build/release/icrl}"
ROUNDS="${2:-3}"
OUT="$(mktemp -d)"
# VARIANTS="default avx2 ..." runs a subset; the default is every variant this CPU runs.
if [ -n "${VARIANTS:-}" ]; then read -r -a VARIANTS <<< "$VARIANTS"; else
  VARIANTS=(default openblas)
  if grep -q avx512f /proc/cpuinfo 2>/dev/null && grep -q ' fma ' /proc/cpuinfo; then VARIANTS+=(avx2 avx2-fp32); fi
  VARIANTS+=(portable)
  if grep -q amx_bf16 /proc/cpuinfo 2>/dev/null; then VARIANTS+=(bf16x3); fi
fi
[ "${VARIANTS[0]}" = default ] || { echo "VARIANTS must start with default" >&2; exit 2; }
run_variant() {
  case "$1" in
    default) "${@:2}" ;;
    openblas) ICRL_NN_MATMUL=openblas "${@:2}" ;;
    bf16x3) ICRL_NN_MATMUL=bf16x3 "${@:2}" ;;
    avx2) ICRL_NN_KERNELS=avx2 ICRL_OPENBLAS_CORETYPE=Haswell "${@:2}" ;;
    avx2-fp32) ICRL_NN_KERNELS=avx2 ICRL_OPENBLAS_CORETYPE=Haswell ICRL_NN_MATMUL=fp32 "${@:2}" ;;
    portable) ICRL_NN_KERNELS=portable "${@:2}" ;;
    *) echo "unknown variant $1" >&2; exit 2 ;;
  esac
}
# The default variant and PyTorch run back to back, in alternating order, so each round's
# ratio compares two runs a few seconds apart (this VM's speed drifts by a third within
# minutes); the other variants follow.
default_run() {
  "$ICRL" bench learner --json > "$OUT/default-learner-$1.json"
  "$ICRL" bench actor --json > "$OUT/default-actor-$1.json"
}
for r in $(seq 1 "$ROUNDS"); do
  if (( r % 2 )); then default_run "$r"; python3 Benchmarks/pytorch_reference.py > "$OUT/torch-$r.json"
  else python3 Benchmarks/pytorch_reference.py > "$OUT/torch-$r.json"; default_run "$r"; fi
  for v in "${VARIANTS[@]:1}"; do
    run_variant "$v" "$ICRL" bench learner --json > "$OUT/$v-learner-$r.json"
    run_variant "$v" "$ICRL" bench actor --json > "$OUT/$v-actor-$r.json"
    if [ "$v" = avx2 ] || { [ "$v" = avx2-fp32 ] && [[ " ${VARIANTS[*]} " != *" avx2 "* ]]; }; then
      # PyTorch as on an AVX2 machine too: ATen's, oneDNN's and MKL's AVX2 kernels.
      ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 MKL_ENABLE_INSTRUCTIONS=AVX2 \
        python3 Benchmarks/pytorch_reference.py > "$OUT/torch-avx2-$r.json"
    fi
  done
  echo "round $r/$ROUNDS" >&2
done
python3 - "$OUT" "$ROUNDS" "${VARIANTS[@]}" <<'PY'
import json, statistics, sys
out, rounds, variants = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
load = lambda name: [json.load(open(f"{out}/{name}-{r}.json")) for r in range(1, rounds + 1)]
med = lambda rows, key: statistics.median(row[key] for row in rows)
torch = load("torch")
torch_train, torch_decode = med(torch, "train_step_ms"), med(torch, "decode_ms")
print(f"| variant (median of {rounds}, same run) | NN kernels / matmul / OpenBLAS | DQN train step, 32 x 256 | vs PyTorch | per round | decode, 64 seq. at context 255 | vs PyTorch | per round | peak RSS |")
print("|---|---|---|---|---|---|---|---|---|")
summary = {}
for v in variants:
    learner, actor = load(f"{v}-learner"), load(f"{v}-actor")
    train, decode = med(learner, "train_step_ms"), med(actor, "decode_ms")
    # The AVX2 stand-in is compared with PyTorch held to AVX2 as well.
    torch = load("torch-avx2") if v.startswith("avx2") else load("torch")
    torch_train, torch_decode = med(torch, "train_step_ms"), med(torch, "decode_ms")
    # Each round's ratio against that round's PyTorch run, then the median of those.
    train_round = statistics.median(t["train_step_ms"] / l["train_step_ms"] for t, l in zip(torch, learner))
    decode_round = statistics.median(t["decode_ms"] / a["decode_ms"] for t, a in zip(torch, actor))
    matmul = learner[0].get('nn_matmul', 'openblas')
    # The decoder's products may take another path (the tile on AVX2): shown when they do.
    if actor[0].get('nn_matmul_decode', matmul) != matmul: matmul += f" (decode {actor[0]['nn_matmul_decode']})"
    kind = f"{learner[0].get('nn_kernels', '?')} / {matmul} / {learner[0].get('openblas_core', '?')}"
    print(f"| ICRL {v} | {kind} | {train:.1f} ms | {torch_train / train:.2f}x | {train_round:.2f}x | {decode:.3f} ms | "
          f"{torch_decode / decode:.2f}x | {decode_round:.2f}x | {med(learner, 'peak_rss_mb'):.0f} MiB |")
    summary[v] = {"nn_kernels": learner[0].get("nn_kernels"), "nn_matmul": learner[0].get("nn_matmul"),
                  "nn_matmul_decode": actor[0].get("nn_matmul_decode"),
                  "openblas_core": learner[0].get("openblas_core"), "train_step_ms": train, "decode_ms": decode,
                  "train_vs_torch_round_median": round(train_round, 3), "decode_vs_torch_round_median": round(decode_round, 3),
                  "peak_rss_mb": med(learner, "peak_rss_mb")}
torch = load("torch")
torch_train, torch_decode = med(torch, "train_step_ms"), med(torch, "decode_ms")
print(f"| PyTorch {torch[0]['torch_version']} | | {torch_train:.1f} ms | 1x | | {torch_decode:.3f} ms | 1x | | |")
if any(v.startswith("avx2") for v in variants):
    t2 = load("torch-avx2")
    print(f"| PyTorch, AVX2 kernels (compared with ICRL avx2) | | {med(t2, 'train_step_ms'):.1f} ms | 1x | | {med(t2, 'decode_ms'):.3f} ms | 1x | | |")
learner, actor = load("default-learner"), load("default-actor")
train_ratios = sorted(t["train_step_ms"] / l["train_step_ms"] for t, l in zip(torch, learner))
decode_ratios = sorted(t["decode_ms"] / a["decode_ms"] for t, a in zip(torch, actor))
print(f"\nICRL default vs PyTorch, per round (run back to back): train step median {statistics.median(train_ratios):.2f}x "
      f"(rounds {', '.join(f'{x:.2f}' for x in train_ratios)}), decode median {statistics.median(decode_ratios):.2f}x "
      f"(rounds {', '.join(f'{x:.2f}' for x in decode_ratios)})")
print(f"sgemm peak {med(learner, 'sgemm_peak_gflops'):.0f} GFLOP/s, train {med(learner, 'train_gflops'):.0f} GFLOP/s, "
      f"peak RSS {med(learner, 'peak_rss_mb'):.0f} MiB, OpenBLAS core {learner[0]['openblas_core']}, threads {learner[0]['threads']}")
print(f"decode reads {med(actor, 'kv_read_mb'):.1f} MB of KV cache per step; memory read {med(actor, 'memory_read_gbps'):.1f} GB/s "
      f"-> floor {med(actor, 'kv_read_floor_ms'):.3f} ms per step for the cache reads alone")
print(json.dumps({"rounds": rounds, "torch_train_step_ms": torch_train, "torch_decode_ms": torch_decode,
                  "torch_version": torch[0]["torch_version"], "variants": summary}))
PY
