/// DQfD's large-margin supervised loss (Hester et al. 2018, eq. 2), which makes the
/// demonstrator's action the greedy one without fixing its value:
/// `loss = Σ mask·(max_a [Q(a) + m·[a ≠ a_E]] − Q(a_E)) / max(Σ mask, 1)`.
///
/// Zero once `Q(a_E)` beats every other action by at least the margin `m`. Its gradient
/// is `+1` on the maximising action and `−1` on the demonstrator's (nothing when they
/// coincide), scaled by the mask weight over the total weight.
public enum MarginImitationLoss {
    /// Adds `weight ×` the loss's gradient to `dQ` and returns the (unweighted) mean loss.
    ///
    /// - Parameters:
    ///   - dQ: (B, T, A) accumulated into, not overwritten
    ///   - q: (B, T, A)
    ///   - actions: (B, T) the demonstrator's actions, in `0..<A` where the mask is non-zero
    ///   - mask: (B, T) 1 at demonstrator positions, 0 elsewhere
    ///   - positions: B·T
    ///   - actionCount: A
    ///   - margin: m, in the same units as Q
    ///   - weight: λ, the loss's weight beside the TD loss
    ///   - totalWeight: the mask's total weight over the whole batch, when these positions
    ///     are one block of it (`Transformer.trainingPass`); nil: the sum of `mask`
    @discardableResult
    public static func accumulate(
        dQ: UnsafeMutableBufferPointer<Float>, q: UnsafeBufferPointer<Float>,
        actions: UnsafeBufferPointer<Int32>, mask: UnsafeBufferPointer<Float>,
        positions n: Int, actionCount a: Int, margin: Float, weight: Float, totalWeight: Double? = nil
    ) -> Float {
        precondition(q.count == n * a && dQ.count == n * a, "q and dQ need (B, T, A) = \(n * a) values")
        precondition(actions.count == n && mask.count == n, "actions and mask need (B, T) = \(n) values")
        var total: Double = 0
        let weights = totalWeight ?? QRegressionLoss.totalMaskWeight(mask)
        guard weights > 0 else { return 0 }
        let scale = weight / Float(weights)
        for i in 0..<n where mask[i] != 0 {
            let expert = Int(actions[i])
            precondition(expert >= 0 && expert < a, "action \(expert) at position \(i) is outside 0..<\(a)")
            let row = i * a
            var best = expert
            var bestValue = q[row + expert]
            for b in 0..<a where b != expert && q[row + b] + margin > bestValue {
                best = b
                bestValue = q[row + b] + margin
            }
            total += Double(mask[i] * (bestValue - q[row + expert]))
            if best != expert {
                dQ[row + best] += mask[i] * scale
                dQ[row + expert] -= mask[i] * scale
            }
        }
        return Float(total / weights)
    }

    /// The loss toward a *set* of equally good teacher actions (bit `a` of `allowed[i]` for
    /// action `a`): `max_a [Q(a) + m·[a ∉ A*]] − max_{a ∈ A*} Q(a)`, which is zero once the
    /// best allowed action beats every other by `m`. With one allowed action it is
    /// `accumulate`'s loss. Positions whose mask is 0, or whose set is empty or full, add
    /// nothing.
    ///
    /// - allowed: (B, T) bit masks over the A ≤ 8 actions
    @discardableResult
    public static func accumulate(
        dQ: UnsafeMutableBufferPointer<Float>, q: UnsafeBufferPointer<Float>,
        allowed: UnsafeBufferPointer<UInt8>, mask: UnsafeBufferPointer<Float>,
        positions n: Int, actionCount a: Int, margin: Float, weight: Float, totalWeight: Double? = nil
    ) -> Float {
        precondition(q.count == n * a && dQ.count == n * a, "q and dQ need (B, T, A) = \(n * a) values")
        precondition(allowed.count == n && mask.count == n, "allowed and mask need (B, T) = \(n) values")
        precondition(a <= 8, "allowed sets are 8-bit masks")
        var total: Double = 0
        let weights = totalWeight ?? QRegressionLoss.totalMaskWeight(mask)
        guard weights > 0 else { return 0 }
        let scale = weight / Float(weights)
        let full = UInt8(truncatingIfNeeded: (1 << a) - 1)
        for i in 0..<n where mask[i] != 0 {
            let set = allowed[i] & full
            guard set != 0, set != full else { continue }
            let row = i * a
            // Start from the lowest allowed action, so NaN or -inf values cannot leave either
            // index unset.
            let lowest = set.trailingZeroBitCount
            var bestAllowed = lowest, bestAllowedValue = q[row + lowest]
            var best = lowest, bestValue = q[row + lowest]
            for b in 0..<a {
                let value = q[row + b]
                if set & (1 << b) != 0 {
                    if value > bestAllowedValue { bestAllowed = b; bestAllowedValue = value }
                    if value > bestValue { best = b; bestValue = value }
                } else if value + margin > bestValue {
                    best = b
                    bestValue = value + margin
                }
            }
            total += Double(mask[i] * (bestValue - bestAllowedValue))
            if best != bestAllowed, set & (1 << best) == 0 {
                dQ[row + best] += mask[i] * scale
                dQ[row + bestAllowed] -= mask[i] * scale
            }
        }
        return Float(total / weights)
    }

    /// `accumulate` for arrays, from a zero gradient with weight 1; returns the loss and dQ.
    public static func compute(q: [Float], actions: [Int32], mask: [Float], actionCount: Int, margin: Float) -> (loss: Float, dQ: [Float]) {
        var dQ = [Float](repeating: 0, count: q.count)
        let loss = dQ.withUnsafeMutableBufferPointer { d in
            q.withUnsafeBufferPointer { qp in
                actions.withUnsafeBufferPointer { ap in
                    mask.withUnsafeBufferPointer { mp in
                        accumulate(dQ: d, q: qp, actions: ap, mask: mp, positions: actions.count,
                                   actionCount: actionCount, margin: margin, weight: 1)
                    }
                }
            }
        }
        return (loss, dQ)
    }
}
