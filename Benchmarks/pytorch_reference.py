#!/usr/bin/env python3
"""The ICRL transformer Q-network in PyTorch: parity with our checkpoints, and the timing
baseline for `icrl bench learner` / `icrl bench actor`.

Same architecture and math as the Swift module NN (see Benchmarks/numpy_reference.py):
feature embeddings summed (+ learned positions), pre-LayerNorm blocks with causal
multi-head attention (rotate-half RoPE, angle = pos * base^(-2i/hs)) and a GELU(tanh) MLP,
final LayerNorm, linear Q head. Parameter names equal ours, so a checkpoint's `online.*`
tensors load with `load_state_dict(strict=True)`.

  python3 Benchmarks/pytorch_reference.py --dir FIXTURE     # parity (+ timing at the fixture's config)
  python3 Benchmarks/pytorch_reference.py                   # timing only, reference config

Timing, with torch.set_num_threads(--threads, default 2):
  train_step_ms: online forward + masked Huber loss on the taken action + backward +
                 clip_grad_norm_ + AdamW step + target forward (inference_mode) + Polyak,
                 batch --batch x --time tokens, median of --steps after --warmup
  decode_ms:     one token for --sequences sequences whose KV caches hold --context tokens
                 (preallocated caches, scaled_dot_product_attention), median
Prints one JSON object.
"""
import argparse
import json
import math
import statistics
import struct
import sys
import time
import zlib

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

REFERENCE_CONFIG = {
    "featureVocabularies": [64, 5, 2, 2, 65], "dModel": 128, "heads": 4, "layers": 2, "mlpHidden": 512,
    "contextLength": 256, "actions": 4, "positional": "rotary", "rotaryBase": 10000.0, "layerNormEpsilon": 1e-5,
}


def load_safetensors(path):
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    meta = header.pop("__metadata__", {})
    data = raw[8 + n :]
    if "checksum" in meta and "crc32:%08x" % (zlib.crc32(data) & 0xFFFFFFFF) != meta["checksum"]:
        raise ValueError(f"{path}: checksum mismatch")
    tensors = {}
    for name, e in header.items():
        begin, end = e["data_offsets"]
        tensors[name] = torch.from_numpy(np.frombuffer(data[begin:end], dtype="<f4").reshape(e["shape"]).copy())
    return tensors, meta


def rotary_tables(positions, head_size, base, dtype):
    half = head_size // 2
    freqs = base ** (-(2.0 * np.arange(half)) / head_size)
    angles = np.asarray(positions, dtype=np.float64)[:, None] * freqs[None, :]
    return torch.tensor(np.cos(angles), dtype=dtype), torch.tensor(np.sin(angles), dtype=dtype)


def apply_rope(x, cos, sin):
    """x: (..., T, hs); cos, sin: (T, hs/2)."""
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)


class Attention(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)


class MLP(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.fc = nn.Linear(d, h)
        self.proj = nn.Linear(h, d)


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d, eps = cfg["dModel"], cfg["layerNormEpsilon"]
        self.ln1 = nn.LayerNorm(d, eps=eps)
        self.attn = Attention(d)
        self.ln2 = nn.LayerNorm(d, eps=eps)
        self.mlp = MLP(d, cfg["mlpHidden"])


class Embed(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg["dModel"]
        self.features = nn.ModuleList(nn.Embedding(v, d) for v in cfg["featureVocabularies"])
        if cfg["positional"] == "learned":
            self.position = nn.Embedding(cfg["contextLength"], d)


class QTransformer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.embed = Embed(cfg)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg["layers"]))
        self.ln_f = nn.LayerNorm(cfg["dModel"], eps=cfg["layerNormEpsilon"])
        self.head = nn.Linear(cfg["dModel"], cfg["actions"])
        self.hs = cfg["dModel"] // cfg["heads"]
        cos, sin = rotary_tables(range(cfg["contextLength"]), self.hs, cfg["rotaryBase"], torch.float32)
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)

    def embed_tokens(self, tokens, positions):
        x = sum(e(tokens[..., k]) for k, e in enumerate(self.embed.features))
        if self.cfg["positional"] == "learned":
            x = x + self.embed.position(positions)
        return x

    def forward(self, tokens):
        """tokens: (B, T, K) int64 -> Q (B, T, A)."""
        B, T, _ = tokens.shape
        H, hs = self.cfg["heads"], self.hs
        x = self.embed_tokens(tokens, torch.arange(T))
        cos, sin = self.cos[:T].to(x.dtype), self.sin[:T].to(x.dtype)
        for blk in self.blocks:
            q, k, v = blk.attn.qkv(blk.ln1(x)).view(B, T, 3, H, hs).permute(2, 0, 3, 1, 4)
            if self.cfg["positional"] == "rotary":
                q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + blk.attn.proj(y.transpose(1, 2).reshape(B, T, -1))
            x = x + blk.mlp.proj(F.gelu(blk.mlp.fc(blk.ln2(x)), approximate="tanh"))
        return self.head(self.ln_f(x))

    @torch.inference_mode()
    def decode_step(self, tokens, position, keys, values):
        """One token for N sequences whose caches hold `position` tokens.

        tokens: (N, K); keys, values: per block (N, H, W, hs), written at slot `position`."""
        N = tokens.shape[0]
        H, hs = self.cfg["heads"], self.hs
        x = self.embed_tokens(tokens, torch.full((N,), position))
        cos, sin = rotary_tables([position], hs, self.cfg["rotaryBase"], x.dtype)
        for blk, kc, vc in zip(self.blocks, keys, values):
            q, k, v = blk.attn.qkv(blk.ln1(x)).view(N, 3, H, 1, hs).unbind(1)
            if self.cfg["positional"] == "rotary":
                q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
            kc[:, :, position : position + 1] = k
            vc[:, :, position : position + 1] = v
            y = F.scaled_dot_product_attention(q, kc[:, :, : position + 1], vc[:, :, : position + 1])
            x = x + blk.attn.proj(y.reshape(N, -1))
            x = x + blk.mlp.proj(F.gelu(blk.mlp.fc(blk.ln2(x)), approximate="tanh"))
        return self.head(self.ln_f(x))


def random_tokens(cfg, shape, gen):
    return torch.stack([torch.randint(0, v, shape, generator=gen) for v in cfg["featureVocabularies"]], dim=-1)


def parity(folder):
    tensors, meta = load_safetensors(f"{folder}/checkpoint.safetensors")
    cfg = json.loads(meta["config"])
    fixture = json.load(open(f"{folder}/fixture.json"))
    B, T, K, A = fixture["batch"], fixture["time"], fixture["features"], fixture["actions"]
    tokens = torch.from_numpy(np.fromfile(f"{folder}/tokens.bin", dtype="<i4").reshape(B, T, K).astype(np.int64))
    expected = torch.from_numpy(np.fromfile(f"{folder}/q.bin", dtype="<f4").reshape(B, T, A))
    model = QTransformer(cfg)
    model.load_state_dict({n[len("online.") :]: t for n, t in tensors.items() if n.startswith("online.")}, strict=True)
    with torch.inference_mode():
        q32 = model(tokens)
        q64 = model.double()(tokens)
    return cfg, {
        "parity_max_abs_diff": float((q32 - expected).abs().max()),
        "parity_max_abs_diff_float64": float((q64 - expected.double()).abs().max()),
        "parity_max_abs_q": float(expected.abs().max()),
    }


def time_train_step(cfg, batch, steps, warmup, seq_len):
    gen = torch.Generator().manual_seed(0)
    online, target = QTransformer(cfg), QTransformer(cfg)
    target.load_state_dict(online.state_dict())
    decay = [p for n, p in online.named_parameters() if p.dim() == 2 and not n.startswith("embed.")]
    other = [p for n, p in online.named_parameters() if not (p.dim() == 2 and not n.startswith("embed."))]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": other, "weight_decay": 0.0}], lr=3e-4)
    tokens = random_tokens(cfg, (batch, seq_len), gen)
    actions = torch.randint(0, cfg["actions"], (batch, seq_len), generator=gen)
    targets = torch.randn(batch, seq_len, generator=gen)
    mask = torch.ones(batch, seq_len)
    mask[:, -1] = 0
    times = []
    for i in range(warmup + steps):
        t0 = time.perf_counter()
        q = online(tokens)
        taken = q.gather(-1, actions.unsqueeze(-1)).squeeze(-1)
        loss = (F.huber_loss(taken, targets, reduction="none") * mask).sum() / mask.sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(online.parameters(), 1.0)
        opt.step()
        with torch.inference_mode():
            target(tokens)
            torch._foreach_lerp_(list(target.parameters()), list(online.parameters()), 0.005)
        if i >= warmup:
            times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def time_decode(cfg, sequences, context, steps, warmup):
    gen = torch.Generator().manual_seed(1)
    model = QTransformer(cfg)
    H, hs, W = cfg["heads"], cfg["dModel"] // cfg["heads"], cfg["contextLength"]
    keys = [torch.randn(sequences, H, W, hs, generator=gen) for _ in range(cfg["layers"])]
    values = [torch.randn(sequences, H, W, hs, generator=gen) for _ in range(cfg["layers"])]
    tokens = random_tokens(cfg, (sequences,), gen)
    times = []
    for i in range(warmup + steps):
        t0 = time.perf_counter()
        model.decode_step(tokens, context, keys, values)
        if i >= warmup:
            times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", help="fixture folder written by NNParity.writeFixture (enables the parity check)")
    ap.add_argument("--tolerance", type=float, default=1e-4)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--time", type=int, default=None, help="tokens per window (default: the context length)")
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--sequences", type=int, default=64)
    ap.add_argument("--context", type=int, default=None, help="cached tokens before the decoded one (default: context - 1)")
    ap.add_argument("--decode-steps", type=int, default=50)
    ap.add_argument("--no-timing", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    out = {"torch_version": torch.__version__, "threads": torch.get_num_threads()}
    cfg = REFERENCE_CONFIG
    ok = True
    if args.dir:
        cfg, figures = parity(args.dir)
        out.update(figures)
        ok = figures["parity_max_abs_diff"] <= args.tolerance
        out["parity_ok"] = ok
    if not args.no_timing:
        seq_len = args.time or cfg["contextLength"]
        context = args.context if args.context is not None else cfg["contextLength"] - 1
        out["train_step_ms"] = time_train_step(cfg, args.batch, args.steps, args.warmup, seq_len)
        out["decode_ms"] = time_decode(cfg, args.sequences, context, args.decode_steps, 10)
        out.update({"batch": args.batch, "time": seq_len, "sequences": args.sequences, "context": context})
    print(json.dumps(out, sort_keys=True))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
