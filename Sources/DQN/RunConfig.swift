import Foundation
import NN

/// Everything that defines a training run: tokens, model, learner and rollouts.
/// The learner writes it to the run folder and into checkpoints, and sends it with
/// every weights message, so an actor started with nothing but the learner's address
/// runs exactly the learner's configuration.
public struct RunConfig: Codable, Hashable, Sendable {
    public var tokenizer: TokenizerConfig
    public var model: TransformerConfig
    public var dqn: DQNConfig
    public var rollout: RolloutConfig
    /// Replay capacity in steps (10 bytes each) and the fill level before learning starts.
    public var replayCapacitySteps = 1_000_000
    public var minReplaySteps = 20_000
    /// Target replay ratio: tokens trained per environment step collected. The learner
    /// stops reading experience when actors run ahead of it (back-pressure), so on a
    /// small machine actors do not starve the learner of CPU.
    public var replayRatio: Double = 8
    /// Weights go to the actors every this many updates.
    public var broadcastEvery = 10
    /// Seconds between checkpoints.
    public var checkpointSeconds: Double = 120
    /// Seconds between metrics lines.
    public var metricsSeconds: Double = 5
    public var seed: UInt64 = 1

    public init(tokenizer: TokenizerConfig, model: TransformerConfig, dqn: DQNConfig, rollout: RolloutConfig) {
        self.tokenizer = tokenizer
        self.model = model
        self.dqn = dqn
        self.rollout = rollout
    }

    /// Identifies the model and token format: peers with another fingerprint cannot share weights.
    public var fingerprint: UInt64 {
        let tokens = try! JSONEncoder.sorted.encode(tokenizer)
        return FNV1a64.hash(Array(tokens), state: model.fingerprint)
    }

    /// A configuration that cannot run, with what to change.
    public struct ConfigError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { "run config: \(message)" }
    }

    /// Checks what the types alone cannot: that the pieces fit together. The learner and
    /// actors call it before building anything, so a hand-edited config fails with a
    /// message instead of trapping later.
    public func validate() throws(ConfigError) {
        let vocabularies = Tokenizer(config: tokenizer).vocabularies
        guard (1...16).contains(tokenizer.canvas) else {
            throw ConfigError(message: "tokenizer.canvas \(tokenizer.canvas) must be in 1...16")
        }
        guard model.featureVocabularies == vocabularies else {
            throw ConfigError(message: "model.featureVocabularies \(model.featureVocabularies) do not match the tokenizer's \(vocabularies); write the tokenizer's into the model config")
        }
        guard dqn.windowLength >= 1, dqn.windowLength <= model.contextLength else {
            throw ConfigError(message: "dqn.windowLength \(dqn.windowLength) must be in 1...model.contextLength (\(model.contextLength))")
        }
        guard dqn.carriedLandings >= 0, dqn.carriedLandings <= dqn.windowLength / 2 else {
            throw ConfigError(message: "dqn.carriedLandings \(dqn.carriedLandings) must be in 0...windowLength / 2 (\(dqn.windowLength / 2)): a window keeps at least half its tokens consecutive")
        }
        guard dqn.carriedLandings == 0 || tokenizer.landingsOnlyOnTermination else {
            throw ConfigError(message: "dqn.carriedLandings needs tokenizer.landingsOnlyOnTermination: with it off, a timeout's next token shows a landing too, and the decoder would carry those")
        }
        guard dqn.carriedLandings == 0 || (!dqn.augmentsSymmetries && dqn.episodeShuffleFraction == 0) else {
            throw ConfigError(message: "dqn.carriedLandings works on windows as stored: turn off dqn.augmentsSymmetries and set dqn.episodeShuffleFraction to 0, or set carriedLandings to 0")
        }
        guard dqn.batchSize >= 1 else { throw ConfigError(message: "dqn.batchSize must be at least 1") }
        guard (0...1_000).contains(dqn.teacherUnknownStepCost), (0...1_000).contains(rollout.oracleUnknownStepCost) else {
            throw ConfigError(message: "dqn.teacherUnknownStepCost and rollout.oracleUnknownStepCost count steps: 0...1000 (0: belief-greedy, 3: the cautious oracle)")
        }
        guard (0...1).contains(rollout.exploringStartFraction) else {
            throw ConfigError(message: "rollout.exploringStartFraction \(rollout.exploringStartFraction) must be in 0...1")
        }
        guard (0...1).contains(dqn.trialStartFraction) else {
            throw ConfigError(message: "dqn.trialStartFraction \(dqn.trialStartFraction) must be in 0...1")
        }
        if dqn.teacherRelabel {
            guard dqn.imitationWeight > 0 else {
                throw ConfigError(message: "dqn.teacherRelabel labels every token for the margin term, which dqn.imitationWeight 0 turns off; give it a weight (e.g. 1)")
            }
        }
    }

    public func json() -> String {
        String(decoding: try! JSONEncoder.sorted.encode(self), as: UTF8.self)
    }

    public static func from(json: String) throws -> RunConfig {
        try JSONDecoder().decode(RunConfig.self, from: Data(json.utf8))
    }
}

extension JSONEncoder {
    /// Sorted keys, so the same config always gives the same bytes (and fingerprint).
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
