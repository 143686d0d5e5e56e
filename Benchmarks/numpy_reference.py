#!/usr/bin/env python3
"""Numpy forward pass of the ICRL transformer over one of our safetensors checkpoints.

Reproduces the Swift module NN's Q-values from a fixture folder written by
`NNParity.writeFixture` (checkpoint.safetensors, tokens.bin, q.bin, fixture.json) and
exits non-zero unless they agree to --tolerance (default 1e-4). Needs only numpy; the
safetensors container is parsed by hand, and its CRC-32 checked with zlib.

The math, which the Swift code and Benchmarks/pytorch_reference.py share:
  x = sum_k E_k[token_k] (+ P[t] for learned positions)
  per block: x += proj(attn(rope(qkv(LN1(x))))); x += W2 gelu_tanh(W1 LN2(x))
  q = head(LN_f(x))
LayerNorm: biased variance, eps from the config. RoPE: rotate-half (GPT-NeoX / HF Llama),
angle = position * base^(-2i/head_size). Attention: causal, scores / sqrt(head_size).
Computed in float64, so the difference measures the Swift float32 error.

Usage: python3 Benchmarks/numpy_reference.py --dir FIXTURE [--tolerance 1e-4]
"""
import argparse
import json
import struct
import sys
import zlib

import numpy as np


def load_safetensors(path):
    """Returns (tensors: name -> float32 array, metadata: dict)."""
    raw = open(path, "rb").read()
    if len(raw) < 8:
        raise ValueError(f"{path}: truncated")
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    meta = header.pop("__metadata__", {})
    data = raw[8 + n :]
    if "checksum" in meta:
        actual = "crc32:%08x" % (zlib.crc32(data) & 0xFFFFFFFF)
        if actual != meta["checksum"]:
            raise ValueError(f"{path}: checksum {actual} != {meta['checksum']}")
    tensors = {}
    for name, entry in header.items():
        if entry["dtype"] != "F32":
            raise ValueError(f"{name}: dtype {entry['dtype']}")
        begin, end = entry["data_offsets"]
        tensors[name] = np.frombuffer(data[begin:end], dtype="<f4").reshape(entry["shape"])
    return tensors, meta


def layer_norm(x, w, b, eps):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))


def rope(x, positions, base):
    """x: (B, H, T, hs); rotate-half convention."""
    hs = x.shape[-1]
    half = hs // 2
    freqs = base ** (-(2.0 * np.arange(half)) / hs)
    angles = positions[:, None] * freqs[None, :]  # (T, half)
    cos, sin = np.cos(angles), np.sin(angles)
    x1, x2 = x[..., :half], x[..., half:]
    return np.concatenate([x1 * cos - x2 * sin, x2 * cos + x1 * sin], axis=-1)


def forward(p, cfg, tokens):
    """p: name -> float64 array (without the 'online.' prefix); tokens (B, T, K) -> Q (B, T, A)."""
    B, T, K = tokens.shape
    C, H = cfg["dModel"], cfg["heads"]
    hs = C // H
    eps = cfg["layerNormEpsilon"]
    x = sum(p[f"embed.features.{k}.weight"][tokens[:, :, k]] for k in range(K))
    if cfg["positional"] == "learned":
        x = x + p["embed.position.weight"][:T]
    positions = np.arange(T, dtype=np.float64)
    mask = np.triu(np.ones((T, T), dtype=bool), k=1)
    for l in range(cfg["layers"]):
        pre = f"blocks.{l}."
        h = layer_norm(x, p[pre + "ln1.weight"], p[pre + "ln1.bias"], eps)
        qkv = h @ p[pre + "attn.qkv.weight"].T + p[pre + "attn.qkv.bias"]
        q, k, v = (qkv[..., i * C : (i + 1) * C].reshape(B, T, H, hs).transpose(0, 2, 1, 3) for i in range(3))
        if cfg["positional"] == "rotary":
            q, k = rope(q, positions, cfg["rotaryBase"]), rope(k, positions, cfg["rotaryBase"])
        scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(hs)
        scores = np.where(mask, -np.inf, scores)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        att = scores / scores.sum(-1, keepdims=True)
        y = (att @ v).transpose(0, 2, 1, 3).reshape(B, T, C)
        x = x + y @ p[pre + "attn.proj.weight"].T + p[pre + "attn.proj.bias"]
        h = layer_norm(x, p[pre + "ln2.weight"], p[pre + "ln2.bias"], eps)
        f = gelu_tanh(h @ p[pre + "mlp.fc.weight"].T + p[pre + "mlp.fc.bias"])
        x = x + f @ p[pre + "mlp.proj.weight"].T + p[pre + "mlp.proj.bias"]
    x = layer_norm(x, p["ln_f.weight"], p["ln_f.bias"], eps)
    return x @ p["head.weight"].T + p["head.bias"]


def load_fixture(folder):
    tensors, meta = load_safetensors(f"{folder}/checkpoint.safetensors")
    cfg = json.loads(meta["config"])
    fixture = json.load(open(f"{folder}/fixture.json"))
    B, T, K, A = fixture["batch"], fixture["time"], fixture["features"], fixture["actions"]
    tokens = np.fromfile(f"{folder}/tokens.bin", dtype="<i4").reshape(B, T, K)
    expected = np.fromfile(f"{folder}/q.bin", dtype="<f4").reshape(B, T, A)
    params = {name[len("online.") :]: t for name, t in tensors.items() if name.startswith("online.")}
    return cfg, params, tokens, expected


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dir", required=True, help="fixture folder written by NNParity.writeFixture")
    parser.add_argument("--tolerance", type=float, default=1e-4)
    args = parser.parse_args()
    cfg, params, tokens, expected = load_fixture(args.dir)
    q = forward({k: v.astype(np.float64) for k, v in params.items()}, cfg, tokens)
    diff = float(np.abs(q - expected).max())
    ok = diff <= args.tolerance
    print(json.dumps({"max_abs_diff": diff, "max_abs_q": float(np.abs(q).max()), "tolerance": args.tolerance,
                      "positional": cfg["positional"], "ok": ok}, sort_keys=True))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
