#!/usr/bin/env bash
# Multi-host test on one machine (`make test-cluster`): three network namespaces joined by
# veth pairs to a bridge in a fourth, each with its own private address — the learner on
# 10.231.0.1, actors on 10.231.0.2 and 10.231.0.3. The learner trains (preset smoke) while
# both actors roll out; the test checks that experience arrived from both hosts, that
# weights reached both, and then removes every namespace and process it made. A fourth
# host (10.231.0.4) then runs learner rank 1 of a 2-rank `mpirun` started on the first
# (Open MPI over TCP between the namespaces), with an actor on host1.
# Mid-run it partitions host1 (`ip link set eth0 down`) for PARTITION_SECONDS (30) and heals
# it: the learner must declare host1 dead (heartbeat timeout) and keep training on host2,
# host1's experience must flow again within 5 s of the heal, and the learner may count as
# lost only chunks an actor itself dropped. Env steps/s, updates/s and policy lag are
# printed for the clean link, the partition and after the heal.
# Needs root (ip netns); skips with a message otherwise.
#   bash scripts/test_netns.sh [ICRL_BINARY] [SECONDS]
set -uo pipefail
bin=$(readlink -f "${1:-.build/release/icrl}")
here=$(cd "$(dirname "$0")" && pwd)
seconds=${2:-75}
partition=${PARTITION_SECONDS:-30}
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
sw="icrl-sw-$tag"; hosts=("icrl-l-$tag" "icrl-a1-$tag" "icrl-a2-$tag" "icrl-l2-$tag"); addrs=(10.231.0.1 10.231.0.2 10.231.0.3 10.231.0.4)
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
for i in 0 1 2 3; do
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
echo "== partition: host1 offline for $partition s =="
now_s() { python3 -c 'import time; print(time.time())'; }
phase_rates() {  # phase_rates T0 STEPS0 UPDATES0: env steps/s and updates/s since then
  python3 -c "import sys,time; t=time.time()-$1; print(f'{($(metric charts/env_steps_received)-$2)/t:.0f} env steps/s, {($(metric charts/updates)-$3)/t:.1f} updates/s')"
}
lag() { python3 -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1]) if l.strip()]; print(round(r[-1].get("policy_lag/avg", -1), 1))' "$run/metrics.jsonl" 2>/dev/null; }
if wait_metric 20 actors/host1/steps_received 1 && wait_metric 20 actors/host2/steps_received 1; then
  t_clean=$(now_s); s_clean=$(metric charts/env_steps_received); u_clean=$(metric charts/updates)
  sleep 8
  clean="$(phase_rates "$t_clean" "$s_clean" "$u_clean"), policy lag $(lag)"
  deaths0=$(metric actors/deaths); updates0=$(metric charts/updates)
  t_cut=$(now_s); s_cut=$(metric charts/env_steps_received)
  ip -n "${hosts[1]}" link set eth0 down
  cut_at=$(date +%s)
  if wait_metric 10 actors/deaths $((deaths0 + 1)); then ok "learner declared host1 dead while its link was down"; else fail "no actor death recorded during the partition"; fi
  left=$(( partition - ($(date +%s) - cut_at) )); [ "$left" -gt 0 ] && sleep "$left"
  during="$(phase_rates "$t_cut" "$s_cut" "$updates0"), policy lag $(lag)"
  h1_cut=$(metric actors/host1/steps_received); h2_cut=$(metric actors/host2/steps_received); updates_cut=$(metric charts/updates)
  [ "$updates_cut" -gt "$updates0" ] && ok "training went on during the partition ($updates0 -> $updates_cut updates)" || fail "training stalled during the partition"
  ip -n "${hosts[1]}" link set eth0 up
  healed=$(now_s)
  echo "     link healed after $(( $(date +%s) - cut_at )) s"
  if wait_metric 15 actors/host1/steps_received $(( h1_cut + 1 )); then
    rejoin=$(python3 -c "import time; print(round(time.time() - $healed, 1))")
    python3 -c "import sys; sys.exit(0 if $rejoin < 5 else 1)" \
      && ok "host1 rejoined $rejoin s after the heal (metrics lines every 2 s bound the resolution; want < 5 s)" \
      || fail "host1 rejoined only $rejoin s after the heal (want < 5 s)"
  else
    fail "host1's experience did not resume within 15 s of the heal"
  fi
  t_after=$(now_s); s_after=$(metric charts/env_steps_received); u_after=$(metric charts/updates)
  wait_metric 10 actors/live 2 && ok "both actors live again (rejoins $(metric actors/rejoins), deaths $(metric actors/deaths))" \
    || fail "actors/live did not return to 2"
  [ "$(metric actors/host2/steps_received)" -gt "$h2_cut" ] && ok "host2 kept sending throughout" || fail "host2 stopped sending"
  sleep 6
  after="$(phase_rates "$t_after" "$s_after" "$u_after"), policy lag $(lag)"
  echo "     clean link:      $clean"
  echo "     partition:       $during"
  echo "     after the heal:  $after"
else
  fail "both hosts never sent experience before the partition"
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
lost=$(metric transport/lost_chunks)
dropped=0
for i in 1 2; do d=$(grep -o 'dropped [0-9]*' "$work/actor$i.log" | tail -1 | tr -dc 0-9); dropped=$((dropped + ${d:-0})); done
# The actor re-dials its experience connection when its control connection comes back after
# the partition, and what was in flight on the old one is gone: its send queue (16 chunks) and socket buffer (128 KiB, ~200 smoke
# chunks). The learner counts exactly what never arrived (sequence gaps): no more than that.
# At 200 bytes or more per chunk, 128 KiB hold at most 655 chunks.
[ "$lost" -le $((dropped + 16 + 655)) ] && ok "chunks counted lost by the learner: $lost (the actors dropped $dropped; a cut connection can lose its 16 queued chunks and 128 KiB in flight)" \
  || fail "the learner counted $lost chunks lost; the actors dropped $dropped, and a cut connection holds at most 16 chunks + 128 KiB"
for i in 1 2; do
  first=$(grep -o 'weights v[0-9]*' "$work/actor$i.log" | head -1 | tr -dc 0-9)
  last=$(grep -o 'weights v[0-9]*' "$work/actor$i.log" | tail -1 | tr -dc 0-9)
  if [ -n "$last" ] && [ "${last:-0}" -gt "${first:-0}" ]; then ok "host$i: weights reached it, versions $first -> $last"; else fail "host$i: weight versions did not advance ($first -> $last)"; fi
done
left=0; for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && left=$((left + 1)); done
[ "$left" -eq 0 ] && ok "no process left behind" || fail "$left processes still running"
echo "== bad networks: host2 behind 50 ± 10 ms latency, then 2 % loss on host1 =="
# The kernel's netem qdisc is the usual tool; where it is missing (this test probes), the
# latency comes from a userspace proxy in host2's namespace (scripts/latency_proxy.py: each
# direction of each connection delayed 40-60 ms) and the loss from iptables' statistic match.
netem=no
ip netns exec "${hosts[2]}" tc qdisc add dev lo root netem delay 1ms 2>/dev/null && netem=yes \
  && ip netns exec "${hosts[2]}" tc qdisc del dev lo root 2>/dev/null
brun="$work/bad-run"; mkdir -p "$brun"
ip netns exec "${hosts[0]}" "$bin" learner --bind "tcp://${addrs[0]}:5575" --insecure --out "$brun" --preset smoke --minutes 0.9 \
  > "$work/bad-learner.log" 2>&1 &
blearner=$!; pids+=("$blearner")
if [ "$netem" = yes ]; then
  ip netns exec "${hosts[2]}" tc qdisc add dev eth0 root netem delay 50ms 10ms
  h2_target="tcp://${addrs[0]}:5575"; how="netem"
else
  ip netns exec "${hosts[2]}" python3 "$here/latency_proxy.py" --listen 127.0.0.1:6575 --target "${addrs[0]}:5575" \
    --delay-ms 50 --jitter-ms 10 2> "$work/proxy.log" &
  pids+=($!)
  h2_target="tcp://127.0.0.1:6575"; how="userspace proxy (no netem in this kernel)"
fi
ip netns exec "${hosts[1]}" "$bin" actor --learner "tcp://${addrs[0]}:5575" --id host1 --seed 11 > "$work/bad-a1.log" 2>&1 & pids+=($!)
ip netns exec "${hosts[2]}" "$bin" actor --learner "$h2_target" --id host2 --seed 12 > "$work/bad-a2.log" 2>&1 & pids+=($!)
bmetric() { python3 -c 'import json,sys; v=-1
for l in open(sys.argv[1]):
    if l.strip():
        r=json.loads(l); v=r.get(sys.argv[2], v)
print(v)' "$brun/metrics.jsonl" "$1" 2>/dev/null || echo -1; }
# window SECONDS: host1 and host2 steps/s, their policy lag (updates behind the learner's
# weights, averaged over the window's metrics lines) and the learner's updates/s.
window() {
  local t0 a0 b0 u0 lags=()
  t0=$(date +%s.%N); a0=$(bmetric actors/host1/steps_received); b0=$(bmetric actors/host2/steps_received); u0=$(bmetric charts/updates)
  for _ in $(seq 1 "$1"); do
    sleep 1
    lags+=("$(bmetric policy_lag/avg) $(bmetric policy_lag/max)")
  done
  python3 - "$t0" "$a0" "$b0" "$u0" "$(bmetric actors/host1/steps_received)" "$(bmetric actors/host2/steps_received)" "$(bmetric charts/updates)" "${lags[@]}" <<'PY'
import sys, time
t0, a0, b0, u0, a1, b1, u1 = map(float, sys.argv[1:8])
dt = time.time() - t0
lags = [tuple(map(float, x.split())) for x in sys.argv[8:]]
l1 = sum(l[0] for l in lags) / len(lags); l2 = sum(l[1] for l in lags) / len(lags)
print(f"{(a1 - a0) / dt:.0f} {(b1 - b0) / dt:.0f} {l1:.1f} {l2:.1f} {(u1 - u0) / dt:.2f}")
PY
}
bad_ok=0
for _ in $(seq 1 40); do [ "$(bmetric actors/host2/steps_received | cut -d. -f1)" -gt 0 ] 2>/dev/null && [ "$(bmetric actors/host1/steps_received | cut -d. -f1)" -gt 0 ] 2>/dev/null && { bad_ok=1; break; }; sleep 0.5; done
if [ "$bad_ok" = 1 ]; then
  read -r c1 c2 cl1 cl2 cu <<< "$(window 12)"
  have_loss=no
  ipt=iptables; command -v iptables-legacy >/dev/null 2>&1 && ipt=iptables-legacy
  if command -v "$ipt" >/dev/null 2>&1 && ip netns exec "${hosts[1]}" "$ipt" -A INPUT -m statistic --mode random --probability 0.02 -j DROP 2>/dev/null; then
    ip netns exec "${hosts[1]}" "$ipt" -A OUTPUT -m statistic --mode random --probability 0.02 -j DROP
    have_loss=yes
    read -r l1 l2 ll1 ll2 lu <<< "$(window 12)"
    ip netns exec "${hosts[1]}" "$ipt" -F
  fi
  wait "$blearner"; bstatus=$?
  echo "     condition                              | env steps/s from the host | learner policy lag avg / max | learner updates/s"
  echo "     first 12 s: host1 clean                | $c1 | $cl1 / $cl2 | $cu"
  echo "     first 12 s: host2 50 ± 10 ms, $how | $c2 | (same window) | $cu"
  [ "$have_loss" = yes ] && echo "     next 12 s: host1 2 % loss each way     | $l1 (host2: $l2) | $ll1 / $ll2 | $lu"
  [ "${c2%.*}" -gt 0 ] && ok "training continues with host2 behind 50 ± 10 ms latency ($c2 env steps/s from it, $c1 from the clean host)" \
    || fail "no experience from host2 behind the latency"
  if [ "$have_loss" = yes ]; then
    [ "${l1%.*}" -gt 0 ] && python3 -c "import sys; sys.exit(0 if $lu > 0 else 1)" \
      && ok "training continues with 2 % loss on host1 ($l1 env steps/s from it, learner at $lu updates/s)" || fail "host1 stalled under 2 % loss"
  else
    fail "2 % loss not tested: iptables with the statistic match is missing (apt-get install iptables)"
  fi
  [ "$bstatus" -eq 0 ] && ok "the learner exited cleanly after the bad-network run" || fail "bad-network learner exit status $bstatus"
  [ "$(bmetric rejected/total | cut -d. -f1)" -eq 0 ] && ok "no rejections under latency and loss" || fail "$(bmetric rejected/total) rejections"
else
  fail "the bad-network run never got experience from both hosts"; tail -5 "$work/bad-a2.log" "$work/proxy.log" 2>/dev/null
fi
[ "$netem" = yes ] && ip netns exec "${hosts[2]}" tc qdisc del dev eth0 root 2>/dev/null

echo "== data-parallel learner across hosts: MPI ranks on ${addrs[0]} and ${addrs[3]}, an actor on ${addrs[1]} =="
if command -v mpirun >/dev/null 2>&1; then
  # mpirun's launch agent: "AGENT [options] HOST COMMAND…" runs COMMAND in HOST's namespace,
  # as ssh would on a real host. mpirun itself runs on the first host, so its daemons can
  # reach it over the bridge.
  agent="$work/netns-agent.sh"
  {
    echo '#!/bin/bash'
    echo 'while [[ "$1" == -* ]]; do shift; done'
    echo 'host=$1; shift'
    echo 'case "$host" in'
    for i in 0 1 2 3; do echo "  ${addrs[$i]}) ns=${hosts[$i]} ;;"; done
    echo '  *) echo "netns agent: unknown host $host" >&2; exit 1 ;;'
    echo 'esac'
    echo 'exec ip netns exec "$ns" /bin/sh -c "$*"'
  } > "$agent"
  chmod +x "$agent"
  mrun="$work/mpi-run"; mkdir -p "$mrun"
  ip netns exec "${hosts[0]}" timeout 120 mpirun --allow-run-as-root --host "${addrs[0]}:1,${addrs[3]}:1" -np 2 \
    --mca plm_rsh_agent "$agent" --mca oob_tcp_if_include 10.231.0.0/24 --mca btl_tcp_if_include 10.231.0.0/24 --mca btl self,tcp \
    -x ICRL_NN_THREADS=1 "$bin" learner --bind "tcp://${addrs[0]}:5565" --insecure --out "$mrun" --preset smoke --minutes 0.6 \
    > "$work/mpi-learner.log" 2>&1 &
  mpi=$!; pids+=("$mpi")
  ip netns exec "${hosts[1]}" "$bin" actor --learner "tcp://${addrs[0]}:5565" --id mpi-host1 --seed 5 > "$work/mpi-actor.log" 2>&1 &
  pids+=($!)
  wait "$mpi"; mpi_status=$?
  mm="$mrun/metrics.jsonl"
  mmetric() { python3 -c 'import json,sys; v=-1
for l in open(sys.argv[1]):
    if l.strip():
        r=json.loads(l); v=r.get(sys.argv[2], v)
print(int(v))' "$mm" "$1" 2>/dev/null || echo -1; }
  [ "$mpi_status" -eq 0 ] && ok "mpirun across two namespace hosts exited cleanly" || { fail "mpirun exit status $mpi_status"; tail -15 "$work/mpi-learner.log"; }
  grep -q "learner rank 1 of 2" "$work/mpi-learner.log" && ok "the learner ran as 2 ranks, rank 1 on ${addrs[3]}" \
    || fail "no 'learner rank 1 of 2' in the learner's log"
  s0=$(mmetric ranks/rank-0/replay_steps); s1=$(mmetric ranks/rank-1/replay_steps); u1=$(mmetric ranks/rank-1/updates)
  [ "$s0" -gt 0 ] && [ "$s1" -gt 0 ] && [ "$u1" -gt 0 ] \
    && ok "both ranks trained from their shards: $s0 and $s1 steps, rank 1 at $u1 updates (experience from ${addrs[1]} through rank 0 to ${addrs[3]})" \
    || fail "rank shards $s0 / $s1 steps, rank 1 updates $u1"
  # A trial forwarded to a rank whose shard evicted it while open is refused as "evicted"
  # (small smoke shards); any other refusal is a fault.
  reasons=$(python3 -c 'import json,sys
last={}
for l in open(sys.argv[1]):
    if l.strip(): last.update({k: v for k, v in json.loads(l).items() if k.startswith("rejected/") and v})
print(" ".join(f"{k}={int(v)}" for k, v in sorted(last.items())))' "$mm")
  python3 -c "import sys; r=dict(x.split('=') for x in '$reasons'.split()); r.pop('rejected/total', None); r.pop('rejected/evicted', None); r.pop('rejected/on_other_ranks', None); sys.exit(1 if r else 0)" \
    && ok "no rejections across hosts but evicted continuations (${reasons:-none})" || { fail "rejections across hosts: $reasons (lost in transit: $(mmetric transport/lost_chunks))"; grep -iE "refus|reject|gap|warn" "$work/mpi-learner.log" | tail -8; tail -5 "$work/mpi-actor.log"; }
else
  fail "mpirun not found (install openmpi-bin)"
fi

cleanup; trap - EXIT
remaining=$(ip netns list | grep -c "icrl-.*-$tag" || true)
[ "$remaining" -eq 0 ] && ok "namespaces removed" || fail "$remaining namespaces left"
echo "test_netns: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
