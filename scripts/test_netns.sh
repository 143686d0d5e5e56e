#!/usr/bin/env bash
# Multi-host test on one machine (`make test-cluster`): three network namespaces joined by
# veth pairs to a bridge in a fourth, each with its own private address — the learner on
# 10.231.0.1, actors on 10.231.0.2 and 10.231.0.3. The learner trains (preset smoke) while
# both actors roll out; the test checks that experience arrived from both hosts, that
# weights reached both, and then removes every namespace and process it made.
# Mid-run it cuts host1's link (`ip link set eth0 down`) for 10 s and restores it: the
# learner must declare host1 dead (heartbeat timeout) and keep training on host2, and
# both sides must recover after the restore (host1 rejoins, its experience flows again).
# Needs root (ip netns); skips with a message otherwise.
#   bash scripts/test_netns.sh [ICRL_BINARY] [SECONDS]
set -uo pipefail
bin=$(readlink -f "${1:-.build/release/icrl}")
seconds=${2:-45}
if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null 2>&1; then
  echo "test_netns: SKIP — needs root and iproute2 to create network namespaces (run: sudo make test-cluster)"
  exit 0
fi
if ! ip netns add "icrl-probe-$$" 2>/dev/null; then
  echo "test_netns: SKIP — this kernel or container does not allow network namespaces (ip netns add failed)"
  exit 0
fi
ip netns del "icrl-probe-$$"

tag=$$
sw="icrl-sw-$tag"; hosts=("icrl-l-$tag" "icrl-a1-$tag" "icrl-a2-$tag"); addrs=(10.231.0.1 10.231.0.2 10.231.0.3)
work=$(mktemp -d)
pids=()
passed=0; failed=0
ok() { echo "ok   $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  for ns in "${hosts[@]}" "$sw"; do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT

ip netns add "$sw"
ip -n "$sw" link add br0 type bridge
ip -n "$sw" link set br0 up
ip -n "$sw" link set lo up
for i in 0 1 2; do
  ns=${hosts[$i]}
  ip netns add "$ns"
  ip link add "v$i-$tag" type veth peer name "p$i-$tag"
  ip link set "v$i-$tag" netns "$ns"
  ip link set "p$i-$tag" netns "$sw"
  ip -n "$ns" link set "v$i-$tag" name eth0
  ip -n "$ns" addr add "${addrs[$i]}/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up
  ip -n "$sw" link set "p$i-$tag" master br0
  ip -n "$sw" link set "p$i-$tag" up
done
# Each actor host has exactly one route, to 10.231.0.0/24 over its own eth0: the learner's
# loopback is out of its reach, so the experience below can only have crossed the bridge.
for i in 1 2; do
  if ip -n "${hosts[$i]}" route show | grep -q "10.231.0.0/24 dev eth0"; then
    ok "host$i: routed to the learner's subnet over its own link"
  else
    fail "host$i has no route to 10.231.0.0/24"
  fi
done

run="$work/run"; mkdir -p "$run"
minutes=$(python3 -c "print($seconds / 60)")
# --insecure: plain TCP on the test's private bridge, which only its own namespaces reach.
ip netns exec "${hosts[0]}" "$bin" learner --bind "tcp://${addrs[0]}:5555" --insecure --out "$run" --preset smoke --minutes "$minutes" \
  > "$work/learner.log" 2>&1 &
learner=$!; pids+=("$learner")
for i in 1 2; do
  ip netns exec "${hosts[$i]}" "$bin" actor --learner "tcp://${addrs[0]}:5555" --id "host$i" --seed "$i" > "$work/actor$i.log" 2>&1 &
  pids+=($!)
done
metric() {  # metric KEY: the key's value in the newest metrics line that has it (-1: none yet)
  python3 -c '
import json, sys
v = -1
for line in open(sys.argv[1]):
    if line.strip():
        r = json.loads(line)
        if sys.argv[2] in r: v = r[sys.argv[2]]
print(int(v))' "$run/metrics.jsonl" "$1" 2>/dev/null || echo -1
}
wait_metric() {  # wait_metric SECONDS KEY MIN: polls until a deadline (each poll starts python)
  local deadline=$(( $(date +%s) + $1 ))
  while [ "$(date +%s)" -lt "$deadline" ]; do [ "$(metric "$2")" -ge "$3" ] && return 0; sleep 0.2; done
  return 1
}
echo "== link cut: host1 offline for 10 s =="
if wait_metric 20 actors/host1/steps_received 1 && wait_metric 20 actors/host2/steps_received 1; then
  deaths0=$(metric actors/deaths); updates0=$(metric charts/updates)
  ip -n "${hosts[1]}" link set eth0 down
  cut_at=$(date +%s)
  if wait_metric 10 actors/deaths $((deaths0 + 1)); then ok "learner declared host1 dead while its link was down"; else fail "no actor death recorded during the cut"; fi
  left=$(( 10 - ($(date +%s) - cut_at) )); [ "$left" -gt 0 ] && sleep "$left"
  h1_cut=$(metric actors/host1/steps_received); h2_cut=$(metric actors/host2/steps_received); updates_cut=$(metric charts/updates)
  [ "$updates_cut" -gt "$updates0" ] && ok "training went on during the cut ($updates0 -> $updates_cut updates)" || fail "training stalled during the cut"
  ip -n "${hosts[1]}" link set eth0 up
  echo "     link restored after $(( $(date +%s) - cut_at )) s"
  rejoins0=$(metric actors/rejoins)
  if wait_metric 15 actors/host1/steps_received $(( h1_cut + 1 )); then
    ok "host1 recovered: its experience flows again ($(metric actors/host1/steps_received) steps, was $h1_cut at the restore)"
  else
    fail "host1's experience did not resume after the restore"
  fi
  wait_metric 10 actors/live 2 && ok "both actors live again (rejoins $(metric actors/rejoins), deaths $(metric actors/deaths), lost chunks $(metric transport/lost_chunks))" \
    || fail "actors/live did not return to 2"
  [ "$(metric actors/host2/steps_received)" -gt "$h2_cut" ] && ok "host2 kept sending throughout" || fail "host2 stopped sending"
else
  fail "both hosts never sent experience before the cut"
fi
wait "$learner"; status=$?
for _ in $(seq 1 50); do
  alive=0; for p in "${pids[@]:1}"; do kill -0 "$p" 2>/dev/null && alive=1; done
  [ "$alive" -eq 0 ] && break; sleep 0.2
done
[ "$status" -eq 0 ] && ok "learner exited cleanly after ${seconds}s" || { fail "learner exit status $status"; tail -5 "$work/learner.log"; }

python3 - "$run/metrics.jsonl" <<'PY' && ok "experience arrived from both hosts" || fail "experience did not arrive from both hosts"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
steps = {h: max((r.get(f"actors/{h}/steps_received", 0) for r in rows), default=0) for h in ("host1", "host2")}
print("     steps received by host:", steps)
sys.exit(0 if all(v > 0 for v in steps.values()) else 1)
PY
for i in 1 2; do
  first=$(grep -o 'weights v[0-9]*' "$work/actor$i.log" | head -1 | tr -dc 0-9)
  last=$(grep -o 'weights v[0-9]*' "$work/actor$i.log" | tail -1 | tr -dc 0-9)
  if [ -n "$last" ] && [ "${last:-0}" -gt "${first:-0}" ]; then ok "host$i: weights reached it, versions $first -> $last"; else fail "host$i: weight versions did not advance ($first -> $last)"; fi
done
left=0; for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && left=$((left + 1)); done
[ "$left" -eq 0 ] && ok "no process left behind" || fail "$left processes still running"
cleanup; trap - EXIT
remaining=$(ip netns list | grep -c "icrl-.*-$tag" || true)
[ "$remaining" -eq 0 ] && ok "namespaces removed" || fail "$remaining namespaces left"
echo "test_netns: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
