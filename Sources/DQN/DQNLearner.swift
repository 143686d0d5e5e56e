import FrozenLake
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
    /// Sampled windows whose tokens fell outside the model's embedding tables and were
    /// drawn again. The replay's `TrialInvariants` keep this at 0; it is the last guard
    /// between a peer's bytes and the embedding's bounds check.
    public private(set) var refusedWindows = 0

    /// Seconds the last update spent in each stage.
    public struct UpdateTimings: Sendable {
        /// The target network's forward pass (double-DQN values).
        public var target: Double = 0
        /// The online network's forward pass, loss and backward pass.
        public var forwardBackward: Double = 0
        /// AdamW and the target network's update.
        public var optimizer: Double = 0
        /// Summing the loss normalisers, gradient and statistics over ranks (0 with one process).
        public var allreduce: Double = 0
    }

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
        public var timings = UpdateTimings()
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
    /// (B) the step before each window (nil at a trial's start), for teacher labels
    var previousSteps: [TrialStep?]
    /// (B) landing tokens carried in front of each window (`DQNConfig.carriedLandings`):
    /// rows `0..<carried[b]` of a window are they, its consecutive steps follow
    var carried: [Int]
    /// (B, carriedLandings) the terminal step before each carried landing: the hole or goal
    /// it shows, for its token and the teacher
    var carriedEnds: [TrialStep]
    /// (B) how many of the carried landings (the newest) are on the window's map
    var carriedOnMap: [Int]
    /// (B, T) teacher labels (`TeacherLabels`) when relabelling
    var teacherLabels: [UInt8]
    /// Sums buffers over the ranks of a data-parallel learner (nil: one process). With it,
    /// each update's loss is normalised by the whole group's mask weight and the gradient
    /// summed over ranks before AdamW, so N ranks of batch B take the step one learner of
    /// batch N·B would.
    public var reducer: (any GradientReducer)?
    /// The dynamics the relabelling teacher plans with: the rollouts' (slippery or not).
    public var teacherDynamics = EnvConfig.paper
    let demonstratorValues: Set<UInt32>
    /// Actions, targets, masks and target Q-values of the sampled batch
    let loss: DQNBatchLoss

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
        previousSteps = [TrialStep?](repeating: nil, count: batch)
        carried = [Int](repeating: 0, count: batch)
        carriedOnMap = [Int](repeating: 0, count: batch)
        carriedEnds = [TrialStep](repeating: steps[0], count: batch * config.carriedLandings)
        teacherLabels = [UInt8](repeating: 0, count: config.teacherRelabel ? batch * time : 0)
        demonstratorValues = Set(config.imitationBehaviours.map(\.wireValue))
        loss = DQNBatchLoss(batch: batch, time: time, actionCount: model.actions)
        online.reserveTrainingPass(batch: batch, time: time)
        target.reserveInference(batch: batch, time: time)
    }

    /// Copies `batchSize` windows out of the replay and tokenizes them. False when the
    /// replay holds nothing to sample.
    public func sampleBatch<G: RandomNumberGenerator>(from replay: ReplayBuffer, using rng: inout G) -> Bool {
        var attemptsLeft = 64 * batch
        var b = 0
        while b < batch {
            guard attemptsLeft > 0,
                  // Room for the carried landings, so that windows still reach a trial's end.
                  let window = replay.sampleWindow(
                      length: time - config.carriedLandings, trialStartFraction: config.trialStartFraction,
                      balancingBehaviours: config.balancesBehaviours, using: &rng)
            else { return false }
            attemptsLeft -= 1
            let trial = replay.trials[window.trial]
            let landings = config.carriedLandings > 0
                ? Self.landingsBefore(window.start, in: trial.steps, atMost: config.carriedLandings) : []
            let c = landings.count, count = window.count
            carried[b] = c
            // The teacher knows only the carried ends on the window's own map.
            let mapBegins = c > 0 ? Self.mapStart(of: window.start, in: trial.steps) : 0
            carriedOnMap[b] = landings.filter { $0 - 1 >= mapBegins }.count
            lengths[b] = c + count
            endsTrial[b] = trial.done && window.start + count == trial.steps.count
            demonstrator[b] = demonstratorValues.contains(trial.behaviour)
            var previous = window.start > 0 ? trial.steps[window.start - 1] : nil
            trial.steps.withUnsafeBufferPointer { all in
                for (i, j) in landings.enumerated() {
                    steps[b * time + i] = all[j]
                    carriedEnds[b * config.carriedLandings + i] = all[j - 1]
                }
                for t in 0..<count { steps[b * time + c + t] = all[window.start + t] }
            }
            steps.withUnsafeMutableBufferPointer { all in
                let copy = UnsafeMutableBufferPointer(rebasing: all[(b * time + c)..<(b * time + c + count)])
                if config.episodeShuffleFraction > 0, Double.random(in: 0..<1, using: &rng) < config.episodeShuffleFraction {
                    EpisodeShuffle.shuffle(copy, using: &rng)
                }
                if config.augmentsSymmetries {
                    GridSymmetry.augment(copy, previous: &previous, tokenizer: tokenizer, using: &rng)
                }
                tokens.withUnsafeMutableBufferPointer { out in
                    let base = out.baseAddress! + b * time * features
                    for i in 0..<c {
                        let step = all[b * time + i]
                        tokenizer.encode(
                            into: base + i * features, observation: Int(step.observation), cols: Int(step.cols),
                            placement: step.placement, previous: carriedEnds[b * config.carriedLandings + i], startsEpisode: true)
                    }
                    tokenizer.encode(into: base + c * features, window: UnsafeBufferPointer(copy), previous: previous)
                    // Padding repeats valid indices (zeros); the mask keeps it out of the loss.
                    (base + (c + count) * features).update(repeating: 0, count: (time - c - count) * features)
                }
            }
            previousSteps[b] = previous
            let inRange = tokens.withUnsafeBufferPointer { all in
                tokenizer.inVocabulary(UnsafeBufferPointer(rebasing: all[(b * time * features)..<((b + 1) * time * features)]))
            }
            if inRange { b += 1 } else { refusedWindows += 1 }
        }
        return true
    }

    /// One DQN update on the sampled batch: target-network Q-values, then the online
    /// network's forward pass, loss and backward pass block by block
    /// (`Transformer.trainingPass`), then AdamW and the target update.
    public func trainOnSampledBatch() -> UpdateStats {
        let time = self.time, batch = self.batch, lengths = self.lengths, endsTrial = self.endsTrial, carried = self.carried
        let clock = ContinuousClock()
        let t0 = clock.now
        tokens.withUnsafeBufferPointer { target.predict(tokens: $0, batch: batch, time: time, into: loss.qTarget) }
        let t1 = clock.now
        let demonstrators = demonstrator.filter { $0 }.count
        let imitating = config.imitationWeight > 0 && (demonstrators > 0 || config.teacherRelabel)
        if imitating, config.teacherRelabel {
            // Outside the replay's lock: the windows were copied out by `sampleBatch`.
            steps.withUnsafeBufferPointer { s in
                teacherLabels.withUnsafeMutableBufferPointer { labels in
                    for b in 0..<batch {
                        let c = carried[b], m = config.carriedLandings, onMap = carriedOnMap[b]
                        (labels.baseAddress! + b * time).update(repeating: 0, count: c)
                        TeacherLabels.label(labels.baseAddress! + b * time + c,
                                            window: UnsafeBufferPointer(rebasing: s[(b * time + c)..<(b * time + lengths[b])]),
                                            previous: previousSteps[b],
                                            knownEnds: carriedEnds[(b * m + c - onMap)..<(b * m + c)],
                                            unknownStepCost: config.teacherUnknownStepCost, dynamics: teacherDynamics)
                    }
                }
            }
        }
        let rule = config.targets, kind = config.lossKind
        let imitation = imitating ? (margin: config.imitationMargin, weight: config.imitationWeight) : nil
        steps.withUnsafeBufferPointer { s in
            teacherLabels.withUnsafeBufferPointer { labels in
                loss.prepare(steps: s, lengths: lengths, carried: carried, endsTrial: endsTrial, demonstrator: demonstrator, rule: rule,
                             imitating: imitating, teacher: config.teacherRelabel ? labels : nil)
            }
            if let reducer {
                var weights = [loss.maskWeight, loss.imitationWeight]
                weights.withUnsafeMutableBufferPointer { reducer.sum($0) }
                loss.setNormalisers(mask: weights[0], imitation: weights[1])
            }
            tokens.withUnsafeBufferPointer { tk in
                _ = online.trainingPass(tokens: tk, batch: batch, time: time) { seqs, q, dQ in
                    loss.blockGradient(seqs, q: q, dQ: dQ, steps: s, lengths: lengths, carried: carried, endsTrial: endsTrial, rule: rule,
                                       kind: kind, imitation: imitation)
                }
            }
        }
        let t2 = clock.now
        // Summed in sequence order: the same whichever thread ran which block.
        var lossValue = loss.losses.reduce(0, +), imitationLoss = loss.imitationLosses.reduce(0, +)
        var qSum = loss.qSums.reduce(0, +), targetSum = loss.targetSums.reduce(0, +), count = loss.counts.reduce(0, +)
        var demonstratorShare = Float(demonstrators) / Float(batch), tokensTrained = lengths.reduce(0, +)
        var reduced = t2
        if let reducer {
            // One flat buffer: the whole gradient in a single allreduce.
            reducer.sum(UnsafeMutableBufferPointer(start: online.gradients.pointer, count: online.gradients.count))
            var totals = [Double(lossValue), Double(imitationLoss), qSum, targetSum, Double(count), Double(demonstrators), Double(tokensTrained)]
            totals.withUnsafeMutableBufferPointer { reducer.sum($0) }
            lossValue = Float(totals[0])
            imitationLoss = Float(totals[1])
            qSum = totals[2]
            targetSum = totals[3]
            count = Int(totals[4])
            demonstratorShare = Float(totals[5] / (Double(batch) * Double(reducer.ranks)))
            tokensTrained = Int(totals[6])
            reduced = clock.now
        }
        let warm = config.warmupUpdates > 0 ? min(1, Float(updates + 1) / Float(config.warmupUpdates)) : 1
        let norm = optimizer.update(parameters: online.parameters, gradients: online.gradients, learningRate: config.learningRate * warm)
        updates += 1
        if config.polyakTau < 1 {
            try? target.polyakUpdate(from: online, tau: config.polyakTau)
        } else if updates % max(1, config.targetEvery) == 0 {
            try? target.copyParameters(from: online)
        }
        let t3 = clock.now
        func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
        return UpdateStats(
            loss: lossValue, meanQ: count > 0 ? Float(qSum / Double(count)) : 0,
            meanTarget: count > 0 ? Float(targetSum / Double(count)) : 0, gradNorm: norm, tokens: tokensTrained,
            imitationLoss: imitationLoss, demonstratorFraction: demonstratorShare,
            timings: UpdateTimings(target: seconds(t1 - t0), forwardBackward: seconds(t2 - t1), optimizer: seconds(t3 - reduced),
                                   allreduce: seconds(reduced - t2)))
    }

    /// The newest landings from before `start`, oldest first, at most `limit`: indices `j`
    /// of `steps` where an episode begins after one that terminated (`steps[j − 1]`, the
    /// hole or goal that token shows). They may come from an earlier map of the trial: the
    /// model is not told when a map changes, and the decoder that acts carries them too.
    static func landingsBefore(_ start: Int, in steps: [TrialStep], atMost limit: Int) -> [Int] {
        var found: [Int] = []
        var j = min(start, steps.count) - 1
        while j >= 1, found.count < limit {
            if steps[j - 1].terminated { found.append(j) }
            j -= 1
        }
        return found.reversed()
    }

    /// The first step of the map that step `index` is on.
    static func mapStart(of index: Int, in steps: [TrialStep]) -> Int {
        var j = index
        while j > 0, steps[j].flags & TrialStep.mapStartBit == 0 { j -= 1 }
        return j
    }
}
