extension KVCacheDecoder {
    /// Resets `sequence` and encodes `tokens` into its cache in one full forward pass (an
    /// actor resuming a trial, or re-encoding a window). Returns the Q-values of every
    /// position, as `forward` would.
    ///
    /// - tokens: (L, K) with L ≤ `capacity`
    /// - Returns: (L, A)
    public func prefill(sequence: Int, tokens: [Int32]) -> [Float] {
        let k = model.config.featureCount
        precondition(tokens.count % k == 0, "tokens must be (L, K) with K = \(k)")
        let length = tokens.count / k
        precondition(length <= capacity, "prefill of \(length) tokens exceeds the context \(capacity)")
        var q = [Float](repeating: 0, count: length * model.config.actions)
        tokens.withUnsafeBufferPointer { t in
            q.withUnsafeMutableBufferPointer { qp in
                prefill(sequence: sequence, tokens: t.baseAddress!, length: length, workspace: prefillWorkspaces[0], q: qp.baseAddress!)
            }
        }
        return q
    }

    /// Re-encodes every sequence's whole window with the model's current parameters, so
    /// that the cached keys and values are the ones a full forward pass over the same tokens
    /// gives now. Call after new weights: until then each cached position keeps the
    /// activations of the weights that were current when it was appended.
    public func refreshAll() {
        let list = (0..<sequences).filter { lengths[$0] > 0 }
        list.withUnsafeBufferPointer { reencode($0) { self.lengths[$0] } }
    }

    /// Re-encodes the last `keep` tokens of each listed (full) sequence, in parallel.
    func reencode(_ list: UnsafeBufferPointer<Int>, keep: Int) {
        reencode(list) { _ in keep }
    }

    /// Re-encodes the last `keep(i)` tokens of each listed sequence `i` (and, with
    /// `salientToken`, the salient ones before them; see there), in parallel.
    func reencode(_ list: UnsafeBufferPointer<Int>, keep keepOf: (Int) -> Int) {
        let k = model.config.featureCount, threads = model.pool.threadCount
        model.pool.parallelFor(list.count) { index in
            let i = list[index]
            let keep = keepOf(i), length = lengths[i]
            let workspace = prefillWorkspaces[index % threads]
            let slots = windowSlots(sequence: i, length: length, keep: keep)
            // Gather the window's tokens in order before prefill overwrites the history.
            var window = [Int32](repeating: 0, count: slots.count * k)
            for (j, slot) in slots.enumerated() {
                for f in 0..<k { window[j * k + f] = history[(i * capacity + slot) * k + f] }
            }
            var q = [Float](repeating: 0, count: max(slots.count, 1) * model.config.actions)
            window.withUnsafeBufferPointer { t in
                q.withUnsafeMutableBufferPointer { qp in
                    prefill(sequence: i, tokens: t.baseAddress ?? UnsafePointer(bitPattern: 8)!, length: slots.count,
                            workspace: workspace, q: qp.baseAddress!)
                }
            }
        }
    }

    /// The history slots a re-encoding of sequence `i` keeps, oldest first: `keep` of the
    /// window's `length` tokens — the last `keep`, or with `salientToken` the salient tokens
    /// among those dropped (at most `min(salientLimit, keep / 2)`, the newest) and the last
    /// `keep − carried`.
    func windowSlots(sequence i: Int, length: Int, keep: Int) -> [Int] {
        let slot = { (j: Int) in (self.positions[i] - length + j) % self.capacity }
        var carried: [Int] = []
        if let salient = salientToken, keep < length {
            let k = model.config.featureCount
            // Carrying s tokens shortens the recent part to keep − s, which can bring more
            // salient tokens into the dropped part: iterate to the fixed point (s only grows).
            let limit = min(salientLimit, keep / 2)
            var recent = keep
            while true {
                let found = (0..<(length - recent)).filter { salient(history + (i * capacity + slot($0)) * k) }
                carried = Array(found.suffix(limit))
                if keep - carried.count == recent { break }
                recent = keep - carried.count
            }
        }
        return carried.map(slot) + ((length - (keep - carried.count))..<length).map(slot)
    }

    /// Prefill of one sequence with a given workspace (one per thread).
    ///
    /// - tokens: (L, K)
    /// - q: (L, A) output
    func prefill(sequence i: Int, tokens: UnsafePointer<Int32>, length: Int, workspace ws: InferenceWorkspace, q: UnsafeMutablePointer<Float>) {
        reset(sequence: i)
        if length == 0 { return }
        let config = model.config, c = config.dModel, h = config.heads, hs = config.headSize, k = config.featureCount
        let w = capacity
        (history + i * w * k).update(from: tokens, count: length * k)
        for r in 0..<length { ws.positions[r] = Int32(r) }
        let keys = self.keys, values = self.values
        model.inferShard(ws, tokens: tokens, q: q, shard: 0, sequences: 0..<1, time: length) { layer, qkv in
            for r in 0..<length {
                for head in 0..<h {
                    let block = (i * h + head) * w * hs
                    let key = qkv + r * 3 * c + c + head * hs
                    for d in 0..<hs { keys[layer][block + d * w + r] = key[d] }
                    (values[layer] + block + r * hs).update(from: qkv + r * 3 * c + 2 * c + head * hs, count: hs)
                }
            }
        }
        lengths[i] = length
        positions[i] = length
    }
}
