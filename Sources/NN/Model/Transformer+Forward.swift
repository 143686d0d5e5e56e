extension Transformer {
    /// Training forward pass: Q-values for every position, keeping the activations that
    /// `backward(dQ:)` needs.
    ///
    /// Windows shorter than `time` are padded at the end: causality means padding never
    /// changes earlier positions, and the loss masks it.
    ///
    /// - Parameters:
    ///   - tokens: (B, T, K) feature indices, feature k in `0..<featureVocabularies[k]`
    ///   - batch: B
    ///   - time: T ≤ `contextLength`
    /// - Returns: (B, T, A) Q-values, a view into the workspace valid until the next
    ///   `forward` or `trainingPass` on this model.
    @discardableResult
    public func forward(tokens: UnsafeBufferPointer<Int32>, batch: Int, time: Int) -> UnsafeBufferPointer<Float> {
        checkShape(tokens: tokens.count, batch: batch, time: time)
        reserveTraining(batch: batch, time: time)
        let ws = training!
        let n = batch * time
        ws.tokens.update(from: tokens.baseAddress!, count: n * config.featureCount)
        for r in 0..<n { ws.positions[r] = Int32(r % time) }
        let packed = packedWeights()
        forEachBlock(batch: batch, time: time) { _, block in
            forwardShard(ws, sequences: block, time: time, packed: packed, activationRow: block.lowerBound * time)
        }
        lastForward = (batch, time)
        return UnsafeBufferPointer(start: ws.q, count: n * config.actions)
    }

    /// `forward` for arrays; returns a copy of the (B, T, A) Q-values.
    public func forward(tokens: [Int32], batch: Int, time: Int) -> [Float] {
        tokens.withUnsafeBufferPointer { Array(forward(tokens: $0, batch: batch, time: time)) }
    }

    /// The training forward pass over sequences `range` of the batch, on one thread. Tokens
    /// and Q-values are the batch's rows from `range.lowerBound · t` on; the activations
    /// kept for the backward pass go to the workspace's rows from `a0` on (the same rows for
    /// `forward`, a per-thread region for `trainingPass`).
    func forwardShard(_ ws: TrainingWorkspace, sequences range: Range<Int>, time t: Int, packed: PackedWeights?,
                      activationRow a0: Int) {
        let c = config.dModel, m = config.mlpHidden, h = config.heads, k = config.featureCount
        let b = range.count, n = b * t, r0 = range.lowerBound * t
        let p = UnsafePointer(parameters.pointer), o = layout.offsets
        let eps = Float(config.layerNormEpsilon)
        embeddingForward(
            out: ws.encoded + a0 * c, tokens: ws.tokens + r0 * k, rows: n, parameters: p,
            tableOffsets: o.features, vocabularies: config.featureVocabularies,
            positionOffset: o.position, positions: ws.positions + r0, channels: c)
        var x = UnsafePointer(ws.encoded + a0 * c)
        for (l, w) in o.blocks.enumerated() {
            let a = ws.layers[l], panels = packed?.block(l)
            let ln1 = a.ln1 + a0 * c, qkv = a.qkv + a0 * 3 * c, atty = a.atty + a0 * c, res1 = a.res1 + a0 * c
            let ln2 = a.ln2 + a0 * c, fch = a.fch + a0 * m, fchGelu = a.fchGelu + a0 * m, res2 = a.res2 + a0 * c
            layerNormForward(out: ln1, mean: a.ln1Mean + a0, rstd: a.ln1Rstd + a0, inp: x,
                             weight: p + w.ln1Weight, bias: p + w.ln1Bias, rows: n, channels: c, epsilon: eps)
            linearForward(out: qkv, inp: ln1, weight: p + w.qkvWeight, panels: panels?.qkv, bias: p + w.qkvBias, residual: nil,
                          rows: n, inChannels: c, outChannels: 3 * c)
            if let rotary { applyRotary(rotary, qkv: qkv, sequences: b, time: t, inverse: false) }
            attentionForward(out: atty, att: a.att + (a0 / t) * h * t * t, attStride: t * t, qkv: qkv,
                             batch: b, time: t, channels: c, heads: h)
            linearForward(out: res1, inp: atty, weight: p + w.projWeight, panels: panels?.proj, bias: p + w.projBias, residual: x,
                          rows: n, inChannels: c, outChannels: c)
            layerNormForward(out: ln2, mean: a.ln2Mean + a0, rstd: a.ln2Rstd + a0, inp: res1,
                             weight: p + w.ln2Weight, bias: p + w.ln2Bias, rows: n, channels: c, epsilon: eps)
            linearGELUForward(out: fchGelu, slope: fch, inp: ln2, weight: p + w.fcWeight, panels: panels?.fc, bias: p + w.fcBias,
                              rows: n, inChannels: c, outChannels: m)
            linearForward(out: res2, inp: fchGelu, weight: p + w.fcProjWeight, panels: panels?.fcProj, bias: p + w.fcProjBias, residual: res1,
                          rows: n, inChannels: m, outChannels: c)
            x = UnsafePointer(res2)
        }
        layerNormForward(out: ws.lnf + a0 * c, mean: ws.lnfMean + a0, rstd: ws.lnfRstd + a0, inp: x,
                         weight: p + o.lnfWeight, bias: p + o.lnfBias, rows: n, channels: c, epsilon: eps)
        linearForward(out: ws.q + r0 * config.actions, inp: ws.lnf + a0 * c, weight: p + o.headWeight,
                      panels: packed.map { $0[$0.head] }, bias: p + o.headBias,
                      residual: nil, rows: n, inChannels: c, outChannels: config.actions)
    }

    /// Rotates (or un-rotates, for gradients) the q and k parts of `b` sequences of qkv rows,
    /// positions 0..<T.
    ///
    /// - qkv: (b, T, 3C)
    func applyRotary(_ rotary: RotaryTable, qkv: UnsafeMutablePointer<Float>, sequences b: Int, time t: Int, inverse: Bool) {
        let c = config.dModel
        rotary.cos.withUnsafeBufferPointer { cos in
            rotary.sin.withUnsafeBufferPointer { sin in
                for s in 0..<b {
                    let x = qkv + s * t * 3 * c
                    if inverse {
                        rotaryBackward(dx: x, rowStride: 3 * c, rows: t, chunks: 2 * config.heads, headSize: config.headSize,
                                       cos: cos.baseAddress!, sin: sin.baseAddress!, cosRowStride: rotary.half)
                    } else {
                        rotaryForward(x: x, rowStride: 3 * c, rows: t, chunks: 2 * config.heads, headSize: config.headSize,
                                      cos: cos.baseAddress!, sin: sin.baseAddress!, cosRowStride: rotary.half)
                    }
                }
            }
        }
    }
}
