#!/usr/bin/env bash
# libFuzzer under AddressSanitizer, two targets, each for SECONDS:
#   icrl-fuzz         (Fuzz/WireFuzz): every message type through decode, experience
#                     validation, re-encode round trips and the experience-file reader;
#   icrl-fuzz-replay  (Fuzz/ReplayFuzz): sequences of chunks from several fake actors
#                     through validation, the replay, window sampling and tokenization,
#                     checking every embedding index;
#   icrl-fuzz-files   (Fuzz/FileFuzz): checkpoint (safetensors header JSON, offsets,
#                     shapes, dtypes, config), run config JSON and replay snapshot loading,
#                     with the files' CRC repaired on half the inputs to reach the parsers.
# `make fuzz` (CI runs it for a bounded time).
#   bash scripts/fuzz.sh [SECONDS]      default 60 per target
# Each corpus persists in Fuzz/corpus-local/<target> (ignored by git); a crash leaves its
# input in Fuzz/artifacts/ — reproduce with .build-fuzz/release/<target> Fuzz/artifacts/crash-…
set -euo pipefail
seconds=${1:-60}
cd "$(dirname "$0")/.."
targets=(icrl-fuzz icrl-fuzz-replay icrl-fuzz-files)
for target in "${targets[@]}"; do
  echo "== building $target (libFuzzer + ASan, scratch path .build-fuzz) =="
  build_log=$(mktemp)
  if ! ICRL_FUZZ=1 swift build -c release --product "$target" --scratch-path .build-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library \
    -Xcc -fsanitize=fuzzer-no-link,address > "$build_log" 2>&1; then
    grep -E "error" "$build_log" | head -20 || tail -20 "$build_log"
    echo "fuzz: FAILED to build $target (log: $build_log)"
    exit 1
  fi
  tail -1 "$build_log"
  rm -f "$build_log"
done
mkdir -p Fuzz/artifacts
for target in "${targets[@]}"; do
  bin=.build-fuzz/release/$target
  corpus=Fuzz/corpus-local/$target
  mkdir -p "$corpus"
  # Committed seeds (Fuzz/corpus/<target>) start every run, on a fresh clone too.
  [ -d "Fuzz/corpus/$target" ] && cp -n "Fuzz/corpus/$target"/* "$corpus"/ 2>/dev/null || true
  max_len=8192
  [ "$target" = icrl-fuzz-files ] && max_len=32768
  echo "== fuzzing $target for ${seconds}s =="
  log=$(mktemp)
  set +e
  ICRL_FUZZ_SEEDS="$corpus" ASAN_OPTIONS=detect_leaks=1 "$bin" "$corpus" -max_total_time="$seconds" -max_len="$max_len" \
    -artifact_prefix=Fuzz/artifacts/ -print_final_stats=1 > "$log" 2>&1
  status=$?
  set -e
  rm -f "${TMPDIR:-/tmp}"/icrl-fuzz-*.bin
  grep -E "^(INFO: Running|#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==ERROR|SUMMARY)|Fatal error" "$log" || true
  runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | head -1 | grep -o '[0-9]*$' || echo 0)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo 0)
  if [ "$status" -ne 0 ]; then
    tail -40 "$log"
    echo "fuzz: $target FAILED (exit $status) after $runs inputs; the input is in Fuzz/artifacts/"
    exit 1
  fi
  rm -f "$log"
  echo "fuzz: $target ok — $runs inputs in ${seconds}s, coverage $cov edges, corpus $(ls "$corpus" | wc -l) files, no crash, leak or broken property"
done
