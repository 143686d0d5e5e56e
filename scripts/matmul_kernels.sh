#!/usr/bin/env bash
# The linear layers' GEMM kernels (fp32 AVX-512 or AVX2, bf16x3 AMX) against OpenBLAS in
# isolation, one thread, same run: Benchmarks/matmul_kernels.c, compiled with clang
# straight from Sources/CNNKernels (seconds, no SwiftPM build). Prints JSON.
#   scripts/matmul_kernels.sh [rows per shard, default 4096] [repeats, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$(mktemp -d)/matmul_kernels"
CBLAS_INCLUDE="$(dirname "$(find /usr/include -name cblas.h -path '*openblas*' | head -1)")"
clang -O2 -ISources/CNNKernels -ISources/CNNKernels/include -I"$CBLAS_INCLUDE" \
  Benchmarks/matmul_kernels.c Sources/CNNKernels/*.c -o "$BIN" -lopenblas -lm -lpthread
# The CPU's fastest OpenBLAS kernels, as `icrl` picks them (KernelSelection.swift); with
# ICRL_NN_KERNELS=avx2 on an AVX-512 host, OpenBLAS's Haswell kernels, as an AVX2 CPU runs.
if [ "${ICRL_NN_KERNELS:-}" = avx2 ]; then export OPENBLAS_CORETYPE=Haswell
elif grep -q avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=SkylakeX; fi
"$BIN" "${1:-4096}" "${2:-10}"
