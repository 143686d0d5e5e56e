/// Masked regression of the Q-value of the taken action onto a target, as DQN uses it:
/// `loss = Σ mask·ℓ(Q[b,t,action] − target) / max(Σ mask, 1)`, with ℓ the squared error
/// (`x²`, PyTorch `mse_loss`) or the Huber loss (PyTorch `huber_loss`: `½x²` for
/// `|x| ≤ δ`, else `δ(|x| − ½δ)`). The mask is a weight (0 for padding, 1 otherwise;
/// fractional values weight positions, e.g. for prioritised replay).
public enum QRegressionLoss {
    /// The per-position penalty.
    public enum Kind: Hashable, Sendable, Codable {
        case squared
        case huber(delta: Float)
    }

    /// Computes the loss and its gradient with respect to every Q-value (zero except at
    /// the taken actions of masked-in positions).
    ///
    /// - Parameters:
    ///   - dQ: (B, T, A) output, overwritten
    ///   - q: (B, T, A)
    ///   - actions: (B, T), each in `0..<A` where the mask is non-zero
    ///   - targets: (B, T)
    ///   - mask: (B, T)
    ///   - positions: B·T
    ///   - actionCount: A
    ///   - totalWeight: the mask's total weight over the whole batch, when these positions
    ///     are one block of it (`Transformer.trainingPass`); nil: the sum of `mask`
    /// - Returns: the mean loss over the mask's total weight (for a block: its share of
    ///   the batch's mean loss).
    @discardableResult
    public static func compute(
        kind: Kind, dQ: UnsafeMutableBufferPointer<Float>, q: UnsafeBufferPointer<Float>,
        actions: UnsafeBufferPointer<Int32>, targets: UnsafeBufferPointer<Float>, mask: UnsafeBufferPointer<Float>,
        positions n: Int, actionCount a: Int, totalWeight: Double? = nil
    ) -> Float {
        precondition(q.count == n * a && dQ.count == n * a, "q and dQ need (B, T, A) = \(n * a) values")
        precondition(actions.count == n && targets.count == n && mask.count == n, "actions, targets and mask need (B, T) = \(n) values")
        let weight = totalWeight ?? totalMaskWeight(mask)
        let scale = 1 / Float(max(weight, 1))
        dQ.update(repeating: 0)
        var total: Double = 0
        for i in 0..<n where mask[i] != 0 {
            let action = Int(actions[i])
            precondition(action >= 0 && action < a, "action \(action) at position \(i) is outside 0..<\(a)")
            let diff = q[i * a + action] - targets[i]
            let value: Float, slope: Float
            switch kind {
            case .squared:
                value = diff * diff
                slope = 2 * diff
            case let .huber(delta):
                if abs(diff) <= delta {
                    value = 0.5 * diff * diff
                    slope = diff
                } else {
                    value = delta * (abs(diff) - 0.5 * delta)
                    slope = diff > 0 ? delta : -delta
                }
            }
            total += Double(mask[i] * value)
            dQ[i * a + action] = mask[i] * slope * scale
        }
        return Float(total) * scale
    }

    /// Σ mask, the normaliser `compute` uses (in Double, like `compute`'s own sum).
    public static func totalMaskWeight(_ mask: UnsafeBufferPointer<Float>) -> Double {
        var weight: Double = 0
        for m in mask { weight += Double(m) }
        return weight
    }

    /// `compute` for arrays; returns the loss and dQ.
    public static func compute(
        kind: Kind, q: [Float], actions: [Int32], targets: [Float], mask: [Float], actionCount: Int
    ) -> (loss: Float, dQ: [Float]) {
        var dQ = [Float](repeating: 0, count: q.count)
        let loss = dQ.withUnsafeMutableBufferPointer { d in
            q.withUnsafeBufferPointer { qp in
                actions.withUnsafeBufferPointer { ap in
                    targets.withUnsafeBufferPointer { tp in
                        mask.withUnsafeBufferPointer { mp in
                            compute(kind: kind, dQ: d, q: qp, actions: ap, targets: tp, mask: mp,
                                    positions: actions.count, actionCount: actionCount)
                        }
                    }
                }
            }
        }
        return (loss, dQ)
    }
}
