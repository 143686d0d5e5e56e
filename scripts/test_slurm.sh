#!/usr/bin/env bash
# A real Slurm run on this machine (`make test-slurm`): installs Debian's slurm-wlm and
# munge if absent, configures a single-node cluster (slurmctld + slurmd on this host),
# submits deploy/slurm/icrl.sbatch with one learner and two actor tasks (preset smoke, CURVE on),
# waits for it, checks the run folder, then submits it again with the learner as 2 MPI ranks
# (LEARNER_RANKS=2, srun --mpi=pmix) and one actor, and stops the daemons it started.
# Needs root (apt, daemons); skips with a message otherwise.
#   bash scripts/test_slurm.sh [ICRL_BINARY] [SECONDS]
set -uo pipefail
bin=$(readlink -f "${1:-.build/release/icrl}")
seconds=${2:-30}
if [ "$(id -u)" -ne 0 ]; then
  echo "test_slurm: SKIP — needs root to install and start slurmctld, slurmd and munged (run: sudo make test-slurm)"
  exit 0
fi
started=$(date +%s)
if ! command -v slurmctld >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
  echo "test_slurm: installing slurm-wlm and munge"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null \
    || { echo "test_slurm: SKIP — apt could not install slurm-wlm and munge here (no network or mirror?)"; exit 0; }
fi
work=$(mktemp -d /tmp/icrl-slurm.XXXXXX)
chmod 755 "$work"
host=$(hostname -s)
conf="$work/slurm.conf"
pids=()
cleanup() {
  scancel --user root >/dev/null 2>&1 || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  sleep 1
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  pkill -f "$work" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# munge: a fresh key for this test only, its own socket.
mkdir -p "$work/munge"
dd if=/dev/urandom of="$work/munge/munge.key" bs=1 count=1024 status=none
chmod 400 "$work/munge/munge.key"
munged --force --key-file="$work/munge/munge.key" --socket="$work/munge/munge.socket" \
  --pid-file="$work/munge/munged.pid" --log-file="$work/munge/munged.log" --seed-file="$work/munge/seed" \
  || { echo "test_slurm: FAIL — munged did not start"; exit 1; }
pids+=("$(cat "$work/munge/munged.pid")")

mkdir -p "$work/state" "$work/spool" "$work/run"
cat > "$conf" <<CONF
ClusterName=icrltest
SlurmctldHost=$host
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
AuthInfo=socket=$work/munge/munge.socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
ReturnToService=2
MpiDefault=none
# One node; the CPU count is declared generously so one learner and two actors fit.
NodeName=$host CPUs=8 RealMemory=4000 State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF
export SLURM_CONF="$conf"
slurmctld -f "$conf" -i && sleep 1
pids+=("$(cat "$work/slurmctld.pid" 2>/dev/null)")
slurmd -f "$conf" && sleep 2
pids+=("$(cat "$work/slurmd.pid" 2>/dev/null)")
for _ in $(seq 1 30); do sinfo -h -o %T 2>/dev/null | grep -qE 'idle|mix' && break; sleep 1; done
if ! sinfo -h -o %T 2>/dev/null | grep -qE 'idle|mix'; then
  echo "test_slurm: FAIL — the node did not come up:"; sinfo 2>&1; tail -5 "$work/slurmd.log" "$work/slurmctld.log" 2>/dev/null; exit 1
fi
echo "test_slurm: single-node cluster up ($(sinfo -h -o '%P %D %T'))"

minutes=$(python3 -c "print($seconds / 60)")
# With CURVE, as a security-minded cluster would run it.
keys="$work/keys"
"$bin" keygen learner --out "$keys" > /dev/null && "$bin" keygen actor --out "$keys" > /dev/null
cp "$keys/actor.pub" "$keys/authorized_keys"
job=$(cd "$work" && ICRL="$bin" KEYS="$keys" PRESET=smoke MINUTES="$minutes" ACTORS_PER_NODE=2 RUN="$work/run" PORT=24300 \
  sbatch --parsable --nodes 1 --cpus-per-task 1 --time 5 --output "$work/job-%j.out" \
  "$OLDPWD/deploy/slurm/icrl.sbatch")
[ -n "$job" ] || { echo "test_slurm: FAIL — sbatch refused the job"; exit 1; }
echo "test_slurm: submitted job $job"
for _ in $(seq 1 $((seconds + 120))); do
  state=$(scontrol show job "$job" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2)
  case "$state" in COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY) break ;; esac
  sleep 1
done
echo "test_slurm: job $job ended $state"
passed=0; failed=0
ok() { echo "ok   $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
[ "$state" = COMPLETED ] && ok "job completed" || { fail "job state $state"; cat "$work"/job-*.out; }
[ -f "$work/run/checkpoints/latest.safetensors" ] && ok "checkpoint in the run folder" || fail "no checkpoint"
python3 - "$work/run/metrics.jsonl" <<'PY' && ok "the learner saw 2 actor tasks send experience over CURVE" || { fail "actors' experience missing"; tail -n 20 "$work"/run/*.log; }
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
steps = {}
for r in rows:
    for k, v in r.items():
        if k.startswith("actors/") and k.endswith("/steps_received"):
            steps[k] = max(steps.get(k, 0), v)
print("     steps by actor:", steps, "CURVE connections admitted:", rows[-1].get("transport/auth_accepted"))
sys.exit(0 if len([v for v in steps.values() if v > 0]) >= 2 and rows[-1].get("transport/auth_accepted", 0) >= 6 else 1)
PY
# The learner as 2 MPI ranks under srun --mpi=pmix (LEARNER_RANKS=2), one actor task.
job2=$(cd "$work" && ICRL="$bin" KEYS="$keys" PRESET=smoke MINUTES="$minutes" ACTORS_PER_NODE=1 RUN="$work/run2" PORT=24310 \
  LEARNER_RANKS=2 sbatch --parsable --nodes 1 --cpus-per-task 1 --time 5 --output "$work/job2-%j.out" \
  "$OLDPWD/deploy/slurm/icrl.sbatch")
state2=none
if [ -n "$job2" ]; then
  for _ in $(seq 1 $((seconds + 120))); do
    state2=$(scontrol show job "$job2" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2)
    case "$state2" in COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY) break ;; esac
    sleep 1
  done
fi
echo "test_slurm: 2-rank job $job2 ended $state2"
[ "$state2" = COMPLETED ] && ok "2-rank learner job completed (srun --mpi=pmix)" || { fail "2-rank job state $state2"; cat "$work"/job2-*.out 2>/dev/null | tail -20; }
python3 - "$work/run2/metrics.jsonl" <<'PY' && ok "both srun ranks trained from their replay shards" || fail "rank shards empty under srun"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
last = {}
for r in rows: last.update({k: v for k, v in r.items() if k.startswith("ranks/")})
s0, s1, u1 = last.get("ranks/rank-0/replay_steps", 0), last.get("ranks/rank-1/replay_steps", 0), last.get("ranks/rank-1/updates", 0)
print(f"     rank shards: {s0:.0f} and {s1:.0f} steps, rank 1 at {u1:.0f} updates")
sys.exit(0 if s0 > 0 and s1 > 0 and u1 > 0 else 1)
PY
# A learner that cannot start (its port taken) must end the job, not leave the actors
# waiting for it until the time limit, and the job's output must say why.
python3 -c 'import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("0.0.0.0", 24320)); s.listen(); time.sleep(60)' &
holder=$!
sleep 0.5
job3=$(cd "$work" && ICRL="$bin" KEYS="$keys" PRESET=smoke MINUTES="$minutes" ACTORS_PER_NODE=1 RUN="$work/run3" PORT=24320 \
  sbatch --parsable --nodes 1 --cpus-per-task 1 --time 5 --output "$work/job3-%j.out" "$OLDPWD/deploy/slurm/icrl.sbatch")
state3=none; t3=$(date +%s)
for _ in $(seq 1 40); do
  state3=$(scontrol show job "$job3" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2)
  case "$state3" in COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY) break ;; esac
  sleep 1
done
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
[ "$state3" = FAILED ] && grep -q "the learner failed" "$work"/job3-*.out \
  && ok "a learner that cannot bind ends its job in $(( $(date +%s) - t3 )) s (FAILED), the output says why: $(grep -m1 -iE 'bind|in use' "$work"/job3-*.out | cut -c1-120)" \
  || { fail "a learner that cannot bind: job state $state3"; tail -n 8 "$work"/job3-*.out 2>/dev/null; }
echo "test_slurm: $passed passed, $failed failed in $(( $(date +%s) - started )) s"
[ "$failed" -eq 0 ]
