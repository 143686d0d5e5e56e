#!/usr/bin/env bash
# The Python actor package (python/icrl_actor) against real learners, on loopback:
#   1. install: pip install ./python, and the generated protobuf code is current;
#   2. unit tests (python/tests): tokens, placements and Q-values equal the Swift actor's on
#      100 trials of `icrl qtrace` (1e-4), map splits equal Swift's, the PyTorch loader
#      matches Swift (1e-5 relative);
#   3. alone: a smoke-preset learner fed only by 2 Python actors trains: updates rise, no
#      rejection, no lost chunk, and its greedy policy succeeds on the smoke map >= .5;
#   4. mixed: one Swift and one Python actor feed one learner, both accepted;
#   5. a restarted learner (kill -9, --resume on the same port): the running Python actor
#      says hello again and its experience reaches the new learner;
#   6. a Python actor with a wrong config fingerprint is refused and told why (exit 3);
#   7. CURVE: with keys from icrl keygen it joins a learner that requires them.
# Prints "N passed, M failed" at the end; exits non-zero on any failure.
#   scripts/test_python_actor.sh [path/to/icrl]
set -uo pipefail
bin=${1:-.build/release/icrl}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
passed=0; failed=0
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$work"; }
trap cleanup EXIT
ok()   { echo "PASS $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
# metric RUN NAME: the last metrics line's value of NAME (0 if absent).
metric() { python3 -c 'import json,sys; ls=[json.loads(l) for l in open(sys.argv[1])]; print(ls[-1].get(sys.argv[2], 0) if ls else 0)' "$1/metrics.jsonl" "$2" 2>/dev/null || echo 0; }
# steps_from LEARNER ACTOR_ID: environment steps the learner accepted from that actor (icrl top).
steps_from() {
  "$bin" top "$1" --once --json 2>/dev/null | python3 -c '
import json, sys
status = json.load(sys.stdin)
print(sum(a.get("steps_received", 0) for a in status.get("actors", []) if a.get("actor_id") == sys.argv[1]))' "$2" 2>/dev/null || echo 0
}

echo "== install: pip install ./python =="
if python3 -m pip install --quiet "$root/python" > "$work/pip.log" 2>&1 \
   || python3 -m pip install --quiet --break-system-packages "$root/python" > "$work/pip.log" 2>&1; then
  ok "pip install ./python"
else
  fail "pip install ./python"; cat "$work/pip.log"
fi
(cd "$work" && command -v icrl-py-actor > /dev/null && icrl-py-actor --help > /dev/null) \
  && ok "icrl-py-actor is on PATH and answers --help" || fail "icrl-py-actor --help"
if bash "$root/scripts/gen_proto.sh" --check-python > "$work/proto.log" 2>&1; then
  ok "python/icrl_actor/icrl_pb2.py is current with Proto/icrl.proto"
else
  fail "generated Python protobuf code is stale or cannot be checked"; cat "$work/proto.log"
fi

echo "== unit tests: parity with the Swift actor, maps, PyTorch loader =="
if (cd "$root/python/tests" && ICRL_BIN="$root/$bin" ICRL_REQUIRE_SWIFT=1 ICRL_REQUIRE_TORCH=1 \
      python3 -m unittest -v test_tokenizer test_parity test_torch_model > "$work/unit.log" 2>&1); then
  ok "python unit tests: $(grep -c '\.\.\. ok$' "$work/unit.log") passed"
else
  fail "python unit tests"; tail -40 "$work/unit.log"
fi
grep -E '^(q parity|torch vs Swift)' "$work/unit.log"
played=$(cd "$root" && python3 python/examples/torch_eval.py --episodes 10 2>&1)
printf '%s\n' "$played" | tail -1 | grep -q 'reached the goal' \
  && ok "the docs' PyTorch example plays the shipped model to the goal by episode 10" || { fail "python/examples/torch_eval.py"; printf '%s\n' "$played" | tail -5; }

echo "== alone: a smoke learner fed only by 2 Python actors =="
run="$work/alone"; mkdir -p "$run"
"$bin" learner --bind tcp://127.0.0.1:26400 --out "$run" --preset smoke --minutes 1 > "$run/learner.log" 2>&1 &
learner=$!; pids+=("$learner")
for i in 0 1; do
  icrl-py-actor --learner tcp://127.0.0.1:26400 --id py$i --seed $((i + 1)) --summary-json > "$run/py$i.out" 2> "$run/py$i.log" &
  pids+=("$!")
done
sleep 30; early=$(metric "$run" charts/updates)
wait "$learner"; status=$?
sleep 2
late=$(metric "$run" charts/updates); rejected=$(metric "$run" rejected/total); lost=$(metric "$run" transport/lost_chunks)
[ "$status" -eq 0 ] && ok "learner exited cleanly" || { fail "learner exit status $status"; tail -20 "$run/learner.log"; }
python3 -c "import sys; sys.exit(0 if float('$late') > float('$early') > 0 else 1)" \
  && ok "updates rise: $early at 30 s, $late at the end" || fail "updates did not rise ($early -> $late)"
[ "${rejected%.*}" = "0" ] && ok "0 rejections from the Python actors" || { fail "$rejected rejections"; grep -i reject "$run/learner.log" | tail -5; }
[ "${lost%.*}" = "0" ] && ok "0 lost chunks" || fail "$lost lost chunks"
for i in 0 1; do
  grep -q '"chunks_sent"' "$run/py$i.out" && ok "py$i stopped when the learner did: $(cat "$run/py$i.out")" \
    || { fail "py$i did not stop cleanly"; tail -5 "$run/py$i.log"; }
done
json=$("$bin" eval --checkpoint "$run/checkpoints/latest.safetensors" --map SFFF,FHFH,FFFH,HFFG \
  --maps 16 --episodes 5 --max-steps 20 --json)
mean=$(printf '%s\n' "$json" | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["mean_success"])')
python3 -c "import sys; sys.exit(0 if float('$mean') >= 0.5 else 1)" \
  && ok "greedy success on the smoke map after Python-only training: $mean (want >= .5)" \
  || fail "greedy success on the smoke map: $mean (want >= .5)"

echo "== mixed: one Swift and one Python actor =="
run="$work/mixed"; mkdir -p "$run"
"$bin" learner --bind tcp://127.0.0.1:26500 --out "$run" --preset smoke --minutes 0.6 > "$run/learner.log" 2>&1 &
learner=$!; pids+=("$learner")
"$bin" actor --learner tcp://127.0.0.1:26500 --id swift0 --seed 1 > "$run/swift0.log" 2>&1 & pids+=("$!")
icrl-py-actor --learner tcp://127.0.0.1:26500 --id py0 --seed 3 > "$run/py0.out" 2> "$run/py0.log" & pids+=("$!")
sleep 25
swift_steps=$(steps_from tcp://127.0.0.1:26500 swift0); py_steps=$(steps_from tcp://127.0.0.1:26500 py0)
wait "$learner"
[ "${swift_steps:-0}" -gt 0 ] && [ "${py_steps:-0}" -gt 0 ] \
  && ok "both accepted: $swift_steps steps from the Swift actor, $py_steps from the Python actor" \
  || fail "mixed: $swift_steps Swift steps, $py_steps Python steps accepted"
rejected=$(metric "$run" rejected/total)
[ "${rejected%.*}" = "0" ] && ok "mixed: 0 rejections" || fail "mixed: $rejected rejections"

echo "== restart: kill -9 the learner, resume it; the Python actor comes back =="
run="$work/restart"; mkdir -p "$run"
"$bin" config --preset smoke | python3 -c 'import json,sys; c=json.load(sys.stdin); c["checkpointSeconds"]=3; print(json.dumps(c))' > "$work/smoke-ckpt3.json"
"$bin" learner --bind tcp://127.0.0.1:26600 --out "$run" --config "$work/smoke-ckpt3.json" --minutes 5 > "$run/learner1.log" 2>&1 &
learner=$!; pids+=("$learner")
icrl-py-actor --learner tcp://127.0.0.1:26600 --id pyr --seed 4 > "$run/py.out" 2> "$run/py.log" &
actor=$!; pids+=("$actor")
sleep 15
kill -9 "$learner"; wait "$learner" 2>/dev/null
sleep 2
"$bin" learner --bind tcp://127.0.0.1:26600 --out "$run" --config "$work/smoke-ckpt3.json" --minutes 5 --resume > "$run/learner2.log" 2>&1 &
learner=$!; pids+=("$learner")
again=0
for _ in $(seq 1 40); do
  sleep 0.5
  again=$(steps_from tcp://127.0.0.1:26600 pyr)
  [ "${again:-0}" -gt 0 ] && break
done
kill -0 "$actor" 2>/dev/null && [ "${again:-0}" -gt 0 ] \
  && ok "the Python actor survived the learner's death and the resumed learner took $again steps from it" \
  || { fail "restart: actor alive $(kill -0 "$actor" 2>/dev/null && echo yes || echo no), $again steps after resume"; tail -5 "$run/py.log"; }
grep -q 'saying hello again' "$run/py.log" && ok "the actor said hello again when the new learner asked" || fail "no second hello in the actor's log"
kill -TERM "$learner"; wait "$learner" 2>/dev/null
for _ in $(seq 1 50); do kill -0 "$actor" 2>/dev/null || break; sleep 0.2; done
kill -0 "$actor" 2>/dev/null && fail "the actor did not stop after the learner's shutdown" || ok "the actor stopped when told"

echo "== refused: a Python actor claiming another config fingerprint =="
run="$work/refused"; mkdir -p "$run"
"$bin" learner --bind tcp://127.0.0.1:26700 --out "$run" --preset smoke --minutes 0.4 > "$run/learner.log" 2>&1 &
learner=$!; pids+=("$learner")
timeout 60 icrl-py-actor --learner tcp://127.0.0.1:26700 --id pybad --fingerprint 0123456789abcdef > "$run/py.out" 2> "$run/py.log"
status=$?
reason=$(grep 'refused this actor' "$run/py.log" | tail -1)
[ "$status" -eq 3 ] && printf '%s' "$reason" | grep -qi 'fingerprint' \
  && ok "refused with exit 3 and the reason: ${reason#*icrl-py-actor: }" \
  || { fail "wrong fingerprint: exit $status, reason '$reason'"; tail -5 "$run/py.log"; }
wait "$learner"

echo "== CURVE: a Python actor with keys joins a learner that requires them =="
run="$work/curve"; mkdir -p "$run"
"$bin" keygen learner --out "$work/keys" > /dev/null && "$bin" keygen actors --out "$work/keys" > /dev/null
cp "$work/keys/actors.pub" "$work/keys/authorized_keys"
"$bin" learner --bind tcp://127.0.0.1:26800 --out "$run" --preset smoke --minutes 0.4 \
  --curve-key "$work/keys/learner.key" --authorized-keys "$work/keys/authorized_keys" > "$run/learner.log" 2>&1 &
learner=$!; pids+=("$learner")
icrl-py-actor --learner tcp://127.0.0.1:26800 --id pycurve --curve-key "$work/keys/actors.key" \
  --learner-key "$work/keys/learner.pub" > "$run/py.out" 2> "$run/py.log" & pids+=("$!")
sleep 15
steps=$("$bin" top tcp://127.0.0.1:26800 --once --json --curve-key "$work/keys/actors.key" --learner-key "$work/keys/learner.pub" 2>/dev/null \
  | python3 -c 'import json,sys; print(sum(a.get("steps_received",0) for a in json.load(sys.stdin).get("actors",[]) if a["actor_id"]=="pycurve"))' 2>/dev/null)
wait "$learner"
[ "${steps:-0}" -gt 0 ] && ok "CURVE: the learner took $steps steps from the Python actor" \
  || { fail "CURVE: $steps steps accepted"; tail -5 "$run/py.log"; tail -5 "$run/learner.log"; }

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
