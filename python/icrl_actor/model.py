"""The ICRL transformer in numpy: a full forward pass and a batched KV-cache decoder.

The math is Swift's module NN (docs/wire-protocol.md, "The model"):

    x = sum_k E_k[token_k]                      (+ P[t] with learned positions)
    per block: x += proj(attn(rope(qkv(LN1(x))))); x += W2 gelu_tanh(W1 LN2(x))
    q = head(LN_f(x))

LayerNorm with biased variance; RoPE rotate-half (GPT-NeoX) with angle
``position * base^(-2i/head_size)``; causal attention with scores / sqrt(head_size).

The decoder reproduces the Swift actor's window policy (``KVCacheDecoder`` with
``.reencode(keep: contextLength / 2)``): a sequence grows to ``contextLength`` tokens; the
step after that first re-encodes its last ``contextLength / 2`` tokens as a fresh
sequence (positions from 0), so the model always sees windows shaped like the ones it
was trained on.
"""
import numpy as np

# Python floats: numpy keeps an array's dtype under them (float32 stays float32, float64 exact).
_GELU_C = float(np.sqrt(2 / np.pi))


def _layer_norm(x, w, b, eps):
    mean = x.mean(-1, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(-1, keepdims=True)
    return centred / np.sqrt(var + eps) * w + b


def _gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(_GELU_C * (x + 0.044715 * x * x * x)))


def tensor_shapes(config):
    """Every tensor's name and shape, in Swift's parameter order (docs/wire-protocol.md)."""
    d, h, c, actions = config["dModel"], config["mlpHidden"], config["contextLength"], config["actions"]
    shapes = {}
    for k, v in enumerate(config["featureVocabularies"]):
        shapes[f"embed.features.{k}.weight"] = (v, d)
    if config["positional"] != "rotary":
        shapes["embed.position.weight"] = (c, d)
    for l in range(config["layers"]):
        pre = f"blocks.{l}."
        shapes.update({
            pre + "ln1.weight": (d,), pre + "ln1.bias": (d,),
            pre + "attn.qkv.weight": (3 * d, d), pre + "attn.qkv.bias": (3 * d,),
            pre + "attn.proj.weight": (d, d), pre + "attn.proj.bias": (d,),
            pre + "ln2.weight": (d,), pre + "ln2.bias": (d,),
            pre + "mlp.fc.weight": (h, d), pre + "mlp.fc.bias": (h,),
            pre + "mlp.proj.weight": (d, h), pre + "mlp.proj.bias": (d,),
        })
    shapes.update({"ln_f.weight": (d,), "ln_f.bias": (d,), "head.weight": (actions, d), "head.bias": (actions,)})
    return shapes


class Transformer:
    """The model's parameters and its forward pass.

    ``config`` is the model config dict (``TransformerConfig`` JSON: dModel, heads, layers,
    mlpHidden, contextLength, featureVocabularies, actions, positional, rotaryBase,
    layerNormEpsilon); ``params`` maps tensor names (``embed.features.0.weight``, …, no
    ``online.`` prefix) to arrays.
    """

    def __init__(self, config, params, dtype=np.float32):
        self.config = config
        self.dtype = dtype
        self.d = config["dModel"]
        self.heads = config["heads"]
        self.head_size = self.d // self.heads
        self.layers = config["layers"]
        self.context = config["contextLength"]
        self.features = len(config["featureVocabularies"])
        self.actions = config["actions"]
        self.eps = float(config["layerNormEpsilon"])
        self.rotary = config["positional"] == "rotary"
        self.load(params)
        half = self.head_size // 2
        freqs = float(config.get("rotaryBase", 10000)) ** (-(2.0 * np.arange(half)) / self.head_size)
        angles = np.arange(self.context)[:, None] * freqs[None, :]
        self._cos = np.cos(angles).astype(dtype)  # (context, hs/2)
        self._sin = np.sin(angles).astype(dtype)

    def load(self, params):
        """Takes new weights (same names and shapes); raises ValueError on a mismatch."""
        expected = self.tensor_shapes()
        missing = [n for n in expected if n not in params]
        if missing:
            raise ValueError(f"weights lack {len(missing)} tensors, e.g. {missing[:3]}")
        extra = [n for n in params if n not in expected]
        if extra:
            raise ValueError(f"weights have tensors this model does not: {extra[:3]}")
        for name, shape in expected.items():
            if tuple(params[name].shape) != shape:
                raise ValueError(f"{name}: shape {tuple(params[name].shape)}, expected {shape}")
        p = {name: np.ascontiguousarray(t, dtype=self.dtype) for name, t in params.items()}
        self.p = p
        self.embeddings = [p[f"embed.features.{k}.weight"] for k in range(self.features)]
        # Transposed once, so every product is x @ W.
        self.blocks = []
        for l in range(self.layers):
            pre = f"blocks.{l}."
            self.blocks.append({
                "ln1": (p[pre + "ln1.weight"], p[pre + "ln1.bias"]),
                "qkv": (np.ascontiguousarray(p[pre + "attn.qkv.weight"].T), p[pre + "attn.qkv.bias"]),
                "proj": (np.ascontiguousarray(p[pre + "attn.proj.weight"].T), p[pre + "attn.proj.bias"]),
                "ln2": (p[pre + "ln2.weight"], p[pre + "ln2.bias"]),
                "fc": (np.ascontiguousarray(p[pre + "mlp.fc.weight"].T), p[pre + "mlp.fc.bias"]),
                "out": (np.ascontiguousarray(p[pre + "mlp.proj.weight"].T), p[pre + "mlp.proj.bias"]),
            })
        self.ln_f = (p["ln_f.weight"], p["ln_f.bias"])
        self.head = (np.ascontiguousarray(p["head.weight"].T), p["head.bias"])

    def tensor_shapes(self):
        return tensor_shapes(self.config)

    @classmethod
    def random(cls, config, seed=1, scale=0.02):
        """A model with random weights (normal, ``scale``), LayerNorm gains 1: for benchmarks."""
        rng = np.random.default_rng(seed)
        params = {name: (rng.standard_normal(shape) * scale).astype(np.float32)
                  for name, shape in tensor_shapes(config).items()}
        for name in params:
            if name.endswith(("ln1.weight", "ln2.weight")) or name == "ln_f.weight":
                params[name] = np.ones_like(params[name])
        return cls(config, params)

    def embed(self, tokens, positions):
        """tokens: (..., K) int; positions: (...) int -> (..., d)."""
        x = self.embeddings[0][tokens[..., 0]]
        for k in range(1, self.features):
            x = x + self.embeddings[k][tokens[..., k]]
        if not self.rotary:
            x = x + self.p["embed.position.weight"][positions]
        return x

    def rope(self, x, positions):
        """x: (..., H, hs) at positions (...) -> rotated (rotate-half convention)."""
        if not self.rotary:
            return x
        half = self.head_size // 2
        cos = self._cos[positions][..., None, :]
        sin = self._sin[positions][..., None, :]
        x1, x2 = x[..., :half], x[..., half:]
        return np.concatenate([x1 * cos - x2 * sin, x2 * cos + x1 * sin], axis=-1)

    def mlp_and_head(self, x, block):
        h = _layer_norm(x, *block["ln2"], self.eps)
        f = _gelu_tanh(h @ block["fc"][0] + block["fc"][1])
        return x + f @ block["out"][0] + block["out"][1]

    def forward(self, tokens, keys=None, values=None):
        """Full causal pass. tokens: (B, T, K) int -> Q (B, T, A).

        With ``keys``/``values`` (lists per block of (B, H, >=T, hs) arrays), also stores each
        block's rotated keys and values there: the decoder's prefill.
        """
        B, T, _ = tokens.shape
        H, hs, d = self.heads, self.head_size, self.d
        positions = np.arange(T)
        x = self.embed(tokens, positions[None, :])
        mask = np.where(np.triu(np.ones((T, T), dtype=bool), k=1), -np.inf, 0).astype(self.dtype)
        scale = float(1 / np.sqrt(hs))
        for l, block in enumerate(self.blocks):
            h = _layer_norm(x, *block["ln1"], self.eps)
            qkv = (h @ block["qkv"][0] + block["qkv"][1]).reshape(B, T, 3, H, hs)
            q = self.rope(qkv[:, :, 0], positions[None, :])
            k = self.rope(qkv[:, :, 1], positions[None, :])
            v = qkv[:, :, 2]
            q, k, v = q.transpose(0, 2, 1, 3), k.transpose(0, 2, 1, 3), v.transpose(0, 2, 1, 3)  # (B, H, T, hs)
            if keys is not None:
                keys[l][:, :, :T] = k
                values[l][:, :, :T] = v
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + mask
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            att = scores / scores.sum(-1, keepdims=True)
            y = (att @ v).transpose(0, 2, 1, 3).reshape(B, T, d)
            x = x + y @ block["proj"][0] + block["proj"][1]
            x = self.mlp_and_head(x, block)
        x = _layer_norm(x, *self.ln_f, self.eps)
        return x @ self.head[0] + self.head[1]


class Decoder:
    """N sequences decoded one token at a time with a KV cache, in one batched pass per step.

    ``step(tokens, active)`` appends row i of ``tokens`` (N, K) to sequence i for every active
    i and returns the Q-values (N, A) of those tokens (rows of inactive sequences are 0).
    """

    def __init__(self, model, sequences, salient=None, salient_limit=None):
        """``salient``: tokens (L, K) -> bool (L,), the tokens a re-encoding carries past the
        window, at most ``salient_limit`` of them (clamped to half of what it keeps): with the
        run's ``dqn.carriedLandings``, ``Tokenizer.shows_landing`` and that number, as Swift's
        ``KVCacheDecoder.salientToken`` and ``salientLimit``. None keeps only the most recent."""
        self.model = model
        self.n = sequences
        self.capacity = model.context
        self.keep = model.context // 2
        self.salient = salient
        self.salient_limit = salient_limit
        shape = (sequences, model.heads, self.capacity, model.head_size)
        self.keys = [np.zeros(shape, dtype=model.dtype) for _ in range(model.layers)]
        self.values = [np.zeros(shape, dtype=model.dtype) for _ in range(model.layers)]
        self.history = np.zeros((sequences, self.capacity, model.features), dtype=np.int64)
        self.lengths = np.zeros(sequences, dtype=np.int64)
        self.reencodes = 0

    def reset(self, i):
        """Empties sequence i (a new trial)."""
        self.lengths[i] = 0

    def reset_all(self):
        self.lengths[:] = 0

    def _kept(self, i, keep):
        """History positions a re-encoding of sequence i keeps, oldest first: the last
        ``keep``, or with ``salient`` the salient ones it would drop (at most
        ``min(salient_limit, keep // 2)``, the newest) and the last ``keep - carried``. Carrying shortens the recent part, which can
        drop more salient tokens: iterate to the fixed point."""
        length = int(self.lengths[i])
        if self.salient is None or keep >= length:
            return np.arange(length - keep, length)
        flags = np.asarray(self.salient(self.history[i, :length]))
        limit = keep // 2 if self.salient_limit is None else min(self.salient_limit, keep // 2)
        recent = keep
        while True:
            found = np.flatnonzero(flags[:length - recent])
            found = found[found.size - min(found.size, limit):]
            if keep - found.size == recent:
                break
            recent = keep - found.size
        return np.concatenate([found, np.arange(length - recent, length)])

    def _prefill(self, rows, kept_of):
        """Re-encodes sequences ``rows``, each from its history positions ``kept_of(i)``."""
        m = self.model
        by_length = {}
        for i in rows:
            kept = kept_of(i)
            by_length.setdefault(len(kept), []).append((i, kept))
        for length, members in by_length.items():
            if length == 0:
                continue
            group = np.array([i for i, _ in members])
            index = np.stack([kept for _, kept in members])
            tokens = self.history[group[:, None], index]  # (G, L, K)
            shape = (len(group), m.heads, length, m.head_size)
            keys = [np.empty(shape, dtype=m.dtype) for _ in range(m.layers)]
            values = [np.empty(shape, dtype=m.dtype) for _ in range(m.layers)]
            m.forward(tokens, keys, values)
            for l in range(m.layers):
                self.keys[l][group, :, :length] = keys[l]
                self.values[l][group, :, :length] = values[l]
            self.history[group, :length] = tokens
            self.lengths[group] = length

    def refresh_all(self):
        """Re-encodes every sequence's window with the current weights (after new weights)."""
        rows = [i for i in range(self.n) if self.lengths[i] > 0]
        self._prefill(rows, lambda i: np.arange(int(self.lengths[i])))

    def step(self, tokens, active=None):
        m = self.model
        rows = np.arange(self.n) if active is None else np.flatnonzero(active)
        q_out = np.zeros((self.n, m.actions), dtype=m.dtype)
        if rows.size == 0:
            return q_out
        full = rows[self.lengths[rows] == self.capacity]
        if full.size:
            self._prefill(full, lambda i: self._kept(i, self.keep))
            self.reencodes += int(full.size)
        tok = np.asarray(tokens)[rows]
        pos = self.lengths[rows]
        self.history[rows, pos] = tok
        n, H, hs, d = rows.size, m.heads, m.head_size, m.d
        span = int(pos.max()) + 1
        # All sequences active (the usual case): cache views, not copies.
        every = slice(None) if rows.size == self.n else rows
        # (n, 1, 1, span): -inf where a cached position is beyond the sequence's own length.
        future = np.where(np.arange(span)[None, :] > pos[:, None], -np.inf, 0).astype(m.dtype)[:, None, None, :]
        scale = float(1 / np.sqrt(hs))
        x = m.embed(tok, pos)
        for l, block in enumerate(m.blocks):
            h = _layer_norm(x, *block["ln1"], m.eps)
            qkv = (h @ block["qkv"][0] + block["qkv"][1]).reshape(n, 3, H, hs)
            q = m.rope(qkv[:, 0], pos)
            k = m.rope(qkv[:, 1], pos)
            self.keys[l][rows, :, pos] = k
            self.values[l][rows, :, pos] = qkv[:, 2]
            cached_k = self.keys[l][every, :, :span]  # (n, H, span, hs)
            cached_v = self.values[l][every, :, :span]
            scores = (q[:, :, None, :] @ cached_k.transpose(0, 1, 3, 2)) * scale + future  # (n, H, 1, span)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            att = scores / scores.sum(-1, keepdims=True)
            y = (att @ cached_v).reshape(n, d)
            x = x + y @ block["proj"][0] + block["proj"][1]
            x = m.mlp_and_head(x, block)
        x = _layer_norm(x, *m.ln_f, m.eps)
        q_out[rows] = x @ m.head[0] + m.head[1]
        self.lengths[rows] += 1
        return q_out
