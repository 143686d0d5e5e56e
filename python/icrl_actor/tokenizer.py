"""Environment steps to token features, as Swift's ``Tokenizer`` does (docs/wire-protocol.md,
"The tokenizer").

One token per decision: token t describes the cell the agent stands on before action t
and what just happened. Features of the ``row-column`` encoding (the default):

    [row, col, prev_action, prev_reward, episode_start, landing_row, landing_col]

``row``/``col`` are canvas coordinates (map cell + the map's placement offset);
``prev_action`` is 4 on a trial's first token; ``landing_*`` are 0 except on the first
token of an episode after one that ended in a hole or on a goal, where they are that
cell's canvas coordinates + 1.
"""
from dataclasses import dataclass

import numpy as np

MASK64 = (1 << 64) - 1

TERMINATED = 1 << 0
TRUNCATED = 1 << 1
EPISODE_START = 1 << 2
MAP_START = 1 << 3


@dataclass
class Step:
    """One environment step, as the replay stores it (Swift's ``TrialStep``)."""
    observation: int
    next_observation: int
    action: int
    reward: int
    flags: int
    rows: int
    cols: int
    placement: int = 0

    @property
    def terminated(self):
        return bool(self.flags & TERMINATED)

    @property
    def starts_episode(self):
        return bool(self.flags & EPISODE_START)


def placement_seed(incarnation, trial_id, step):
    """The seed of the placement of the map that starts at ``step`` of a trial."""
    return ((incarnation * 0x9E3779B97F4A7C15) & MASK64) ^ ((trial_id * 0xC2B2AE3D27D4EB4F) & MASK64) ^ step


class Tokenizer:
    """``config`` is the tokenizer config dict (observation, canvas, randomPlacement,
    landingsOnlyOnTermination)."""

    def __init__(self, config):
        self.observation = config["observation"]
        if self.observation not in ("row-column", "tile", "canvas-tile"):
            raise ValueError(f"unknown observation encoding {self.observation!r}")
        self.canvas = int(config["canvas"])
        self.random_placement = bool(config["randomPlacement"])
        self.landings_only_on_termination = bool(config.get("landingsOnlyOnTermination", False))

    @property
    def feature_count(self):
        return 7 if self.observation == "row-column" else 5

    def shows_landing(self, tokens):
        """Whether each token of ``tokens`` (..., K) opens an episode after one that fell in a
        hole or reached the goal: the tokens that say where those cells are."""
        return np.asarray(tokens)[..., 5 if self.observation == "row-column" else 4] != 0

    @property
    def vocabularies(self):
        c = self.canvas
        if self.observation == "row-column":
            return [c, c, 5, 2, 2, c + 1, c + 1]
        return [c * c, 5, 2, 2, c * c + 1]

    def fits(self, rows, cols):
        return 1 <= rows <= self.canvas and 1 <= cols <= self.canvas

    def placement(self, rows, cols, seed):
        """The map's offsets on the canvas, packed (row << 4 | col), from ``seed`` alone:
        the learner derives the same from the trial's identity."""
        if not self.random_placement or not self.fits(rows, cols):
            return 0
        z = (seed + 0x9E3779B97F4A7C15) & MASK64
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        z ^= z >> 31
        r = z % (self.canvas - rows + 1)
        c = (z >> 32) % (self.canvas - cols + 1)
        return ((r << 4) | (c & 15)) & 0xFF

    def encode(self, observation, cols, placement, previous, starts_episode):
        """The features of the token for standing on ``observation`` (a list of ints).
        ``previous`` is the trial's step before this token (None on its first token)."""
        canvas = self.canvas
        row_offset = 0 if self.observation == "tile" else placement >> 4
        col_offset = 0 if self.observation == "tile" else placement & 15
        prev_action = 4 if previous is None else previous.action
        prev_reward = 0 if previous is None else previous.reward
        start = 1 if starts_episode else 0
        landing = None
        if starts_episode and previous is not None and (previous.terminated or not self.landings_only_on_termination):
            landing = previous
        if self.observation == "row-column":
            if landing is None:
                lr = lc = 0
            else:
                lr = landing.next_observation // landing.cols + (landing.placement >> 4) + 1
                lc = landing.next_observation % landing.cols + (landing.placement & 15) + 1
            return [observation // cols + row_offset, observation % cols + col_offset,
                    prev_action, prev_reward, start, lr, lc]
        if self.observation == "tile":
            cell = observation
            land = 0 if landing is None else landing.next_observation + 1
        else:
            cell = (observation // cols + row_offset) * canvas + observation % cols + col_offset
            land = 0 if landing is None else (
                (landing.next_observation // landing.cols + (landing.placement >> 4)) * canvas
                + landing.next_observation % landing.cols + (landing.placement & 15) + 1)
        return [cell, prev_action, prev_reward, start, land]
