#!/usr/bin/env bash
# The learner under load, with real sockets on loopback (icrl bench swarm):
#   1. swarm: 256 lightweight actor peers for 30 s against a learner (preset best), after a
#      2-peer baseline in the same run: no crash, no refusal, no lost chunk, control round
#      trips p99 < 100 ms, updates/s within 20 % of the baseline;
#   2. churn: 1,000 leave-and-join events (clean exits, abrupt exits, and child processes
#      killed with SIGKILL and restarted) during a 60 s run: the learner's live set equals
#      the peers alive at the end, no chunk lost, dead peers forgotten within the run
#      (--forget-dead-after 5); RSS growth < 5 % is a target not met yet (see below).
# The JSON of each run is printed; SWARM_ACTORS / SWARM_SECONDS / CHURN override the sizes.
# Prints "N passed, M failed"; exits non-zero on any failure.
#   scripts/test_swarm.sh [path/to/icrl]
set -uo pipefail
bin=${1:-.build/release/icrl}
actors=${SWARM_ACTORS:-256}; seconds=${SWARM_SECONDS:-30}; churn=${CHURN:-1000}
passed=0; failed=0
ok()   { echo "PASS $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
# check JSON EXPRESSION MESSAGE: EXPRESSION over the dict `r` must hold.
# Targets not met yet (learner RSS growth < 5 % under churn) are checked only with STRICT=1
# (make test-swarm); otherwise printed as NOT MET.
strict=${STRICT:-0}
target() {
  if python3 -c "import json,sys; r=json.loads(sys.argv[1]); sys.exit(0 if ($2) else 1)" "$1" 2>/dev/null; then ok "$3"
  elif [ "$strict" = 1 ]; then fail "$3"; else echo "NOT MET (STRICT=1 fails on it) $3"; fi
}
check() {
  if python3 -c "import json,sys; r=json.loads(sys.argv[1]); sys.exit(0 if ($2) else 1)" "$1" 2>/dev/null; then ok "$3"; else fail "$3"; fi
}
field() { python3 -c "import json,sys; v=json.loads(sys.argv[1]).get(sys.argv[2]); print(round(v, 2) if isinstance(v, float) else v)" "$1" "$2"; }

echo "== swarm: $actors peers for $seconds s (after a 2-peer baseline) =="
json=$("$bin" bench swarm --actors "$actors" --seconds "$seconds" --port 27100 --json)
echo "$json"
check "$json" 'r.get("learner_alive_at_end") and r.get("learner_exit_status") == 0' "the learner survived $actors peers and exited cleanly"
check "$json" 'r.get("rejected_total", 1) == 0 and r.get("refused_peers", 1) == 0' "no refusal (rejected_total $(field "$json" rejected_total))"
check "$json" 'r.get("lost_chunks", 1) == 0' "no lost chunk"
check "$json" 'r.get("control_rtt_ms_p50", 1e9) < 100' "control round trip p50 $(field "$json" control_rtt_ms_p50) ms"
check "$json" 'r.get("control_rtt_ms_p99", 1e9) < 100' "control round trip p99 $(field "$json" control_rtt_ms_p99) ms (status requests under load; want < 100; hello replies as the peers' loop saw them: p99 $(field "$json" hello_rtt_ms_p99) ms)"
check "$json" 'r.get("updates_vs_baseline", 0) >= 0.8' "updates/s $(field "$json" updates_per_s) against $(field "$json" baseline_updates_per_s) with 2 peers: $(field "$json" updates_vs_baseline) (want >= 0.8)"
check "$json" 'r.get("live_count_exact")' "the learner's live set is the $(field "$json" live_actors_expected) peers alive"

echo "== churn: $churn leave-and-join events in 60 s =="
json=$("$bin" bench swarm --actors 32 --seconds 60 --baseline-actors 0 --churn "$churn" --kill-children 4 --replay-steps 200000 --forget-dead-after 5 --port 27200 --json)
echo "$json"
check "$json" 'r.get("learner_alive_at_end") and r.get("learner_exit_status") == 0' "the learner survived the churn"
check "$json" 'r.get("churn_events") == '"$churn"' and r.get("children_killed", 0) > 0' "$(field "$json" leaves) leaves and $(field "$json" joins) joins, $(field "$json" children_killed) processes killed with SIGKILL"
check "$json" 'r.get("live_count_exact")' "live actors at the end: $(field "$json" live_actors_at_end) (expected $(field "$json" live_actors_expected))"
check "$json" 'r.get("known_actors_at_end") == r.get("live_actors_expected")' "dead peers forgotten: $(field "$json" known_actors_at_end) actors known at the end, all of them live"
# Not met yet: RSS grows under churn even with every dead peer forgotten (+63 % over 60 s,
# against +1 % for the same run without churn; measured 2026-12-07, docs/reliability.md).
target "$json" 'r.get("learner_rss_growth_pct", 1e9) < 5' "learner RSS $(field "$json" learner_rss_mb_warm) MB after warm-up, $(field "$json" learner_rss_mb_end) MB at the end ($(field "$json" learner_rss_growth_pct) %; want < 5 %)"
# A peer killed or restarted mid-trial leaves an open trial that the (small) replay evicts;
# continuations of trials evicted while open are refused as "evicted", nothing else may be.
check "$json" 'r.get("lost_chunks", 1) == 0' "no lost chunk during churn"
check "$json" 'set(r.get("rejected", {})) <= {"evicted"}' "no lost chunk, no refusal but evicted continuations during churn ($(field "$json" rejected))"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
