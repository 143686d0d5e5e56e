#!/usr/bin/env python3
"""Export FrozenLake dynamics from Gymnasium itself into JSON test fixtures.

Run once (needs `pip install gymnasium`); the output in Tests/FrozenLakeTests/Fixtures/
is committed, so the Swift tests never need Python or Gymnasium:

    python3 scripts/make_gym_fixtures.py

Each fixture holds, for one map and one setting of (is_slippery, success_rate):
  * P: Gymnasium's transition table, P[s][a] = [[prob, next_state, reward, terminated], ...]
    in Gymnasium's own order, unmerged;
  * initial_state_distrib: Gymnasium's start distribution;
  * episodes: sampled episodes through gym.make(...) (so TimeLimit truncation is in play),
    with the uniform number NumPy drew for the reset and for every step, so a
    re-implementation fed the same numbers must reproduce every outcome exactly.
"""
import copy
import json
import os
import random
import sys

import gymnasium as gym
import numpy as np
from gymnasium.utils import seeding

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "Tests", "FrozenLakeTests", "Fixtures")

MAPS = {
    "4x4": ["SFFF", "FHFH", "FFFH", "HFFG"],
    "8x8": [
        "SFFFFFFF", "FFFFFFFF", "FFFHFFFF", "FFFFFHFF",
        "FFFHFFFF", "FHHFFFHF", "FHFFHFHF", "FFFHFFFG",
    ],
    # Rectangular maps, several starts and goals.
    "3x5": ["SFFHG", "FHFFF", "SFHFG"],
    "5x3": ["SFH", "FFF", "HFG", "FHF", "GFS"],
    "4x6": ["SFFFHF", "FHFFFG", "FFHSFF", "GFFFHF"],
    "1x5": ["SFHFG"],
}

# (name suffix, is_slippery, success_rate)
SETTINGS = [
    ("det", False, 1.0 / 3.0),
    ("slip", True, 1.0 / 3.0),
]
EXTRA_SETTINGS = {
    "4x4": [("slip075", True, 0.75), ("slip100", True, 1.0)],
    "3x5": [("slip060", True, 0.6)],
}


def transition_table(env):
    u = env.unwrapped
    table = []
    for s in range(u.observation_space.n):
        row = []
        for a in range(4):
            row.append([[float(p), int(s2), float(r), bool(t)] for (p, s2, r, t) in u.P[s][a]])
        table.append(row)
    return table


def sample_episodes(desc, slippery, success_rate, count, max_steps, rng):
    env = gym.make("FrozenLake-v1", desc=desc, is_slippery=slippery,
                   success_rate=success_rate, max_episode_steps=max_steps)
    episodes = []
    for _ in range(count):
        seed = rng.randrange(2**31)
        reset_uniform = float(seeding.np_random(seed)[0].random())
        s, _ = env.reset(seed=seed)
        steps = []
        while True:
            a = rng.randrange(4)
            u = float(copy.deepcopy(env.unwrapped.np_random).random())
            s2, r, terminated, truncated, _ = env.step(a)
            steps.append({"a": a, "u": u, "s2": int(s2), "r": float(r),
                          "terminated": bool(terminated), "truncated": bool(truncated)})
            if terminated or truncated:
                break
        episodes.append({"seed": seed, "reset_uniform": reset_uniform, "start": int(s),
                         "max_steps": max_steps, "steps": steps})
    env.close()
    return episodes


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = random.Random(20240601)
    written = []
    for name, desc in MAPS.items():
        for suffix, slippery, success_rate in SETTINGS + EXTRA_SETTINGS.get(name, []):
            env = gym.make("FrozenLake-v1", desc=desc, is_slippery=slippery, success_rate=success_rate)
            fixture = {
                "gymnasium_version": gym.__version__,
                "name": f"{name}-{suffix}",
                "map": desc,
                "is_slippery": slippery,
                "success_rate": success_rate,
                "initial_state_distrib": [float(x) for x in env.unwrapped.initial_state_distrib],
                "P": transition_table(env),
                # Long limit (Gymnasium's 100) and a short one so truncation happens too.
                "episodes": sample_episodes(desc, slippery, success_rate, 6, 100, rng)
                + sample_episodes(desc, slippery, success_rate, 6, 5, rng),
            }
            env.close()
            path = os.path.join(OUT, f"gym-{name}-{suffix}.json")
            with open(path, "w") as f:
                json.dump(fixture, f, separators=(",", ":"))
                f.write("\n")
            written.append(os.path.relpath(path))
    print(f"gymnasium {gym.__version__}: wrote {len(written)} fixtures", file=sys.stderr)
    for path in written:
        print(path)


if __name__ == "__main__":
    main()
