#!/usr/bin/env python3
"""Gymnasium's FrozenLake-v1 step rate, measured the way `icrl bench env` measures ours.

    python3 Benchmarks/gymnasium_env_steps.py [--seconds 3]

Same loop as FrozenLake's `benchmarkEnvSteps`: the default 4x4 map, slippery
(success rate 1/3), uniformly random actions, reset whenever an episode ends, on
`env.unwrapped` (no wrapper overhead) with the 100-step limit counted by hand.
Actions are drawn up front in blocks with NumPy so the figure is the environment's
cost, not the action sampler's (generous to Gymnasium). Prints one JSON object.
"""
import argparse
import json
import time

import gymnasium as gym
import numpy as np


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    env = gym.make("FrozenLake-v1", is_slippery=True).unwrapped
    env.reset(seed=1)
    rng = np.random.default_rng(2)
    block = 65536
    steps = 0
    elapsed = 0.0
    episode_steps = 0
    start = time.perf_counter()
    while elapsed < args.seconds:
        for a in rng.integers(0, 4, size=block).tolist():
            _, _, terminated, _, _ = env.step(a)
            episode_steps += 1
            if terminated or episode_steps >= 100:
                env.reset()
                episode_steps = 0
        steps += block
        elapsed = time.perf_counter() - start
    print(json.dumps({
        "benchmark": "gymnasium_frozenlake_4x4_slippery_random",
        "gymnasium_version": gym.__version__,
        "steps": steps,
        "seconds": round(elapsed, 3),
        "steps_per_second": round(steps / elapsed, 1),
    }))


if __name__ == "__main__":
    main()
