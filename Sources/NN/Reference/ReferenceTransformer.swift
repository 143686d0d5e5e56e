/// The whole model in naive Double precision, over the same flat parameter layout:
/// the oracle for the fast forward pass, the gradient checks and the KV cache.
struct ReferenceTransformer {
    let config: TransformerConfig
    let layout: ParameterLayout
    /// Parameters in layout order.
    var parameters: [Double]

    init(config: TransformerConfig, parameters: [Double]) {
        self.config = config
        layout = ParameterLayout(config: config)
        precondition(parameters.count == layout.count)
        self.parameters = parameters
    }

    /// A reference copy of a model's parameters.
    init(_ model: Transformer) {
        self.init(config: model.config, parameters: model.parameters.toArray().map(Double.init))
    }

    func tensor(_ name: String) -> [Double] {
        let spec = layout.spec(named: name)!
        return Array(parameters[spec.range])
    }

    /// Q-values (B, T, A) for tokens (B, T, K).
    ///
    /// - firstPosition: absolute position of t = 0 (rotary angles, or the learned table row)
    /// - window: each query sees at most this many keys, itself included, in every block:
    ///   the semantics of a ring-buffer KV cache of that capacity
    func forward(tokens: [Int32], batch b: Int, time t: Int, firstPosition: Int = 0, window: Int? = nil) -> [Double] {
        let c = config.dModel, h = config.heads, m = config.mlpHidden, n = b * t
        let eps = config.layerNormEpsilon
        let positions = (0..<n).map { firstPosition + $0 % t }
        let tables = (0..<config.featureCount).map { tensor("embed.features.\($0).weight") }
        var x = ReferenceKernels.embedding(
            tokens: tokens, rows: n, tables: tables,
            positionTable: config.positional == .learned ? tensor("embed.position.weight") : nil,
            positions: positions, channels: c)
        for l in 0..<config.layers {
            let p = "blocks.\(l)."
            let ln1 = ReferenceKernels.layerNorm(x, weight: tensor(p + "ln1.weight"), bias: tensor(p + "ln1.bias"), rows: n, channels: c, epsilon: eps)
            var qkv = ReferenceKernels.linear(ln1, weight: tensor(p + "attn.qkv.weight"), bias: tensor(p + "attn.qkv.bias"), rows: n, inChannels: c, outChannels: 3 * c)
            if config.positional == .rotary {
                qkv = ReferenceKernels.rotary(qkv, rows: n, channels: c, heads: h, positions: positions, base: config.rotaryBase)
            }
            let atty = ReferenceKernels.attention(qkv, batch: b, time: t, channels: c, heads: h, window: window)
            let proj = ReferenceKernels.linear(atty, weight: tensor(p + "attn.proj.weight"), bias: tensor(p + "attn.proj.bias"), rows: n, inChannels: c, outChannels: c)
            for i in x.indices { x[i] += proj[i] }
            let ln2 = ReferenceKernels.layerNorm(x, weight: tensor(p + "ln2.weight"), bias: tensor(p + "ln2.bias"), rows: n, channels: c, epsilon: eps)
            let fc = ReferenceKernels.gelu(ReferenceKernels.linear(ln2, weight: tensor(p + "mlp.fc.weight"), bias: tensor(p + "mlp.fc.bias"), rows: n, inChannels: c, outChannels: m))
            let out = ReferenceKernels.linear(fc, weight: tensor(p + "mlp.proj.weight"), bias: tensor(p + "mlp.proj.bias"), rows: n, inChannels: m, outChannels: c)
            for i in x.indices { x[i] += out[i] }
        }
        let lnf = ReferenceKernels.layerNorm(x, weight: tensor("ln_f.weight"), bias: tensor("ln_f.bias"), rows: n, channels: c, epsilon: eps)
        return ReferenceKernels.linear(lnf, weight: tensor("head.weight"), bias: tensor("head.bias"), rows: n, inChannels: c, outChannels: config.actions)
    }
}
