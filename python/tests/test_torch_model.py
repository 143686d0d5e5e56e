"""The PyTorch loader against Swift's Q-values (``icrl qtrace``) and the numpy model.

Needs torch; with ICRL_REQUIRE_TORCH=1 a missing torch fails instead of skipping.
"""
import os
import unittest

import numpy as np

from icrl_actor import safetensors
from icrl_actor.model import Transformer

from test_parity import CHECKPOINT, qtrace

try:
    import torch
    from icrl_actor import torch_model
except ImportError:  # torch is an optional dependency of the package
    torch = None

#: Relative to the largest |Q| of the trials: Swift and PyTorch both compute in float32.
RELATIVE_TOLERANCE = 1e-5


def windows(length, context):
    """The decoder's windows over a trial of ``length`` tokens: ``(start, first, end)`` —
    tokens ``first..<end`` are decoded seeing ``start..<t`` (positions from ``start``)."""
    out, start, filled, t = [], 0, 0, 0
    first = 0
    while t < length:
        if filled == context:
            out.append((start, first, t))
            start, first, filled = t - context // 2, t, context // 2
        filled += 1
        t += 1
    out.append((start, first, length))
    return out


@unittest.skipIf(torch is None and os.environ.get("ICRL_REQUIRE_TORCH") != "1", "torch is not installed")
class TorchLoader(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if torch is None:
            raise AssertionError("ICRL_REQUIRE_TORCH=1 but torch cannot be imported: pip install ./python[torch]")
        cls.model = torch_model.load(CHECKPOINT)

    def test_matches_swift_on_qtrace_windows(self):
        trials = qtrace(self)
        context = self.model.config["contextLength"]
        worst, largest, count = 0.0, 0.0, 0
        with torch.no_grad():
            for trial in trials:
                tokens = np.array(trial["tokens"])
                expected = np.array(trial["q"], dtype=np.float64)
                for start, first, end in windows(len(tokens), context):
                    q = self.model(torch.from_numpy(tokens[None, start:end])).double().numpy()[0]
                    diff = np.abs(q[first - start:] - expected[first:end])
                    worst = max(worst, float(diff.max()))
                    largest = max(largest, float(np.abs(expected[first:end]).max()))
                    count += end - first
        self.assertEqual(count, sum(len(t["tokens"]) for t in trials))
        print(f"\ntorch vs Swift over {len(trials)} trials ({count} steps): max |dq| {worst:.2e}, "
              f"max |q| {largest:.1f}, relative {worst / largest:.2e}")
        self.assertLessEqual(worst / largest, RELATIVE_TOLERANCE)

    def test_matches_numpy_in_float64(self):
        config, params, _ = safetensors.load_model(CHECKPOINT)
        reference = Transformer(config, params, dtype=np.float64)
        model64 = torch_model.load(CHECKPOINT, dtype=torch.float64)
        rng = np.random.default_rng(2)
        tokens = np.stack([rng.integers(0, v, (3, 200)) for v in config["featureVocabularies"]], -1)
        with torch.no_grad():
            q = model64(torch.from_numpy(tokens)).numpy()
        np.testing.assert_allclose(q, reference.forward(tokens), rtol=0, atol=1e-9)

    def test_state_dict_names_are_the_checkpoint_names(self):
        _, params, _ = safetensors.load_model(CHECKPOINT)
        self.assertEqual(set(self.model.state_dict()), set(params))

    def test_windows_cover_every_token_once(self):
        for length in (1, 255, 256, 257, 384, 385, 1000):
            covered = [t for _, first, end in windows(length, 256) for t in range(first, end)]
            self.assertEqual(covered, list(range(length)))


if __name__ == "__main__":
    unittest.main()
