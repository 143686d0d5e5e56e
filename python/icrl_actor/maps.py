"""Training maps under the same rules as Swift's ``MapGenerator`` and ``MapSplit``.

- ``paper``: each attempt draws height and width uniformly from their ranges, then every cell
  is a start with probability 0.1, else a goal with 0.1, else a hole with 0.2, else frozen;
  kept only if it has a start and a goal and every start's fewest moves to a goal (through
  frozen and start cells) is at least 4.
- ``gymnasium``: Gymnasium's own ``generate_random_map(size, p=0.8)``.

Every map belongs to a split by a hash of its rows (FNV-1a then the SplitMix64 finaliser,
modulo 10: 0 evaluation, 1 validation, else train). Actors draw training maps only, so
nothing a Python actor plays can be a map ICRL evaluates on.
"""
from collections import deque

import numpy as np
from gymnasium.envs.toy_text.frozen_lake import generate_random_map

from .tokenizer import MASK64

#: Suite name -> (rule, parameters); the names of ``icrl eval --suite``.
SUITES = {
    "in-dist": ("paper", (3, 5, 3, 5)),
    "ood": ("paper", (6, 7, 6, 7)),
    "ood8": ("paper", (8, 8, 8, 8)),
    "4x4": ("gymnasium", 4),
    "8x8": ("gymnasium", 8),
}


def split_of(rows):
    """``train``, ``validation`` or ``eval``: the split of a map given as row strings."""
    h = 0xCBF29CE484222325
    for byte in ",".join(rows).encode():
        h ^= byte
        h = (h * 0x100000001B3) & MASK64
    z = h
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    z ^= z >> 31
    bucket = z % 10
    return "eval" if bucket == 0 else "validation" if bucket == 1 else "train"


def fewest_moves_ok(rows, minimum):
    """Every start reaches a goal, in at least ``minimum`` moves (BFS from the goals)."""
    h, w = len(rows), len(rows[0])
    distance = [[-1] * w for _ in range(h)]
    queue = deque()
    for r in range(h):
        for c in range(w):
            if rows[r][c] == "G":
                distance[r][c] = 0
                queue.append((r, c))
    while queue:
        r, c = queue.popleft()
        for dr, dc in ((0, -1), (1, 0), (0, 1), (-1, 0)):
            rr, cc = r + dr, c + dc
            if 0 <= rr < h and 0 <= cc < w and distance[rr][cc] < 0 and rows[rr][cc] in "FS":
                distance[rr][cc] = distance[r][c] + 1
                queue.append((rr, cc))
    for r in range(h):
        for c in range(w):
            if rows[r][c] == "S" and not (distance[r][c] >= minimum):
                return False
    return True


def paper_attempt(rng, rmin, rmax, cmin, cmax):
    rows, cols = int(rng.integers(rmin, rmax + 1)), int(rng.integers(cmin, cmax + 1))
    u = rng.random(rows * cols)
    ps, pg, ph = 0.1, 0.1, 0.2
    goal_edge = ps + (1 - ps) * pg
    hole_edge = goal_edge + (1 - ps) * (1 - pg) * ph
    cells = np.where(u < ps, "S", np.where(u < goal_edge, "G", np.where(u < hole_edge, "H", "F")))
    grid = ["".join(cells[r * cols:(r + 1) * cols]) for r in range(rows)]
    joined = "".join(grid)
    if "S" not in joined or "G" not in joined or not fewest_moves_ok(grid, 4):
        return None
    return grid


def sample_map(suite, rng):
    """One training-split map of ``suite`` (row strings)."""
    if suite not in SUITES:
        raise ValueError(f"unknown map suite {suite!r}; choose one of {', '.join(SUITES)}")
    rule, params = SUITES[suite]
    while True:
        if rule == "paper":
            grid = paper_attempt(rng, *params)
        else:
            grid = generate_random_map(size=params, p=0.8, seed=int(rng.integers(1 << 62)))
        if grid is not None and split_of(grid) == "train":
            return grid


def largest_side(suite):
    rule, params = SUITES[suite]
    return max(params[1], params[3]) if rule == "paper" else params
