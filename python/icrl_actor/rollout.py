"""N Gymnasium FrozenLake trials stepped in lockstep, acting on the model's Q-values, and the
experience chunks they become. The Python counterpart of Swift's ``RolloutWorker`` and
``ChunkBuilder``: the same trial structure (``mapsPerTrial`` maps, ``episodesPerMapMin`` to
``episodesPerMapMax`` episodes on each, the map changing without warning), the same flags and
placements, and the chunk rules of docs/wire-protocol.md.
"""
import time

import gymnasium as gym
import numpy as np

from . import maps
from .tokenizer import EPISODE_START, MAP_START, TERMINATED, TRUNCATED, Step, placement_seed

BEHAVIOUR_MODEL = 1
BEHAVIOUR_RANDOM = 2


def epsilon_at(rollout, updates):
    """The learner's ε schedule: linear from epsilonStart to epsilonEnd over epsilonDecayUpdates."""
    decay = rollout.get("epsilonDecayUpdates", 0)
    if decay <= 0:
        return rollout["epsilonEnd"]
    f = min(1.0, updates / decay)
    return rollout["epsilonStart"] + (rollout["epsilonEnd"] - rollout["epsilonStart"]) * f


class Slot:
    __slots__ = ("env", "grid", "trial_id", "behaviour", "maps_left", "episodes_left", "previous",
                 "episode_start", "map_start", "placement", "step_in_trial", "observation")


class Rollout:
    """``rollout`` is the run config's ``rollout`` dict; ``tokenizer`` a ``Tokenizer``.

    Behaviours: the model (ε-greedy) and uniform random, weighted as ``modelWeight`` and
    ``randomWeight``. The Swift actor's teachers (oracle, Q-learning) are not ported: their
    weights are left out, and the learner's relabelling teaches on model trials as well.
    """

    def __init__(self, rollout, tokenizer, incarnation, seed, environments=None):
        self.config = rollout
        self.tokenizer = tokenizer
        self.incarnation = incarnation
        self.n = environments or rollout["environments"]
        self.rng = np.random.default_rng(seed)
        self.suites = [s.strip() for s in rollout.get("suite", "in-dist").split(",")]
        for s in self.suites:
            if s not in maps.SUITES:
                raise ValueError(f"unknown map suite {s!r} in the learner's config")
            if not tokenizer.fits(maps.largest_side(s), maps.largest_side(s)):
                raise ValueError(f"suite {s!r} has maps larger than the tokenizer's canvas")
        fixed = rollout.get("fixedMap")
        self.fixed_map = fixed.split(",") if fixed else None
        weights = (rollout.get("modelWeight", 1.0), rollout.get("randomWeight", 0.0))
        total = sum(weights)
        self.model_share = 1.0 if total <= 0 else weights[0] / total
        self.next_trial_id = 0
        self.steps_taken = 0
        self.episodes = 0
        self.successes = 0
        self.env_seconds = 0.0
        self.envs_made = 0
        self.slots = [self._new_trial() for _ in range(self.n)]

    def _draw_map(self):
        if self.fixed_map is not None:
            return self.fixed_map
        suite = self.suites[int(self.rng.integers(len(self.suites)))]
        return maps.sample_map(suite, self.rng)

    def _make_env(self, grid):
        self.envs_made += 1
        env = gym.make("FrozenLake-v1", desc=grid, is_slippery=bool(self.config.get("slippery", False)),
                       max_episode_steps=int(self.config["episodeStepLimit"]))
        observation, _ = env.reset(seed=int(self.rng.integers(1 << 62)))
        return env, int(observation)

    def _episodes_on_map(self):
        return int(self.rng.integers(self.config["episodesPerMapMin"], self.config["episodesPerMapMax"] + 1))

    def _new_trial(self):
        s = Slot()
        s.grid = self._draw_map()
        s.env, s.observation = self._make_env(s.grid)
        s.behaviour = BEHAVIOUR_MODEL if self.rng.random() < self.model_share else BEHAVIOUR_RANDOM
        s.trial_id = self.next_trial_id
        self.next_trial_id += 1
        s.maps_left = self.config["mapsPerTrial"] - 1
        s.episodes_left = self._episodes_on_map()
        s.previous = None
        s.episode_start = True
        s.map_start = True
        s.step_in_trial = 0
        s.placement = self.tokenizer.placement(len(s.grid), len(s.grid[0]),
                                               placement_seed(self.incarnation, s.trial_id, 0))
        return s

    def tokens(self):
        """(N, K) int64 tokens of every slot's current decision, and the model-slot mask."""
        tok = np.zeros((self.n, self.tokenizer.feature_count), dtype=np.int64)
        active = np.zeros(self.n, dtype=bool)
        for i, s in enumerate(self.slots):
            if s.behaviour == BEHAVIOUR_MODEL:
                active[i] = True
                tok[i] = self.tokenizer.encode(s.observation, len(s.grid[0]), s.placement, s.previous, s.episode_start)
        return tok, active

    def step(self, q, epsilon):
        """Acts in every slot (ε-greedy on ``q`` (N, A) for model slots, uniform for random ones).

        Returns ``(steps, restarted)``: ``steps`` lists ``(slot, trial_id, Step, behaviour,
        ends_trial)`` per slot, ``restarted`` the slots whose trial ended (their decoder
        sequence must be reset).
        """
        out, restarted = [], []
        explore = self.rng.random(self.n)
        random_actions = self.rng.integers(0, 4, self.n)
        start = time.perf_counter()
        for i, s in enumerate(self.slots):
            if s.behaviour == BEHAVIOUR_MODEL and q is not None and explore[i] >= epsilon:
                action = int(np.argmax(q[i]))  # first maximum, as Swift's strict > scan
            else:
                action = int(random_actions[i])
            observation = s.observation
            next_observation, reward, terminated, truncated, _ = s.env.step(action)
            flags = (TERMINATED if terminated else 0) | (TRUNCATED if truncated else 0)
            flags |= (EPISODE_START if s.episode_start else 0) | (MAP_START if s.map_start else 0)
            step = Step(observation, int(next_observation), action, 1 if reward > 0 else 0, flags,
                        len(s.grid), len(s.grid[0]), s.placement)
            s.previous = step
            s.episode_start = False
            s.map_start = False
            s.step_in_trial += 1
            s.observation = int(next_observation)
            self.steps_taken += 1
            ends_trial = False
            if terminated or truncated:
                self.episodes += 1
                self.successes += 1 if reward > 0 else 0
                s.episodes_left -= 1
                s.episode_start = True
                if s.episodes_left > 0:
                    s.observation = int(s.env.reset()[0])
                elif s.maps_left > 0:
                    s.env.close()
                    s.grid = self._draw_map()
                    s.env, s.observation = self._make_env(s.grid)
                    s.maps_left -= 1
                    s.episodes_left = self._episodes_on_map()
                    s.map_start = True
                    s.placement = self.tokenizer.placement(
                        len(s.grid), len(s.grid[0]), placement_seed(self.incarnation, s.trial_id, s.step_in_trial))
                else:
                    ends_trial = True
            out.append((i, s.trial_id, step, s.behaviour, ends_trial))
            if ends_trial:
                s.env.close()
                self.slots[i] = self._new_trial()
                restarted.append(i)
        self.env_seconds += time.perf_counter() - start
        return out, restarted


class ChunkBuilder:
    """One slot's steps into ``ExperienceChunk`` fields: a chunk closes when full, before a
    map change, and at the trial's end; ``sequence`` is per incarnation, +1 per chunk."""

    def __init__(self, capacity):
        self.capacity = capacity
        self.pending = None
        self.next_step = 0

    def add(self, trial_id, step, behaviour, policy_version):
        """Adds a step; returns the chunks that closed before it (0 or 1), as dicts."""
        closed = []
        if self.pending is not None and (step.flags & MAP_START or len(self.pending["observations"]) >= self.capacity):
            closed.append(self._take(False))
        if self.pending is None:
            self.pending = {"trial_id": trial_id, "policy_version": policy_version, "map_rows": step.rows,
                            "map_cols": step.cols, "first_step": self.next_step, "behaviour": behaviour,
                            "observations": [], "actions": [], "rewards": [], "next_observations": [], "flags": []}
        p = self.pending
        p["observations"].append(step.observation)
        p["actions"].append(step.action)
        p["rewards"].append(float(step.reward))
        p["next_observations"].append(step.next_observation)
        p["flags"].append(step.flags)
        # The oldest policy that acted in the chunk bounds its lag.
        p["policy_version"] = min(p["policy_version"], policy_version)
        self.next_step += 1
        return closed

    def finish(self):
        """Closes the trial: its last chunk, marked done; the next trial starts at step 0."""
        chunk = self._take(True) if self.pending is not None else None
        self.next_step = 0
        return chunk

    def _take(self, done):
        chunk, self.pending = self.pending, None
        chunk["trial_done"] = done
        return chunk
