#!/usr/bin/env bash
# Reruns the test suites that exercise the NN kernels under every kernel path this CPU can
# run besides its default, forced through ICRL_NN_KERNELS. A forced path makes the process
# behave as on a CPU that has nothing better, so an AVX-512 machine also tests what an
# AVX2-only machine (ICRL_NN_KERNELS=avx2) and an arm64 one (portable) run. Needs
# `swift build --build-tests` first.
#   usage: scripts/test_kernel_paths.sh [FILTER]   (default: the suites that run the model)
set -euo pipefail
cd "$(dirname "$0")/.."
filter="${1:-NNTests|DQNTests}"

# The paths the CPU can run, best first, as KernelPath.hardware decides them (the flags of
# the first processor; the OS's saving of the vector state is assumed, as on any Linux that
# lists the flags).
flags=" $(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | cut -d: -f2) "
has() { for f in "$@"; do [[ "$flags" == *" $f "* ]] || return 1; done; }
paths=()
if has avx512f avx512dq avx512bw avx512vl; then paths+=(avx512); fi
if has avx2 fma; then paths+=(avx2); fi
paths+=(portable)
echo "test_kernel_paths: this CPU runs ${paths[*]}; ${paths[0]} was tested by 'swift test'"
for path in "${paths[@]:1}"; do
  echo "test_kernel_paths: ICRL_NN_KERNELS=$path swift test --filter '$filter'"
  ICRL_NN_KERNELS="$path" swift test --skip-build --filter "$filter"
done
# AVX2 runs its linear layers on OpenBLAS by default; the model's passes on its fp32 tiles
# (ICRL_NN_MATMUL=fp32) are checked here, the tiles alone by MatmulKernelTests above.
if [[ " ${paths[*]} " == *" avx2 "* && -z "${1:-}" ]]; then
  models='KVCacheTests|TrainingPassTests|ModelTests|KernelPathTests'
  echo "test_kernel_paths: ICRL_NN_KERNELS=avx2 ICRL_NN_MATMUL=fp32 swift test --filter '$models'"
  ICRL_NN_KERNELS=avx2 ICRL_NN_MATMUL=fp32 swift test --skip-build --filter "$models"
fi
