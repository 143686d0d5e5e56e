import FrozenLake

/// How an actor generates experience (cleanrl-style documented defaults).
public struct RolloutConfig: Codable, Hashable, Sendable {
    /// Environments stepped together (batched through the model).
    public var environments = 64
    /// Maps a trial visits; the map changes without warning between them.
    public var mapsPerTrial = 1
    /// Episodes on each map: drawn uniformly from this range (the paper: 20–40).
    public var episodesPerMapMin = 20
    public var episodesPerMapMax = 40
    /// Step limit per episode (Gymnasium's FrozenLake-v1: 100). A lower limit in training
    /// keeps lost episodes from filling the context.
    public var episodeStepLimit = 100
    /// Training maps come from this suite's training split (never the evaluation split).
    public var suite: String = MapSuite.inDistribution.rawValue
    /// When set (rows separated by commas), every trial plays this one map instead of
    /// drawing from the suite: for smoke tests.
    public var fixedMap: String?
    /// Slippery dynamics.
    public var slippery = false
    /// Relative weight of each behaviour when a trial picks who acts in it.
    public var modelWeight: Double = 1
    public var randomWeight: Double = 0
    public var qlearningWeight: Double = 0
    public var oracleWeight: Double = 0
    /// ε-greedy schedule of the model behaviour, linear in learner updates.
    public var epsilonStart: Double = 1
    public var epsilonEnd: Double = 0.05
    public var epsilonDecayUpdates = 5_000
    /// Steps per experience chunk.
    public var chunkSteps = 64

    public init() {}

    /// ε after `updates` learner updates.
    public func epsilon(updates: Int) -> Double {
        guard epsilonDecayUpdates > 0 else { return epsilonEnd }
        let f = min(1, Double(updates) / Double(epsilonDecayUpdates))
        return epsilonStart + (epsilonEnd - epsilonStart) * f
    }

    /// The map suite, validated.
    public var mapSuite: MapSuite? { MapSuite(rawValue: suite) }
}
