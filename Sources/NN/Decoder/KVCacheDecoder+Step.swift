extension KVCacheDecoder {
    /// Appends one token to every active sequence and writes its Q-values.
    ///
    /// - Parameters:
    ///   - tokens: (N, K), row i is sequence i's next token (rows of inactive sequences are ignored)
    ///   - active: (N) which sequences take a step; nil means all
    ///   - q: (N, A) output; rows of inactive sequences are left unchanged
    public func step(tokens: UnsafeBufferPointer<Int32>, active: [Bool]? = nil, into q: UnsafeMutableBufferPointer<Float>) {
        let config = model.config, k = config.featureCount, a = config.actions
        precondition(tokens.count == sequences * k, "tokens needs (N, K) = \(sequences * k) values, has \(tokens.count)")
        precondition(q.count == sequences * a, "q needs (N, A) = \(sequences * a) values, has \(q.count)")
        precondition(active == nil || active!.count == sequences, "active needs one flag per sequence")
        // Active sequences in order, and the full ones among them, in preallocated storage:
        // a decode step allocates nothing.
        let rows = activeRows
        var count = 0, fullCount = 0
        for i in 0..<sequences where active?[i] ?? true {
            rows[count] = i
            count += 1
            if lengths[i] == capacity {
                fullRows[fullCount] = i
                fullCount += 1
            }
        }
        if count == 0 { return }
        if case let .reencode(keep) = window, fullCount > 0 {
            reencode(UnsafeBufferPointer(start: fullRows, count: fullCount), keep: keep)
        }
        let ws = stepWorkspace
        for r in 0..<count {
            let i = rows[r]
            let source = tokens.baseAddress! + i * k
            for f in 0..<k {
                let index = Int(source[f])
                precondition(index >= 0 && index < config.featureVocabularies[f],
                             "sequence \(i): token feature \(f) = \(index) is outside 0..<\(config.featureVocabularies[f])")
            }
            (ws.tokens + r * k).update(from: source, count: k)
            (history + (i * capacity + positions[i] % capacity) * k).update(from: source, count: k)
            ws.positions[r] = Int32(truncatingIfNeeded: positions[i])
        }
        let packed = model.packedWeights()
        let threads = min(model.pool.threadCount, count)
        model.pool.parallelFor(threads) { t in
            let lo = t * count / threads, hi = (t + 1) * count / threads
            stepRows(rows, lo..<hi, thread: t, packed: packed)
        }
        for r in 0..<count {
            let i = rows[r]
            (q.baseAddress! + i * a).update(from: ws.q + r * a, count: a)
            lengths[i] = min(lengths[i] + 1, capacity)
            positions[i] += 1
        }
    }

    /// `step` for arrays: tokens (N, K) → Q-values (N, A), zero for inactive sequences.
    public func step(tokens: [Int32], active: [Bool]? = nil) -> [Float] {
        var q = [Float](repeating: 0, count: sequences * model.config.actions)
        tokens.withUnsafeBufferPointer { t in q.withUnsafeMutableBufferPointer { step(tokens: t, active: active, into: $0) } }
        return q
    }

    /// The decode pipeline for compact rows `range` (sequences `rows[range]`), on one thread.
    private func stepRows(_ rows: UnsafeMutablePointer<Int>, _ range: Range<Int>, thread: Int, packed weights: PackedWeights?) {
        if range.isEmpty { return }
        let config = model.config, ws = stepWorkspace
        let c = config.dModel, m = config.mlpHidden, h = config.heads, hs = config.headSize, k = config.featureCount
        let w = capacity, half = hs / 2
        let n = range.count, r0 = range.lowerBound
        let p = UnsafePointer(model.parameters.pointer), o = model.layout.offsets
        let eps = Float(config.layerNormEpsilon)
        let x = ws.x + r0 * c, ln = ws.ln + r0 * c, qkv = ws.qkv + r0 * 3 * c, atty = ws.atty + r0 * c, fch = ws.fch + r0 * m
        let scores = ws.scores + thread * w
        embeddingForward(out: x, tokens: ws.tokens + r0 * k, rows: n, parameters: p, tableOffsets: o.features,
                         vocabularies: config.featureVocabularies, positionOffset: o.position,
                         positions: ws.positions + r0, channels: c)
        if let rotary = model.rotary {
            for r in range { rotary.angles(position: positions[rows[r]], cos: ws.cos + r * half, sin: ws.sin + r * half) }
        }
        for (l, wt) in o.blocks.enumerated() {
            let panels = weights?.block(l)
            layerNormForward(out: ln, mean: nil, rstd: nil, inp: x, weight: p + wt.ln1Weight, bias: p + wt.ln1Bias,
                             rows: n, channels: c, epsilon: eps)
            linearForward(out: qkv, inp: ln, weight: p + wt.qkvWeight, panels: panels?.qkv, bias: p + wt.qkvBias, residual: nil,
                          rows: n, inChannels: c, outChannels: 3 * c)
            if model.rotary != nil {
                rotaryForward(x: qkv, rowStride: 3 * c, rows: n, chunks: 2 * h, headSize: hs,
                              cos: ws.cos + r0 * half, sin: ws.sin + r0 * half, cosRowStride: half)
            }
            for r in 0..<n {
                let i = rows[r0 + r]
                let slot = positions[i] % w, len = min(lengths[i] + 1, w)
                let row = qkv + r * 3 * c
                for head in 0..<h {
                    let kc = keys[l] + (i * h + head) * w * hs, vc = values[l] + (i * h + head) * w * hs
                    let key = row + c + head * hs
                    for d in 0..<hs { kc[d * w + slot] = key[d] }
                    (vc + slot * hs).update(from: row + 2 * c + head * hs, count: hs)
                    decodeAttention(out: atty + r * c + head * hs, q: row + head * hs, keys: kc, stride: w, values: vc,
                                    length: len, headSize: hs, scores: scores)
                }
            }
            linearForward(out: x, inp: atty, weight: p + wt.projWeight, panels: panels?.proj, bias: p + wt.projBias, residual: x,
                          rows: n, inChannels: c, outChannels: c)
            layerNormForward(out: ln, mean: nil, rstd: nil, inp: x, weight: p + wt.ln2Weight, bias: p + wt.ln2Bias,
                             rows: n, channels: c, epsilon: eps)
            linearForward(out: fch, inp: ln, weight: p + wt.fcWeight, panels: panels?.fc, bias: p + wt.fcBias, residual: nil,
                          rows: n, inChannels: c, outChannels: m)
            geluForward(out: fch, inp: fch, count: n * m)
            linearForward(out: x, inp: fch, weight: p + wt.fcProjWeight, panels: panels?.fcProj, bias: p + wt.fcProjBias, residual: x,
                          rows: n, inChannels: m, outChannels: c)
        }
        layerNormForward(out: ln, mean: nil, rstd: nil, inp: x, weight: p + o.lnfWeight, bias: p + o.lnfBias,
                         rows: n, channels: c, epsilon: eps)
        linearForward(out: ws.q + r0 * config.actions, inp: ln, weight: p + o.headWeight, panels: weights.map { $0[$0.head] },
                      bias: p + o.headBias, residual: nil, rows: n, inChannels: c, outChannels: config.actions)
    }
}
