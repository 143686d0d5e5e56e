import Synchronization

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
        runPipeline(rows, count: count, packed: model.packedWeights(path: .decoding))
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

    /// The decode pipeline over compact rows `0..<count` (sequences `rows[0..<count]`).
    ///
    /// The linear layers run on each thread's fixed half of the rows (weights stay in its
    /// L2 for the whole phase); the attention over the caches, most of a step and bound by
    /// memory bandwidth, hands out sequences as threads come free, so a vCPU that runs
    /// slower for a while (common on shared VMs) does less of it instead of holding the
    /// step back. 1 + 2·L hand-offs per step.
    private func runPipeline(_ rows: UnsafeMutablePointer<Int>, count: Int, packed: PackedWeights?) {
        let threads = min(model.pool.threadCount, count), layers = model.config.layers
        func share(_ t: Int) -> Range<Int> { (t * count / threads)..<((t + 1) * count / threads) }
        model.pool.parallelFor(threads) { t in
            let range = share(t)
            embedRows(rows, range)
            projectQKV(rows, range, layer: 0, packed: packed)
        }
        for l in 0..<layers {
            let next = Atomic<Int>(0)
            model.pool.parallelFor(threads) { t in
                while true {
                    let r = next.wrappingAdd(1, ordering: .relaxed).oldValue
                    if r >= count { return }
                    attendRow(rows, r, layer: l, thread: t)
                }
            }
            model.pool.parallelFor(threads) { t in
                let range = share(t)
                finishBlock(range, layer: l, packed: packed)
                if l + 1 < layers { projectQKV(rows, range, layer: l + 1, packed: packed) } else { headRows(range, packed: packed) }
            }
        }
    }

    /// Embeddings (and rotary angles) of compact rows `range`.
    private func embedRows(_ rows: UnsafeMutablePointer<Int>, _ range: Range<Int>) {
        if range.isEmpty { return }
        let config = model.config, ws = stepWorkspace, c = config.dModel, k = config.featureCount, half = config.headSize / 2
        let r0 = range.lowerBound
        embeddingForward(out: ws.x + r0 * c, tokens: ws.tokens + r0 * k, rows: range.count, parameters: UnsafePointer(model.parameters.pointer),
                         tableOffsets: model.layout.offsets.features, vocabularies: config.featureVocabularies,
                         positionOffset: model.layout.offsets.position, positions: ws.positions + r0, channels: c)
        if let rotary = model.rotary {
            for r in range { rotary.angles(position: positions[rows[r]], cos: ws.cos + r * half, sin: ws.sin + r * half) }
        }
    }

    /// Block `l`'s LayerNorm and QKV projection for compact rows `range` (`attendRow`
    /// appends the keys and values to the caches).
    private func projectQKV(_ rows: UnsafeMutablePointer<Int>, _ range: Range<Int>, layer l: Int, packed: PackedWeights?) {
        if range.isEmpty { return }
        let config = model.config, ws = stepWorkspace
        let c = config.dModel, h = config.heads, hs = config.headSize, half = hs / 2
        let n = range.count, r0 = range.lowerBound
        let p = UnsafePointer(model.parameters.pointer), wt = model.layout.offsets.blocks[l]
        let ln = ws.ln + r0 * c, qkv = ws.qkv + r0 * 3 * c
        layerNormForward(out: ln, mean: nil, rstd: nil, inp: ws.x + r0 * c, weight: p + wt.ln1Weight, bias: p + wt.ln1Bias,
                         rows: n, channels: c, epsilon: Float(config.layerNormEpsilon))
        linearForward(out: qkv, inp: ln, weight: p + wt.qkvWeight, panels: packed?.block(l).qkv, bias: p + wt.qkvBias, residual: nil,
                      rows: n, inChannels: c, outChannels: 3 * c)
        if model.rotary != nil {
            rotaryForward(x: qkv, rowStride: 3 * c, rows: n, chunks: 2 * h, headSize: hs,
                          cos: ws.cos + r0 * half, sin: ws.sin + r0 * half, cosRowStride: half)
        }
    }

    /// Block `l` for compact row `r`: its key and value appended to its sequence's cache,
    /// and its attention over that cache, all heads.
    private func attendRow(_ rows: UnsafeMutablePointer<Int>, _ r: Int, layer l: Int, thread: Int) {
        let config = model.config, ws = stepWorkspace
        let c = config.dModel, h = config.heads, hs = config.headSize, w = capacity
        let i = rows[r], len = min(lengths[i] + 1, w), slot = positions[i] % w, row = ws.qkv + r * 3 * c
        for head in 0..<h {
            decodeAttention(out: ws.atty + r * c + head * hs, q: row + head * hs, keys: keys[l] + (i * h + head) * w * hs, stride: w,
                            values: values[l] + (i * h + head) * w * hs, length: len, headSize: hs, scores: ws.scores + thread * w,
                            appending: row + c + head * hs, row + 2 * c + head * hs, slot: slot)
        }
    }

    /// Block `l` after attention, for compact rows `range`: output projection, MLP, residuals.
    private func finishBlock(_ range: Range<Int>, layer l: Int, packed: PackedWeights?) {
        if range.isEmpty { return }
        let config = model.config, ws = stepWorkspace, c = config.dModel, m = config.mlpHidden
        let n = range.count, r0 = range.lowerBound
        let p = UnsafePointer(model.parameters.pointer), wt = model.layout.offsets.blocks[l], panels = packed?.block(l)
        let x = ws.x + r0 * c, ln = ws.ln + r0 * c, fch = ws.fch + r0 * m
        linearForward(out: x, inp: ws.atty + r0 * c, weight: p + wt.projWeight, panels: panels?.proj, bias: p + wt.projBias, residual: x,
                      rows: n, inChannels: c, outChannels: c)
        layerNormForward(out: ln, mean: nil, rstd: nil, inp: x, weight: p + wt.ln2Weight, bias: p + wt.ln2Bias,
                         rows: n, channels: c, epsilon: Float(config.layerNormEpsilon))
        linearGELUForward(out: fch, slope: nil, inp: ln, weight: p + wt.fcWeight, panels: panels?.fc, bias: p + wt.fcBias,
                          rows: n, inChannels: c, outChannels: m)
        linearForward(out: x, inp: fch, weight: p + wt.fcProjWeight, panels: panels?.fcProj, bias: p + wt.fcProjBias, residual: x,
                      rows: n, inChannels: m, outChannels: c)
    }

    /// Final LayerNorm and Q head for compact rows `range`.
    private func headRows(_ range: Range<Int>, packed weights: PackedWeights?) {
        if range.isEmpty { return }
        let config = model.config, ws = stepWorkspace, c = config.dModel, r0 = range.lowerBound
        let p = UnsafePointer(model.parameters.pointer), o = model.layout.offsets
        layerNormForward(out: ws.ln + r0 * c, mean: nil, rstd: nil, inp: ws.x + r0 * c, weight: p + o.lnfWeight, bias: p + o.lnfBias,
                         rows: range.count, channels: c, epsilon: Float(config.layerNormEpsilon))
        linearForward(out: ws.q + r0 * config.actions, inp: ws.ln + r0 * c, weight: p + o.headWeight, panels: weights.map { $0[$0.head] },
                      bias: p + o.headBias, residual: nil, rows: range.count, inChannels: c, outChannels: config.actions)
    }
}
