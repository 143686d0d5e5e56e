#!/usr/bin/env bash
# Fault tests with real processes on loopback (`make test-faults`):
#   1. kill -9 one actor mid-run: the learner keeps training, declares it dead after the
#      heartbeat timeout, and the restarted actor (a new incarnation) rejoins within 2 s;
#   2. kill -9 the learner: actors keep running and reconnect; `--resume` continues from
#      the last checkpoint with its update counter and its replay intact, and metrics.jsonl
#      carries on;
#   3. kill -9 the learner at random moments while it checkpoints every 0.2 s, 15 times:
#      the latest checkpoint always loads, and so does the replay snapshot beside it;
#   4. CURVE: a learner that lists one actor key admits that actor; an actor with an
#      unlisted key and a plain-TCP actor are refused, say why, and send nothing that counts;
#   5. a learner bound beyond loopback without CURVE refuses to start; a running learner
#      fed every hostile chunk sequence (icrl bench hostile-sender) counts each by reason
#      and keeps training.
#   bash scripts/test_faults.sh [ICRL_BINARY]
set -uo pipefail
bin=$(readlink -f "${1:-.build/release/icrl}")
work=$(mktemp -d)
pids=()
passed=0; failed=0
ok() { echo "ok   $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$work"; }
trap cleanup EXIT
metric() {  # metric FILE KEY: the key's value in the last line that has it
  python3 -c '
import json, sys
v = None
for line in open(sys.argv[1]):
    if line.strip():
        r = json.loads(line)
        if sys.argv[2] in r: v = r[sys.argv[2]]
print(int(v) if v is not None else -1)' "$1" "$2" 2>/dev/null || echo -1
}
at_least() {  # at_least FILE KEY N: the metric has reached N (re-read on every call)
  [ "$(metric "$1" "$2")" -ge "$3" ]
}
lines_over() {  # lines_over FILE N
  [ "$(wc -l < "$1")" -gt "$2" ]
}
wait_for() {  # wait_for SECONDS COMMAND...: polls every 0.1 s
  local deadline=$(( $(date +%s%N) / 1000000 + $1 * 1000 )); shift
  while [ $(( $(date +%s%N) / 1000000 )) -lt $deadline ]; do "$@" && return 0; sleep 0.1; done
  return 1
}
# Fast metrics and checkpoints, from the smoke preset.
"$bin" config --preset smoke | python3 -c '
import json, sys
c = json.load(sys.stdin); c["metricsSeconds"] = 0.5; c["checkpointSeconds"] = 0.2
json.dump(c, open(sys.argv[1], "w"))' "$work/config.json"

echo "== 1. kill -9 an actor, restart it =="
run="$work/one"; port=24400
"$bin" learner --bind "tcp://127.0.0.1:$port" --out "$run" --config "$work/config.json" > "$work/learner1.log" 2>&1 &
learner=$!; pids+=("$learner")
"$bin" actor --learner "tcp://127.0.0.1:$port" --id a0 --seed 1 > "$work/a0.log" 2>&1 &
a0=$!; pids+=("$a0")
"$bin" actor --learner "tcp://127.0.0.1:$port" --id a1 --seed 2 > "$work/a1.log" 2>&1 &
a1=$!; pids+=("$a1")
wait_for 60 at_least "$run/metrics.jsonl" actors/live 2 || fail "two actors never went live"
before=$(metric "$run/metrics.jsonl" charts/updates)
kill -9 "$a0"
if wait_for 15 at_least "$run/metrics.jsonl" actors/deaths 1; then ok "learner declared the killed actor dead"; else fail "no death recorded"; fi
after=$(metric "$run/metrics.jsonl" charts/updates)
[ "$after" -gt "$before" ] && ok "learner kept training ($before -> $after updates)" || fail "training stalled ($before -> $after)"
"$bin" actor --learner "tcp://127.0.0.1:$port" --id a0 --seed 3 > "$work/a0b.log" 2>&1 &
a0b=$!; pids+=("$a0b")
t0=$(date +%s%N)
if wait_for 10 at_least "$run/metrics.jsonl" actors/rejoins 1; then
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  # Metrics lines come every 0.5 s, so the figure is an upper bound within 0.5 s.
  [ "$ms" -le 2500 ] && ok "restarted actor rejoined with a new incarnation (seen after $ms ms, metrics every 500 ms)" \
    || fail "rejoin took $ms ms (want ≤ 2 s + one metrics period)"
else
  fail "restarted actor never rejoined"
fi

echo "== 2. kill -9 the learner, resume =="
wait_for 10 test -f "$run/checkpoints/latest.safetensors" || fail "no checkpoint before the kill"
sleep 1
kill -9 "$learner"
sleep 2
alive=0; for a in "$a1" "$a0b"; do kill -0 "$a" 2>/dev/null && alive=$((alive + 1)); done
[ "$alive" -eq 2 ] && ok "both actors outlived their learner" || fail "$((2 - alive)) actors died with their learner"
lines_before=$(wc -l < "$run/metrics.jsonl")
"$bin" learner --bind "tcp://127.0.0.1:$port" --out "$run" --resume --minutes 0.25 > "$work/learner2.log" 2>&1 &
learner=$!; pids+=("$learner")
resumed=$(wait_for 20 grep -o 'resumed from .* at update [0-9]*' "$work/learner2.log" >/dev/null; grep -o 'at update [0-9]*' "$work/learner2.log" | head -1 | tr -dc 0-9)
[ -n "$resumed" ] && [ "$resumed" -gt 0 ] && ok "--resume continued from update $resumed" || fail "did not resume ($(tail -2 "$work/learner2.log"))"
restored=$(grep -o 'restored the replay: [0-9]* steps' "$work/learner2.log" | grep -o '[0-9]*' | head -1)
[ -n "$restored" ] && [ "$restored" -gt 0 ] && ok "--resume restored the replay ($restored steps) from its snapshot" \
  || fail "the replay was not restored ($(grep -i replay "$work/learner2.log" | tail -1))"
if wait_for 20 lines_over "$run/metrics.jsonl" "$((lines_before + 2))" && wait_for 20 at_least "$run/metrics.jsonl" actors/live 2; then
  ok "actors reconnected to the restarted learner"
else
  fail "actors did not come back ($(metric "$run/metrics.jsonl" actors/live) live)"
fi
wait "$learner"
final=$(metric "$run/metrics.jsonl" charts/updates)
[ "$final" -gt "${resumed:-0}" ] && ok "training went on after the resume ($resumed -> $final updates)" || fail "no updates after resume"
# The killed learner wrote points past its last checkpoint; the resumed one marks the
# restart, so TensorBoard's reader shows each update once.
python3 "$(dirname "$0")/check_tensorboard.py" "$run" && ok "TensorBoard shows the resumed run without repeated steps" \
  || fail "TensorBoard event files after the resume"
for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; pids=()

echo "== 3. kill -9 while checkpointing =="
run="$work/three"; port=24410
bad=0; replay_bad=0
for i in $(seq 1 15); do
  "$bin" learner --bind "tcp://127.0.0.1:$port" --out "$run" --config "$work/config.json" --resume-if-present > "$work/learner3.log" 2>&1 &
  learner=$!
  "$bin" actor --learner "tcp://127.0.0.1:$port" --id c0 --seed "$i" > /dev/null 2>&1 &
  actor=$!
  sleep "$(python3 -c "import random; print(round(random.uniform(1.5, 3.0), 2))")"
  kill -9 "$learner" "$actor" 2>/dev/null; wait "$learner" "$actor" 2>/dev/null
  grep -q "could not restore the replay" "$work/learner3.log" && { replay_bad=$((replay_bad + 1)); grep "could not restore" "$work/learner3.log" | tail -1; }
  if [ -f "$run/checkpoints/latest.safetensors" ]; then
    if ! "$bin" eval --checkpoint "$run/checkpoints/latest.safetensors" --map SFFF,FHFH,FFFH,HFFG --maps 1 --episodes 1 > "$work/eval3.log" 2>&1; then
      bad=$((bad + 1)); echo "     kill $i: the checkpoint did not load:"; tail -3 "$work/eval3.log"
      cp "$run/checkpoints/latest.safetensors" "/tmp/icrl-bad-checkpoint-$i.safetensors"
    fi
  fi
done
[ -f "$run/checkpoints/latest.safetensors" ] || fail "no checkpoint was ever written"
[ "$bad" -eq 0 ] && ok "the latest checkpoint loaded after each of 15 kills" || fail "$bad of 15 kills left an unloadable checkpoint"
[ "$replay_bad" -eq 0 ] && ok "no restart under kills found a corrupt replay snapshot" || fail "$replay_bad restarts found a corrupt replay snapshot"
echo "== 4. CURVE authentication =="
run="$work/four"; port=24420; keys="$work/keys"
for name in learner listed unlisted; do "$bin" keygen "$name" --out "$keys" > /dev/null; done
cp "$keys/listed.pub" "$keys/authorized_keys"
"$bin" learner --bind "tcp://127.0.0.1:$port" --out "$run" --config "$work/config.json" --minutes 0.4 \
  --curve-key "$keys/learner.key" --authorized-keys "$keys/authorized_keys" > "$work/learner4.log" 2>&1 &
learner=$!; pids+=("$learner")
"$bin" actor --learner "tcp://127.0.0.1:$port" --id listed --seed 1 --curve-key "$keys/listed.key" --learner-key "$keys/learner.pub" > "$work/listed.log" 2>&1 &
pids+=($!)
"$bin" actor --learner "tcp://127.0.0.1:$port" --id unlisted --seed 2 --curve-key "$keys/unlisted.key" --learner-key "$keys/learner.pub" > "$work/unlisted.log" 2>&1 &
unlisted=$!; pids+=("$unlisted")
"$bin" actor --learner "tcp://127.0.0.1:$port" --id plain --seed 3 > "$work/plain.log" 2>&1 &
plain=$!; pids+=("$plain")
wait_for 20 at_least "$run/metrics.jsonl" actors/listed/steps_received 1 && ok "the listed actor's experience is accepted" || fail "the listed actor never got in"
wait_for 10 grep -q "refused this actor's CURVE key" "$work/unlisted.log" && ok "the unlisted actor is refused and says which key to add" \
  || fail "the unlisted actor did not report its refusal ($(tail -1 "$work/unlisted.log"))"
wait_for 10 grep -q "requires CURVE" "$work/plain.log" && ok "the plain actor is refused and told to use CURVE" \
  || fail "the plain actor did not report the mismatch ($(tail -1 "$work/plain.log"))"
wait "$learner"
python3 - "$run/metrics.jsonl" <<'PY' && ok "no experience from unlisted or plain peers; refusals counted" || fail "unlisted experience counted, or refusals not counted"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
last = rows[-1]
foreign = [k for r in rows for k in r if k.startswith("actors/") and k.endswith("/steps_received") and k != "actors/listed/steps_received"]
print("     auth accepted", last.get("transport/auth_accepted"), "denied", last.get("transport/auth_denied"),
      "steps from listed", last.get("actors/listed/steps_received"), "rejected", last.get("rejected/total", 0))
sys.exit(0 if not foreign and last.get("transport/auth_denied", 0) >= 1 and last.get("rejected/total", 0) == 0 else 1)
PY
for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; pids=()

echo "== 5. hostile experience and open binds =="
run="$work/five"; port=24440
if "$bin" learner --bind "tcp://*:$port" --out "$work/open" --config "$work/config.json" --minutes 0.1 > "$work/open.log" 2>&1; then
  fail "a learner bound to every interface without CURVE started"
else
  grep -q "insecure" "$work/open.log" && ok "a learner bound to every interface without CURVE refuses to start and says how to proceed" \
    || fail "the refusal does not mention CURVE or --insecure: $(tail -2 "$work/open.log")"
fi
"$bin" learner --bind "tcp://127.0.0.1:$port" --out "$run" --config "$work/config.json" --minutes 0.5 > "$work/learner5.log" 2>&1 &
learner=$!; pids+=("$learner")
"$bin" actor --learner "tcp://127.0.0.1:$port" --id honest --seed 5 > "$work/honest.log" 2>&1 &
pids+=($!)
wait_for 30 at_least "$run/metrics.jsonl" charts/updates 1 || fail "the learner never started training"
expected=$("$bin" bench hostile-sender --learner "tcp://127.0.0.1:$port" --config "$work/config.json")
echo "     sent attacks, expecting rejections $expected"
updates_at_attack=$(metric "$run/metrics.jsonl" charts/updates)
wait "$learner"; status=$?
[ "$status" -eq 0 ] && ok "the learner survived every attack and exited cleanly" || fail "the learner exited with status $status ($(tail -2 "$work/learner5.log"))"
python3 - "$run/metrics.jsonl" "$expected" "$updates_at_attack" <<'PY' && ok "each attack counted by its reason; training went on" || fail "attacks not counted, or training stopped"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
expected = json.loads(sys.argv[2])
last = rows[-1]
counted = {k: last.get("rejected/" + k, 0) for k in expected}
print("     counted", counted, "updates at attack", sys.argv[3], "at end", last.get("charts/updates"))
ok = all(counted[k] >= n for k, n in expected.items()) and last.get("charts/updates", 0) > int(sys.argv[3])
sys.exit(0 if ok else 1)
PY
for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; pids=()

echo "test_faults: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
