#!/usr/bin/env bash
# The data-parallel learner as real MPI ranks (Open MPI's mpirun, loopback TCP):
#   1. parity: 2 ranks with batch B/2 each take the update 1 learner takes with batch B on
#      the same windows (gradient and next weights within 1e-5 relative), `icrl check-ranks`;
#   2. train: `mpirun -np 2 icrl learner` fed by 2 ordinary actors: both ranks hold replay
#      shards, updates rise, weights reach the actors, nothing is rejected;
#   3. resume: the same job again with --resume continues the update counter and restores
#      both ranks' shards; resuming with another rank count is refused with the reason;
#   4. rank kill: kill -9 of rank 1 ends the job (fail-stop); the actors live on, and
#      --resume continues from the last checkpoint with both shards and the counters;
#   5. one rank: `mpirun -np 1 icrl learner` trains as a plain learner does.
# Prints "N passed, M failed"; exits non-zero on any failure.
set -uo pipefail
bin=${1:-.build/release/icrl}
work=$(mktemp -d)
passed=0; failed=0
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$work"; }
trap cleanup EXIT
ok()   { echo "PASS $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
# Root-safe (CI runs as root), more ranks than cores allowed, TCP on loopback only (no
# shared-memory transport: containers often have a tiny /dev/shm).
mpi=(mpirun --allow-run-as-root --oversubscribe --mca btl self,tcp --mca btl_tcp_if_include lo --mca oob_tcp_if_include lo)
command -v mpirun >/dev/null || { echo "FAIL mpirun not found (make deps installs openmpi-bin)"; exit 1; }
metric() {  # metric FILE KEY: the last value of KEY in a metrics.jsonl
  python3 - "$1" "$2" <<'PY'
import json, sys
value = None
for line in open(sys.argv[1]):
    line = line.strip()
    if line:
        value = json.loads(line).get(sys.argv[2], value)
print(-1 if value is None else value)
PY
}

echo "== parity: 2 ranks x batch 4 against 1 learner x batch 8 =="
out=$(ICRL_NN_THREADS=1 timeout 300 "${mpi[@]}" -np 2 "$bin" check-ranks --preset best --batch 8 --updates 3 2>"$work/parity.err")
status=$?
echo "$out"
if [ $status -eq 0 ] && printf '%s' "$out" | python3 -c 'import json,sys; r=json.loads(sys.stdin.readline()); sys.exit(0 if r["pass"] and r["max_rel_diff"] <= 1e-5 else 1)'; then
  ok "parity: max relative difference $(printf '%s' "$out" | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["max_rel_diff"])') (tolerance 1e-5)"
else
  fail "parity (exit $status)"; tail -20 "$work/parity.err"
fi

# The smoke preset, checkpointing every 5 s (the kill test needs checkpoints to resume from).
"$bin" config --preset smoke | python3 -c '
import json, sys
c = json.load(sys.stdin); c["checkpointSeconds"] = 5; json.dump(c, sys.stdout)' > "$work/smoke.json"
checkpoint_updates() {  # the update count stored in a checkpoint's header
  python3 - "$1" <<'PY'
import json, struct, sys
with open(sys.argv[1], "rb") as f:
    n = struct.unpack("<Q", f.read(8))[0]
    print(json.loads(json.loads(f.read(n))["__metadata__"]["counters"])["updates"])
PY
}

run_job() {  # run_job RUN NP SECONDS [learner flags...]: mpirun learner + 2 actors
  local run=$1 np=$2 seconds=$3; shift 3
  ICRL_NN_THREADS=1 "${mpi[@]}" -np "$np" "$bin" learner --bind tcp://127.0.0.1:24700 --out "$run" --config "$work/smoke.json" \
    --minutes "$(python3 -c "print($seconds/60)")" "$@" > "$run.learner.log" 2>&1 &
  local learner=$!
  pids+=("$learner")
  sleep 2
  ICRL_NN_THREADS=1 "$bin" actor --learner tcp://127.0.0.1:24700 --id a0 --seed 1 > "$run.a0.log" 2>&1 &
  local a0=$!
  ICRL_NN_THREADS=1 "$bin" actor --learner tcp://127.0.0.1:24700 --id a1 --seed 2 > "$run.a1.log" 2>&1 &
  local a1=$!
  pids+=("$a0" "$a1")
  wait "$learner"
  local status=$?
  sleep 2
  kill "$a0" "$a1" 2>/dev/null; wait "$a0" "$a1" 2>/dev/null
  return $status
}

echo "== train: mpirun -np 2 icrl learner, 2 actors, 25 s =="
mkdir -p "$work/dp"
if run_job "$work/dp" 2 25; then
  m="$work/dp/metrics.jsonl"
  updates=$(metric "$m" charts/updates); ranks=$(metric "$m" ranks/count)
  shard0=$(metric "$m" ranks/rank-0/replay_steps); shard1=$(metric "$m" ranks/rank-1/replay_steps)
  rank1=$(metric "$m" ranks/rank-1/updates); rejected=$(metric "$m" rejected/total)
  version=$(metric "$m" actors/a0/policy_version)
  echo "updates $updates ranks $ranks shards $shard0 / $shard1 rank-1 updates $rank1 rejected $rejected actor a0 policy $version"
  if python3 -c "import sys; sys.exit(0 if $updates > 50 and $ranks == 2 and $shard0 > 0 and $shard1 > 0 and $rank1 > 0 and $rejected == 0 and $version > 0 else 1)" \
     && [ -f "$work/dp/checkpoints/replay-rank-1.bin" ]; then
    ok "train: $updates updates on 2 ranks, shards $shard0 + $shard1 steps, actors on weights v$version, 0 rejected, rank 1's shard saved"
  else
    fail "train: unexpected metrics"; tail -20 "$work/dp.learner.log"
  fi
else
  fail "train: the job failed"; tail -30 "$work/dp.learner.log"
fi

echo "== resume: the same job again with --resume =="
before=$(metric "$work/dp/metrics.jsonl" charts/updates)
if run_job "$work/dp" 2 12 --resume; then
  after=$(metric "$work/dp/metrics.jsonl" charts/updates)
  restored=$(grep -c 'restored the replay' "$work/dp.learner.log")
  if python3 -c "import sys; sys.exit(0 if $after > $before else 1)" && [ "$restored" -eq 2 ]; then
    ok "resume: updates $before -> $after, both ranks restored their replay shard"
  else
    fail "resume: updates $before -> $after, shards restored $restored (want 2)"; tail -20 "$work/dp.learner.log"
  fi
else
  fail "resume: the job failed"; tail -30 "$work/dp.learner.log"
fi
if ICRL_NN_THREADS=1 timeout 60 "$bin" learner --bind tcp://127.0.0.1:24710 --out "$work/dp" --resume --minutes 0.1 > "$work/one.log" 2>&1; then
  fail "resume with 1 rank from a 2-rank checkpoint was accepted"
elif grep -q 'written by 2 learner rank' "$work/one.log"; then
  ok "resume with another rank count is refused: $(grep -o 'written by 2 learner rank[^;]*' "$work/one.log" | head -1)"
else
  fail "resume with 1 rank failed without the reason"; tail -5 "$work/one.log"
fi

echo "== rank kill: kill -9 rank 1 mid-run, then --resume =="
mkdir -p "$work/kill"
ICRL_NN_THREADS=1 "${mpi[@]}" -np 2 "$bin" learner --bind tcp://127.0.0.1:24720 --out "$work/kill" --config "$work/smoke.json" \
  --minutes 2 > "$work/kill.learner.log" 2>&1 &
job=$!; pids+=("$job")
sleep 2
for id in k0 k1; do
  ICRL_NN_THREADS=1 "$bin" actor --learner tcp://127.0.0.1:24720 --id "$id" --seed 3 > "$work/kill.$id.log" 2>&1 &
  pids+=("$!"); eval "actor_$id=$!"
done
sleep 20
rank1=""
for p in $(pgrep -f "learner --bind tcp://127.0.0.1:24720"); do
  tr '\0' '\n' < "/proc/$p/environ" 2>/dev/null | grep -qx 'OMPI_COMM_WORLD_RANK=1' && rank1=$p
done
if [ -z "$rank1" ]; then
  fail "rank kill: rank 1 not found"
else
  kill -9 "$rank1"
  t0=$(date +%s)
  ( sleep 60; kill -9 "$job" 2>/dev/null ) & watchdog=$!
  wait "$job"; status=$?
  kill "$watchdog" 2>/dev/null
  ended=$(( $(date +%s) - t0 ))
  left=$(pgrep -fc "learner --bind tcp://127.0.0.1:24720" || true)
  saved=$(checkpoint_updates "$work/kill/checkpoints/latest.safetensors")
  if [ "$status" -ne 0 ] && [ "$ended" -lt 30 ] && [ "$left" -eq 0 ] && kill -0 "$actor_k0" && kill -0 "$actor_k1"; then
    ok "rank kill: the job ended in ${ended}s (exit $status), no rank left, both actors alive; checkpoint at update $saved"
  else
    fail "rank kill: exit $status after ${ended}s, $left learner processes left, actors alive: $(kill -0 "$actor_k0" && kill -0 "$actor_k1" && echo yes || echo no)"
    tail -10 "$work/kill.learner.log"
  fi
  ICRL_NN_THREADS=1 "${mpi[@]}" -np 2 "$bin" learner --bind tcp://127.0.0.1:24720 --out "$work/kill" --config "$work/smoke.json" \
    --resume --minutes 0.25 > "$work/kill.resume.log" 2>&1
  status=$?
  resumed=$(grep -o 'resumed from .* at update [0-9]*' "$work/kill.resume.log" | grep -o '[0-9]*$')
  restored=$(grep -c 'restored the replay' "$work/kill.resume.log")
  live=$(metric "$work/kill/metrics.jsonl" actors/live)
  if [ "$status" -eq 0 ] && [ "$resumed" = "$saved" ] && [ "$restored" -eq 2 ] && python3 -c "import sys; sys.exit(0 if $live >= 2 else 1)"; then
    ok "rank kill: --resume continued at update $resumed with both shards restored; $live actors reconnected"
  else
    fail "rank kill: resume exit $status at update '$resumed' (checkpoint $saved), shards restored $restored, actors live $live"
    tail -15 "$work/kill.resume.log"
  fi
fi
kill "$actor_k0" "$actor_k1" 2>/dev/null

echo "== one rank: mpirun -np 1 icrl learner =="
mkdir -p "$work/one"
if run_job "$work/one" 1 12; then
  updates=$(metric "$work/one/metrics.jsonl" charts/updates); ranks=$(metric "$work/one/metrics.jsonl" ranks/count)
  if python3 -c "import sys; sys.exit(0 if $updates > 20 and $ranks == -1 else 1)"; then
    ok "one rank: $updates updates, no rank metrics (a plain learner)"
  else
    fail "one rank: updates $updates ranks/count $ranks"
  fi
else
  fail "one rank: the job failed"; tail -20 "$work/one.learner.log"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
