"""Play the shipped model, loaded in PyTorch, on one map for a few episodes (greedy).

    python3 python/examples/torch_eval.py [--checkpoint models/icrl-best.safetensors]
        [--map SFFH,FHFF,FFFH,HFFG] [--episodes 10]

Prints one line per episode; the model improves from its own history in the window.
"""
import argparse

import gymnasium as gym
import torch

from icrl_actor import torch_model
from icrl_actor.safetensors import load_model
from icrl_actor.tokenizer import EPISODE_START, TERMINATED, TRUNCATED, Step, Tokenizer, placement_seed

p = argparse.ArgumentParser()
p.add_argument("--checkpoint", default="models/icrl-best.safetensors")
p.add_argument("--map", default="SFFH,FHFF,FFFH,HFFG")
p.add_argument("--episodes", type=int, default=10)
args = p.parse_args()

model = torch_model.load(args.checkpoint)
_, _, run = load_model(args.checkpoint)
tokenizer = Tokenizer(run["tokenizer"])
grid = args.map.split(",")
rows, cols = len(grid), len(grid[0])
placement = tokenizer.placement(rows, cols, placement_seed(1, 0, 0))
env = gym.make("FrozenLake-v1", desc=grid, is_slippery=False, max_episode_steps=100)
context = model.config["contextLength"]
window, previous = [], None  # the actor's window: at contextLength tokens, keep the last half
for episode in range(1, args.episodes + 1):
    observation, _ = env.reset(seed=episode)
    start, steps, reward = True, 0, 0.0
    while True:
        if len(window) == context:
            window = window[context // 2 :]
        window.append(tokenizer.encode(observation, cols, placement, previous, start))
        with torch.no_grad():
            q = model(torch.tensor([window]))[0, -1]
        action = int(q.argmax())
        nxt, reward, terminated, truncated, _ = env.step(action)
        flags = (TERMINATED if terminated else 0) | (TRUNCATED if truncated else 0) | (EPISODE_START if start else 0)
        previous = Step(observation, int(nxt), action, int(reward > 0), flags, rows, cols, placement)
        observation, start, steps = int(nxt), False, steps + 1
        if terminated or truncated:
            break
    print(f"episode {episode}: {'reached the goal' if reward > 0 else 'fell in a hole' if terminated else 'ran out of steps'} in {steps} steps")
