extension Transformer {
    /// Backward pass of the last `forward`: adds ∂loss/∂parameters to `gradients` given
    /// ∂loss/∂Q. Unless `accumulate` is true, `gradients` is zeroed first.
    ///
    /// - dQ: (B, T, A), the same B and T as the last forward pass
    public func backward(dQ: UnsafeBufferPointer<Float>, accumulate: Bool = false) {
        guard let (batch, time) = lastForward, let ws = training else {
            preconditionFailure("backward(dQ:) needs a training forward pass first")
        }
        precondition(dQ.count == batch * time * config.actions,
                     "dQ has \(dQ.count) values; (B, T, A) = (\(batch), \(time), \(config.actions)) needs \(batch * time * config.actions)")
        if !accumulate { gradients.zero() }
        accumulateGradientGroups(batch: batch, time: time) { thread, g, block in
            backwardShard(ws, gradients: g, dQ: dQ.baseAddress!, shard: thread, sequences: block, time: time,
                          scratchRow: scratchRow(thread: thread, block: block, batch: batch, time: time),
                          activationRow: block.lowerBound * time)
        }
    }

    /// `backward` for arrays.
    public func backward(dQ: [Float], accumulate: Bool = false) {
        dQ.withUnsafeBufferPointer { backward(dQ: $0, accumulate: accumulate) }
    }

    /// Sets `gradients` to zero (for accumulating several backward passes).
    public func zeroGradients() { gradients.zero() }

    /// The backward pass over sequences `range`, on one thread, into gradient buffer `g`;
    /// its activation gradients live in the workspace's rows from `scratchRow` on, the
    /// forward pass's activations in those from `a0` on (see `forwardShard`).
    func backwardShard(
        _ ws: TrainingWorkspace, gradients g: UnsafeMutablePointer<Float>, dQ: UnsafePointer<Float>,
        shard: Int, sequences range: Range<Int>, time t: Int, scratchRow s0: Int, activationRow a0: Int
    ) {
        let c = config.dModel, m = config.mlpHidden, h = config.heads, k = config.featureCount, a = config.actions
        let b = range.count, n = b * t, r0 = range.lowerBound * t
        let p = UnsafePointer(parameters.pointer), o = layout.offsets
        let dres = ws.dres + s0 * c, dln = ws.dln + s0 * c, datty = ws.datty + s0 * c
        let dqkv = ws.dqkv + s0 * 3 * c, dfch = ws.dfch + s0 * m
        let scratch = ws.attScratch + shard * t * t
        let last = ws.layers[config.layers - 1].res2 + a0 * c

        dres.update(repeating: 0, count: n * c)
        linearBackward(dinp: dln, dweight: g + o.headWeight, dbias: g + o.headBias, dout: dQ + r0 * a,
                       inp: ws.lnf + a0 * c, weight: p + o.headWeight, rows: n, inChannels: c, outChannels: a)
        layerNormBackward(dinp: dres, dweight: g + o.lnfWeight, dbias: g + o.lnfBias, dout: dln, inp: last,
                          weight: p + o.lnfWeight, mean: ws.lnfMean + a0, rstd: ws.lnfRstd + a0, rows: n, channels: c)
        for l in stride(from: config.layers - 1, through: 0, by: -1) {
            let w = o.blocks[l], act = ws.layers[l]
            let x = l == 0 ? ws.encoded + a0 * c : ws.layers[l - 1].res2 + a0 * c
            // dres is ∂loss/∂res2 here; the MLP branch adds into it to make ∂loss/∂res1. dfch
            // comes out as ∂loss/∂(pre-activation): the GELU's slope multiplies it in.
            linearBackward(dinp: dfch, dweight: g + w.fcProjWeight, dbias: g + w.fcProjBias, dout: dres,
                           inp: act.fchGelu + a0 * m, weight: p + w.fcProjWeight, rows: n, inChannels: m, outChannels: c,
                           dinpScale: act.fch + a0 * m)
            linearBackward(dinp: dln, dweight: g + w.fcWeight, dbias: g + w.fcBias, dout: dfch,
                           inp: act.ln2 + a0 * c, weight: p + w.fcWeight, rows: n, inChannels: c, outChannels: m)
            layerNormBackward(dinp: dres, dweight: g + w.ln2Weight, dbias: g + w.ln2Bias, dout: dln, inp: act.res1 + a0 * c,
                              weight: p + w.ln2Weight, mean: act.ln2Mean + a0, rstd: act.ln2Rstd + a0, rows: n, channels: c)
            // Attention branch: dres becomes ∂loss/∂x, the block's input.
            linearBackward(dinp: datty, dweight: g + w.projWeight, dbias: g + w.projBias, dout: dres,
                           inp: act.atty + a0 * c, weight: p + w.projWeight, rows: n, inChannels: c, outChannels: c)
            attentionBackward(dqkv: dqkv, scratch: scratch, dout: datty, qkv: act.qkv + a0 * 3 * c,
                              att: act.att + (a0 / t) * h * t * t, batch: b, time: t, channels: c, heads: h)
            if let rotary { applyRotary(rotary, qkv: dqkv, sequences: b, time: t, inverse: true) }
            linearBackward(dinp: dln, dweight: g + w.qkvWeight, dbias: g + w.qkvBias, dout: dqkv,
                           inp: act.ln1 + a0 * c, weight: p + w.qkvWeight, rows: n, inChannels: c, outChannels: 3 * c)
            layerNormBackward(dinp: dres, dweight: g + w.ln1Weight, dbias: g + w.ln1Bias, dout: dln, inp: x,
                              weight: p + w.ln1Weight, mean: act.ln1Mean + a0, rstd: act.ln1Rstd + a0, rows: n, channels: c)
        }
        embeddingBackward(gradients: g, dout: dres, tokens: ws.tokens + r0 * k, rows: n, tableOffsets: o.features,
                          positionOffset: o.position, positions: ws.positions + r0, channels: c)
    }
}
