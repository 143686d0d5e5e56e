extension Transformer {
    /// Inference-only forward pass (target network, evaluation): the same Q-values as
    /// `forward`, but every block reuses one block's worth of scratch and nothing is kept
    /// for a backward pass.
    ///
    /// - Parameters:
    ///   - tokens: (B, T, K)
    ///   - q: (B, T, A) output
    public func predict(tokens: UnsafeBufferPointer<Int32>, batch: Int, time: Int, into q: UnsafeMutableBufferPointer<Float>) {
        checkShape(tokens: tokens.count, batch: batch, time: time)
        precondition(q.count == batch * time * config.actions, "q needs (B, T, A) = \(batch * time * config.actions) values, has \(q.count)")
        reserveInference(batch: batch, time: time)
        let ws = inference!
        for r in 0..<(batch * time) { ws.positions[r] = Int32(r % time) }
        let packed = packedWeights()
        forEachBlock(batch: batch, time: time) { thread, block in
            inferShard(ws, tokens: tokens.baseAddress!, q: q.baseAddress!, shard: thread, sequences: block, time: time,
                       scratchRow: scratchRow(thread: thread, block: block, batch: batch, time: time), packed: packed, kvSink: nil)
        }
    }

    /// `predict` for arrays; returns (B, T, A) Q-values.
    public func predict(tokens: [Int32], batch: Int, time: Int) -> [Float] {
        var q = [Float](repeating: 0, count: batch * time * config.actions)
        tokens.withUnsafeBufferPointer { t in q.withUnsafeMutableBufferPointer { predict(tokens: t, batch: batch, time: time, into: $0) } }
        return q
    }

    /// Inference over sequences `range` on one thread. `kvSink(layer, qkv)` sees each
    /// block's (b, T, 3C) qkv rows after rotary, which is how a KV cache is prefilled.
    ///
    /// - tokens: (B, T, K)
    /// - q: (B, T, A) output
    /// - scratchRow: first row of this call's region of the workspace (see `scratchRow`);
    ///   nil uses the range's own rows
    /// - packed: the linear weights packed for the fp32 GEMM (`packedWeights()`), if any
    func inferShard(
        _ ws: InferenceWorkspace, tokens: UnsafePointer<Int32>, q: UnsafeMutablePointer<Float>,
        shard: Int, sequences range: Range<Int>, time t: Int, scratchRow: Int? = nil, packed: PackedWeights? = nil,
        kvSink: ((Int, UnsafePointer<Float>) -> Void)?
    ) {
        let c = config.dModel, m = config.mlpHidden, h = config.heads, k = config.featureCount
        let b = range.count, n = b * t, r0 = range.lowerBound * t, s0 = scratchRow ?? r0
        let p = UnsafePointer(parameters.pointer), o = layout.offsets
        let eps = Float(config.layerNormEpsilon)
        let x = ws.x + s0 * c, ln = ws.ln + s0 * c, qkv = ws.qkv + s0 * 3 * c, atty = ws.atty + s0 * c, fch = ws.fch + s0 * m
        embeddingForward(
            out: x, tokens: tokens + r0 * k, rows: n, parameters: p, tableOffsets: o.features,
            vocabularies: config.featureVocabularies, positionOffset: o.position, positions: ws.positions + r0, channels: c)
        for (l, w) in o.blocks.enumerated() {
            let panels = packed?.block(l)
            layerNormForward(out: ln, mean: nil, rstd: nil, inp: x, weight: p + w.ln1Weight, bias: p + w.ln1Bias,
                             rows: n, channels: c, epsilon: eps)
            linearForward(out: qkv, inp: ln, weight: p + w.qkvWeight, panels: panels?.qkv, bias: p + w.qkvBias, residual: nil,
                          rows: n, inChannels: c, outChannels: 3 * c)
            if let rotary { applyRotary(rotary, qkv: qkv, sequences: b, time: t, inverse: false) }
            kvSink?(l, qkv)
            attentionForward(out: atty, att: ws.attScratch + shard * t * t, attStride: 0, qkv: qkv,
                             batch: b, time: t, channels: c, heads: h)
            linearForward(out: x, inp: atty, weight: p + w.projWeight, panels: panels?.proj, bias: p + w.projBias, residual: x,
                          rows: n, inChannels: c, outChannels: c)
            layerNormForward(out: ln, mean: nil, rstd: nil, inp: x, weight: p + w.ln2Weight, bias: p + w.ln2Bias,
                             rows: n, channels: c, epsilon: eps)
            linearGELUForward(out: fch, slope: nil, inp: ln, weight: p + w.fcWeight, panels: panels?.fc, bias: p + w.fcBias,
                              rows: n, inChannels: c, outChannels: m)
            linearForward(out: x, inp: fch, weight: p + w.fcProjWeight, panels: panels?.fcProj, bias: p + w.fcProjBias, residual: x,
                          rows: n, inChannels: m, outChannels: c)
        }
        layerNormForward(out: ln, mean: nil, rstd: nil, inp: x, weight: p + o.lnfWeight, bias: p + o.lnfBias,
                         rows: n, channels: c, epsilon: eps)
        linearForward(out: q + r0 * config.actions, inp: ln, weight: p + o.headWeight, panels: packed.map { $0[$0.head] },
                      bias: p + o.headBias, residual: nil, rows: n, inChannels: c, outChannels: config.actions)
    }
}
