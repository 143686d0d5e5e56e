import DQN
import NN
import Testing

@Suite("DQN learner with the DQfD margin term")
struct DQNLearnerImitationTests {
    /// Demonstrator trials on a 4×4 map whose expert action is a fixed function of the cell;
    /// rewards are all zero, so TD alone has no reason to prefer any action.
    func replay(behaviour: RolloutBehaviour) throws -> ReplayBuffer {
        var replay = ReplayBuffer(capacitySteps: 10_000)
        var rng = SplitMixForTests(7)
        for trial in 0..<20 {
            let cells = (0...24).map { _ in UInt16(rng.next() % 16) }
            let steps = (0..<24).map { i -> TrialStep in
                let cell = cells[i]
                // The walk teleports (the dynamics are not what is learned), but each step
                // starts where the one before it landed, as the replay requires.
                let flags = i % 6 == 0 ? TrialStep.episodeStartBit | (i == 0 ? TrialStep.mapStartBit : 0)
                    : (i % 6 == 5 ? TrialStep.truncatedBit : 0)
                return TrialStep(
                    observation: cell, nextObservation: cells[i + 1], action: Self.expert(cell), reward: 0,
                    flags: flags, rows: 4, cols: 4)
            }
            try replay.append(steps, to: .init(incarnation: 1, trialID: UInt64(trial)), firstStep: 0, done: true, behaviour: behaviour.wireValue)
        }
        return replay
    }

    static func expert(_ cell: UInt16) -> UInt8 { UInt8((cell * 3 + 1) % 4) }

    /// Fraction of the replay's positions whose greedy action is the expert's after `updates`.
    func agreement(imitationWeight: Float, behaviour: RolloutBehaviour, updates: Int) throws -> Double {
        let tokenizerConfig = TokenizerConfig(observation: .rowColumn, canvas: 4, randomPlacement: false)
        let tokenizer = Tokenizer(config: tokenizerConfig)
        let model = TransformerConfig(featureVocabularies: tokenizer.vocabularies, dModel: 16, heads: 2, layers: 1, mlpHidden: 32, contextLength: 16)
        var config = DQNConfig()
        config.batchSize = 8
        config.windowLength = 16
        config.warmupUpdates = 0
        config.learningRate = 3e-3
        config.imitationWeight = imitationWeight
        config.imitationMargin = 1
        let learner = try DQNLearner(config: config, tokenizer: tokenizer, model: model, seed: 3)
        let data = try replay(behaviour: behaviour)
        var rng = SplitMixForTests(11)
        for _ in 0..<updates {
            #expect(learner.sampleBatch(from: data, using: &rng))
            _ = learner.trainOnSampledBatch()
        }
        var agree = 0, total = 0
        for trial in data.trials {
            let window = Array(trial.steps.prefix(16))
            var tokens = [Int32](repeating: 0, count: window.count * model.featureCount)
            window.withUnsafeBufferPointer { w in
                tokens.withUnsafeMutableBufferPointer { tokenizer.encode(into: $0.baseAddress!, window: w, previous: nil) }
            }
            let q = learner.online.predict(tokens: tokens, batch: 1, time: window.count)
            for (t, step) in window.enumerated() {
                let row = q[(t * 4)..<(t * 4 + 4)]
                let greedy = row.indices.max { row[$0] < row[$1] }! - t * 4
                agree += greedy == Int(step.action) ? 1 : 0
                total += 1
            }
        }
        return Double(agree) / Double(total)
    }

    @Test("the margin term teaches the demonstrator's actions; TD alone on zero rewards does not; other behaviours are not imitated")
    func imitation() throws {
        let imitated = try agreement(imitationWeight: 1, behaviour: .oracle, updates: 150)
        let tdOnly = try agreement(imitationWeight: 0, behaviour: .oracle, updates: 150)
        let notDemonstrator = try agreement(imitationWeight: 1, behaviour: .random, updates: 150)
        #expect(imitated > 0.9, "greedy agrees with the expert at \(imitated)")
        #expect(tdOnly < 0.6, "TD alone agrees at \(tdOnly)")
        #expect(notDemonstrator < 0.6, "random trials imitated: \(notDemonstrator)")
    }
}

/// A tiny deterministic generator for test data.
struct SplitMixForTests: RandomNumberGenerator {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
