/// Gymnasium `FrozenLake-v1` (wrapped in its `TimeLimit`) as a value type, step for step.
///
/// Dynamics, pinned by tests to transition tables exported from Gymnasium itself:
/// actions LEFT=0, DOWN=1, RIGHT=2, UP=3; a move off the grid stays put; entering `G`
/// gives reward 1 and terminates, entering `H` gives 0 and terminates; the episode is
/// truncated when `elapsedSteps` reaches `config.maxSteps` (both flags can be true on
/// the same step). When slippery, the move goes in direction `(a-1) mod 4`, `a`,
/// `(a+1) mod 4` with probabilities `fail, successRate, fail` — and the choice is made
/// from one uniform number with NumPy's `argmax(cumsum(p) > u)` rule, so feeding the
/// same uniforms (``step(_:uniform:)``) reproduces Gymnasium's outcomes exactly.
///
/// The hot path (``step(_:)``) is a table lookup: next cells and cell kinds are
/// precomputed once per map.
public struct FrozenLakeEnv: Sendable {
    /// The map being played.
    public let map: FrozenLakeMap
    /// Slipperiness and step limit.
    public let config: EnvConfig
    /// The environment's own randomness (slips and uniform start choice).
    public var rng: Xoshiro256
    /// The current cell (`row * cols + col`).
    public private(set) var observation: Int
    /// Steps taken in the current episode.
    public private(set) var elapsedSteps: Int
    /// True before the first reset and after a terminal or truncating step.
    public private(set) var isDone: Bool

    /// `nextCell[s * 4 + d]`: where moving in direction `d` from `s` lands.
    let nextCell: [Int32]
    /// Per cell: 0 = walkable (S/F), 1 = hole, 2 = goal.
    let kind: [UInt8]
    /// Start cells, ascending (Gymnasium's order).
    let starts: [Int]
    /// Cumulative slip probabilities `c0 = fail`, `c1 = fail + success`, `c2 = c1 + fail`,
    /// summed in NumPy's order so float rounding matches too.
    let slipCumulative: (Double, Double, Double)

    /// Creates an environment; call ``reset()`` (or another reset) before stepping.
    public init(map: FrozenLakeMap, config: EnvConfig = .paper, seed: UInt64 = 0) {
        self.init(map: map, config: config, rng: Xoshiro256(seed: seed))
    }

    /// Creates an environment that continues an existing random stream (used when a
    /// non-stationary trial swaps maps, so the slips stay one reproducible sequence).
    public init(map: FrozenLakeMap, config: EnvConfig, rng: Xoshiro256) {
        self.map = map
        self.config = config
        self.rng = rng
        let geometry = map.geometry
        var next = [Int32](repeating: 0, count: map.cellCount * Action.count)
        for s in 0..<map.cellCount {
            for d in 0..<Action.count {
                next[s * Action.count + d] = Int32(geometry.neighbor(of: s, direction: d))
            }
        }
        nextCell = next
        kind = map.cells.map { cell in
            switch cell {
            case .hole: 1
            case .goal: 2
            case .start, .frozen: 0
            }
        }
        starts = map.startObservations
        let fail = config.failRate
        let c1 = fail + config.successRate
        slipCumulative = (fail, c1, c1 + fail)
        observation = starts[0]
        elapsedSteps = 0
        isDone = true
    }

    /// Starts an episode on a uniformly chosen start cell, drawn from the env's own generator.
    @discardableResult
    public mutating func reset() -> Int {
        reset(uniform: rng.nextDouble())
    }

    /// Starts an episode on a uniformly chosen start cell, drawn from `generator`.
    @discardableResult
    public mutating func reset<G: RandomNumberGenerator>(using generator: inout G) -> Int {
        reset(uniform: Double(generator.next() >> 11) * 0x1.0p-53)
    }

    /// Starts an episode on the start cell that Gymnasium's `categorical_sample` picks for
    /// the uniform number `u` in [0, 1): the first start whose cumulative probability
    /// exceeds `u`. (Where float rounding leaves no such start, which happens with
    /// probability below 2⁻⁵², Gymnasium would pick cell 0; we pick the last start.)
    @discardableResult
    public mutating func reset(uniform u: Double) -> Int {
        let p = 1.0 / Double(starts.count)
        var cumulative = 0.0
        var chosen = starts[starts.count - 1]
        for s in starts {
            cumulative += p
            if cumulative > u {
                chosen = s
                break
            }
        }
        return begin(at: chosen)
    }

    /// Starts a scripted episode on any walkable (S or F) cell — for stitching contexts
    /// and tests. The agent sees only the observation, as for any other start.
    /// - Throws: ``EnvError/invalidStart(observation:cellCount:)`` for a hole, a goal, or
    ///   a cell outside the map.
    @discardableResult
    public mutating func reset(startingAt cell: Int) throws(EnvError) -> Int {
        guard cell >= 0, cell < map.cellCount, kind[cell] == 0 else {
            throw .invalidStart(observation: cell, cellCount: map.cellCount)
        }
        return begin(at: cell)
    }

    private mutating func begin(at cell: Int) -> Int {
        observation = cell
        elapsedSteps = 0
        isDone = false
        return cell
    }

    /// Takes one step; slips (if any) are drawn from the env's own generator.
    /// - Throws: ``EnvError/invalidAction(_:)`` outside 0...3, ``EnvError/episodeOver``
    ///   if the episode has ended.
    public mutating func step(_ action: Int) throws(EnvError) -> StepResult {
        let u = config.slippery ? rng.nextDouble() : 0.0
        return try step(action, uniform: u)
    }

    /// Takes one step with an explicit uniform number `u` in [0, 1) deciding the slip
    /// (ignored when not slippery). Gymnasium draws one such number per step; passing
    /// the same numbers reproduces its trajectories exactly.
    public mutating func step(_ action: Int, uniform u: Double) throws(EnvError) -> StepResult {
        guard action >= 0, action < Action.count else { throw .invalidAction(action) }
        guard !isDone else { throw .episodeOver }
        var direction = action
        if config.slippery {
            if u < slipCumulative.0 {
                direction = (action &+ 3) & 3
            } else if u < slipCumulative.1 {
                direction = action
            } else if u < slipCumulative.2 {
                direction = (action &+ 1) & 3
            } else {
                // NumPy's argmax over an all-false mask is index 0: the first entry.
                direction = (action &+ 3) & 3
            }
        }
        let next = Int(nextCell[observation &* Action.count &+ direction])
        let cellKind = kind[next]
        observation = next
        elapsedSteps &+= 1
        let terminated = cellKind != 0
        let truncated = elapsedSteps >= config.maxSteps
        isDone = terminated || truncated
        return StepResult(
            observation: next, reward: cellKind == 2 ? 1.0 : 0.0,
            terminated: terminated, truncated: truncated)
    }

    /// The agent-facing shape of this environment.
    public var geometry: GridGeometry { map.geometry }
}
