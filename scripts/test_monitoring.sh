#!/usr/bin/env bash
# Process-level tests of monitoring, on loopback, with the release binary: a learner with
# --metrics-port and two actors train for about a minute while this script
#   1. scrapes GET /metrics and has `promtool check metrics` lint it; counters go up;
#   2. reads the cluster with `icrl top --once --json` (run folder) and as a table (address);
#   3. runs the live view under tmux and checks two captures of the pane;
#   4. floods the metrics port with scrapes, garbage, slowloris and oversized requests,
#      and checks training went on and /metrics still answers;
#   5. checks every metric the Grafana dashboard queries exists in a real scrape;
#   6. kills an actor and sees `icrl top` call it stale or dead.
# Prints "N passed, M failed" at the end; exits non-zero on any failure.
set -uo pipefail
bin=${1:-.build/release/icrl}
work=$(mktemp -d)
passed=0; failed=0
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; tmux kill-session -t icrl-top-test 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
ok()   { echo "PASS $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
# Below Linux's ephemeral range (32768-60999): a port a finished client left in TIME_WAIT
# cannot be bound again.
port=29300; mport=29390
run="$work/run"; mkdir -p "$run"

echo "== learner with --metrics-port $mport and 2 actors =="
"$bin" learner --bind tcp://127.0.0.1:$port --out "$run" --preset smoke --minutes 1.3 --metrics-port $mport > "$work/learner.log" 2>&1 &
learner=$!; pids+=("$learner")
"$bin" actor --learner tcp://127.0.0.1:$port --id a0 --seed 1 > "$work/a0.log" 2>&1 &
a0=$!; pids+=("$a0")
"$bin" actor --learner tcp://127.0.0.1:$port --id a1 --seed 2 > "$work/a1.log" 2>&1 &
a1=$!; pids+=("$a1")
# Wait for a metrics line that has seen both actors and some updates.
for _ in $(seq 1 60); do
  curl -sf "http://127.0.0.1:$mport/metrics" > "$work/scrape1.txt" 2>/dev/null \
    && grep -q '^icrl_actors_live 2' "$work/scrape1.txt" && grep -q '^icrl_updates_total [1-9]' "$work/scrape1.txt" && break
  sleep 0.5
done

echo "== 1. Prometheus text format =="
if promtool check metrics < "$work/scrape1.txt" > "$work/promtool.txt" 2>&1; then
  ok "promtool check metrics: no problems in $(grep -c '^icrl_' "$work/scrape1.txt") series"
else
  fail "promtool check metrics"; head -20 "$work/promtool.txt"
fi
missing=""
for name in icrl_env_steps_total icrl_updates_total icrl_chunks_total 'icrl_episodes_total{behaviour=' icrl_rejections_all_total \
            icrl_charts_env_steps_per_second icrl_charts_updates_per_second icrl_policy_lag_avg icrl_replay_fill icrl_actors_live \
            icrl_system_rss_bytes 'icrl_actor_steps_received{actor="a0"}' 'icrl_timing_learner_forward_backward'; do
  grep -qF "$name" "$work/scrape1.txt" || missing="$missing $name"
done
[ -z "$missing" ] && ok "counters and gauges present (env steps, updates, chunks, episodes, rejections, rates, lag, replay fill, live actors, RSS, per actor, timing)" \
  || fail "missing series:$missing"
grep -q '^# TYPE icrl_env_steps_total counter' "$work/scrape1.txt" && grep -q '^# TYPE icrl_replay_fill gauge' "$work/scrape1.txt" \
  && ok "types: *_total are counters, the rest gauges" || fail "metric types"
ctype=$(curl -s -D - -o /dev/null "http://127.0.0.1:$mport/metrics" | tr -d '\r' | grep -i '^content-type:' | cut -d' ' -f2-)
[[ "$ctype" == "text/plain; version=0.0.4"* ]] && ok "Content-Type $ctype" || fail "Content-Type '$ctype'"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$mport/nothing-here")
[ "$code" = "404" ] && ok "unknown path: 404" || fail "unknown path answered $code"

echo "== 2. icrl top --once =="
# Actors report their stats every 5 s: wait until both have.
for _ in $(seq 1 30); do
  "$bin" top "$run" --once --json > "$work/top.json" 2> "$work/top.err"
  python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); sys.exit(0 if len(s["actors"]) == 2 and all(a["rss_bytes"] > 0 for a in s["actors"]) else 1)' "$work/top.json" 2>/dev/null && break
  sleep 0.5
done
if python3 - "$work/top.json" <<'PY'
import json, sys
s = json.loads(open(sys.argv[1]).read())
ids = sorted(a["actor_id"] for a in s["actors"])
assert ids == ["a0", "a1"], ids
for a in s["actors"]:
    assert a["state"] == "live", a
    assert a["env_steps_per_second"] > 0 and a["rss_bytes"] > 0 and a["pid"] > 0, a
    assert set(a["time"]) == {"env", "inference", "send", "backpressure", "weights"}, a["time"]
assert s["env_steps_per_second_10s"] > 0 and s["updates"] > 0 and s["replay_capacity"] > 0 and s["rss_bytes"] > 0, s
assert s["policy_lag_max"] >= s["policy_lag_min"], s
print(f"  top: {len(ids)} actors live, {s['env_steps_per_second_10s']:.0f} env steps/s over 10 s, updates {s['updates']}, lag {s['policy_lag_min']}/{s['policy_lag_avg']:.1f}/{s['policy_lag_max']}")
PY
then ok "top --once --json (run folder): both actors live, rates, lag, RSS, time split"; else fail "top --once --json"; cat "$work/top.err"; fi
table=$("$bin" top tcp://127.0.0.1:$port --once 2>&1)
if printf '%s\n' "$table" | grep -q '^ACTOR' && printf '%s\n' "$table" | grep -q '^a0 ' && printf '%s\n' "$table" | grep -q '^a1 ' \
   && printf '%s\n' "$table" | grep -q 'env steps/s'; then ok "top --once (address): header and a row per actor"; else fail "top table"; printf '%s\n' "$table"; fi
if "$bin" top tcp://127.0.0.1:29395 --once --timeout 1 > /dev/null 2> "$work/noone.err"; then fail "top against no learner succeeded"
else grep -q "no answer from the learner" "$work/noone.err" && ok "top against no learner: a clear error" || { fail "top error"; cat "$work/noone.err"; }; fi

echo "== 3. live view under tmux =="
tmux new-session -d -s icrl-top-test -x 160 -y 40 "$bin top $run --interval 0.5"
sleep 2.5; tmux capture-pane -p -t icrl-top-test > "$work/pane1.txt"
sleep 1.5; tmux capture-pane -p -t icrl-top-test > "$work/pane2.txt"
tmux kill-session -t icrl-top-test 2>/dev/null
if grep -q '^ACTOR' "$work/pane1.txt" && grep -q '^a1 ' "$work/pane2.txt" && ! cmp -s "$work/pane1.txt" "$work/pane2.txt" \
   && [ "$(grep -c '^icrl top' "$work/pane2.txt")" -eq 1 ]; then
  ok "live view redraws in place (one header per screen, the pane changes between captures)"
else
  fail "live view"; cat "$work/pane2.txt"
fi

echo "== 4. hostile load on the metrics port =="
u0=$("$bin" top "$run" --once --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["updates"])')
t0=$(date +%s.%N)
flood=$(python3 scripts/http_flood.py 127.0.0.1 $mport 8 32)
t1=$(date +%s.%N)
u1=$("$bin" top "$run" --once --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["updates"])')
echo "  flood: $flood; updates $u0 -> $u1 in $(python3 -c "print(round($t1 - $t0, 1))") s"
[ "$u1" -gt "$u0" ] && ok "training went on during the flood ($((u1 - u0)) updates)" || fail "no updates during the flood"
python3 -c "import json,sys; c=json.loads(sys.argv[1]); sys.exit(0 if c['scrapes_ok'] > 0 and c['garbage'] > 0 else 1)" "$flood" \
  && ok "valid scrapes answered while garbage arrived" || fail "flood counts: $flood"
curl -sf "http://127.0.0.1:$mport/metrics" > "$work/scrape2.txt" && promtool check metrics < "$work/scrape2.txt" > /dev/null 2>&1 \
  && ok "/metrics answers and lints after the flood" || fail "/metrics after the flood"
kill -0 "$learner" 2>/dev/null && ok "learner alive after the flood" || fail "learner died during the flood"
before=$(awk '/^icrl_updates_total /{print $2}' "$work/scrape1.txt"); after=$(awk '/^icrl_updates_total /{print $2}' "$work/scrape2.txt")
python3 -c "import sys; sys.exit(0 if float('$after') > float('$before') else 1)" && ok "icrl_updates_total rose ($before -> $after)" \
  || fail "icrl_updates_total did not rise ($before -> $after)"

echo "== 5. the Grafana dashboard queries real series =="
if python3 - deploy/k8s/grafana-dashboard.json "$work/scrape2.txt" <<'PY'
import json, re, sys
dash = json.load(open(sys.argv[1]))
names = {line.split("{")[0].split(" ")[0] for line in open(sys.argv[2]) if line.startswith("icrl_")}
exprs = [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]
used = {n for e in exprs for n in re.findall(r"\bicrl_[a-z0-9_]+", e)}
missing = sorted(used - names)
assert exprs and not missing, f"dashboard queries series the learner does not export: {missing}"
print(f"  {len(dash['panels'])} panels, {len(used)} series, all exported")
PY
then ok "every dashboard query names an exported series"; else fail "dashboard"; fi

echo "== 6. a killed actor shows as stale, then dead =="
kill -9 "$a1"
sleep 2
s1=$("$bin" top "$run" --once --json | python3 -c 'import json,sys; print([a["state"] for a in json.load(sys.stdin)["actors"] if a["actor_id"]=="a1"][0])')
sleep 5
s2=$("$bin" top "$run" --once --json | python3 -c 'import json,sys; print([a["state"] for a in json.load(sys.stdin)["actors"] if a["actor_id"]=="a1"][0])')
[ "$s1" = "stale" ] && [ "$s2" = "dead" ] && ok "a1 after kill -9: $s1 after 2 s, $s2 after 7 s" || fail "a1 states: '$s1' then '$s2' (want stale then dead)"

# A TERM stops the learner as Slurm and Kubernetes do: final metrics, checkpoint, exit 0.
kill -TERM "$learner"
wait "$learner"; status=$?
[ "$status" -eq 0 ] && ok "learner stopped cleanly on TERM" || { fail "learner exit status $status"; tail -5 "$work/learner.log"; }
kill "$a0" 2>/dev/null; wait "$a0" 2>/dev/null
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
