#!/usr/bin/env python3
"""Replay an `icrl eval --trace FILE` trace in Gymnasium and check every step.

    python3 scripts/replay_trace_gym.py TRACE.jsonl [--quiet]

For each episode line the map is loaded into Gymnasium's FrozenLake-v1 (same
is_slippery and success_rate) and every recorded step is checked against it:
  * the first state is one of Gymnasium's start cells (initial_state_distrib > 0);
  * each step starts where the previous one ended;
  * not slippery: env.step(a) from the recorded state gives exactly the recorded
    (s2, r, terminated);
  * slippery: (s2, r, terminated) is an outcome of P[s][a] with positive probability;
  * truncated is set exactly on step max_steps (Gymnasium's TimeLimit), and the
    episode ends on the first terminated or truncated step.
Exits 1 and names the first mismatches if any step disagrees. Needs `pip install gymnasium`.
"""
import argparse
import json
import sys

import gymnasium as gym


def check_episode(record, envs):
    desc = record["map"]
    slippery = record["slippery"]
    success_rate = record.get("success_rate", 1.0 / 3.0)
    max_steps = record.get("max_steps", 100)
    key = (tuple(desc), slippery, success_rate)
    if key not in envs:
        envs[key] = gym.make("FrozenLake-v1", desc=desc, is_slippery=slippery,
                             success_rate=success_rate).unwrapped
    env = envs[key]
    env.reset(seed=0)
    where = f"trial {record.get('trial')} episode {record['episode']}"
    steps = record["steps"]
    if not steps:
        return [f"{where}: no steps"]
    errors = []
    if env.initial_state_distrib[steps[0]["s"]] <= 0:
        errors.append(f"{where}: starts on {steps[0]['s']}, not a start cell")
    previous = None
    for k, step in enumerate(steps):
        s, a = step["s"], step["a"]
        outcome = (step["s2"], float(step["r"]), bool(step["terminated"]))
        if previous is not None and s != previous:
            errors.append(f"{where} step {k}: starts on {s} but the previous step ended on {previous}")
        if not slippery:
            env.s = s
            s2, r, terminated, _, _ = env.step(a)
            if (int(s2), float(r), bool(terminated)) != outcome:
                errors.append(f"{where} step {k}: Gymnasium gives {(int(s2), float(r), bool(terminated))}, trace has {outcome}")
        else:
            possible = {(int(s2), float(r), bool(t)) for (p, s2, r, t) in env.P[s][a] if p > 0}
            if outcome not in possible:
                errors.append(f"{where} step {k}: {outcome} is not an outcome of P[{s}][{a}] = {sorted(possible)}")
        if bool(step["truncated"]) != (k + 1 >= max_steps):
            errors.append(f"{where} step {k}: truncated={step['truncated']} but the limit is {max_steps}")
        last = k == len(steps) - 1
        if (step["terminated"] or step["truncated"]) != last:
            errors.append(f"{where} step {k}: episode end flags disagree with the episode's length")
        previous = step["s2"]
    return errors


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trace")
    parser.add_argument("--quiet", action="store_true", help="print only the summary")
    args = parser.parse_args()
    envs, episodes, steps, errors = {}, 0, 0, []
    with open(args.trace) as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            record = json.loads(line)
            for field in ("map", "slippery", "episode", "steps"):
                if field not in record:
                    errors.append(f"line {number}: missing field {field!r}")
            episodes += 1
            steps += len(record.get("steps", []))
            errors.extend(check_episode(record, envs))
    summary = {"episodes": episodes, "steps": steps, "mismatches": len(errors),
               "gymnasium_version": gym.__version__}
    for error in errors[:20]:
        print(error, file=sys.stderr)
    print(json.dumps(summary))
    sys.exit(1 if errors or episodes == 0 else 0)


if __name__ == "__main__":
    main()
