/// A trial whose map changes between episodes without any signal to the agent — the
/// paper's non-stationary experiment ("map swapped after episode 30").
///
/// `maps[0]` is played for the first `swapAfter[0]` episodes, `maps[1]` from then until
/// episode `swapAfter[1]`, and so on. All maps must share one shape, because the agent's
/// observation space (and the transformer's vocabulary of cells) cannot change
/// mid-trial. A stationary trial is the special case of one map and no swaps, which is
/// how the evaluation harness runs every trial.
public struct NonStationaryEnv: Sendable {
    /// The maps in play order.
    public let maps: [FrozenLakeMap]
    /// Episode counts after which the next map takes over, strictly increasing, ≥ 1.
    public let swapAfter: [Int]
    /// The environment of the current map (its random stream carries across swaps).
    public private(set) var env: FrozenLakeEnv
    /// Index of the current episode (0-based); −1 before the first reset.
    public private(set) var episodeIndex: Int = -1
    /// Index into ``maps`` of the map in play.
    public private(set) var mapIndex: Int = 0

    /// - Throws: ``EnvError/shapeMismatch(expected:found:)`` if the maps differ in shape,
    ///   ``EnvError/invalidSchedule(_:)`` if `swapAfter` does not have one entry per swap
    ///   or is not strictly increasing from at least 1.
    public init(maps: [FrozenLakeMap], swapAfter: [Int], config: EnvConfig = .paper, seed: UInt64 = 0) throws(EnvError) {
        guard let first = maps.first else { throw .invalidSchedule("no maps given") }
        guard swapAfter.count == maps.count - 1 else {
            throw .invalidSchedule("\(maps.count) maps need \(maps.count - 1) swap points, got \(swapAfter.count)")
        }
        var previous = 0
        for k in swapAfter {
            guard k > previous else { throw .invalidSchedule("swap points must increase from 1, got \(swapAfter)") }
            previous = k
        }
        for map in maps where map.geometry != first.geometry {
            throw .shapeMismatch(expected: first.geometry, found: map.geometry)
        }
        self.maps = maps
        self.swapAfter = swapAfter
        env = FrozenLakeEnv(map: first, config: config, seed: seed)
    }

    /// Two maps: `first` for episodes `0..<swapAfterEpisode`, `second` from then on.
    public init(
        first: FrozenLakeMap, second: FrozenLakeMap, swapAfterEpisode: Int,
        config: EnvConfig = .paper, seed: UInt64 = 0
    ) throws(EnvError) {
        try self.init(maps: [first, second], swapAfter: [swapAfterEpisode], config: config, seed: seed)
    }

    /// The map in play.
    public var currentMap: FrozenLakeMap { env.map }

    /// Slipperiness and step limit (shared by all maps).
    public var config: EnvConfig { env.config }

    /// The shape every map of this trial has.
    public var geometry: GridGeometry { env.geometry }

    /// Starts the next episode on a uniformly chosen start of the map now in play.
    @discardableResult
    public mutating func reset() -> Int {
        advanceEpisode()
        return env.reset()
    }

    /// Starts the next episode on a chosen walkable cell (scripted episodes).
    @discardableResult
    public mutating func reset(startingAt cell: Int) throws(EnvError) -> Int {
        advanceEpisode()
        return try env.reset(startingAt: cell)
    }

    /// One step on the current map; same contract as ``FrozenLakeEnv/step(_:)``.
    public mutating func step(_ action: Int) throws(EnvError) -> StepResult {
        try env.step(action)
    }

    private mutating func advanceEpisode() {
        episodeIndex += 1
        var index = 0
        while index < swapAfter.count, episodeIndex >= swapAfter[index] {
            index += 1
        }
        if index != mapIndex {
            mapIndex = index
            env = FrozenLakeEnv(map: maps[index], config: env.config, rng: env.rng)
        }
    }
}
