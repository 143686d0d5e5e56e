import NN

/// Which update the layer is taught.
public enum LSAAlgorithm: String, Codable, Hashable, Sendable, CaseIterable {
    /// Batch semi-gradient SARSA on a linear Q-function (``SARSAPrompt``).
    case sarsa
    /// Batch actor-critic: TD(0) critic, softmax policy-gradient actor (``ActorCriticPrompt``).
    case actorCritic = "actor-critic"
}

/// Settings of the second seed's experiment (cleanrl-style: one documented struct).
public struct LSAConfig: Codable, Hashable, Sendable {
    /// The taught update; nil (files written before actor-critic) is SARSA.
    public var algorithm: LSAAlgorithm?
    /// The actor's step size β (actor-critic only; nil: 0.5).
    public var beta: Double?
    /// Feature dimension d of φ(s, a) (and of the critic's x(s) and the policy's ψ(s, a)).
    public var features = 4
    /// Transitions per window (prompt columns before the query column).
    public var window = 40
    /// Random MDPs: states and actions.
    public var states = 5
    public var actions = 3
    /// Discount γ and the teacher's step size α.
    public var gamma = 0.9
    public var alpha = 0.5
    /// The behaviour acts ε-greedily on the current weights.
    public var epsilon = 0.3
    /// Teacher-mimicking training: MDP windows per Adam step, steps, learning rate.
    public var batch = 16
    public var steps = 3_000
    public var learningRate = 0.01
    /// Scale of the random initial P and V.
    public var initScale = 0.05
    public var seed: UInt64 = 1

    public init() {}

    public var kind: LSAAlgorithm { algorithm ?? .sarsa }
    public var actorStep: Double { beta ?? 0.5 }

    /// Rows of a prompt column: 2d + 1 for SARSA, 3d + 1 for actor-critic.
    public var dimension: Int { kind == .sarsa ? 2 * features + 1 : 3 * features + 1 }

    /// The query rows the teacher sets (SARSA: w; actor-critic: w and θ).
    public var outputRows: [Int] { kind == .sarsa ? Array(0..<features) : ActorCriticPrompt.outputRows(features: features) }

    /// The explicit layer for these settings.
    public var construction: LinearSelfAttention {
        kind == .sarsa ? LSAConstruction.layer(features: features, alpha: alpha)
            : ActorCriticPrompt.layer(features: features, alpha: alpha, beta: actorStep)
    }

    /// Cosine of a layer's identifiable parts with the construction's.
    public func constructionCosine(_ layer: LinearSelfAttention) -> Double {
        kind == .sarsa ? LSAConstruction.cosine(layer, features: features, alpha: alpha)
            : ActorCriticPrompt.cosine(layer, features: features, alpha: alpha, beta: actorStep)
    }
}
