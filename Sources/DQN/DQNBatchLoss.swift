import NN

/// The loss side of one DQN update, per sampled batch: the actions taken, the double-DQN
/// targets and their mask, the imitation mask, the target network's Q-values, and the
/// per-sequence statistics. It lives in buffers allocated once, because
/// `Transformer.trainingPass` calls `blockGradient` on all the pool's threads at once,
/// each writing its own block's rows.
final class DQNBatchLoss {
    let batch: Int
    let time: Int
    let actionCount: Int
    /// (B, T) the action taken at each token; 0 past a window's end
    let actions: UnsafeMutableBufferPointer<Int32>
    /// (B, T) regression targets, and 1 where a token has one
    let targets: UnsafeMutableBufferPointer<Float>
    let mask: UnsafeMutableBufferPointer<Float>
    /// (B, T) 1 at the tokens that have a teacher when imitating: those of demonstrator
    /// windows, or every labelled token with teacher relabelling
    let imitationMask: UnsafeMutableBufferPointer<Float>
    /// (B, T) the teacher's actions at each token, a bit mask (`MarginImitationLoss`)
    let allowed: UnsafeMutableBufferPointer<UInt8>
    /// (B, T, A) the target network's Q-values
    let qTarget: UnsafeMutableBufferPointer<Float>
    /// (B) per sequence: Σ Q(taken action) and Σ target over masked-in tokens, and their
    /// count; per block (at its first sequence): its share of the mean losses
    let qSums, targetSums: UnsafeMutableBufferPointer<Double>
    let counts: UnsafeMutableBufferPointer<Int>
    let losses, imitationLosses: UnsafeMutableBufferPointer<Float>

    /// Set by `prepare` for the pass.
    private(set) var maskWeight: Double = 0
    private(set) var imitationWeight: Double = 0

    /// Replaces the normalisers `prepare` computed with the data-parallel group's sums, so
    /// every rank's loss is its share of the group's mean.
    func setNormalisers(mask: Double, imitation: Double) {
        maskWeight = mask
        imitationWeight = imitation
    }

    init(batch: Int, time: Int, actionCount: Int) {
        self.batch = batch
        self.time = time
        self.actionCount = actionCount
        func zeros<T: Numeric>(_ n: Int, _: T.Type) -> UnsafeMutableBufferPointer<T> {
            let p = UnsafeMutableBufferPointer<T>.allocate(capacity: n)
            p.initialize(repeating: 0)
            return p
        }
        let n = batch * time
        actions = zeros(n, Int32.self)
        targets = zeros(n, Float.self)
        mask = zeros(n, Float.self)
        imitationMask = zeros(n, Float.self)
        allowed = zeros(n, UInt8.self)
        qTarget = zeros(n * actionCount, Float.self)
        qSums = zeros(batch, Double.self)
        targetSums = zeros(batch, Double.self)
        counts = zeros(batch, Int.self)
        losses = zeros(batch, Float.self)
        imitationLosses = zeros(batch, Float.self)
    }

    deinit {
        for p in [targets, mask, imitationMask, qTarget, losses, imitationLosses] { p.deallocate() }
        actions.deallocate()
        allowed.deallocate()
        qSums.deallocate()
        targetSums.deallocate()
        counts.deallocate()
    }

    /// Everything the loss needs except the online Q-values: actions, which tokens have a
    /// target (it depends on the windows alone, not on Q) and so the loss's normaliser, the
    /// imitation mask; clears the statistics.
    ///
    /// - steps: (B, T) the sampled steps, the first `lengths[b]` of each row valid
    /// - carried: (B) rows `0..<carried[b]` are carried landings, with no target and no label
    /// - teacher: (B, T) the oracle's action sets (`TeacherLabels`), the teacher in every
    ///   window; nil: the action taken is the teacher, in demonstrator windows
    func prepare(steps: UnsafeBufferPointer<TrialStep>, lengths: [Int], carried: [Int], endsTrial: [Bool], demonstrator: [Bool],
                 rule: DQNTargets, imitating: Bool, teacher labels: UnsafeBufferPointer<UInt8>? = nil) {
        let full = UInt8(truncatingIfNeeded: (1 << actionCount) - 1)
        for b in 0..<batch {
            let n = lengths[b], row = b * time, c = carried[b]
            for t in 0..<time { actions[row + t] = t < n ? Int32(steps[row + t].action) : 0 }
            rule.fillMask(mask: mask.baseAddress! + row + c, window: UnsafeBufferPointer(rebasing: steps[(row + c)..<(row + n)]),
                          endsTrial: endsTrial[b])
            for t in Array(0..<c) + Array(n..<time) {
                mask[row + t] = 0
                targets[row + t] = 0
            }
            for t in 0..<time {
                guard imitating, t >= c, t < n else {
                    imitationMask[row + t] = 0
                    allowed[row + t] = 0
                    continue
                }
                let teacher: UInt8 = labels.map { $0[row + t] } ?? (demonstrator[b] ? 1 << steps[row + t].action : 0)
                allowed[row + t] = teacher
                // An empty or full set teaches nothing and must not count in the normaliser.
                imitationMask[row + t] = teacher != 0 && teacher & full != full ? 1 : 0
            }
        }
        maskWeight = QRegressionLoss.totalMaskWeight(UnsafeBufferPointer(mask))
        imitationWeight = QRegressionLoss.totalMaskWeight(UnsafeBufferPointer(imitationMask))
        for b in 0..<batch {
            qSums[b] = 0
            targetSums[b] = 0
            counts[b] = 0
            losses[b] = 0
            imitationLosses[b] = 0
        }
    }

    /// ∂loss/∂Q of sequences `seqs` (a `Transformer.BlockLossGradient`): their double-DQN
    /// targets from the block's online Q-values, the regression loss normalised over the
    /// whole batch's mask, and the imitation loss when `imitation` is set. Writes only the
    /// block's rows and its sequences' statistics.
    func blockGradient(
        _ seqs: Range<Int>, q: UnsafeBufferPointer<Float>, dQ: UnsafeMutableBufferPointer<Float>,
        steps: UnsafeBufferPointer<TrialStep>, lengths: [Int], carried: [Int], endsTrial: [Bool], rule: DQNTargets,
        kind: QRegressionLoss.Kind, imitation: (margin: Float, weight: Float)?
    ) {
        let a = actionCount, r0 = seqs.lowerBound * time, rows = r0..<(seqs.upperBound * time)
        for b in seqs {
            // Carried landings (rows before c) are not consecutive with the window: targets
            // come from its consecutive steps alone.
            let n = lengths[b], row = b * time, local = row - r0, c = carried[b]
            rule.fill(targets: targets.baseAddress! + row + c, mask: mask.baseAddress! + row + c,
                      window: UnsafeBufferPointer(rebasing: steps[(row + c)..<(row + n)]),
                      qOnline: q.baseAddress! + (local + c) * a, qTarget: qTarget.baseAddress! + (row + c) * a,
                      actions: a, endsTrial: endsTrial[b])
            for t in 0..<n where mask[row + t] != 0 {
                qSums[b] += Double(q[(local + t) * a + Int(actions[row + t])])
                targetSums[b] += Double(targets[row + t])
                counts[b] += 1
            }
        }
        let blockActions = UnsafeBufferPointer(rebasing: actions[rows])
        losses[seqs.lowerBound] = QRegressionLoss.compute(
            kind: kind, dQ: dQ, q: q, actions: blockActions, targets: UnsafeBufferPointer(rebasing: targets[rows]),
            mask: UnsafeBufferPointer(rebasing: mask[rows]), positions: rows.count, actionCount: a, totalWeight: maskWeight)
        if let imitation, imitationWeight > 0 {
            imitationLosses[seqs.lowerBound] = MarginImitationLoss.accumulate(
                dQ: dQ, q: q, allowed: UnsafeBufferPointer(rebasing: allowed[rows]),
                mask: UnsafeBufferPointer(rebasing: imitationMask[rows]),
                positions: rows.count, actionCount: a, margin: imitation.margin, weight: imitation.weight,
                totalWeight: imitationWeight)
        }
    }
}
