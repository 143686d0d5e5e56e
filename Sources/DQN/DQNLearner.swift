import NN

/// DQN on the transformer, with no sockets: sample windows from a replay, compute
/// double-DQN targets with the target network, regress, step AdamW, move the target.
///
/// Sampling (`sampleBatch`) copies the windows out, so the caller can hold the replay's
/// lock only for the copy and train (`trainOnSampledBatch`) without it.
public final class DQNLearner {
    public let config: DQNConfig
    public let tokenizer: Tokenizer
    public let online: Transformer
    public let target: Transformer
    public let optimizer: AdamW
    /// Updates taken so far.
    public var updates = 0

    /// Statistics of one update, for metrics lines.
    public struct UpdateStats: Sendable {
        public var loss: Float
        public var meanQ: Float
        public var meanTarget: Float
        public var gradNorm: Float
        public var tokens: Int
        /// DQfD margin loss on demonstrator windows (0 when off or none sampled).
        public var imitationLoss: Float = 0
        /// Fraction of the batch's windows that came from demonstrators.
        public var demonstratorFraction: Float = 0
    }

    let batch: Int
    let time: Int
    let features: Int
    /// tokens: (B, T, K)
    var tokens: [Int32]
    /// steps: (B, T) the sampled steps, for targets
    var steps: [TrialStep]
    /// (B) valid length of each window, and whether it ends its trial
    var lengths: [Int]
    var endsTrial: [Bool]
    /// (B) the window comes from a demonstrator's trial
    var demonstrator: [Bool]
    let demonstratorValues: Set<UInt32>
    /// imitationMask: (B, T)
    var imitationMask: [Float]
    /// actions, targets, mask: (B, T)
    var actions: [Int32]
    var targetValues: [Float]
    var mask: [Float]
    /// qTarget, dQ: (B, T, A)
    var qTarget: [Float]
    var dQ: [Float]

    public init(config: DQNConfig, tokenizer: Tokenizer, model: TransformerConfig, seed: UInt64) throws {
        precondition(config.windowLength <= model.contextLength, "windowLength exceeds the model's context")
        self.config = config
        self.tokenizer = tokenizer
        online = try Transformer(config: model, seed: seed)
        target = try Transformer(config: model, seed: seed)
        optimizer = AdamW(layout: online.layout, hyperparameters: config.adam)
        batch = config.batchSize
        time = config.windowLength
        features = model.featureCount
        tokens = [Int32](repeating: 0, count: batch * time * features)
        steps = [TrialStep](repeating: TrialStep(observation: 0, nextObservation: 0, action: 0, reward: 0, flags: 0, rows: 1, cols: 1), count: batch * time)
        lengths = [Int](repeating: 0, count: batch)
        endsTrial = [Bool](repeating: false, count: batch)
        demonstrator = [Bool](repeating: false, count: batch)
        demonstratorValues = Set(config.imitationBehaviours.map(\.wireValue))
        imitationMask = [Float](repeating: 0, count: batch * time)
        actions = [Int32](repeating: 0, count: batch * time)
        targetValues = [Float](repeating: 0, count: batch * time)
        mask = [Float](repeating: 0, count: batch * time)
        qTarget = [Float](repeating: 0, count: batch * time * model.actions)
        dQ = [Float](repeating: 0, count: batch * time * model.actions)
        online.reserveTraining(batch: batch, time: time)
        target.reserveInference(batch: batch, time: time)
    }

    /// Copies `batchSize` windows out of the replay and tokenizes them. False when the
    /// replay holds nothing to sample.
    public func sampleBatch<G: RandomNumberGenerator>(from replay: ReplayBuffer, using rng: inout G) -> Bool {
        for b in 0..<batch {
            guard let window = replay.sampleWindow(length: time, using: &rng) else { return false }
            let trial = replay.trials[window.trial]
            lengths[b] = window.count
            endsTrial[b] = trial.done && window.start + window.count == trial.steps.count
            demonstrator[b] = demonstratorValues.contains(trial.behaviour)
            let previous = window.start > 0 ? trial.steps[window.start - 1] : nil
            trial.steps.withUnsafeBufferPointer { all in
                let slice = UnsafeBufferPointer(rebasing: all[window.start..<(window.start + window.count)])
                for t in 0..<window.count { steps[b * time + t] = slice[t] }
                tokens.withUnsafeMutableBufferPointer { out in
                    let base = out.baseAddress! + b * time * features
                    tokenizer.encode(into: base, window: slice, previous: previous)
                    // Padding repeats valid indices (zeros); the mask keeps it out of the loss.
                    (base + window.count * features).update(repeating: 0, count: (time - window.count) * features)
                }
            }
        }
        return true
    }

    /// One DQN update on the sampled batch.
    public func trainOnSampledBatch() -> UpdateStats {
        let a = online.config.actions
        let q = tokens.withUnsafeBufferPointer { online.forward(tokens: $0, batch: batch, time: time) }
        tokens.withUnsafeBufferPointer { t in
            qTarget.withUnsafeMutableBufferPointer { target.predict(tokens: t, batch: batch, time: time, into: $0) }
        }
        let targetsRule = config.targets
        var qSum: Double = 0, targetSum: Double = 0, count = 0
        for b in 0..<batch {
            let n = lengths[b], row = b * time
            for t in 0..<time { actions[row + t] = t < n ? Int32(steps[row + t].action) : 0 }
            steps.withUnsafeBufferPointer { s in
                targetValues.withUnsafeMutableBufferPointer { tv in
                    mask.withUnsafeMutableBufferPointer { m in
                        qTarget.withUnsafeBufferPointer { qt in
                            targetsRule.fill(
                                targets: tv.baseAddress! + row, mask: m.baseAddress! + row,
                                window: UnsafeBufferPointer(rebasing: s[row..<(row + n)]),
                                qOnline: q.baseAddress! + row * a, qTarget: qt.baseAddress! + row * a,
                                actions: a, endsTrial: endsTrial[b])
                        }
                    }
                }
            }
            for t in n..<time {
                mask[row + t] = 0
                targetValues[row + t] = 0
            }
            for t in 0..<n where mask[row + t] != 0 {
                qSum += Double(q[(row + t) * a + Int(actions[row + t])])
                targetSum += Double(targetValues[row + t])
                count += 1
            }
        }
        let loss = dQ.withUnsafeMutableBufferPointer { d in
            actions.withUnsafeBufferPointer { ac in
                targetValues.withUnsafeBufferPointer { tv in
                    mask.withUnsafeBufferPointer { m in
                        QRegressionLoss.compute(
                            kind: config.lossKind, dQ: d, q: q, actions: ac, targets: tv, mask: m,
                            positions: batch * time, actionCount: a)
                    }
                }
            }
        }
        var imitationLoss: Float = 0
        let demonstrators = demonstrator.filter { $0 }.count
        if config.imitationWeight > 0 && demonstrators > 0 {
            for b in 0..<batch {
                let on: Float = demonstrator[b] ? 1 : 0
                for t in 0..<time { imitationMask[b * time + t] = t < lengths[b] ? on : 0 }
            }
            imitationLoss = dQ.withUnsafeMutableBufferPointer { d in
                actions.withUnsafeBufferPointer { ac in
                    imitationMask.withUnsafeBufferPointer { m in
                        MarginImitationLoss.accumulate(
                            dQ: d, q: q, actions: ac, mask: m, positions: batch * time, actionCount: a,
                            margin: config.imitationMargin, weight: config.imitationWeight)
                    }
                }
            }
        }
        dQ.withUnsafeBufferPointer { online.backward(dQ: $0) }
        let warm = config.warmupUpdates > 0 ? min(1, Float(updates + 1) / Float(config.warmupUpdates)) : 1
        let norm = optimizer.update(parameters: online.parameters, gradients: online.gradients, learningRate: config.learningRate * warm)
        updates += 1
        if config.polyakTau < 1 {
            try? target.polyakUpdate(from: online, tau: config.polyakTau)
        } else if updates % max(1, config.targetEvery) == 0 {
            try? target.copyParameters(from: online)
        }
        let tokensTrained = lengths.reduce(0, +)
        return UpdateStats(
            loss: loss, meanQ: count > 0 ? Float(qSum / Double(count)) : 0,
            meanTarget: count > 0 ? Float(targetSum / Double(count)) : 0, gradNorm: norm, tokens: tokensTrained,
            imitationLoss: imitationLoss, demonstratorFraction: Float(demonstrators) / Float(batch))
    }
}
