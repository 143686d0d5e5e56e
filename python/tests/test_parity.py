"""The Python actor against the Swift one, on the same trials.

The fixture is written by the Swift binary (``icrl qtrace``: trials played exactly as
``icrl actor`` plays them, each step's token and Q-values recorded). Set ICRL_BIN to the
binary (default: .build/release/icrl); with ICRL_REQUIRE_SWIFT=1 a missing binary fails
instead of skipping. ICRL_QTRACE_TRIALS sets the number of trials (default 100).
"""
import json
import os
import subprocess
import tempfile
import unittest

import numpy as np

from icrl_actor import maps, safetensors
from icrl_actor.model import Decoder, Transformer
from icrl_actor.tokenizer import MAP_START, Step, Tokenizer, placement_seed

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CHECKPOINT = os.path.join(ROOT, "models", "icrl-best.safetensors")
#: Both sides compute in float32, and Swift's own float32 error on this model is about 1e-4
#: at |Q| ≈ 33 (against a float64 numpy model of the same weights), so the bound is relative
#: to the largest |Q| of the trials: 1e-5 of it (3.3e-4 for the shipped model).
RELATIVE_TOLERANCE = 1e-5


def swift_binary(test):
    path = os.environ.get("ICRL_BIN", os.path.join(ROOT, ".build", "release", "icrl"))
    if not os.path.exists(path):
        if os.environ.get("ICRL_REQUIRE_SWIFT") == "1":
            test.fail(f"no icrl binary at {path} (build it with make release, or set ICRL_BIN)")
        test.skipTest(f"no icrl binary at {path}")
    return path


_fixture = {}


def qtrace(test, carry_landings=False):
    """The trials of ``icrl qtrace`` on the shipped model (written once per test run), decoded
    as a run with ``dqn.carriedLandings`` decodes them when ``carry_landings``."""
    key = "carrying" if carry_landings else "trials"
    if key not in _fixture:
        binary = swift_binary(test)
        folder = tempfile.mkdtemp(prefix="icrl-qtrace-")
        out = os.path.join(folder, "q.jsonl")
        trials = os.environ.get("ICRL_QTRACE_TRIALS", "100")
        subprocess.run([binary, "qtrace", "--checkpoint", CHECKPOINT, "--trials", trials, "--out", out]
                       + (["--carry-landings"] if carry_landings else []),
                       check=True, capture_output=True)
        with open(out) as f:
            _fixture[key] = [json.loads(line) for line in f]
    return _fixture[key]


def python_tokens(trial, tokenizer):
    """Tokens and placements rebuilt from the trial's steps alone, as the learner does."""
    tokens, placements, previous, placement = [], [], None, 0
    for index, (obs, nxt, action, reward, flags, rows, cols, _) in enumerate(trial["steps"]):
        if flags & MAP_START or index == 0:
            placement = tokenizer.placement(rows, cols, placement_seed(trial["incarnation"], trial["trial_id"], index))
        step = Step(obs, nxt, action, reward, flags, rows, cols, placement)
        tokens.append(tokenizer.encode(obs, cols, placement, previous, step.starts_episode))
        placements.append(placement)
        previous = step
    return np.array(tokens), placements


class ParityWithSwift(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        config, params, run = safetensors.load_model(CHECKPOINT)
        cls.run_config = run
        cls.model = Transformer(config, params)  # float32, as the actor runs it
        cls.tokenizer = Tokenizer(run["tokenizer"])

    def test_tokens_and_placements_match(self):
        trials = qtrace(self)
        self.assertGreaterEqual(len(trials), 1)
        for trial in trials:
            tokens, placements = python_tokens(trial, self.tokenizer)
            np.testing.assert_array_equal(tokens, np.array(trial["tokens"]), err_msg=f"trial {trial['trial_id']}")
            self.assertEqual(placements, [s[7] for s in trial["steps"]])

    def test_decoder_q_values_match(self):
        """All trials decoded side by side, one sequence each, through the re-encoding window."""
        self.decode_and_compare(qtrace(self), Decoder(self.model, len(qtrace(self))))

    def test_decoder_carrying_landings_matches(self):
        """The same, with re-encodings that carry older landing tokens (dqn.carriedLandings)."""
        trials = qtrace(self, carry_landings=True)
        decoder = Decoder(self.model, len(trials), salient=self.tokenizer.shows_landing,
                          salient_limit=self.model.context // 4)
        self.decode_and_compare(trials, decoder)
        self.assertNotEqual([t["q"] for t in trials], [t["q"] for t in qtrace(self)],
                            "carrying landings changes what the model sees after a re-encoding")

    def decode_and_compare(self, trials, decoder):
        tokens = [np.array(t["tokens"]) for t in trials]
        expected = [np.array(t["q"], dtype=np.float64) for t in trials]
        longest = max(len(t) for t in tokens)
        self.assertGreater(longest, self.model.context, "trials must cross the context window")
        features = self.model.features
        worst, largest = 0.0, 0.0
        for t in range(longest):
            active = np.array([t < len(x) for x in tokens])
            step = np.zeros((len(trials), features), dtype=np.int64)
            for i in np.flatnonzero(active):
                step[i] = tokens[i][t]
            q = decoder.step(step, active)
            for i in np.flatnonzero(active):
                worst = max(worst, float(np.abs(q[i] - expected[i][t]).max()))
                largest = max(largest, float(np.abs(expected[i][t]).max()))
        print(f"\nq parity over {len(trials)} trials ({sum(map(len, tokens))} steps, "
              f"{decoder.reencodes} re-encodes): max |dq| {worst:.2e}, max |q| {largest:.1f}, relative {worst / largest:.1e}")
        self.assertGreater(decoder.reencodes, 0)
        self.assertLessEqual(worst, RELATIVE_TOLERANCE * largest)


class MapsAgreeWithSwift(unittest.TestCase):
    def swift_maps(self, suite, split, count=60):
        out = subprocess.run([swift_binary(self), "maps", "--suite", suite, "--split", split, "--count", str(count),
                              "--compact"], check=True, capture_output=True, text=True).stdout
        return [line.split(",") for line in out.split()]

    def test_split_of_swift_maps(self):
        for suite in ("in-dist", "ood8", "8x8"):
            for split in ("eval", "validation", "train"):
                for grid in self.swift_maps(suite, split):
                    self.assertEqual(maps.split_of(grid), split, f"{suite} {split} {grid}")

    def test_swift_paper_maps_pass_the_python_rule(self):
        for grid in self.swift_maps("in-dist", "train"):
            self.assertTrue(maps.fewest_moves_ok(grid, 4), grid)

    def test_python_maps_are_training_maps_of_the_rule(self):
        rng = np.random.default_rng(5)
        for suite in ("in-dist", "ood8", "8x8"):
            for _ in range(50):
                grid = maps.sample_map(suite, rng)
                self.assertEqual(maps.split_of(grid), "train")
                self.assertTrue(maps.fewest_moves_ok(grid, 4 if suite != "8x8" else 1))
                side = maps.largest_side(suite)
                self.assertTrue(len(grid) <= side and len(grid[0]) <= side)


if __name__ == "__main__":
    unittest.main()
