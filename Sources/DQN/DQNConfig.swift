import NN

/// The learner's hyperparameters (cleanrl-style: one documented struct, defaults that work).
/// Stored in the run folder and in every checkpoint.
public struct DQNConfig: Codable, Hashable, Sendable {
    /// Windows per update.
    public var batchSize = 32
    /// Tokens per window; at most the model's context. Windows of shorter trials are padded.
    public var windowLength = 256
    /// Regression targets: discount, reward scale, bootstrap mode.
    public var gamma: Float = 0.9
    public var gammaAcrossEpisodes: Float = 0.9
    public var rewardScale: Float = 30
    public var bootstrap: DQNTargets.Bootstrap = .episode
    /// Target network: Polyak τ per update (1 = hard copy every `targetEvery` updates).
    public var polyakTau: Float = 0.01
    public var targetEvery = 1
    /// Huber δ on the TD error (in scaled-reward units); nil uses the squared error.
    public var huberDelta: Float? = 10
    /// AdamW.
    public var learningRate: Float = 3e-4
    public var weightDecay: Float = 0.01
    public var maxGradNorm: Float = 1.0
    /// Linear learning-rate warm-up over this many updates.
    public var warmupUpdates = 200

    public init() {}

    var lossKind: QRegressionLoss.Kind {
        huberDelta.map { .huber(delta: $0) } ?? .squared
    }

    var targets: DQNTargets {
        DQNTargets(gamma: gamma, gammaAcrossEpisodes: gammaAcrossEpisodes, rewardScale: rewardScale, bootstrap: bootstrap)
    }

    var adam: AdamW.Hyperparameters {
        AdamW.Hyperparameters(learningRate: learningRate, weightDecay: weightDecay, maxGradNorm: maxGradNorm)
    }
}
