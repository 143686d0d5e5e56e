"""The ICRL transformer as a PyTorch ``nn.Module``, loaded from an ICRL checkpoint.

    from icrl_actor import torch_model
    model = torch_model.load("models/icrl-best.safetensors")
    q = model(tokens)            # tokens: (B, T, K) int64 -> Q-values (B, T, A)

Parameter names are the checkpoint's (without ``online.``), so ``model.state_dict()`` maps
one to one onto the file. Needs ``torch`` (``pip install ./python[torch]``).
"""
import math

import torch
from torch import nn
from torch.nn import functional as F

from . import safetensors


class Block(nn.Module):
    def __init__(self, d, heads, hidden, eps):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(d, eps=eps)
        self.attn = nn.Module()
        self.attn.qkv = nn.Linear(d, 3 * d)
        self.attn.proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d, eps=eps)
        self.mlp = nn.Module()
        self.mlp.fc = nn.Linear(d, hidden)
        self.mlp.proj = nn.Linear(hidden, d)

    def forward(self, x, rope):
        B, T, d = x.shape
        hs = d // self.heads
        q, k, v = self.attn.qkv(self.ln1(x)).split(d, dim=-1)
        q, k, v = (t.view(B, T, self.heads, hs).transpose(1, 2) for t in (q, k, v))
        if rope is not None:
            q, k = rope(q), rope(k)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=1 / math.sqrt(hs))
        x = x + self.attn.proj(y.transpose(1, 2).reshape(B, T, d))
        return x + self.mlp.proj(F.gelu(self.mlp.fc(self.ln2(x)), approximate="tanh"))


class ICRLTransformer(nn.Module):
    """``config``: the model config dict a checkpoint stores (``TransformerConfig`` JSON)."""

    def __init__(self, config):
        super().__init__()
        self.config = config
        d = config["dModel"]
        self.heads = config["heads"]
        self.rotary = config["positional"] == "rotary"
        self.embed = nn.Module()
        self.embed.features = nn.ModuleList(nn.Embedding(v, d) for v in config["featureVocabularies"])
        if not self.rotary:
            self.embed.position = nn.Embedding(config["contextLength"], d)
        eps = config["layerNormEpsilon"]
        self.blocks = nn.ModuleList(Block(d, self.heads, config["mlpHidden"], eps) for _ in range(config["layers"]))
        self.ln_f = nn.LayerNorm(d, eps=eps)
        self.head = nn.Linear(d, config["actions"])

    def _rope(self, T, device, dtype):
        hs = self.config["dModel"] // self.heads
        half = hs // 2
        freqs = float(self.config.get("rotaryBase", 10000)) ** (-(2.0 * torch.arange(half, dtype=torch.float64)) / hs)
        angles = torch.arange(T, dtype=torch.float64)[:, None] * freqs[None, :]
        cos, sin = angles.cos().to(device, dtype), angles.sin().to(device, dtype)

        def rope(x):
            x1, x2 = x[..., :half], x[..., half:]
            return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)
        return rope

    def forward(self, tokens):
        """tokens: (B, T, K) int64 feature indices (docs/wire-protocol.md) -> Q (B, T, A)."""
        B, T, K = tokens.shape
        if T > self.config["contextLength"]:
            raise ValueError(f"{T} tokens: the model's context holds {self.config['contextLength']}")
        x = sum(self.embed.features[k](tokens[..., k]) for k in range(K))
        if not self.rotary:
            x = x + self.embed.position(torch.arange(T, device=tokens.device))
        rope = self._rope(T, x.device, x.dtype) if self.rotary else None
        for block in self.blocks:
            x = block(x, rope)
        return self.head(self.ln_f(x))


def load(path, dtype=torch.float32):
    """The checkpoint's online weights in an ``ICRLTransformer`` (eval mode)."""
    config, params, _ = safetensors.load_model(path)
    model = ICRLTransformer(config)
    state = {name: torch.from_numpy(array.copy()) for name, array in params.items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise safetensors.CheckpointError(f"{path}: tensors missing {missing[:3]}, unexpected {unexpected[:3]}")
    return model.to(dtype).eval()
