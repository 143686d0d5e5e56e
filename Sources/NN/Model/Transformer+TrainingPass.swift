extension Transformer {
    /// The loss of one cache block, for `trainingPass`: given the block's Q-values, writes
    /// ∂loss/∂Q for the same rows. It runs on a pool thread, concurrently with other blocks'
    /// calls, so it may write only its own rows (and per-block results).
    ///
    /// - sequences: the block's sequences, a sub-range of `0..<B`
    /// - q: (b, T, A) the block's Q-values, b = `sequences.count`
    /// - dQ: (b, T, A) to fill, all of it (it holds the previous pass's values)
    public typealias BlockLossGradient = (
        _ sequences: Range<Int>, _ q: UnsafeBufferPointer<Float>, _ dQ: UnsafeMutableBufferPointer<Float>
    ) -> Void

    /// One training pass, block by block: the forward pass of a cache block (about 512
    /// rows), its loss gradient from `lossGradient`, and its backward pass, before the next
    /// block. Fills `gradients` like `forward` + `backward(dQ:)` and returns the same
    /// (B, T, A) Q-values; the gradients are bit-identical, summed in the same order.
    ///
    /// Why: a DQN loss is a sum over positions, so a block's ∂loss/∂Q needs only its own
    /// Q-values (and targets computed beforehand). The block's activations (~13 MB at the
    /// reference config, 4 MB of them attention probabilities) are read back by its
    /// backward pass while they are still in cache and are written over by the thread's
    /// next block; `forward` + `backward` keep every block's activations (~210 MB for
    /// 32 × 256 tokens) and read them back from memory.
    /// A following `backward(dQ:)` is invalid: the activations are gone.
    ///
    /// - Parameters:
    ///   - tokens: (B, T, K) feature indices, as for `forward`
    ///   - accumulate: add to `gradients` instead of replacing them
    ///   - lossGradient: called once per block, see `BlockLossGradient`
    /// - Returns: (B, T, A) Q-values, a view into the workspace valid until the next
    ///   `forward` or `trainingPass` on this model.
    @discardableResult
    public func trainingPass(
        tokens: UnsafeBufferPointer<Int32>, batch: Int, time: Int, accumulate: Bool = false,
        lossGradient: BlockLossGradient
    ) -> UnsafeBufferPointer<Float> {
        checkShape(tokens: tokens.count, batch: batch, time: time)
        reserveTrainingPass(batch: batch, time: time)
        let ws = training!
        let n = batch * time, a = config.actions
        ws.tokens.update(from: tokens.baseAddress!, count: n * config.featureCount)
        for r in 0..<n { ws.positions[r] = Int32(r % time) }
        let packed = packedWeights()
        lastForward = nil
        if !accumulate { gradients.zero() }
        // The same groups of blocks and gradient buffers as `backward(dQ:)`, so the sums
        // come out bit for bit the same.
        accumulateGradientGroups(batch: batch, time: time) { thread, g, block in
            // One region per thread for both the activations and their gradients: the next
            // block reuses the same, still cached, rows.
            let row = scratchRow(thread: thread, block: block, batch: batch, time: time)
            forwardShard(ws, sequences: block, time: time, packed: packed, activationRow: row)
            let r0 = block.lowerBound * time, rows = block.count * time
            lossGradient(block, UnsafeBufferPointer(start: ws.q + r0 * a, count: rows * a),
                         UnsafeMutableBufferPointer(start: ws.dQ + r0 * a, count: rows * a))
            backwardShard(ws, gradients: g, dQ: ws.dQ, shard: thread, sequences: block, time: time,
                          scratchRow: row, activationRow: row)
        }
        return UnsafeBufferPointer(start: ws.q, count: n * a)
    }

    /// `trainingPass` for arrays; returns a copy of the Q-values.
    public func trainingPass(tokens: [Int32], batch: Int, time: Int, accumulate: Bool = false,
                             lossGradient: BlockLossGradient) -> [Float] {
        tokens.withUnsafeBufferPointer {
            Array(trainingPass(tokens: $0, batch: batch, time: time, accumulate: accumulate, lossGradient: lossGradient))
        }
    }
}
