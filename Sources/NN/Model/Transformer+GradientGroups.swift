import Synchronization

extension Transformer {
    /// Runs `body(thread, g, block)` for every cache block of sequences `0..<batch`, with
    /// `g` the gradient buffer of the block's group, then sums the groups into `gradients`.
    ///
    /// The blocks fall in `gradientSlots` contiguous groups, each accumulated into its own
    /// buffer in block order (group 0 into `gradients`); threads take whole groups as they
    /// come free, and the groups are added in order, so the result does not depend on the
    /// schedule. `backward(dQ:)` and `trainingPass` share it, so they sum alike.
    func accumulateGradientGroups(
        batch: Int, time: Int, _ body: (_ thread: Int, _ g: UnsafeMutablePointer<Float>, _ block: Range<Int>) -> Void
    ) {
        let blocks = cacheBlocks(0..<batch, time: time)
        let slots = min(gradientSlots(batch: batch, time: time), blocks.count), extra = shardGradients
        precondition(extra.count >= slots - 1, "gradient buffers were not reserved for \(slots) groups")
        let next = Atomic<Int>(0)
        pool.parallelFor(min(pool.threadCount, slots)) { thread in
            while true {
                let slot = next.wrappingAdd(1, ordering: .relaxed).oldValue
                if slot >= slots { return }
                // The extra buffers are zero here: new buffers are, and the sum below
                // clears each one as it reads it.
                let g = slot == 0 ? gradients.pointer : extra[slot - 1].pointer
                for block in blocks[(slot * blocks.count / slots)..<((slot + 1) * blocks.count / slots)] {
                    body(thread, g, block)
                }
            }
        }
        sumGradientSlots(slots)
    }

    /// Adds gradient groups 1..<slots into `gradients`, in order, split by parameter range
    /// across the threads, and clears each group's buffer while its lines are in cache
    /// (cheaper than a memset of cold memory at the start of the next pass: 16 groups are
    /// 26 MB at the reference config).
    func sumGradientSlots(_ slots: Int) {
        guard slots > 1 else { return }
        let total = layout.count, g = gradients.pointer, threads = pool.threadCount, extra = shardGradients
        pool.parallelFor(threads) { t in
            let lo = t * total / threads, hi = (t + 1) * total / threads
            for s in 1..<slots {
                let src = extra[s - 1].pointer
                for i in lo..<hi {
                    g[i] += src[i]
                    src[i] = 0
                }
            }
        }
    }
}
