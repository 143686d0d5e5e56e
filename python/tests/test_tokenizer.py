"""The hand-encoded example trial of docs/wire-protocol.md ("The tokenizer"), and the chunk
rules, without any Swift."""
import unittest

from icrl_actor.rollout import ChunkBuilder
from icrl_actor.tokenizer import EPISODE_START, MAP_START, TERMINATED, Step, Tokenizer, placement_seed

TOKENIZER = {"observation": "row-column", "canvas": 8, "randomPlacement": True, "landingsOnlyOnTermination": True}
# (observation, action, next_observation, reward, flags) of the example, on SFF,HFG.
EXAMPLE = [(0, 2, 1, 0, EPISODE_START | MAP_START), (1, 1, 4, 0, 0), (4, 0, 3, 0, TERMINATED),
           (0, 2, 1, 0, EPISODE_START), (1, 2, 2, 0, 0), (2, 1, 5, 1, TERMINATED)]
TOKENS = [[2, 4, 4, 0, 1, 0, 0], [2, 5, 2, 0, 0, 0, 0], [3, 5, 1, 0, 0, 0, 0],
          [2, 4, 0, 0, 1, 4, 5], [2, 5, 2, 0, 0, 0, 0], [2, 6, 2, 0, 0, 0, 0]]


class DocumentedExample(unittest.TestCase):
    def test_placement(self):
        self.assertEqual(placement_seed(5, 0, 0), 0x1715609F7C746C69)
        self.assertEqual(Tokenizer(TOKENIZER).placement(2, 3, placement_seed(5, 0, 0)), (2 << 4) | 4)

    def test_tokens(self):
        tokenizer = Tokenizer(TOKENIZER)
        placement = tokenizer.placement(2, 3, placement_seed(5, 0, 0))
        previous, tokens = None, []
        for obs, action, nxt, reward, flags in EXAMPLE:
            tokens.append(tokenizer.encode(obs, 3, placement, previous, bool(flags & EPISODE_START)))
            previous = Step(obs, nxt, action, reward, flags, 2, 3, placement)
        self.assertEqual(tokens, TOKENS)
        self.assertEqual(tokenizer.encode(0, 3, placement, previous, True), [2, 4, 1, 1, 1, 4, 7])

    def test_timeout_is_not_a_landing(self):
        tokenizer = Tokenizer(TOKENIZER)
        cut = Step(1, 2, 2, 0, 2, 2, 3, 0)  # truncated on a frozen cell
        self.assertEqual(tokenizer.encode(0, 3, 0, cut, True)[5:], [0, 0])

    def test_chunk_of_the_example(self):
        builder = ChunkBuilder(capacity=64)
        chunks = []
        for obs, action, nxt, reward, flags in EXAMPLE:
            chunks += builder.add(0, Step(obs, nxt, action, reward, flags, 2, 3, 36), 1, 7)
        chunks.append(builder.finish())
        self.assertEqual(len(chunks), 1)
        c = chunks[0]
        self.assertEqual((c["map_rows"], c["map_cols"], c["first_step"], c["trial_done"]), (2, 3, 0, True))
        self.assertEqual(c["observations"], [0, 1, 4, 0, 1, 2])
        self.assertEqual(c["actions"], [2, 1, 0, 2, 2, 1])
        self.assertEqual(c["next_observations"], [1, 4, 3, 1, 2, 5])
        self.assertEqual(c["flags"], [12, 0, 1, 4, 0, 1])

    def test_chunks_close_when_full_and_at_a_map_change(self):
        builder = ChunkBuilder(capacity=4)
        chunks = []
        for i in range(10):
            flags = EPISODE_START | MAP_START if i in (0, 6) else 0
            chunks += builder.add(3, Step(0, 1, 2, 0, flags, 2, 3, 0), 1, 7)
        chunks.append(builder.finish())
        self.assertEqual([len(c["observations"]) for c in chunks], [4, 2, 4])
        self.assertEqual([c["first_step"] for c in chunks], [0, 4, 6])
        self.assertEqual([c["trial_done"] for c in chunks], [False, False, True])


if __name__ == "__main__":
    unittest.main()
