#!/usr/bin/env bash
# `make demo`: runs the main job end to end on its built-in defaults with what exists
# today, and leaves its outputs in a run folder.
#   scripts/demo.sh BINARY OUTDIR
set -euo pipefail
bin=${1:-.build/release/icrl}
out=${2:-runs/demo}
mkdir -p "$out"
echo "== ICRL demo: outputs in $out =="

echo
echo "-- Held-out in-distribution maps (the paper's generator, 3..5 x 3..5) --"
"$bin" maps --suite in-dist --count 3 --seed 1 | tee "$out/maps.txt"

echo
echo "-- Classical agents on 100 held-out maps, 30 episodes each: success by episode --"
"$bin" eval --agent random,qlearning,oracle,known-map --suite in-dist --maps 100 --episodes 30 --seed 1 \
  --trace "$out/trace.jsonl" | tee "$out/eval.txt"

echo
echo "-- Transport: experience chunks through ZeroMQ + protobuf-c vs raw libzmq --"
"$bin" bench transport --messages 100000 --json | tee "$out/bench_transport.json"

echo
echo "Done. Run folder: $out (maps.txt, eval.txt, trace.jsonl, bench_transport.json)"
