"""Throughput of the Python actor's hot paths, as JSON (``icrl bench actor --python`` runs it
beside the Swift actor's figures).

    python3 -m icrl_actor.bench [--sequences 64] [--steps 50] [--seconds 10]

- ``decode_ms``: one KV-cache decode step for ``--sequences`` sequences at context 255, the
  reference model config with random weights (the shape ``icrl bench actor`` times).
- ``rollout_steps_per_s``: the actor loop without sockets — tokens, decode, Gymnasium steps,
  chunk building and protobuf encoding — for ``--sequences`` in-dist environments of the
  ``best`` recipe's rollout settings, played by the model ε-greedily (ε 0.05).
"""
import argparse
import json
import statistics
import time

import numpy as np

from .actor import Actor
from .model import Decoder, Transformer
from .rollout import ChunkBuilder, Rollout
from .tokenizer import Tokenizer

REFERENCE = {"actions": 4, "contextLength": 256, "dModel": 128, "featureVocabularies": [8, 8, 5, 2, 2, 9, 9],
             "heads": 4, "layerNormEpsilon": 1e-05, "layers": 2, "mlpHidden": 512, "positional": "rotary",
             "rotaryBase": 10000}
TOKENIZER = {"observation": "row-column", "canvas": 8, "randomPlacement": True, "landingsOnlyOnTermination": True}
ROLLOUT = {"environments": 64, "chunkSteps": 64, "episodeStepLimit": 25, "episodesPerMapMin": 12,
           "episodesPerMapMax": 30, "mapsPerTrial": 2, "modelWeight": 1.0, "randomWeight": 0.0, "slippery": False,
           "suite": "in-dist", "epsilonStart": 0.05, "epsilonEnd": 0.05, "epsilonDecayUpdates": 0}


def decode_ms(model, sequences, steps, warmup=5):
    rng = np.random.default_rng(3)
    vocab = REFERENCE["featureVocabularies"]
    decoder = Decoder(model, sequences)
    filled = REFERENCE["contextLength"] - 1
    history = np.stack([rng.integers(0, v, (sequences, filled)) for v in vocab], -1)
    decoder.history[:, :filled] = history
    decoder.lengths[:] = filled
    decoder.refresh_all()
    token = np.stack([rng.integers(0, v, sequences) for v in vocab], -1)
    times = []
    for i in range(warmup + steps):
        t0 = time.perf_counter()
        decoder.step(token)
        t1 = time.perf_counter()
        decoder.lengths[:] = filled  # every timed step sees the same context length
        if i >= warmup:
            times.append((t1 - t0) * 1e3)
    return statistics.median(times)


def rollout_steps_per_s(model, sequences, seconds):
    rollout_config = dict(ROLLOUT, environments=sequences)
    tokenizer = Tokenizer(TOKENIZER)
    rollout = Rollout(rollout_config, tokenizer, incarnation=7, seed=1)
    decoder = Decoder(model, rollout.n)
    builders = [ChunkBuilder(rollout_config["chunkSteps"]) for _ in range(rollout.n)]
    encoder = Actor("tcp://127.0.0.1:1", actor_id="bench")
    steps, chunks, sequence = 0, 0, 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        tokens, active = rollout.tokens()
        q = decoder.step(tokens, active)
        out, restarted = rollout.step(q, 0.05)
        for i in restarted:
            decoder.reset(i)
        for slot, trial_id, step, behaviour, ends in out:
            closed = builders[slot].add(trial_id, step, behaviour, 0)
            if ends:
                last = builders[slot].finish()
                if last is not None:
                    closed.append(last)
            for chunk in closed:
                encoder._encode(chunk, sequence, 0)
                sequence += 1
                chunks += 1
        steps += rollout.n
    elapsed = time.perf_counter() - start
    return steps / elapsed, chunks, rollout.envs_made


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m icrl_actor.bench", description=__doc__.split("\n")[0])
    p.add_argument("--sequences", type=int, default=64)
    p.add_argument("--steps", type=int, default=50, help="timed decode steps (median reported)")
    p.add_argument("--seconds", type=float, default=10, help="seconds of rollout timed")
    args = p.parse_args(argv)
    model = Transformer.random(REFERENCE)
    figures = {"bench": "python_actor", "sequences": args.sequences, "numpy_version": np.__version__}
    figures["decode_ms"] = decode_ms(model, args.sequences, args.steps)
    figures["decode_tokens_per_s"] = args.sequences / (figures["decode_ms"] * 1e-3)
    rate, chunks, envs = rollout_steps_per_s(model, args.sequences, args.seconds)
    figures.update({"rollout_steps_per_s": rate, "rollout_chunks": chunks, "rollout_seconds": args.seconds})
    print(json.dumps(figures, sort_keys=True))


if __name__ == "__main__":
    main()
