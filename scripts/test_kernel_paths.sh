#!/usr/bin/env bash
# Reruns the test suites that exercise the NN kernels under every kernel path this CPU can
# run besides its default, forced through ICRL_NN_KERNELS. A forced path makes the process
# behave as on a CPU that has nothing better, so an AVX-512 machine also tests what an
# AVX2-only or arm64 machine runs. Needs `swift build --build-tests` first.
#   usage: scripts/test_kernel_paths.sh [FILTER]   (default: the suites that run the model)
set -euo pipefail
cd "$(dirname "$0")/.."
filter="${1:-NNTests|DQNTests}"

# The paths the CPU can run, best first, as KernelPath.hardware decides them.
paths=(portable)
if grep -qw avx512f /proc/cpuinfo 2>/dev/null && grep -qw avx512bw /proc/cpuinfo \
   && grep -qw avx512dq /proc/cpuinfo && grep -qw avx512vl /proc/cpuinfo; then
  paths=(avx512 portable)
fi
echo "test_kernel_paths: this CPU runs ${paths[*]}; ${paths[0]} was tested by 'swift test'"
for path in "${paths[@]:1}"; do
  echo "test_kernel_paths: ICRL_NN_KERNELS=$path swift test --filter '$filter'"
  ICRL_NN_KERNELS="$path" swift test --skip-build --filter "$filter"
done
