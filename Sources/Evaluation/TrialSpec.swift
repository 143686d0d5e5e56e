import FrozenLake

/// One trial to evaluate: the map (or maps, for a non-stationary trial) an agent plays
/// for all of the trial's episodes.
public struct TrialSpec: Sendable, Hashable {
    /// Maps in play order; all of one shape.
    public let maps: [FrozenLakeMap]
    /// Episode counts after which the next map takes over (see ``NonStationaryEnv``).
    public let swapAfter: [Int]
    /// Scripted episodes put in the agent's memory before its first episode (stitching):
    /// the agent is shown each step as if it had taken it, but nothing is scored.
    public let context: [[Transition]]

    /// A stationary trial on one map, optionally after scripted context episodes.
    public init(map: FrozenLakeMap, context: [[Transition]] = []) {
        maps = [map]
        swapAfter = []
        self.context = context
    }

    /// A non-stationary trial; validated when the harness builds its environment.
    public init(maps: [FrozenLakeMap], swapAfter: [Int]) {
        self.maps = maps
        self.swapAfter = swapAfter
        context = []
    }

    /// Stationary trials on the first `count` maps of a suite's held-out `split`.
    public static func suite(_ suite: MapSuite, count: Int, seed: UInt64, split: MapSplit = .evaluation) -> [TrialSpec] {
        suite.maps(count: count, seed: seed, split: split).map({ TrialSpec(map: $0) })
    }
}

/// What an agent factory gets for one trial.
public struct TrialSetup: Sendable {
    /// Position of the trial in the evaluation (0-based).
    public let index: Int
    /// Shape and dynamics: everything an in-context learner may know.
    public let info: TrialInfo
    /// The trial's first map. Only agents that are *meant* to see the map (known-map)
    /// may read this; an in-context learner must be built from ``info`` alone.
    public let revealedMap: FrozenLakeMap

    public init(index: Int, info: TrialInfo, revealedMap: FrozenLakeMap) {
        self.index = index
        self.info = info
        self.revealedMap = revealedMap
    }
}
